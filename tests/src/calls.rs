//! The emulator's call log read as IAM actions and member calls, the SQS event the hub's queue delivers,
//! and this process's CPU and memory.

use serde_json::Value;

/// The IAM action a recorded member-account call needs (S3's and S3 Control's API and action names differ
/// for BPA).
pub fn iam_action(call: &Value) -> String {
    let service = call["service"].as_str().unwrap_or_default();
    let operation = call["operation"].as_str().unwrap_or_default();
    let (service, operation) = match (service, operation) {
        ("s3", "GetPublicAccessBlock") => ("s3", "GetBucketPublicAccessBlock"),
        ("s3", "PutPublicAccessBlock") => ("s3", "PutBucketPublicAccessBlock"),
        // S3 Control is authorized by `s3:` actions named after the account.
        ("s3control", "GetPublicAccessBlock") => ("s3", "GetAccountPublicAccessBlock"),
        ("s3control", "PutPublicAccessBlock") => ("s3", "PutAccountPublicAccessBlock"),
        other => other,
    };
    format!("{service}:{operation}")
}

/// The calls made in member accounts under a spoke session (temporary `ASIA` keys), STS aside.
pub fn member_calls<'a>(calls: &'a [Value], hub_account: &str) -> Vec<&'a Value> {
    calls
        .iter()
        .filter(|c| {
            c["account_id"] != hub_account
                && c["access_key_id"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("ASIA"))
                && c["service"] != "sts"
        })
        .collect()
}

/// The findings queue the tests' hub is wired to (`RIPOSTE_QUEUE_ARN`): the Lambda entry acts only on
/// records from it, as the deployed hub does with its stack's queue.
pub const FINDINGS_QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:000000000000:riposte-findings";

/// An SQS event carrying one EventBridge event per record, as the hub's queue delivers them.
pub fn sqs_event(events: &[Value]) -> Value {
    let records: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(i, e)| serde_json::json!({ "messageId": format!("msg-{i}"), "body": e.to_string(), "eventSource": "aws:sqs",
            "eventSourceARN": FINDINGS_QUEUE_ARN, "attributes": {"ApproximateReceiveCount": "1"} }))
        .collect();
    serde_json::json!({ "Records": records })
}

/// (CPU seconds of this process, peak resident memory in MiB), from /proc: the CPU time is the sum of
/// every live thread's time on CPU (`schedstat`, nanoseconds), not the 10 ms ticks of `stat`.
pub fn process_usage() -> (f64, f64) {
    let cpu_ns: u64 = std::fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|t| t.ok())
                .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
                .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    (cpu_ns as f64 / 1e9, peak_kib / 1024.0)
}

/// Calls by "service:Operation", for the failure message and the printed table.
pub fn tally<'a>(
    calls: impl IntoIterator<Item = &'a Value>,
) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for c in calls {
        let key = format!(
            "{}:{}",
            c["service"].as_str().unwrap_or("?"),
            c["operation"].as_str().unwrap_or("?")
        );
        *out.entry(key).or_default() += 1;
    }
    out
}
