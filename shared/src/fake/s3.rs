//! The fake's S3: enforces the expected bucket owner like S3.

use std::collections::BTreeMap;

use super::{FakeAccount, FakeBucket};
use crate::ports::*;

impl FakeAccount {
    pub(super) fn bucket<T>(
        &self,
        api: &str,
        bucket: &str,
        owner: &str,
        f: impl FnOnce(&mut FakeBucket) -> PortResult<T>,
    ) -> PortResult<T> {
        self.enter(api)?;
        self.with_state(|s| match s.buckets.get_mut(bucket) {
            None => Err(PortError::new(
                PortErrorKind::NotFound,
                api,
                Some("NoSuchBucket"),
                bucket,
            )),
            Some(b) if b.owner != owner => Err(PortError::new(
                PortErrorKind::Denied,
                api,
                Some("AccessDenied"),
                "expected bucket owner mismatch",
            )),
            Some(b) => f(b),
        })
    }
}

impl S3Port for FakeAccount {
    async fn get_bucket_tags(
        &self,
        bucket: &str,
        owner: &str,
    ) -> PortResult<BTreeMap<String, String>> {
        self.bucket("s3:GetBucketTagging", bucket, owner, |b| Ok(b.tags.clone()))
    }
    async fn get_public_access_block(
        &self,
        bucket: &str,
        owner: &str,
    ) -> PortResult<Option<PublicAccessBlock>> {
        self.bucket("s3:GetBucketPublicAccessBlock", bucket, owner, |b| {
            Ok(b.public_access_block)
        })
    }
    async fn put_public_access_block(
        &self,
        bucket: &str,
        owner: &str,
        settings: PublicAccessBlock,
    ) -> PortResult<()> {
        self.bucket("s3:PutBucketPublicAccessBlock", bucket, owner, |b| {
            b.public_access_block = Some(settings);
            Ok(())
        })
    }
    async fn delete_public_access_block(&self, bucket: &str, owner: &str) -> PortResult<()> {
        self.bucket("s3:PutBucketPublicAccessBlock", bucket, owner, |b| {
            b.public_access_block = None;
            Ok(())
        })
    }
    async fn get_bucket_acl(&self, bucket: &str, owner: &str) -> PortResult<BucketAcl> {
        // Like S3: with IgnorePublicAcls on, GetBucketAcl answers the effective ACL (no public grants).
        self.bucket("s3:GetBucketAcl", bucket, owner, |b| {
            Ok(match b.public_access_block {
                Some(bpa) if bpa.ignore_public_acls => b.acl.without_public_grants(),
                _ => b.acl.clone(),
            })
        })
    }
    async fn put_bucket_acl(&self, bucket: &str, owner: &str, acl: &BucketAcl) -> PortResult<()> {
        self.bucket("s3:PutBucketAcl", bucket, owner, |b| {
            if b.acls_disabled {
                return Err(PortError::new(
                    PortErrorKind::Other,
                    "s3:PutBucketAcl",
                    Some("AccessControlListNotSupported"),
                    "The bucket does not allow ACLs",
                ));
            }
            b.acl = acl.clone();
            Ok(())
        })
    }
    async fn get_bucket_policy(&self, bucket: &str, owner: &str) -> PortResult<Option<String>> {
        self.bucket("s3:GetBucketPolicy", bucket, owner, |b| {
            Ok(b.policy.clone())
        })
    }
    async fn get_bucket_policy_status(
        &self,
        bucket: &str,
        owner: &str,
    ) -> PortResult<Option<bool>> {
        self.bucket("s3:GetBucketPolicyStatus", bucket, owner, |b| {
            Ok(b.policy.as_deref().map(|text| {
                b.policy_status_override.unwrap_or_else(|| {
                    serde_json::from_str(text)
                        .map(|doc| crate::s3_public::is_public_policy(&doc))
                        .unwrap_or(true)
                })
            }))
        })
    }
    async fn put_bucket_policy(&self, bucket: &str, owner: &str, document: &str) -> PortResult<()> {
        self.bucket("s3:PutBucketPolicy", bucket, owner, |b| {
            b.policy = Some(if b.garble_policy_on_put {
                document.replacen('{', "", 1)
            } else {
                document.to_owned()
            });
            Ok(())
        })
    }
    async fn delete_bucket_policy(&self, bucket: &str, owner: &str) -> PortResult<()> {
        self.bucket("s3:DeleteBucketPolicy", bucket, owner, |b| {
            b.policy = None;
            Ok(())
        })
    }
    async fn get_bucket_logging(
        &self,
        bucket: &str,
        owner: &str,
    ) -> PortResult<Option<(String, String)>> {
        self.bucket("s3:GetBucketLogging", bucket, owner, |b| {
            Ok(b.logging.clone())
        })
    }
    async fn get_account_public_access_block(&self) -> PortResult<Option<PublicAccessBlock>> {
        self.enter("s3:GetAccountPublicAccessBlock")?;
        Ok(self.with_state(|s| s.account_public_access_block))
    }
    async fn put_account_public_access_block(&self, settings: PublicAccessBlock) -> PortResult<()> {
        self.enter("s3:PutAccountPublicAccessBlock")?;
        self.with_state(|s| s.account_public_access_block = Some(settings));
        Ok(())
    }
    async fn put_bucket_logging(
        &self,
        bucket: &str,
        owner: &str,
        target: &str,
        prefix: &str,
    ) -> PortResult<()> {
        let api = "s3:PutBucketLogging";
        // Like S3: the target bucket must exist (and, in S3, admit the logging service).
        if !self.with_state(|s| s.buckets.contains_key(target)) {
            self.enter(api)?;
            return Err(PortError::new(
                PortErrorKind::Invalid,
                api,
                Some("InvalidTargetBucketForLogging"),
                target,
            ));
        }
        self.bucket(api, bucket, owner, |b| {
            b.logging = Some((target.to_owned(), prefix.to_owned()));
            Ok(())
        })
    }
}
