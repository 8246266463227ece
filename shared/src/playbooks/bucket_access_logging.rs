//! A bucket has no server access logging (control S3.9): send its logs to the team's log bucket
//! (`destinations.access_log_bucket`, in the bucket's own account and region), under a prefix named after the
//! bucket. The log bucket itself is never pointed at itself (it would log its own logging); S3 refuses a
//! log bucket that does not admit the logging service (`InvalidTargetBucketForLogging`: reported, final).

use serde_json::json;

use super::{excluded_by_live_tag, failed, not_configured, RunContext, TeamSettings};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::S3Port;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "bucket-access-logging",
    title: "Turn on a bucket's server access logging to the team's log bucket",
    triggers: &[
        Trigger::Control("S3.9"),
        Trigger::ConfigRule("s3-bucket-logging-enabled"),
    ],
    steps: &[
        "skip the bucket when it carries the exclusion tag or is the log bucket itself",
        "send its access logs to destinations.access_log_bucket under <bucket>/ (unset: nothing changes, the finding says so)",
        "verify with GetBucketLogging",
    ],
    grants: &[
        Grant::on("s3:GetBucketTagging"),
        Grant::on("s3:GetBucketLogging"),
        Grant::on("s3:PutBucketLogging"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the previous logging setting is in the audit record; set it back by hand"),
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
    let Some(logs) = TeamSettings::resolve(ctx.settings.access_log_bucket.as_deref(), ctx) else {
        return not_configured("destinations.access_log_bucket", "the bucket server access logs go to");
    };
    let (owner, label) = (ctx.account.as_str(), target.label());
    if *bucket == logs {
        let reason = format!("{bucket} is the access-log bucket: it does not log into itself");
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    }
    if let Some(report) = excluded_by_live_tag(ctx, "s3:GetBucketTagging", &label, || ports.get_bucket_tags(bucket, owner)).await {
        return report;
    }
    let (read, write) = ("s3:GetBucketLogging", "s3:PutBucketLogging");
    match ports.get_bucket_logging(bucket, owner).await {
        Ok(None) => {}
        Ok(Some((target, _))) => {
            let detail = format!("access logs already go to {target}");
            let step = StepRecord::new("access-logging", Some(write), &label, StepOutcome::AlreadyDone, detail);
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
        Err(e) => return PlaybookReport::conclude(vec![failed("access-logging", read, &label, e)], Ok(())),
    }
    let prefix = format!("{bucket}/");
    let step = match ports.put_bucket_logging(bucket, owner, &logs, &prefix).await {
        Ok(()) => StepRecord::new(
            "access-logging",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("access logs now go to s3://{logs}/{prefix}"),
        )
        .with_prior(json!({ "bucket": bucket, "logging": null })),
        Err(e) => return PlaybookReport::conclude(vec![failed("access-logging", write, &label, e)], Ok(())),
    };
    let logs_there = |read: &Option<(String, String)>| read.as_ref().is_some_and(|(target, _)| *target == logs);
    let verified = match super::settle::until(ports, || ports.get_bucket_logging(bucket, owner), logs_there).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(Some((target, _)))) => Err(super::settle::propagating(format!("logging reads back to bucket {target}, not {logs}"))),
        Ok(Err(None)) => Err(super::settle::propagating("logging reads back off".into())),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeBucket, FakeState};
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    const OWNER: &str = "111111111111";

    fn account() -> FakeAccount {
        FakeAccount::new(FakeState {
            buckets: BTreeMap::from([
                ("data".to_string(), FakeBucket::public(OWNER, None)),
                ("twin".to_string(), FakeBucket::public(OWNER, None)),
                ("logs-111111111111".to_string(), FakeBucket::public(OWNER, None)),
            ]),
            ..FakeState::default()
        })
    }

    fn ctx() -> RunContext {
        RunContext {
            settings: TeamSettings { access_log_bucket: Some("logs-{account}".into()), ..TeamSettings::default() },
            ..crate::playbooks::test_context(OWNER)
        }
    }

    fn bucket(name: &str) -> Target {
        Target::Bucket { name: name.into(), owner_account: Some(OWNER.into()) }
    }

    #[test]
    fn the_bucket_logs_to_the_accounts_log_bucket_and_its_twin_does_not() {
        let fake = account();
        let report = block_on(run(&fake, &ctx(), &bucket("data")));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        let logging = fake.with_state(|s| s.buckets["data"].logging.clone());
        assert_eq!(logging, Some(("logs-111111111111".into(), "data/".into())));
        assert_eq!(fake.with_state(|s| s.buckets["twin"].logging.clone()), None);
    }

    #[test]
    fn the_log_bucket_never_logs_into_itself() {
        let fake = account();
        let report = block_on(run(&fake, &ctx(), &bucket("logs-111111111111")));
        assert!(matches!(report.outcome, PlaybookOutcome::Failed { .. }));
        assert!(fake.calls().is_empty());
    }
}
