use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeBucket, FakeState};
use crate::ports::PortErrorKind;
use futures::executor::block_on;
use serde_json::Value;

const OWNER: &str = "111122223333";

fn ctx() -> RunContext {
    RunContext {
        exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
        ..crate::playbooks::test_context(OWNER)
    }
}

const PUBLIC: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
const MIXED: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"PublicRead","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
  {"Sid":"AllowLogDelivery","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/logs/*"},
  {"Sid":"OrgOnly","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#;

fn account(policy: &str) -> FakeAccount {
    let mut state = FakeState::default();
    state
        .buckets
        .insert("b".into(), FakeBucket::public(OWNER, Some(policy)));
    FakeAccount::new(state)
}

fn bucket() -> Target {
    Target::Bucket {
        name: "b".into(),
        owner_account: Some(OWNER.into()),
    }
}

#[test]
fn a_bucket_public_by_acl_and_policy_is_closed_on_every_side() {
    let fake = account(PUBLIC);
    let report = block_on(run(&fake, &ctx(), &bucket()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated);
    fake.with_state(|s| {
        let b = &s.buckets["b"];
        assert_eq!(b.public_access_block, Some(PublicAccessBlock::ALL_ON));
        assert!(!b.acl.grants.iter().any(|g| g.is_public()));
        assert_eq!(
            b.policy, None,
            "a policy with only public statements is deleted"
        );
    });
    assert!(fake.calls().contains(&"s3:DeleteBucketPolicy".to_string()));
}

#[test]
fn only_the_public_statement_of_a_mixed_policy_is_removed() {
    let fake = account(MIXED);
    block_on(run(&fake, &ctx(), &bucket()));
    let policy: Value = fake
        .with_state(|s| s.buckets["b"].policy.clone())
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default();
    let sids: Vec<&str> = policy["Statement"]
        .as_array()
        .map(|l| l.iter().filter_map(|s| s["Sid"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(sids, vec!["AllowLogDelivery", "OrgOnly"]);
}

#[test]
fn the_second_run_changes_nothing_but_rewrites_the_acl_s3_may_be_hiding() {
    let fake = account(MIXED);
    block_on(run(&fake, &ctx(), &bucket()));
    let before = fake.calls().len();
    let second = block_on(run(&fake, &ctx(), &bucket()));
    assert_eq!(second.outcome, PlaybookOutcome::Remediated);
    // With IgnorePublicAcls on, GetBucketAcl hides public grants, so the ACL is always rewritten from
    // what S3 shows; every other call only reads.
    let calls = fake.calls();
    let writes: Vec<&String> = calls[before..]
        .iter()
        .filter(|c| !c.starts_with("s3:Get"))
        .collect();
    assert_eq!(writes, ["s3:PutBucketAcl"]);
    for step in &second.steps {
        let expected = if step.step == "private-acl" {
            StepOutcome::Done
        } else {
            StepOutcome::AlreadyDone
        };
        assert_eq!(step.outcome, expected, "{step:?}");
    }
}

#[test]
fn a_public_acl_hidden_by_ignore_public_acls_is_removed_and_its_view_recorded() {
    let fake = account(PUBLIC);
    fake.with_state(|s| {
        if let Some(b) = s.buckets.get_mut("b") {
            b.public_access_block = Some(PublicAccessBlock::ALL_ON);
            b.policy = None;
        }
    });
    let report = block_on(run(&fake, &ctx(), &bucket()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated);
    // The stored ACL, not only the effective one, no longer grants anything public.
    fake.with_state(|s| assert!(!s.buckets["b"].acl.grants.iter().any(|g| g.is_public())));
    let acl_step = report.steps.iter().find(|s| s.step == "private-acl");
    let prior = acl_step.and_then(|s| s.prior.clone()).unwrap_or_default();
    assert!(
        prior["acl_view"]
            .as_str()
            .is_some_and(|v| v.starts_with("effective")),
        "{prior}"
    );
}

#[test]
fn the_prior_acl_is_read_before_block_public_access_hides_it() {
    let fake = account(PUBLIC);
    let report = block_on(run(&fake, &ctx(), &bucket()));
    let calls = fake.calls();
    let position = |api: &str| calls.iter().position(|c| c == api);
    assert!(
        position("s3:GetBucketAcl") < position("s3:PutBucketPublicAccessBlock"),
        "{calls:?}"
    );
    let prior = report
        .steps
        .iter()
        .find(|s| s.step == "private-acl")
        .and_then(|s| s.prior.clone())
        .unwrap_or_default();
    let grants = prior["acl"]["grants"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        grants.iter().any(|g| g["grantee"]
            .as_str()
            .is_some_and(|u| u.ends_with("/AllUsers"))),
        "{prior}"
    );
    assert_eq!(prior["acl_view"], "stored");
}

#[test]
fn the_access_point_delegation_survives_and_s3_is_asked() {
    let policy = r#"{"Version":"2012-10-17","Statement":[
      {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
      {"Sid":"DelegateToAccessPoints","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
       "Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}}]}"#;
    let fake = account(policy);
    let report = block_on(run(&fake, &ctx(), &bucket()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated);
    let kept = fake
        .with_state(|s| s.buckets["b"].policy.clone())
        .unwrap_or_default();
    assert!(
        kept.contains("DelegateToAccessPoints") && !kept.contains("PublicRead"),
        "{kept}"
    );
    assert!(fake
        .calls()
        .contains(&"s3:GetBucketPolicyStatus".to_string()));
}

#[test]
fn a_policy_s3_calls_public_that_riposte_cannot_explain_fails_verification() {
    let fake = account(MIXED);
    fake.with_state(|s| {
        if let Some(b) = s.buckets.get_mut("b") {
            b.policy_status_override = Some(true);
        }
    });
    let report = block_on(run(&fake, &ctx(), &bucket()));
    assert!(
        matches!(&report.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("GetBucketPolicyStatus")),
        "{:?}",
        report.outcome
    );
}

#[test]
fn legacy_us_east_1_bucket_names_are_accepted() {
    let mut finding: crate::asff::Finding = serde_json::from_value(serde_json::json!({
        "Id": "f", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "AwsAccountId": OWNER,
        "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::Legacy_Bucket.Name"}]
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(target(&finding), Ok(Target::Bucket { name, .. }) if name == "Legacy_Bucket.Name")
    );
    finding.resources[0].id = "arn:aws:s3:::bad/name".into();
    assert!(target(&finding).is_err());
}

#[test]
fn a_bucket_with_acls_disabled_is_already_private() {
    let fake = account(PUBLIC);
    fake.with_state(|s| {
        if let Some(b) = s.buckets.get_mut("b") {
            b.acls_disabled = true
        }
    });
    let report = block_on(run(&fake, &ctx(), &bucket()));
    let acl = report
        .steps
        .iter()
        .find(|s| s.step == "private-acl")
        .map(|s| s.outcome);
    assert_eq!(acl, Some(StepOutcome::AlreadyDone));
}

#[test]
fn an_excluded_bucket_is_left_exactly_as_it_was() {
    let fake = account(PUBLIC);
    fake.with_state(|s| {
        if let Some(b) = s.buckets.get_mut("b") {
            b.tags.insert("AutoRemediate".into(), "false".into());
        }
    });
    let report = block_on(run(&fake, &ctx(), &bucket()));
    assert!(matches!(report.outcome, PlaybookOutcome::Excluded { .. }));
    assert_eq!(fake.calls(), vec!["s3:GetBucketTagging"]);
    fake.with_state(|s| assert_eq!(s.buckets["b"].policy.as_deref(), Some(PUBLIC)));
}

#[test]
fn a_bucket_owned_by_another_account_is_refused_by_the_expected_owner_check() {
    let fake = account(PUBLIC);
    fake.with_state(|s| {
        if let Some(b) = s.buckets.get_mut("b") {
            b.owner = "999999999999".into();
        }
    });
    let report = block_on(run(&fake, &ctx(), &bucket()));
    assert!(matches!(report.outcome, PlaybookOutcome::Failed { .. }));
    assert!(!fake
        .calls()
        .iter()
        .any(|c| c.starts_with("s3:Put") || c.starts_with("s3:Delete")));
}

#[test]
fn a_denied_step_fails_the_run_but_the_others_still_happen() {
    let fake = account(PUBLIC);
    fake.fail(
        "s3:PutBucketPublicAccessBlock",
        PortErrorKind::Denied,
        "AccessDenied",
        None,
    );
    let report = block_on(run(&fake, &ctx(), &bucket()));
    assert!(
        matches!(&report.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("PutBucketPublicAccessBlock"))
    );
    fake.with_state(|s| assert!(!s.buckets["b"].acl.grants.iter().any(|g| g.is_public())));
}

#[test]
/// The verification asks S3 for its verdict (GetBucketPolicyStatus) instead of re-reading the policy: a
/// rewrite that did not land as written (garbled here; the fake calls what it cannot parse public) fails.
fn a_rewrite_that_did_not_land_as_written_fails_verification() {
    let fake = account(MIXED);
    fake.with_state(|s| {
        if let Some(b) = s.buckets.get_mut("b") {
            b.garble_policy_on_put = true;
        }
    });
    let report = block_on(run(&fake, &ctx(), &bucket()));
    assert!(
        matches!(&report.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("still considers the bucket policy public")),
        "{:?}",
        report.outcome
    );
}
