//! A DynamoDB table has no point-in-time recovery (control DynamoDB.2): turn it on. Backups cost grows
//! with the table's size; nothing the table serves changes.

use serde_json::json;

use super::switch::{turn_on, Setting};
use super::{excluded_by_live_tag, RunContext};
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::DynamoDbPort;
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "table-recovery",
    title: "Turn on point-in-time recovery for a DynamoDB table",
    triggers: &[
        Trigger::Control("DynamoDB.2"),
        Trigger::ConfigRule("dynamodb-pitr-enabled"),
    ],
    steps: &[
        "skip the table when it carries the exclusion tag",
        "turn on point-in-time recovery",
        "verify with DescribeContinuousBackups",
    ],
    grants: &[
        Grant::on("dynamodb:ListTagsOfResource"),
        Grant::on("dynamodb:DescribeContinuousBackups"),
        Grant::on("dynamodb:UpdateContinuousBackups"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("turning point-in-time recovery off is done by hand"),
};

/// The table named by the finding's `AwsDynamoDbTable` resource (`…:table/<name>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsDynamoDbTable", "table")
}

pub async fn run<P: DynamoDbPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a table", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (table, label) = (arn.name(), target.label());
    if let Some(report) = excluded_by_live_tag(ctx, "dynamodb:ListTagsOfResource", &label, || async { ports.table_tags(&arn.to_string()).await }).await {
        return report;
    }
    let setting = Setting {
        step: "point-in-time-recovery",
        what: "point-in-time recovery on",
        read_api: "dynamodb:DescribeContinuousBackups",
        write_api: "dynamodb:UpdateContinuousBackups",
        label: &label,
        prior: json!({ "table": table, "point_in_time_recovery": false }),
    };
    let read = || ports.point_in_time_recovery(table);
    turn_on(ports, setting, read, || ports.enable_point_in_time_recovery(table)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    const ARN: &str = "arn:aws:dynamodb:us-east-1:111111111111:table/orders";

    fn account(tags: &[(&str, &str)]) -> FakeAccount {
        let tags: BTreeMap<String, String> = tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        FakeAccount::new(FakeState {
            tables: BTreeMap::from([
                ("orders".to_string(), (false, ARN.to_string(), tags)),
                ("bystander".to_string(), (false, ARN.replace("orders", "bystander"), BTreeMap::new())),
            ]),
            ..FakeState::default()
        })
    }

    fn target() -> Target {
        Target::Resource { arn: crate::arn::Arn::parse(ARN).unwrap_or_else(|| panic!("arn")) }
    }

    fn ctx() -> RunContext {
        RunContext {
            exclusion_tag: Some(("AutoRemediate".into(), "false".into())),
            ..crate::playbooks::test_context("111111111111")
        }
    }

    #[test]
    fn recovery_is_turned_on_for_the_findings_table_only() {
        let fake = account(&[]);
        let report = block_on(run(&fake, &ctx(), &target()));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(fake.with_state(|s| s.tables["orders"].0));
        assert!(!fake.with_state(|s| s.tables["bystander"].0));
    }

    #[test]
    fn a_tagged_table_is_left_alone() {
        let fake = account(&[("AutoRemediate", "false")]);
        let report = block_on(run(&fake, &ctx(), &target()));
        assert!(matches!(report.outcome, PlaybookOutcome::Excluded { .. }));
        assert!(!fake.with_state(|s| s.tables["orders"].0));
    }
}
