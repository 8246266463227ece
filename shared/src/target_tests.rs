use super::*;
use crate::playbooks::public_sample;

fn finding(name: &str) -> Finding {
    serde_json::from_value(public_sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn an_account_level_finding_targets_its_own_account() {
    // Real S3.1 shape: `AwsAccount` resource `AWS::::Account:111111111111`.
    let s3_1 = finding("finding-control-s3-1-account-level.json");
    let target = account(&s3_1).expect("account target");
    assert_eq!(target.label(), "account/111111111111");

    let mut other = s3_1.clone();
    other.resources[0].id = "AWS::::Account:222222222222".into();
    let refused = account(&other).expect_err("another account");
    assert!(refused.contains("222222222222"), "{refused}");
    other.resources[0].id = "arn:aws:s3:::bucket".into();
    assert!(account(&other).is_err());
}

#[test]
fn an_iam_user_is_read_from_its_arn_whatever_its_path() {
    let mut iam_3 = finding("finding-control-iam-3.json");
    let target = iam_user(&iam_3).expect("user");
    assert!(target.label().starts_with("user/"), "{}", target.label());
    let user = iam_3
        .resources
        .iter_mut()
        .find(|r| r.kind == "AwsIamUser")
        .expect("user resource");
    user.id = "arn:aws:iam::123456789012:user/team/ops/alice".into();
    assert_eq!(iam_user(&iam_3).map(|t| t.label()), Ok("user/alice".into()));
    for bad in [
        "arn:aws:iam::123456789012:role/alice",
        "arn:aws:iam::123456789012:user/",
        "alice",
    ] {
        let user = iam_3
            .resources
            .iter_mut()
            .find(|r| r.kind == "AwsIamUser")
            .expect("user resource");
        user.id = bad.into();
        assert!(iam_user(&iam_3).is_err(), "{bad}");
    }
}

#[test]
fn a_finding_without_the_resource_type_names_it_in_the_error() {
    let s3_1 = finding("finding-control-s3-1-account-level.json");
    let err = security_group_id(&s3_1).expect_err("no group");
    assert!(err.contains("AwsEc2SecurityGroup"), "{err}");
}

#[test]
fn any_arn_resource_is_a_target_labelled_by_its_resource() {
    let arn = Arn::parse("arn:aws:rds:eu-west-1:123456789012:snapshot:nightly").expect("arn");
    assert_eq!(Target::Resource { arn }.label(), "snapshot:nightly");
}

#[test]
fn a_guardduty_instance_is_read_even_from_an_arn_with_an_empty_slot() {
    // GuardDuty's documented sample writes `arn:aws::ec2:us-east-1:193043430472:instance/i-…`.
    let event = public_sample("finding-docs-guardduty-ssh-bruteforce.json");
    let finding: Finding = serde_json::from_value(event).unwrap_or_else(|e| panic!("{e}"));
    let Ok(Target::Resource { arn }) = instance(&finding) else {
        panic!("no instance target");
    };
    assert_eq!(
        arn.to_string(),
        "arn:aws:ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356"
    );
    let mut other = finding.clone();
    other.resources[0].id = "arn:aws:ec2:us-east-1:222222222222:instance/i-0abc".into();
    assert!(instance(&other).is_err(), "another account's instance");
}
