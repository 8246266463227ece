//! A VPC has no flow log (control EC2.6, `trafficType` REJECT): log its rejected traffic to the team's S3
//! destination (`destinations.flow_log_destination`, an S3 bucket ARN whose policy admits
//! `delivery.logs.amazonaws.com`). A VPC already logging rejected (or all) traffic passes. Delivery
//! costs money: the note says where the logs go.

use serde_json::json;

use super::{failed, not_configured, RunContext, TeamSettings};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::Ec2Port;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "vpc-flow-logs",
    title: "Log a VPC's rejected traffic to the team's flow-log bucket",
    triggers: &[
        Trigger::Control("EC2.6"),
        Trigger::ConfigRule("vpc-flow-logs-enabled"),
    ],
    steps: &[
        "read the VPC's flow logs: one logging REJECT or ALL traffic is enough",
        "create a REJECT flow log to destinations.flow_log_destination (unset: nothing changes, the finding says so); record its id for undo",
        "verify with DescribeFlowLogs",
    ],
    grants: &[
        Grant::on("ec2:DescribeFlowLogs"),
        Grant::on("ec2:CreateFlowLogs"),
        Grant::on("logs:CreateLogDelivery"),
        Grant::on("logs:DeleteLogDelivery"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the created flow log id is in the audit record; delete it by hand"),
};

/// The VPC named by the finding's `AwsEc2Vpc` resource (`…:vpc/vpc-…`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsEc2Vpc", "vpc")
}

fn covers_rejects(traffic: &str) -> bool {
    matches!(traffic, "REJECT" | "ALL")
}

pub async fn run<P: Ec2Port>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a VPC", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let Some(destination) = TeamSettings::resolve(ctx.settings.flow_log_destination.as_deref(), ctx) else {
        return not_configured("destinations.flow_log_destination", "the S3 bucket ARN flow logs go to");
    };
    let (vpc, label) = (arn.name(), target.label());
    let (read, write) = ("ec2:DescribeFlowLogs", "ec2:CreateFlowLogs");
    let logs = match ports.vpc_flow_logs(vpc).await {
        Ok(logs) => logs,
        Err(e) => return PlaybookReport::conclude(vec![failed("flow-logs", read, &label, e)], Ok(())),
    };
    if let Some(log) = logs.iter().find(|l| covers_rejects(&l.traffic_type)) {
        let detail = format!("flow log {} already logs {} traffic", log.id, log.traffic_type);
        let step = StepRecord::new("flow-logs", Some(write), &label, StepOutcome::AlreadyDone, detail);
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let step = match ports.create_vpc_flow_log(vpc, &destination).await {
        Ok(id) => StepRecord::new(
            "flow-logs",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("flow log {id} sends {vpc}'s rejected traffic to {destination}"),
        )
        .with_prior(json!({ "vpc": vpc, "created_flow_log": id })),
        Err(e) => return PlaybookReport::conclude(vec![failed("flow-logs", write, &label, e)], Ok(())),
    };
    let verified = match ports.vpc_flow_logs(vpc).await {
        Ok(after) if after.iter().any(|l| covers_rejects(&l.traffic_type)) => Ok(()),
        Ok(_) => Err(format!("{vpc} reads back without a flow log").into()),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use futures::executor::block_on;

    fn run_on(fake: &FakeAccount, destination: Option<&str>) -> PlaybookReport {
        let ctx = RunContext {
            settings: TeamSettings { flow_log_destination: destination.map(str::to_owned), ..TeamSettings::default() },
            ..crate::playbooks::test_context("111111111111")
        };
        let arn = crate::arn::Arn::parse("arn:aws:ec2:us-east-1:111111111111:vpc/vpc-0app");
        block_on(run(fake, &ctx, &Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) }))
    }

    #[test]
    fn the_vpc_logs_its_rejected_traffic_once_to_the_accounts_destination() {
        let fake = FakeAccount::new(FakeState::default());
        let report = run_on(&fake, Some("arn:aws:s3:::flow-logs-{account}"));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        let logs = fake.with_state(|s| s.flow_logs["vpc-0app"].clone());
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].destination.as_deref(), Some("arn:aws:s3:::flow-logs-111111111111"));
        let again = run_on(&fake, Some("arn:aws:s3:::flow-logs-{account}"));
        assert_eq!(again.steps[0].outcome, StepOutcome::AlreadyDone);
        assert_eq!(fake.with_state(|s| s.flow_logs["vpc-0app"].len()), 1);
    }

    #[test]
    fn without_a_destination_nothing_is_called() {
        let fake = FakeAccount::new(FakeState::default());
        let report = run_on(&fake, None);
        assert!(matches!(report.outcome, PlaybookOutcome::Excluded { .. }));
        assert!(fake.calls().is_empty());
    }
}
