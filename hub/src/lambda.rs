//! The Lambda entry: an SQS event of EventBridge events (answered with `batchItemFailures`) or one
//! EventBridge event delivered directly (an error makes Lambda retry it and, at last, dead-letter it).

use riposte_shared::event;
use riposte_shared::ports::{FindingsPort, NotifyPort, SpokesPort};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::engine::{Engine, Mode};
use crate::report::RunReport;
use crate::HubError;

/// Handle one invocation payload; no playbook starts too close to `deadline`.
pub async fn handle<S: SpokesPort, F: FindingsPort, N: NotifyPort>(
    engine: &Engine<S, F, N>,
    payload: Value,
    deadline: Option<Instant>,
) -> Result<Value, HubError> {
    run(engine, payload, deadline)
        .await
        .map(|(response, _)| response)
}

/// The invocation's deadline (Lambda gives milliseconds since the epoch) on the monotonic clock.
pub fn deadline_from_epoch_ms(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let left = u128::from(deadline_ms).saturating_sub(now_ms);
    Instant::now() + Duration::from_millis(u64::try_from(left).unwrap_or(u64::MAX / 2))
}

/// Handle one invocation payload; also return the run's report (the demo prints it).
pub async fn run<S: SpokesPort, F: FindingsPort, N: NotifyPort>(
    engine: &Engine<S, F, N>,
    payload: Value,
    deadline: Option<Instant>,
) -> Result<(Value, RunReport), HubError> {
    let is_sqs = payload.get("Records").is_some();
    let messages = event::decode_value(payload)?;
    let report = Box::pin(engine.run_until(messages, Mode::Remediate, deadline)).await;
    if is_sqs {
        let failures: Vec<Value> = report
            .failed_messages()
            .into_iter()
            .map(|id| json!({ "itemIdentifier": id }))
            .collect();
        return Ok((json!({ "batchItemFailures": failures }), report));
    }
    // A direct invocation has no partial failure: an error makes Lambda retry the event, then
    // dead-letter it. Only what a retry may fix counts.
    let reasons: Vec<String> = report
        .refused_messages
        .iter()
        .map(|m| m.reason.clone())
        .chain(
            report
                .to_retry()
                .map(|f| format!("{}: {}", f.finding_id, f.reason)),
        )
        .collect();
    if !reasons.is_empty() {
        return Err(HubError::Usage(format!(
            "run {} failed: {}",
            report.run,
            reasons.join("; ")
        )));
    }
    let response = json!({ "run": report.run, "findings": report.findings.len() });
    Ok((response, report))
}
