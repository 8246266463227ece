//! RDS instances and snapshots in the member account's region.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

/// What DescribeDBInstances says about an instance, as far as the playbooks care.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInstance {
    pub id: String,
    pub status: String,
    pub publicly_accessible: bool,
    pub backup_retention_days: i32,
    pub auto_minor_version_upgrade: bool,
    /// The Aurora or Multi-AZ DB cluster that owns backups and upgrades, if any.
    pub cluster: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// `PendingModifiedValues`: changes RDS accepted but applies only in the maintenance window (or with
    /// the next `ApplyImmediately`), by field name (`DBInstanceClass` → `db.r6g.large`).
    #[serde(default)]
    pub pending: BTreeMap<String, String>,
}

/// Settings ModifyDBInstance changes; `None` leaves a setting as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInstanceChange {
    pub publicly_accessible: Option<bool>,
    pub backup_retention_days: Option<i32>,
    pub auto_minor_version_upgrade: Option<bool>,
    /// `ApplyImmediately`: applies this change now *and every change already pending* (RDS API
    /// reference, ModifyDBInstance); only for a change that would otherwise wait for the window.
    #[serde(default)]
    pub apply_immediately: bool,
}

/// A DB snapshot or a DB cluster snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotKind {
    Instance,
    Cluster,
}

pub trait RdsPort: super::Settle + Send + Sync {
    /// `None` when the instance does not exist.
    fn db_instance(&self, id: &str) -> impl Future<Output = PortResult<Option<DbInstance>>> + Send;
    fn modify_db_instance(
        &self,
        id: &str,
        change: &DbInstanceChange,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// The accounts (or `all`) that may restore the snapshot; `None` when it does not exist.
    fn snapshot_restorers(
        &self,
        kind: SnapshotKind,
        id: &str,
    ) -> impl Future<Output = PortResult<Option<Vec<String>>>> + Send;
    /// Remove `all` from the snapshot's restore attribute; shares with named accounts stay.
    fn unshare_snapshot_publicly(
        &self,
        kind: SnapshotKind,
        id: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Tags of an RDS resource by ARN.
    fn rds_tags(
        &self,
        arn: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
}
