//! Lambda functions in the member account's region: their resource-based policies.

use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

pub trait LambdaPort: super::Settle + Send + Sync {
    /// The function's resource-based policy (JSON); `None` when it has none.
    fn function_policy(
        &self,
        function: &str,
    ) -> impl Future<Output = PortResult<Option<String>>> + Send;
    /// Remove one statement of the function's policy by its Sid.
    fn remove_permission(
        &self,
        function: &str,
        sid: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Tags of the function, by its ARN.
    fn function_tags(
        &self,
        arn: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
}
