use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeState};
use crate::ports::InstanceMetadata;
use futures::executor::block_on;
use std::collections::BTreeMap;

fn instance(id: &str) -> InstanceMetadata {
    InstanceMetadata {
        instance_id: id.into(),
        http_tokens: "optional".into(),
        http_endpoint: "enabled".into(),
        state: Some("running".into()),
        tags: BTreeMap::new(),
    }
}

fn account() -> FakeAccount {
    FakeAccount::new(FakeState {
        instances: BTreeMap::from([
            ("i-0legacy".to_string(), instance("i-0legacy")),
            ("i-0bystander".to_string(), instance("i-0bystander")),
        ]),
        ..FakeState::default()
    })
}

fn target() -> Target {
    let arn = "arn:aws:ec2:us-east-1:111111111111:instance/i-0legacy";
    Target::Resource {
        arn: crate::arn::Arn::parse(arn).unwrap_or_else(|| panic!("arn")),
    }
}

fn tokens(fake: &FakeAccount, id: &str) -> String {
    fake.with_state(|s| s.instances[id].http_tokens.clone())
}

#[test]
fn the_instance_requires_imdsv2_and_its_previous_options_are_recorded() {
    let fake = account();
    let ctx = crate::playbooks::test_context("111111111111");
    let report = block_on(run(&fake, &ctx, &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    assert_eq!(tokens(&fake, "i-0legacy"), "required");
    assert_eq!(tokens(&fake, "i-0bystander"), "optional");
    assert_eq!(
        report.steps[0].prior,
        Some(json!({ "instance_id": "i-0legacy", "http_tokens": "optional", "http_endpoint": "enabled" }))
    );
    let again = block_on(run(&fake, &ctx, &target()));
    assert_eq!(again.steps[0].outcome, StepOutcome::AlreadyDone);
}

#[test]
fn a_missing_instance_is_a_failure_that_names_it() {
    let fake = FakeAccount::new(FakeState::default());
    let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target()));
    assert!(
        matches!(&report.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("i-0legacy")),
        "{:?}",
        report.outcome
    );
}

#[test]
fn a_metadata_endpoint_that_is_off_stays_off() {
    let fake = account();
    fake.with_state(|s| {
        if let Some(i) = s.instances.get_mut("i-0legacy") {
            i.http_endpoint = "disabled".into();
        }
    });
    let ctx = crate::playbooks::test_context("111111111111");
    let report = block_on(run(&fake, &ctx, &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    assert_eq!(tokens(&fake, "i-0legacy"), "required");
    assert_eq!(
        fake.with_state(|s| s.instances["i-0legacy"].http_endpoint.clone()),
        "disabled"
    );
}
