//! S3 buckets: Block Public Access, ACL, policy, tags. Every call carries the expected bucket owner.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

use super::PortResult;

/// The four S3 Block Public Access settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub const ALL_ON: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
    pub fn all_on(&self) -> bool {
        *self == Self::ALL_ON
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclGrant {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: String,
    /// Canonical id, group URI or e-mail.
    pub grantee: String,
    pub permission: String,
}

impl BucketAcl {
    /// The same ACL without its public grants: the owner's and log delivery's grants stay, so closing a
    /// bucket never breaks its server access logging.
    pub fn without_public_grants(&self) -> Self {
        Self {
            owner_id: self.owner_id.clone(),
            grants: self
                .grants
                .iter()
                .filter(|g| !g.is_public())
                .cloned()
                .collect(),
        }
    }
}

impl AclGrant {
    /// Grants to everyone or to every authenticated AWS user are public.
    pub fn is_public(&self) -> bool {
        self.grantee_type == "Group"
            && (self.grantee.ends_with("/global/AllUsers")
                || self.grantee.ends_with("/global/AuthenticatedUsers"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketAcl {
    pub owner_id: Option<String>,
    pub grants: Vec<AclGrant>,
}

/// S3 bucket operations. Every call carries the expected bucket owner.
pub trait S3Port: super::Settle + Send + Sync {
    fn get_bucket_tags(
        &self,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
    /// `None` when the bucket has no Block Public Access configuration.
    fn get_public_access_block(
        &self,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<Option<PublicAccessBlock>>> + Send;
    fn put_public_access_block(
        &self,
        bucket: &str,
        owner: &str,
        settings: PublicAccessBlock,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Remove the bucket's Block Public Access configuration (IAM action s3:PutBucketPublicAccessBlock).
    fn delete_public_access_block(
        &self,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    fn get_bucket_acl(
        &self,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<BucketAcl>> + Send;
    /// Replace the ACL. Fails with code `AccessControlListNotSupported` when ACLs are disabled.
    fn put_bucket_acl(
        &self,
        bucket: &str,
        owner: &str,
        acl: &BucketAcl,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// `None` when the bucket has no policy.
    fn get_bucket_policy(
        &self,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<Option<String>>> + Send;
    /// S3's own evaluation of the bucket policy (`IsPublic`); `None` when the bucket has no policy.
    fn get_bucket_policy_status(
        &self,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<Option<bool>>> + Send;
    fn put_bucket_policy(
        &self,
        bucket: &str,
        owner: &str,
        document: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    fn delete_bucket_policy(
        &self,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Where the bucket's server access logs go (target bucket, prefix); `None` when logging is off.
    fn get_bucket_logging(
        &self,
        bucket: &str,
        owner: &str,
    ) -> impl Future<Output = PortResult<Option<(String, String)>>> + Send;
    /// The member account's own Block Public Access (S3 Control; one setting for every region and every
    /// bucket of the account); `None` when the account has none.
    fn get_account_public_access_block(
        &self,
    ) -> impl Future<Output = PortResult<Option<PublicAccessBlock>>> + Send;
    fn put_account_public_access_block(
        &self,
        settings: PublicAccessBlock,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Send the bucket's server access logs to `target` under `prefix`.
    fn put_bucket_logging(
        &self,
        bucket: &str,
        owner: &str,
        target: &str,
        prefix: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
}
