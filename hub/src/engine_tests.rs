//! Engine tests over fakes of the ports: real playbooks, in-memory member accounts that keep state.

use super::*;
use crate::config::Config;
use crate::report::WriteBackState;
use riposte_shared::event::decode;
use riposte_shared::fake::{FakeAccount, FakeBucket, FakeState, FakeUser};
use riposte_shared::notify::Notification;
use riposte_shared::policy::DecisionKind;
use riposte_shared::ports::{AccessKey, PortErrorKind};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

const ACCOUNT_A: &str = "111111111111";
const ACCOUNT_B: &str = "644160558196";

fn fixture(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../tests/fixtures/public/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).unwrap_or_default()
}

/// The public S3.8 sample (account 111111111111, bucket `example`).
fn s3_finding() -> serde_json::Value {
    fixture("finding-control-s3-8.json")
}

/// The GuardDuty console-login sample (user kapil in 644160558196), raised to a HIGH compromise type.
fn compromise_finding() -> serde_json::Value {
    let mut event = fixture("sh-custom-action-guardduty-iam-consolelogin.json");
    let mut finding = event["detail"]["findings"][0].take();
    finding["Types"] =
        serde_json::json!(["TTPs/Initial Access/UnauthorizedAccess:IAMUser-MaliciousIPCaller"]);
    finding["Severity"] = serde_json::json!({"Label": "HIGH", "Normalized": 80, "Product": 8});
    finding["Workflow"] = serde_json::json!({"Status": "NEW"});
    finding["Resources"][0]["Details"]["AwsIamAccessKey"]["PrincipalType"] = "IAMUser".into();
    finding["Resources"][0]["Details"]["AwsIamAccessKey"]["PrincipalName"] = "kapil".into();
    finding
}

fn imported(finding: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"version": "0", "id": "e", "detail-type": "Security Hub Findings - Imported", "source": "aws.securityhub",
        "account": "999999999999", "region": "us-east-1", "resources": [], "detail": {"findings": [finding]}})
}

/// The analyst's "Riposte: remediate" custom action on this finding.
fn custom_action(finding: serde_json::Value) -> serde_json::Value {
    let mut action = imported(finding);
    action["detail-type"] = "Security Hub Findings - Custom Action".into();
    action["detail"]["actionName"] = "Riposte: remediate".into();
    action
}

fn sqs(events: &[serde_json::Value]) -> Vec<Message> {
    let records: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            serde_json::json!({"messageId": format!("m{i}"), "body": e.to_string(),
            "attributes": {"ApproximateReceiveCount": "1"}})
        })
        .collect();
    decode(&serde_json::json!({ "Records": records }).to_string()).unwrap_or_default()
}

fn world() -> FakeSpokes {
    let mut a = FakeState::default();
    a.buckets.insert("example".into(), FakeBucket::public(ACCOUNT_A, Some(r#"{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example/*"}]}"#)));
    let mut b = FakeState::default();
    b.users.insert(
        "kapil".into(),
        FakeUser {
            keys: vec![
                AccessKey {
                    id: "AKIAK1".into(),
                    active: true,
                    created: None,
                },
                AccessKey {
                    id: "AKIAK2".into(),
                    active: true,
                    created: None,
                },
            ],
            ..Default::default()
        },
    );
    let mut spokes = FakeSpokes::default();
    spokes
        .accounts
        .insert(ACCOUNT_A.into(), Arc::new(FakeAccount::new(a)));
    spokes
        .accounts
        .insert(ACCOUNT_B.into(), Arc::new(FakeAccount::new(b)));
    spokes
}

/// An engine whose Security Hub holds the two standard findings.
fn engine(spokes: FakeSpokes, config: Config) -> Engine<FakeSpokes, FakeFindings, FakeNotifier> {
    let findings = FakeFindings::default();
    findings.import(&s3_finding());
    findings.import(&compromise_finding());
    Engine {
        spokes,
        findings,
        notifier: FakeNotifier::default(),
        config,
        emit_metrics: false,
        audit: None,
        live: None,
        limits: None,
        pacer: None,
    }
}

/// The default wiring with this settings document.
fn config_with(settings: &str) -> Config {
    let settings = crate::settings::Settings::parse(settings).unwrap_or_else(|e| panic!("{e:?}"));
    default_config()
        .with_settings(&settings)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn default_config() -> Config {
    Config::from_lookup(|_| None).unwrap_or_else(|e| panic!("{e}"))
}

fn status_of(report: &RunReport, account: &str) -> Option<RiposteStatus> {
    report
        .findings
        .iter()
        .find(|f| f.account == account)
        .and_then(|f| f.status)
}

#[tokio::test]
async fn a_batch_of_two_incidents_in_two_accounts_is_remediated_written_back_and_notified() {
    let e = engine(world(), default_config());
    let report = e
        .run(
            sqs(&[imported(s3_finding()), imported(compromise_finding())]),
            Mode::Remediate,
        )
        .await;
    assert_eq!(
        status_of(&report, ACCOUNT_A),
        Some(RiposteStatus::Remediated),
        "{:#?}",
        report.findings
    );
    assert_eq!(
        status_of(&report, ACCOUNT_B),
        Some(RiposteStatus::Remediated),
        "{:#?}",
        report.findings
    );
    assert!(report.failed_messages().is_empty());
    e.spokes.accounts[ACCOUNT_B]
        .with_state(|s| assert!(s.users["kapil"].keys.iter().all(|k| !k.active)));
    e.spokes.accounts[ACCOUNT_A].with_state(|s| assert!(s.buckets["example"].policy.is_none()));
    let finals = e.findings.final_payloads();
    assert_eq!(finals.len(), 2);
    assert!(finals
        .iter()
        .all(|(_, p)| p.workflow_status == "RESOLVED" && p.fields["riposte:run"] == report.run));
    // Both findings share one payload per playbook; claims and outcomes: at most 2 calls each.
    assert!(e.findings.calls.lock().map(|c| c.len()).unwrap_or(0) <= 4);
    assert_eq!(e.notifier.sent().len(), 2);
}

#[tokio::test]
async fn a_member_without_the_spoke_role_ends_in_one_write_back_one_notice_and_no_redelivery() {
    let mut spokes = world();
    spokes.accounts.remove(ACCOUNT_A);
    let e = engine(spokes, default_config());
    let report = e
        .run(
            sqs(&[imported(s3_finding()), imported(compromise_finding())]),
            Mode::Remediate,
        )
        .await;
    assert_eq!(status_of(&report, ACCOUNT_A), Some(RiposteStatus::Failed));
    assert_eq!(
        status_of(&report, ACCOUNT_B),
        Some(RiposteStatus::Remediated)
    );
    assert!(
        report.failed_messages().is_empty(),
        "a missing role is final"
    );
    assert!(report.any_failed(), "the CLI still exits 1");
    let failed: Vec<WriteBack> = e
        .findings
        .final_payloads()
        .into_iter()
        .filter(|(_, p)| p.fields["riposte:status"] == "failed")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].workflow_status, "NOTIFIED");
    assert!(
        failed[0].note.contains(&format!(
            "deploy the Riposte spoke StackSet to account {ACCOUNT_A}"
        )),
        "{}",
        failed[0].note
    );
    let notices = e.notifier.sent();
    assert_eq!(
        notices
            .iter()
            .filter(|n| n.status == RiposteStatus::Failed)
            .count(),
        1
    );
}

#[tokio::test]
async fn access_denied_on_one_step_fails_the_finding_but_reports_every_step() {
    let spokes = world();
    spokes.accounts[ACCOUNT_B].fail(
        "iam:AttachUserPolicy",
        PortErrorKind::Denied,
        "AccessDenied",
        None,
    );
    let e = engine(spokes, default_config());
    let report = e
        .run(sqs(&[imported(compromise_finding())]), Mode::Remediate)
        .await;
    let f = &report.findings[0];
    assert_eq!(f.status, Some(RiposteStatus::Failed));
    assert!(f.reason.contains("AccessDenied"));
    assert!(
        f.steps
            .iter()
            .filter(|s| s.step == "deactivate-key")
            .count()
            == 2
    );
    e.spokes.accounts[ACCOUNT_B]
        .with_state(|s| assert!(s.users["kapil"].keys.iter().all(|k| !k.active)));
}

#[tokio::test]
async fn a_bucket_owned_by_another_account_is_refused_without_assuming_anything() {
    let mut finding = s3_finding();
    finding["Resources"][0]["Details"]["AwsS3Bucket"]["OwnerAccountId"] = "222222222222".into();
    let e = engine(world(), default_config());
    e.findings.import(&finding);
    let report = e.run(sqs(&[imported(finding)]), Mode::Remediate).await;
    assert_eq!(report.findings[0].decision, DecisionKind::Refused);
    assert_eq!(report.findings[0].status, Some(RiposteStatus::Failed));
    assert_eq!(e.spokes.member_calls.load(Ordering::Relaxed), 0);
    e.spokes.accounts[ACCOUNT_A].with_state(|s| assert!(s.buckets["example"].policy.is_some()));
}

#[tokio::test]
async fn a_protected_principal_is_untouched() {
    let config = config_with(&format!(
        "[principals]\nprotected = [\"arn:aws:iam::{ACCOUNT_B}:user/kapil\"]"
    ));
    let e = engine(world(), config);
    let report = e
        .run(sqs(&[imported(compromise_finding())]), Mode::Remediate)
        .await;
    // A protected principal that may be compromised is escalated to a person, never "excluded".
    assert_eq!(report.findings[0].status, Some(RiposteStatus::NeedsHuman));
    assert_eq!(report.findings[0].decision, DecisionKind::Escalate);
    let finals = e.findings.final_payloads();
    assert_eq!(finals[0].1.workflow_status, "NOTIFIED");
    assert_eq!(finals[0].1.fields["riposte:status"], "needs-human");
    let notices = e.notifier.sent();
    assert!(
        notices[0].reason.contains("contain it by hand"),
        "{}",
        notices[0].reason
    );
    assert!(e.spokes.accounts[ACCOUNT_B].calls().is_empty());
    e.spokes.accounts[ACCOUNT_B]
        .with_state(|s| assert!(s.users["kapil"].keys.iter().all(|k| k.active)));
}

#[tokio::test]
async fn a_bucket_tagged_for_exclusion_is_left_public_and_marked_excluded() {
    let spokes = world();
    spokes.accounts[ACCOUNT_A].with_state(|s| {
        if let Some(b) = s.buckets.get_mut("example") {
            b.tags.insert("AutoRemediate".into(), "false".into());
        }
    });
    let e = engine(spokes, default_config());
    let report = e.run(sqs(&[imported(s3_finding())]), Mode::Remediate).await;
    assert_eq!(report.findings[0].status, Some(RiposteStatus::Excluded));
    e.spokes.accounts[ACCOUNT_A].with_state(|s| assert!(s.buckets["example"].policy.is_some()));
    let finals = e.findings.final_payloads();
    assert_eq!(finals[0].1.fields["riposte:status"], "excluded");
}

#[tokio::test]
async fn riposte_s_own_write_back_event_is_not_acted_on_again() {
    let mut finding = s3_finding();
    finding["Severity"]["Label"] = "LOW".into();
    finding["Workflow"]["Status"] = "NEW".into();
    let e = engine(world(), default_config());
    e.findings.import(&finding);
    let first = e
        .run(sqs(&[imported(finding.clone())]), Mode::Remediate)
        .await;
    assert_eq!(first.findings[0].status, Some(RiposteStatus::NotifyOnly));
    assert_eq!(first.findings[0].write_back, WriteBackState::Written);
    // Security Hub's next "Imported" event carries NOTIFIED + riposte:status: the pattern no longer
    // matches, and even when fed directly the engine does nothing.
    finding["Workflow"]["Status"] = "NOTIFIED".into();
    finding["UserDefinedFields"] =
        serde_json::json!({"riposte:status": "notify-only", "riposte:playbook": "public-bucket"});
    let calls = e.findings.calls.lock().map(|c| c.len()).unwrap_or(0);
    let second = e.run(sqs(&[imported(finding)]), Mode::Remediate).await;
    assert_eq!(second.findings[0].decision, DecisionKind::Skip);
    assert_eq!(e.findings.calls.lock().map(|c| c.len()).unwrap_or(0), calls);
}

#[path = "engine_fakes.rs"]
mod fakes;
use fakes::*;

#[path = "engine_delivery_tests.rs"]
mod delivery;

#[path = "engine_safety_tests.rs"]
mod safety;

#[path = "engine_resource_tests.rs"]
mod resources;

#[path = "engine_operator_tests.rs"]
mod operator;
