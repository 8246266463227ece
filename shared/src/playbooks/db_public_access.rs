//! An RDS instance is publicly accessible (control RDS.2): make it private. Clients outside the VPC lose
//! the database, so the default mode waits for an analyst's approval. RDS applies the change at once.

use serde_json::json;

use super::switch::{turn_on_from, Setting};
use super::{excluded_by_tag, RunContext};
use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::ports::{DbInstance, DbInstanceChange, RdsPort};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "db-public-access",
    title: "Make a publicly accessible RDS instance private",
    triggers: &[
        Trigger::Control("RDS.2"),
        Trigger::ConfigRule("rds-instance-public-access-check"),
    ],
    steps: &[
        "read the instance; skip it when it carries the exclusion tag",
        "set PubliclyAccessible=false (RDS applies it at once; no ApplyImmediately, which would also apply pending modifications); record the previous value",
        "verify by reading the instance back",
    ],
    grants: &[
        Grant::on("rds:DescribeDBInstances"),
        Grant::on("rds:ModifyDBInstance"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Approve,
    threat: false,
    undo: Inverse::None("the previous setting is in the audit record; make the instance public again by hand"),
};

/// The instance named by the finding's `AwsRdsDbInstance` resource (`…:db:<identifier>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsRdsDbInstance", "db")
}

pub async fn run<P: RdsPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a DB instance", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (id, label) = (arn.name(), target.label());
    let read_api = "rds:DescribeDBInstances";
    let first = ports.db_instance(id).await;
    if let Ok(Some(db)) = &first {
        if let Some(report) = excluded_by_tag(ctx, Ok(db.tags.clone()), read_api, &label) {
            return report;
        }
    }
    let setting = Setting {
        step: "private",
        what: "not publicly accessible (clients outside its VPC lose it)",
        read_api,
        write_api: "rds:ModifyDBInstance",
        label: &label,
        prior: json!({ "db": id, "publicly_accessible": true }),
    };
    let private = |db: Option<DbInstance>| db.map(|db| !db.publicly_accessible);
    // "Changes to the PubliclyAccessible parameter are applied immediately regardless of the value of
    // the ApplyImmediately parameter" (RDS API reference, ModifyDBInstance): no ApplyImmediately, which
    // would also apply someone else's pending modifications.
    let change = DbInstanceChange { publicly_accessible: Some(false), ..DbInstanceChange::default() };
    let read = || async { ports.db_instance(id).await.map(private) };
    turn_on_from(ports, setting, first.map(private), read, || ports.modify_db_instance(id, &change)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    #[test]
    fn the_findings_instance_becomes_private_and_its_neighbour_stays_public() {
        let public = |id: &str| DbInstance { id: id.into(), publicly_accessible: true, ..DbInstance::default() };
        let fake = FakeAccount::new(FakeState {
            db_instances: BTreeMap::from([
                ("reports".to_string(), public("reports")),
                ("bystander".to_string(), public("bystander")),
            ]),
            ..FakeState::default()
        });
        let arn = crate::arn::Arn::parse("arn:aws:rds:us-east-1:111111111111:db:reports");
        let target = Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        assert!(!fake.with_state(|s| s.db_instances["reports"].publicly_accessible));
        assert!(fake.with_state(|s| s.db_instances["bystander"].publicly_accessible));
    }

    #[test]
    fn a_pending_instance_class_change_is_left_pending() {
        let mut pending = DbInstance { id: "reports".into(), publicly_accessible: true, ..DbInstance::default() };
        pending.pending.insert("DBInstanceClass".into(), "db.r6g.4xlarge".into());
        let fake = FakeAccount::new(FakeState {
            db_instances: BTreeMap::from([("reports".to_string(), pending)]),
            ..FakeState::default()
        });
        let arn = crate::arn::Arn::parse("arn:aws:rds:us-east-1:111111111111:db:reports");
        let target = Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) };
        let report = block_on(run(&fake, &crate::playbooks::test_context("111111111111"), &target));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        let after = fake.with_state(|s| s.db_instances["reports"].clone());
        assert!(!after.publicly_accessible);
        assert_eq!(after.pending.get("DBInstanceClass").map(String::as_str), Some("db.r6g.4xlarge"));
    }
}
