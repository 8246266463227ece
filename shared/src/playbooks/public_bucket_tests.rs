use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeBucket, FakeState};
use crate::ids::{AccountId, Region};
use crate::ports::PortErrorKind;
use futures::executor::block_on;
use time::macros::datetime;

const OWNER: &str = "111122223333";

fn ctx() -> RunContext {
    RunContext {
        account: AccountId::parse(OWNER).unwrap_or_else(|e| panic!("{e}")),
        region: Region::parse("us-east-1").unwrap_or_else(|e| panic!("{e}")),
        now: datetime!(2026-11-25 12:00 UTC),
        observed_at: None,
        linked_secret_tag: "riposte:linked-iam-user".into(),
        exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
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
fn the_second_run_only_reads() {
    let fake = account(MIXED);
    block_on(run(&fake, &ctx(), &bucket()));
    let before = fake.calls().len();
    let second = block_on(run(&fake, &ctx(), &bucket()));
    assert_eq!(second.outcome, PlaybookOutcome::Remediated);
    assert!(
        fake.calls()[before..]
            .iter()
            .all(|c| c.starts_with("s3:Get")),
        "{:?}",
        &fake.calls()[before..]
    );
    assert!(second
        .steps
        .iter()
        .all(|s| s.outcome == StepOutcome::AlreadyDone));
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
        matches!(&report.outcome, PlaybookOutcome::Failed { reason } if reason.contains("PutBucketPublicAccessBlock"))
    );
    fake.with_state(|s| assert!(!s.buckets["b"].acl.grants.iter().any(|g| g.is_public())));
}

#[test]
fn public_statement_detection_follows_s3s_rules() {
    let cases = [
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"s3:GetObject"}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject"}"#,
            true,
        ),
        (
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*"}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject"}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"ArnLike":{"aws:SourceArn":"*"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","::/0"]}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
            true,
        ),
    ];
    for (statement, public) in cases {
        let value: Value =
            serde_json::from_str(statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
        assert_eq!(is_public_statement(&value), public, "{statement}");
    }
}
