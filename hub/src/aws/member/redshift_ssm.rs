//! Redshift and Systems Manager through the member session.

use aws_sdk_ssm::types::{DocumentPermissionType, ResourceTypeForTagging};
use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::{absent_as_none, MemberClients};

impl RedshiftPort for MemberClients {
    async fn cluster(&self, id: &str) -> PortResult<Option<RedshiftCluster>> {
        let request = self.redshift.describe_clusters().cluster_identifier(id);
        let out = absent_as_none(
            call!(self, Api::RedshiftDescribeClusters, id, request.send()),
            &["ClusterNotFound", "ClusterNotFoundFault"],
        )?;
        Ok(out
            .and_then(|o| o.clusters().first().cloned())
            .map(|c| RedshiftCluster {
                id: c.cluster_identifier().unwrap_or(id).to_owned(),
                status: c.cluster_status().unwrap_or_default().to_owned(),
                publicly_accessible: c.publicly_accessible().unwrap_or(false),
                pending_publicly_accessible: c
                    .pending_modified_values()
                    .and_then(|p| p.publicly_accessible()),
                tags: c
                    .tags()
                    .iter()
                    .filter_map(|t| {
                        Some((
                            t.key()?.to_owned(),
                            t.value().unwrap_or_default().to_owned(),
                        ))
                    })
                    .collect(),
            }))
    }
    async fn make_cluster_private(&self, id: &str) -> PortResult<()> {
        let request = self
            .redshift
            .modify_cluster()
            .cluster_identifier(id)
            .publicly_accessible(false);
        call!(self, Api::RedshiftModifyCluster, id, request.send()).map(|_| ())
    }
}

impl SsmPort for MemberClients {
    async fn document_shared_with(&self, name: &str) -> PortResult<Option<Vec<String>>> {
        let request = self
            .ssm
            .describe_document_permission()
            .name(name)
            .permission_type(DocumentPermissionType::Share);
        let out = absent_as_none(
            call!(
                self,
                Api::SsmDescribeDocumentPermission,
                name,
                request.send()
            ),
            &["InvalidDocument"],
        )?;
        Ok(out.map(|o| o.account_ids().to_vec()))
    }
    async fn unshare_document_publicly(&self, name: &str) -> PortResult<()> {
        let request = self
            .ssm
            .modify_document_permission()
            .name(name)
            .permission_type(DocumentPermissionType::Share)
            .account_ids_to_remove("all");
        call!(self, Api::SsmModifyDocumentPermission, name, request.send()).map(|_| ())
    }
    async fn document_tags(&self, name: &str) -> PortResult<BTreeMap<String, String>> {
        let request = self
            .ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Document)
            .resource_id(name);
        let out = call!(self, Api::SsmListTagsForResource, name, request.send())?;
        Ok(out
            .tag_list()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
}
