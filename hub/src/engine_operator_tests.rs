//! Engine tests of analysts' actions: decided on Security Hub's copy, other tools' actions left alone,
//! and an undo that cannot find the prior state says why.

use super::*;
use riposte_shared::approval::{expiry, fingerprint, FIELD_EXPIRES, FIELD_FINGERPRINT};
use time::format_description::well_known::Rfc3339;

/// Security Hub's copy of the S3.8 sample after a run with this outcome.
fn held_as(status: &str, workflow: &str, extra: &[(&str, String)]) -> serde_json::Value {
    let mut finding = s3_finding();
    finding["Workflow"] = serde_json::json!({ "Status": workflow });
    let mut fields =
        serde_json::json!({ "riposte:status": status, "riposte:run": "r-20261130-000000000001" });
    for (k, v) in extra {
        fields[*k] = v.clone().into();
    }
    finding["UserDefinedFields"] = fields;
    finding
}

/// A custom action of the hub stack (`RiposteApprove`, …) on the event's (stale) copy of the finding.
fn action(id: &str, name: &str) -> serde_json::Value {
    let mut event = custom_action(s3_finding());
    event["detail"]["actionName"] = name.into();
    event["resources"] = serde_json::json!([format!(
        "arn:aws:securityhub:us-east-1:999999999999:action/custom/{id}"
    )]);
    event["time"] = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
        .into();
    event
}

fn public_policy_intact(e: &Engine<FakeSpokes, FakeFindings, FakeNotifier>) {
    e.spokes.accounts[ACCOUNT_A].with_state(|s| assert!(s.buckets["example"].policy.is_some()));
}

#[tokio::test]
async fn an_approval_is_decided_on_security_hubs_copy_not_on_the_event() {
    let e = engine(world(), default_config());
    // What Security Hub holds: awaiting, unexpired, unchanged. The event still shows it NEW.
    let mut held = held_as("awaiting-approval", "NOTIFIED", &[]);
    let as_finding: riposte_shared::asff::Finding =
        serde_json::from_value(held.clone()).unwrap_or_else(|e| panic!("{e}"));
    held["UserDefinedFields"][FIELD_EXPIRES] = expiry(OffsetDateTime::now_utc(), 1).into();
    held["UserDefinedFields"][FIELD_FINGERPRINT] = fingerprint(&as_finding).into();
    e.findings.import(&held);
    let report = e
        .run(
            sqs(&[action("RiposteApprove", "Riposte: approve")]),
            Mode::Remediate,
        )
        .await;
    assert_eq!(
        report.findings[0].status,
        Some(RiposteStatus::Remediated),
        "{report:#?}"
    );
    let approved_by = report.findings[0]
        .fields
        .get("riposte:approved-by")
        .cloned()
        .unwrap_or_default();
    assert!(approved_by.contains("Riposte: approve"), "{approved_by}");
}

#[tokio::test]
async fn another_tools_custom_action_is_left_alone() {
    let e = engine(world(), default_config());
    let report = e
        .run(
            sqs(&[action("SendToJira", "Send to Jira")]),
            Mode::Remediate,
        )
        .await;
    assert_eq!(report.findings[0].decision, DecisionKind::Skip);
    assert_eq!(e.spokes.member_calls.load(Ordering::Relaxed), 0);
    public_policy_intact(&e);
}

#[tokio::test]
async fn an_undo_without_the_audit_archive_fails_saying_where_the_prior_state_lives() {
    let e = engine(world(), default_config());
    e.findings.import(&held_as("remediated", "RESOLVED", &[]));
    let report = e
        .run(
            sqs(&[action("RiposteUndo", "Riposte: undo")]),
            Mode::Remediate,
        )
        .await;
    let f = &report.findings[0];
    assert_eq!(f.decision, DecisionKind::Undo);
    // Nothing was undone: the finding keeps "remediated"; the reason goes to the caller and the log.
    assert_eq!(f.status, None);
    assert!(f.reason.contains("audit archive"), "{}", f.reason);
    assert_eq!(f.failure, Some(Failure::Final));
    assert!(e.findings.final_payloads().is_empty());
    public_policy_intact(&e);
}
