//! Engine tests of delivery: write-backs left unprocessed, replayed and duplicate deliveries, plan mode,
//! resumption after a crash, refusals that are not redelivered, and direct EventBridge invocations.

use super::*;

#[tokio::test]
async fn unprocessed_findings_are_retried_until_written() {
    let e = engine(world(), default_config());
    e.findings.unprocessed_first.store(2, Ordering::Relaxed);
    let report = e.run(sqs(&[imported(s3_finding())]), Mode::Remediate).await;
    assert_eq!(
        report.findings[0].write_back,
        WriteBackState::Written,
        "{:#?}",
        report.findings[0]
    );
    assert!(!report.any_failed());
}

#[tokio::test]
async fn findings_left_unprocessed_every_time_are_reported_failed() {
    let e = engine(world(), default_config());
    e.findings.unprocessed_first.store(100, Ordering::Relaxed);
    let report = e.run(sqs(&[imported(s3_finding())]), Mode::Remediate).await;
    assert!(
        matches!(&report.findings[0].write_back, WriteBackState::Failed(e) if e.contains("InternalFailure"))
    );
    assert_eq!(report.failed_messages(), vec!["m0".to_string()]);
}

#[tokio::test]
async fn a_replayed_event_starts_no_second_remediation() {
    let e = engine(world(), default_config());
    let batch = || sqs(&[imported(s3_finding()), imported(compromise_finding())]);
    e.run(batch(), Mode::Remediate).await;
    let (calls_a, calls_b, writes) = (
        e.spokes.accounts[ACCOUNT_A].calls().len(),
        e.spokes.accounts[ACCOUNT_B].calls().len(),
        e.findings.calls.lock().map(|c| c.len()).unwrap_or(0),
    );
    let replay = e.run(batch(), Mode::Remediate).await;
    assert!(
        replay
            .findings
            .iter()
            .all(|f| f.decision == DecisionKind::Skip && f.reason.contains("RESOLVED")),
        "{:#?}",
        replay.findings
    );
    assert_eq!(e.spokes.accounts[ACCOUNT_A].calls().len(), calls_a);
    assert_eq!(e.spokes.accounts[ACCOUNT_B].calls().len(), calls_b);
    assert_eq!(
        e.findings.calls.lock().map(|c| c.len()).unwrap_or(0),
        writes,
        "nothing written back, so no new Imported event"
    );
}

/// Security Hub may not know the findings' new state yet: the playbooks' idempotence still converges.
#[tokio::test]
async fn duplicate_delivery_converges_to_the_same_state_and_outcome() {
    let e = engine(world(), default_config());
    e.findings.lagging.store(true, Ordering::Relaxed);
    let batch = || {
        sqs(&[
            imported(s3_finding()),
            imported(s3_finding()),
            imported(compromise_finding()),
        ])
    };
    let first = e.run(batch(), Mode::Remediate).await;
    assert_eq!(
        first
            .findings
            .iter()
            .filter(|f| f.decision == DecisionKind::Skip)
            .count(),
        1,
        "the in-batch duplicate is skipped"
    );
    let state = |e: &Engine<FakeSpokes, FakeFindings, FakeNotifier>| {
        let a = e.spokes.accounts[ACCOUNT_A].with_state(|s| format!("{:?}", s.buckets));
        let b = e.spokes.accounts[ACCOUNT_B].with_state(|s| format!("{:?}", s.users));
        (a, b)
    };
    let after_first = state(&e);
    let calls_before = e.spokes.accounts[ACCOUNT_B].calls().len();
    let second = e.run(batch(), Mode::Remediate).await;
    assert_eq!(state(&e), after_first);
    let second_calls = &e.spokes.accounts[ACCOUNT_B].calls()[calls_before..];
    assert!(
        !second_calls
            .iter()
            .any(|c| c == "iam:UpdateAccessKey" || c == "iam:AttachUserPolicy"),
        "{second_calls:?}"
    );
    let outcome = |r: &RunReport| {
        r.findings
            .iter()
            .map(|f| (f.decision, f.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(outcome(&first), outcome(&second));
}

#[tokio::test]
async fn plan_makes_no_call_at_all() {
    let e = engine(world(), default_config());
    let report = e
        .run(
            sqs(&[imported(s3_finding()), imported(compromise_finding())]),
            Mode::Plan,
        )
        .await;
    assert_eq!(report.findings.len(), 2);
    assert!(report
        .findings
        .iter()
        .all(|f| f.decision == DecisionKind::Remediate && !f.planned_steps.is_empty()));
    assert_eq!(e.spokes.member_calls.load(Ordering::Relaxed), 0);
    assert!(e
        .findings
        .calls
        .lock()
        .map(|c| c.is_empty())
        .unwrap_or(false));
}

#[tokio::test]
async fn a_run_that_died_after_its_claim_is_resumed_on_redelivery() {
    let e = engine(world(), default_config());
    // What a crash right after the claim leaves behind: NOTIFIED + in-progress, nothing fixed.
    let mut claimed = s3_finding();
    claimed["Workflow"]["Status"] = "NOTIFIED".into();
    claimed["UserDefinedFields"] = serde_json::json!({"riposte:status": "in-progress"});
    e.findings.import(&claimed);
    let report = e.run(sqs(&[imported(s3_finding())]), Mode::Remediate).await;
    assert_eq!(
        report.findings[0].status,
        Some(RiposteStatus::Remediated),
        "{:#?}",
        report.findings[0]
    );
    e.spokes.accounts[ACCOUNT_A].with_state(|s| assert!(s.buckets["example"].policy.is_none()));
}

#[tokio::test]
async fn a_refusal_is_written_back_but_not_redelivered() {
    let mut finding = s3_finding();
    finding["Resources"][0]["Details"]["AwsS3Bucket"]["OwnerAccountId"] = "222222222222".into();
    let e = engine(world(), default_config());
    e.findings.import(&finding);
    let report = e.run(sqs(&[imported(finding)]), Mode::Remediate).await;
    assert!(report.any_failed(), "the CLI still exits 1");
    assert!(
        report.failed_messages().is_empty(),
        "retrying cannot change a refusal"
    );
    assert_eq!(
        e.findings.final_payloads()[0].1.fields["riposte:status"],
        "failed"
    );
}

#[tokio::test]
/// The engine's entry for one EventBridge event (the CLI's, the tests'); the Lambda's `handle` refuses it.
async fn a_direct_eventbridge_event_fails_only_when_a_retry_can_help() {
    let e = engine(world(), default_config());
    let ok = crate::lambda::run(&e, imported(s3_finding()), None)
        .await
        .map(|(v, _)| v);
    assert!(ok.is_ok_and(|v| v["findings"] == 1));

    let mut refused = s3_finding();
    refused["Id"] = "another-finding".into();
    refused["Resources"][0]["Details"]["AwsS3Bucket"]["OwnerAccountId"] = "222222222222".into();
    e.findings.import(&refused);
    assert!(
        crate::lambda::run(&e, imported(refused), None)
            .await
            .is_ok(),
        "a refusal is final"
    );

    let unreadable = engine(world(), default_config());
    *unreadable
        .findings
        .unreadable
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(PortErrorKind::Transient);
    let error = crate::lambda::run(&unreadable, imported(s3_finding()), None)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("Security Hub cannot be read"), "{error}");
}

#[tokio::test]
async fn the_lambda_refuses_a_direct_invocation_and_changes_nothing() {
    let queue = "arn:aws:sqs:us-east-1:999999999999:riposte-hub-findings";
    let mut config = default_config();
    config.queue_arn = Some(queue.into());
    let e = engine(world(), config);
    e.findings.import(&s3_finding());
    let answer = crate::lambda::handle(&e, imported(s3_finding()), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(answer["refused"]
        .as_str()
        .is_some_and(|r| r.contains("direct invocation")));
    assert!(e.findings.final_payloads().is_empty());
    e.spokes.accounts[ACCOUNT_A].with_state(|s| assert!(s.buckets["example"].policy.is_some()));
    // The same event through the queue is handled.
    let record = serde_json::json!({ "messageId": "m0", "body": imported(s3_finding()).to_string(),
        "eventSource": "aws:sqs", "eventSourceARN": queue, "attributes": {"ApproximateReceiveCount": "1"} });
    let answer = crate::lambda::handle(&e, serde_json::json!({ "Records": [record] }), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        answer["batchItemFailures"],
        serde_json::json!([]),
        "{answer}"
    );
    e.spokes.accounts[ACCOUNT_A].with_state(|s| assert!(s.buckets["example"].policy.is_none()));
}
