use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeState};
use crate::ports::SecurityGroup;
use futures::executor::block_on;

fn ctx() -> RunContext {
    crate::playbooks::test_context("111111111111")
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
    let event = crate::playbooks::public_sample("sh-custom-action-control-ec2-2.json");
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
