//! The audit trail of a run: per finding, the decision, every step with the API it used and the state
//! it replaced, so that a later `undo` can restore it after a false positive.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ports::{PortError, PortErrorKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    /// The step changed something.
    Done,
    /// Nothing to change: the resource was already in the wanted state.
    AlreadyDone,
    /// A human must act (e.g. a secret without rotation configured).
    NeedsHuman,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: String,
    /// IAM action of the step's mutating (or verifying) call.
    pub api: Option<String>,
    pub target: String,
    pub outcome: StepOutcome,
    pub detail: String,
    /// What the step replaced, for undo (keys that were active, the previous policy, BPA, ACL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior: Option<Value>,
    /// The kind of the error a failed step met (it decides whether a redelivery may help).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<PortErrorKind>,
}

impl StepRecord {
    pub fn new(
        step: &str,
        api: Option<&str>,
        target: &str,
        outcome: StepOutcome,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            step: step.to_owned(),
            api: api.map(str::to_owned),
            target: target.to_owned(),
            outcome,
            detail: detail.into(),
            prior: None,
            error: None,
        }
    }
    /// A step that failed on this port error.
    pub fn failed(step: &str, api: &str, target: &str, error: PortError) -> Self {
        let mut record = Self::new(
            step,
            Some(api),
            target,
            StepOutcome::Failed,
            error.to_string(),
        );
        record.error = Some(error.kind);
        record
    }
    pub fn with_prior(mut self, prior: Value) -> Self {
        self.prior = Some(prior);
        self
    }
}

/// What a playbook run came to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum PlaybookOutcome {
    /// Fixed and verified by reading back.
    Remediated,
    /// The live resource carries the exclusion tag.
    Excluded { reason: String },
    Failed {
        reason: String,
        /// Every failure met was transient (throttling, 5xx, expired credentials): a redelivery may
        /// succeed. Otherwise the failure is final.
        retryable: bool,
    },
}

/// Why a verification did not pass, and whether trying again may help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    pub retryable: bool,
}

impl From<String> for Failure {
    fn from(reason: String) -> Self {
        Self {
            reason,
            retryable: false,
        }
    }
}

impl From<&str> for Failure {
    fn from(reason: &str) -> Self {
        reason.to_owned().into()
    }
}

impl From<PortError> for Failure {
    fn from(error: PortError) -> Self {
        Self {
            retryable: error.kind.retryable(),
            reason: error.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaybookReport {
    pub steps: Vec<StepRecord>,
    pub outcome: PlaybookOutcome,
    /// Follow-ups for a human, also shown in the note and the notification.
    pub manual: Vec<String>,
}

impl PlaybookReport {
    /// Remediated when no step failed and verification passed; else failed with the first failure,
    /// retryable only when every failure met was transient.
    pub fn conclude(steps: Vec<StepRecord>, verified: Result<(), Failure>) -> Self {
        let manual = steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::NeedsHuman)
            .map(|s| s.detail.clone())
            .collect();
        let failures: Vec<&StepRecord> = steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::Failed)
            .collect();
        let outcome = match (failures.first(), verified) {
            (Some(first), _) => PlaybookOutcome::Failed {
                reason: first.detail.clone(),
                retryable: failures
                    .iter()
                    .all(|s| s.error.is_some_and(PortErrorKind::retryable)),
            },
            (None, Err(failure)) => PlaybookOutcome::Failed {
                reason: format!("verification failed: {}", failure.reason),
                retryable: failure.retryable,
            },
            (None, Ok(())) => PlaybookOutcome::Remediated,
        };
        Self {
            steps,
            outcome,
            manual,
        }
    }
}
