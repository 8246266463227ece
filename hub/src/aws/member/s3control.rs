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
            .map(|c| public_access_block!(read c)))
    }

    pub(super) async fn set_account_public_access_block(
        &self,
        settings: PublicAccessBlock,
    ) -> PortResult<()> {
        let account = self.account.as_str();
        let configuration = public_access_block!(build PublicAccessBlockConfiguration, settings);
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
