//! S3 through the member session. Every call carries `ExpectedBucketOwner`.

use aws_sdk_s3::types::{
    AccessControlPolicy, Grant, Grantee, Owner, Permission, PublicAccessBlockConfiguration,
    Type as GranteeType,
};
use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::{absent_as_none, MemberClients};

impl S3Port for MemberClients {
    async fn get_bucket_tags(
        &self,
        bucket: &str,
        owner: &str,
    ) -> PortResult<BTreeMap<String, String>> {
        let request = self
            .s3
            .get_bucket_tagging()
            .bucket(bucket)
            .expected_bucket_owner(owner);
        let out = absent_as_none(
            call!(self, Api::S3GetBucketTagging, bucket, request.send()),
            &["NoSuchTagSet"],
        )?;
        Ok(out
            .map(|o| {
                o.tag_set()
                    .iter()
                    .map(|t| (t.key().to_owned(), t.value().to_owned()))
                    .collect()
            })
            .unwrap_or_default())
    }
    async fn get_public_access_block(
        &self,
        bucket: &str,
        owner: &str,
    ) -> PortResult<Option<PublicAccessBlock>> {
        let request = self
            .s3
            .get_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(owner);
        let out = absent_as_none(
            call!(
                self,
                Api::S3GetBucketPublicAccessBlock,
                bucket,
                request.send()
            ),
            &["NoSuchPublicAccessBlockConfiguration"],
        )?;
        Ok(out
            .and_then(|o| o.public_access_block_configuration().cloned())
            .map(|c| public_access_block!(read c)))
    }
    async fn put_public_access_block(
        &self,
        bucket: &str,
        owner: &str,
        settings: PublicAccessBlock,
    ) -> PortResult<()> {
        let configuration = public_access_block!(build PublicAccessBlockConfiguration, settings);
        let request = self
            .s3
            .put_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .public_access_block_configuration(configuration);
        call!(
            self,
            Api::S3PutBucketPublicAccessBlock,
            bucket,
            request.send()
        )
        .map(|_| ())
    }
    async fn delete_public_access_block(&self, bucket: &str, owner: &str) -> PortResult<()> {
        let request = self
            .s3
            .delete_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(owner);
        call!(
            self,
            Api::S3PutBucketPublicAccessBlock,
            bucket,
            request.send()
        )
        .map(|_| ())
    }
    async fn get_account_public_access_block(&self) -> PortResult<Option<PublicAccessBlock>> {
        self.account_public_access_block().await
    }
    async fn put_account_public_access_block(&self, settings: PublicAccessBlock) -> PortResult<()> {
        self.set_account_public_access_block(settings).await
    }
    async fn get_bucket_acl(&self, bucket: &str, owner: &str) -> PortResult<BucketAcl> {
        let out = call!(
            self,
            Api::S3GetBucketAcl,
            bucket,
            self.s3
                .get_bucket_acl()
                .bucket(bucket)
                .expected_bucket_owner(owner)
                .send()
        )?;
        let grants = out
            .grants()
            .iter()
            .filter_map(|g| {
                let grantee = g.grantee()?;
                let kind = GranteeType::as_str(grantee.r#type()).to_owned();
                let who = grantee
                    .uri()
                    .or(grantee.id())
                    .or(grantee.email_address())
                    .unwrap_or_default()
                    .to_owned();
                Some(AclGrant {
                    grantee_type: kind,
                    grantee: who,
                    permission: g
                        .permission()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                })
            })
            .collect();
        Ok(BucketAcl {
            owner_id: out.owner().and_then(|o| o.id()).map(str::to_owned),
            grants,
        })
    }
    async fn put_bucket_acl(&self, bucket: &str, owner: &str, acl: &BucketAcl) -> PortResult<()> {
        let grants = acl.grants.iter().filter_map(|g| {
            let grantee = match g.grantee_type.as_str() {
                "CanonicalUser" => Grantee::builder()
                    .r#type(GranteeType::CanonicalUser)
                    .id(&g.grantee),
                "Group" => Grantee::builder()
                    .r#type(GranteeType::Group)
                    .uri(&g.grantee),
                "AmazonCustomerByEmail" => Grantee::builder()
                    .r#type(GranteeType::AmazonCustomerByEmail)
                    .email_address(&g.grantee),
                _ => return None,
            };
            Some(
                Grant::builder()
                    .grantee(grantee.build().ok()?)
                    .permission(Permission::from(g.permission.as_str()))
                    .build(),
            )
        });
        let policy = AccessControlPolicy::builder()
            .set_owner(
                acl.owner_id
                    .as_ref()
                    .map(|id| Owner::builder().id(id).build()),
            )
            .set_grants(Some(grants.collect()))
            .build();
        let request = self
            .s3
            .put_bucket_acl()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .access_control_policy(policy);
        call!(self, Api::S3PutBucketAcl, bucket, request.send()).map(|_| ())
    }
    async fn get_bucket_policy(&self, bucket: &str, owner: &str) -> PortResult<Option<String>> {
        let request = self
            .s3
            .get_bucket_policy()
            .bucket(bucket)
            .expected_bucket_owner(owner);
        let out = absent_as_none(
            call!(self, Api::S3GetBucketPolicy, bucket, request.send()),
            &["NoSuchBucketPolicy"],
        )?;
        Ok(out.and_then(|o| o.policy().map(str::to_owned)))
    }
    async fn get_bucket_policy_status(
        &self,
        bucket: &str,
        owner: &str,
    ) -> PortResult<Option<bool>> {
        let request = self
            .s3
            .get_bucket_policy_status()
            .bucket(bucket)
            .expected_bucket_owner(owner);
        let out = absent_as_none(
            call!(self, Api::S3GetBucketPolicyStatus, bucket, request.send()),
            &["NoSuchBucketPolicy"],
        )?;
        // A policy S3 has no status for is treated as public: verification must not pass on silence.
        Ok(out.map(|o| {
            o.policy_status()
                .and_then(|s| s.is_public())
                .unwrap_or(true)
        }))
    }
    async fn put_bucket_policy(&self, bucket: &str, owner: &str, document: &str) -> PortResult<()> {
        let request = self
            .s3
            .put_bucket_policy()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .policy(document);
        call!(self, Api::S3PutBucketPolicy, bucket, request.send()).map(|_| ())
    }
    async fn delete_bucket_policy(&self, bucket: &str, owner: &str) -> PortResult<()> {
        let request = self
            .s3
            .delete_bucket_policy()
            .bucket(bucket)
            .expected_bucket_owner(owner);
        call!(self, Api::S3DeleteBucketPolicy, bucket, request.send()).map(|_| ())
    }
    async fn get_bucket_logging(
        &self,
        bucket: &str,
        owner: &str,
    ) -> PortResult<Option<(String, String)>> {
        let request = self
            .s3
            .get_bucket_logging()
            .bucket(bucket)
            .expected_bucket_owner(owner);
        let out = call!(self, Api::S3GetBucketLogging, bucket, request.send())?;
        Ok(out
            .logging_enabled()
            .map(|l| (l.target_bucket().to_owned(), l.target_prefix().to_owned())))
    }
    async fn put_bucket_logging(
        &self,
        bucket: &str,
        owner: &str,
        target: &str,
        prefix: &str,
    ) -> PortResult<()> {
        let enabled = aws_sdk_s3::types::LoggingEnabled::builder()
            .target_bucket(target)
            .target_prefix(prefix)
            .build()
            .map_err(|e| {
                PortError::new(
                    PortErrorKind::Invalid,
                    "s3:PutBucketLogging",
                    None,
                    e.to_string(),
                )
            })?;
        let status = aws_sdk_s3::types::BucketLoggingStatus::builder()
            .logging_enabled(enabled)
            .build();
        let request = self
            .s3
            .put_bucket_logging()
            .bucket(bucket)
            .expected_bucket_owner(owner)
            .bucket_logging_status(status);
        call!(self, Api::S3PutBucketLogging, bucket, request.send()).map(|_| ())
    }
}
