//! The playbook catalogue: one entry per playbook file. The spoke role policy, the EventBridge event
//! pattern, the CLI listing and the docs table are all derived from it.

use serde_json::{json, Value};

pub use crate::spec::{Condition, Grant, PlaybookSpec, Risk, Scope, Trigger};

/// The catalogue, declared once by the playbook registry (`playbooks::registry!`).
pub use crate::playbooks::{run, target, undo, CATALOGUE, UNDOABLE};

pub fn find(id: &str) -> Option<&'static PlaybookSpec> {
    CATALOGUE.iter().copied().find(|spec| spec.id == id)
}

/// Every IAM action the catalogue needs, sorted and unique.
pub fn all_grants() -> Vec<Grant> {
    let mut grants: Vec<Grant> = CATALOGUE
        .iter()
        .flat_map(|s| s.grants.iter().copied())
        .collect();
    grants.sort_by(|a, b| (a.scope, a.condition, a.action).cmp(&(b.scope, b.condition, b.action)));
    grants.dedup();
    grants
}

/// EventBridge's default quota on one event pattern, in characters: each generated pattern stays under it.
pub const EVENT_PATTERN_MAX: usize = 2048;

/// One "Security Hub Findings - Imported" pattern whose findings match any of `alternatives`, each
/// also NEW and ACTIVE (Riposte's own write-backs, NOTIFIED or RESOLVED, never match).
fn imported(alternatives: Vec<Value>) -> Value {
    let base = json!({
        "RecordState": ["ACTIVE"],
        "Workflow": { "Status": ["NEW"] },
    });
    let any_of: Vec<Value> = alternatives
        .into_iter()
        .map(|extra| {
            let mut finding = base.clone();
            if let (Some(target), Some(extra)) = (finding.as_object_mut(), extra.as_object()) {
                for (k, v) in extra {
                    target.insert(k.clone(), v.clone());
                }
            }
            finding
        })
        .collect();
    let findings = match <[Value; 1]>::try_from(any_of) {
        Ok([one]) => one,
        Err(many) => json!({ "$or": many }),
    };
    json!({
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Imported"],
        "detail": { "findings": findings }
    })
}

/// Only AWS's own products: their ProductArn has no account (`…::product/aws/guardduty`); a member
/// account cannot import findings under it.
fn product(name: &str) -> Value {
    json!([{ "wildcard": format!("arn:*:securityhub:*::product/aws/{name}") }])
}

/// The severities of the Inspector findings the event pattern forwards.
pub const INSPECTOR_SEVERITIES: [&str; 2] = ["HIGH", "CRITICAL"];

/// The pattern of the hub stack's `ImportedRule`: FAILED Security Hub control findings with a control id
/// a playbook answers (consolidated or legacy field), GuardDuty findings of a type a playbook answers, and
/// Amazon Inspector's HIGH and CRITICAL package vulnerabilities.
pub fn imported_event_pattern() -> Value {
    let mut controls: Vec<&str> = Vec::new();
    let mut threat_types: Vec<Value> = Vec::new();
    let mut vulnerabilities = false;
    for trigger in CATALOGUE.iter().flat_map(|s| s.triggers.iter()) {
        match trigger {
            Trigger::Control(id) => controls.push(id),
            Trigger::GuardDutyResourceType(kind) => {
                threat_types.push(json!({ "wildcard": format!("*:{kind}-*") }))
            }
            Trigger::GuardDutyFamily { purpose, resource } => {
                threat_types.push(json!({ "wildcard": format!("*{purpose}:{resource}-*") }))
            }
            Trigger::InspectorVulnerability => vulnerabilities = true,
            Trigger::ConfigRule(_) => {}
        }
    }
    controls.sort_unstable();
    controls.dedup();
    let mut alternatives = vec![
        json!({ "ProductArn": product("securityhub"), "Compliance": { "Status": ["FAILED"], "SecurityControlId": controls } }),
        json!({ "ProductArn": product("securityhub"), "Compliance": { "Status": ["FAILED"] }, "ProductFields": { "ControlId": controls } }),
    ];
    if !threat_types.is_empty() {
        alternatives.push(json!({ "ProductArn": product("guardduty"), "Types": threat_types }));
    }
    if vulnerabilities {
        // Only HIGH and CRITICAL: Inspector reports every outdated package, and a notice per LOW one
        // would bury the ones that matter.
        alternatives.push(json!({
            "ProductArn": product("inspector"),
            "Types": [{ "prefix": "Software and Configuration Checks/Vulnerabilities/" }],
            "Severity": { "Label": INSPECTOR_SEVERITIES },
        }));
    }
    imported(alternatives)
}

/// The pattern of the hub stack's `ImportedConfigRule`: FAILED findings of the AWS Config integration for
/// a managed rule a playbook answers (matched inside the deployed rule's name). Its own rule, because
/// one pattern holding every trigger would pass EventBridge's size quota.
pub fn config_rule_event_pattern() -> Value {
    let mut rules: Vec<Value> = CATALOGUE
        .iter()
        .flat_map(|s| s.triggers.iter())
        .filter_map(|t| match t {
            Trigger::ConfigRule(rule) => Some(json!({ "wildcard": format!("*{rule}*") })),
            _ => None,
        })
        .collect();
    rules.dedup();
    imported(vec![json!({
        "ProductArn": product("config"),
        "Compliance": { "Status": ["FAILED"] },
        "ProductFields": { "aws/config/ConfigRuleName": rules }
    })])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Routing takes the first playbook that answers: two answering one trigger would be a silent bug.
    #[test]
    fn no_trigger_is_claimed_by_two_playbooks() {
        let triggers: Vec<String> = CATALOGUE
            .iter()
            .flat_map(|s| s.triggers.iter().map(|t| t.to_string()))
            .collect();
        let mut unique = triggers.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), triggers.len(), "{triggers:?}");
    }

    #[test]
    fn ids_are_unique_and_every_playbook_declares_grants_and_triggers() {
        let mut ids: Vec<_> = CATALOGUE.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOGUE.len());
        for spec in CATALOGUE {
            assert!(
                !spec.triggers.is_empty() && !spec.steps.is_empty(),
                "{}",
                spec.id
            );
            // A notify-only playbook changes nothing, so it needs no grant; every other one does.
            assert_eq!(
                spec.grants.is_empty(),
                matches!(spec.mode, crate::spec::Mode::Notify(_)),
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
    fn the_patterns_only_match_new_active_findings_and_fit_eventbridge_s_quota() {
        let imported = imported_event_pattern();
        let any_of = imported
            .pointer("/detail/findings/$or")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        assert_eq!(any_of.len(), 4);
        let config = config_rule_event_pattern();
        for alternative in any_of.iter().chain([&config["detail"]["findings"]]) {
            assert_eq!(alternative["Workflow"]["Status"], json!(["NEW"]));
            assert_eq!(alternative["RecordState"], json!(["ACTIVE"]));
        }
        for pattern in [imported, config] {
            let size = pattern.to_string().len();
            assert!(
                size < EVENT_PATTERN_MAX,
                "{size} characters: split the pattern into another rule"
            );
        }
    }
}
