//! The end of a run: write the outcomes back grouped by identical payload (unprocessed findings
//! retried), tell the team, and log one audit line and one EMF line per finding.

use riposte_shared::ids::FindingRef;
use riposte_shared::notify::{compose, Notice};
use riposte_shared::ports::{FindingsPort, NotifyPort, SpokesPort};
use riposte_shared::writeback::{group, RiposteStatus, WriteBack};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Engine, WRITE_BACK_ATTEMPTS};
use crate::report::{emf, FindingResult, RunReport, WriteBackState};

impl<S: SpokesPort, F: FindingsPort, N: NotifyPort> Engine<S, F, N> {
    /// Write payloads back grouped; retry findings left unprocessed. Returns each finding's result.
    pub(super) async fn write_back(
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

    /// Tell the team about the outcomes the settings name.
    pub(super) async fn notify(
        &self,
        report: &RunReport,
        settings: &crate::settings::Settings,
    ) -> Option<String> {
        let notices: Vec<Notice> =
            report
                .findings
                .iter()
                .filter(|f| !f.quiet)
                .filter_map(|f| {
                    let status = f.status.filter(|s| settings.notifies(*s))?;
                    Some(Notice {
                        finding_id: f.finding_id.clone(),
                        title: f.title.clone().unwrap_or_else(|| f.resource.clone()),
                        account: f.account.clone(),
                        region: f.region.clone(),
                        resource: f.resource.clone(),
                        playbook: f.playbook.clone(),
                        status,
                        reason: f.reason.clone(),
                        actions: f.steps.iter().map(|s| s.detail.clone()).collect(),
                        next_steps: [f.fixes.clone(), with_write_back(&f.manual, &f.write_back)]
                            .concat(),
                        run: report.run.clone(),
                        console_url: self.config.hub_region.as_deref().map(|region| {
                            riposte_shared::notify::console_url(region, &f.finding_id)
                        }),
                        audit_record: self.audit.as_ref().map(|a| a.location(&report.run)),
                    })
                })
                .collect();
        if notices.is_empty() {
            return None;
        }
        let messages = compose(notices, settings.notifications.digest_from.get() as usize);
        match self.notifier.notify(&messages).await {
            Ok(()) => None,
            Err(e) => {
                tracing::warn!(run = report.run, error = %e, "notification failed");
                Some(e.to_string())
            }
        }
    }

    pub(super) fn log(&self, report: &RunReport) {
        let now = OffsetDateTime::now_utc();
        for f in &report.findings {
            let record = serde_json::to_string(f).unwrap_or_default();
            tracing::info!(target: "riposte::audit", run = report.run, finding_id = f.finding_id, account = f.account, outcome = f.status.map(|s| s.as_str()).unwrap_or(f.decision.as_str()), record, "audit");
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

/// A write-back that failed for good is the team's to finish: Security Hub's copy does not show the
/// outcome the notice reports.
fn with_write_back(manual: &[String], write_back: &WriteBackState) -> Vec<String> {
    let mut steps = manual.to_vec();
    if let WriteBackState::Failed(e) = write_back {
        steps.push(format!(
            "the outcome was not written onto the finding in Security Hub ({e}): set its workflow and note by hand"
        ));
    }
    steps
}
