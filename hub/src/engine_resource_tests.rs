//! Engine tests of findings that share one resource (they run one after the other) or one account (at
//! most `max_per_account` at a time).

use super::*;
use riposte_shared::ports::PasswordPolicy;

/// The real S3.1 account-level shape, turned into a password-policy control on account 111111111111.
fn password_finding(control: &str, id: &str) -> serde_json::Value {
    let mut finding = fixture("finding-control-s3-1-account-level.json");
    finding["Id"] = id.into();
    finding["Compliance"] = serde_json::json!({"Status": "FAILED", "SecurityControlId": control});
    finding["Severity"] = serde_json::json!({"Label": "HIGH", "Normalized": 70});
    finding["Workflow"] = serde_json::json!({"Status": "NEW"});
    finding
}

#[tokio::test]
async fn two_controls_on_one_password_policy_both_hold_after_one_batch() {
    let weak = PasswordPolicy {
        minimum_length: 8,
        ..PasswordPolicy::API_DEFAULTS
    };
    let mut spokes = FakeSpokes::default();
    spokes.accounts.insert(
        ACCOUNT_A.into(),
        Arc::new(FakeAccount::new(FakeState {
            password_policy: Some(weak),
            ..FakeState::default()
        })),
    );
    let e = engine(spokes, default_config());
    let length = password_finding("IAM.15", "iam-15-finding");
    let reuse = password_finding("IAM.16", "iam-16-finding");
    e.findings.import(&length);
    e.findings.import(&reuse);
    let report = e
        .run(sqs(&[imported(length), imported(reuse)]), Mode::Remediate)
        .await;
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.status == Some(RiposteStatus::Remediated)),
        "{:#?}",
        report.findings
    );
    // Run together, each would read the weak policy and write back its own field only: the second
    // write would undo the first (the fake yields between read and write, as the network does).
    let stored = e.spokes.accounts[ACCOUNT_A].with_state(|s| s.password_policy.clone());
    let stored = stored.unwrap_or_else(|| panic!("no policy"));
    assert_eq!(
        (stored.minimum_length, stored.reuse_prevention),
        (14, Some(24))
    );
}

/// The public S3.8 sample on bucket `name` in account 111111111111.
fn bucket_finding(name: &str) -> serde_json::Value {
    let mut finding = s3_finding();
    finding["Id"] = format!("s3-8-{name}").into();
    finding["Resources"][0]["Id"] = format!("arn:aws:s3:::{name}").into();
    finding
}

/// Account A of `spokes` made of six public buckets.
fn six_public_buckets(spokes: &mut FakeSpokes) {
    let mut state = FakeState::default();
    for i in 0..6 {
        state
            .buckets
            .insert(format!("bucket-{i}"), FakeBucket::public(ACCOUNT_A, None));
    }
    spokes
        .accounts
        .insert(ACCOUNT_A.into(), Arc::new(FakeAccount::new(state)));
}

/// The six buckets' findings, imported into `e`'s Security Hub, as their events.
fn six_bucket_events(e: &Engine<FakeSpokes, FakeFindings, FakeNotifier>) -> Vec<serde_json::Value> {
    (0..6)
        .map(|i| {
            let finding = bucket_finding(&format!("bucket-{i}"));
            e.findings.import(&finding);
            imported(finding)
        })
        .collect()
}

#[tokio::test]
async fn at_most_max_per_account_findings_of_one_account_are_in_flight() {
    let mut spokes = FakeSpokes {
        hold: Some(std::time::Duration::from_millis(20)),
        ..FakeSpokes::default()
    };
    six_public_buckets(&mut spokes);
    let e = engine(spokes, config_with("[remediation]\nmax_per_account = 2\n"));
    let events = six_bucket_events(&e);
    let report = e.run(sqs(&events), Mode::Remediate).await;
    let remediated = report
        .findings
        .iter()
        .filter(|f| f.status == Some(RiposteStatus::Remediated))
        .count();
    assert_eq!(remediated, 6, "{:#?}", report.findings);
    // Six findings of one account, two at a time: the cap is reached and never passed.
    assert_eq!(e.spokes.most_inside.load(Ordering::SeqCst), 2);
}

/// Six public buckets of one account in one run: remediated under one claim and one outcome, and
/// told to the team as one digest (the default `digest_from` is 5); with `digest_from = 0`, one
/// message each.
#[tokio::test]
async fn alike_outcomes_of_one_run_share_one_claim_and_one_digest() {
    for (settings, digests, alone) in [("", 1, 0), ("[notifications]\ndigest_from = 0\n", 0, 6)] {
        // The world's account B holds the compromised user kapil.
        let mut spokes = world();
        six_public_buckets(&mut spokes);
        let e = engine(spokes, config_with(settings));
        let mut events = six_bucket_events(&e);
        // A finding of another playbook in the same run: its claim is the same call.
        e.findings.import(&compromise_finding());
        events.push(imported(compromise_finding()));
        let report = e.run(sqs(&events), Mode::Remediate).await;
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.status == Some(RiposteStatus::Remediated)),
            "{:#?}",
            report.findings
        );
        let calls = e
            .findings
            .calls
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        let claims: Vec<_> = calls
            .iter()
            .filter(|(_, w)| {
                w.fields.get("riposte:status").map(String::as_str) == Some("in-progress")
            })
            .collect();
        assert_eq!(claims.len(), 1, "one claim for both playbooks: {calls:#?}");
        assert_eq!(claims[0].0.len(), 7);
        assert_eq!(calls.len(), 3, "one claim, one outcome per playbook");
        let messages = e.notifier.messages();
        let digest: Vec<_> = messages
            .iter()
            .filter(|m| matches!(m, Notification::Digest(_)))
            .collect();
        assert_eq!(digest.len(), digests, "{settings}");
        if let Some(d) = digest.first() {
            assert_eq!(d.notices().len(), 6);
        }
        let bucket_alone = messages
            .iter()
            .filter(|m| matches!(m, Notification::One(n) if n.playbook.as_deref() == Some("public-bucket")))
            .count();
        assert_eq!(bucket_alone, alone, "{settings}");
        assert_eq!(e.notifier.sent().len(), 7, "every finding told, once");
    }
}
