//! SQS queues in the member account's region.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

/// How a queue is encrypted at rest (GetQueueAttributes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEncryption {
    /// SSE-SQS (`SqsManagedSseEnabled`).
    pub sqs_managed: bool,
    /// SSE-KMS (`KmsMasterKeyId`).
    pub kms_key: Option<String>,
}

impl QueueEncryption {
    pub fn encrypted(&self) -> bool {
        self.sqs_managed || self.kms_key.is_some()
    }
}

pub trait SqsPort: super::Settle + Send + Sync {
    /// The queue's URL (GetQueueUrl with the owner's account); `None` when there is no such queue.
    fn queue_url(
        &self,
        name: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<Option<String>>> + Send;
    fn queue_encryption(
        &self,
        url: &str,
    ) -> impl Future<Output = PortResult<QueueEncryption>> + Send;
    /// Turn on SSE-SQS (AWS services that send to the queue keep working, unlike SSE-KMS).
    fn enable_queue_sse(&self, url: &str) -> impl Future<Output = PortResult<()>> + Send;
    fn queue_tags(
        &self,
        url: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
}
