//! The failure modes of docs/failure-modes.md that the emulator can produce, one phase each, on one
//! emulator with the `batch` scenario (compromised users and public buckets in workload-a): the fault
//! switch (`/_riposte/faults`, tests/emulator/README.md) fails the named operation with AWS's error
//! shape, the hub runs through its Lambda handler, and every assertion reads Security Hub's copy, the
//! member account or the call log back. Each phase uses its own user or bucket.

use riposte_tests::{
    audit_bucket, create_audit_bucket, member_calls, notifications, Emulator, MemberView, Scenario,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

struct World {
    emulator: Emulator,
    scenario: Scenario,
    events: BTreeMap<String, Value>,
    account: String,
    hub: String,
}

impl World {
    fn user(&self, i: usize) -> String {
        format!("batch-user-{i:04}")
    }
    fn bucket(&self, i: usize) -> String {
        format!("riposte-batch-{i:04}-{}", self.account)
    }
    fn user_event(&self, i: usize) -> Value {
        self.event(&format!("user:{}", self.user(i)))
    }
    fn bucket_event(&self, i: usize) -> Value {
        self.event(&format!("bucket:{}", self.bucket(i)))
    }
    fn event(&self, key: &str) -> Value {
        self.events[&self.scenario.finding_id(key)].clone()
    }
    fn engine(&self) -> riposte_hub::cli::HubEngine {
        let sdk = self.emulator.sdk(self.scenario.hub_credentials());
        let mut config = self.scenario.hub_config();
        config.audit_bucket = Some((audit_bucket(&self.scenario), self.hub.clone()));
        riposte_hub::cli::engine_from(&sdk, config, false)
    }

    /// `receive` is the delivery's ApproximateReceiveCount; the ids of the messages to be redelivered.
    async fn deliver(
        &self,
        engine: &riposte_hub::cli::HubEngine,
        events: &[Value],
        receive: u32,
    ) -> Vec<String> {
        let records: Vec<Value> = events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                json!({"messageId": format!("msg-{i}"), "body": e.to_string(),
                "eventSource": "aws:sqs", "eventSourceARN": riposte_tests::FINDINGS_QUEUE_ARN,
                "attributes": {"ApproximateReceiveCount": receive.to_string()}})
            })
            .collect();
        let response = riposte_hub::lambda::handle(engine, json!({ "Records": records }), None)
            .await
            .unwrap_or_else(|e| panic!("handler: {e}"));
        response["batchItemFailures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
            .collect()
    }

    /// Security Hub's copy: (workflow status, riposte:status, note text, record state).
    async fn held(&self, event: &Value) -> (String, String, String, String) {
        let id = event["detail"]["findings"][0]["Id"]
            .as_str()
            .unwrap_or_default();
        let hub =
            aws_sdk_securityhub::Client::new(&self.emulator.sdk(self.scenario.hub_credentials()));
        let filter = aws_sdk_securityhub::types::StringFilter::builder()
            .value(id)
            .comparison(aws_sdk_securityhub::types::StringFilterComparison::Equals)
            .build();
        let page = hub
            .get_findings()
            .filters(
                aws_sdk_securityhub::types::AwsSecurityFindingFilters::builder()
                    .id(filter)
                    .build(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let f = page
            .findings()
            .first()
            .unwrap_or_else(|| panic!("{id} not held"));
        (
            f.workflow()
                .and_then(|w| w.status())
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            f.user_defined_fields()
                .and_then(|u| u.get("riposte:status"))
                .cloned()
                .unwrap_or_default(),
            f.note()
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_owned(),
            f.record_state()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        )
    }

    fn faulted(&self, operation: &str) -> usize {
        self.emulator
            .calls()
            .iter()
            .filter(|c| c["operation"] == operation && c["fault"].is_string())
            .count()
    }

    /// Re-import the finding as Security Hub would after its resource went away: ARCHIVED.
    async fn archive(&self, event: &Value) {
        let mut finding = event["detail"]["findings"][0].clone();
        finding["RecordState"] = "ARCHIVED".into();
        finding["UpdatedAt"] = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
            .into();
        for key in ["Workflow", "WorkflowState", "Note", "UserDefinedFields"] {
            if let Some(object) = finding.as_object_mut() {
                object.remove(key);
            }
        }
        let body = json!({ "Findings": [finding] }).to_string();
        let hub =
            aws_sdk_securityhub::Client::new(&self.emulator.sdk(self.scenario.hub_credentials()));
        // The SDK's typed findings are not built from JSON: send the ASFF document as the body.
        let out = hub
            .batch_import_findings()
            .set_findings(Some(Vec::new()))
            .customize()
            .mutate_request(move |request| {
                let length = body.len().to_string();
                *request.body_mut() = aws_smithy_types::body::SdkBody::from(body.clone());
                request.headers_mut().insert("content-length", length);
            })
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(out.failed_count(), Some(0), "{out:?}");
    }
}

async fn world() -> World {
    let emulator = Emulator::start();
    let scenario = emulator.scenario_with(&["--set", "batch", "--count", "12"]);
    create_audit_bucket(&emulator, &scenario).await;
    let events = emulator
        .events()
        .into_iter()
        .filter_map(|e| Some((e["detail"]["findings"][0]["Id"].as_str()?.to_owned(), e)))
        .collect();
    let account = scenario.str("/incidents/users/account_id");
    let hub = scenario.str("/hub_account");
    World {
        emulator,
        scenario,
        events,
        account,
        hub,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_ends_in_a_state_an_operator_can_see() {
    let w = world().await;
    let view = MemberView::new(&w.emulator, &w.scenario, &w.account).await;
    let container = w.engine();

    // Phase 1. Throttling bursts (IAM Throttling, S3 SlowDown 503): absorbed by the SDK's retries.
    w.emulator.fault(
        json!({"service": "iam", "operation": "UpdateAccessKey", "code": "Throttling", "count": 2}),
    );
    w.emulator.fault(json!({"service": "s3", "operation": "PutPublicAccessBlock", "code": "SlowDown", "status": 503, "count": 2}));
    let retried = w
        .deliver(&container, &[w.user_event(2), w.bucket_event(2)], 1)
        .await;
    assert!(retried.is_empty(), "{retried:?}");
    assert_eq!(
        (
            w.faulted("UpdateAccessKey"),
            w.faulted("PutPublicAccessBlock")
        ),
        (2, 2)
    );
    assert_eq!(w.held(&w.user_event(2)).await.1, "remediated");
    assert_eq!(w.held(&w.bucket_event(2)).await.1, "remediated");
    assert!(view
        .keys(&w.user(2))
        .await
        .iter()
        .all(|(_, active)| !active));
    w.emulator.clear_faults();

    // Phase 2. A burst longer than the retries: the message is redelivered, silently; the next delivery fixes it.
    w.emulator.fault(json!({"service": "iam", "operation": "UpdateAccessKey", "code": "Throttling", "count": -1}));
    let retried = w.deliver(&container, &[w.user_event(3)], 1).await;
    assert_eq!(retried, vec!["msg-0".to_string()]);
    assert_ne!(w.held(&w.user_event(3)).await.1, "remediated");
    w.emulator.clear_faults();
    assert!(w
        .deliver(&container, &[w.user_event(3)], 2)
        .await
        .is_empty());
    assert_eq!(w.held(&w.user_event(3)).await.1, "remediated");

    // Phase 3. AccessDenied on one step: final, written back naming the step; the other steps still ran.
    w.emulator.fault(json!({"service": "s3", "operation": "DeleteBucketPolicy", "code": "AccessDenied", "status": 403, "count": -1}));
    assert!(w
        .deliver(&container, &[w.bucket_event(3)], 1)
        .await
        .is_empty());
    let (_, status, note, _) = w.held(&w.bucket_event(3)).await;
    assert_eq!(status, "failed");
    assert!(note.contains("DeleteBucketPolicy"), "{note}");
    assert_eq!(
        view.public_access_block(&w.bucket(3)).await,
        Some([true; 4])
    );
    w.emulator.clear_faults();

    // Phase 4. STS down: nothing reaches the member account, the message is retried.
    let fresh = w.engine();
    w.emulator.clear_calls();
    w.emulator.fault(json!({"service": "sts", "operation": "AssumeRole", "code": "ServiceUnavailable", "status": 503, "count": -1}));
    assert_eq!(
        w.deliver(&fresh, &[w.user_event(4)], 1).await,
        vec!["msg-0".to_string()]
    );
    assert!(member_calls(&w.emulator.calls(), &w.hub).is_empty());
    w.emulator.clear_faults();
    assert!(w.deliver(&fresh, &[w.user_event(4)], 2).await.is_empty());
    assert_eq!(w.held(&w.user_event(4)).await.1, "remediated");

    // Phase 5. GetFindings down: nothing is acted on, every message is retried.
    w.emulator.clear_calls();
    w.emulator.fault(json!({"service": "securityhub", "operation": "GetFindings", "code": "ServiceUnavailableException", "status": 503, "count": -1}));
    let retried = w
        .deliver(&container, &[w.user_event(5), w.bucket_event(5)], 1)
        .await;
    assert_eq!(retried.len(), 2);
    assert!(member_calls(&w.emulator.calls(), &w.hub).is_empty());
    w.emulator.clear_faults();

    // Phase 6. BatchUpdateFindings throttled in a burst: the SDK's retries write it.
    w.emulator.fault(json!({"service": "securityhub", "operation": "BatchUpdateFindings", "code": "TooManyRequestsException", "status": 429, "count": 2}));
    assert!(w
        .deliver(&container, &[w.user_event(5)], 2)
        .await
        .is_empty());
    assert_eq!(w.held(&w.user_event(5)).await.1, "remediated");
    assert_eq!(w.faulted("BatchUpdateFindings"), 2);
    w.emulator.clear_faults();

    // Phase 7. BatchUpdateFindings down on the last delivery: the fix stands, the team is told the write-back failed.
    let last = w.scenario.hub_config().max_receive_count;
    w.emulator.fault(json!({"service": "securityhub", "operation": "BatchUpdateFindings", "code": "InternalException", "status": 500, "count": -1}));
    assert!(w
        .deliver(&container, &[w.bucket_event(5)], last)
        .await
        .is_empty());
    w.emulator.clear_faults();
    assert_eq!(
        view.public_access_block(&w.bucket(5)).await,
        Some([true; 4])
    );
    assert_eq!(
        w.held(&w.bucket_event(5)).await.1,
        "",
        "nothing could be written"
    );
    let told = notifications(&w.emulator, &w.scenario).await;
    assert!(
        told.iter().any(|n| n.to_string().contains(&w.bucket(5))
            && n.to_string().contains("not written onto the finding")),
        "{told:?}"
    );

    // Phase 8. SNS down: the finding is remediated and written back; the message is not retried (the fix stands).
    w.emulator.fault(json!({"service": "sns", "operation": "PublishBatch", "code": "InternalError", "status": 500, "count": -1}));
    w.emulator.fault(json!({"service": "sns", "operation": "Publish", "code": "InternalError", "status": 500, "count": -1}));
    assert!(w
        .deliver(&container, &[w.user_event(6)], 1)
        .await
        .is_empty());
    assert_eq!(w.held(&w.user_event(6)).await.1, "remediated");
    w.emulator.clear_faults();

    // Phase 9. Audit bucket unwritable: the finding is remediated and written back; the record is missing.
    w.emulator.fault(json!({"service": "s3", "operation": "PutObject", "account_id": w.hub, "code": "AccessDenied", "status": 403, "count": -1}));
    assert!(w
        .deliver(&container, &[w.bucket_event(6)], 1)
        .await
        .is_empty());
    assert_eq!(w.held(&w.bucket_event(6)).await.1, "remediated");
    assert_eq!(w.faulted("PutObject"), 1);
    w.emulator.clear_faults();

    // Phase 10. The finding archived between the event and the run: Security Hub's copy says so, nothing is done.
    w.archive(&w.bucket_event(7)).await;
    w.emulator.clear_calls();
    assert!(w
        .deliver(&container, &[w.bucket_event(7)], 1)
        .await
        .is_empty());
    assert!(member_calls(&w.emulator.calls(), &w.hub).is_empty());
    assert_eq!(view.policy_is_public(&w.bucket(7)).await, Some(true));
    assert_eq!(w.held(&w.bucket_event(7)).await.3, "ARCHIVED");

    // Phase 10b. The resource deleted before the fix: final, written back, not retried.
    view.s3
        .delete_bucket_policy()
        .bucket(w.bucket(8))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    view.s3
        .delete_bucket()
        .bucket(w.bucket(8))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let keys = view.keys(&w.user(8)).await;
    for (key, _) in &keys {
        view.iam
            .delete_access_key()
            .user_name(w.user(8))
            .access_key_id(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    view.iam
        .delete_user()
        .user_name(w.user(8))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let retried = w
        .deliver(&container, &[w.user_event(8), w.bucket_event(8)], 1)
        .await;
    assert!(retried.is_empty(), "{retried:?}");
    for event in [w.user_event(8), w.bucket_event(8)] {
        let (_, status, note, _) = w.held(&event).await;
        assert_eq!(status, "failed", "{note}");
        assert!(note.contains("NoSuch"), "{note}");
    }

    // Phase 11. Credentials refused mid-batch (ExpiredToken on one member call): transient, retried, then done.
    w.emulator.fault(json!({"service": "iam", "operation": "ListAccessKeys", "code": "ExpiredToken", "count": 1}));
    let retried = w
        .deliver(&container, &[w.user_event(9), w.bucket_event(9)], 1)
        .await;
    assert_eq!(
        retried,
        vec!["msg-0".to_string()],
        "only the user's message"
    );
    assert_eq!(w.held(&w.bucket_event(9)).await.1, "remediated");
    assert!(w
        .deliver(&container, &[w.user_event(9)], 2)
        .await
        .is_empty());
    assert_eq!(w.held(&w.user_event(9)).await.1, "remediated");
}
