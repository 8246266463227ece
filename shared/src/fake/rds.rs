//! The fake's RDS: instances and their settings, snapshots and who may restore them.

use std::collections::BTreeMap;

use super::FakeAccount;
use crate::ports::*;

fn missing(api: &str, code: &str, id: &str) -> PortError {
    PortError::new(PortErrorKind::NotFound, api, Some(code), id)
}

impl RdsPort for FakeAccount {
    async fn db_instance(&self, id: &str) -> PortResult<Option<DbInstance>> {
        self.enter("rds:DescribeDBInstances")?;
        Ok(self.with_state(|s| s.db_instances.get(id).cloned()))
    }
    async fn modify_db_instance(&self, id: &str, change: &DbInstanceChange) -> PortResult<()> {
        let api = "rds:ModifyDBInstance";
        self.enter(api)?;
        self.with_state(|s| match s.db_instances.get_mut(id) {
            // Like RDS: retention 0..=35 days.
            Some(_)
                if change
                    .backup_retention_days
                    .is_some_and(|d| !(0..=35).contains(&d)) =>
            {
                Err(PortError::new(
                    PortErrorKind::Invalid,
                    api,
                    Some("InvalidParameterValue"),
                    id,
                ))
            }
            // Like RDS: PubliclyAccessible and AutoMinorVersionUpgrade apply at once; a backup retention
            // turned on from 0 waits for the window unless ApplyImmediately, which also applies
            // everything already pending.
            Some(db) => {
                if let Some(v) = change.publicly_accessible {
                    db.publicly_accessible = v;
                }
                if let Some(v) = change.auto_minor_version_upgrade {
                    db.auto_minor_version_upgrade = v;
                }
                match change.backup_retention_days {
                    Some(v) if db.backup_retention_days == 0 && !change.apply_immediately => {
                        db.pending
                            .insert("BackupRetentionPeriod".into(), v.to_string());
                    }
                    Some(v) => db.backup_retention_days = v,
                    None => {}
                }
                if change.apply_immediately {
                    for (field, value) in std::mem::take(&mut db.pending) {
                        // Another field (an instance class change) is applied: the pending entry goes.
                        if field == "BackupRetentionPeriod" {
                            db.backup_retention_days =
                                value.parse().unwrap_or(db.backup_retention_days);
                        }
                    }
                }
                Ok(())
            }
            None => Err(missing(api, "DBInstanceNotFound", id)),
        })
    }
    async fn snapshot_restorers(
        &self,
        kind: SnapshotKind,
        id: &str,
    ) -> PortResult<Option<Vec<String>>> {
        self.enter(match kind {
            SnapshotKind::Instance => "rds:DescribeDBSnapshotAttributes",
            SnapshotKind::Cluster => "rds:DescribeDBClusterSnapshotAttributes",
        })?;
        Ok(self.with_state(|s| {
            s.db_snapshots
                .get(&(kind, id.to_owned()))
                .map(|x| x.0.clone())
        }))
    }
    async fn unshare_snapshot_publicly(&self, kind: SnapshotKind, id: &str) -> PortResult<()> {
        let api = match kind {
            SnapshotKind::Instance => "rds:ModifyDBSnapshotAttribute",
            SnapshotKind::Cluster => "rds:ModifyDBClusterSnapshotAttribute",
        };
        self.enter(api)?;
        self.with_state(|s| match s.db_snapshots.get_mut(&(kind, id.to_owned())) {
            Some(snapshot) => {
                snapshot.0.retain(|a| a != "all");
                Ok(())
            }
            None => Err(missing(api, "DBSnapshotNotFound", id)),
        })
    }
    async fn rds_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        self.enter("rds:ListTagsForResource")?;
        Ok(self.with_state(|s| {
            s.db_snapshots
                .values()
                .find(|x| x.1 == arn)
                .map(|x| x.2.clone())
                .unwrap_or_default()
        }))
    }
}
