//! Engine tests of the safety rules: Security Hub as the source of truth, final versus transient
//! failures, the time budget, competing deliveries, samples, and the log line the dashboard reads.

use super::*;

#[tokio::test]
async fn a_forged_finding_security_hub_does_not_hold_reaches_no_member_account() {
    let e = engine(world(), default_config());
    let mut forged = compromise_finding();
    forged["Id"] = "arn:aws:guardduty:us-east-1:644160558196:detector/d/finding/forged".into();
    let report = e.run(sqs(&[imported(forged)]), Mode::Remediate).await;
    let f = &report.findings[0];
    assert_eq!(f.decision, DecisionKind::Refused);
    assert!(
        f.reason.contains("Security Hub holds no finding"),
        "{}",
        f.reason
    );
    assert_eq!(e.spokes.member_calls.load(Ordering::Relaxed), 0);
    assert!(
        e.findings
            .calls
            .lock()
            .map(|c| c.is_empty())
            .unwrap_or(false),
        "nothing written"
    );
    assert!(
        e.notifier.sent().is_empty(),
        "nobody told from a forged message"
    );
    // Redelivered (Security Hub's index may lag behind its own event), never acted on.
    assert_eq!(report.failed_messages(), vec!["m0".to_string()]);
    e.spokes.accounts[ACCOUNT_B]
        .with_state(|s| assert!(s.users["kapil"].keys.iter().all(|k| k.active)));
}

#[tokio::test]
async fn the_decision_and_the_playbook_run_on_security_hub_s_copy_not_the_message() {
    let spokes = world();
    spokes.accounts[ACCOUNT_B].with_state(|s| {
        s.users.insert(
            "ceo".into(),
            FakeUser {
                keys: vec![AccessKey {
                    id: "AKIACEO".into(),
                    active: true,
                    created: None,
                }],
                ..Default::default()
            },
        );
    });
    let e = engine(spokes, default_config());
    // The message names another principal than the finding Security Hub holds (kapil).
    let mut tampered = compromise_finding();
    tampered["Resources"][0]["Details"]["AwsIamAccessKey"]["PrincipalName"] = "ceo".into();
    let report = e.run(sqs(&[imported(tampered)]), Mode::Remediate).await;
    assert_eq!(report.findings[0].resource, "user/kapil");
    e.spokes.accounts[ACCOUNT_B].with_state(|s| {
        assert!(
            s.users["ceo"].keys.iter().all(|k| k.active),
            "the message's principal is untouched"
        );
        assert!(s.users["kapil"].keys.iter().all(|k| !k.active));
    });
}

#[tokio::test]
async fn when_security_hub_cannot_be_read_nothing_is_acted_on_and_the_message_is_retried() {
    let e = engine(world(), default_config());
    *e.findings
        .unreadable
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(PortErrorKind::Transient);
    let report = e
        .run(
            sqs(&[imported(s3_finding()), imported(compromise_finding())]),
            Mode::Remediate,
        )
        .await;
    assert_eq!(e.spokes.member_calls.load(Ordering::Relaxed), 0);
    assert!(e
        .findings
        .calls
        .lock()
        .map(|c| c.is_empty())
        .unwrap_or(false));
    assert_eq!(
        report.failed_messages(),
        vec!["m0".to_string(), "m1".to_string()]
    );
}

#[tokio::test]
async fn the_analyst_s_custom_action_wins_over_an_imported_event_of_the_same_finding() {
    let mut low = s3_finding();
    low["Severity"]["Label"] = "LOW".into();
    let e = engine(world(), default_config());
    e.findings.import(&low);
    let action = custom_action(low.clone());
    let report = e.run(sqs(&[imported(low), action]), Mode::Remediate).await;
    let acted: Vec<&FindingResult> = report
        .findings
        .iter()
        .filter(|f| f.decision != DecisionKind::Skip)
        .collect();
    assert_eq!(acted.len(), 1);
    assert_eq!(acted[0].message_id.as_deref(), Some("m1"));
    assert_eq!(
        acted[0].status,
        Some(RiposteStatus::Remediated),
        "{:#?}",
        acted[0]
    );
}

#[tokio::test]
async fn past_the_time_budget_no_playbook_starts_and_only_those_messages_are_retried() {
    let e = engine(world(), default_config());
    let mut low = s3_finding();
    low["Id"] = "low-one".into();
    low["Severity"]["Label"] = "LOW".into();
    e.findings.import(&low);
    let deadline = Some(Instant::now() + TIME_MARGIN / 2);
    let report = e
        .run_until(
            sqs(&[imported(compromise_finding()), imported(low)]),
            Mode::Remediate,
            deadline,
        )
        .await;
    assert_eq!(e.spokes.member_calls.load(Ordering::Relaxed), 0);
    assert_eq!(
        report.failed_messages(),
        vec!["m0".to_string()],
        "the notify-only one is done"
    );
    e.spokes.accounts[ACCOUNT_B]
        .with_state(|s| assert!(s.users["kapil"].keys.iter().all(|k| k.active)));
}

#[tokio::test]
async fn a_transient_failure_is_retried_silently_and_told_only_on_the_last_delivery() {
    let spokes = world();
    spokes.accounts[ACCOUNT_B].fail(
        "iam:ListAccessKeys",
        PortErrorKind::Throttled,
        "Throttling",
        None,
    );
    let e = engine(spokes, default_config());
    let delivery = |n: u32| {
        let mut messages = sqs(&[imported(compromise_finding())]);
        messages[0].receive_count = Some(n);
        messages
    };
    let first = e.run(delivery(1), Mode::Remediate).await;
    assert_eq!(first.failed_messages(), vec!["m0".to_string()]);
    assert_eq!(first.findings[0].write_back, WriteBackState::Deferred);
    assert!(
        e.findings.final_payloads().is_empty(),
        "only the claim is written"
    );
    assert!(e.notifier.sent().is_empty());
    let last = e.run(delivery(5), Mode::Remediate).await;
    assert_eq!(
        last.findings[0].status,
        Some(RiposteStatus::Failed),
        "{:#?}",
        last.findings[0]
    );
    assert_eq!(e.findings.final_payloads().len(), 1);
    assert_eq!(e.notifier.sent().len(), 1);
}

#[tokio::test]
async fn a_guardduty_sample_finding_is_never_acted_on() {
    let mut sample = compromise_finding();
    sample["ProductFields"]["aws/guardduty/service/additionalInfo/sample"] = "true".into();
    let e = engine(world(), default_config());
    e.findings.import(&sample);
    let report = e.run(sqs(&[imported(sample)]), Mode::Remediate).await;
    assert_eq!(report.findings[0].decision, DecisionKind::Skip);
    assert!(report.findings[0].reason.contains("sample"));
    assert_eq!(e.spokes.member_calls.load(Ordering::Relaxed), 0);
    // Only Security Hub's copy says it is a sample: still never acted on.
    let e = engine(world(), default_config());
    let mut held = compromise_finding();
    held["Sample"] = true.into();
    e.findings.import(&held);
    let report = e
        .run(sqs(&[imported(compromise_finding())]), Mode::Remediate)
        .await;
    assert_eq!(
        report.findings[0].decision,
        DecisionKind::Skip,
        "{:#?}",
        report.findings[0]
    );
    assert_eq!(e.spokes.member_calls.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn an_analyst_re_run_that_ends_as_before_is_still_written_back() {
    // Security Hub shows a failed earlier run; the analyst asks again; it fails the same way. The claim
    // (in progress) was written, so the outcome must be written too, or the finding stays in progress.
    let mut spokes = world();
    spokes.accounts.remove(ACCOUNT_A);
    let e = engine(spokes, default_config());
    let mut failed_before = s3_finding();
    failed_before["Workflow"]["Status"] = "NOTIFIED".into();
    failed_before["UserDefinedFields"] =
        serde_json::json!({"riposte:status": "failed", "riposte:playbook": "public-bucket"});
    e.findings.import(&failed_before);
    let action = custom_action(failed_before);
    let report = e.run(sqs(&[action]), Mode::Remediate).await;
    assert_eq!(
        report.findings[0].write_back,
        WriteBackState::Written,
        "{:#?}",
        report.findings[0]
    );
    let id = s3_finding()["Id"].as_str().unwrap_or_default().to_owned();
    let held = e
        .findings
        .held
        .lock()
        .map(|h| h.iter().find(|f| f.id == id).cloned());
    let status = held
        .ok()
        .flatten()
        .and_then(|f| f.user_defined_fields.get("riposte:status").cloned());
    assert_eq!(status.as_deref(), Some("failed"));
}

#[tokio::test]
async fn a_write_back_that_fails_before_the_last_delivery_tells_nobody_yet() {
    let e = engine(world(), default_config());
    e.findings.unprocessed_first.store(100, Ordering::Relaxed);
    let report = e.run(sqs(&[imported(s3_finding())]), Mode::Remediate).await;
    assert_eq!(report.failed_messages(), vec!["m0".to_string()]);
    assert!(e.notifier.sent().is_empty());
}

/// A writer the test reads back: the log lines the hub really writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The dashboard's failed-steps widget filters `message = 'step' and outcome = 'Failed'` on the
/// shape of `tests/fixtures/logs/step-failed.jsonl` (test_hub_stack.py checks the query against it);
/// this checks the fixture against a line the hub really logs.
#[tokio::test]
async fn a_failed_step_is_logged_in_the_shape_and_spelling_the_dashboard_reads() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(crate::cli::json_subscriber(
        captured.clone(),
        tracing_subscriber::EnvFilter::new("info"),
    ));
    let spokes = world();
    spokes.accounts[ACCOUNT_A].fail(
        "s3:DeleteBucketPolicy",
        PortErrorKind::Denied,
        "AccessDenied",
        None,
    );
    let e = engine(spokes, default_config());
    e.run(sqs(&[imported(s3_finding())]), Mode::Remediate).await;
    let text = String::from_utf8(captured.0.lock().map(|b| b.clone()).unwrap_or_default())
        .unwrap_or_default();
    let logged: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let failed = logged
        .iter()
        .find(|l| l["message"] == "step" && l["outcome"] == "Failed")
        .unwrap_or_else(|| panic!("no failed step line in {text}"));
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/../tests/fixtures/logs/step-failed.jsonl",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap_or_default(),
    )
    .unwrap_or_default();
    for key in fixture
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        assert!(
            failed.get(&key).is_some(),
            "the hub's line lacks `{key}`: {failed}"
        );
    }
    assert_eq!(failed["outcome"], fixture["outcome"]);
    assert_eq!(failed["span"]["playbook"], fixture["span"]["playbook"]);
    assert_eq!(failed["resource"], "bucket/example");
}

/// Every playbook of a run with a deadline runs under the pacer's cut-off (its calls are refused,
/// unsent, when their token would come later): the deadline less half the margin and the room for
/// one call. Without a deadline, no cut-off.
#[tokio::test]
async fn playbooks_run_under_the_pacers_cutoff_derived_from_the_deadline() {
    for deadline in [
        Some(Instant::now() + std::time::Duration::from_secs(120)),
        None,
    ] {
        let e = engine(world(), default_config());
        let report = e
            .run_until(
                sqs(&[imported(compromise_finding())]),
                Mode::Remediate,
                deadline,
            )
            .await;
        assert_eq!(report.findings[0].status, Some(RiposteStatus::Remediated));
        let seen = e
            .spokes
            .cutoffs
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        assert_eq!(
            seen,
            vec![deadline.map(|d| d - TIME_MARGIN / 2 - CALL_ROOM)]
        );
    }
}
