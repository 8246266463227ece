//! An RDS instance keeps too few automated backups (control RDS.11: at least 7 days) or does not take
//! minor engine upgrades (RDS.13): raise what the control asks through ModifyDBInstance, applied at
//! once, every other setting left as it is. Turning backups on from 0 pauses I/O briefly: the note
//! says so. An instance of an Aurora or Multi-AZ DB cluster takes these from its cluster: reported.

use serde_json::json;

use super::{excluded_by_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{DbInstance, DbInstanceChange, RdsPort};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

/// RDS.11's default `backupRetentionMinimum`.
pub const MIN_BACKUP_DAYS: i32 = 7;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "db-instance-settings",
    title: "Keep an RDS instance's automated backups and minor upgrades on",
    triggers: &[
        Trigger::Control("RDS.11"),
        Trigger::Control("RDS.13"),
        Trigger::ConfigRule("db-instance-backup-enabled"),
        Trigger::ConfigRule("rds-automatic-minor-version-upgrade-enabled"),
    ],
    steps: &[
        "read the instance; skip it when it carries the exclusion tag or belongs to a DB cluster",
        "RDS.11: raise the backup retention to 7 days; RDS.13: turn on automatic minor version upgrades",
        "apply immediately; record the previous value; verify by reading the instance back",
    ],
    grants: &[
        Grant::on("rds:DescribeDBInstances"),
        Grant::on("rds:ModifyDBInstance"),
    ],
    risk: Risk::Low,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the previous settings are in the audit record; set them back by hand"),
};

/// The instance named by the finding's `AwsRdsDbInstance` resource (`…:db:<identifier>`).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::arn_resource(finding, "AwsRdsDbInstance", "db")
}

/// What the control asks of this instance, with the note's words; `None`: already so.
fn wanted(db: &DbInstance, control: Option<&str>) -> Option<(DbInstanceChange, String, serde_json::Value)> {
    match control {
        Some("RDS.13") if !db.auto_minor_version_upgrade => Some((
            DbInstanceChange { auto_minor_version_upgrade: Some(true), ..DbInstanceChange::default() },
            "automatic minor version upgrades turned on (the next maintenance window may restart the engine)".into(),
            json!({ "db": db.id, "auto_minor_version_upgrade": false }),
        )),
        Some("RDS.13") => None,
        _ if db.backup_retention_days < MIN_BACKUP_DAYS => {
            let pause = if db.backup_retention_days == 0 { " (turning backups on pauses I/O briefly)" } else { "" };
            Some((
                DbInstanceChange { backup_retention_days: Some(MIN_BACKUP_DAYS), ..DbInstanceChange::default() },
                format!("backup retention {} → {MIN_BACKUP_DAYS} days{pause}", db.backup_retention_days),
                json!({ "db": db.id, "backup_retention_days": db.backup_retention_days }),
            ))
        }
        _ => None,
    }
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
        Err(e) => return PlaybookReport::conclude(vec![failed("db-settings", read, &label, e)], Ok(())),
    };
    if let Some(report) = excluded_by_tag(ctx, Ok(db.tags.clone()), read, &label) {
        return report;
    }
    if let Some(cluster) = &db.cluster {
        let reason = format!("{id} belongs to DB cluster {cluster}: its backups and upgrades are set on the cluster");
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    }
    let Some((change, detail, prior)) = wanted(&db, ctx.control.as_deref()) else {
        let step = StepRecord::new("db-settings", Some(write), &label, StepOutcome::AlreadyDone, "the instance already meets the control");
        return PlaybookReport::conclude(vec![step], Ok(()));
    };
    let step = match ports.modify_db_instance(id, &change).await {
        Ok(()) => StepRecord::new("db-settings", Some(write), &label, StepOutcome::Done, detail).with_prior(prior),
        Err(e) => return PlaybookReport::conclude(vec![failed("db-settings", write, &label, e)], Ok(())),
    };
    let verified = match ports.db_instance(id).await {
        Ok(Some(after)) if wanted(&after, ctx.control.as_deref()).is_none() => Ok(()),
        Ok(Some(_)) => Err(format!("{id} does not read back as changed (a pending modification?)").into()),
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
    use futures::executor::block_on;
    use std::collections::BTreeMap;

    fn db(id: &str, retention: i32, cluster: Option<&str>) -> DbInstance {
        DbInstance {
            id: id.into(),
            status: "available".into(),
            publicly_accessible: false,
            backup_retention_days: retention,
            auto_minor_version_upgrade: false,
            cluster: cluster.map(str::to_owned),
            tags: BTreeMap::new(),
        }
    }

    fn account() -> FakeAccount {
        FakeAccount::new(FakeState {
            db_instances: BTreeMap::from([
                ("orders".to_string(), db("orders", 1, None)),
                ("bystander".to_string(), db("bystander", 1, None)),
                ("aurora-1".to_string(), db("aurora-1", 1, Some("aurora"))),
            ]),
            ..FakeState::default()
        })
    }

    fn run_on(fake: &FakeAccount, id: &str, control: &str) -> PlaybookReport {
        let ctx = RunContext { control: Some(control.into()), ..crate::playbooks::test_context("111111111111") };
        let arn = crate::arn::Arn::parse(&format!("arn:aws:rds:us-east-1:111111111111:db:{id}"));
        block_on(run(fake, &ctx, &Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) }))
    }

    #[test]
    fn each_control_changes_its_own_setting_on_the_findings_instance_only() {
        let fake = account();
        assert_eq!(run_on(&fake, "orders", "RDS.11").outcome, PlaybookOutcome::Remediated);
        let orders = fake.with_state(|s| s.db_instances["orders"].clone());
        assert_eq!((orders.backup_retention_days, orders.auto_minor_version_upgrade), (7, false));
        assert_eq!(run_on(&fake, "orders", "RDS.13").outcome, PlaybookOutcome::Remediated);
        assert!(fake.with_state(|s| s.db_instances["orders"].auto_minor_version_upgrade));
        assert_eq!(fake.with_state(|s| s.db_instances["bystander"].backup_retention_days), 1);
    }

    #[test]
    fn a_longer_retention_is_never_shortened() {
        let fake = account();
        fake.with_state(|s| {
            if let Some(db) = s.db_instances.get_mut("orders") {
                db.backup_retention_days = 30;
            }
        });
        let report = run_on(&fake, "orders", "RDS.11");
        assert_eq!(report.steps[0].outcome, StepOutcome::AlreadyDone);
        assert_eq!(fake.with_state(|s| s.db_instances["orders"].backup_retention_days), 30);
    }

    #[test]
    fn a_cluster_member_is_reported_not_changed() {
        let fake = account();
        let report = run_on(&fake, "aurora-1", "RDS.11");
        assert!(matches!(&report.outcome, PlaybookOutcome::Failed { reason, .. } if reason.contains("cluster")));
        assert!(!fake.calls().contains(&"rds:ModifyDBInstance".to_string()));
    }
}
