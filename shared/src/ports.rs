//! The ports: one method per AWS operation a playbook uses, in domain types. The hub implements them
//! with the AWS SDK; tests implement them with in-memory fakes. Every future is `Send` so the engine
//! can run findings concurrently.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;

/// Why a call failed, as far as a playbook cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PortErrorKind {
    /// AccessDenied and its kin: final (a person must grant or deploy something).
    Denied,
    /// NoSuchEntity, NoSuchBucket, …: final.
    NotFound,
    /// Throttling: retried.
    Throttled,
    /// 5xx, timeouts, connection failures, expired credentials: retried.
    Transient,
    /// LimitExceeded and quotas: final.
    Limit,
    /// A request the service refuses as malformed (MalformedPolicy, InvalidArgument, …): final.
    Invalid,
    /// Anything else: final, so that an unknown error never loops a finding into the DLQ.
    Other,
}

impl PortErrorKind {
    /// Whether a redelivery may succeed where this call failed.
    pub fn retryable(self) -> bool {
        matches!(self, Self::Throttled | Self::Transient)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortError {
    pub kind: PortErrorKind,
    /// The IAM action of the failed call, e.g. `iam:UpdateAccessKey`.
    pub api: String,
    /// The service's error code (`AccessDenied`, `NoSuchBucketPolicy`, …) when known.
    pub code: Option<String>,
    pub message: String,
}

impl PortError {
    pub fn new(
        kind: PortErrorKind,
        api: &str,
        code: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            api: api.to_owned(),
            code: code.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} failed ({code}): {}", self.api, self.message),
            None => write!(f, "{} failed: {}", self.api, self.message),
        }
    }
}

pub type PortResult<T> = Result<T, PortError>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub active: bool,
    /// Unix seconds of the key's creation.
    #[serde(default)]
    pub created: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedSecret {
    pub arn: String,
    pub name: String,
    pub rotation_enabled: bool,
    /// Unix seconds of the last completed rotation.
    pub last_rotated: Option<i64>,
    /// The secret's own rotation function, which RotateSecret invokes with the caller's permissions.
    #[serde(default)]
    pub rotation_lambda_arn: Option<String>,
}

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

pub trait IamPort: Send + Sync {
    fn list_access_keys(
        &self,
        user: &str,
    ) -> impl Future<Output = PortResult<Vec<AccessKey>>> + Send;
    /// Unix seconds of the key's last use (`None`: never used, or not tracked yet).
    fn access_key_last_used(
        &self,
        key_id: &str,
    ) -> impl Future<Output = PortResult<Option<i64>>> + Send;
    fn deactivate_access_key(
        &self,
        user: &str,
        key_id: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// Attach a managed policy (Riposte only ever attaches `AWSDenyAll`).
    fn attach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    /// ARNs of the managed policies attached to the user.
    fn list_attached_user_policies(
        &self,
        user: &str,
    ) -> impl Future<Output = PortResult<Vec<String>>> + Send;
    fn list_user_tags(
        &self,
        user: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
    fn list_role_tags(
        &self,
        role: &str,
    ) -> impl Future<Output = PortResult<BTreeMap<String, String>>> + Send;
    fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> impl Future<Output = PortResult<()>> + Send;
    fn get_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = PortResult<Option<String>>> + Send;
}

pub trait SecretsPort: Send + Sync {
    /// Secrets in `region` carrying the tag `tag_key` = `user`.
    fn list_linked_secrets(
        &self,
        tag_key: &str,
        user: &str,
        region: &crate::ids::Region,
    ) -> impl Future<Output = PortResult<Vec<LinkedSecret>>> + Send;
    /// Rotate the secret, in the region its ARN names.
    fn rotate_secret(&self, arn: &str) -> impl Future<Output = PortResult<()>> + Send;
}

/// S3 bucket operations. Every call carries the expected bucket owner.
pub trait S3Port: Send + Sync {
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
}

/// A security group as DescribeSecurityGroups tells it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One security group rule (DescribeSecurityGroupRules: one source per rule).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroupRule {
    pub id: String,
    pub egress: bool,
    /// `tcp`, `udp`, `icmp`, … or `-1` (all traffic).
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidr_ipv4: Option<String>,
    pub cidr_ipv6: Option<String>,
    pub referenced_group: Option<String>,
    pub prefix_list: Option<String>,
    pub description: Option<String>,
}

impl SecurityGroupRule {
    /// Open to the whole internet (`0.0.0.0/0` or `::/0`).
    pub fn world_open(&self) -> bool {
        self.cidr_ipv4.as_deref() == Some("0.0.0.0/0") || self.cidr_ipv6.as_deref() == Some("::/0")
    }
}

/// EC2 security groups in the member account's region.
pub trait Ec2Port: Send + Sync {
    /// `None` when the group does not exist.
    fn describe_security_group(
        &self,
        group_id: &str,
    ) -> impl Future<Output = PortResult<Option<SecurityGroup>>> + Send;
    fn security_group_rules(
        &self,
        group_id: &str,
    ) -> impl Future<Output = PortResult<Vec<SecurityGroupRule>>> + Send;
    fn revoke_ingress(
        &self,
        group_id: &str,
        rule_ids: &[String],
    ) -> impl Future<Output = PortResult<()>> + Send;
    fn revoke_egress(
        &self,
        group_id: &str,
        rule_ids: &[String],
    ) -> impl Future<Output = PortResult<()>> + Send;
}

/// Everything a playbook may use in a member account.
pub trait MemberPorts: IamPort + S3Port + SecretsPort + Ec2Port {}
impl<T: IamPort + S3Port + SecretsPort + Ec2Port> MemberPorts for T {}

/// A finding Security Hub did not update, with its error code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unprocessed {
    pub finding: crate::ids::FindingRef,
    pub code: String,
    pub message: String,
}

/// Security Hub in the aggregation region: its own copies of findings (GetFindings) and the write-back
/// (BatchUpdateFindings).
pub trait FindingsPort: Send + Sync {
    /// Security Hub's own copies of these findings, matched by Id and ProductArn; findings it does
    /// not hold are left out. A message names findings; only these copies are acted on.
    fn get_findings(
        &self,
        findings: &[crate::ids::FindingRef],
    ) -> impl Future<Output = PortResult<Vec<crate::asff::Finding>>> + Send;

    /// Apply one payload to at most 100 findings; returns the findings left unprocessed.
    fn update_findings(
        &self,
        findings: &[crate::ids::FindingRef],
        payload: &crate::writeback::WriteBack,
    ) -> impl Future<Output = PortResult<Vec<Unprocessed>>> + Send;
}

/// Telling the team (SNS).
pub trait NotifyPort: Send + Sync {
    fn notify(
        &self,
        notices: &[crate::notify::Notice],
    ) -> impl Future<Output = PortResult<()>> + Send;
}

/// Reaching a member account: a session for the account (assumed spoke role), ports for the region.
pub trait SpokesPort: Send + Sync {
    type Member: MemberPorts + 'static;
    fn member(
        &self,
        account: &crate::ids::AccountId,
        region: &crate::ids::Region,
    ) -> impl Future<Output = PortResult<std::sync::Arc<Self::Member>>> + Send;
    /// The role session name (also the SourceIdentity) member-account calls are made under, when the
    /// implementation knows it: the audit record carries it to join with member CloudTrail.
    fn session_name(&self) -> Option<String> {
        None
    }
}
