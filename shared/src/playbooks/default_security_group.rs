//! The default security group has rules (control EC2.2): revoke every ingress and egress rule, so that
//! nothing launched without a security group of its own talks to anything; the rules are recorded for
//! undo. A group that is not a VPC's `default` group is refused.

use serde_json::json;

use super::{excluded_by_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::spec::{Mode, Grant, PlaybookSpec, Risk, Trigger, Inverse};
use crate::ports::{Ec2Port, SecurityGroupRule};
use crate::target::{security_group_id, PortPolicy, Target};

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "default-security-group",
    title: "Remove every rule of a default security group",
    triggers: &[
        Trigger::Control("EC2.2"),
        Trigger::ConfigRule("vpc-default-security-group-closed"),
    ],
    steps: &[
        "check the group is a VPC's default group; skip it when it carries the exclusion tag",
        "revoke every ingress rule, then every egress rule; record them for undo",
        "verify that the group has no rule left",
    ],
    grants: &[
        Grant::on("ec2:DescribeSecurityGroups"),
        Grant::on("ec2:DescribeSecurityGroupRules"),
        Grant::on("ec2:RevokeSecurityGroupIngress"),
        Grant::on("ec2:RevokeSecurityGroupEgress"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the removed rules are in the audit record (step prior); re-add them by hand if a workload used the default group"),
};

pub fn target(finding: &Finding) -> Result<Target, String> {
    Ok(Target::SecurityGroup {
        group_id: security_group_id(finding)?,
        ports: PortPolicy::NoRules,
    })
}

pub async fn run<P: Ec2Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::SecurityGroup { group_id, .. } = target else {
        return PlaybookReport::conclude(
            Vec::new(),
            Err(format!("{} is not a security group", target.label()).into()),
        );
    };
    let label = target.label();
    match ports.describe_security_group(group_id).await {
        Ok(Some(group)) if group.name == "default" => {
            if let Some(report) =
                excluded_by_tag(ctx, Ok(group.tags), "ec2:DescribeSecurityGroups", &label)
            {
                return report;
            }
        }
        Ok(Some(group)) => {
            return PlaybookReport::conclude(
                Vec::new(),
                Err(format!("{group_id} is {:?}, not a default security group", group.name).into()),
            )
        }
        Ok(None) => {
            return PlaybookReport::conclude(
                Vec::new(),
                Err(format!("security group {group_id} does not exist").into()),
            )
        }
        Err(e) => {
            let step = failed("default-group", "ec2:DescribeSecurityGroups", &label, e);
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
    }
    let rules = match ports.security_group_rules(group_id).await {
        Ok(rules) => rules,
        Err(e) => {
            let step = failed("remove-rules", "ec2:DescribeSecurityGroupRules", &label, e);
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
    };
    if rules.is_empty() {
        let step = StepRecord::new(
            "remove-rules",
            Some("ec2:RevokeSecurityGroupIngress"),
            &label,
            StepOutcome::AlreadyDone,
            "the default group has no rule",
        );
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let mut steps = Vec::new();
    for egress in [false, true] {
        let chosen: Vec<&SecurityGroupRule> = rules.iter().filter(|r| r.egress == egress).collect();
        if !chosen.is_empty() {
            steps.push(revoke(ports, group_id, &label, &chosen, egress).await);
        }
    }
    let verified = match super::settle::until(ports, || ports.security_group_rules(group_id), |left| left.is_empty()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(left)) => Err(super::settle::propagating(format!("{} rule(s) left", left.len()))),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(steps, verified)
}

async fn revoke<P: Ec2Port>(
    ports: &P,
    group_id: &str,
    label: &str,
    rules: &[&SecurityGroupRule],
    egress: bool,
) -> StepRecord {
    let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
    let (api, direction) = if egress {
        ("ec2:RevokeSecurityGroupEgress", "egress")
    } else {
        ("ec2:RevokeSecurityGroupIngress", "ingress")
    };
    let result = if egress {
        ports.revoke_egress(group_id, &ids).await
    } else {
        ports.revoke_ingress(group_id, &ids).await
    };
    match result {
        Ok(()) => StepRecord::new(
            &format!("remove-{direction}"),
            Some(api),
            label,
            StepOutcome::Done,
            format!("revoked {} {direction} rule(s)", ids.len()),
        )
        .with_prior(json!({ "group_id": group_id, direction: rules })),
        Err(e) => failed(&format!("remove-{direction}"), api, label, e),
    }
}

#[cfg(test)]
#[path = "default_security_group_tests.rs"]
mod tests;
