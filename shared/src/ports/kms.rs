//! KMS keys in the member account's region.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

/// What DescribeKey says about a key, as far as rotation cares.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsKey {
    pub id: String,
    /// `CUSTOMER` or `AWS`.
    pub manager: String,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`, …
    pub spec: String,
    /// `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    pub origin: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    pub state: String,
    /// A multi-Region replica key (its primary controls rotation).
    pub replica: bool,
}

impl KmsKey {
    /// Why KMS cannot rotate this key automatically, if it cannot.
    pub fn cannot_rotate(&self) -> Option<String> {
        let why = if self.manager != "CUSTOMER" {
            "it is managed by AWS"
        } else if self.spec != "SYMMETRIC_DEFAULT" {
            "only symmetric encryption keys rotate automatically"
        } else if self.origin != "AWS_KMS" {
            "imported and custom key store key material does not rotate automatically"
        } else if self.state != "Enabled" {
            "the key is not enabled"
        } else if self.replica {
            "it is a multi-Region replica: rotate its primary key"
        } else {
            return None;
        };
        Some(format!("key {} cannot be rotated: {why}", self.id))
    }
}

pub trait KmsPort: super::Settle + Send + Sync {
    /// `None` when the key does not exist.
    fn describe_key(&self, key: &str) -> impl Future<Output = PortResult<Option<KmsKey>>> + Send;
    fn key_rotation_enabled(&self, key: &str) -> impl Future<Output = PortResult<bool>> + Send;
    fn enable_key_rotation(&self, key: &str) -> impl Future<Output = PortResult<()>> + Send;
    fn key_tags(
        &self,
        key: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
}
