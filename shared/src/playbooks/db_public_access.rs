//! An RDS instance is publicly accessible (control RDS.2): make it private. Clients outside the VPC lose
//! the database, so the default mode waits for an analyst's approval. RDS applies the change at once.

use serde_json::json;

use super::{excluded_by_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{DbInstanceChange, RdsPort};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger};
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
        "set PubliclyAccessible=false, applied immediately; record the previous value",
        "verify by reading the instance back",
    ],
    grants: &[
        Grant::on("rds:DescribeDBInstances"),
        Grant::on("rds:ModifyDBInstance"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Approve,
    threat: false,
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
    let (read, write) = ("rds:DescribeDBInstances", "rds:ModifyDBInstance");
    let db = match ports.db_instance(id).await {
        Ok(Some(db)) => db,
        Ok(None) => return PlaybookReport::conclude(Vec::new(), Err(format!("DB instance {id} does not exist").into())),
        Err(e) => return PlaybookReport::conclude(vec![failed("private", read, &label, e)], Ok(())),
    };
    if let Some(report) = excluded_by_tag(ctx, Ok(db.tags.clone()), read, &label) {
        return report;
    }
    if !db.publicly_accessible {
        let step = StepRecord::new("private", Some(write), &label, StepOutcome::AlreadyDone, "the instance is not publicly accessible");
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let change = DbInstanceChange { publicly_accessible: Some(false), ..DbInstanceChange::default() };
    let step = match ports.modify_db_instance(id, &change).await {
        Ok(()) => StepRecord::new(
            "private",
            Some(write),
            &label,
            StepOutcome::Done,
            format!("{id} is no longer publicly accessible: clients outside its VPC lose it"),
        )
        .with_prior(json!({ "db": id, "publicly_accessible": true })),
        Err(e) => return PlaybookReport::conclude(vec![failed("private", write, &label, e)], Ok(())),
    };
    let verified = match ports.db_instance(id).await {
        Ok(Some(after)) if !after.publicly_accessible => Ok(()),
        Ok(Some(_)) => Err(format!("{id} still reads as publicly accessible").into()),
        Ok(None) => Err(format!("DB instance {id} is gone").into()),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PlaybookOutcome;
    use crate::fake::{FakeAccount, FakeState};
    use crate::ports::DbInstance;
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
}
