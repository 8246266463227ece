//! ECR repositories in the member account's region.

use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

pub trait EcrPort: super::Settle + Send + Sync {
    /// Whether the repository scans images on push; `None` when it does not exist.
    fn scan_on_push(
        &self,
        repository: &str,
    ) -> impl Future<Output = PortResult<Option<bool>>> + Send;
    fn enable_scan_on_push(&self, repository: &str) -> impl Future<Output = PortResult<()>> + Send;
    /// Tags of the repository, by its ARN.
    fn repository_tags(
        &self,
        arn: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
}
