//! An RDS instance keeps too few automated backups (control RDS.11: at least 7 days) or does not take
//! minor engine upgrades (RDS.13): raise what the control (or, without one, the Config rule) asks
//! through ModifyDBInstance, every other setting left as it is. `ApplyImmediately` also applies every
//! change already pending, so it is used only where RDS would otherwise wait for the window (backups
//! turned on from 0) and never over someone else's pending modifications. Turning backups on from 0 pauses I/O briefly: the note
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
        "apply immediately only a retention turned on from 0, and never over someone else's pending modifications (refused for a person); record the previous value; verify by reading the instance back (a pending retention counts)",
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

/// The setting a finding asks for: its control's, else its Config rule's (never another's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Asked {
    Backups,
    MinorUpgrades,
}

fn asked(ctx: &RunContext) -> Option<Asked> {
    let rule = ctx.config_rule.as_deref().unwrap_or_default();
    match ctx.control.as_deref() {
        Some("RDS.11") => Some(Asked::Backups),
        Some("RDS.13") => Some(Asked::MinorUpgrades),
        Some(_) => None,
        None if rule.contains("rds-automatic-minor-version-upgrade-enabled") => Some(Asked::MinorUpgrades),
        None if rule.contains("db-instance-backup-enabled") => Some(Asked::Backups),
        None => None,
    }
}

/// What the finding asks of this instance, with the note's words; `None`: already so (a pending
/// retention RDS accepted counts: it is applied asynchronously or in the window).
fn wanted(db: &DbInstance, asked: Asked) -> Option<(DbInstanceChange, String, serde_json::Value)> {
    let pending_retention = db.pending.get("BackupRetentionPeriod").and_then(|d| d.parse::<i32>().ok());
    match asked {
        Asked::MinorUpgrades if !db.auto_minor_version_upgrade => Some((
            DbInstanceChange { auto_minor_version_upgrade: Some(true), ..DbInstanceChange::default() },
            "automatic minor version upgrades turned on (the next maintenance window may restart the engine)".into(),
            json!({ "db": db.id, "auto_minor_version_upgrade": false }),
        )),
        Asked::MinorUpgrades => None,
        Asked::Backups if db.backup_retention_days.max(pending_retention.unwrap_or(0)) < MIN_BACKUP_DAYS => {
            // From 0, RDS applies the change in the maintenance window unless ApplyImmediately; from
            // another non-zero value it applies it "asynchronously as soon as possible" (RDS API
            // reference, ModifyDBInstance, BackupRetentionPeriod).
            let from_zero = db.backup_retention_days == 0;
            let pause = if from_zero { " (turning backups on pauses I/O briefly)" } else { "" };
            Some((
                DbInstanceChange {
                    backup_retention_days: Some(MIN_BACKUP_DAYS),
                    apply_immediately: from_zero,
                    ..DbInstanceChange::default()
                },
                format!("backup retention {} → {MIN_BACKUP_DAYS} days{pause}", db.backup_retention_days),
                json!({ "db": db.id, "backup_retention_days": db.backup_retention_days }),
            ))
        }
        Asked::Backups => None,
    }
}

pub async fn run<P: RdsPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::Resource { arn } = target else {
        let reason = format!("{} is not a DB instance", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let (id, label) = (arn.name(), target.label());
    let (read, write) = ("rds:DescribeDBInstances", "rds:ModifyDBInstance");
    let Some(asked) = asked(ctx) else {
        let reason = format!(
            "the finding names no setting of this playbook (control {}, Config rule {})",
            ctx.control.as_deref().unwrap_or("none"),
            ctx.config_rule.as_deref().unwrap_or("none")
        );
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
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
    let Some((change, detail, prior)) = wanted(&db, asked) else {
        let step = StepRecord::new("db-settings", Some(write), &label, StepOutcome::AlreadyDone, "the instance already meets the control");
        return PlaybookReport::conclude(vec![step], Ok(()));
    };
    if change.apply_immediately && !db.pending.is_empty() {
        return PlaybookReport::conclude(Vec::new(), Err(someone_elses_pending(id, &db).into()));
    }
    let step = match ports.modify_db_instance(id, &change).await {
        Ok(()) => StepRecord::new("db-settings", Some(write), &label, StepOutcome::Done, detail).with_prior(prior),
        Err(e) => return PlaybookReport::conclude(vec![failed("db-settings", write, &label, e)], Ok(())),
    };
    let verified = match ports.db_instance(id).await {
        Ok(Some(after)) if wanted(&after, asked).is_none() => Ok(()),
        Ok(Some(_)) => Err(format!("{id} does not read back as changed, nor pending").into()),
        Ok(None) => Err(format!("DB instance {id} is gone").into()),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

/// Refused for a person: ApplyImmediately would also apply changes someone else scheduled for the
/// maintenance window (an instance class change restarts the database).
fn someone_elses_pending(id: &str, db: &DbInstance) -> String {
    let pending: Vec<String> = db.pending.iter().map(|(field, value)| format!("{field} → {value}")).collect();
    format!(
        "{id} has pending modifications ({}) that ApplyImmediately would apply now with the backup change: \
         turn backups on by hand once they are applied, or in the maintenance window",
        pending.join(", ")
    )
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
            pending: BTreeMap::new(),
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

    fn with_pending(fake: &FakeAccount, id: &str, retention: i32, class: Option<&str>) {
        fake.with_state(|s| {
            if let Some(db) = s.db_instances.get_mut(id) {
                db.backup_retention_days = retention;
                if let Some(class) = class {
                    db.pending.insert("DBInstanceClass".into(), class.into());
                }
            }
        });
    }

    #[test]
    fn backups_off_with_someone_elses_pending_change_are_refused_for_a_person() {
        let fake = account();
        with_pending(&fake, "orders", 0, Some("db.r6g.4xlarge"));
        let report = run_on(&fake, "orders", "RDS.11");
        assert!(
            matches!(&report.outcome, PlaybookOutcome::Failed { reason, retryable: false } if reason.contains("DBInstanceClass → db.r6g.4xlarge")),
            "{report:?}"
        );
        assert!(!fake.calls().contains(&"rds:ModifyDBInstance".to_string()));
        let orders = fake.with_state(|s| s.db_instances["orders"].clone());
        assert_eq!(orders.pending.get("DBInstanceClass").map(String::as_str), Some("db.r6g.4xlarge"));
    }

    #[test]
    fn a_pending_change_is_never_flushed_by_a_change_that_needs_no_apply_immediately() {
        let fake = account();
        with_pending(&fake, "orders", 1, Some("db.r6g.4xlarge"));
        assert_eq!(run_on(&fake, "orders", "RDS.11").outcome, PlaybookOutcome::Remediated);
        assert_eq!(run_on(&fake, "orders", "RDS.13").outcome, PlaybookOutcome::Remediated);
        let orders = fake.with_state(|s| s.db_instances["orders"].clone());
        assert_eq!((orders.backup_retention_days, orders.auto_minor_version_upgrade), (7, true));
        assert_eq!(orders.pending.get("DBInstanceClass").map(String::as_str), Some("db.r6g.4xlarge"));
    }

    #[test]
    fn backups_turned_on_from_zero_apply_now_when_nothing_else_is_pending() {
        let fake = account();
        with_pending(&fake, "orders", 0, None);
        assert_eq!(run_on(&fake, "orders", "RDS.11").outcome, PlaybookOutcome::Remediated);
        assert_eq!(fake.with_state(|s| s.db_instances["orders"].backup_retention_days), 7);
    }

    #[test]
    fn a_config_rule_finding_changes_its_rules_setting_only() {
        let fake = account();
        let ctx = RunContext {
            config_rule: Some("securityhub-rds-automatic-minor-version-upgrade-enabled-a1b2c3".into()),
            ..crate::playbooks::test_context("111111111111")
        };
        let arn = crate::arn::Arn::parse("arn:aws:rds:us-east-1:111111111111:db:orders");
        let report = block_on(run(&fake, &ctx, &Target::Resource { arn: arn.unwrap_or_else(|| panic!("arn")) }));
        assert_eq!(report.outcome, PlaybookOutcome::Remediated, "{report:?}");
        let orders = fake.with_state(|s| s.db_instances["orders"].clone());
        assert_eq!((orders.backup_retention_days, orders.auto_minor_version_upgrade), (1, true));
    }
}
