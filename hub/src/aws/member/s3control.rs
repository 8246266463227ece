//! S3 Control through the member session: the account's own Block Public Access. The account id is the
//! session's (`MemberClients::account`), never one read from a finding; the SDK sends it as
//! `x-amz-account-id` and in the host name (`<account>.s3-control.<region>.amazonaws.com`).

use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use riposte_shared::ports::*;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::{absent_as_none, MemberClients};

impl MemberClients {
    pub(super) async fn account_public_access_block(
        &self,
    ) -> PortResult<Option<PublicAccessBlock>> {
        let account = self.account.as_str();
        let request = self.s3control.get_public_access_block().account_id(account);
        let out = absent_as_none(
            call!(
                self,
                Api::S3GetAccountPublicAccessBlock,
                account,
                request.send()
            ),
            &["NoSuchPublicAccessBlockConfiguration"],
        )?;
        Ok(out
            .and_then(|o| o.public_access_block_configuration().cloned())
            .map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            }))
    }

    pub(super) async fn set_account_public_access_block(
        &self,
        settings: PublicAccessBlock,
    ) -> PortResult<()> {
        let account = self.account.as_str();
        let configuration = PublicAccessBlockConfiguration::builder()
            .block_public_acls(settings.block_public_acls)
            .ignore_public_acls(settings.ignore_public_acls)
            .block_public_policy(settings.block_public_policy)
            .restrict_public_buckets(settings.restrict_public_buckets)
            .build();
        let request = self
            .s3control
            .put_public_access_block()
            .account_id(account)
            .public_access_block_configuration(configuration);
        call!(
            self,
            Api::S3PutAccountPublicAccessBlock,
            account,
            request.send()
        )
        .map(|_| ())
    }
}
