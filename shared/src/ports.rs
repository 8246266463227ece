//! The ports: one method per AWS operation a playbook uses, in domain types. The hub implements them
//! with the AWS SDK; tests implement them with in-memory fakes. Every future is `Send` so the engine
//! can run findings concurrently.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;

mod cloudtrail;
mod dynamodb;
mod ec2;
mod ecr;
mod iam;
mod kms;
mod lambda;
mod rds;
mod redshift_ssm;
mod s3;
mod secrets;
mod settle;
mod sns;
mod sqs;

pub use cloudtrail::*;
pub use dynamodb::*;
pub use ec2::*;
pub use ecr::*;
pub use iam::*;
pub use kms::*;
pub use lambda::*;
pub use rds::*;
pub use redshift_ssm::*;
pub use s3::*;
pub use secrets::*;
pub use settle::Settle;
pub use sns::*;
pub use sqs::*;

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

/// Everything a playbook may use in a member account.
pub trait MemberPorts:
    IamPort
    + S3Port
    + SecretsPort
    + Ec2Port
    + SqsPort
    + DynamoDbPort
    + KmsPort
    + CloudTrailPort
    + EcrPort
    + RdsPort
    + LambdaPort
    + RedshiftPort
    + SsmPort
    + SnsPort
{
}
impl<T> MemberPorts for T where
    T: IamPort
        + S3Port
        + SecretsPort
        + Ec2Port
        + SqsPort
        + DynamoDbPort
        + KmsPort
        + CloudTrailPort
        + EcrPort
        + RdsPort
        + LambdaPort
        + RedshiftPort
        + SsmPort
        + SnsPort
{
}

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
        messages: &[crate::notify::Notification],
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
    /// A batch starts: forget the per-batch lookups (linked secrets) the members hold.
    fn new_batch(&self) {}
}
