//! The domain's one error enum. Refusals (skip, exclude, no playbook) are values, not errors.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    #[error("`{value}` is not an AWS account id (12 digits expected)")]
    InvalidAccountId { value: String },
    #[error("`{value}` is not an AWS region name")]
    InvalidRegion { value: String },
    #[error("input is not JSON: {reason}")]
    NotJson { reason: String },
    #[error("input is not a finding, an EventBridge event, an SQS event or a GetFindings response: {reason}")]
    UnknownInput { reason: String },
    #[error("invalid configuration `{name}`: {reason}")]
    Config { name: String, reason: String },
}
