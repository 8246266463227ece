//! The playbook catalogue: one entry per playbook file. The spoke role policy, the EventBridge event
//! pattern, the CLI listing and the docs table are all derived from it.

use serde_json::{json, Value};

pub use crate::spec::{Condition, Grant, PlaybookSpec, Risk, Scope, Trigger};

/// The catalogue, declared once by the playbook registry (`playbooks::registry!`).
pub use crate::playbooks::{run, target, CATALOGUE};

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
            Trigger::GuardDutyFamily { purpose, resource } => {
                threat_types.push(json!({ "wildcard": format!("*{purpose}:{resource}-*") }))
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
    // Only AWS's own products: their ProductArn has no account (`…::product/aws/guardduty`); a
    // member account cannot import findings under it.
    let product =
        |name: &str| json!([{ "wildcard": format!("arn:*:securityhub:*::product/aws/{name}") }]);
    let mut any_of = vec![
        with(
            json!({ "ProductArn": product("securityhub"), "Compliance": { "Status": ["FAILED"], "SecurityControlId": controls } }),
        ),
        with(
            json!({ "ProductArn": product("securityhub"), "Compliance": { "Status": ["FAILED"] }, "ProductFields": { "ControlId": controls } }),
        ),
    ];
    if !rules.is_empty() {
        any_of.push(with(json!({ "ProductArn": product("config"), "Compliance": { "Status": ["FAILED"] }, "ProductFields": { "aws/config/ConfigRuleName": rules } })));
    }
    if !threat_types.is_empty() {
        any_of.push(with(
            json!({ "ProductArn": product("guardduty"), "Types": threat_types }),
        ));
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
