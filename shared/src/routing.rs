//! Routing: which playbook answers a finding. Control findings route by `Compliance.SecurityControlId`,
//! then the legacy `ProductFields.ControlId`, then the AWS Config rule name; GuardDuty findings by the
//! resource type inside their finding type.

use serde::Serialize;

use crate::asff::Finding;
use crate::catalogue::{PlaybookSpec, Trigger, CATALOGUE};

/// What a playbook acts on, extracted from the finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Target {
    IamPrincipal {
        principal: PrincipalKind,
        name: String,
        access_key_id: Option<String>,
        principal_id: Option<String>,
    },
    Bucket {
        name: String,
        owner_account: Option<String>,
    },
    SecurityGroup {
        group_id: String,
        /// The ingress ports the control forbids to the whole internet.
        ports: PortPolicy,
    },
}

/// Which ports a security-group control forbids to the whole internet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "ports", rename_all = "kebab-case")]
pub enum PortPolicy {
    /// These ports (EC2.13: 22, EC2.14: 3389, EC2.19: the high-risk list).
    Listed(&'static [i32]),
    /// Every port but these (EC2.18: only 80 and 443 may be open).
    AllBut(&'static [i32]),
    /// No rule at all (EC2.2: the default security group).
    NoRules,
}

impl PortPolicy {
    /// Whether a rule on `protocol` covering `from..=to` opens a forbidden port.
    pub fn forbids(self, protocol: &str, from: Option<i32>, to: Option<i32>) -> bool {
        let (from, to) = match (protocol, from, to) {
            ("-1", _, _) => (0, 65_535),
            ("tcp" | "udp" | "6" | "17", Some(f), Some(t)) if f <= t => (f.max(0), t.min(65_535)),
            ("tcp" | "udp" | "6" | "17", _, _) => (0, 65_535),
            // ICMP and other protocols carry no port.
            _ => return matches!(self, PortPolicy::NoRules),
        };
        match self {
            PortPolicy::Listed(ports) => ports.iter().any(|p| (from..=to).contains(p)),
            PortPolicy::AllBut(allowed) => (from..=to).any(|p| !allowed.contains(&p)),
            PortPolicy::NoRules => true,
        }
    }
}

impl Target {
    /// A short display form: `user/alice`, `role/app`, `root`, `bucket/name`.
    pub fn label(&self) -> String {
        match self {
            Target::IamPrincipal {
                principal: PrincipalKind::Root,
                ..
            } => "root".into(),
            Target::IamPrincipal {
                principal, name, ..
            } => format!("{}/{name}", principal.as_str()),
            Target::Bucket { name, .. } => format!("bucket/{name}"),
            Target::SecurityGroup { group_id, .. } => format!("security-group/{group_id}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    User,
    AssumedRole,
    Root,
    /// Federated users and other principal types no playbook step can contain.
    Other,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::AssumedRole => "role",
            Self::Root => "root",
            Self::Other => "principal",
        }
    }
}

/// The routing key a finding carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum RouteKey {
    Control(String),
    ConfigRule(String),
    /// GuardDuty type in its canonical form, e.g. `UnauthorizedAccess:IAMUser/MaliciousIPCaller`.
    GuardDuty(String),
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

/// The control id: consolidated `SecurityControlId`, else the legacy per-standard `ControlId`.
pub fn control_id(finding: &Finding) -> Option<String> {
    finding
        .compliance
        .as_ref()
        .and_then(|c| c.security_control_id.clone())
        .or_else(|| finding.product_field("ControlId"))
        .filter(|id| !id.is_empty())
}

/// The AWS Config rule name of a Config-integration finding.
pub fn config_rule(finding: &Finding) -> Option<String> {
    finding
        .product_field("aws/config/ConfigRuleName")
        .or_else(|| finding.product_field("RuleId").filter(|r| r.contains('-')))
        .filter(|r| !r.is_empty())
}

/// GuardDuty types in Security Hub read `TTPs/Discovery/Recon:IAMUser-MaliciousIPCaller`: the
/// namespace path, then the GuardDuty type with its `/` written as `-`. Return the canonical type.
pub fn guardduty_type(finding: &Finding) -> Option<String> {
    finding.types.iter().find_map(|t| {
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
        Some("securityhub" | "config") => match (control_id(finding), config_rule(finding)) {
            (Some(id), _) => RouteKey::Control(id),
            (None, Some(rule)) => RouteKey::ConfigRule(rule),
            (None, None) => {
                return Route::NoPlaybook {
                    key: None,
                    reason: "finding names no control id or Config rule Riposte can route".into(),
                }
            }
        },
        _ => {
            return Route::NoPlaybook {
                key: None,
                reason: format!(
                    "product {} is not one Riposte acts on (AWS GuardDuty, Security Hub controls, AWS Config)",
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
