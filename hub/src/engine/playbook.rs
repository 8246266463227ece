//! Running one finding's playbook (or its undo) in the member account: its turn among the account's
//! and the resource's, the time budget and the pacer's cut-off, the spoke session, the context a
//! playbook sees, and how its report becomes the finding's result.

use riposte_shared::audit::{PlaybookOutcome, PlaybookReport};
use riposte_shared::catalogue;
use riposte_shared::ids::{AccountId, Region};
use riposte_shared::playbooks::RunContext;
use riposte_shared::ports::{FindingsPort, NotifyPort, PortError, SpokesPort};
use riposte_shared::writeback::RiposteStatus;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use riposte_shared::policy::Decision;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::intake::Work;
use super::{undo, Engine, CALL_ROOM, TIME_MARGIN};
use crate::config::Config;
use crate::report::{Failure, FindingResult};

impl<S: SpokesPort, F: FindingsPort, N: NotifyPort> Engine<S, F, N> {
    /// One finding's playbook, at most `max_per_account` at a time per account and one at a time per
    /// resource, timed and logged in the finding's span; none starts too close to the invocation's
    /// deadline.
    pub(super) async fn remediate_one(
        &self,
        run: &str,
        w: &mut Work,
        [resource, account]: [Arc<Semaphore>; 2],
        deadline: Option<Instant>,
        config: &Config,
    ) {
        let undo = matches!(w.assessment.decision, Decision::Undo(_));
        if w.assessment.decision != Decision::Remediate && !undo {
            return;
        }
        // The resource first: waiting for it holds none of the account's slots.
        let _resource = resource.acquire().await;
        let _permit = account.acquire().await;
        if deadline.is_some_and(|d| d.saturating_duration_since(Instant::now()) < TIME_MARGIN) {
            w.result.status = Some(RiposteStatus::Failed);
            w.result.reason = "not started: the invocation's time budget ran out".into();
            w.result.failure = Some(Failure::Transient);
            return;
        }
        let started = Instant::now();
        let span = tracing::info_span!(
            "finding",
            run,
            finding_id = %w.finding.id,
            account = %w.result.account,
            region = %w.result.region,
            playbook = w.result.playbook.as_deref().unwrap_or(""),
        );
        // A playbook still running at half the margin before the deadline is abandoned (transient):
        // the invocation must end in time to report its batch.
        let bounded: std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send + '_>> = if undo {
            Box::pin(self.run_undo(w, config).instrument(span))
        } else {
            Box::pin(self.run_playbook(w, config).instrument(span))
        };
        let report = match deadline {
            Some(d) => {
                let stop = d.checked_sub(TIME_MARGIN / 2).unwrap_or(d);
                // A paced call that could not get its token before this is not sent (transient):
                // the playbook still reports what it did.
                let cutoff = stop.checked_sub(CALL_ROOM).unwrap_or(stop);
                tokio::time::timeout_at(
                    tokio::time::Instant::from_std(stop),
                    crate::aws::pacer::CUTOFF.scope(cutoff, bounded),
                )
                .await
                .unwrap_or_else(|_| {
                    Err((
                        "stopped: the invocation's time budget ran out mid-playbook".into(),
                        Failure::Transient,
                    ))
                })
            }
            None => bounded.await,
        };
        apply_report(&mut w.result, report);
        if undo {
            undo::conclude(&mut w.result);
        }
        w.result.spoke_session = self.spokes.session_name();
        w.result.hub_ms = started.elapsed().as_secs_f64() * 1000.0;
    }

    /// What a playbook or its undo runs with: the spec, the target, the member account's ports and the
    /// context.
    pub(super) async fn prepare<'w>(
        &self,
        w: &'w Work,
        config: &Config,
    ) -> Result<Prepared<'w, S::Member>, (String, Failure)> {
        let (Some(spec), Some(target), Some(region)) = (
            w.assessment.playbook,
            w.assessment.target.as_ref(),
            w.assessment.region.as_ref(),
        ) else {
            return Err((
                "internal: a decision to act without playbook, target or region".into(),
                Failure::Final,
            ));
        };
        let account = &w.assessment.account;
        let ports = self
            .spokes
            .member(account, region)
            .await
            .map_err(|e| spoke_unreachable(&e, account, &self.config.policy.spoke_role_name))?;
        Ok(Prepared {
            spec,
            target,
            ports,
            ctx: self.context(w, region, config),
        })
    }

    pub(super) async fn run_playbook(
        &self,
        w: &Work,
        config: &Config,
    ) -> Result<PlaybookReport, (String, Failure)> {
        let p = self.prepare(w, config).await?;
        // Boxed: SDK futures are large, and a batch holds many of them at once.
        let report = Box::pin(catalogue::run(p.spec, &*p.ports, &p.ctx, p.target)).await;
        log_steps(&report, "step");
        Ok(report)
    }

    pub(super) fn context(&self, w: &Work, region: &Region, config: &Config) -> RunContext {
        let account = &w.assessment.account;
        RunContext {
            account: account.clone(),
            region: region.clone(),
            now: OffsetDateTime::now_utc(),
            observed_at: w
                .finding
                .observed_at()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()),
            linked_secret_tag: config.linked_secret_tag.clone(),
            max_key_age_days: config.max_key_age_days,
            secret_regions: std::iter::once(region.clone())
                .chain(config.regions.iter().filter(|r| *r != region).cloned())
                .collect(),
            exclusion_tag: w.assessment.live_exclusion_tag.clone(),
            control: w.finding.control_id(),
            config_rule: w.finding.config_rule(),
            control_parameters: w
                .finding
                .compliance
                .iter()
                .flat_map(|c| &c.security_control_parameters)
                .map(|p| (p.name.clone(), p.value.clone()))
                .collect(),
            settings: config.settings.clone(),
            protected_principals: config.policy.protected_principals.clone(),
        }
    }
}

/// The spoke role could not be assumed: a missing role or a refused trust is final, with the fix.
/// What `prepare` gives a playbook run.
pub(super) struct Prepared<'w, M> {
    pub spec: &'static riposte_shared::spec::PlaybookSpec,
    pub target: &'w riposte_shared::target::Target,
    pub ports: std::sync::Arc<M>,
    pub ctx: RunContext,
}

/// One log line per step. `resource`, not `target`: the JSON formatter writes the event's module as
/// `target`.
pub(super) fn log_steps(report: &PlaybookReport, message: &str) {
    for step in &report.steps {
        tracing::info!(step = step.step, api = step.api.as_deref().unwrap_or(""), resource = step.target, outcome = ?step.outcome, detail = step.detail, "{message}");
    }
}

pub(super) fn spoke_unreachable(
    error: &PortError,
    account: &AccountId,
    role: &str,
) -> (String, Failure) {
    if error.kind.retryable() {
        return (
            format!("cannot reach account {account} through the spoke role: {error}"),
            Failure::Transient,
        );
    }
    (
        format!(
            "cannot assume {role} in account {account} ({}): deploy the Riposte spoke StackSet to account {account}, or check the role's trust policy",
            error.code.as_deref().unwrap_or("refused")
        ),
        Failure::Final,
    )
}

pub(super) fn apply_report(
    result: &mut FindingResult,
    report: Result<PlaybookReport, (String, Failure)>,
) {
    match report {
        Err((reason, failure)) => {
            result.status = Some(RiposteStatus::Failed);
            result.reason = reason;
            result.failure = Some(failure);
        }
        Ok(report) => {
            result.status = Some(match &report.outcome {
                PlaybookOutcome::Remediated => RiposteStatus::Remediated,
                PlaybookOutcome::Excluded { .. } => RiposteStatus::Excluded,
                PlaybookOutcome::Failed { .. } => RiposteStatus::Failed,
            });
            result.failure = match &report.outcome {
                PlaybookOutcome::Failed {
                    retryable: true, ..
                } => Some(Failure::Transient),
                PlaybookOutcome::Failed { .. } => Some(Failure::Final),
                _ => None,
            };
            match &report.outcome {
                PlaybookOutcome::Excluded { reason } | PlaybookOutcome::Failed { reason, .. } => {
                    result.reason = reason.clone()
                }
                PlaybookOutcome::Remediated => {}
            }
            result.steps = report.steps;
            result.manual = report.manual;
        }
    }
}

/// The note's summary: the outcome and its reason, plus follow-ups a human must do.
pub(super) fn summary(result: &FindingResult) -> String {
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
