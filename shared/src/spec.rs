//! What a playbook declares about itself: its triggers, grants, risk and steps. A leaf module: the
//! playbooks import it, and the catalogue and the router read the declarations.

use serde::Serialize;

pub use crate::grants::{Condition, Grant, Scope};

/// What makes a playbook answer a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Trigger {
    /// A Security Hub control id (`Compliance.SecurityControlId` or the legacy `ProductFields.ControlId`).
    Control(&'static str),
    /// An AWS Config managed rule identifier, matched inside the deployed rule's name.
    ConfigRule(&'static str),
    /// Every GuardDuty finding type whose resource type is this (`ThreatPurpose:IAMUser/Name`).
    GuardDutyResourceType(&'static str),
    /// GuardDuty findings of one threat purpose on one resource type (`Backdoor:EC2/*`).
    GuardDutyFamily {
        purpose: &'static str,
        resource: &'static str,
    },
    /// Amazon Inspector's package vulnerability findings (`Vulnerabilities[]` names the packages).
    InspectorVulnerability,
}

impl std::fmt::Display for Trigger {
    /// Readable: `S3.2`, `Config rule s3-bucket-public-read-prohibited`, `GuardDuty IAMUser/*`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trigger::Control(id) => write!(f, "{id}"),
            Trigger::ConfigRule(rule) => write!(f, "Config rule {rule}"),
            Trigger::GuardDutyResourceType(kind) => write!(f, "GuardDuty {kind}/*"),
            Trigger::GuardDutyFamily { purpose, resource } => {
                write!(f, "GuardDuty {purpose}:{resource}/*")
            }
            Trigger::InspectorVulnerability => f.write_str("Inspector package vulnerabilities"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    /// Restores a safe configuration; no workload depends on the unsafe one by design.
    Low,
    /// Can interrupt a workload (e.g. disabling keys a service still uses).
    Disruptive,
}

/// What a playbook does, by default, with a finding that qualifies (severity, scope, exclusion).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", content = "reason", rename_all = "kebab-case")]
pub enum Mode {
    /// Remediate at once: the fix restores a safe setting no workload should depend on.
    Auto,
    /// Wait for an analyst's approval (the Security Hub custom action): the fix can break a workload.
    Approve,
    /// Change nothing and tell the team why: no safe automatic fix exists.
    Notify(&'static str),
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Auto => "auto",
            Mode::Approve => "approve",
            Mode::Notify(_) => "notify",
        })
    }
}

#[derive(Debug, Serialize)]
pub struct PlaybookSpec {
    pub id: &'static str,
    pub title: &'static str,
    pub triggers: &'static [Trigger],
    /// Human-readable steps, in order, shown by `plan`.
    pub steps: &'static [&'static str],
    /// Every IAM action the playbook's port calls need in the member account.
    pub grants: &'static [Grant],
    pub risk: Risk,
    pub mode: Mode,
    /// Threat findings (GuardDuty) versus posture findings (controls).
    pub threat: bool,
    /// What `riposte undo` does for this playbook's runs.
    pub undo: Inverse,
}

/// What undoing a playbook's run means: every playbook declares its inverse or says it has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Inverse {
    /// The playbook's `undo` restores the recorded prior state: what it restores.
    Restores(&'static str),
    /// No automatic inverse: why, and what a person can do instead.
    None(&'static str),
}
