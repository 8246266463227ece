//! Secrets Manager: secrets linked to a user, rotated in their own region.

use serde::{Deserialize, Serialize};
use std::future::Future;

use super::PortResult;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedSecret {
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    /// Unix seconds of the last completed rotation.
    pub last_rotated: Option<i64>,
    /// The secret's own rotation function, which RotateSecret invokes with the caller's permissions.
    #[serde(default)]
    pub rotation_lambda_arn: Option<String>,
}

pub trait SecretsPort: super::Settle + Send + Sync {
    /// Secrets in `region` carrying the tag `tag_key` = `user`.
    fn list_linked_secrets(
        &self,
        tag_key: &str,
        user: &str,
        region: &crate::ids::Region,
    ) -> impl Future<Output = PortResult<Vec<LinkedSecret>>> + Send;
    /// Rotate the secret, in the region its ARN names.
    fn rotate_secret(&self, arn: &str) -> impl Future<Output = PortResult<()>> + Send;
}
