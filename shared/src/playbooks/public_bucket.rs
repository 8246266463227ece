//! Public S3 bucket (controls S3.2, S3.3, S3.8; Config rules s3-bucket-public-read/write-prohibited):
//! turn on all four Block Public Access settings, make the ACL private, remove only the policy
//! statements that grant public access (delete the policy when nothing remains), verify by reading back.
//! Every call names the expected bucket owner.

use serde_json::json;

use super::{excluded_by_live_tag, failed, parse_document, RunContext};
use crate::asff::Finding;
use crate::audit::{Failure, PlaybookReport, StepOutcome, StepRecord};
use crate::spec::{Mode, Grant, PlaybookSpec, Risk, Trigger, Inverse};
use crate::ports::{BucketAcl, PortResult, PublicAccessBlock, S3Port};
use crate::target::Target;
use crate::s3_public::{public_sids, without_public_statements};

mod undo;
pub use undo::undo;

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
        "read Block Public Access, the ACL and the policy before any change (with IgnorePublicAcls on, S3 shows only the effective ACL)",
        "turn on all four Block Public Access settings",
        "make the ACL private: remove the grants to everyone and to any AWS user, keep the owner's and log delivery's; rewrite it from its visible grants when IgnorePublicAcls hid them (buckets with ACLs disabled already are private)",
        "remove only the policy statements that are public in S3's own meaning (access-point, VPC, source-IP and organization statements stay); delete the policy when none remain",
        "verify: read Block Public Access back (GetPublicAccessBlock) and ask S3 (GetBucketPolicyStatus) that the policy is not public; the ACL is not re-read, since IgnorePublicAcls hides its grants",
    ],
    grants: &[
        Grant::on("s3:GetBucketTagging"),
        Grant::on("s3:GetBucketPublicAccessBlock"),
        Grant::on("s3:PutBucketPublicAccessBlock"),
        Grant::on("s3:GetBucketAcl"),
        Grant::on("s3:PutBucketAcl"),
        Grant::on("s3:GetBucketPolicy"),
        Grant::on("s3:GetBucketPolicyStatus"),
        Grant::on("s3:PutBucketPolicy"),
        Grant::on("s3:DeleteBucketPolicy"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::Restores("Block Public Access, the ACL and the policy as they were before the run"),
};

/// The bucket named by the finding's `AwsS3Bucket` resource.
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::bucket(finding)
}

/// The bucket as it was before any change. With `IgnorePublicAcls` on, GetBucketAcl answers the
/// *effective* ACL: the public grants are hidden, so that is recorded too.
struct Prior {
    bpa: Option<PublicAccessBlock>,
    acl: BucketAcl,
    acl_effective: bool,
    policy: Option<String>,
}

async fn read_prior<P: S3Port>(ports: &P, bucket: &str, owner: &str) -> PortResult<Prior> {
    let bpa = ports.get_public_access_block(bucket, owner).await?;
    let acl = ports.get_bucket_acl(bucket, owner).await?;
    let policy = ports.get_bucket_policy(bucket, owner).await?;
    Ok(Prior {
        acl_effective: bpa.is_some_and(|b| b.ignore_public_acls),
        bpa,
        acl,
        policy,
    })
}

/// What the run changed, to read back.
#[derive(Default)]
struct Changed {
    bpa: bool,
    policy: bool,
}

pub async fn run<P: S3Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Bucket { name: bucket, .. } = target else {
        return PlaybookReport::conclude(
            Vec::new(),
            Err(format!("{} is not a bucket", target.label()).into()),
        );
    };
    let owner = ctx.account.as_str();
    let label = format!("bucket/{bucket}");
    if let Some(report) = excluded_by_live_tag(ctx, "s3:GetBucketTagging", &label, || ports.get_bucket_tags(bucket, owner)).await {
        return report;
    }
    // Read everything before changing anything: once IgnorePublicAcls is on, the public grants are
    // invisible to GetBucketAcl.
    let prior = match read_prior(ports, bucket, owner).await {
        Ok(prior) => prior,
        Err(e) => {
            let api = e.api.clone();
            return PlaybookReport::conclude(
                vec![failed("read-prior-state", &api, &label, e)],
                Ok(()),
            );
        }
    };
    let mut changed = Changed::default();
    let steps = vec![
        block_public_access(ports, bucket, owner, &label, &prior, &mut changed).await,
        private_acl(ports, bucket, owner, &label, &prior).await,
        remove_public_statements(ports, bucket, owner, &label, &prior, &mut changed).await,
    ];
    let verified = verify(ports, bucket, owner, &changed, prior.policy.is_some()).await;
    PlaybookReport::conclude(steps, verified)
}

async fn block_public_access<P: S3Port>(
    ports: &P,
    bucket: &str,
    owner: &str,
    label: &str,
    prior: &Prior,
    changed: &mut Changed,
) -> StepRecord {
    const STEP: &str = "block-public-access";
    const API: &str = "s3:PutBucketPublicAccessBlock";
    if prior.bpa.is_some_and(|b| b.all_on()) {
        return StepRecord::new(
            STEP,
            Some(API),
            label,
            StepOutcome::AlreadyDone,
            "all four settings already on",
        );
    }
    match ports
        .put_public_access_block(bucket, owner, PublicAccessBlock::ALL_ON)
        .await
    {
        Ok(()) => {
            changed.bpa = true;
            StepRecord::new(
                STEP,
                Some(API),
                label,
                StepOutcome::Done,
                "all four Block Public Access settings turned on",
            )
            .with_prior(json!({ "public_access_block": prior.bpa }))
        }
        Err(e) => failed(STEP, API, label, e),
    }
}

/// Remove the public grants read before any change. When IgnorePublicAcls is on — on the bucket, or on
/// the account (S3 Control, which the spoke role does not read) — S3 shows only the effective ACL:
/// public grants may hide behind it, so the ACL is always rewritten from the grants it shows (the
/// owner's and log delivery's stay), which removes whatever was hidden.
async fn private_acl<P: S3Port>(
    ports: &P,
    bucket: &str,
    owner: &str,
    label: &str,
    prior: &Prior,
) -> StepRecord {
    const STEP: &str = "private-acl";
    const API: &str = "s3:PutBucketAcl";
    let public = prior.acl.grants.iter().any(|g| g.is_public());
    let detail = if public {
        "public ACL grants removed"
    } else if prior.acl_effective {
        "ACL rewritten from the grants S3 shows: IgnorePublicAcls was on, so GetBucketAcl hid any public grant"
    } else {
        "ACL rewritten from the grants S3 shows (an account-level IgnorePublicAcls would hide public grants)"
    };
    let view = if prior.acl_effective {
        "effective (IgnorePublicAcls on: public grants hidden)"
    } else {
        "stored"
    };
    match ports
        .put_bucket_acl(bucket, owner, &prior.acl.without_public_grants())
        .await
    {
        Ok(()) => {
            StepRecord::new(STEP, Some(API), label, StepOutcome::Done, detail)
                .with_prior(json!({ "acl": prior.acl, "acl_view": view }))
        }
        Err(e) if e.code.as_deref() == Some("AccessControlListNotSupported") => StepRecord::new(
            STEP,
            Some(API),
            label,
            StepOutcome::AlreadyDone,
            "ACLs are disabled (BucketOwnerEnforced): the ACL grants nothing",
        ),
        Err(e) => failed(STEP, API, label, e),
    }
}

async fn remove_public_statements<P: S3Port>(
    ports: &P,
    bucket: &str,
    owner: &str,
    label: &str,
    prior: &Prior,
    changed: &mut Changed,
) -> StepRecord {
    const STEP: &str = "policy";
    let Some(document) = prior.policy.as_deref() else {
        return StepRecord::new(
            STEP,
            Some("s3:PutBucketPolicy"),
            label,
            StepOutcome::AlreadyDone,
            "no bucket policy",
        );
    };
    let Some(policy) = parse_document(document) else {
        return StepRecord::new(
            STEP,
            Some("s3:GetBucketPolicy"),
            label,
            StepOutcome::Failed,
            "bucket policy is not valid JSON",
        );
    };
    let sids = public_sids(&policy);
    if sids.is_empty() {
        return StepRecord::new(
            STEP,
            Some("s3:PutBucketPolicy"),
            label,
            StepOutcome::AlreadyDone,
            "no statement grants public access",
        );
    }
    let sids = sids.join(", ");
    let reduced = without_public_statements(&policy);
    let written = reduced.as_ref().map(ToString::to_string);
    let result = match reduced {
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
    match result {
        Ok((api, detail)) => {
            changed.policy = true;
            StepRecord::new(STEP, Some(api), label, StepOutcome::Done, detail)
                .with_prior(json!({ "policy": document, "written": written }))
        }
        Err(e) => {
            let api = e.api.clone();
            failed(STEP, &api, label, e)
        }
    }
}

/// Read back what decides public access, with the fewest calls: Block Public Access (when the run
/// turned it on), and S3's own verdict on the policy (`GetBucketPolicyStatus`, when there was one).
/// The ACL is not read back: with IgnorePublicAcls verified on, S3 shows no public grant whatever is
/// stored, so the read proves nothing; the whole-ACL replacement above is what removed them.
async fn verify<P: S3Port>(
    ports: &P,
    bucket: &str,
    owner: &str,
    changed: &Changed,
    had_policy: bool,
) -> Result<(), Failure> {
    use super::settle::{propagating, until};
    if changed.bpa {
        let read = || ports.get_public_access_block(bucket, owner);
        let all_on = |b: &Option<crate::ports::PublicAccessBlock>| b.as_ref().is_some_and(|b| b.all_on());
        if until(ports, read, all_on).await?.is_err() {
            return Err(propagating("Block Public Access is not fully on".into()));
        }
    }
    if !had_policy {
        return Ok(());
    }
    // What S3 says may lag the policy write only when Riposte changed the policy; otherwise a public
    // verdict is S3's considered answer on a policy Riposte cannot explain.
    let read = || ports.get_bucket_policy_status(bucket, owner);
    let public = if changed.policy {
        until(ports, read, |status| *status != Some(true)).await?.is_err()
    } else {
        read().await? == Some(true)
    };
    match (public, changed.policy) {
        (false, _) => Ok(()),
        (true, true) => Err(propagating("S3 still considers the bucket policy public (GetBucketPolicyStatus)".into())),
        (true, false) => Err("S3 considers the bucket policy public (GetBucketPolicyStatus) but no statement matches its documented rules: review it by hand".into()),
    }
}

#[cfg(test)]
#[path = "public_bucket_tests.rs"]
mod tests;
