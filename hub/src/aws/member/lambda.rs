//! Lambda through the member session: function policies and tags.

use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::{absent_as_none, MemberClients};

impl LambdaPort for MemberClients {
    async fn function_policy(&self, function: &str) -> PortResult<Option<String>> {
        let request = self.lambda.get_policy().function_name(function);
        let out = absent_as_none(
            call!(self, Api::LambdaGetPolicy, function, request.send()),
            &["ResourceNotFoundException"],
        )?;
        Ok(out.and_then(|o| o.policy().map(str::to_owned)))
    }
    async fn remove_permission(&self, function: &str, sid: &str) -> PortResult<()> {
        let request = self
            .lambda
            .remove_permission()
            .function_name(function)
            .statement_id(sid);
        call!(self, Api::LambdaRemovePermission, function, request.send()).map(|_| ())
    }
    async fn function_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let out = call!(
            self,
            Api::LambdaListTags,
            arn,
            self.lambda.list_tags().resource(arn).send()
        )?;
        Ok(out
            .tags()
            .map(|t| t.clone().into_iter().collect())
            .unwrap_or_default())
    }
}
