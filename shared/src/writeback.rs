//! What Riposte writes back onto findings (BatchUpdateFindings), within the ASFF limits: one payload per
//! call for at most 100 findings, so payloads carry no per-finding detail and identical ones are grouped.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::asff::Finding;
use crate::ids::FindingRef;

pub const MAX_FINDINGS_PER_CALL: usize = 100;
pub const MAX_NOTE_CHARS: usize = 512;
pub const MAX_FIELD_VALUE_CHARS: usize = 1024;
pub const UPDATED_BY: &str = "riposte";
pub const FIELD_STATUS: &str = "riposte:status";
pub const FIELD_PLAYBOOK: &str = "riposte:playbook";
pub const FIELD_RUN: &str = "riposte:run";

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RiposteStatus {
    InProgress,
    Remediated,
    Failed,
    Excluded,
    AwaitingApproval,
    NotifyOnly,
    /// A person must act now (a protected principal's credentials may be compromised).
    NeedsHuman,
    /// An analyst took the remediation back ("Riposte: undo", `riposte undo`): left NOTIFIED, not redone.
    Undone,
    /// An analyst chose "Riposte: ignore": SUPPRESSED, never acted on.
    Ignored,
}

impl RiposteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in-progress",
            Self::Remediated => "remediated",
            Self::Failed => "failed",
            Self::Excluded => "excluded",
            Self::AwaitingApproval => "awaiting-approval",
            Self::NotifyOnly => "notify-only",
            Self::NeedsHuman => "needs-human",
            Self::Undone => "undone",
            Self::Ignored => "ignored",
        }
    }
    /// RESOLVED only once remediated and verified; SUPPRESSED when an analyst ignores it; NOTIFIED while
    /// work runs, fails or waits, and after an undo.
    pub fn workflow(self) -> &'static str {
        match self {
            Self::Remediated => "RESOLVED",
            Self::Ignored => "SUPPRESSED",
            _ => "NOTIFIED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct WriteBack {
    pub workflow_status: String,
    pub note: String,
    pub fields: BTreeMap<String, String>,
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

impl WriteBack {
    /// `summary` must not be finding-specific when grouping matters: put per-finding detail in the audit log.
    pub fn new(status: RiposteStatus, playbook: Option<&str>, run: &str, summary: &str) -> Self {
        let mut fields = BTreeMap::new();
        fields.insert(FIELD_STATUS.to_owned(), status.as_str().to_owned());
        if let Some(playbook) = playbook {
            fields.insert(
                FIELD_PLAYBOOK.to_owned(),
                truncate(playbook, MAX_FIELD_VALUE_CHARS),
            );
        }
        fields.insert(FIELD_RUN.to_owned(), truncate(run, MAX_FIELD_VALUE_CHARS));
        let note = format!(
            "Riposte {}: {summary} (run {run}; details in the audit log)",
            status.as_str()
        );
        Self {
            workflow_status: status.workflow().to_owned(),
            note: truncate(&note, MAX_NOTE_CHARS),
            fields,
        }
    }

    /// What Security Hub's copy looks like once this payload is written (workflow and fields).
    pub fn apply_to(&self, finding: &mut Finding) {
        finding.workflow = Some(crate::asff::Workflow {
            status: Some(self.workflow_status.clone()),
        });
        finding.workflow_state = None;
        finding.user_defined_fields.extend(self.fields.clone());
    }

    /// True when the finding already carries this outcome: writing it again would only emit another
    /// "Imported" event (the loop DESIGN §4 forbids).
    pub fn already_carried_by(&self, finding: &Finding) -> bool {
        finding.workflow_status() == Some(self.workflow_status.as_str())
            && [FIELD_STATUS, FIELD_PLAYBOOK]
                .iter()
                .all(|k| finding.user_defined_fields.get(*k) == self.fields.get(*k))
    }
}

/// Group identical payloads and split each group into calls of at most 100 findings.
pub fn group(items: Vec<(FindingRef, WriteBack)>) -> Vec<(WriteBack, Vec<FindingRef>)> {
    let mut groups: BTreeMap<WriteBack, Vec<FindingRef>> = BTreeMap::new();
    for (finding, payload) in items {
        let refs = groups.entry(payload).or_default();
        if !refs.contains(&finding) {
            refs.push(finding);
        }
    }
    groups
        .into_iter()
        .flat_map(|(payload, refs)| {
            refs.chunks(MAX_FINDINGS_PER_CALL)
                .map(|chunk| (payload.clone(), chunk.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding_ref(i: usize) -> FindingRef {
        FindingRef {
            id: format!("f-{i}"),
            product_arn: "arn:aws:securityhub:us-east-1::product/aws/securityhub".into(),
        }
    }

    #[test]
    fn identical_payloads_share_calls_of_at_most_one_hundred() {
        let done = WriteBack::new(
            RiposteStatus::Remediated,
            Some("public-bucket"),
            "run-1",
            "remediated",
        );
        let failed = WriteBack::new(
            RiposteStatus::Failed,
            Some("public-bucket"),
            "run-1",
            "could not assume the spoke role",
        );
        let mut items: Vec<_> = (0..250).map(|i| (finding_ref(i), done.clone())).collect();
        items.push((finding_ref(999), failed.clone()));
        items.push((finding_ref(0), done.clone()));
        let calls = group(items);
        let sizes: Vec<_> = calls
            .iter()
            .map(|(p, r)| (p.workflow_status.clone(), r.len()))
            .collect();
        assert_eq!(
            sizes
                .iter()
                .filter(|(w, _)| w == "RESOLVED")
                .map(|(_, n)| *n)
                .sum::<usize>(),
            250
        );
        assert!(calls
            .iter()
            .all(|(_, refs)| refs.len() <= MAX_FINDINGS_PER_CALL));
        assert_eq!(calls.len(), 4);
    }

    #[test]
    fn notes_and_fields_respect_the_asff_limits() {
        let long = "x".repeat(5000);
        let payload = WriteBack::new(RiposteStatus::Failed, Some(&long), &long, &long);
        assert!(payload.note.chars().count() <= MAX_NOTE_CHARS);
        assert!(payload
            .fields
            .values()
            .all(|v| v.chars().count() <= MAX_FIELD_VALUE_CHARS));
        assert!(payload.fields.len() <= 50);
        assert_eq!(payload.workflow_status, "NOTIFIED");
    }
}
