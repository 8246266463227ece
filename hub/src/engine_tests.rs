//! Engine tests over fakes of the ports: real playbooks, in-memory member accounts that keep state.

use super::*;
use crate::config::Config;
use crate::report::WriteBackState;
use riposte_shared::asff::Finding;
use riposte_shared::event::decode;
use riposte_shared::fake::{FakeAccount, FakeBucket, FakeState, FakeUser};
use riposte_shared::ids::Region;
use riposte_shared::notify::{Notice, Notification};
use riposte_shared::policy::DecisionKind;
use riposte_shared::ports::{AccessKey, PortError, PortErrorKind, PortResult, Unprocessed};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const ACCOUNT_A: &str = "111111111111";
const ACCOUNT_B: &str = "644160558196";

#[derive(Default)]
struct FakeSpokes {
    accounts: HashMap<String, Arc<FakeAccount>>,
    member_calls: AtomicUsize,
    /// When set, `member` takes this long, as an AssumeRole over the network would; `inside` and
    /// `most_inside` count the findings in it at once.
    hold: Option<std::time::Duration>,
    inside: AtomicUsize,
    most_inside: AtomicUsize,
    /// The pacer's cut-off as each playbook's session request saw it.
    cutoffs: Mutex<Vec<Option<std::time::Instant>>>,
}

impl SpokesPort for FakeSpokes {
    type Member = FakeAccount;
    async fn member(&self, account: &AccountId, _region: &Region) -> PortResult<Arc<FakeAccount>> {
        self.member_calls.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut cutoffs) = self.cutoffs.lock() {
            cutoffs.push(crate::aws::pacer::CUTOFF.try_with(|c| *c).ok());
        }
        if let Some(hold) = self.hold {
            let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_inside.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(hold).await;
            self.inside.fetch_sub(1, Ordering::SeqCst);
        }
        self.accounts.get(account.as_str()).cloned().ok_or_else(|| {
            PortError::new(
                PortErrorKind::Denied,
                "sts:AssumeRole",
                Some("AccessDenied"),
                format!("not authorized to assume the spoke role in {account}"),
            )
        })
    }
}

/// Security Hub: the findings it holds (imported by the test), updated by the write-backs like the real
/// BatchUpdateFindings; GetFindings answers only what it holds.
#[derive(Default)]
struct FakeFindings {
    calls: Mutex<Vec<(Vec<FindingRef>, WriteBack)>>,
    /// Leave this many calls' worth of findings unprocessed before processing them.
    unprocessed_first: AtomicUsize,
    held: Mutex<Vec<Finding>>,
    /// Write-backs are recorded but Security Hub's copies do not change (it has not caught up yet).
    lagging: std::sync::atomic::AtomicBool,
    /// GetFindings fails with this kind.
    unreadable: Mutex<Option<PortErrorKind>>,
    get_calls: AtomicUsize,
}

impl FakeFindings {
    /// Import (or replace) Security Hub's copy of a finding.
    fn import(&self, finding: &serde_json::Value) {
        let finding: Finding =
            serde_json::from_value(finding.clone()).unwrap_or_else(|e| panic!("{e}"));
        if let Ok(mut held) = self.held.lock() {
            held.retain(|f| f.reference() != finding.reference());
            held.push(finding);
        }
    }
}

impl FindingsPort for FakeFindings {
    async fn get_findings(&self, findings: &[FindingRef]) -> PortResult<Vec<Finding>> {
        self.get_calls.fetch_add(1, Ordering::Relaxed);
        if let Some(kind) = self.unreadable.lock().ok().and_then(|k| *k) {
            return Err(PortError::new(
                kind,
                "securityhub:GetFindings",
                Some("ServiceUnavailable"),
                "down",
            ));
        }
        let held = self.held.lock().map(|h| h.clone()).unwrap_or_default();
        Ok(held
            .into_iter()
            .filter(|f| findings.contains(&f.reference()))
            .collect())
    }

    async fn update_findings(
        &self,
        findings: &[FindingRef],
        payload: &WriteBack,
    ) -> PortResult<Vec<Unprocessed>> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push((findings.to_vec(), payload.clone()));
        }
        if self.unprocessed_first.load(Ordering::Relaxed) > 0 {
            self.unprocessed_first.fetch_sub(1, Ordering::Relaxed);
            return Ok(findings
                .iter()
                .map(|f| Unprocessed {
                    finding: f.clone(),
                    code: "InternalFailure".into(),
                    message: "try again".into(),
                })
                .collect());
        }
        if !self.lagging.load(Ordering::Relaxed) {
            if let Ok(mut held) = self.held.lock() {
                for f in held
                    .iter_mut()
                    .filter(|f| findings.contains(&f.reference()))
                {
                    f.workflow = Some(riposte_shared::asff::Workflow {
                        status: Some(payload.workflow_status.clone()),
                    });
                    f.user_defined_fields.extend(payload.fields.clone());
                }
            }
        }
        Ok(Vec::new())
    }
}

impl FakeFindings {
    fn final_payloads(&self) -> Vec<(String, WriteBack)> {
        self.calls
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|(_, p)| {
                        p.fields.get("riposte:status").map(String::as_str) != Some("in-progress")
                    })
                    .flat_map(|(refs, p)| {
                        refs.iter()
                            .map(|r| (r.id.clone(), p.clone()))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct FakeNotifier {
    messages: Mutex<Vec<Notification>>,
}

impl FakeNotifier {
    /// Every message sent so far.
    fn messages(&self) -> Vec<Notification> {
        match self.messages.lock() {
            Ok(all) => all.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Every finding told about so far, alone or in a digest.
    fn sent(&self) -> Vec<Notice> {
        self.messages()
            .iter()
            .flat_map(|m| m.notices().to_vec())
            .collect()
    }
}

impl NotifyPort for FakeNotifier {
    async fn notify(&self, messages: &[Notification]) -> PortResult<()> {
        if let Ok(mut all) = self.messages.lock() {
            all.extend_from_slice(messages);
        }
        Ok(())
    }
}

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
async fn a_direct_eventbridge_invocation_fails_only_when_a_retry_can_help() {
    let e = engine(world(), default_config());
    let ok = crate::lambda::handle(&e, imported(s3_finding()), None).await;
    assert!(ok.is_ok_and(|v| v["findings"] == 1));

    let mut refused = s3_finding();
    refused["Id"] = "another-finding".into();
    refused["Resources"][0]["Details"]["AwsS3Bucket"]["OwnerAccountId"] = "222222222222".into();
    e.findings.import(&refused);
    assert!(
        crate::lambda::handle(&e, imported(refused), None)
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
    let error = crate::lambda::handle(&unreadable, imported(s3_finding()), None)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("Security Hub cannot be read"), "{error}");
}

#[path = "engine_safety_tests.rs"]
mod safety;

#[path = "engine_resource_tests.rs"]
mod resources;

#[path = "engine_operator_tests.rs"]
mod operator;
