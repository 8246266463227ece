//! The audit trail of a run: per finding, the decision, every step with the API it used and the state
//! it replaced, so that a later `undo` can restore it after a false positive.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
        }
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
    Excluded {
        reason: String,
    },
    Failed {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaybookReport {
    pub steps: Vec<StepRecord>,
    pub outcome: PlaybookOutcome,
    /// Follow-ups for a human, also shown in the note and the notification.
    pub manual: Vec<String>,
}

impl PlaybookReport {
    /// Remediated when no step failed and verification passed; else failed with the first failure.
    pub fn conclude(steps: Vec<StepRecord>, verified: Result<(), String>) -> Self {
        let manual = steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::NeedsHuman)
            .map(|s| s.detail.clone())
            .collect();
        let failure = steps
            .iter()
            .find(|s| s.outcome == StepOutcome::Failed)
            .map(|s| s.detail.clone());
        let outcome = match (failure, verified) {
            (Some(reason), _) => PlaybookOutcome::Failed { reason },
            (None, Err(reason)) => PlaybookOutcome::Failed {
                reason: format!("verification failed: {reason}"),
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
