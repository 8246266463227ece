//! The fakes of the engine tests: member accounts (`FakeSpokes` over the domain's `FakeAccount`), Security
//! Hub (`FakeFindings`) and the SNS topic (`FakeNotifier`), each keeping what it was sent.

use super::*;
use riposte_shared::asff::Finding;
use riposte_shared::fake::FakeAccount;
use riposte_shared::ids::Region;
use riposte_shared::notify::{Notice, Notification};
use riposte_shared::ports::{PortError, PortErrorKind, PortResult, Unprocessed};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Default)]
pub(super) struct FakeSpokes {
    pub(super) accounts: HashMap<String, Arc<FakeAccount>>,
    pub(super) member_calls: AtomicUsize,
    /// When set, `member` takes this long, as an AssumeRole over the network would; `inside` and
    /// `most_inside` count the findings in it at once.
    pub(super) hold: Option<std::time::Duration>,
    pub(super) inside: AtomicUsize,
    pub(super) most_inside: AtomicUsize,
    /// The pacer's cut-off as each playbook's session request saw it.
    pub(super) cutoffs: Mutex<Vec<Option<std::time::Instant>>>,
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
pub(super) struct FakeFindings {
    pub(super) calls: Mutex<Vec<(Vec<FindingRef>, WriteBack)>>,
    /// Leave this many calls' worth of findings unprocessed before processing them.
    pub(super) unprocessed_first: AtomicUsize,
    pub(super) held: Mutex<Vec<Finding>>,
    /// Write-backs are recorded but Security Hub's copies do not change (it has not caught up yet).
    pub(super) lagging: std::sync::atomic::AtomicBool,
    /// GetFindings fails with this kind.
    pub(super) unreadable: Mutex<Option<PortErrorKind>>,
    pub(super) get_calls: AtomicUsize,
}

impl FakeFindings {
    /// Import (or replace) Security Hub's copy of a finding.
    pub(super) fn import(&self, finding: &serde_json::Value) {
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
    pub(super) fn final_payloads(&self) -> Vec<(String, WriteBack)> {
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
pub(super) struct FakeNotifier {
    pub(super) messages: Mutex<Vec<Notification>>,
}

impl FakeNotifier {
    /// Every message sent so far.
    pub(super) fn messages(&self) -> Vec<Notification> {
        match self.messages.lock() {
            Ok(all) => all.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Every finding told about so far, alone or in a digest.
    pub(super) fn sent(&self) -> Vec<Notice> {
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
