use super::*;
use crate::audit::PlaybookOutcome;
use crate::fake::{FakeAccount, FakeBucket, FakeState};
use futures::executor::block_on;
use std::collections::BTreeMap;

const OWNER: &str = "111111111111";

/// A policy with `Statement` as one object, as IAM allows.
const LOG_DELIVERY: &str = r#"{"Version":"2012-10-17","Id":"keep-me","Statement":{"Sid":"AllowLogDelivery","Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*"}}"#;

fn account(policy: Option<&str>) -> FakeAccount {
    FakeAccount::new(FakeState {
        buckets: BTreeMap::from([
            ("logs".to_string(), FakeBucket::public(OWNER, policy)),
            ("bystander".to_string(), FakeBucket::public(OWNER, None)),
        ]),
        ..FakeState::default()
    })
}

fn target() -> Target {
    Target::Bucket {
        name: "logs".into(),
        owner_account: Some(OWNER.into()),
    }
}

fn ctx() -> RunContext {
    RunContext {
        exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
        ..crate::playbooks::test_context(OWNER)
    }
}

fn policy(fake: &FakeAccount, bucket: &str) -> Option<Value> {
    fake.with_state(|s| s.buckets[bucket].policy.clone())
        .and_then(|p| serde_json::from_str(&p).ok())
}

#[test]
fn the_deny_is_appended_once_and_every_other_statement_stays() {
    let fake = account(Some(LOG_DELIVERY));
    let report = block_on(run(&fake, &ctx(), &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
    let stored = policy(&fake, "logs").unwrap_or_default();
    assert_eq!(statements(&stored).len(), 2, "{stored}");
    assert_eq!(stored["Id"], "keep-me");
    assert_eq!(stored["Statement"][0]["Sid"], "AllowLogDelivery");
    assert_eq!(stored["Statement"][1]["Sid"], SID);
    assert_eq!(
        stored["Statement"][1]["Condition"],
        json!({ "Bool": { "aws:SecureTransport": "false" } })
    );
    assert_eq!(
        stored["Statement"][1]["Resource"],
        json!(["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"])
    );
    assert_eq!(report.steps[0].prior, Some(json!({ "bucket": "logs", "policy": LOG_DELIVERY })));
    assert_eq!(policy(&fake, "bystander"), None);

    let again = block_on(run(&fake, &ctx(), &target()));
    assert_eq!(again.steps.last().map(|s| s.outcome), Some(StepOutcome::AlreadyDone));
    assert_eq!(
        fake.calls().iter().filter(|c| *c == "s3:PutBucketPolicy").count(),
        1
    );
}

#[test]
fn an_equivalent_statement_of_the_owner_counts_as_done() {
    let theirs = r#"{"Version":"2012-10-17","Statement":[{"Sid":"HttpsOnly","Effect":"Deny","Principal":{"AWS":"*"},"Action":["s3:*"],"Resource":["arn:aws:s3:::logs/*"],"Condition":{"Bool":{"aws:securetransport":false}}}]}"#;
    let fake = account(Some(theirs));
    let report = block_on(run(&fake, &ctx(), &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated);
    assert_eq!(report.steps.last().map(|s| s.outcome), Some(StepOutcome::AlreadyDone));
    assert!(!fake.calls().contains(&"s3:PutBucketPolicy".to_string()));
}

#[test]
fn a_bucket_without_a_policy_gets_one_and_undo_knows_there_was_none() {
    let fake = account(None);
    let report = block_on(run(&fake, &ctx(), &target()));
    assert_eq!(report.outcome, PlaybookOutcome::Remediated);
    let stored = policy(&fake, "logs").unwrap_or_default();
    assert_eq!(statements(&stored).len(), 1);
    assert_eq!(report.steps[0].prior, Some(json!({ "bucket": "logs", "policy": null })));
}

#[test]
fn a_policy_that_does_not_parse_is_left_alone() {
    let fake = account(Some("{not json"));
    let report = block_on(run(&fake, &ctx(), &target()));
    assert!(matches!(report.outcome, PlaybookOutcome::Failed { .. }));
    assert_eq!(fake.with_state(|s| s.buckets["logs"].policy.clone()), Some("{not json".into()));
}

#[test]
fn a_tagged_bucket_is_left_alone() {
    let fake = account(Some(LOG_DELIVERY));
    fake.with_state(|s| {
        if let Some(b) = s.buckets.get_mut("logs") {
            b.tags.insert("AutoRemediate".into(), "false".into());
        }
    });
    let report = block_on(run(&fake, &ctx(), &target()));
    assert!(matches!(report.outcome, PlaybookOutcome::Excluded { .. }));
    assert_eq!(fake.calls(), ["s3:GetBucketTagging"]);
}
