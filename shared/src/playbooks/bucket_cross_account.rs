//! A bucket policy lets other accounts run sensitive actions on it (control S3.6: by default
//! `s3:DeleteBucketPolicy`, `s3:PutBucketAcl`, `s3:PutBucketPolicy`, `s3:PutEncryptionConfiguration`,
//! `s3:PutObjectAcl`): add one statement denying exactly those actions to exactly those accounts'
//! principals, found again by its Sid. Every other statement stays (the other accounts keep what else
//! they were given). A wildcard principal is never denied here (it would lock the owner out; S3.2 is
//! its control). Central backup or security accounts can lose access they need: approval by default.

use serde_json::{json, Value};

use super::{excluded_by_live_tag, failed, parse_document, statements, RunContext};
use crate::arn::Arn;
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::S3Port;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SID: &str = "RiposteDenyCrossAccountSensitiveActions";
/// The control's default `blacklistedActionPattern`.
pub const SENSITIVE: &[&str] = &[
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:PutEncryptionConfiguration",
    "s3:PutObjectAcl",
];

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "bucket-cross-account",
    title: "Deny other accounts the sensitive actions a bucket policy grants them",
    triggers: &[
        Trigger::Control("S3.6"),
        Trigger::ConfigRule("s3-bucket-blacklisted-actions-prohibited"),
    ],
    steps: &[
        "skip the bucket when it carries the exclusion tag",
        "find the other accounts' principals that Allow statements give a sensitive action",
        "add (or widen) one Deny of those actions for those principals, keeping every other statement; record the previous policy",
        "verify by reading the policy back",
    ],
    grants: &[
        Grant::on("s3:GetBucketTagging"),
        Grant::on("s3:GetBucketPolicy"),
        Grant::on("s3:PutBucketPolicy"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Approve,
    threat: false,
    undo: Inverse::None("the previous policy is in the audit record (step prior); restore it by hand"),
};

/// The bucket named by the finding's `AwsS3Bucket` resource.
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::bucket(finding)
}

pub async fn run<P: S3Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Bucket { name: bucket, .. } = target else {
        let reason = format!("{} is not a bucket", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (owner, label) = (ctx.account.as_str(), target.label());
    if let Some(report) = excluded_by_live_tag(ctx, "s3:GetBucketTagging", &label, || ports.get_bucket_tags(bucket, owner)).await {
        return report;
    }
    let (read, write) = ("s3:GetBucketPolicy", "s3:PutBucketPolicy");
    let current = match ports.get_bucket_policy(bucket, owner).await {
        Ok(Some(current)) => current,
        Ok(None) => {
            let step = StepRecord::new("deny-cross-account", Some(write), &label, StepOutcome::AlreadyDone, "the bucket has no policy");
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
        Err(e) => return PlaybookReport::conclude(vec![failed("deny-cross-account", read, &label, e)], Ok(())),
    };
    let Some(document) = parse_document(&current) else {
        let reason = "the bucket policy does not parse as JSON: it is left as it is".to_owned();
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let foreign = foreign_principals(&document, owner);
    if foreign.is_empty() || denied(&document, &foreign) {
        let detail = "no other account is given a sensitive action, or it is denied already";
        let step = StepRecord::new("deny-cross-account", Some(write), &label, StepOutcome::AlreadyDone, detail);
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let updated = with_deny(&document, bucket, &foreign, ctx.region.partition());
    let step = match ports.put_bucket_policy(bucket, owner, &updated.to_string()).await {
        Ok(()) => StepRecord::new(
            "deny-cross-account",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("{} denied {} to {}", bucket, SENSITIVE.join(", "), foreign.join(", ")),
        )
        .with_prior(json!({ "bucket": bucket, "policy": current })),
        Err(e) => return PlaybookReport::conclude(vec![failed("deny-cross-account", write, &label, e)], Ok(())),
    };
    let as_written = |read: &Option<String>| {
        read.as_deref().and_then(parse_document).is_some_and(|read| {
            denied(&read, &foreign) && statements(&document).iter().filter(|s| s["Sid"] != SID).all(|s| statements(&read).contains(s))
        })
    };
    let verified = match super::settle::until(ports, || ports.get_bucket_policy(bucket, owner), as_written).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(_)) => Err(super::settle::propagating("the policy read back lacks the deny or a statement it had".into())),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        Value::Array(list) => list.iter().flat_map(texts).collect(),
        _ => Vec::new(),
    }
}

/// IAM's action wildcards: `*` any run of characters, `?` one; case-insensitive.
fn matches(pattern: &str, action: &str) -> bool {
    fn go(p: &[u8], a: &[u8]) -> bool {
        match (p.first(), a.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], a) || (!a.is_empty() && go(p, &a[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &a[1..]),
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => go(&p[1..], &a[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), action.as_bytes())
}

/// The account of an AWS principal (an ARN or a bare account id), when it names one.
fn principal_account(principal: &str) -> Option<String> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal.to_owned());
    }
    Arn::parse(principal).and_then(|a| a.account().map(str::to_owned))
}

/// Other accounts' AWS principals that an Allow statement gives a sensitive action, sorted.
fn foreign_principals(document: &Value, owner: &str) -> Vec<String> {
    let mut found: Vec<String> = statements(document)
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .filter(|s| {
            let actions = texts(&s["Action"]);
            SENSITIVE.iter().any(|x| actions.iter().any(|a| matches(a, x)))
        })
        .flat_map(|s| texts(&s["Principal"]["AWS"]))
        .filter(|p| principal_account(p).is_some_and(|a| a != owner))
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Riposte's deny statement is present and names every one of `principals`.
fn denied(document: &Value, principals: &[String]) -> bool {
    statements(document).iter().any(|s| {
        let named = texts(&s["Principal"]["AWS"]);
        s["Sid"] == SID && s["Effect"] == "Deny" && principals.iter().all(|p| named.contains(p))
    })
}

/// The document with Riposte's deny (re)written for `principals`, every other statement as it was.
fn with_deny(document: &Value, bucket: &str, principals: &[String], partition: &str) -> Value {
    let mut all: Vec<Value> = statements(document).into_iter().filter(|s| s["Sid"] != SID).collect();
    all.push(json!({
        "Sid": SID,
        "Effect": "Deny",
        "Principal": { "AWS": principals },
        "Action": SENSITIVE,
        "Resource": [format!("arn:{partition}:s3:::{bucket}"), format!("arn:{partition}:s3:::{bucket}/*")],
    }));
    let mut updated = document.clone();
    updated["Statement"] = Value::Array(all);
    updated
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeBucket, FakeState};
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    const OWNER: &str = "111111111111";

    fn policy() -> String {
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "PartnerWrites", "Effect": "Allow",
             "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "333333333333"]},
             "Action": ["s3:GetObject", "s3:Put*"], "Resource": ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"]},
            {"Sid": "OwnAdmins", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{OWNER}:role/admin")},
             "Action": "s3:*", "Resource": "arn:aws:s3:::shared"},
            {"Sid": "ReaderOnly", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:root"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]})
        .to_string()
    }

    fn account() -> FakeAccount {
        FakeAccount::new(FakeState {
            buckets: BTreeMap::from([
                ("shared".to_string(), FakeBucket::public(OWNER, Some(&policy()))),
                ("twin".to_string(), FakeBucket::public(OWNER, Some(&policy()))),
            ]),
            ..FakeState::default()
        })
    }

    fn stored(fake: &FakeAccount, bucket: &str) -> Value {
        let text = fake.with_state(|s| s.buckets[bucket].policy.clone()).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or_default()
    }

    #[test]
    fn only_the_accounts_given_a_sensitive_action_are_denied_it_and_nothing_else_changes() {
        let fake = account();
        let target = Target::Bucket { name: "shared".into(), owner_account: Some(OWNER.into()) };
        let report = block_on(run(&fake, &crate::playbooks::test_context(OWNER), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:#?}");
        let after = stored(&fake, "shared");
        let deny = statements(&after).into_iter().find(|s| s["Sid"] == SID).unwrap_or_default();
        // `s3:Put*` covers the sensitive puts; the owner's role and the read-only partner are not denied.
        assert_eq!(deny["Principal"]["AWS"], json!(["333333333333", "arn:aws:iam::222222222222:root"]));
        assert_eq!(deny["Action"], json!(SENSITIVE));
        assert_eq!(statements(&after).len(), 4, "every other statement stays");
        assert_eq!(stored(&fake, "twin"), serde_json::from_str::<Value>(&policy()).unwrap_or_default());
        let again = block_on(run(&fake, &crate::playbooks::test_context(OWNER), &target));
        assert_eq!(again.steps[0].outcome, StepOutcome::AlreadyDone);
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(matches("s3:Put*", "s3:PutBucketPolicy"));
        assert!(matches("S3:*", "s3:PutObjectAcl"));
        assert!(matches("*", "s3:DeleteBucketPolicy"));
        assert!(matches("s3:PutBucket???", "s3:PutBucketAcl"));
        assert!(!matches("s3:Get*", "s3:PutBucketAcl"));
        assert!(!matches("s3:PutBucketAcl", "s3:PutBucketAclX"));
    }
}
