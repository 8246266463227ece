//! An instance still answers IMDSv1 (control EC2.8): require session tokens (IMDSv2). Software that only
//! speaks IMDSv1 loses its instance credentials, so the default mode waits for an analyst's approval.
//! Instances an Auto Scaling group replaces come back with their launch template's setting: the note
//! says to fix the template too.

use serde_json::json;

use super::{excluded_by_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::Ec2Port;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "imdsv2",
    title: "Require IMDSv2 on an instance",
    triggers: &[
        Trigger::Control("EC2.8"),
        Trigger::ConfigRule("ec2-imdsv2-check"),
    ],
    steps: &[
        "read the instance's metadata options; skip it when it carries the exclusion tag",
        "set HttpTokens=required, nothing else (a metadata endpoint that is off stays off); record the previous options",
        "verify by reading the instance back",
    ],
    grants: &[
        Grant::on("ec2:DescribeInstances"),
        Grant::on("ec2:ModifyInstanceMetadataOptions"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Approve,
    threat: false,
    undo: Inverse::None("the previous HttpTokens setting is in the audit record; set it back by hand with `aws ec2 modify-instance-metadata-options`"),
};

/// The instance named by the finding's `AwsEc2Instance` resource (`…:instance/i-…`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsEc2Instance", "instance")
}

pub async fn run<P: Ec2Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not an instance", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (id, label) = (arn.name(), target.label());
    let (read, write) = ("ec2:DescribeInstances", "ec2:ModifyInstanceMetadataOptions");
    let instance = match ports.instance_metadata(id).await {
        Ok(Some(instance)) => instance,
        Ok(None) => {
            let reason = format!("instance {id} does not exist");
            return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
        }
        Err(e) => return PlaybookReport::conclude(vec![failed("imdsv2", read, &label, e)], Ok(())),
    };
    if let Some(report) = excluded_by_tag(ctx, Ok(instance.tags.clone()), read, &label) {
        return report;
    }
    if instance.http_tokens == "required" {
        let step = StepRecord::new(
            "imdsv2",
            Some(write),
            &label,
            StepOutcome::AlreadyDone,
            "the instance already requires IMDSv2",
        );
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let step = match ports.require_imdsv2(id).await {
        Ok(()) => StepRecord::new(
            "imdsv2",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("{id} now requires IMDSv2; if an Auto Scaling group launches it, require IMDSv2 in its launch template too"),
        )
        .with_prior(json!({
            "instance_id": id,
            "http_tokens": instance.http_tokens,
            "http_endpoint": instance.http_endpoint,
        })),
        Err(e) => return PlaybookReport::conclude(vec![failed("imdsv2", write, &label, e)], Ok(())),
    };
    let required = |i: &Option<crate::ports::InstanceMetadata>| i.as_ref().is_none_or(|i| i.http_tokens == "required");
    let verified = match super::settle::until(ports, || ports.instance_metadata(id), required).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) | Ok(Err(None)) => Err(format!("instance {id} is gone").into()),
        Ok(Err(Some(i))) => Err(super::settle::propagating(format!("{id} reads back HttpTokens={}", i.http_tokens))),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
#[path = "imdsv2_tests.rs"]
mod tests;
