use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeState};
use crate::ports::Subnet;
use futures::executor::block_on;
use std::collections::BTreeMap;

const ARN: &str = "arn:aws:ec2:us-east-1:111111111111:subnet/subnet-0public";

fn subnet(id: &str, tags: &[(&str, &str)]) -> Subnet {
    Subnet {
        id: id.into(),
        vpc_id: Some("vpc-1".into()),
        map_public_ip_on_launch: true,
        default_for_az: false,
        tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

fn account(tags: &[(&str, &str)]) -> FakeAccount {
    FakeAccount::new(FakeState {
        subnets: BTreeMap::from([
            ("subnet-0public".to_string(), subnet("subnet-0public", tags)),
            ("subnet-0bystander".to_string(), subnet("subnet-0bystander", &[])),
        ]),
        ..FakeState::default()
    })
}

fn ctx() -> RunContext {
    RunContext {
        exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
        ..crate::playbooks::test_context("111111111111")
    }
}

fn target() -> Target {
    Target::Resource {
        arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")),
    }
}

fn public(fake: &FakeAccount, id: &str) -> bool {
    fake.with_state(|s| s.subnets[id].map_public_ip_on_launch)
}

#[test]
fn only_the_findings_subnet_stops_assigning_public_addresses() {
    let fake = account(&[]);
    let report = block_on(run(&fake, &ctx(), &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    assert!(!public(&fake, "subnet-0public"));
    assert!(public(&fake, "subnet-0bystander"));
    assert_eq!(
        report.steps[0].prior,
        Some(json!({ "subnet_id": "subnet-0public", "map_public_ip_on_launch": true }))
    );
    let again = block_on(run(&fake, &ctx(), &target()));
    assert_eq!(again.steps[0].outcome, StepOutcome::AlreadyDone);
}

#[test]
fn a_tagged_subnet_is_left_alone() {
    let fake = account(&[("AutoRemediate", "false")]);
    let report = block_on(run(&fake, &ctx(), &target()));
    assert!(matches!(report.outcome, PlaybookOutcome::Excluded { .. }));
    assert!(public(&fake, "subnet-0public"));
    assert_eq!(fake.calls(), ["ec2:DescribeSubnets"]);
}

#[test]
fn the_target_is_read_from_the_subnet_arn_of_the_findings_account() {
    let mut finding: Finding = serde_json::from_value(crate::playbooks::public_sample(
        "finding-control-s3-1-account-level.json",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    finding.resources[0].kind = "AwsEc2Subnet".into();
    finding.resources[0].id = "arn:aws:ec2:us-east-1:111111111111:subnet/subnet-0public".into();
    assert_eq!(super::target(&finding).map(|t| t.label()), Ok("subnet/subnet-0public".into()));
    finding.resources[0].id = "arn:aws:ec2:us-east-1:222222222222:subnet/subnet-0public".into();
    assert!(super::target(&finding).is_err(), "another account's subnet");
    finding.resources[0].id = "arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1".into();
    assert!(super::target(&finding).is_err(), "not a subnet");
}
