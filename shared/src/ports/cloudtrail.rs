//! CloudTrail trails (called in the trail's home region).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

/// What GetTrail says about a trail.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    pub arn: String,
    pub home_region: Option<String>,
    pub log_file_validation: bool,
    /// An organization trail: only the management (or delegated) account may change it.
    pub organization: bool,
    /// The KMS key encrypting its log files, if any.
    #[serde(default)]
    pub kms_key: Option<String>,
}

pub trait CloudTrailPort: super::Settle + Send + Sync {
    /// `None` when the trail does not exist.
    fn get_trail(&self, arn: &str) -> impl Future<Output = PortResult<Option<Trail>>> + Send;
    fn enable_log_file_validation(&self, arn: &str) -> impl Future<Output = PortResult<()>> + Send;
    fn trail_tags(
        &self,
        arn: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
    /// Encrypt the trail's log files with this KMS key (UpdateTrail KmsKeyId).
    fn encrypt_trail(&self, arn: &str, key: &str) -> impl Future<Output = PortResult<()>> + Send;
}
