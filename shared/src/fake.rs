//! An in-memory member account implementing the ports, for tests of playbooks and the engine (feature
//! `fake`). It keeps real state, enforces the expected bucket owner like S3, records every call, and
//! can be told to fail a given API.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::ports::*;

#[derive(Clone, Debug, Default)]
pub struct FakeUser {
    pub keys: Vec<AccessKey>,
    pub attached: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// Key id → unix seconds of its last use.
    pub last_used: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Default)]
pub struct FakeRole {
    pub policies: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub struct FakeSecret {
    pub secret: LinkedSecret,
    pub tags: BTreeMap<String, String>,
    pub rotations: u32,
}

#[derive(Clone, Debug)]
pub struct FakeBucket {
    pub owner: String,
    pub tags: BTreeMap<String, String>,
    pub public_access_block: Option<PublicAccessBlock>,
    pub acl: BucketAcl,
    pub acls_disabled: bool,
    pub policy: Option<String>,
    /// What GetBucketPolicyStatus answers instead of S3's rules (to test a disagreement with them).
    pub policy_status_override: Option<bool>,
    /// Store a policy that no longer parses on PutBucketPolicy (to test verification).
    pub garble_policy_on_put: bool,
}

impl FakeBucket {
    pub fn public(owner: &str, policy: Option<&str>) -> Self {
        Self {
            owner: owner.to_owned(),
            tags: BTreeMap::new(),
            public_access_block: None,
            acl: BucketAcl {
                owner_id: Some("owner-canonical-id".into()),
                grants: vec![
                    AclGrant {
                        grantee_type: "CanonicalUser".into(),
                        grantee: "owner-canonical-id".into(),
                        permission: "FULL_CONTROL".into(),
                    },
                    AclGrant {
                        grantee_type: "Group".into(),
                        grantee: "http://acs.amazonaws.com/groups/global/AllUsers".into(),
                        permission: "READ".into(),
                    },
                ],
            },
            acls_disabled: false,
            policy: policy.map(str::to_owned),
            policy_status_override: None,
            garble_policy_on_put: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct FakeState {
    pub users: BTreeMap<String, FakeUser>,
    pub roles: BTreeMap<String, FakeRole>,
    pub secrets: Vec<FakeSecret>,
    pub buckets: BTreeMap<String, FakeBucket>,
    pub security_groups: BTreeMap<String, (SecurityGroup, Vec<SecurityGroupRule>)>,
}

/// An injected failure: error kind, error code, remaining failures (`None`: always).
type Failure = (PortErrorKind, String, Option<u32>);

#[derive(Debug, Default)]
pub struct FakeAccount {
    pub state: Mutex<FakeState>,
    calls: Mutex<Vec<String>>,
    /// api → (error kind, error code, remaining failures; None = always)
    failures: Mutex<BTreeMap<String, Failure>>,
}

impl FakeAccount {
    pub fn new(state: FakeState) -> Self {
        Self {
            state: Mutex::new(state),
            ..Self::default()
        }
    }

    /// Make `api` (an IAM action such as `iam:UpdateAccessKey`) fail `times` times (`None`: always).
    pub fn fail(&self, api: &str, kind: PortErrorKind, code: &str, times: Option<u32>) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.insert(api.to_owned(), (kind, code.to_owned(), times));
        }
    }

    /// Every call so far, as IAM action names, in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn with_state<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    fn enter(&self, api: &str) -> PortResult<()> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(api.to_owned());
        }
        let Ok(mut failures) = self.failures.lock() else {
            return Ok(());
        };
        let Some((kind, code, remaining)) = failures.get_mut(api) else {
            return Ok(());
        };
        let error = PortError::new(*kind, api, Some(code), format!("injected {code}"));
        match remaining {
            None => Err(error),
            Some(0) => Ok(()),
            Some(n) => {
                *n -= 1;
                Err(error)
            }
        }
    }

    fn bucket<T>(
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

    fn user<T>(
        &self,
        api: &str,
        user: &str,
        f: impl FnOnce(&mut FakeUser) -> PortResult<T>,
    ) -> PortResult<T> {
        self.enter(api)?;
        self.with_state(|s| match s.users.get_mut(user) {
            None => Err(PortError::new(
                PortErrorKind::NotFound,
                api,
                Some("NoSuchEntity"),
                user,
            )),
            Some(u) => f(u),
        })
    }

    fn role<T>(
        &self,
        api: &str,
        role: &str,
        f: impl FnOnce(&mut FakeRole) -> PortResult<T>,
    ) -> PortResult<T> {
        self.enter(api)?;
        self.with_state(|s| match s.roles.get_mut(role) {
            None => Err(PortError::new(
                PortErrorKind::NotFound,
                api,
                Some("NoSuchEntity"),
                role,
            )),
            Some(r) => f(r),
        })
    }
}

impl IamPort for FakeAccount {
    async fn list_access_keys(&self, user: &str) -> PortResult<Vec<AccessKey>> {
        self.user("iam:ListAccessKeys", user, |u| Ok(u.keys.clone()))
    }
    async fn access_key_last_used(&self, key_id: &str) -> PortResult<Option<i64>> {
        self.enter("iam:GetAccessKeyLastUsed")?;
        Ok(self.with_state(|s| {
            s.users
                .values()
                .find_map(|u| u.last_used.get(key_id).copied())
        }))
    }
    async fn deactivate_access_key(&self, user: &str, key_id: &str) -> PortResult<()> {
        self.user("iam:UpdateAccessKey", user, |u| {
            u.keys
                .iter_mut()
                .filter(|k| k.id == key_id)
                .for_each(|k| k.active = false);
            Ok(())
        })
    }
    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> PortResult<()> {
        self.user("iam:AttachUserPolicy", user, |u| {
            if !u.attached.iter().any(|p| p == policy_arn) {
                u.attached.push(policy_arn.to_owned());
            }
            Ok(())
        })
    }
    async fn list_attached_user_policies(&self, user: &str) -> PortResult<Vec<String>> {
        self.user("iam:ListAttachedUserPolicies", user, |u| {
            Ok(u.attached.clone())
        })
    }
    async fn list_user_tags(&self, user: &str) -> PortResult<BTreeMap<String, String>> {
        self.user("iam:ListUserTags", user, |u| Ok(u.tags.clone()))
    }
    async fn list_role_tags(&self, role: &str) -> PortResult<BTreeMap<String, String>> {
        self.role("iam:ListRoleTags", role, |r| Ok(r.tags.clone()))
    }
    async fn put_role_policy(&self, role: &str, name: &str, document: &str) -> PortResult<()> {
        self.role("iam:PutRolePolicy", role, |r| {
            r.policies.insert(name.to_owned(), document.to_owned());
            Ok(())
        })
    }
    async fn get_role_policy(&self, role: &str, name: &str) -> PortResult<Option<String>> {
        self.role("iam:GetRolePolicy", role, |r| {
            Ok(r.policies.get(name).cloned())
        })
    }
}

impl SecretsPort for FakeAccount {
    async fn list_linked_secrets(
        &self,
        tag_key: &str,
        user: &str,
        region: &crate::ids::Region,
    ) -> PortResult<Vec<LinkedSecret>> {
        self.enter("secretsmanager:ListSecrets")?;
        Ok(self.with_state(|s| {
            s.secrets
                .iter()
                .filter(|x| x.secret.arn.split(':').nth(3) == Some(region.as_str()))
                .filter(|x| x.tags.get(tag_key).map(String::as_str) == Some(user))
                .map(|x| x.secret.clone())
                .collect()
        }))
    }
    async fn rotate_secret(&self, arn: &str) -> PortResult<()> {
        self.enter("secretsmanager:RotateSecret")?;
        self.with_state(
            |s| match s.secrets.iter_mut().find(|x| x.secret.arn == arn) {
                Some(x) if x.secret.rotation_enabled => {
                    x.rotations += 1;
                    // Like Secrets Manager: the rotation's time shows in the secret's metadata.
                    x.secret.last_rotated = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .ok()
                        .and_then(|d| i64::try_from(d.as_secs()).ok());
                    Ok(())
                }
                Some(_) => Err(PortError::new(
                    PortErrorKind::Other,
                    "secretsmanager:RotateSecret",
                    Some("InvalidRequestException"),
                    "no rotation configured",
                )),
                None => Err(PortError::new(
                    PortErrorKind::NotFound,
                    "secretsmanager:RotateSecret",
                    Some("ResourceNotFoundException"),
                    arn,
                )),
            },
        )
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
}

impl Ec2Port for FakeAccount {
    async fn describe_security_group(&self, group_id: &str) -> PortResult<Option<SecurityGroup>> {
        self.enter("ec2:DescribeSecurityGroups")?;
        Ok(self.with_state(|s| s.security_groups.get(group_id).map(|(g, _)| g.clone())))
    }
    async fn security_group_rules(&self, group_id: &str) -> PortResult<Vec<SecurityGroupRule>> {
        self.enter("ec2:DescribeSecurityGroupRules")?;
        Ok(self.with_state(|s| {
            s.security_groups
                .get(group_id)
                .map(|(_, rules)| rules.clone())
                .unwrap_or_default()
        }))
    }
    async fn revoke_ingress(&self, group_id: &str, rule_ids: &[String]) -> PortResult<()> {
        self.revoke("ec2:RevokeSecurityGroupIngress", group_id, rule_ids, false)
    }
    async fn revoke_egress(&self, group_id: &str, rule_ids: &[String]) -> PortResult<()> {
        self.revoke("ec2:RevokeSecurityGroupEgress", group_id, rule_ids, true)
    }
}

impl FakeAccount {
    /// Like EC2: every rule id must exist in the group and go the given direction.
    fn revoke(
        &self,
        api: &str,
        group_id: &str,
        rule_ids: &[String],
        egress: bool,
    ) -> PortResult<()> {
        self.enter(api)?;
        self.with_state(|s| {
            let Some((_, rules)) = s.security_groups.get_mut(group_id) else {
                return Err(PortError::new(
                    PortErrorKind::NotFound,
                    api,
                    Some("InvalidGroup.NotFound"),
                    group_id,
                ));
            };
            let known = |id: &String| rules.iter().any(|r| &r.id == id && r.egress == egress);
            if let Some(missing) = rule_ids.iter().find(|id| !known(id)) {
                return Err(PortError::new(
                    PortErrorKind::NotFound,
                    api,
                    Some("InvalidSecurityGroupRuleId.NotFound"),
                    missing.clone(),
                ));
            }
            rules.retain(|r| !rule_ids.contains(&r.id));
            Ok(())
        })
    }
}
