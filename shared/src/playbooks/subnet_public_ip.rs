//! A subnet gives every new instance a public IPv4 address (control EC2.15): stop auto-assigning.
//! Running instances keep their addresses; instances launched later get one only when asked for. A
//! default VPC's subnets are public by design, so turning this off there means new instances need a NAT
//! or an explicit public address: the note says so.

use serde_json::json;

use super::{excluded_by_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::Ec2Port;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "subnet-public-ip",
    title: "Stop a subnet from auto-assigning public IPv4 addresses",
    triggers: &[
        Trigger::Control("EC2.15"),
        Trigger::ConfigRule("subnet-auto-assign-public-ip-disabled"),
    ],
    steps: &[
        "read the subnet; skip it when it carries the exclusion tag",
        "turn off MapPublicIpOnLaunch (running instances keep their addresses)",
        "verify by reading the subnet back",
    ],
    grants: &[
        Grant::on("ec2:DescribeSubnets"),
        Grant::on("ec2:ModifySubnetAttribute"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the previous setting is in the audit record; turn MapPublicIpOnLaunch back on by hand"),
};

/// The subnet named by the finding's `AwsEc2Subnet` resource (`…:subnet/subnet-…`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsEc2Subnet", "subnet")
}

pub async fn run<P: Ec2Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a subnet", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (id, label) = (arn.name(), target.label());
    let (read, write) = ("ec2:DescribeSubnets", "ec2:ModifySubnetAttribute");
    let subnet = match ports.describe_subnet(id).await {
        Ok(Some(subnet)) => subnet,
        Ok(None) => {
            let reason = format!("subnet {id} does not exist");
            return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
        }
        Err(e) => return PlaybookReport::conclude(vec![failed("public-ip", read, &label, e)], Ok(())),
    };
    if let Some(report) = excluded_by_tag(ctx, Ok(subnet.tags.clone()), read, &label) {
        return report;
    }
    if !subnet.map_public_ip_on_launch {
        let step = StepRecord::new(
            "public-ip",
            Some(write),
            &label,
            StepOutcome::AlreadyDone,
            "the subnet does not auto-assign public addresses",
        );
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let detail = if subnet.default_for_az {
        format!("{id} no longer auto-assigns public IPv4 addresses; it is a default subnet: instances launched there now need a NAT or an explicit public address")
    } else {
        format!("{id} no longer auto-assigns public IPv4 addresses")
    };
    let step = match ports.disable_public_ip_on_launch(id).await {
        Ok(()) => StepRecord::new("public-ip", Some(write), &label, StepOutcome::Done, detail)
            .with_prior(json!({ "subnet_id": id, "map_public_ip_on_launch": true })),
        Err(e) => return PlaybookReport::conclude(vec![failed("public-ip", write, &label, e)], Ok(())),
    };
    let verified = match ports.describe_subnet(id).await {
        Ok(Some(s)) if !s.map_public_ip_on_launch => Ok(()),
        Ok(Some(_)) => Err(format!("{id} still auto-assigns public addresses").into()),
        Ok(None) => Err(format!("subnet {id} is gone").into()),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
#[path = "subnet_public_ip_tests.rs"]
mod tests;
