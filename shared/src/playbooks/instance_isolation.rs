//! A GuardDuty EC2 compromise (`Backdoor`, `CryptoCurrency`, `Trojan`, `UnauthorizedAccess` on EC2)
//! where the instance is the actor: keep the evidence, then cut the instance off. Tag it and protect it
//! from termination, snapshot its volumes (evidence first), move every network interface to the VPC's
//! no-traffic isolation group, detach its instance profile and deny the profile role's credentials
//! already issued to this instance (`ec2:SourceInstanceARN`). The previous groups and profile are
//! recorded for undo. Never stopped or terminated (memory is evidence). Approval by default: the fix
//! takes a workload down. An instance in an Auto Scaling group is flagged for a person (the group
//! would replace it).

use serde_json::json;
use std::collections::BTreeMap;

use super::{excluded_by_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{Ec2Port, IamPort, Instance};
use crate::spec::{Condition, Grant, Inverse, Mode, PlaybookSpec, Risk, Trigger};
use crate::target::Target;

mod isolate;

/// The inline policy that denies the instance's already-issued role credentials.
pub const DENY_POLICY: &str = "RiposteIsolatedInstance";

/// The deny policy of one instance (`RiposteIsolatedInstance-i-0abc…`): one per isolated instance, so
/// isolating a second instance that shares the role never replaces (lifts) the first one's deny.
pub fn deny_policy_name(instance_id: &str) -> String {
    format!("{DENY_POLICY}-{instance_id}")
}

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "instance-isolation",
    title: "Isolate a compromised EC2 instance, keeping the evidence",
    triggers: &[
        Trigger::GuardDutyFamily { purpose: "Backdoor", resource: "EC2" },
        Trigger::GuardDutyFamily { purpose: "CryptoCurrency", resource: "EC2" },
        Trigger::GuardDutyFamily { purpose: "Trojan", resource: "EC2" },
        Trigger::GuardDutyFamily { purpose: "UnauthorizedAccess", resource: "EC2" },
    ],
    steps: &[
        "read the instance; skip it when the exclusion tag is honoured and present",
        "tag it riposte:isolated and turn on termination protection",
        "snapshot every attached EBS volume (evidence first)",
        "move every network interface to the VPC's no-traffic group riposte-isolation-<vpc> (created once, its egress rule revoked); record the previous groups",
        "detach the instance profile; deny the profile role's credentials already issued to this instance, in a policy of its own (RiposteIsolatedInstance-<instance>: isolating another instance of the role never lifts it); record the profile",
        "verify that every interface is isolated and no profile is attached",
    ],
    grants: &[
        Grant::on("ec2:DescribeInstances"),
        // Only Riposte's own tag keys: a stolen session cannot set the exclusion tag, or tags an ABAC
        // policy grants access on (aws:TagKeys, IAM User Guide "Controlling access during AWS requests").
        Grant::when("ec2:CreateTags", Condition {
            test: "ForAllValues:StringLike",
            key: "aws:TagKeys",
            value: "riposte:*",
        }),
        Grant::on("ec2:ModifyInstanceAttribute"),
        Grant::on("ec2:CreateSnapshot"),
        Grant::on("ec2:DescribeSecurityGroups"),
        Grant::on("ec2:CreateSecurityGroup"),
        Grant::on("ec2:DescribeSecurityGroupRules"),
        Grant::on("ec2:RevokeSecurityGroupEgress"),
        Grant::on("ec2:ModifyNetworkInterfaceAttribute"),
        Grant::on("ec2:DescribeIamInstanceProfileAssociations"),
        Grant::on("ec2:DisassociateIamInstanceProfile"),
        Grant::on("iam:GetInstanceProfile"),
        Grant::on("iam:GetRolePolicy"),
        Grant::on("iam:PutRolePolicy"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Approve,
    threat: true,
    undo: Inverse::None("the previous security groups and instance profile are in the audit record and on the instance's tags; restore them by hand after the investigation (snapshots are kept)"),
};

/// The instance named by the finding's `AwsEc2Instance` resource.
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::instance(finding)
}

pub async fn run<P: Ec2Port + IamPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not an instance", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (id, label) = (arn.name(), target.label());
    let instance = match ports.describe_instance(id).await {
        Ok(Some(instance)) => instance,
        Ok(None) => {
            let reason = format!("instance {id} does not exist");
            return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
        }
        Err(e) => {
            let step = failed("read-instance", "ec2:DescribeInstances", &label, e);
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
    };
    if let Some(report) = excluded_by_tag(ctx, Ok(instance.tags.clone()), "ec2:DescribeInstances", &label) {
        return report;
    }
    let Some(vpc) = instance.vpc_id.clone() else {
        let reason = format!("instance {id} is not in a VPC: isolate it by hand");
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let mut steps = vec![preserve(ports, ctx, &instance, &label).await];
    steps.extend(snapshots(ports, &instance, &label).await);
    let (step, group_id) = isolate::group(ports, &vpc, &label).await;
    steps.push(step);
    if let Some(group_id) = &group_id {
        steps.push(isolate::interfaces(ports, &instance, group_id, &label).await);
    }
    steps.extend(isolate::profile(ports, &arn.to_string(), id, &label).await);
    if let Some(group) = instance.tags.get("aws:autoscaling:groupName") {
        steps.push(StepRecord::new(
            "auto-scaling",
            None,
            &label,
            StepOutcome::NeedsHuman,
            format!("{id} belongs to Auto Scaling group {group}: put it in Standby or detach it, or the group replaces it"),
        ));
    }
    let verified = isolate::verify(ports, id, group_id.as_deref()).await;
    PlaybookReport::conclude(steps, verified)
}

/// Tag the instance and protect it from termination: evidence must survive a hasty clean-up.
async fn preserve<P: Ec2Port>(ports: &P, ctx: &RunContext, instance: &Instance, label: &str) -> StepRecord {
    let tags = BTreeMap::from([("riposte:isolated".to_owned(), ctx.now.date().to_string())]);
    if let Err(e) = ports.tag_instance(&instance.id, &tags).await {
        return failed("preserve", "ec2:CreateTags", label, e);
    }
    match ports.protect_from_termination(&instance.id).await {
        Ok(()) => StepRecord::new(
            "preserve",
            Some("ec2:ModifyInstanceAttribute"),
            label,
            StepOutcome::Done,
            "tagged riposte:isolated; termination protection on",
        )
        .with_prior(json!({ "instance_id": instance.id, "tags_added": ["riposte:isolated"] })),
        Err(e) => failed("preserve", "ec2:ModifyInstanceAttribute", label, e),
    }
}

/// One snapshot per attached volume, started before anything else changes.
async fn snapshots<P: Ec2Port>(ports: &P, instance: &Instance, label: &str) -> Vec<StepRecord> {
    let mut steps = Vec::new();
    for volume in &instance.volumes {
        let description = format!("Riposte evidence: {volume} of {}", instance.id);
        steps.push(match ports.snapshot_volume(volume, &description).await {
            Ok(snapshot) => StepRecord::new(
                "snapshot",
                Some("ec2:CreateSnapshot"),
                label,
                StepOutcome::Done,
                format!("snapshot {snapshot} of {volume} started"),
            )
            .with_prior(json!({ "volume": volume, "snapshot": snapshot })),
            Err(e) => failed("snapshot", "ec2:CreateSnapshot", label, e),
        });
    }
    steps
}

#[cfg(test)]
#[path = "instance_isolation_tests.rs"]
mod tests;
