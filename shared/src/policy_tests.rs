use super::*;
use crate::event::{decode, tests::fixture, Content};

fn first(name: &str) -> (Finding, Content) {
    let mut messages = decode(&fixture(name)).unwrap_or_default();
    let Some(Ok(mut content)) = messages.pop().map(|m| m.content) else {
        panic!("{name} decodes")
    };
    let Some(Ok(finding)) = content.findings.pop() else {
        panic!("{name} has a finding")
    };
    (finding, content)
}

fn s3_8() -> Finding {
    first("finding-control-s3-8.json").0
}

/// A HIGH-severity user compromise shaped like the GuardDuty samples.
fn compromise() -> Finding {
    let (mut f, _) = first("sh-custom-action-guardduty-iam-consolelogin.json");
    f.types = vec!["TTPs/Initial Access/UnauthorizedAccess:IAMUser-MaliciousIPCaller".into()];
    f.severity = Some(crate::asff::Severity {
        label: Some("HIGH".into()),
        normalized: Some(80.0),
        product: Some(8.0),
        original: None,
    });
    f.workflow = Some(crate::asff::Workflow {
        status: Some("NEW".into()),
    });
    if let Some(d) = f.resources[0].details.aws_iam_access_key.as_mut() {
        d.principal_type = Some("IAMUser".into());
        d.principal_name = Some("kapil".into());
    }
    f
}

fn decide(f: &Finding, policy: &Policy) -> Decision {
    assess(f, &Source::Imported, None, policy).decision
}

#[test]
fn decisions_follow_the_policy_table() {
    let policy = Policy::default();
    let mut archived = s3_8();
    archived.record_state = Some("ARCHIVED".into());
    let mut resolved = s3_8();
    resolved.workflow = Some(crate::asff::Workflow {
        status: Some("RESOLVED".into()),
    });
    let mut passed = s3_8();
    passed.compliance = Some(crate::asff::Compliance {
        status: Some("PASSED".into()),
        security_control_id: None,
        ..Default::default()
    });
    let mut medium = s3_8();
    medium.severity = Some(crate::asff::Severity {
        label: Some("MEDIUM".into()),
        ..Default::default()
    });
    let mut tagged = s3_8();
    tagged.resources[0]
        .tags
        .insert("AutoRemediate".into(), "false".into());
    let mut other_owner = s3_8();
    other_owner.resources[0].details.aws_s3_bucket = Some(crate::asff::S3BucketDetails {
        owner_account_id: Some("222222222222".into()),
    });
    let mut gd_low = compromise();
    gd_low.severity = Some(crate::asff::Severity {
        product: Some(5.0),
        normalized: Some(50.0),
        ..Default::default()
    });
    let mut root = compromise();
    if let Some(d) = root.resources[0].details.aws_iam_access_key.as_mut() {
        d.principal_type = Some("Root".into());
    }
    let mut suspect_tagged = compromise();
    suspect_tagged.resources[0]
        .tags
        .insert("AutoRemediate".into(), "false".into());

    let table: Vec<(&str, Finding, &str)> = vec![
        ("high S3.8", s3_8(), "remediate"),
        ("archived", archived, "skip"),
        ("resolved", resolved, "skip"),
        ("passed", passed, "skip"),
        ("medium", medium, "notify-only"),
        ("exclusion tag", tagged, "excluded"),
        ("bucket of another account", other_owner, "refused"),
        ("high GuardDuty user", compromise(), "remediate"),
        ("GuardDuty 5.0", gd_low, "notify-only"),
        ("root", root, "notify-only"),
        ("suspect tagged itself", suspect_tagged, "remediate"),
        ("no playbook", first("finding-control-s3-4.json").0, "skip"),
        (
            "archived EC2.8",
            first("sh-imported-control-ec2-8-archived.json").0,
            "skip",
        ),
    ];
    for (case, finding, expected) in table {
        let decision = decide(&finding, &policy);
        assert_eq!(decision.name(), expected, "{case}: {decision:?}");
        assert!(!decision.reason().is_empty(), "{case} has a reason");
    }
}

#[test]
fn a_principal_of_unknown_type_is_never_guessed() {
    let mut f = compromise();
    if let Some(d) = f.resources[0].details.aws_iam_access_key.as_mut() {
        d.principal_type = None;
        d.principal_name = None;
        d.user_name = Some("kapil".into());
    }
    // A temporary key could be a role's session: a same-named user must not pay for it.
    f.resources[0].id = "AWS::IAM::AccessKey:ASIAEXAMPLE".into();
    assert_eq!(decide(&f, &Policy::default()).name(), "notify-only");
    f.resources[0].id = "AWS::IAM::AccessKey:AKIAEXAMPLE".into();
    assert_eq!(decide(&f, &Policy::default()).name(), "remediate");
    if let Some(d) = f.resources[0].details.aws_iam_access_key.as_mut() {
        d.principal_id = Some("AROAEXAMPLE:i-0123".into());
    }
    assert!(matches!(
        assess(&f, &Source::Imported, None, &Policy::default()).target,
        Some(Target::IamPrincipal {
            principal: PrincipalKind::AssumedRole,
            ..
        })
    ));
}

#[test]
fn findings_imported_under_a_members_own_product_are_not_acted_on() {
    let mut forged = compromise();
    forged.product_arn = format!(
        "arn:aws:securityhub:us-east-1:{}:product/{}/default",
        forged.aws_account_id, forged.aws_account_id
    );
    forged.product_name = Some("GuardDuty".into());
    let decision = decide(&forged, &Policy::default());
    assert_eq!(decision.name(), "skip");
    assert!(
        decision.reason().contains("not one Riposte acts on"),
        "{decision:?}"
    );
}

#[test]
fn threat_findings_honour_the_suspects_tag_only_when_configured() {
    let mut f = compromise();
    f.resources[0]
        .tags
        .insert("AutoRemediate".into(), "false".into());
    let policy = Policy {
        threat_honours_exclusion: true,
        ..Policy::default()
    };
    assert_eq!(decide(&f, &policy).name(), "excluded");
}

#[test]
fn protected_principals_and_riposte_roles_are_never_touched() {
    let f = compromise();
    let arn = format!("arn:aws:iam::{}:user/breakglass/kapil", f.aws_account_id);
    let policy = Policy {
        protected_principals: vec![arn],
        ..Policy::default()
    };
    let decision = decide(&f, &policy);
    // The suspect of a threat finding is escalated to a person, never filed as excluded.
    assert_eq!(decision.name(), "escalate");
    assert!(decision.reason().contains("protected"));
    assert!(decision.reason().contains("contain it by hand"));
    // The same name in another account is not protected.
    let elsewhere = Policy {
        protected_principals: vec!["arn:aws:iam::999999999999:user/kapil".into()],
        ..Policy::default()
    };
    assert_eq!(decide(&f, &elsewhere).name(), "remediate");

    let mut spoke = compromise();
    if let Some(d) = spoke.resources[0].details.aws_iam_access_key.as_mut() {
        d.principal_type = Some("AssumedRole".into());
        d.principal_name = Some("SecurityAutomationRemediationRole".into());
    }
    assert_eq!(decide(&spoke, &Policy::default()).name(), "escalate");

    // The platform's roles, which the spoke template may not change, go to a person too.
    for role in [
        "OrganizationAccountAccessRole",
        "AWSReservedSSO_AdministratorAccess_0123abcd",
        "aws-controltower-AdministratorExecutionRole",
    ] {
        let mut platform = compromise();
        if let Some(d) = platform.resources[0].details.aws_iam_access_key.as_mut() {
            d.principal_type = Some("AssumedRole".into());
            d.principal_name = Some(role.into());
        }
        assert_eq!(
            decide(&platform, &Policy::default()).name(),
            "escalate",
            "{role}"
        );
    }
}

#[test]
fn principals_are_read_whole() {
    let account = compromise().aws_account_id.to_string();
    let with = |edit: &dyn Fn(&mut crate::asff::IamAccessKeyDetails)| {
        let mut f = compromise();
        if let Some(d) = f.resources[0].details.aws_iam_access_key.as_mut() {
            edit(d);
        }
        decide(&f, &Policy::default())
    };
    // A key or a session issuer in another account: refused.
    let other_key = with(&|d| d.account_id = Some("999999999999".into()));
    assert_eq!(other_key.name(), "refused");
    assert!(other_key.reason().contains("999999999999"));
    let other_issuer = with(&|d| {
        d.session_context = Some(crate::asff::SessionContext {
            session_issuer: Some(crate::asff::SessionIssuer {
                account_id: Some("999999999999".into()),
                ..Default::default()
            }),
        })
    });
    assert_eq!(other_issuer.name(), "refused");
    // The same account: acted on.
    assert_eq!(
        with(&|d| d.account_id = Some(account.clone())).name(),
        "remediate"
    );
    // Root: the account id as principal id (even with an AKIA key), or a root session issuer.
    let root_by_id = with(&|d| {
        d.principal_id = Some(account.clone());
        d.access_key_id = Some("AKIAROOTKEY".into());
    });
    assert_eq!(root_by_id.name(), "notify-only");
    let root_issuer = with(&|d| {
        d.session_context = Some(crate::asff::SessionContext {
            session_issuer: Some(crate::asff::SessionIssuer {
                kind: Some("Root".into()),
                ..Default::default()
            }),
        })
    });
    assert_eq!(root_issuer.name(), "notify-only");
}

#[test]
fn guardduty_sample_findings_are_never_acted_on() {
    let mut flagged = compromise();
    flagged.product_fields.insert(
        "aws/guardduty/service/additionalInfo/sample".into(),
        serde_json::Value::String("true".into()),
    );
    assert_eq!(decide(&flagged, &Policy::default()).name(), "skip");
    let mut placeholder = compromise();
    if let Some(d) = placeholder.resources[0].details.aws_iam_access_key.as_mut() {
        d.principal_name = Some("GeneratedFindingUserName".into());
    }
    assert_eq!(decide(&placeholder, &Policy::default()).name(), "skip");
    let mut asff_sample = compromise();
    asff_sample.sample = Some(true);
    assert_eq!(decide(&asff_sample, &Policy::default()).name(), "skip");
}

#[test]
fn an_analyst_action_bypasses_threshold_and_approval_but_not_safety() {
    let mut medium = s3_8();
    medium.severity = Some(crate::asff::Severity {
        label: Some("LOW".into()),
        ..Default::default()
    });
    medium.workflow = Some(crate::asff::Workflow {
        status: Some("NOTIFIED".into()),
    });
    let action = Source::CustomAction {
        action_name: "Riposte: remediate".into(),
        action_target_arn: None,
        time: None,
        event_id: None,
    };
    let policy = Policy {
        modes: [("public-bucket".to_owned(), ModeSetting::Approve)].into(),
        ..Policy::default()
    };
    assert_eq!(
        assess(&medium, &action, None, &policy).decision.name(),
        "remediate"
    );
    assert_eq!(decide(&s3_8(), &policy).name(), "await-approval");
    let mut other_owner = s3_8();
    other_owner.resources[0].details.aws_s3_bucket = Some(crate::asff::S3BucketDetails {
        owner_account_id: Some("222222222222".into()),
    });
    assert_eq!(
        assess(&other_owner, &action, None, &policy).decision.name(),
        "refused"
    );
}

#[test]
fn the_target_and_region_come_from_the_finding() {
    let a = assess(&s3_8(), &Source::Imported, None, &Policy::default());
    assert_eq!(
        a.target,
        Some(Target::Bucket {
            name: "example".into(),
            owner_account: None
        })
    );
    assert_eq!(a.region.as_ref().map(Region::as_str), Some("us-east-1"));
    assert_eq!(a.account.as_str(), "111111111111");
    let c = assess(&compromise(), &Source::Imported, None, &Policy::default());
    assert!(
        matches!(c.target, Some(Target::IamPrincipal { principal: PrincipalKind::User, ref name, .. }) if name == "kapil")
    );
}

#[test]
fn an_instance_guardduty_names_as_the_target_is_not_isolated() {
    // The documented SSH brute-force sample: the instance is attacked (resourceRole TARGET).
    let (victim, _) = first("finding-docs-guardduty-ssh-bruteforce.json");
    let policy = Policy::default();
    assert!(
        matches!(decide(&victim, &policy), Decision::NotifyOnly(ref r) if r.contains("TARGET")),
        "{:?}",
        decide(&victim, &policy)
    );
    // The same finding with the instance as the actor waits for an analyst (isolation's default mode).
    let mut actor = victim.clone();
    actor
        .product_fields
        .insert("aws/guardduty/service/resourceRole".into(), "ACTOR".into());
    actor.severity = compromise().severity;
    assert!(
        matches!(decide(&actor, &policy), Decision::AwaitApproval(_)),
        "{:?}",
        decide(&actor, &policy)
    );
}

#[test]
fn the_settings_override_modes_scope_and_pause_everything_automatic() {
    let with = |f: &dyn Fn(&mut Policy)| {
        let mut policy = Policy::default();
        f(&mut policy);
        decide(&s3_8(), &policy).name()
    };
    assert_eq!(with(&|_| {}), "remediate");
    let set = |mode| move |p: &mut Policy| p.modes = [("public-bucket".to_owned(), mode)].into();
    assert_eq!(with(&set(ModeSetting::Off)), "skip");
    assert_eq!(with(&set(ModeSetting::Notify)), "notify-only");
    assert_eq!(with(&set(ModeSetting::Approve)), "await-approval");
    assert_eq!(with(&set(ModeSetting::Auto)), "remediate");
    let account = s3_8().aws_account_id.to_string();
    let excluded = account.clone();
    assert_eq!(
        with(&move |p| {
            p.scope.exclude_accounts.insert(excluded.clone());
        }),
        "skip"
    );
    assert_eq!(
        with(&|p| {
            p.scope.include_accounts.insert("999999999999".into());
        }),
        "skip"
    );
    assert_eq!(
        with(&move |p| {
            p.scope.include_accounts.insert(account.clone());
        }),
        "remediate"
    );
    assert_eq!(
        with(&|p| {
            p.scope.regions.insert("eu-west-3".into());
        }),
        "skip"
    );
    let paused = Policy {
        kill_switch: true,
        ..Policy::default()
    };
    let decision = decide(&s3_8(), &paused);
    assert_eq!(decision.name(), "notify-only");
    assert!(decision.reason().contains("kill switch"), "{decision:?}");
    // An analyst's explicit action still runs while automatic remediation is paused.
    let action = Source::CustomAction {
        action_name: "Riposte: remediate".into(),
        action_target_arn: None,
        time: None,
        event_id: None,
    };
    assert_eq!(
        assess(&s3_8(), &action, None, &paused).decision.name(),
        "remediate"
    );
}

#[test]
fn the_kill_switch_at_all_stops_analysts_but_not_ignore() {
    let policy = Policy {
        kill_switch: true,
        analysts_paused: true,
        ..Policy::default()
    };
    for (action, stopped) in [
        (AnalystAction::Approve, true),
        (AnalystAction::Remediate, true),
        (AnalystAction::Undo, true),
        (AnalystAction::Ignore, false),
    ] {
        let source = Source::Operator {
            action,
            who: "arn:aws:sts::111111111111:assumed-role/analyst/alice".into(),
            time: "2026-12-04T12:00:00Z".into(),
        };
        let decision = assess(&s3_8(), &source, None, &policy).decision;
        let skipped =
            matches!(&decision, Decision::Skip(r) if r.contains("analysts' actions are paused"));
        assert_eq!(skipped, stopped, "{action:?}: {decision:?}");
    }
    // The switch at `on` leaves analysts their actions.
    let on = Policy {
        kill_switch: true,
        ..Policy::default()
    };
    let source = Source::Operator {
        action: AnalystAction::Remediate,
        who: "alice".into(),
        time: "2026-12-04T12:00:00Z".into(),
    };
    assert_eq!(
        assess(&s3_8(), &source, None, &on).decision.name(),
        "remediate"
    );
}
