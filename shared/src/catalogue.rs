//! The playbook catalogue: one entry per playbook file. The spoke role policy, the EventBridge event
//! pattern, the CLI listing and the docs table are all derived from it.

use serde::Serialize;
use serde_json::{json, Value};

use crate::asff::Finding;
use crate::audit::PlaybookReport;
use crate::playbooks::{credential_compromise, public_bucket, RunContext};
use crate::ports::MemberPorts;
use crate::routing::Target;

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
}

/// How far an IAM action can be scoped in the spoke policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    IamUser,
    IamRole,
    S3Bucket,
    Secret,
    /// Actions that support no resource-level permission (e.g. `secretsmanager:ListSecrets`).
    AnyResource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub action: &'static str,
    pub scope: Scope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    /// Restores a safe configuration; no workload depends on the unsafe one by design.
    Low,
    /// Can interrupt a workload (e.g. disabling keys a service still uses).
    Disruptive,
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
    /// Threat findings (GuardDuty) versus posture findings (controls).
    pub threat: bool,
}

/// The catalogue. Adding a playbook: one file under `playbooks/`, one line here and one arm in `run`.
pub const CATALOGUE: &[&PlaybookSpec] = &[&credential_compromise::SPEC, &public_bucket::SPEC];

pub fn find(id: &str) -> Option<&'static PlaybookSpec> {
    CATALOGUE.iter().copied().find(|spec| spec.id == id)
}

/// Extract the playbook's target from the finding, or say why it cannot act.
pub fn target(spec: &PlaybookSpec, finding: &Finding) -> Result<Target, String> {
    match spec.id {
        credential_compromise::ID => credential_compromise::target(finding),
        public_bucket::ID => public_bucket::target(finding),
        other => Err(format!("playbook {other} has no target extractor")),
    }
}

/// Run a playbook against the member account's ports.
pub async fn run<P: MemberPorts>(
    spec: &PlaybookSpec,
    ports: &P,
    ctx: &RunContext,
    target: &Target,
) -> PlaybookReport {
    match spec.id {
        credential_compromise::ID => credential_compromise::run(ports, ctx, target).await,
        public_bucket::ID => public_bucket::run(ports, ctx, target).await,
        other => {
            PlaybookReport::conclude(Vec::new(), Err(format!("playbook {other} has no runner")))
        }
    }
}

/// Every IAM action the catalogue needs, sorted and unique.
pub fn all_grants() -> Vec<Grant> {
    let mut grants: Vec<Grant> = CATALOGUE
        .iter()
        .flat_map(|s| s.grants.iter().copied())
        .collect();
    grants.sort_by(|a, b| (a.scope, a.action).cmp(&(b.scope, b.action)));
    grants.dedup();
    grants
}

/// The EventBridge pattern for "Security Hub Findings - Imported": only NEW + ACTIVE findings that a
/// playbook answers — FAILED control findings with a known control id or Config rule, or GuardDuty
/// findings of a known resource type. Riposte's own write-backs (NOTIFIED/RESOLVED) never match.
pub fn imported_event_pattern() -> Value {
    let mut controls: Vec<&str> = Vec::new();
    let mut rules: Vec<Value> = Vec::new();
    let mut threat_types: Vec<Value> = Vec::new();
    for trigger in CATALOGUE.iter().flat_map(|s| s.triggers.iter()) {
        match trigger {
            Trigger::Control(id) => controls.push(id),
            Trigger::ConfigRule(rule) => rules.push(json!({ "wildcard": format!("*{rule}*") })),
            Trigger::GuardDutyResourceType(kind) => {
                threat_types.push(json!({ "wildcard": format!("*:{kind}-*") }))
            }
        }
    }
    controls.sort_unstable();
    controls.dedup();
    let base = json!({
        "RecordState": ["ACTIVE"],
        "Workflow": { "Status": ["NEW"] },
    });
    let with = |extra: Value| {
        let mut finding = base.clone();
        if let (Some(target), Some(extra)) = (finding.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                target.insert(k.clone(), v.clone());
            }
        }
        finding
    };
    let mut any_of = vec![
        with(json!({ "Compliance": { "Status": ["FAILED"], "SecurityControlId": controls } })),
        with(
            json!({ "Compliance": { "Status": ["FAILED"] }, "ProductFields": { "ControlId": controls } }),
        ),
    ];
    if !rules.is_empty() {
        any_of.push(with(
            json!({ "Compliance": { "Status": ["FAILED"] }, "GeneratorId": rules }),
        ));
    }
    if !threat_types.is_empty() {
        any_of.push(with(json!({ "ProductFields": { "aws/securityhub/ProductName": ["GuardDuty"] }, "Types": threat_types })));
    }
    json!({
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
        "detail": { "findings": { "$or": any_of } }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_playbook_declares_grants_and_triggers() {
        let mut ids: Vec<_> = CATALOGUE.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len());
        for spec in CATALOGUE {
            assert!(
                !spec.grants.is_empty() && !spec.triggers.is_empty() && !spec.steps.is_empty(),
                "{}",
                spec.id
            );
            for grant in spec.grants {
                assert!(
                    !grant.action.contains('*'),
                    "{} declares a wildcard action",
                    spec.id
                );
                assert!(
                    grant.action.split_once(':').is_some(),
                    "{} is not service:Action",
                    grant.action
                );
            }
        }
    }

    #[test]
    fn the_pattern_only_matches_new_active_findings() {
        let pattern = imported_event_pattern();
        let any_of = pattern
            .pointer("/detail/findings/$or")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        assert!(any_of.len() >= 3);
        for alternative in any_of {
            assert_eq!(alternative["Workflow"]["Status"], json!(["NEW"]));
            assert_eq!(alternative["RecordState"], json!(["ACTIVE"]));
        }
    }
}
