//! The end-to-end run's records: the audit record with the prior state of what changed, and the team's
//! notifications.

use riposte_tests::{audit_bucket, Emulator, Scenario};
use serde_json::Value;

/// One audit record for the run, with the prior state of what changed (for a later undo), and the spoke
/// session its calls were made under (to join with member CloudTrail); archived with the hub account as
/// the expected owner.
pub async fn the_audit_record_keeps_the_prior_state(
    audit: &aws_sdk_s3::Client,
    scenario: &Scenario,
    calls: &[Value],
    hub_account: &str,
) {
    let listed = audit
        .list_objects_v2()
        .bucket(audit_bucket(scenario))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let object = audit
        .get_object()
        .bucket(audit_bucket(scenario))
        .key(&keys[0])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let bytes = object
        .body
        .collect()
        .await
        .map(|b| b.into_bytes())
        .unwrap_or_default();
    let record: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let user = record["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["resource"] == "user/ci-deployer"))
        .cloned()
        .unwrap_or_default();
    let priors: Vec<&Value> = user["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("prior"))
        .collect();
    assert_eq!(
        priors.iter().filter(|p| p["status"] == "Active").count(),
        2,
        "{user}"
    );
    // The spoke session its calls were made under, to join with member CloudTrail.
    assert!(
        user["spoke_session"]
            .as_str()
            .is_some_and(|s| s.starts_with("riposte-")),
        "{user}"
    );
    assert!(calls
        .iter()
        .any(|c| c["operation"] == "PutObject" && c["expected_bucket_owner"] == hub_account));
}

/// The team was told: one notification per handled finding, as Chatbot documents.
pub async fn the_team_is_told_once_per_handled_finding(
    emulator: &Emulator,
    scenario: &Scenario,
    sandbox_id: &str,
) {
    let documents: Vec<Value> = riposte_tests::notifications(emulator, scenario).await;
    assert_eq!(
        documents.len(),
        10,
        "remediated x8, excluded, failed; nothing for the forged message"
    );
    let rotate = documents
        .iter()
        .find(|d| d["metadata"]["threadId"] == scenario.finding_id("old-keys").as_str())
        .map(|d| d["content"]["nextSteps"].to_string())
        .unwrap_or_default();
    assert!(
        rotate.contains("must rotate") && rotate.contains("never used"),
        "{rotate}"
    );
    let about_sandbox = documents
        .iter()
        .filter(|d| d["metadata"]["threadId"] == sandbox_id)
        .count();
    assert_eq!(about_sandbox, 1, "one notice for the missing spoke role");
    assert!(documents.iter().all(|d| d["version"] == "1.0"
        && d["source"] == "custom"
        && d["metadata"]["threadId"].is_string()));
}
