//! What a run reports: one result per finding (the audit record), rendered as a table or JSON for the
//! CLI, as one audit log line per finding, and as one CloudWatch EMF metrics line per finding.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use riposte_shared::audit::StepRecord;
use riposte_shared::policy::DecisionKind;
use riposte_shared::writeback::RiposteStatus;

use crate::engine::Mode;
use serde::Serialize;
use serde_json::{json, Value};

/// Whether a failed finding's delivery is worth retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// A redelivery cannot help (denied, missing role or resource, refusal): written back once and
    /// notified once where there is a finding to write to, not redelivered.
    Final,
    /// Throttling, 5xx, timeouts, expired credentials, Security Hub unreadable, the time budget: the
    /// message is redelivered; written back and notified only on its last delivery.
    Transient,
}

/// What became of a finding's write-back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteBackState {
    /// Not decided yet (a plan, or before the run's end).
    Pending,
    /// Nothing to write (skipped, or refused without a finding to write to).
    NotNeeded,
    /// Security Hub's copy already carries this outcome.
    Unchanged,
    Written,
    /// A transient failure before the last delivery: the redelivery writes it.
    Deferred,
    Failed(String),
}

impl std::fmt::Display for WriteBackState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Pending => write!(f, "pending"),
            Self::NotNeeded => write!(f, "not-needed"),
            Self::Unchanged => write!(f, "unchanged"),
            Self::Written => write!(f, "written"),
            Self::Deferred => write!(f, "deferred: the message is redelivered"),
            Self::Failed(error) => write!(f, "failed: {error}"),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct FindingResult {
    /// SQS message id the finding came in.
    pub message_id: Option<String>,
    /// Which delivery of the message this was (SQS `ApproximateReceiveCount`).
    pub receive_count: Option<u32>,
    pub finding_id: String,
    pub product_arn: String,
    pub created_at: Option<String>,
    pub account: String,
    pub region: String,
    pub resource: String,
    pub playbook: Option<String>,
    pub decision: DecisionKind,
    pub reason: String,
    /// What was (or, in a plan, would be) written back.
    pub status: Option<RiposteStatus>,
    /// `plan`: the steps the playbook would take. `remediate`: empty.
    pub planned_steps: Vec<String>,
    pub steps: Vec<StepRecord>,
    pub manual: Vec<String>,
    /// The package updates the finding's vulnerabilities call for (Amazon Inspector), one per line: in
    /// the notice's next steps, not in the note (the note stays the same for the batch's findings, so
    /// their write-back groups).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<String>,
    /// Write-back result: `written`, `unchanged` (already carried), `not-needed`, or the error.
    pub write_back: WriteBackState,
    /// Hub time spent on this finding's playbook: session (usually cached), steps, verification. The
    /// batch's shared claim, write-back and notification calls are not in it.
    pub hub_ms: f64,
    /// The finding failed (the CLI exits 1), and whether its delivery is retried.
    pub failure: Option<Failure>,
    /// The spoke role session (RoleSessionName, also the SourceIdentity) its member-account calls were
    /// made under: sessions are cached per container, so this joins the record with CloudTrail.
    pub spoke_session: Option<String>,
    /// The finding's own title.
    pub title: Option<String>,
    /// Who asked for this run, when an analyst did (custom action or the CLI caller's identity).
    pub requested_by: Option<String>,
    /// Fields written back besides status, playbook and run (approval expiry and fingerprint, approver).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
    /// Not notified on its own (a limit reached: the team is told once, by another finding).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
}

impl FindingResult {
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub run: String,
    pub mode: Mode,
    pub findings: Vec<FindingResult>,
    /// Messages refused as a whole (unreadable body, unsupported format), with the reason.
    pub refused_messages: Vec<RefusedMessage>,
    pub assume_role_calls: usize,
    pub notification_error: Option<String>,
    /// Object key of the archived audit record, when archived.
    pub audit_record: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RefusedMessage {
    pub message_id: Option<String>,
    pub reason: String,
}

impl RunReport {
    pub fn any_failed(&self) -> bool {
        !self.refused_messages.is_empty() || self.findings.iter().any(FindingResult::failed)
    }

    /// SQS message ids to report in `batchItemFailures`.
    pub fn failed_messages(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .refused_messages
            .iter()
            .filter_map(|m| m.message_id.clone())
            .chain(self.to_retry().filter_map(|f| f.message_id.clone()))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Failed findings a redelivery may fix; final failures are written back once and not redelivered.
    pub fn to_retry(&self) -> impl Iterator<Item = &FindingResult> {
        self.findings
            .iter()
            .filter(|f| f.failure == Some(Failure::Transient))
    }

    pub fn table(&self) -> String {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(160);
        let plan = self.mode == Mode::Plan;
        table.set_header(vec![
            "account",
            "region",
            "resource",
            "playbook",
            "decision",
            "reason",
            if plan { "would" } else { "outcome" },
        ]);
        for f in &self.findings {
            let detail = if plan {
                f.planned_steps
                    .iter()
                    .map(|s| format!("• {s}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                let mut lines: Vec<String> = f
                    .steps
                    .iter()
                    .map(|s| format!("{:?}: {}", s.outcome, s.detail))
                    .collect();
                lines.extend(f.manual.iter().map(|m| format!("TODO: {m}")));
                lines.insert(
                    0,
                    format!(
                        "{} (write-back {}, {:.0} ms)",
                        f.status.map(|s| s.as_str()).unwrap_or("-"),
                        f.write_back,
                        f.hub_ms
                    ),
                );
                lines.join("\n")
            };
            table.add_row(vec![
                f.account.clone(),
                f.region.clone(),
                f.resource.clone(),
                f.playbook.clone().unwrap_or_else(|| "-".into()),
                f.decision.as_str().to_owned(),
                f.reason.clone(),
                detail,
            ]);
        }
        let mut out = table.to_string();
        for refused in &self.refused_messages {
            out.push_str(&format!(
                "\nrefused input{}: {}",
                refused
                    .message_id
                    .as_deref()
                    .map(|m| format!(" (message {m})"))
                    .unwrap_or_default(),
                refused.reason
            ));
        }
        out.push_str(&format!(
            "\nrun {} — {} finding(s), {} failed, {} AssumeRole call(s)\n",
            self.run,
            self.findings.len(),
            self.findings.iter().filter(|f| f.failed()).count(),
            self.assume_role_calls
        ));
        out
    }
}

/// One CloudWatch Embedded Metric Format document for a handled finding.
pub fn emf(result: &FindingResult, time_to_resolve_seconds: Option<f64>, now_ms: i64) -> Value {
    let outcome = result
        .status
        .map(|s| s.as_str())
        .unwrap_or(result.decision.as_str());
    let mut metrics = vec![
        json!({"Name": "Findings", "Unit": "Count"}),
        json!({"Name": "RemediationMs", "Unit": "Milliseconds"}),
    ];
    let mut doc = json!({
        "Playbook": result.playbook.clone().unwrap_or_else(|| "none".into()),
        "Outcome": outcome,
        "Findings": 1,
        "RemediationMs": result.hub_ms,
        "FindingId": result.finding_id,
        "Account": result.account,
    });
    if let Some(seconds) = time_to_resolve_seconds {
        metrics.push(json!({"Name": "TimeToResolveSeconds", "Unit": "Seconds"}));
        doc["TimeToResolveSeconds"] = json!(seconds);
    }
    doc["_aws"] = json!({
        "Timestamp": now_ms,
        "CloudWatchMetrics": [{"Namespace": "Riposte", "Dimensions": [["Playbook", "Outcome"], ["Playbook"], ["Outcome"]], "Metrics": metrics}],
    });
    doc
}
