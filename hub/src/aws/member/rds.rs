//! RDS through the member session: instance settings, snapshot sharing, tags.

use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::{absent_as_none, MemberClients};

fn tags(list: &[aws_sdk_rds::types::Tag]) -> BTreeMap<String, String> {
    list.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// The fields `PendingModifiedValues` holds, by their API names.
fn pending(p: &aws_sdk_rds::types::PendingModifiedValues) -> BTreeMap<String, String> {
    let fields: [(&str, Option<String>); 10] = [
        ("DBInstanceClass", p.db_instance_class().map(str::to_owned)),
        (
            "AllocatedStorage",
            p.allocated_storage().map(|v| v.to_string()),
        ),
        (
            "BackupRetentionPeriod",
            p.backup_retention_period().map(|v| v.to_string()),
        ),
        ("EngineVersion", p.engine_version().map(str::to_owned)),
        ("MultiAZ", p.multi_az().map(|v| v.to_string())),
        ("Port", p.port().map(|v| v.to_string())),
        ("StorageType", p.storage_type().map(str::to_owned)),
        ("Iops", p.iops().map(|v| v.to_string())),
        (
            "DBInstanceIdentifier",
            p.db_instance_identifier().map(str::to_owned),
        ),
        (
            "CACertificateIdentifier",
            p.ca_certificate_identifier().map(str::to_owned),
        ),
    ];
    fields
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_owned(), value?)))
        .collect()
}

impl RdsPort for MemberClients {
    async fn db_instance(&self, id: &str) -> PortResult<Option<DbInstance>> {
        let request = self.rds.describe_db_instances().db_instance_identifier(id);
        let out = absent_as_none(
            call!(self, Api::RdsDescribeDbInstances, id, request.send()),
            &["DBInstanceNotFound"],
        )?;
        Ok(out
            .and_then(|o| o.db_instances().first().cloned())
            .map(|db| DbInstance {
                id: db.db_instance_identifier().unwrap_or(id).to_owned(),
                status: db.db_instance_status().unwrap_or_default().to_owned(),
                publicly_accessible: db.publicly_accessible().unwrap_or(false),
                backup_retention_days: db.backup_retention_period().unwrap_or(0),
                auto_minor_version_upgrade: db.auto_minor_version_upgrade().unwrap_or(false),
                cluster: db.db_cluster_identifier().map(str::to_owned),
                tags: tags(db.tag_list()),
                pending: db
                    .pending_modified_values()
                    .map(pending)
                    .unwrap_or_default(),
            }))
    }
    async fn modify_db_instance(&self, id: &str, change: &DbInstanceChange) -> PortResult<()> {
        let request = self
            .rds
            .modify_db_instance()
            .db_instance_identifier(id)
            // ApplyImmediately also applies every change already pending: only when the playbook asks.
            .apply_immediately(change.apply_immediately)
            .set_publicly_accessible(change.publicly_accessible)
            .set_backup_retention_period(change.backup_retention_days)
            .set_auto_minor_version_upgrade(change.auto_minor_version_upgrade);
        call!(self, Api::RdsModifyDbInstance, id, request.send()).map(|_| ())
    }
    async fn snapshot_restorers(
        &self,
        kind: SnapshotKind,
        id: &str,
    ) -> PortResult<Option<Vec<String>>> {
        let restore = |name: Option<&str>, values: &[String]| {
            (name == Some("restore")).then(|| values.to_vec())
        };
        match kind {
            SnapshotKind::Instance => {
                let request = self
                    .rds
                    .describe_db_snapshot_attributes()
                    .db_snapshot_identifier(id);
                let out = absent_as_none(
                    call!(
                        self,
                        Api::RdsDescribeDbSnapshotAttributes,
                        id,
                        request.send()
                    ),
                    &["DBSnapshotNotFound"],
                )?;
                Ok(out.map(|o| {
                    o.db_snapshot_attributes_result()
                        .map(|r| r.db_snapshot_attributes())
                        .unwrap_or_default()
                        .iter()
                        .find_map(|a| restore(a.attribute_name(), a.attribute_values()))
                        .unwrap_or_default()
                }))
            }
            SnapshotKind::Cluster => {
                let request = self
                    .rds
                    .describe_db_cluster_snapshot_attributes()
                    .db_cluster_snapshot_identifier(id);
                let out = absent_as_none(
                    call!(
                        self,
                        Api::RdsDescribeDbClusterSnapshotAttributes,
                        id,
                        request.send()
                    ),
                    &["DBClusterSnapshotNotFoundFault"],
                )?;
                Ok(out.map(|o| {
                    o.db_cluster_snapshot_attributes_result()
                        .map(|r| r.db_cluster_snapshot_attributes())
                        .unwrap_or_default()
                        .iter()
                        .find_map(|a| restore(a.attribute_name(), a.attribute_values()))
                        .unwrap_or_default()
                }))
            }
        }
    }
    async fn unshare_snapshot_publicly(&self, kind: SnapshotKind, id: &str) -> PortResult<()> {
        match kind {
            SnapshotKind::Instance => {
                let request = self
                    .rds
                    .modify_db_snapshot_attribute()
                    .db_snapshot_identifier(id)
                    .attribute_name("restore")
                    .values_to_remove("all");
                call!(self, Api::RdsModifyDbSnapshotAttribute, id, request.send()).map(|_| ())
            }
            SnapshotKind::Cluster => {
                let request = self
                    .rds
                    .modify_db_cluster_snapshot_attribute()
                    .db_cluster_snapshot_identifier(id)
                    .attribute_name("restore")
                    .values_to_remove("all");
                call!(
                    self,
                    Api::RdsModifyDbClusterSnapshotAttribute,
                    id,
                    request.send()
                )
                .map(|_| ())
            }
        }
    }
    async fn rds_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let request = self.rds.list_tags_for_resource().resource_name(arn);
        let out = call!(self, Api::RdsListTagsForResource, arn, request.send())?;
        Ok(tags(out.tag_list()))
    }
}
