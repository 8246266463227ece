//! The engine: one run over a batch of messages. Decide every finding (pure), claim the ones to act on
//! (NOTIFIED, one grouped write-back), run their playbooks concurrently — every account in parallel,
//! at most `max_per_account` findings at a time within one — write the outcomes back grouped by
//! identical payload, notify, and log one audit line and one EMF line per finding.

use futures::future::join_all;
use riposte_shared::approval;
use riposte_shared::event::Message;
use riposte_shared::ids::{AccountId, FindingRef, Region};
use riposte_shared::notify::Notification;
use riposte_shared::policy::{assess, Decision};
use riposte_shared::ports::{FindingsPort, NotifyPort, SpokesPort};
use riposte_shared::writeback::{RiposteStatus, WriteBack};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::report::{Failure, FindingResult, RunReport, WriteBackState};

mod intake;
mod limits;
mod outcome;
mod playbook;
mod undo;
use intake::{Delivery, Work};
use playbook::summary;

/// Attempts for findings Security Hub leaves unprocessed (throttling is retried by the SDK itself).
const WRITE_BACK_ATTEMPTS: u32 = 3;
/// No playbook starts with less than this left before the invocation's deadline: the findings not
/// started are reported failed so that only their messages are redelivered.
pub const TIME_MARGIN: Duration = Duration::from_secs(20);
/// A paced call must have its token this long before a playbook is stopped: room for the call itself.
pub const CALL_ROOM: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Decide and print; no AWS call at all.
    Plan,
    Remediate,
}

/// A notifier that tells nobody, for runs without a topic.
pub struct NoNotifier;
impl NotifyPort for NoNotifier {
    async fn notify(&self, _messages: &[Notification]) -> riposte_shared::ports::PortResult<()> {
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
    /// Settings re-read without a deploy (SSM parameters); `None`: `config` as it is.
    pub live: Option<crate::settings::live::LiveSettings>,
    /// The shared hourly counts of automatic remediations (blast-radius limits); `None`: no limits.
    pub limits: Option<crate::aws::limits::Limiter>,
    /// The member calls' token buckets, set to `[pacing]` at each run; `None`: not paced (fakes).
    pub pacer: Option<std::sync::Arc<crate::aws::pacer::Pacer>>,
}

/// A run id names its day (`r-20261130-1a2b3c4d5e6f`): the audit record's key follows from it.
fn new_run_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let today = OffsetDateTime::now_utc().date();
    format!(
        "r-{:04}{:02}{:02}-{}",
        today.year(),
        u8::from(today.month()),
        today.day(),
        &id[..12]
    )
}

impl<S: SpokesPort, F: FindingsPort, N: NotifyPort> Engine<S, F, N> {
    pub async fn run(&self, messages: Vec<Message>, mode: Mode) -> RunReport {
        self.run_until(messages, mode, None).await
    }

    /// A run that starts no playbook past `deadline - TIME_MARGIN` (the Lambda's deadline).
    pub async fn run_until(
        &self,
        messages: Vec<Message>,
        mode: Mode,
        deadline: Option<Instant>,
    ) -> RunReport {
        let run = new_run_id();
        let (deliveries, refused_messages) = intake::deliveries(messages, &run);
        let config = match self.current_config(mode).await {
            Ok(config) => config,
            Err(e) => {
                // No settings anybody chose are in force: act on nothing, retry every message.
                tracing::error!(run, error = %e, "settings unreadable: nothing is acted on, the messages are retried");
                let reason = format!("the settings cannot be read ({e})");
                let work = deliveries.into_iter().map(|d| intake::unread(d, &reason));
                let settings = &self.config.document;
                return self
                    .finish(run, mode, work.collect(), refused_messages, settings)
                    .await;
            }
        };
        let mut work: Vec<Work> = match mode {
            Mode::Plan => deliveries
                .into_iter()
                .map(|d| intake::on_message_copy(d, &config.policy))
                .collect(),
            Mode::Remediate => self.security_hub_copies(deliveries, &config.policy).await,
        };
        if mode == Mode::Remediate {
            self.spokes.new_batch();
            if let Some(pacer) = &self.pacer {
                pacer.set(&config.document.pacing);
            }
            self.remediate(&run, &mut work, deadline, &config).await;
        }
        self.finish(run, mode, work, refused_messages, &config.document)
            .await
    }

    /// The configuration of this run: the settings in force now (re-read when live), or as started.
    async fn current_config(
        &self,
        mode: Mode,
    ) -> Result<std::borrow::Cow<'_, Config>, crate::HubError> {
        match (&self.live, mode) {
            (Some(live), Mode::Remediate) => {
                live.config(&self.config).await.map(std::borrow::Cow::Owned)
            }
            _ => Ok(std::borrow::Cow::Borrowed(&self.config)),
        }
    }

    /// Report, notify, log and archive a run's work.
    async fn finish(
        &self,
        run: String,
        mode: Mode,
        work: Vec<Work>,
        refused_messages: Vec<crate::report::RefusedMessage>,
        settings: &crate::settings::Settings,
    ) -> RunReport {
        let mut report = RunReport {
            run,
            mode,
            findings: work.into_iter().map(|w| w.result).collect(),
            refused_messages,
            assume_role_calls: 0,
            notification_error: None,
            audit_record: None,
        };
        if mode == Mode::Remediate {
            report.notification_error = self.notify(&report, settings).await;
            self.log(&report);
            // Runs that handled nothing (replays, Riposte's own write-back events) leave no record.
            let handled = report
                .findings
                .iter()
                .any(|f| f.status.is_some() || f.failed() || !f.steps.is_empty())
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

    async fn remediate(
        &self,
        run: &str,
        work: &mut [Work],
        deadline: Option<Instant>,
        config: &Config,
    ) {
        self.within_limits(work, config).await;
        // Claim what we are about to act on, so analysts see it in progress. One payload for every
        // playbook (the run id leads to the details): one BatchUpdateFindings per 100 findings, not
        // one per playbook.
        let claim = WriteBack::new(RiposteStatus::InProgress, None, run, "remediation started");
        let claims: Vec<(FindingRef, WriteBack)> = work
            .iter()
            .filter(|w| w.assessment.decision == Decision::Remediate)
            .map(|w| (w.finding.reference(), claim.clone()))
            .collect();
        if !claims.is_empty() {
            // A failed claim is not fatal: the final write-back reports, and the run stays idempotent.
            let payloads: HashMap<FindingRef, WriteBack> = claims.iter().cloned().collect();
            for (finding, outcome) in self.write_back(claims).await {
                match outcome {
                    // Security Hub's copy now carries the claim: "already carried" compares against it.
                    Ok(()) => {
                        if let (Some(w), Some(claim)) = (
                            work.iter_mut().find(|w| w.finding.reference() == finding),
                            payloads.get(&finding),
                        ) {
                            claim.apply_to(&mut w.finding);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(run, finding_id = %finding.id, error = %e, "claim not written")
                    }
                }
            }
        }

        let mut gates: HashMap<AccountId, Arc<Semaphore>> = HashMap::new();
        // Findings on one resource (IAM.15 and IAM.16 on one password policy) run one after the other:
        // each reads, changes its part and writes the whole, so run together one would undo the other.
        let mut resources: HashMap<(AccountId, Option<Region>, String), Arc<Semaphore>> =
            HashMap::new();
        let jobs = work.iter_mut().map(|w| {
            let gate = gates
                .entry(w.assessment.account.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(config.max_per_account)))
                .clone();
            let resource = (
                w.assessment.account.clone(),
                w.assessment.region.clone(),
                w.assessment
                    .target
                    .as_ref()
                    .map(|t| t.label())
                    .unwrap_or_default(),
            );
            let one_at_a_time = resources
                .entry(resource)
                .or_insert_with(|| Arc::new(Semaphore::new(1)))
                .clone();
            Box::pin(self.remediate_one(run, w, [one_at_a_time, gate], deadline, config))
        });
        join_all(jobs).await;
        for w in work.iter_mut() {
            self.defer_if_retried(w);
        }

        let mut outcomes: Vec<(FindingRef, WriteBack)> = Vec::new();
        for w in work.iter_mut() {
            let Some(status) = w.result.status else {
                if w.result.write_back == WriteBackState::Pending {
                    w.result.write_back = WriteBackState::NotNeeded;
                }
                continue;
            };
            if status == RiposteStatus::AwaitingApproval {
                let hours = config.document.approval.expiry_hours.get();
                let expires = approval::expiry(OffsetDateTime::now_utc(), hours);
                w.result
                    .fields
                    .insert(approval::FIELD_EXPIRES.into(), expires);
                w.result.fields.insert(
                    approval::FIELD_FINGERPRINT.into(),
                    approval::fingerprint(&w.finding),
                );
            }
            let mut payload = WriteBack::new(
                status,
                w.result.playbook.as_deref(),
                run,
                &summary(&w.result),
            );
            payload.fields.extend(w.result.fields.clone());
            if payload.already_carried_by(&w.finding) {
                w.result.write_back = WriteBackState::Unchanged;
            } else {
                outcomes.push((w.finding.reference(), payload));
            }
        }
        let written = self.write_back(outcomes).await;
        for w in work.iter_mut() {
            if let Some(outcome) = written.get(&w.finding.reference()) {
                match outcome {
                    Ok(()) => w.result.write_back = WriteBackState::Written,
                    Err(e) => {
                        // The redelivery finds the claim (in progress) and writes the outcome again; the
                        // team is told once, on the last delivery.
                        w.result.write_back = WriteBackState::Failed(e.clone());
                        if self.last_delivery(&w.result) {
                            w.result.failure = Some(Failure::Final);
                        } else {
                            w.result.failure = Some(Failure::Transient);
                            w.result.status = None;
                        }
                    }
                }
            }
        }
    }

    /// SQS delivers a message at most `max_receive_count` times; the CLI and direct invocations once.
    fn last_delivery(&self, result: &FindingResult) -> bool {
        result
            .receive_count
            .is_none_or(|n| n >= self.config.max_receive_count)
    }

    /// A transient failure before the last delivery is neither written back nor notified: the claim
    /// (in progress) stays, and the redelivery resumes it. On the last delivery it is final.
    fn defer_if_retried(&self, w: &mut Work) {
        if w.result.failure == Some(Failure::Transient) && !self.last_delivery(&w.result) {
            w.result.status = None;
            w.result.write_back = WriteBackState::Deferred;
        }
    }

    /// Security Hub is the source of truth: every finding the message would have Riposte act on is
    /// replaced by Security Hub's own copy (GetFindings by Id + ProductArn) and decided again on it. A
    /// finding the message already shows as not Riposte's (not NEW, archived, no playbook, Riposte's
    /// own write-back) is skipped without a call: a forged message can make Riposte do less, never more.
    async fn security_hub_copies(
        &self,
        deliveries: Vec<Delivery>,
        policy: &riposte_shared::policy::Policy,
    ) -> Vec<Work> {
        // The message copy is assessed once: to decide whether to fetch, and as the work when not.
        let mut to_fetch: Vec<Delivery> = Vec::new();
        let mut work: Vec<Work> = Vec::new();
        for d in deliveries {
            if d.source == riposte_shared::event::Source::Sweep {
                // The sweep read these from Security Hub a moment ago: they are its copies.
                let copy = [d.finding.clone()];
                work.push(intake::on_security_hub_copy(d, &copy, policy));
                continue;
            }
            let on_message = assess(&d.finding, &d.source, d.region.as_ref(), policy);
            // An analyst's action is always decided on Security Hub's copy: the approval, undo and
            // ignore rules read the finding's current state, which an event may show stale.
            let fetch = d.analyst()
                || (!intake::riposte_s_own_event(&d)
                    && !matches!(on_message.decision, Decision::Skip(_)));
            if !d.duplicate && fetch {
                to_fetch.push(d);
            } else {
                work.push(intake::without_security_hub(d, on_message));
            }
        }
        if to_fetch.is_empty() {
            return work;
        }
        let refs: Vec<FindingRef> = to_fetch.iter().map(|d| d.finding.reference()).collect();
        match self.findings.get_findings(&refs).await {
            Ok(copies) => work.extend(
                to_fetch
                    .into_iter()
                    .map(|d| intake::on_security_hub_copy(d, &copies, policy)),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "Security Hub cannot be read: nothing is acted on, the messages are retried");
                let reason = e.to_string();
                work.extend(to_fetch.into_iter().map(|d| intake::unread(d, &reason)));
            }
        }
        work
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
