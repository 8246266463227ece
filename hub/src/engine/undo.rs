//! Undo: restore what a finding's last run changed. The finding names its run (`riposte:run`); the run's
//! audit record holds every step with the state it replaced; the playbook's `undo` checks that the
//! resource is still as the run left it and puts the recorded state back.

use riposte_shared::audit::{PlaybookReport, StepRecord};
use riposte_shared::catalogue;
use riposte_shared::ports::{FindingsPort, NotifyPort, SpokesPort};
use riposte_shared::writeback::{RiposteStatus, FIELD_RUN};

use super::intake::Work;
use super::Engine;
use crate::config::Config;
use crate::report::{Failure, FindingResult};

impl<S: SpokesPort, F: FindingsPort, N: NotifyPort> Engine<S, F, N> {
    pub(super) async fn run_undo(
        &self,
        w: &Work,
        config: &Config,
    ) -> Result<PlaybookReport, (String, Failure)> {
        let Some(spec) = w.assessment.playbook else {
            return Err(("internal: an undo without playbook".into(), Failure::Final));
        };
        if let riposte_shared::spec::Inverse::None(why) = spec.undo {
            return Err((
                format!("playbook {} has no automatic undo: {why}", spec.id),
                Failure::Final,
            ));
        }
        let steps = self.recorded_steps(w).await?;
        let p = self.prepare(w, config).await?;
        let report = Box::pin(catalogue::undo(p.spec, &*p.ports, &p.ctx, p.target, &steps)).await;
        super::playbook::log_steps(&report, "undo step");
        Ok(report)
    }

    /// The steps the finding's last run took, from that run's audit record.
    async fn recorded_steps(&self, w: &Work) -> Result<Vec<StepRecord>, (String, Failure)> {
        let Some(run) = w.finding.user_defined_fields.get(FIELD_RUN) else {
            return Err((
                "the finding names no Riposte run (riposte:run) to undo".into(),
                Failure::Final,
            ));
        };
        let Some(audit) = &self.audit else {
            return Err((
                "undo needs the audit archive (RIPOSTE_AUDIT_BUCKET): the prior state is recorded there".into(),
                Failure::Final,
            ));
        };
        let record = audit.get(run).await.map_err(|e| {
            let failure = if e.kind.retryable() {
                Failure::Transient
            } else {
                Failure::Final
            };
            (
                format!("cannot read the audit record of run {run}: {e}"),
                failure,
            )
        })?;
        let findings = record["findings"].as_array().cloned().unwrap_or_default();
        let steps = findings
            .iter()
            .filter(|f| f["finding_id"].as_str() == Some(w.finding.id.as_str()))
            .filter_map(|f| serde_json::from_value::<Vec<StepRecord>>(f["steps"].clone()).ok())
            .find(|steps| !steps.is_empty());
        steps.ok_or_else(|| {
            (
                format!("the audit record of run {run} holds no step for this finding"),
                Failure::Final,
            )
        })
    }
}

/// An undo's outcome: restored → `undone`; refused (the resource changed since, no record, no inverse)
/// → nothing written back, the finding keeps its outcome and the reason is reported; a failed step →
/// `failed`, since the resource is no longer as the run left it.
pub(super) fn conclude(result: &mut FindingResult) {
    match result.status {
        Some(RiposteStatus::Remediated) => {
            result.status = Some(RiposteStatus::Undone);
            result.reason = format!(
                "restored the state recorded before the run, at an analyst's request ({})",
                result.requested_by.as_deref().unwrap_or("-")
            );
        }
        Some(RiposteStatus::Excluded) => {
            result.status = None;
            result.failure = Some(Failure::Final);
        }
        Some(RiposteStatus::Failed) if result.steps.is_empty() => result.status = None,
        _ => {}
    }
}
