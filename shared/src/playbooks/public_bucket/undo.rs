//! Undo a public-bucket run after a false positive: put back Block Public Access, the ACL and the policy
//! recorded before the run — refused, saying what changed, when the bucket is no longer as the run left
//! it. Block Public Access is lifted first and restored last, so the old ACL and policy can be written.

use super::super::{failed, parse_document, undo_refused, unless_changed, RunContext};
use crate::audit::{Failure, PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{BucketAcl, PortResult, PublicAccessBlock, S3Port};
use crate::target::Target;

/// What the run recorded for each step that changed something.
struct Recorded {
    bpa: Option<Option<PublicAccessBlock>>,
    acl: Option<BucketAcl>,
    /// (policy before, policy the run left: `None` when it deleted it)
    policy: Option<(String, Option<String>)>,
}

fn recorded(steps: &[StepRecord]) -> Result<Recorded, String> {
    let prior = |name: &str| {
        steps
            .iter()
            .find(|s| s.step == name && s.outcome == StepOutcome::Done)
            .and_then(|s| s.prior.clone())
    };
    let unreadable = |what: &str| format!("the audit record's {what} cannot be read");
    Ok(Recorded {
        bpa: prior("block-public-access")
            .map(|p| serde_json::from_value(p["public_access_block"].clone()))
            .transpose()
            .map_err(|_| unreadable("Block Public Access"))?,
        acl: prior("private-acl")
            .map(|p| serde_json::from_value(p["acl"].clone()))
            .transpose()
            .map_err(|_| unreadable("ACL"))?,
        policy: prior("policy")
            .map(|p| {
                let before = p["policy"].as_str().map(str::to_owned);
                let written = p["written"].as_str().map(str::to_owned);
                before.map(|b| (b, written))
            })
            .map(|p| p.ok_or_else(|| unreadable("policy")))
            .transpose()?,
    })
}

fn same_policy(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => parse_document(a).is_some() && parse_document(a) == parse_document(b),
        _ => false,
    }
}

fn same_grants(a: &BucketAcl, b: &BucketAcl) -> bool {
    let key = |acl: &BucketAcl| {
        let mut grants: Vec<String> = acl
            .grants
            .iter()
            .map(|g| format!("{}|{}|{}", g.grantee_type, g.grantee, g.permission))
            .collect();
        grants.sort_unstable();
        grants
    };
    key(a) == key(b)
}

/// What differs from the state the run left, one phrase each.
async fn changed_since<P: S3Port>(
    ports: &P,
    bucket: &str,
    owner: &str,
    r: &Recorded,
) -> PortResult<Vec<String>> {
    let mut changed = Vec::new();
    if r.bpa.is_some()
        && !ports
            .get_public_access_block(bucket, owner)
            .await?
            .is_some_and(|b| b.all_on())
    {
        changed.push("Block Public Access is no longer fully on".to_owned());
    }
    if let Some(acl) = &r.acl {
        if !same_grants(&ports.get_bucket_acl(bucket, owner).await?, &acl.without_public_grants()) {
            changed.push("the ACL's grants differ from what the run left".to_owned());
        }
    }
    if let Some((_, written)) = &r.policy {
        let now = ports.get_bucket_policy(bucket, owner).await?;
        if !same_policy(now.as_deref(), written.as_deref()) {
            changed.push("the bucket policy differs from what the run left".to_owned());
        }
    }
    Ok(changed)
}

pub async fn undo<P: S3Port>(
    ports: &P,
    ctx: &RunContext,
    target: &Target,
    steps: &[StepRecord],
) -> PlaybookReport {
    let Target::Bucket { name: bucket, .. } = target else {
        return PlaybookReport::conclude(Vec::new(), Err(format!("{} is not a bucket", target.label()).into()));
    };
    let owner = ctx.account.as_str();
    let label = format!("bucket/{bucket}");
    let r = match recorded(steps) {
        Ok(r) if r.bpa.is_none() && r.acl.is_none() && r.policy.is_none() => {
            return undo_refused("undo refused: the run changed nothing on the bucket".into())
        }
        Ok(r) => r,
        Err(reason) => return undo_refused(format!("undo refused: {reason}")),
    };
    let changed = changed_since(ports, bucket, owner, &r).await;
    if let Some(report) = unless_changed(&format!("bucket {bucket}"), &label, changed) {
        return report;
    }
    let mut done = Vec::new();
    let step = |name: &str, api: &str, result: PortResult<()>, detail: &str| match result {
        Ok(()) => StepRecord::new(name, Some(api), &label, StepOutcome::Done, detail),
        Err(e) => failed(name, api, &label, e),
    };
    if r.bpa.is_some() {
        let result = ports.delete_public_access_block(bucket, owner).await;
        done.push(step("lift-block-public-access", "s3:PutBucketPublicAccessBlock", result, "Block Public Access lifted to restore the bucket"));
    }
    if let Some(acl) = &r.acl {
        let result = ports.put_bucket_acl(bucket, owner, acl).await;
        done.push(step("restore-acl", "s3:PutBucketAcl", result, "ACL restored as recorded before the run"));
    }
    if let Some((before, _)) = &r.policy {
        let result = ports.put_bucket_policy(bucket, owner, before).await;
        done.push(step("restore-policy", "s3:PutBucketPolicy", result, "bucket policy restored as recorded before the run"));
    }
    if let Some(Some(bpa)) = r.bpa {
        let result = ports.put_public_access_block(bucket, owner, bpa).await;
        done.push(step("restore-block-public-access", "s3:PutBucketPublicAccessBlock", result, "Block Public Access restored as recorded before the run"));
    }
    let verified = verify(ports, bucket, owner, &r).await;
    PlaybookReport::conclude(done, verified)
}

async fn verify<P: S3Port>(ports: &P, bucket: &str, owner: &str, r: &Recorded) -> Result<(), Failure> {
    use crate::playbooks::settle::{propagating, until};
    if let Some(bpa) = &r.bpa {
        if until(ports, || ports.get_public_access_block(bucket, owner), |now| now == bpa).await?.is_err() {
            return Err(propagating("Block Public Access is not as recorded".into()));
        }
    }
    if let Some((before, _)) = &r.policy {
        let read = || ports.get_bucket_policy(bucket, owner);
        if until(ports, read, |now| same_policy(now.as_deref(), Some(before))).await?.is_err() {
            return Err(propagating("the bucket policy is not as recorded".into()));
        }
    }
    // With IgnorePublicAcls restored on, S3 shows only the effective ACL: read it back only when off.
    let ignores = r.bpa.flatten().is_some_and(|b| b.ignore_public_acls);
    if let (Some(acl), false) = (&r.acl, ignores) {
        if until(ports, || ports.get_bucket_acl(bucket, owner), |now| same_grants(now, acl)).await?.is_err() {
            return Err(propagating("the ACL is not as recorded".into()));
        }
    }
    Ok(())
}
