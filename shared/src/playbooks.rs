//! The playbooks, one file each. Each declares its catalogue entry (`SPEC`), extracts its target from a
//! finding and runs its steps against the ports, then verifies by reading back. Every step is
//! idempotent: a second run converges and reports `already-done`.

pub mod credential_compromise;
pub mod public_bucket;

use serde_json::Value;
use time::OffsetDateTime;

use crate::audit::{StepOutcome, StepRecord};
use crate::ids::{AccountId, Region};

/// What a playbook knows about the run besides its target.
#[derive(Clone, Debug)]
pub struct RunContext {
    pub account: AccountId,
    pub region: Region,
    /// The time the hub treats as "now" (the engine's clock; tests pass a fixed one).
    pub now: OffsetDateTime,
    /// When the finding last saw the activity; a session revocation at or after it already contains it.
    pub observed_at: Option<OffsetDateTime>,
    /// Tag key linking Secrets Manager secrets to an IAM user (value = user name).
    pub linked_secret_tag: String,
    /// The exclusion tag honoured on the live resource, when the policy honours it for this finding.
    pub exclusion_tag: Option<(String, String)>,
}

/// Parse an IAM policy document; IAM returns them URL-decoded by the adapter.
pub(crate) fn parse_document(document: &str) -> Option<Value> {
    serde_json::from_str(document).ok()
}

/// The statements of a policy document, whether `Statement` is one object or a list.
pub(crate) fn statements(document: &Value) -> Vec<Value> {
    match document.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

pub(crate) fn failed(
    step: &str,
    api: &str,
    target: &str,
    error: impl std::fmt::Display,
) -> StepRecord {
    StepRecord::new(
        step,
        Some(api),
        target,
        StepOutcome::Failed,
        error.to_string(),
    )
}
