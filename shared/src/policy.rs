//! The policy decision: given a routed finding, act, notify only, wait for approval, exclude, refuse or
//! skip — always with the reason. A refusal is a value, not an error.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::asff::{Finding, SeverityLabel};
use crate::catalogue;
use crate::event::{AnalystAction, Source};
use crate::ids::{AccountId, Region};
use crate::routing::{route, Route, RouteKey};
use crate::spec::{Mode, PlaybookSpec};
use crate::target::{PrincipalKind, Target};
use crate::writeback::{RiposteStatus, FIELD_STATUS};

mod checks;
mod scope;
use checks::{account_mismatch, below_threshold, protected, undo, victim_instance};
pub use scope::{ModeSetting, Scope};

#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Control findings at or above this label are remediated automatically.
    pub threshold: SeverityLabel,
    /// GuardDuty findings at or above this score (0–8.9) are remediated automatically.
    pub guardduty_threshold: f64,
    /// `(key, value)` of the tag that opts a resource out, `AutoRemediate=false` by default.
    pub exclusion_tag: (String, String),
    /// Whether a threat finding's suspect can opt itself out with the exclusion tag (default no).
    pub threat_honours_exclusion: bool,
    /// Break-glass principals (ARNs) never touched.
    pub protected_principals: Vec<String>,
    pub hub_role_name: String,
    pub spoke_role_name: String,
    /// The team's mode per playbook id, overriding the playbook's default (`[playbooks]` in the settings).
    pub modes: BTreeMap<String, ModeSetting>,
    /// Which accounts and regions Riposte acts in.
    pub scope: Scope,
    /// The kill switch: every automatic action becomes notify-only (an analyst's action still runs).
    pub kill_switch: bool,
    /// The kill switch is at `all`: analysts' actions (approve, remediate, undo) are paused too.
    pub analysts_paused: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            threshold: SeverityLabel::High,
            guardduty_threshold: 7.0,
            exclusion_tag: ("AutoRemediate".into(), "false".into()),
            threat_honours_exclusion: false,
            protected_principals: Vec::new(),
            hub_role_name: "riposte-hub".into(),
            spoke_role_name: "SecurityAutomationRemediationRole".into(),
            modes: BTreeMap::new(),
            scope: Scope::default(),
            kill_switch: false,
            analysts_paused: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", content = "reason", rename_all = "kebab-case")]
pub enum Decision {
    Remediate,
    NotifyOnly(String),
    AwaitApproval(String),
    Excluded(String),
    /// A person must act now, urgently (a protected principal's credentials may be compromised):
    /// written back NOTIFIED with `riposte:status=needs-human`, never as excluded.
    Escalate(String),
    /// Riposte will not act and a human must look (account mismatch, no target): written back as failed.
    Refused(String),
    /// Not Riposte's to handle (archived, already in work, no playbook): nothing is written back.
    Skip(String),
    /// An analyst chose "Riposte: ignore": SUPPRESSED with a note, never acted on.
    Ignore(String),
    /// An analyst asked to restore what a run changed.
    Undo(String),
}

/// A decision's name, as reports, logs and metrics show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionKind {
    Remediate,
    NotifyOnly,
    AwaitApproval,
    Excluded,
    Escalate,
    Refused,
    Skip,
    /// Security Hub could not be read: nothing was decided, the message is redelivered.
    Deferred,
    Ignore,
    Undo,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Remediate => "remediate",
            Self::NotifyOnly => "notify-only",
            Self::AwaitApproval => "await-approval",
            Self::Excluded => "excluded",
            Self::Escalate => "escalate",
            Self::Refused => "refused",
            Self::Skip => "skip",
            Self::Deferred => "deferred",
            Self::Ignore => "ignore",
            Self::Undo => "undo",
        }
    }
}

impl Decision {
    pub fn kind(&self) -> DecisionKind {
        match self {
            Decision::Remediate => DecisionKind::Remediate,
            Decision::NotifyOnly(_) => DecisionKind::NotifyOnly,
            Decision::AwaitApproval(_) => DecisionKind::AwaitApproval,
            Decision::Excluded(_) => DecisionKind::Excluded,
            Decision::Escalate(_) => DecisionKind::Escalate,
            Decision::Refused(_) => DecisionKind::Refused,
            Decision::Skip(_) => DecisionKind::Skip,
            Decision::Ignore(_) => DecisionKind::Ignore,
            Decision::Undo(_) => DecisionKind::Undo,
        }
    }
    pub fn reason(&self) -> &str {
        match self {
            Decision::Remediate => "meets the policy for automatic remediation",
            Decision::NotifyOnly(r)
            | Decision::AwaitApproval(r)
            | Decision::Excluded(r)
            | Decision::Escalate(r)
            | Decision::Refused(r)
            | Decision::Skip(r)
            | Decision::Ignore(r)
            | Decision::Undo(r) => r,
        }
    }
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// Everything `plan` prints and the engine needs to act on one finding.
#[derive(Debug)]
pub struct Assessment {
    pub account: AccountId,
    pub region: Option<Region>,
    pub route_key: Option<RouteKey>,
    pub playbook: Option<&'static PlaybookSpec>,
    pub target: Option<Target>,
    pub decision: Decision,
    /// The exclusion tag the playbook must check on the live resource, when it applies.
    pub live_exclusion_tag: Option<(String, String)>,
}

pub fn assess(
    finding: &Finding,
    source: &Source,
    envelope_region: Option<&Region>,
    policy: &Policy,
) -> Assessment {
    let mut assessment = Assessment {
        account: finding.aws_account_id.clone(),
        region: finding.resource_region(envelope_region),
        route_key: None,
        playbook: None,
        target: None,
        decision: Decision::Skip(String::new()),
        live_exclusion_tag: None,
    };
    assessment.decision = decide(finding, source, policy, &mut assessment);
    assessment
}

fn decide(finding: &Finding, source: &Source, policy: &Policy, out: &mut Assessment) -> Decision {
    // Route first so that even a skipped finding shows which playbook would answer it.
    let routed = match route(finding) {
        Route::Playbook { spec, key } => {
            out.route_key = Some(key);
            out.playbook = Some(spec);
            Ok(spec)
        }
        Route::NoPlaybook { key, reason } => {
            out.route_key = key;
            Err(reason)
        }
    };
    let record_state = finding.record_state.as_deref().unwrap_or("ACTIVE");
    if record_state != "ACTIVE" {
        return Decision::Skip(format!(
            "record state is {record_state}; only ACTIVE findings are acted on"
        ));
    }
    let action = source.analyst_action();
    if let (Source::CustomAction { action_name, .. }, None) = (source, action) {
        return Decision::Skip(format!(
            "custom action \"{action_name}\" is not one of Riposte's"
        ));
    }
    let analyst = action.is_some();
    let workflow = finding.workflow_status().unwrap_or("NEW");
    // A run that crashed after its claim, or failed transiently, left the finding NOTIFIED and
    // in progress: its redelivery resumes it. An analyst's action may act on a NOTIFIED finding, and
    // undo a RESOLVED one.
    let in_progress = finding
        .user_defined_fields
        .get(FIELD_STATUS)
        .map(String::as_str)
        == Some(RiposteStatus::InProgress.as_str());
    let workflow_ok = workflow == "NEW"
        || (workflow == "NOTIFIED" && (analyst || in_progress))
        || (workflow == "RESOLVED" && action == Some(AnalystAction::Undo));
    if !workflow_ok {
        let by_riposte = finding
            .user_defined_fields
            .get(FIELD_STATUS)
            .map(|s| format!(", riposte:status {s}"))
            .unwrap_or_default();
        return Decision::Skip(format!(
            "workflow status is {workflow}{by_riposte}; only NEW findings are acted on"
        ));
    }
    if finding.sample == Some(true) || (finding.is_guardduty() && finding.is_guardduty_sample()) {
        return Decision::Skip("a GuardDuty sample finding: never acted on".into());
    }
    if action == Some(AnalystAction::Ignore) {
        return Decision::Ignore(format!(
            "ignored at an analyst's request ({})",
            source.who().unwrap_or_default()
        ));
    }
    let spec = match routed {
        Ok(spec) => spec,
        Err(reason) => return Decision::Skip(reason),
    };
    // The switch at `all` stops analysts too (approve, remediate, undo); ignoring only makes Riposte do
    // less.
    if policy.analysts_paused && action.is_some_and(|a| a != AnalystAction::Ignore) {
        return Decision::Skip(
            "the kill switch is at `all`: analysts' actions are paused too, nothing was changed"
                .into(),
        );
    }
    // An undo restores what a run changed: the control has usually passed since (that is what the run
    // did), and the scope or mode may have changed; neither stops putting the recorded state back.
    let undoing = action == Some(AnalystAction::Undo);
    let control = matches!(
        out.route_key,
        Some(RouteKey::Control(_) | RouteKey::ConfigRule(_))
    );
    if control && !undoing {
        let compliance = finding.compliance_status().unwrap_or("NOT_AVAILABLE");
        if compliance != "FAILED" {
            return Decision::Skip(format!(
                "compliance status is {compliance}; only FAILED control findings are acted on"
            ));
        }
    }
    if out.region.is_none() {
        return Decision::Refused("the finding names no region to act in".into());
    }
    if let Some(reason) = policy
        .scope
        .excludes(finding.aws_account_id.as_str(), out.region.as_ref())
        .filter(|_| !undoing)
    {
        return Decision::Skip(reason);
    }
    let setting = policy.modes.get(spec.id).copied();
    if setting == Some(ModeSetting::Off) && !undoing {
        return Decision::Skip(format!("playbook {} is off in the settings", spec.id));
    }
    let target = match catalogue::target(spec, finding) {
        Ok(target) => target,
        Err(reason) => return Decision::Refused(reason),
    };
    out.target = Some(target.clone());
    if let Some(reason) = account_mismatch(finding, &target) {
        return Decision::Refused(reason);
    }
    if action == Some(AnalystAction::Undo) {
        return undo(finding, source);
    }
    if let Some(reason) = protected(finding, &target, policy) {
        // The suspect of a threat finding is protected: contain it by hand, now.
        return if spec.threat {
            Decision::Escalate(format!(
                "{reason}: a protected principal's credentials may be compromised; contain it by hand"
            ))
        } else {
            Decision::Excluded(reason)
        };
    }
    if let Target::IamPrincipal {
        principal: kind @ (PrincipalKind::Root | PrincipalKind::Other),
        name,
        ..
    } = &target
    {
        return Decision::NotifyOnly(match kind {
            PrincipalKind::Root => {
                "root credentials are never changed automatically: rotate them by hand".into()
            }
            _ => format!("principal {name} is not an IAM user or assumed role: contain it by hand"),
        });
    }
    if spec.threat && victim_instance(finding, &target) {
        return Decision::NotifyOnly(
            "GuardDuty names the instance as the TARGET of the activity, not its actor: isolating the \
             victim would not stop the attacker; block the source instead"
                .into(),
        );
    }
    let honours_exclusion = !spec.threat || policy.threat_honours_exclusion;
    if honours_exclusion {
        let (key, value) = &policy.exclusion_tag;
        if finding
            .resources
            .iter()
            .any(|r| r.tags.get(key) == Some(value))
        {
            return Decision::Excluded(format!("resource carries the exclusion tag {key}={value}"));
        }
        out.live_exclusion_tag = Some(policy.exclusion_tag.clone());
    }
    if let Mode::Notify(reason) = spec.mode {
        return Decision::NotifyOnly(reason.to_owned());
    }
    if analyst {
        if action == Some(AnalystAction::Approve) {
            if let Some(reason) = crate::approval::refused(finding, source) {
                return Decision::Skip(reason);
            }
        }
        return Decision::Remediate;
    }
    if setting == Some(ModeSetting::Notify) {
        return Decision::NotifyOnly(format!(
            "playbook {} is set to notify in the settings",
            spec.id
        ));
    }
    let approve = match setting {
        Some(ModeSetting::Approve) => true,
        Some(ModeSetting::Auto) => false,
        _ => spec.mode == Mode::Approve,
    };
    // The threshold gates what runs by itself. A posture fix that waits for an analyst anyway is put
    // to one whatever its severity (S3.1 is MEDIUM); threat findings keep GuardDuty's threshold.
    if !approve || spec.threat {
        if let Some(reason) = below_threshold(finding, spec, policy) {
            return Decision::NotifyOnly(reason);
        }
    }
    if approve {
        return Decision::AwaitApproval(format!(
            "playbook {} requires an analyst's approval",
            spec.id
        ));
    }
    if policy.kill_switch {
        return Decision::NotifyOnly(
            "the kill switch is on: automatic remediation is paused, nothing was changed".into(),
        );
    }
    Decision::Remediate
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
