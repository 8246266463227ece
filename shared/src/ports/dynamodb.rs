//! DynamoDB tables in the member account's region.

use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

pub trait DynamoDbPort: super::Settle + Send + Sync {
    /// Whether point-in-time recovery is on; `None` when the table does not exist.
    fn point_in_time_recovery(
        &self,
        table: &str,
    ) -> impl Future<Output = PortResult<Option<bool>>> + Send;
    fn enable_point_in_time_recovery(
        &self,
        table: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Tags of the table, by its ARN.
    fn table_tags(
        &self,
        arn: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
}
