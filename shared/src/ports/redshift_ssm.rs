//! Redshift clusters and Systems Manager documents in the member account's region.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

/// What DescribeClusters says about a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedshiftCluster {
    pub id: String,
    pub status: String,
    pub publicly_accessible: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// `PendingModifiedValues.PubliclyAccessible`: a change ModifyCluster accepted and Redshift is still
    /// applying (the cluster shows `modifying`).
    #[serde(default)]
    pub pending_publicly_accessible: Option<bool>,
}

pub trait RedshiftPort: super::Settle + Send + Sync {
    /// `None` when the cluster does not exist.
    fn cluster(&self, id: &str)
        -> impl Future<Output = PortResult<Option<RedshiftCluster>>> + Send;
    fn make_cluster_private(&self, id: &str) -> impl Future<Output = PortResult<()>> + Send;
}

pub trait SsmPort: super::Settle + Send + Sync {
    /// The accounts (or `all`) a document is shared with; `None` when the document does not exist.
    fn document_shared_with(
        &self,
        name: &str,
    ) -> impl Future<Output = PortResult<Option<Vec<String>>>> + Send;
    /// Remove `all` from the document's share permission.
    fn unshare_document_publicly(&self, name: &str) -> impl Future<Output = PortResult<()>> + Send;
    fn document_tags(
        &self,
        name: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
}
