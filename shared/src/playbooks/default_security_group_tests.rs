use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeState};
use crate::ids::{AccountId, Region};
use crate::ports::SecurityGroup;
use futures::executor::block_on;
use time::macros::datetime;

fn ctx() -> RunContext {
    RunContext {
        account: AccountId::parse("111111111111").unwrap_or_else(|e| panic!("{e}")),
        region: Region::parse("us-east-1").unwrap_or_else(|e| panic!("{e}")),
        now: datetime!(2026-11-25 12:00 UTC),
        observed_at: None,
        linked_secret_tag: String::new(),
        max_key_age_days: 90,
        secret_regions: Vec::new(),
        exclusion_tag: None,
    }
}

fn account(name: &str) -> FakeAccount {
    let mut state = FakeState::default();
    let group = SecurityGroup { id: "sg-ab1e739b".into(), name: name.into(), vpc_id: Some("vpc-1".into()), tags: Default::default() };
    let rules = vec![
        SecurityGroupRule {
            id: "sgr-self".into(),
            protocol: "-1".into(),
            referenced_group: Some("sg-ab1e739b".into()),
            ..Default::default()
        },
        SecurityGroupRule {
            id: "sgr-out".into(),
            egress: true,
            protocol: "-1".into(),
            cidr_ipv4: Some("0.0.0.0/0".into()),
            ..Default::default()
        },
    ];
    state.security_groups.insert("sg-ab1e739b".into(), (group, rules));
    FakeAccount::new(state)
}

/// The public EC2.2 sample (custom action on the default group sg-ab1e739b).
fn finding() -> Finding {
    let path = format!(
        "{}/../tests/fixtures/public/sh-custom-action-control-ec2-2.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let event: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_value(event["detail"]["findings"][0].clone()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_rule_goes_and_is_recorded_for_undo() {
    let fake = account("default");
    let target = target(&finding()).unwrap_or_else(|e| panic!("{e}"));
    let report = block_on(run(&fake, &ctx(), &target));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    fake.with_state(|s| assert!(s.security_groups["sg-ab1e739b"].1.is_empty()));
    let priors: Vec<_> = report.steps.iter().filter_map(|s| s.prior.clone()).collect();
    assert_eq!(priors[0]["ingress"][0]["id"], "sgr-self");
    assert_eq!(priors[1]["egress"][0]["id"], "sgr-out");
    let second = block_on(run(&fake, &ctx(), &target));
    assert_eq!(second.steps[0].outcome, StepOutcome::AlreadyDone);
}

#[test]
fn a_group_that_is_not_default_is_refused_untouched() {
    let fake = account("web");
    let report = block_on(run(&fake, &ctx(), &target(&finding()).unwrap_or_else(|e| panic!("{e}"))));
    assert!(matches!(report.outcome, PlaybookOutcome::Failed { retryable: false, .. }));
    fake.with_state(|s| assert_eq!(s.security_groups["sg-ab1e739b"].1.len(), 2));
}
