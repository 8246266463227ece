//! Running one finding's playbook (or its undo) in the member account: the spoke session, the context
//! a playbook sees, and how its report becomes the finding's result.

use riposte_shared::audit::{PlaybookOutcome, PlaybookReport};
use riposte_shared::catalogue;
use riposte_shared::ids::{AccountId, Region};
use riposte_shared::playbooks::RunContext;
use riposte_shared::ports::{FindingsPort, NotifyPort, PortError, SpokesPort};
use riposte_shared::writeback::RiposteStatus;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::intake::Work;
use super::Engine;
use crate::config::Config;
use crate::report::{Failure, FindingResult};

impl<S: SpokesPort, F: FindingsPort, N: NotifyPort> Engine<S, F, N> {
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
            settings: config.settings.clone(),
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
