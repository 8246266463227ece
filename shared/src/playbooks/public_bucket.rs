//! Public S3 bucket (controls S3.2, S3.3, S3.8; Config rules s3-bucket-public-read/write-prohibited):
//! turn on all four Block Public Access settings, make the ACL private, remove only the policy
//! statements that grant public access (delete the policy when nothing remains), verify by reading back.
//! Every call names the expected bucket owner.

use serde_json::{json, Value};

use super::{excluded_by_tag, failed, parse_document, statements, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::catalogue::{Grant, PlaybookSpec, Risk, Scope, Trigger};
use crate::ports::{PublicAccessBlock, S3Port};
use crate::routing::Target;

pub const ID: &str = "public-bucket";

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: ID,
    title: "Close a public S3 bucket",
    triggers: &[
        Trigger::Control("S3.2"),
        Trigger::Control("S3.3"),
        Trigger::Control("S3.8"),
        Trigger::ConfigRule("s3-bucket-public-read-prohibited"),
        Trigger::ConfigRule("s3-bucket-public-write-prohibited"),
    ],
    steps: &[
        "skip when the bucket carries the exclusion tag",
        "turn on all four Block Public Access settings",
        "make the ACL private: remove the grants to everyone and to any AWS user, keep the owner's and log delivery's (buckets with ACLs disabled already are private)",
        "remove only the policy statements that grant public access; delete the policy when none remain",
        "verify with the Get APIs",
    ],
    grants: &[
        Grant::on("s3:GetBucketTagging", Scope::S3Bucket),
        Grant::on("s3:GetBucketPublicAccessBlock", Scope::S3Bucket),
        Grant::on("s3:PutBucketPublicAccessBlock", Scope::S3Bucket),
        Grant::on("s3:GetBucketAcl", Scope::S3Bucket),
        Grant::on("s3:PutBucketAcl", Scope::S3Bucket),
        Grant::on("s3:GetBucketPolicy", Scope::S3Bucket),
        Grant::on("s3:PutBucketPolicy", Scope::S3Bucket),
        Grant::on("s3:DeleteBucketPolicy", Scope::S3Bucket),
    ],
    risk: Risk::Low,
    threat: false,
};

fn valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// The bucket named by the finding's `AwsS3Bucket` resource (`arn:<partition>:s3:::<name>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    let resource = finding
        .resources
        .iter()
        .find(|r| r.kind == "AwsS3Bucket")
        .ok_or("control finding without an AwsS3Bucket resource")?;
    let name = resource
        .id
        .rsplit(":::")
        .next()
        .unwrap_or_default()
        .to_owned();
    if !resource.id.starts_with("arn:") || !valid_bucket_name(&name) {
        return Err(format!(
            "resource id {} is not an S3 bucket ARN",
            resource.id
        ));
    }
    let owner_account = resource
        .details
        .aws_s3_bucket
        .as_ref()
        .and_then(|d| d.owner_account_id.clone());
    Ok(Target::Bucket {
        name,
        owner_account,
    })
}

/// Condition keys that tie a `Principal: *` statement to known accounts, networks or services, which
/// makes it non-public in S3's own evaluation.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "aws:principalorgpaths",
    "aws:sourceip",
];

fn principal_is_everyone(principal: &Value) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(map) => map.get("AWS").is_some_and(|aws| match aws {
            Value::String(s) => s == "*",
            Value::Array(list) => list.iter().any(|v| v.as_str() == Some("*")),
            _ => false,
        }),
        _ => false,
    }
}

/// The condition's values, as text (one string or a list).
fn condition_values(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// An IP range narrower than S3's public threshold (`/8` for IPv4, `/32` for IPv6).
fn narrow_range(cidr: &str) -> bool {
    let (address, prefix) = cidr
        .split_once('/')
        .unwrap_or((cidr, if cidr.contains(':') { "128" } else { "32" }));
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    if address.contains(':') {
        prefix >= 32
    } else {
        prefix >= 8
    }
}

/// One condition that pins the statement to known accounts, networks or services. Negated operators,
/// `…IfExists`, `Null` and `ForAllValues` pass when the key is absent, and wildcard values or wide IP
/// ranges pin nothing: S3 counts all of those as public, and so do we.
fn restricts(test: &str, key: &str, value: &Value) -> bool {
    let test = test.to_ascii_lowercase();
    let key = key.to_ascii_lowercase();
    let opens = test.contains("not")
        || test.ends_with("ifexists")
        || test == "null"
        || test.starts_with("forallvalues:");
    let values = condition_values(value);
    let fixed = !values.is_empty() && values.iter().all(|v| !v.contains('*') && !v.contains('?'));
    let pinned = if key == "aws:sourceip" {
        values.iter().all(|v| narrow_range(v))
    } else {
        true
    };
    !opens && fixed && pinned && RESTRICTING_KEYS.contains(&key.as_str())
}

fn has_restricting_condition(statement: &Value) -> bool {
    let Some(conditions) = statement.get("Condition").and_then(Value::as_object) else {
        return false;
    };
    conditions.iter().any(|(test, keys)| {
        keys.as_object()
            .is_some_and(|keys| keys.iter().any(|(key, value)| restricts(test, key, value)))
    })
}

/// An `Allow` to everyone (`Principal: *`, or any `NotPrincipal`) without a restricting condition grants
/// public access.
pub fn is_public_statement(statement: &Value) -> bool {
    let everyone = statement
        .get("Principal")
        .is_some_and(principal_is_everyone)
        || statement.get("NotPrincipal").is_some();
    statement.get("Effect").and_then(Value::as_str) == Some("Allow")
        && everyone
        && !has_restricting_condition(statement)
}

/// The policy without its public statements, or `None` when nothing would remain.
fn without_public_statements(document: &Value) -> Option<Value> {
    let kept: Vec<Value> = statements(document)
        .into_iter()
        .filter(|s| !is_public_statement(s))
        .collect();
    if kept.is_empty() {
        return None;
    }
    let mut reduced = document.clone();
    if let Some(object) = reduced.as_object_mut() {
        object.insert("Statement".into(), Value::Array(kept));
    }
    Some(reduced)
}

fn public_sids(document: &Value) -> Vec<String> {
    statements(document)
        .iter()
        .filter(|s| is_public_statement(s))
        .map(|s| {
            s.get("Sid")
                .and_then(Value::as_str)
                .unwrap_or("<no Sid>")
                .to_owned()
        })
        .collect()
}

pub async fn run<P: S3Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Bucket { name: bucket, .. } = target else {
        return PlaybookReport::conclude(
            Vec::new(),
            Err(format!("{} is not a bucket", target.label())),
        );
    };
    let owner = ctx.account.as_str();
    let label = format!("bucket/{bucket}");
    let mut steps = Vec::new();

    if ctx.exclusion_tag.is_some() {
        let tags = ports.get_bucket_tags(bucket, owner).await;
        if let Some(report) = excluded_by_tag(ctx, tags, "s3:GetBucketTagging", &label) {
            return report;
        }
    }

    let mut changed_bpa = false;
    match ports.get_public_access_block(bucket, owner).await {
        Ok(Some(current)) if current.all_on() => {
            steps.push(StepRecord::new(
                "block-public-access",
                Some("s3:PutBucketPublicAccessBlock"),
                &label,
                StepOutcome::AlreadyDone,
                "all four settings already on",
            ));
        }
        Ok(prior) => {
            steps.push(
                match ports
                    .put_public_access_block(bucket, owner, PublicAccessBlock::ALL_ON)
                    .await
                {
                    Ok(()) => {
                        changed_bpa = true;
                        StepRecord::new(
                            "block-public-access",
                            Some("s3:PutBucketPublicAccessBlock"),
                            &label,
                            StepOutcome::Done,
                            "all four Block Public Access settings turned on",
                        )
                        .with_prior(json!({ "public_access_block": prior }))
                    }
                    Err(e) => failed(
                        "block-public-access",
                        "s3:PutBucketPublicAccessBlock",
                        &label,
                        e,
                    ),
                },
            );
        }
        Err(e) => steps.push(failed(
            "block-public-access",
            "s3:GetBucketPublicAccessBlock",
            &label,
            e,
        )),
    }

    let mut changed_acl = false;
    match ports.get_bucket_acl(bucket, owner).await {
        Ok(acl) if !acl.grants.iter().any(|g| g.is_public()) => {
            steps.push(StepRecord::new(
                "private-acl",
                Some("s3:PutBucketAcl"),
                &label,
                StepOutcome::AlreadyDone,
                "ACL grants nothing public",
            ));
        }
        Ok(acl) => steps.push(
            match ports
                .put_bucket_acl(bucket, owner, &acl.without_public_grants())
                .await
            {
                Ok(()) => {
                    changed_acl = true;
                    StepRecord::new(
                        "private-acl",
                        Some("s3:PutBucketAcl"),
                        &label,
                        StepOutcome::Done,
                        "public ACL grants removed",
                    )
                    .with_prior(json!({ "acl": acl }))
                }
                Err(e) if e.code.as_deref() == Some("AccessControlListNotSupported") => {
                    StepRecord::new(
                        "private-acl",
                        Some("s3:PutBucketAcl"),
                        &label,
                        StepOutcome::AlreadyDone,
                        "ACLs are disabled (BucketOwnerEnforced): the ACL grants nothing",
                    )
                }
                Err(e) => failed("private-acl", "s3:PutBucketAcl", &label, e),
            },
        ),
        Err(e) => steps.push(failed("private-acl", "s3:GetBucketAcl", &label, e)),
    }

    let mut changed_policy = false;
    match ports.get_bucket_policy(bucket, owner).await {
        Ok(None) => steps.push(StepRecord::new(
            "policy",
            Some("s3:PutBucketPolicy"),
            &label,
            StepOutcome::AlreadyDone,
            "no bucket policy",
        )),
        Ok(Some(document)) => match parse_document(&document) {
            None => steps.push(StepRecord::new(
                "policy",
                Some("s3:GetBucketPolicy"),
                &label,
                StepOutcome::Failed,
                "bucket policy is not valid JSON",
            )),
            Some(policy) if public_sids(&policy).is_empty() => {
                steps.push(StepRecord::new(
                    "policy",
                    Some("s3:PutBucketPolicy"),
                    &label,
                    StepOutcome::AlreadyDone,
                    "no statement grants public access",
                ));
            }
            Some(policy) => {
                let sids = public_sids(&policy).join(", ");
                let prior = json!({ "policy": document });
                let result = match without_public_statements(&policy) {
                    Some(reduced) => ports
                        .put_bucket_policy(bucket, owner, &reduced.to_string())
                        .await
                        .map(|()| {
                            (
                                "s3:PutBucketPolicy",
                                format!("removed public statement(s) {sids}"),
                            )
                        }),
                    None => ports.delete_bucket_policy(bucket, owner).await.map(|()| {
                        (
                            "s3:DeleteBucketPolicy",
                            format!("deleted the policy: every statement ({sids}) was public"),
                        )
                    }),
                };
                steps.push(match result {
                    Ok((api, detail)) => {
                        changed_policy = true;
                        StepRecord::new("policy", Some(api), &label, StepOutcome::Done, detail)
                            .with_prior(prior)
                    }
                    Err(e) => StepRecord::new(
                        "policy",
                        Some(e.api.as_str()),
                        &label,
                        StepOutcome::Failed,
                        e.to_string(),
                    ),
                });
            }
        },
        Err(e) => steps.push(failed("policy", "s3:GetBucketPolicy", &label, e)),
    }

    let verified = verify(
        ports,
        bucket,
        owner,
        changed_bpa,
        changed_acl,
        changed_policy,
    )
    .await;
    PlaybookReport::conclude(steps, verified)
}

/// Read back only what changed; unchanged aspects were read a moment ago.
async fn verify<P: S3Port>(
    ports: &P,
    bucket: &str,
    owner: &str,
    bpa: bool,
    acl: bool,
    policy: bool,
) -> Result<(), String> {
    if bpa
        && !ports
            .get_public_access_block(bucket, owner)
            .await
            .map_err(|e| e.to_string())?
            .is_some_and(|b| b.all_on())
    {
        return Err("Block Public Access is not fully on".into());
    }
    if acl
        && ports
            .get_bucket_acl(bucket, owner)
            .await
            .map_err(|e| e.to_string())?
            .grants
            .iter()
            .any(|g| g.is_public())
    {
        return Err("the ACL still grants public access".into());
    }
    if policy {
        let document = ports
            .get_bucket_policy(bucket, owner)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(policy) = document.as_deref().and_then(parse_document) {
            if !public_sids(&policy).is_empty() {
                return Err("the bucket policy still grants public access".into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "public_bucket_tests.rs"]
mod tests;
