//! The engine: one run over a batch of messages. Decide every finding (pure), claim the ones to act on
//! (NOTIFIED, one grouped write-back), run their playbooks concurrently — every account in parallel,
//! at most `max_per_account` findings at a time within one — write the outcomes back grouped by
//! identical payload, notify, and log one audit line and one EMF line per finding.

use futures::future::join_all;
use riposte_shared::asff::Finding;
use riposte_shared::audit::{PlaybookOutcome, PlaybookReport};
use riposte_shared::catalogue;
use riposte_shared::event::{Message, Source};
use riposte_shared::ids::{AccountId, FindingRef, Region};
use riposte_shared::notify::Notice;
use riposte_shared::playbooks::RunContext;
use riposte_shared::policy::{assess, Assessment, Decision};
use riposte_shared::ports::{FindingsPort, NotifyPort, SpokesPort};
use riposte_shared::writeback::{group, RiposteStatus, WriteBack};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::config::Config;
use crate::report::{emf, FindingResult, RefusedMessage, RunReport};

/// Attempts for findings Security Hub leaves unprocessed (throttling is retried by the SDK itself).
const WRITE_BACK_ATTEMPTS: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Decide and print; no AWS call at all.
    Plan,
    Remediate,
}

/// A notifier that tells nobody, for runs without a topic.
pub struct NoNotifier;
impl NotifyPort for NoNotifier {
    async fn notify(&self, _notices: &[Notice]) -> riposte_shared::ports::PortResult<()> {
        Ok(())
    }
}

pub struct Engine<S, F, N> {
    pub spokes: S,
    pub findings: F,
    pub notifier: N,
    pub config: Config,
    /// Print one CloudWatch EMF line per finding on stdout (Lambda).
    pub emit_metrics: bool,
    /// Where each run's audit record is archived, when configured.
    pub audit: Option<crate::aws::audit::AuditArchive>,
}

struct Work {
    finding: Finding,
    assessment: Assessment,
    result: FindingResult,
    /// It came through an analyst's custom action.
    analyst: bool,
}

fn new_run_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("r-{}", &id[..12])
}

impl<S: SpokesPort, F: FindingsPort, N: NotifyPort> Engine<S, F, N> {
    pub async fn run(&self, messages: Vec<Message>, mode: Mode) -> RunReport {
        let run = new_run_id();
        let mut refused_messages = Vec::new();
        let mut work = Vec::new();
        let mut seen = HashSet::new();
        for message in messages {
            let content = match message.content {
                Ok(content) => content,
                Err(reason) => {
                    tracing::warn!(
                        run,
                        message_id = message.id.as_deref().unwrap_or(""),
                        reason,
                        "message refused"
                    );
                    refused_messages.push(RefusedMessage {
                        message_id: message.id,
                        reason,
                    });
                    continue;
                }
            };
            for finding in content.findings {
                let finding = match finding {
                    Ok(finding) => finding,
                    Err(reason) => {
                        tracing::warn!(
                            run,
                            message_id = message.id.as_deref().unwrap_or(""),
                            reason,
                            "finding refused"
                        );
                        refused_messages.push(RefusedMessage {
                            message_id: message.id.clone(),
                            reason,
                        });
                        continue;
                    }
                };
                let mut assessment = assess(
                    &finding,
                    &content.source,
                    content.region.as_ref(),
                    &self.config.policy,
                );
                if !seen.insert(finding.reference()) {
                    assessment.decision =
                        Decision::Skip("duplicate of another delivery in this batch".into());
                }
                let result =
                    initial_result(&finding, &assessment, message.id.clone(), &content.source);
                work.push(Work {
                    finding,
                    assessment,
                    result,
                    analyst: matches!(content.source, Source::CustomAction { .. }),
                });
            }
        }
        if mode == Mode::Remediate {
            self.remediate(&run, &mut work).await;
        }
        let mut report = RunReport {
            run,
            mode: if mode == Mode::Plan {
                "plan"
            } else {
                "remediate"
            },
            findings: work.into_iter().map(|w| w.result).collect(),
            refused_messages,
            assume_role_calls: 0,
            notification_error: None,
            audit_record: None,
        };
        if mode == Mode::Remediate {
            report.notification_error = self.notify(&report).await;
            self.log(&report);
            // Runs that handled nothing (replays, Riposte's own write-back events) leave no record.
            let handled = report.findings.iter().any(|f| f.status.is_some())
                || !report.refused_messages.is_empty();
            if let Some(audit) = self.audit.as_ref().filter(|_| handled) {
                match audit.put(&report).await {
                    Ok(key) => report.audit_record = Some(key),
                    Err(e) => {
                        tracing::warn!(run = report.run, error = %e, "audit record not archived")
                    }
                }
            }
        }
        report
    }

    async fn remediate(&self, run: &str, work: &mut [Work]) {
        self.skip_already_handled(work).await;
        // Claim what we are about to act on, so analysts see it in progress.
        let claims: Vec<(FindingRef, WriteBack)> = work
            .iter()
            .filter(|w| w.assessment.decision == Decision::Remediate)
            .map(|w| {
                let playbook = w.result.playbook.as_deref();
                (
                    w.finding.reference(),
                    WriteBack::new(
                        RiposteStatus::InProgress,
                        playbook,
                        run,
                        &format!("playbook {} started", playbook.unwrap_or("-")),
                    ),
                )
            })
            .collect();
        if !claims.is_empty() {
            // A failed claim is not fatal: the final write-back reports, and the run stays idempotent.
            for (finding, outcome) in self.write_back(claims).await {
                if let Err(e) = outcome {
                    tracing::warn!(run, finding_id = %finding.id, error = %e, "claim not written");
                }
            }
        }

        let mut gates: HashMap<AccountId, Arc<Semaphore>> = HashMap::new();
        let jobs = work.iter_mut().map(|w| {
            let gate = gates
                .entry(w.assessment.account.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(self.config.max_per_account)))
                .clone();
            Box::pin(self.remediate_one(run, w, gate))
        });
        join_all(jobs).await;

        let mut outcomes: Vec<(FindingRef, WriteBack)> = Vec::new();
        for w in work.iter_mut() {
            let Some(status) = w.result.status else {
                w.result.write_back = "not-needed".into();
                continue;
            };
            let payload = WriteBack::new(
                status,
                w.result.playbook.as_deref(),
                run,
                &summary(&w.result),
            );
            if payload.already_carried_by(&w.finding) {
                w.result.write_back = "unchanged".into();
            } else {
                outcomes.push((w.finding.reference(), payload));
            }
        }
        let written = self.write_back(outcomes).await;
        for w in work.iter_mut() {
            if let Some(outcome) = written.get(&w.finding.reference()) {
                match outcome {
                    Ok(()) => w.result.write_back = "written".into(),
                    Err(e) => {
                        w.result.write_back = format!("failed: {e}");
                        w.result.failed = true;
                    }
                }
            }
        }
    }

    /// The event may be stale (a replay, a redelivery after a timeout): ask Security Hub where the
    /// findings we are about to act on stand now, and skip those no longer open for Riposte.
    async fn skip_already_handled(&self, work: &mut [Work]) {
        let pending: Vec<FindingRef> = work
            .iter()
            .filter(|w| !matches!(w.assessment.decision, Decision::Skip(_)))
            .map(|w| w.finding.reference())
            .collect();
        if pending.is_empty() {
            return;
        }
        let states = match self.findings.current_state(&pending).await {
            Ok(states) => states,
            Err(e) => {
                // Acting on the event's snapshot is safe (playbooks are idempotent); only less frugal.
                tracing::warn!(error = %e, "cannot read the findings' current state; acting on the event's snapshot");
                return;
            }
        };
        for w in work
            .iter_mut()
            .filter(|w| !matches!(w.assessment.decision, Decision::Skip(_)))
        {
            let reference = w.finding.reference();
            let Some(state) = states.iter().find(|s| s.finding == reference) else {
                continue;
            };
            let workflow = state.workflow_status.as_deref().unwrap_or("NEW");
            let record = state.record_state.as_deref().unwrap_or("ACTIVE");
            let riposte = state.riposte_status.as_deref();
            let remediating = w.assessment.decision == Decision::Remediate;
            // A run that crashed after its claim, or a retry after a failure, must run again; an
            // analyst's action may act on a NOTIFIED finding. Anything else was handled already.
            let open = record == "ACTIVE"
                && (workflow == "NEW"
                    || (workflow == "NOTIFIED"
                        && remediating
                        && (w.analyst || matches!(riposte, Some("in-progress" | "failed")))));
            if !open {
                let by_riposte = riposte
                    .map(|s| format!(", riposte:status {s}"))
                    .unwrap_or_default();
                w.assessment.decision = Decision::Skip(format!(
                    "already handled: Security Hub now says {workflow}/{record}{by_riposte}"
                ));
                w.result.decision = w.assessment.decision.name().to_owned();
                w.result.reason = w.assessment.decision.reason().to_owned();
                w.result.status = None;
                w.result.failed = false;
                w.result.planned_steps.clear();
            }
        }
    }

    /// One finding's playbook, at most `max_per_account` at a time per account, timed and logged in
    /// the finding's span.
    async fn remediate_one(&self, run: &str, w: &mut Work, gate: Arc<Semaphore>) {
        if w.assessment.decision != Decision::Remediate {
            return;
        }
        let _permit = gate.acquire().await;
        let started = Instant::now();
        let span = tracing::info_span!(
            "finding",
            run,
            finding_id = %w.finding.id,
            account = %w.result.account,
            region = %w.result.region,
            playbook = w.result.playbook.as_deref().unwrap_or(""),
        );
        let report = self.run_playbook(w).instrument(span).await;
        apply_report(&mut w.result, report);
        w.result.hub_ms = started.elapsed().as_secs_f64() * 1000.0;
    }

    async fn run_playbook(&self, w: &Work) -> Result<PlaybookReport, String> {
        let (Some(spec), Some(target), Some(region)) = (
            w.assessment.playbook,
            w.assessment.target.as_ref(),
            w.assessment.region.as_ref(),
        ) else {
            return Err("internal: a remediate decision without playbook, target or region".into());
        };
        let ports = self
            .spokes
            .member(&w.assessment.account, region)
            .await
            .map_err(|e| {
                format!(
                    "cannot reach account {} through the spoke role: {e}",
                    w.assessment.account
                )
            })?;
        let ctx = RunContext {
            account: w.assessment.account.clone(),
            region: region.clone(),
            now: OffsetDateTime::now_utc(),
            observed_at: w
                .finding
                .observed_at()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()),
            linked_secret_tag: self.config.linked_secret_tag.clone(),
            exclusion_tag: w.assessment.live_exclusion_tag.clone(),
        };
        // Boxed: SDK futures are large, and a batch holds many of them at once.
        let report = Box::pin(catalogue::run(spec, &*ports, &ctx, target)).await;
        for step in &report.steps {
            tracing::info!(step = step.step, api = step.api.as_deref().unwrap_or(""), target = step.target, outcome = ?step.outcome, detail = step.detail, "step");
        }
        Ok(report)
    }

    /// Write payloads back grouped; retry findings left unprocessed. Returns each finding's result.
    async fn write_back(
        &self,
        items: Vec<(FindingRef, WriteBack)>,
    ) -> BTreeMap<FindingRef, Result<(), String>> {
        let mut results = BTreeMap::new();
        for (payload, refs) in group(items) {
            let mut pending = refs;
            for attempt in 1..=WRITE_BACK_ATTEMPTS {
                match self.findings.update_findings(&pending, &payload).await {
                    Ok(unprocessed) => {
                        let left: HashMap<&FindingRef, String> = unprocessed
                            .iter()
                            .map(|u| (&u.finding, format!("{}: {}", u.code, u.message)))
                            .collect();
                        for finding in &pending {
                            match left.get(finding) {
                                None => results.insert(finding.clone(), Ok(())),
                                Some(error) => results.insert(
                                    finding.clone(),
                                    Err(format!("unprocessed after {attempt} attempt(s): {error}")),
                                ),
                            };
                        }
                        pending = unprocessed
                            .into_iter()
                            .map(|u| u.finding)
                            .filter(|f| pending.contains(f))
                            .collect();
                    }
                    Err(e) => {
                        for finding in &pending {
                            results.insert(finding.clone(), Err(e.to_string()));
                        }
                    }
                }
                if pending.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
        }
        results
    }

    async fn notify(&self, report: &RunReport) -> Option<String> {
        let notices: Vec<Notice> = report
            .findings
            .iter()
            .filter_map(|f| {
                let status = f.status?;
                Some(Notice {
                    finding_id: f.finding_id.clone(),
                    title: f.resource.clone(),
                    account: f.account.clone(),
                    region: f.region.clone(),
                    resource: f.resource.clone(),
                    playbook: f.playbook.clone(),
                    status,
                    reason: f.reason.clone(),
                    actions: f.steps.iter().map(|s| s.detail.clone()).collect(),
                    next_steps: f.manual.clone(),
                    run: report.run.clone(),
                })
            })
            .collect();
        if notices.is_empty() {
            return None;
        }
        match self.notifier.notify(&notices).await {
            Ok(()) => None,
            Err(e) => {
                tracing::warn!(run = report.run, error = %e, "notification failed");
                Some(e.to_string())
            }
        }
    }

    fn log(&self, report: &RunReport) {
        let now = OffsetDateTime::now_utc();
        for f in &report.findings {
            let record = serde_json::to_string(f).unwrap_or_default();
            tracing::info!(target: "riposte::audit", run = report.run, finding_id = f.finding_id, account = f.account, outcome = f.status.map(|s| s.as_str()).unwrap_or(&f.decision), record, "audit");
            if self.emit_metrics && f.status.is_some() {
                let resolved = (f.status == Some(RiposteStatus::Remediated))
                    .then(|| time_to_resolve(f, now))
                    .flatten();
                println!(
                    "{}",
                    emf(f, resolved, (now.unix_timestamp_nanos() / 1_000_000) as i64)
                );
            }
        }
    }
}

/// Seconds from the finding's creation to now, the moment Riposte resolved it.
fn time_to_resolve(f: &FindingResult, now: OffsetDateTime) -> Option<f64> {
    let created = OffsetDateTime::parse(f.created_at.as_deref()?, &Rfc3339).ok()?;
    Some((now - created).as_seconds_f64())
}

fn initial_result(
    finding: &Finding,
    a: &Assessment,
    message_id: Option<String>,
    source: &Source,
) -> FindingResult {
    let status = match &a.decision {
        Decision::Remediate => None,
        Decision::NotifyOnly(_) => Some(RiposteStatus::NotifyOnly),
        Decision::AwaitApproval(_) => Some(RiposteStatus::AwaitingApproval),
        Decision::Excluded(_) => Some(RiposteStatus::Excluded),
        Decision::Refused(_) => Some(RiposteStatus::Failed),
        Decision::Skip(_) => None,
    };
    let resource = a
        .target
        .as_ref()
        .map(|t| t.label())
        .or_else(|| finding.resources.first().map(|r| r.id.clone()))
        .unwrap_or_default();
    let reason = match source {
        Source::CustomAction { action_name, .. } if a.decision == Decision::Remediate => {
            format!("analyst action \"{action_name}\"")
        }
        _ => a.decision.reason().to_owned(),
    };
    FindingResult {
        message_id,
        finding_id: finding.id.clone(),
        product_arn: finding.product_arn.clone(),
        created_at: finding.created_at.clone(),
        account: a.account.to_string(),
        region: a.region.as_ref().map(Region::to_string).unwrap_or_default(),
        resource,
        playbook: a.playbook.map(|p| p.id.to_owned()),
        decision: a.decision.name().to_owned(),
        reason,
        status,
        planned_steps: match (&a.decision, a.playbook) {
            (Decision::Remediate, Some(spec)) => spec.steps.iter().map(|s| s.to_string()).collect(),
            _ => Vec::new(),
        },
        steps: Vec::new(),
        manual: Vec::new(),
        write_back: String::new(),
        hub_ms: 0.0,
        failed: status == Some(RiposteStatus::Failed),
    }
}

fn apply_report(result: &mut FindingResult, report: Result<PlaybookReport, String>) {
    match report {
        Err(reason) => {
            result.status = Some(RiposteStatus::Failed);
            result.reason = reason;
            result.failed = true;
        }
        Ok(report) => {
            result.status = Some(match &report.outcome {
                PlaybookOutcome::Remediated => RiposteStatus::Remediated,
                PlaybookOutcome::Excluded { .. } => RiposteStatus::Excluded,
                PlaybookOutcome::Failed { .. } => RiposteStatus::Failed,
            });
            match &report.outcome {
                PlaybookOutcome::Excluded { reason } | PlaybookOutcome::Failed { reason } => {
                    result.reason = reason.clone()
                }
                PlaybookOutcome::Remediated => {}
            }
            result.failed = matches!(report.outcome, PlaybookOutcome::Failed { .. });
            result.steps = report.steps;
            result.manual = report.manual;
        }
    }
}

/// The note's summary: the outcome and its reason, plus follow-ups a human must do.
fn summary(result: &FindingResult) -> String {
    let mut text = match result.status {
        Some(RiposteStatus::Remediated) => format!(
            "remediated and verified by playbook {}",
            result.playbook.as_deref().unwrap_or("-")
        ),
        _ => result.reason.clone(),
    };
    if !result.manual.is_empty() {
        text.push_str("; left for you: ");
        text.push_str(&result.manual.join("; "));
    }
    text
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
