use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeState, FakeUser};
use crate::ports::AccessKey;
use futures::executor::block_on;
use std::collections::BTreeMap;

const DAY: i64 = 86_400;

fn ctx(control: &str) -> RunContext {
    RunContext {
        control: Some(control.into()),
        exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
        ..crate::playbooks::test_context("111122223333")
    }
}

fn ago(days: i64) -> i64 {
    ctx("IAM.8").now.unix_timestamp() - days * DAY
}

/// A user with a key last used 60 days ago, a key never used and created 100 days ago, a fresh key, and
/// a password last used 50 days ago.
fn account() -> FakeAccount {
    let key = |id: &str, created| AccessKey { id: id.into(), active: true, created: Some(created) };
    let user = FakeUser {
        id: "AIDACKCEVSQ6C2EXAMPLE".into(),
        keys: vec![key("AKIAUSED60", ago(400)), key("AKIANEVER100", ago(100)), key("AKIAFRESH", ago(2))],
        last_used: BTreeMap::from([("AKIAUSED60".to_string(), ago(60))]),
        password_created: Some(ago(300)),
        password_last_used: Some(ago(50)),
        ..Default::default()
    };
    let bystander = FakeUser {
        id: "AIDABYSTANDER".into(),
        keys: vec![key("AKIABYSTANDER", ago(500))],
        password_created: Some(ago(500)),
        ..Default::default()
    };
    FakeAccount::new(FakeState {
        users: BTreeMap::from([("sharrtest".to_string(), user), ("bystander".to_string(), bystander)]),
        ..FakeState::default()
    })
}

fn active(fake: &FakeAccount, user: &str) -> Vec<String> {
    fake.with_state(|s| s.users[user].keys.iter().filter(|k| k.active).map(|k| k.id.clone()).collect())
}

fn finding(name: &str) -> Finding {
    serde_json::from_value(crate::playbooks::public_sample(name)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn iam_8_takes_what_is_unused_for_90_days_and_iam_22_for_45() {
    let fake = account();
    let target = super::target(&finding("finding-control-iam-8.json")).unwrap_or_else(|e| panic!("{e}"));
    let report = block_on(run(&fake, &ctx("IAM.8"), &target));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:#?}");
    assert_eq!(active(&fake, "sharrtest"), ["AKIAUSED60", "AKIAFRESH"]);
    assert!(fake.with_state(|s| s.users["sharrtest"].password_created.is_some()), "used 50 days ago");

    let report = block_on(run(&fake, &ctx("IAM.22"), &target));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:#?}");
    assert_eq!(active(&fake, "sharrtest"), ["AKIAFRESH"]);
    assert!(fake.with_state(|s| s.users["sharrtest"].password_created.is_none()));
    let password = report.steps.iter().find(|s| s.step == "unused-password").map(|s| s.detail.clone());
    assert!(password.is_some_and(|d| d.contains("cannot be restored")));
    // The bystander in the same account keeps everything.
    assert_eq!(active(&fake, "bystander"), ["AKIABYSTANDER"]);
    assert!(fake.with_state(|s| s.users["bystander"].password_created.is_some()));
}

#[test]
fn a_finding_naming_the_user_by_its_unique_id_is_resolved_through_list_users() {
    let fake = account();
    // The public sample without details: `arn:aws:iam::111122223333:user/AIDACKCEVSQ6C2EXAMPLE`.
    let target = super::target(&finding("finding-control-iam-8-nodetails.json")).unwrap_or_else(|e| panic!("{e}"));
    let report = block_on(run(&fake, &ctx("IAM.8"), &target));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:#?}");
    assert!(fake.calls().contains(&"iam:ListUsers".to_string()));
    assert_eq!(active(&fake, "sharrtest"), ["AKIAUSED60", "AKIAFRESH"]);
}

#[test]
fn a_tagged_user_is_left_alone() {
    let fake = account();
    fake.with_state(|s| {
        if let Some(u) = s.users.get_mut("sharrtest") {
            u.tags.insert("AutoRemediate".into(), "false".into());
        }
    });
    let target = super::target(&finding("finding-control-iam-8.json")).unwrap_or_else(|e| panic!("{e}"));
    let report = block_on(run(&fake, &ctx("IAM.22"), &target));
    assert!(matches!(report.outcome, PlaybookOutcome::Excluded { .. }));
    assert_eq!(active(&fake, "sharrtest").len(), 3);
}

#[test]
fn a_break_glass_user_named_by_unique_id_is_checked_after_resolution() {
    let fake = account();
    let target = super::target(&finding("finding-control-iam-8-nodetails.json")).unwrap_or_else(|e| panic!("{e}"));
    let ctx = RunContext {
        protected_principals: vec!["arn:aws:iam::111122223333:user/sharrtest".into()],
        ..ctx("IAM.22")
    };
    let report = block_on(run(&fake, &ctx, &target));
    assert!(
        matches!(&report.outcome, PlaybookOutcome::Excluded { reason } if reason.contains("user sharrtest (named by unique id AIDACKCEVSQ6C2EXAMPLE) is a protected principal")),
        "{report:#?}"
    );
    assert_eq!(active(&fake, "sharrtest").len(), 3);
    assert!(fake.with_state(|s| s.users["sharrtest"].password_created.is_some()));
}
