//! A bucket accepts requests over plain HTTP (control S3.5): add one statement denying every request
//! whose `aws:SecureTransport` is false, keeping every other statement as it is. The statement is found
//! again by its Sid (or an equivalent statement already in place), so it is never added twice. A
//! bucket served by the S3 website endpoint (HTTP only) stops serving: the note says so.

use serde_json::{json, Value};

use super::{excluded_by_live_tag, failed, parse_document, statements, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{PortError, PortErrorKind, S3Port};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SID: &str = "RiposteDenyInsecureTransport";
/// S3's limit on a bucket policy's size.
const MAX_POLICY_BYTES: usize = 20 * 1024;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "bucket-tls-only",
    title: "Deny requests to a bucket that do not use TLS",
    triggers: &[
        Trigger::Control("S3.5"),
        Trigger::ConfigRule("s3-bucket-ssl-requests-only"),
    ],
    steps: &[
        "skip the bucket when it carries the exclusion tag",
        "read the bucket policy; done when a statement already denies aws:SecureTransport=false",
        "append the deny statement (Sid RiposteDenyInsecureTransport), keeping every other statement; record the previous policy",
        "verify by reading the policy back",
    ],
    grants: &[
        Grant::on("s3:GetBucketTagging"),
        Grant::on("s3:GetBucketPolicy"),
        Grant::on("s3:PutBucketPolicy"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the added statement has a fixed Sid; remove it from the bucket policy by hand"),
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
        Ok(current) => current,
        Err(e) => return PlaybookReport::conclude(vec![failed("tls-only", read, &label, e)], Ok(())),
    };
    let document = match current.as_deref().map(parse_document) {
        None => json!({ "Version": "2012-10-17", "Statement": [] }),
        Some(Some(document)) => document,
        Some(None) => {
            let reason = "the bucket policy does not parse as JSON: it is left as it is".to_owned();
            return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
        }
    };
    let kept = statements(&document);
    if kept.iter().any(enforces_tls) {
        let step = StepRecord::new(
            "tls-only",
            Some(write),
            &label,
            StepOutcome::AlreadyDone,
            "a statement already denies requests without TLS",
        );
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let partition = ctx.region.partition();
    let mut all = kept.clone();
    all.push(json!({
        "Sid": SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [format!("arn:{partition}:s3:::{bucket}"), format!("arn:{partition}:s3:::{bucket}/*")],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } },
    }));
    let mut updated = document.clone();
    updated["Statement"] = Value::Array(all);
    let text = updated.to_string();
    if text.len() > MAX_POLICY_BYTES {
        let e = PortError::new(
            PortErrorKind::Invalid,
            write,
            Some("PolicyTooLarge"),
            format!("the policy would be {} bytes, over S3's 20 KB", text.len()),
        );
        return PlaybookReport::conclude(vec![failed("tls-only", write, &label, e)], Ok(()));
    }
    let step = match ports.put_bucket_policy(bucket, owner, &text).await {
        Ok(()) => StepRecord::new(
            "tls-only",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("{bucket} now denies requests without TLS (its S3 website endpoint, HTTP only, stops serving)"),
        )
        .with_prior(json!({ "bucket": bucket, "policy": current })),
        Err(e) => return PlaybookReport::conclude(vec![failed("tls-only", write, &label, e)], Ok(())),
    };
    let as_written = |read: &Option<String>| {
        read.as_deref().and_then(parse_document).as_ref().map(statements).is_some_and(|read| {
            read.iter().any(enforces_tls) && kept.iter().all(|s| read.contains(s))
        })
    };
    let verified = match super::settle::until(ports, || ports.get_bucket_policy(bucket, owner), as_written).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(_)) => Err(super::settle::propagating("the policy read back lacks the TLS statement or a statement it had".into())),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

/// Riposte's own statement, or any that denies every principal every S3 action when
/// `aws:SecureTransport` is false.
fn enforces_tls(statement: &Value) -> bool {
    if statement["Sid"] == SID {
        return true;
    }
    let texts = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(list) => list.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
            Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let everyone = statement["Principal"] == "*" || statement["Principal"]["AWS"] == "*";
    let all_actions = texts(&statement["Action"]).iter().any(|a| a == "s3:*" || a == "*");
    let insecure = statement["Condition"].as_object().is_some_and(|ops| {
        ops.iter().any(|(op, keys)| {
            op.eq_ignore_ascii_case("Bool")
                && keys.as_object().is_some_and(|keys| {
                    keys.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("aws:SecureTransport")
                            && (v == "false" || v == &Value::Bool(false) || v == &json!(["false"]))
                    })
                })
        })
    });
    statement["Effect"] == "Deny" && everyone && all_actions && insecure
}

#[cfg(test)]
#[path = "bucket_tls_only_tests.rs"]
mod tests;
