//! SNS topics in the member account's region (the hub's own notifications use their own client).

use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

pub trait SnsPort: super::Settle + Send + Sync {
    /// The topic's KMS key: `None` when the topic does not exist, `Some(None)` when it is not encrypted.
    fn topic_kms_key(
        &self,
        arn: &str,
    ) -> impl Future<Output = PortResult<Option<Option<String>>>> + Send;
    fn encrypt_topic(&self, arn: &str, key: &str) -> impl Future<Output = PortResult<()>> + Send;
    fn topic_tags(
        &self,
        arn: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
}
