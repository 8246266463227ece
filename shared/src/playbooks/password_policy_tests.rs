use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeState};
use crate::ports::PortErrorKind;
use futures::executor::block_on;

fn ctx(control: Option<&str>) -> RunContext {
    RunContext {
        control: control.map(str::to_owned),
        ..crate::playbooks::test_context("111111111111")
    }
}

fn account(policy: Option<PasswordPolicy>) -> FakeAccount {
    FakeAccount::new(FakeState {
        password_policy: policy,
        ..FakeState::default()
    })
}

/// A custom policy with a choice in every field that the controls do not ask about.
fn custom() -> PasswordPolicy {
    PasswordPolicy {
        minimum_length: 10,
        require_symbols: false,
        require_numbers: true,
        require_uppercase: false,
        require_lowercase: true,
        allow_users_to_change: true,
        max_age_days: Some(60),
        reuse_prevention: Some(5),
        hard_expiry: true,
    }
}

fn target() -> Target {
    let finding: Finding = serde_json::from_value(crate::playbooks::public_sample(
        "finding-control-s3-1-account-level.json",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    super::target(&finding).unwrap_or_else(|e| panic!("{e}"))
}

fn stored(fake: &FakeAccount) -> Option<PasswordPolicy> {
    fake.with_state(|s| s.password_policy.clone())
}

#[test]
fn each_control_raises_its_own_field_and_keeps_every_other() {
    for (control, changed) in [
        ("IAM.15", PasswordPolicy { minimum_length: 14, ..custom() }),
        ("IAM.16", PasswordPolicy { reuse_prevention: Some(24), ..custom() }),
        ("IAM.11", PasswordPolicy { require_uppercase: true, ..custom() }),
        ("IAM.13", PasswordPolicy { require_symbols: true, ..custom() }),
    ] {
        let fake = account(Some(custom()));
        let report = block_on(run(&fake, &ctx(Some(control)), &target()));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{control}");
        assert_eq!(stored(&fake), Some(changed), "{control}");
        assert_eq!(
            report.steps[0].prior,
            Some(json!({ "password_policy": custom() })),
            "{control}: the previous policy is recorded for undo"
        );
    }
}

#[test]
fn a_field_is_never_weakened() {
    let strict = PasswordPolicy {
        minimum_length: 20,
        max_age_days: Some(30),
        reuse_prevention: Some(24),
        ..custom()
    };
    for control in ["IAM.15", "IAM.16", "IAM.17"] {
        assert_eq!(strengthened(&strict, Some(control)), strict, "{control}");
    }
    // Without an expiry yet, IAM.17 sets 90 days and lets users change their expired password.
    let open = PasswordPolicy {
        max_age_days: None,
        allow_users_to_change: false,
        ..custom()
    };
    let aged = strengthened(&open, Some("IAM.17"));
    assert_eq!((aged.max_age_days, aged.allow_users_to_change), (Some(90), true));
}

#[test]
fn an_account_without_a_policy_gets_the_iam_7_baseline_and_undo_knows_there_was_none() {
    let fake = account(None);
    let report = block_on(run(&fake, &ctx(Some("IAM.7")), &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated);
    let policy = stored(&fake).unwrap_or_else(|| panic!("no policy written"));
    assert!(policy.require_uppercase && policy.require_lowercase);
    assert!(policy.require_symbols && policy.require_numbers);
    assert_eq!(policy.minimum_length, 8);
    assert_eq!(report.steps[0].prior, Some(json!({ "password_policy": null })));
}

#[test]
fn a_policy_that_meets_the_control_is_not_written_again() {
    let fake = account(Some(PasswordPolicy {
        minimum_length: 14,
        ..custom()
    }));
    let report = block_on(run(&fake, &ctx(Some("IAM.15")), &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated);
    assert_eq!(report.steps[0].outcome, StepOutcome::AlreadyDone);
    assert_eq!(fake.calls(), ["iam:GetAccountPasswordPolicy"]);
}

#[test]
fn a_denied_update_fails_and_leaves_the_policy_as_it_was() {
    let fake = account(Some(custom()));
    fake.fail(
        "iam:UpdateAccountPasswordPolicy",
        PortErrorKind::Denied,
        "AccessDenied",
        None,
    );
    let report = block_on(run(&fake, &ctx(Some("IAM.15")), &target()));
    assert!(
        matches!(report.outcome, PlaybookOutcome::Failed { retryable: false, .. }),
        "{:?}",
        report.outcome
    );
    assert_eq!(stored(&fake), Some(custom()));
}

#[test]
fn the_config_rule_gets_its_own_defaults_and_iam_7_its_parameters() {
    let open = PasswordPolicy::API_DEFAULTS;
    let rule = config_rule_defaults(&open);
    assert_eq!((rule.minimum_length, rule.reuse_prevention, rule.max_age_days), (14, Some(24), Some(90)));
    assert!(rule.require_symbols && rule.require_numbers && rule.require_uppercase && rule.require_lowercase);
    // Never weaker than what is set.
    let strict = PasswordPolicy { minimum_length: 20, reuse_prevention: Some(30), max_age_days: Some(60), ..rule.clone() };
    assert_eq!(config_rule_defaults(&strict), strict);

    let iam_7 = RunContext {
        control: Some("IAM.7".into()),
        control_parameters: [
            ("MinimumPasswordLength".to_owned(), vec!["16".to_owned()]),
            ("RequireSymbols".to_owned(), vec!["false".to_owned()]),
            ("MaxPasswordAge".to_owned(), vec!["60".to_owned()]),
        ]
        .into(),
        ..crate::playbooks::test_context("111111111111")
    };
    let wanted = with_parameters(&open, &iam_7);
    assert_eq!((wanted.minimum_length, wanted.max_age_days), (16, Some(60)));
    assert!(!wanted.require_symbols, "not required by the parameters: left as the account had it");
    assert!(wanted.require_numbers && wanted.require_uppercase);
}
