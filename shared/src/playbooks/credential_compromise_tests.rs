use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeRole, FakeSecret, FakeState, FakeUser};
use crate::ids::Region;
use crate::ports::{AccessKey, LinkedSecret, PortErrorKind};
use futures::executor::block_on;
use std::collections::BTreeMap;
use time::macros::datetime;

const TAG: &str = "riposte:linked-iam-user";

fn ctx() -> RunContext {
    RunContext {
        observed_at: Some(datetime!(2026-11-25 11:55 UTC)),
        linked_secret_tag: TAG.into(),
        secret_regions: ["us-east-1", "eu-west-1"]
            .iter()
            .map(|r| Region::parse(r).unwrap_or_else(|e| panic!("{e}")))
            .collect(),
        ..crate::playbooks::test_context("111122223333")
    }
}

fn secret(name: &str, user: &str, rotation: bool) -> FakeSecret {
    secret_in("us-east-1", name, user, rotation)
}

fn secret_in(region: &str, name: &str, user: &str, rotation: bool) -> FakeSecret {
    FakeSecret {
        secret: LinkedSecret {
            arn: format!("arn:aws:secretsmanager:{region}:111122223333:secret:{name}"),
            name: name.into(),
            rotation_enabled: rotation,
            last_rotated: None,
            rotation_lambda_arn: rotation
                .then(|| format!("arn:aws:lambda:{region}:111122223333:function:{name}-rotator")),
        },
        tags: BTreeMap::from([(TAG.to_string(), user.to_string())]),
        rotations: 0,
    }
}

fn account() -> FakeAccount {
    let mut state = FakeState::default();
    state.users.insert(
        "ci-deployer".into(),
        FakeUser {
            keys: vec![
                AccessKey {
                    id: "AKIA1".into(),
                    active: true,
                    created: None,
                },
                AccessKey {
                    id: "AKIA2".into(),
                    active: true,
                    created: None,
                },
            ],
            ..Default::default()
        },
    );
    state.users.insert(
        "bystander".into(),
        FakeUser {
            keys: vec![AccessKey {
                id: "AKIA3".into(),
                active: true,
                created: None,
            }],
            ..Default::default()
        },
    );
    state.roles.insert("app-role".into(), FakeRole::default());
    state.secrets = vec![
        secret("api-token", "ci-deployer", true),
        secret("legacy", "ci-deployer", false),
        secret("other", "bystander", true),
    ];
    FakeAccount::new(state)
}

fn user(name: &str) -> Target {
    Target::IamPrincipal {
        principal: PrincipalKind::User,
        name: name.into(),
        access_key_id: None,
        principal_id: None,
    }
}

#[test]
fn a_user_with_two_active_keys_ends_with_both_inactive_denied_and_its_secret_rotated() {
    let fake = account();
    let report = block_on(run(&fake, &ctx(), &user("ci-deployer")));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated);
    fake.with_state(|s| {
        assert!(s.users["ci-deployer"].keys.iter().all(|k| !k.active));
        assert!(s.users["ci-deployer"]
            .attached
            .contains(&"arn:aws:iam::aws:policy/AWSDenyAll".to_string()));
        assert!(
            s.users["bystander"].keys[0].active,
            "another user's key is untouched"
        );
        let rotations: Vec<u32> = s.secrets.iter().map(|x| x.rotations).collect();
        assert_eq!(rotations, vec![1, 0, 0]);
    });
    assert_eq!(report.manual.len(), 1);
    assert!(report.manual[0].contains("legacy") && report.manual[0].contains("no rotation"));
    let priors: Vec<_> = report
        .steps
        .iter()
        .filter_map(|s| s.prior.clone())
        .collect();
    assert!(
        priors.iter().any(|p| p["access_key_id"] == "AKIA1")
            && priors.iter().any(|p| p["access_key_id"] == "AKIA2")
    );
}

#[test]
fn running_twice_converges_and_changes_nothing_the_second_time() {
    let fake = account();
    block_on(run(&fake, &ctx(), &user("ci-deployer")));
    let before = fake.calls().len();
    let second = block_on(run(&fake, &ctx(), &user("ci-deployer")));
    let second_calls = &fake.calls()[before..];
    assert_eq!(second.outcome, PlaybookOutcome::Remediated);
    assert!(
        !second_calls.iter().any(|c| c == "iam:UpdateAccessKey"
            || c == "iam:AttachUserPolicy"
            || c == "secretsmanager:RotateSecret"),
        "{second_calls:?}"
    );
}

#[test]
fn access_denied_on_one_key_still_reports_the_other_steps() {
    let fake = account();
    fake.fail(
        "iam:UpdateAccessKey",
        PortErrorKind::Denied,
        "AccessDenied",
        Some(1),
    );
    let report = block_on(run(&fake, &ctx(), &user("ci-deployer")));
    assert!(
        matches!(&report.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("AccessDenied"))
    );
    let outcomes: Vec<_> = report
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.outcome))
        .collect();
    assert!(outcomes.contains(&("deactivate-key", StepOutcome::Failed)));
    assert!(outcomes.contains(&("deactivate-key", StepOutcome::Done)));
    assert!(outcomes.contains(&("deny-all", StepOutcome::Done)));
    fake.with_state(|s| {
        assert!(s.users["ci-deployer"]
            .attached
            .contains(&"arn:aws:iam::aws:policy/AWSDenyAll".to_string()))
    });
}

/// The revocation policy on `app-role`, empty when absent.
fn revocation(fake: &FakeAccount) -> String {
    fake.with_state(|s| {
        s.roles["app-role"]
            .policies
            .get(REVOKE_SESSIONS_POLICY)
            .cloned()
    })
    .unwrap_or_default()
}

#[test]
fn an_assumed_role_gets_its_older_sessions_revoked_once() {
    let fake = account();
    let role = Target::IamPrincipal {
        principal: PrincipalKind::AssumedRole,
        name: "app-role".into(),
        access_key_id: Some("ASIA1".into()),
        principal_id: None,
    };
    let first = block_on(run(&fake, &ctx(), &role));
    assert_eq!(first.outcome, PlaybookOutcome::Remediated);
    let document = revocation(&fake);
    let document: Value = serde_json::from_str(&document).unwrap_or_default();
    assert_eq!(
        document["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
        "2026-11-25T12:00:00Z"
    );
    assert_eq!(document["Statement"][0]["Effect"], "Deny");
    // A later duplicate delivery keeps the earlier cutoff: it already covers the stolen sessions.
    let later = RunContext {
        now: datetime!(2026-11-25 12:30 UTC),
        ..ctx()
    };
    let second = block_on(run(&fake, &later, &role));
    assert_eq!(second.steps[0].outcome, StepOutcome::AlreadyDone);
    let again = revocation(&fake);
    assert!(again.contains("2026-11-25T12:00:00Z"));
}

#[test]
fn root_is_never_changed() {
    let fake = account();
    let root = Target::IamPrincipal {
        principal: PrincipalKind::Root,
        name: "root".into(),
        access_key_id: None,
        principal_id: None,
    };
    let report = block_on(run(&fake, &ctx(), &root));
    assert!(matches!(report.outcome, PlaybookOutcome::Failed { .. }));
    assert!(fake.calls().is_empty());
}

#[test]
fn linked_secrets_are_rotated_in_every_region_the_hub_covers_through_their_own_function() {
    let fake = account();
    fake.with_state(|s| {
        s.secrets
            .push(secret_in("eu-west-1", "eu-token", "ci-deployer", true));
        let mut foreign = secret_in("us-east-1", "foreign-rotator", "ci-deployer", true);
        foreign.secret.rotation_lambda_arn =
            Some("arn:aws:lambda:us-east-1:999999999999:function:elsewhere".into());
        s.secrets.push(foreign);
    });
    let user = Target::IamPrincipal {
        principal: PrincipalKind::User,
        name: "ci-deployer".into(),
        access_key_id: None,
        principal_id: None,
    };
    let report = block_on(run(&fake, &ctx(), &user));
    fake.with_state(|s| {
        let rotations = |name: &str| {
            s.secrets
                .iter()
                .find(|x| x.secret.name == name)
                .map(|x| x.rotations)
        };
        assert_eq!(rotations("eu-token"), Some(1), "the other region's secret");
        assert_eq!(
            rotations("foreign-rotator"),
            Some(0),
            "a rotation function in another account"
        );
    });
    assert!(report
        .manual
        .iter()
        .any(|m| m.contains("foreign-rotator") && m.contains("999999999999")));
}

/// Another covered region that cannot be listed: denied (an SCP, a disabled region) is a person's to
/// check while the containment stands; throttled or deferred is retried on redelivery.
#[test]
fn another_regions_listing_is_for_a_person_when_denied_and_retried_when_transient() {
    let other_first = RunContext {
        secret_regions: ["eu-west-1", "us-east-1"]
            .iter()
            .map(|r| Region::parse(r).unwrap_or_else(|e| panic!("{e}")))
            .collect(),
        ..ctx()
    };
    let user = Target::IamPrincipal {
        principal: PrincipalKind::User,
        name: "ci-deployer".into(),
        access_key_id: None,
        principal_id: None,
    };
    for (kind, retried) in [(PortErrorKind::Denied, false), (PortErrorKind::Transient, true)] {
        let fake = account();
        fake.fail("secretsmanager:ListSecrets", kind, "Code", Some(1));
        let report = block_on(run(&fake, &other_first, &user));
        match (&report.outcome, retried) {
            (PlaybookOutcome::Remediated, false) => assert!(
                report.manual.iter().any(|m| m.contains("eu-west-1")),
                "{:?}",
                report.manual
            ),
            (PlaybookOutcome::Failed { retryable: true, .. }, true) => {}
            (other, _) => panic!("{kind:?}: {other:?}"),
        }
    }
}
