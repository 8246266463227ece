//! The Lambda entry: an SQS event of EventBridge events from the hub's findings queue, answered with
//! `batchItemFailures`. Any other payload — a direct invocation, another queue's records — is refused.

use riposte_shared::event;
use riposte_shared::ports::{FindingsPort, NotifyPort, SpokesPort};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::engine::{Engine, Mode};
use crate::report::RunReport;
use crate::HubError;

/// Handle one invocation payload; no playbook starts too close to `deadline`. Only SQS records from
/// the hub's findings queue are acted on ([`admit`]): anything else is refused, logged and counted
/// (EMF `Riposte/RefusedInvocations`, which the hub stack alarms on) and changes nothing.
pub async fn handle<S: SpokesPort, F: FindingsPort, N: NotifyPort>(
    engine: &Engine<S, F, N>,
    payload: Value,
    deadline: Option<Instant>,
) -> Result<Value, HubError> {
    if let Err(reason) = admit(&payload, engine.config.queue_arn.as_deref()) {
        refused(&reason, engine.emit_metrics);
        return Ok(json!({ "refused": reason }));
    }
    run(engine, payload, deadline)
        .await
        .map(|(response, _)| response)
}

/// Whether a payload is what the event source mapping of `queue_arn` delivers: an SQS event whose every
/// record came from that queue. A direct `lambda:Invoke` (any hub-account principal an identity policy
/// allows, and a data event CloudTrail does not log by default) could otherwise hand the hub a made-up
/// "Custom Action" event — approve, remediate, ignore, undo — past the queue's policy. A hub without a
/// configured queue admits nothing.
pub fn admit(payload: &Value, queue_arn: Option<&str>) -> Result<(), String> {
    let Some(queue_arn) = queue_arn else {
        return Err(
            "RIPOSTE_QUEUE_ARN is not set: the hub acts only on its findings queue's records"
                .into(),
        );
    };
    let records = payload
        .get("Records")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| "not an SQS event (a direct invocation)".to_owned())?;
    for record in records {
        let source = record.get("eventSource").and_then(Value::as_str);
        let arn = record.get("eventSourceARN").and_then(Value::as_str);
        if source != Some("aws:sqs") || arn != Some(queue_arn) {
            return Err(format!(
                "a record from {} is not from the findings queue {queue_arn}",
                arn.or(source).unwrap_or("an unknown source")
            ));
        }
    }
    Ok(())
}

/// Log the refusal (error level: someone invoked the function directly) and count it for the alarm.
fn refused(reason: &str, emit_metrics: bool) {
    tracing::error!(reason, "refused invocation");
    if emit_metrics {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let emf = json!({
            "_aws": { "Timestamp": u64::try_from(ms).unwrap_or_default(), "CloudWatchMetrics": [{
                "Namespace": "Riposte", "Dimensions": [[]],
                "Metrics": [{ "Name": "RefusedInvocations", "Unit": "Count" }] }] },
            "RefusedInvocations": 1,
        });
        println!("{emf}");
    }
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

/// Run the engine on a payload; also return the run's report (the demo prints it). The origin of the
/// payload is not checked here: [`handle`], the Lambda's entry, admits only the findings queue's records.
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

#[cfg(test)]
mod tests {
    use super::admit;
    use serde_json::json;

    const QUEUE: &str = "arn:aws:sqs:us-east-1:111111111111:riposte-hub-findings";

    fn record(arn: &str) -> serde_json::Value {
        json!({ "messageId": "m", "body": "{}", "eventSource": "aws:sqs", "eventSourceARN": arn })
    }

    #[test]
    fn only_the_findings_queue_records_are_admitted() {
        assert_eq!(
            admit(
                &json!({ "Records": [record(QUEUE), record(QUEUE)] }),
                Some(QUEUE)
            ),
            Ok(())
        );
        let direct =
            json!({ "detail-type": "Security Hub Findings - Custom Action", "detail": {} });
        assert!(admit(&direct, Some(QUEUE)).is_err_and(|r| r.contains("direct invocation")));
        let mixed = json!({ "Records": [record(QUEUE), record("arn:aws:sqs:us-east-1:111111111111:other")] });
        assert!(admit(&mixed, Some(QUEUE)).is_err_and(|r| r.contains(":other")));
        let unsourced = json!({ "Records": [{ "messageId": "m", "body": "{}" }] });
        assert!(admit(&unsourced, Some(QUEUE)).is_err());
        assert!(admit(&json!({ "Records": [] }), Some(QUEUE)).is_err());
        let sns = json!({ "Records": [{ "EventSource": "aws:sns", "eventSourceARN": QUEUE }] });
        assert!(admit(&sns, Some(QUEUE)).is_err());
    }

    #[test]
    fn a_hub_without_its_queue_admits_nothing() {
        let refused = admit(&json!({ "Records": [record(QUEUE)] }), None);
        assert!(refused.is_err_and(|r| r.contains("RIPOSTE_QUEUE_ARN")));
    }
}
