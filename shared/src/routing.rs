//! Routing: which playbook answers a finding. Control findings route by `Compliance.SecurityControlId`,
//! then the legacy `ProductFields.ControlId`, then the AWS Config rule name; GuardDuty findings by the
//! resource type inside their finding type; Amazon Inspector findings by the package vulnerability
//! they carry.

use serde::Serialize;

use crate::asff::Finding;
use crate::catalogue::CATALOGUE;
use crate::spec::{PlaybookSpec, Trigger};

/// The routing key a finding carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum RouteKey {
    Control(String),
    ConfigRule(String),
    /// GuardDuty type in its canonical form, e.g. `UnauthorizedAccess:IAMUser/MaliciousIPCaller`.
    GuardDuty(String),
    /// An Amazon Inspector package vulnerability, by its first vulnerability id (`CVE-2022-3643`).
    Vulnerability(String),
}

#[derive(Debug)]
pub enum Route {
    Playbook {
        spec: &'static PlaybookSpec,
        key: RouteKey,
    },
    NoPlaybook {
        key: Option<RouteKey>,
        reason: String,
    },
}

/// GuardDuty types in Security Hub read `TTPs/Discovery/Recon:IAMUser-MaliciousIPCaller`: the
/// namespace path, then the GuardDuty type with its `/` written as `-`. Return the canonical type.
pub fn guardduty_type(finding: &Finding) -> Option<String> {
    finding.provider_types().iter().find_map(|t| {
        let tail = t.rsplit('/').next()?;
        let (purpose, rest) = tail.split_once(':')?;
        let (resource, name) = rest.split_once('-')?;
        (!purpose.is_empty() && !resource.is_empty() && !name.is_empty())
            .then(|| format!("{purpose}:{resource}/{name}"))
    })
}

/// The resource type of a canonical GuardDuty type (`IAMUser` in `Recon:IAMUser/TorIPCaller`).
fn guardduty_resource_type(canonical: &str) -> Option<&str> {
    canonical
        .split_once(':')?
        .1
        .split_once('/')
        .map(|(resource, _)| resource)
}

fn config_rule_matches(deployed: &str, managed: &str) -> bool {
    deployed == managed
        || deployed.starts_with(&format!("{managed}-"))
        || deployed.ends_with(&format!("-{managed}"))
        || deployed.contains(&format!("-{managed}-"))
}

pub fn route(finding: &Finding) -> Route {
    let key = match finding.aws_product() {
        Some("guardduty") => match guardduty_type(finding) {
            Some(t) => RouteKey::GuardDuty(t),
            None => {
                return Route::NoPlaybook {
                    key: None,
                    reason: "GuardDuty finding without a recognisable finding type in Types".into(),
                }
            }
        },
        Some("securityhub" | "config") => match (finding.control_id(), finding.config_rule()) {
            (Some(id), _) => RouteKey::Control(id),
            (None, Some(rule)) => RouteKey::ConfigRule(rule),
            (None, None) => {
                return Route::NoPlaybook {
                    key: None,
                    reason: "finding names no control id or Config rule Riposte can route".into(),
                }
            }
        },
        Some("inspector") => match finding.vulnerabilities.first() {
            Some(v) => RouteKey::Vulnerability(v.id.clone()),
            None => {
                return Route::NoPlaybook {
                    key: None,
                    reason: "Amazon Inspector finding without a package vulnerability (network \
                             reachability, for one): Riposte has no playbook for it"
                        .into(),
                }
            }
        },
        _ => {
            return Route::NoPlaybook {
                key: None,
                reason: format!(
                    "product {} is not one Riposte acts on (AWS GuardDuty, Security Hub controls, AWS Config, Amazon Inspector)",
                    finding.product_arn
                ),
            }
        }
    };
    let answers = |trigger: &Trigger| match (trigger, &key) {
        (Trigger::Control(c), RouteKey::Control(id)) => c == id,
        (Trigger::ConfigRule(rule), RouteKey::ConfigRule(name)) => config_rule_matches(name, rule),
        (Trigger::GuardDutyResourceType(kind), RouteKey::GuardDuty(t)) => {
            guardduty_resource_type(t) == Some(kind)
        }
        (Trigger::GuardDutyFamily { purpose, resource }, RouteKey::GuardDuty(t)) => t
            .strip_prefix(purpose)
            .and_then(|rest| rest.strip_prefix(':'))
            .and_then(|rest| rest.strip_prefix(resource))
            .is_some_and(|rest| rest.starts_with('/')),
        (Trigger::InspectorVulnerability, RouteKey::Vulnerability(_)) => true,
        _ => false,
    };
    match CATALOGUE
        .iter()
        .copied()
        .find(|spec| spec.triggers.iter().any(answers))
    {
        Some(spec) => Route::Playbook { spec, key },
        None => {
            let reason = match &key {
                RouteKey::Control(id) => format!("no playbook for control {id}"),
                RouteKey::ConfigRule(rule) => format!("no playbook for Config rule {rule}"),
                RouteKey::GuardDuty(t) => format!("no playbook for GuardDuty finding type {t}"),
                RouteKey::Vulnerability(id) => format!("no playbook for vulnerability {id}"),
            };
            Route::NoPlaybook {
                key: Some(key),
                reason,
            }
        }
    }
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
