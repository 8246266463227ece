use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeState, FakeUser};
use crate::ports::PortErrorKind;
use futures::executor::block_on;
use std::collections::BTreeMap;

const DAY: i64 = 86_400;

/// The hub's clock; IAM key ages cannot be backdated in the emulator, so the age rule is tested here.
fn ctx() -> RunContext {
    RunContext {
        exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
        ..crate::playbooks::test_context("111111111111")
    }
}

fn key(id: &str, active: bool, age_days: i64) -> AccessKey {
    AccessKey {
        id: id.into(),
        active,
        created: Some(ctx().now.unix_timestamp() - age_days * DAY),
    }
}

fn account() -> FakeAccount {
    let mut state = FakeState::default();
    state.users.insert(
        "test-admin2".into(),
        FakeUser {
            keys: vec![key("AKIAOLD", true, 200), key("AKIANEW", true, 10)],
            last_used: BTreeMap::from([(
                "AKIAOLD".to_string(),
                ctx().now.unix_timestamp() - 3 * DAY,
            )]),
            ..Default::default()
        },
    );
    state.users.insert(
        "bystander".into(),
        FakeUser {
            keys: vec![key("AKIABYSTANDER", true, 400)],
            ..Default::default()
        },
    );
    FakeAccount::new(state)
}

fn finding() -> Finding {
    serde_json::from_value(crate::playbooks::public_sample("finding-control-iam-3.json"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn active(fake: &FakeAccount, user: &str) -> Vec<String> {
    fake.with_state(|s| {
        s.users[user]
            .keys
            .iter()
            .filter(|k| k.active)
            .map(|k| k.id.clone())
            .collect()
    })
}

#[test]
fn the_public_sample_names_its_user() {
    let target = target(&finding()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(target.label(), "user/test-admin2");
}

#[test]
fn only_the_keys_past_the_age_are_deactivated_and_the_owner_is_told_their_last_use() {
    let fake = account();
    let report = block_on(run(&fake, &ctx(), &target(&finding()).unwrap_or_else(|e| panic!("{e}"))));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    assert_eq!(active(&fake, "test-admin2"), ["AKIANEW"]);
    assert_eq!(active(&fake, "bystander"), ["AKIABYSTANDER"]);
    assert!(
        report.manual.iter().any(|m| m.contains("AKIAOLD") && m.contains("last used 2026-11-22")),
        "{:?}",
        report.manual
    );
    let prior = report.steps.iter().find_map(|s| s.prior.clone()).unwrap_or_default();
    assert_eq!(prior["access_key_id"], "AKIAOLD");
}

#[test]
fn a_second_run_changes_nothing() {
    let fake = account();
    let target = target(&finding()).unwrap_or_else(|e| panic!("{e}"));
    block_on(run(&fake, &ctx(), &target));
    let before = fake.calls().len();
    let second = block_on(run(&fake, &ctx(), &target));
    assert_eq!(second.outcome, PlaybookOutcome::Remediated);
    assert!(!fake.calls()[before..].iter().any(|c| c == "iam:UpdateAccessKey"));
}

#[test]
fn a_denied_deactivation_fails_the_run() {
    let fake = account();
    fake.fail("iam:UpdateAccessKey", PortErrorKind::Denied, "AccessDenied", None);
    let report = block_on(run(&fake, &ctx(), &target(&finding()).unwrap_or_else(|e| panic!("{e}"))));
    assert!(matches!(report.outcome, PlaybookOutcome::Failed { retryable: false, .. }));
    assert_eq!(active(&fake, "test-admin2").len(), 2);
}

fn by_unique_id(id: &str) -> Target {
    Target::IamPrincipal {
        principal: PrincipalKind::User,
        name: id.into(),
        access_key_id: None,
        principal_id: None,
    }
}

fn with_ids(fake: &FakeAccount) {
    fake.with_state(|s| {
        for (name, id) in [("test-admin2", "AIDAEXAMPLEADMIN2222"), ("bystander", "AIDAEXAMPLEBYSTANDER")] {
            if let Some(user) = s.users.get_mut(name) {
                user.id = id.into();
            }
        }
    });
}

#[test]
fn a_user_named_by_unique_id_is_resolved_before_any_change() {
    let fake = account();
    with_ids(&fake);
    let report = block_on(run(&fake, &ctx(), &by_unique_id("AIDAEXAMPLEADMIN2222")));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    assert_eq!(active(&fake, "test-admin2"), ["AKIANEW"]);
    assert_eq!(active(&fake, "bystander"), ["AKIABYSTANDER"]);
    let unknown = block_on(run(&fake, &ctx(), &by_unique_id("AIDAEXAMPLENOBODY000")));
    assert!(
        matches!(&unknown.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("AIDAEXAMPLENOBODY000")),
        "{unknown:?}"
    );
}

#[test]
fn a_protected_user_named_by_unique_id_is_never_touched() {
    let fake = account();
    with_ids(&fake);
    let ctx = RunContext {
        protected_principals: vec!["arn:aws:iam::111111111111:user/test-admin2".into()],
        ..ctx()
    };
    let report = block_on(run(&fake, &ctx, &by_unique_id("AIDAEXAMPLEADMIN2222")));
    assert!(
        matches!(&report.outcome, PlaybookOutcome::Excluded { reason } if reason.contains("protected principal") && reason.contains("AIDAEXAMPLEADMIN2222")),
        "{report:?}"
    );
    assert_eq!(active(&fake, "test-admin2"), ["AKIAOLD", "AKIANEW"]);
}

#[test]
fn the_findings_max_access_key_age_is_honoured() {
    let fake = account();
    // AKIANEW is 10 days old: too old for a control configured with maxAccessKeyAge 7.
    let ctx = RunContext {
        control_parameters: [("maxAccessKeyAge".to_owned(), vec!["7".to_owned()])].into(),
        ..ctx()
    };
    let report = block_on(run(&fake, &ctx, &by_unique_id("test-admin2")));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    assert!(active(&fake, "test-admin2").is_empty());
}
