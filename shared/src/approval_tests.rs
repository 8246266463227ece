use super::*;
use crate::event::{decode, AnalystAction};
use crate::policy::{assess, Policy};

/// S3.8 as Security Hub holds it once Riposte asked for approval at 2026-11-30 10:00 for 24 hours.
fn awaiting() -> Finding {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/public/finding-control-s3-8.json"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let messages = decode(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut finding = messages
        .into_iter()
        .flat_map(|m| m.content.map(|c| c.findings).unwrap_or_default())
        .find_map(Result::ok)
        .unwrap_or_else(|| panic!("no finding"));
    finding.workflow = Some(crate::asff::Workflow {
        status: Some("NOTIFIED".into()),
    });
    let fields = &mut finding.user_defined_fields;
    fields.insert(FIELD_STATUS.into(), "awaiting-approval".into());
    let requested = time::macros::datetime!(2026-11-30 10:00 UTC);
    fields.insert(FIELD_EXPIRES.into(), expiry(requested, 24));
    let print = fingerprint(&finding);
    finding
        .user_defined_fields
        .insert(FIELD_FINGERPRINT.into(), print);
    finding
}

fn approve_at(time: &str) -> Source {
    Source::Operator {
        action: AnalystAction::Approve,
        who: "arn:aws:sts::111111111111:assumed-role/analyst/ana".into(),
        time: time.into(),
    }
}

fn decision(finding: &Finding, source: &Source) -> (String, String) {
    let d = assess(finding, source, None, &Policy::default()).decision;
    (d.name().to_owned(), d.reason().to_owned())
}

#[test]
fn an_approval_in_time_of_an_unchanged_finding_runs_the_playbook() {
    assert_eq!(
        expiry(time::macros::datetime!(2026-11-30 10:00:42.5 UTC), 24),
        "2026-12-01T10:00:00Z"
    );
    let (name, _) = decision(&awaiting(), &approve_at("2026-12-01T09:59:00Z"));
    assert_eq!(name, "remediate");
}

#[test]
fn an_expired_changed_or_handled_finding_is_refused_with_the_reason() {
    let (name, reason) = decision(&awaiting(), &approve_at("2026-12-01T10:01:00Z"));
    assert_eq!(name, "skip");
    assert!(
        reason.contains("expired at 2026-12-01T10:00:00Z"),
        "{reason}"
    );

    let mut changed = awaiting();
    changed.resources[0].id = "arn:aws:s3:::another-bucket".into();
    let (name, reason) = decision(&changed, &approve_at("2026-11-30T11:00:00Z"));
    assert_eq!(name, "skip");
    assert!(
        reason.contains("changed since approval was requested"),
        "{reason}"
    );

    let mut handled = awaiting();
    handled.workflow = Some(crate::asff::Workflow {
        status: Some("RESOLVED".into()),
    });
    let (name, reason) = decision(&handled, &approve_at("2026-11-30T11:00:00Z"));
    assert_eq!(name, "skip");
    assert!(reason.contains("RESOLVED"), "{reason}");

    let mut remediated = awaiting();
    remediated
        .user_defined_fields
        .insert(FIELD_STATUS.into(), "remediated".into());
    let (name, reason) = decision(&remediated, &approve_at("2026-11-30T11:00:00Z"));
    assert_eq!(name, "skip");
    assert!(reason.contains("not awaiting approval"), "{reason}");
}

#[test]
fn ignore_undo_and_other_tools_actions() {
    let at = |action| Source::Operator {
        action,
        who: "ana".into(),
        time: "2026-11-30T11:00:00Z".into(),
    };
    assert_eq!(
        decision(&awaiting(), &at(AnalystAction::Ignore)).0,
        "ignore"
    );
    // Nothing was changed while it waited: nothing to undo.
    assert_eq!(decision(&awaiting(), &at(AnalystAction::Undo)).0, "skip");
    let mut resolved = awaiting();
    resolved.workflow = Some(crate::asff::Workflow {
        status: Some("RESOLVED".into()),
    });
    resolved
        .user_defined_fields
        .insert(FIELD_STATUS.into(), "remediated".into());
    assert_eq!(decision(&resolved, &at(AnalystAction::Undo)).0, "undo");
    // On AWS the control passes once fixed (Security Hub then resolves it too): still undoable.
    resolved.compliance = Some(crate::asff::Compliance {
        status: Some("PASSED".into()),
        ..resolved.compliance.clone().unwrap_or_default()
    });
    assert_eq!(decision(&resolved, &at(AnalystAction::Undo)).0, "undo");
    // "Remediate" acts whatever the approval state.
    assert_eq!(
        decision(&awaiting(), &at(AnalystAction::Remediate)).0,
        "remediate"
    );
    let other = Source::CustomAction {
        action_name: "Send to ticketing".into(),
        action_target_arn: Some(
            "arn:aws:securityhub:us-east-1:111111111111:action/custom/Ticket".into(),
        ),
        time: None,
        event_id: None,
    };
    assert_eq!(decision(&awaiting(), &other).0, "skip");
    let ours = Source::CustomAction {
        action_name: "renamed by hand".into(),
        action_target_arn: Some(
            "arn:aws:securityhub:us-east-1:111111111111:action/custom/RiposteIgnore".into(),
        ),
        time: None,
        event_id: None,
    };
    assert_eq!(decision(&awaiting(), &ours).0, "ignore");
}
