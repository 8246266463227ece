//! Configuration: the wiring from the environment (what the hub stack connects: topic, bucket, role
//! names, parameter names), validated once with clear messages, and the team's settings document
//! (`crate::settings`). AWS endpoint, region and credentials come from the standard AWS chain.

use riposte_shared::arn::Arn;
use riposte_shared::policy::Policy;
use riposte_shared::Error;

use crate::settings::Settings;

pub const DEFAULT_LINKED_SECRET_TAG: &str = "riposte:linked-iam-user";

#[derive(Clone, Debug)]
pub struct Config {
    pub policy: Policy,
    pub sns_topic_arn: Option<String>,
    /// The aggregation region (`AWS_REGION`): the console links of notifications point there.
    pub hub_region: Option<String>,
    /// (bucket, owner account) of the audit archive.
    pub audit_bucket: Option<(String, String)>,
    /// The queue's maxReceiveCount: on the last delivery a transient failure is final (written back,
    /// notified) since SQS will not deliver the message again.
    pub max_receive_count: u32,
    /// SSM parameters holding the settings document and the kill switch, re-read without a deploy.
    pub config_parameter: Option<String>,
    pub kill_switch_parameter: Option<String>,
    /// How long a container keeps the settings it read (default 30 s).
    pub settings_ttl: std::time::Duration,
    /// DynamoDB table counting automatic remediations per hour (blast-radius limits).
    pub limits_table: Option<String>,
    /// The hub's findings queue: the Lambda acts only on SQS records from it (`RIPOSTE_QUEUE_ARN`).
    pub queue_arn: Option<String>,
    /// The settings document in force (defaults filled in); the fields below derive from it.
    pub document: Settings,
    pub max_per_account: usize,
    pub linked_secret_tag: String,
    /// Regions the hub covers besides a finding's own: linked secrets are looked up in each.
    pub regions: Vec<riposte_shared::ids::Region>,
    /// IAM.3: active access keys older than this many days are deactivated (default 90, AWS's rule).
    pub max_key_age_days: u32,
    /// Keys and destinations for CloudTrail.2, SNS.1, S3.9 and EC2.6.
    pub settings: riposte_shared::playbooks::TeamSettings,
}

/// Every environment variable the hub reads, with its meaning, for `--help`, the README and the hub
/// stack (a test checks that the stack wires exactly these).
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "AWS_REGION",
        "aggregation region: where findings are read and written back (required)",
    ),
    (
        "RIPOSTE_CONFIG_PARAMETER",
        "SSM parameter holding the settings document (TOML, see config/riposte.example.toml), re-read every 30 s",
    ),
    (
        "RIPOSTE_CONFIG_FILE",
        "the settings document as a file (bundled or local), when there is no parameter",
    ),
    (
        "RIPOSTE_KILL_SWITCH_PARAMETER",
        "SSM parameter that, set to `on`, turns every automatic action into notify-only within a minute",
    ),
    (
        "RIPOSTE_SETTINGS_TTL_SECONDS",
        "how long a container keeps the settings and kill switch it read, 0-300 (default 30)",
    ),
    (
        "RIPOSTE_LIMITS_TABLE",
        "DynamoDB table counting automatic remediations per account and playbook per hour (limits)",
    ),
    (
        "RIPOSTE_SPOKE_ROLE_NAME",
        "role assumed in member accounts (default SecurityAutomationRemediationRole)",
    ),
    (
        "RIPOSTE_HUB_ROLE_NAME",
        "the hub's own role name, never touched (default riposte-hub)",
    ),
    (
        "RIPOSTE_SNS_TOPIC_ARN",
        "SNS topic for notifications (optional)",
    ),
    (
        "RIPOSTE_AUDIT_BUCKET",
        "S3 bucket archiving one audit record per run (optional)",
    ),
    (
        "RIPOSTE_AUDIT_BUCKET_OWNER",
        "account id owning that bucket, checked on every write (required with it)",
    ),
    (
        "RIPOSTE_QUEUE_ARN",
        "the findings queue: the Lambda acts only on SQS records whose eventSourceARN is this queue (required in Lambda)",
    ),
    (
        "RIPOSTE_MAX_RECEIVE_COUNT",
        "the findings queue's maxReceiveCount (default 5): on the last delivery a transient failure is written back and notified",
    ),
];

fn invalid(name: &str, reason: impl Into<String>) -> Error {
    Error::Config {
        name: name.to_owned(),
        reason: reason.into(),
    }
}

/// The settings document at `path`, every error located.
pub fn read_settings_file(path: &str) -> Result<Settings, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid("RIPOSTE_CONFIG_FILE", format!("cannot read {path}: {e}")))?;
    Settings::parse(&text).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| format!("{path}:{e}")).collect();
        invalid("RIPOSTE_CONFIG_FILE", list.join("; "))
    })
}

impl Config {
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read and validate the wiring through `lookup` (the environment, or a map in tests), and the
    /// settings file it names (defaults without one).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut policy = Policy::default();
        if let Some(v) = get("RIPOSTE_SPOKE_ROLE_NAME") {
            policy.spoke_role_name = role_name("RIPOSTE_SPOKE_ROLE_NAME", v)?;
        }
        if let Some(v) = get("RIPOSTE_HUB_ROLE_NAME") {
            policy.hub_role_name = role_name("RIPOSTE_HUB_ROLE_NAME", v)?;
        }
        let sns_topic_arn = get("RIPOSTE_SNS_TOPIC_ARN");
        if let Some(arn) = &sns_topic_arn {
            if Arn::parse(arn).is_none_or(|arn| arn.service != "sns" || arn.region().is_none()) {
                return Err(invalid(
                    "RIPOSTE_SNS_TOPIC_ARN",
                    format!("`{arn}` is not an SNS topic ARN"),
                ));
            }
        }
        let max_receive_count = bounded(
            get("RIPOSTE_MAX_RECEIVE_COUNT"),
            "RIPOSTE_MAX_RECEIVE_COUNT",
            5,
            (1, 1000),
        )?;
        let document = match get("RIPOSTE_CONFIG_FILE") {
            Some(path) => read_settings_file(&path)?,
            None => Settings::default(),
        };
        let config = Self {
            policy,
            sns_topic_arn,
            hub_region: get("AWS_REGION"),
            max_receive_count,
            config_parameter: get("RIPOSTE_CONFIG_PARAMETER"),
            kill_switch_parameter: get("RIPOSTE_KILL_SWITCH_PARAMETER"),
            settings_ttl: std::time::Duration::from_secs(u64::from(bounded(
                get("RIPOSTE_SETTINGS_TTL_SECONDS"),
                "RIPOSTE_SETTINGS_TTL_SECONDS",
                30,
                (0, 300),
            )?)),
            limits_table: get("RIPOSTE_LIMITS_TABLE"),
            queue_arn: get("RIPOSTE_QUEUE_ARN"),
            audit_bucket: match (
                get("RIPOSTE_AUDIT_BUCKET"),
                get("RIPOSTE_AUDIT_BUCKET_OWNER"),
            ) {
                (None, _) => None,
                (Some(bucket), Some(owner))
                    if riposte_shared::ids::AccountId::parse(&owner).is_ok() =>
                {
                    Some((bucket, owner))
                }
                (Some(_), owner) => {
                    return Err(invalid(
                        "RIPOSTE_AUDIT_BUCKET_OWNER",
                        format!(
                            "`{}` is not the 12-digit account id owning RIPOSTE_AUDIT_BUCKET",
                            owner.unwrap_or_default()
                        ),
                    ))
                }
            },
            document: Settings::default(),
            max_per_account: 16,
            linked_secret_tag: DEFAULT_LINKED_SECRET_TAG.to_owned(),
            regions: Vec::new(),
            max_key_age_days: 90,
            settings: Default::default(),
        };
        config.with_settings(&document)
    }

    /// This wiring with `document` in force.
    pub fn with_settings(&self, document: &Settings) -> Result<Self, Error> {
        let mut config = self.clone();
        let r = &document.remediation;
        let p = &mut config.policy;
        p.threshold = r.severity_threshold.0;
        p.guardduty_threshold = r.guardduty_threshold.get();
        p.exclusion_tag = (
            r.exclusion_tag_key.to_string(),
            r.exclusion_tag_value.clone(),
        );
        p.threat_honours_exclusion = r.threat_honours_exclusion;
        let principals = &document.principals;
        p.protected_principals = principals
            .protected
            .iter()
            .chain(&principals.break_glass)
            .map(ToString::to_string)
            .collect();
        p.modes = document
            .playbooks
            .iter()
            .map(|(id, mode)| (id.to_string(), *mode))
            .collect();
        let scope = &document.scope;
        p.scope.include_accounts = scope
            .include_accounts
            .iter()
            .map(ToString::to_string)
            .collect();
        p.scope.exclude_accounts = scope
            .exclude_accounts
            .iter()
            .map(ToString::to_string)
            .collect();
        p.scope.regions = scope.regions.iter().map(ToString::to_string).collect();
        config.regions = scope
            .regions
            .iter()
            .map(|r| riposte_shared::ids::Region::parse(r.as_str()))
            .collect::<Result<_, _>>()?;
        config.max_per_account = r.max_per_account.get() as usize;
        config.max_key_age_days = r.max_key_age_days.get();
        config.linked_secret_tag = r.linked_secret_tag.to_string();
        config.settings = document.team_settings();
        config.document = document.clone();
        Ok(config)
    }
}

/// A whole number from `min` to `max`, or `default` when the variable is unset.
fn bounded(
    value: Option<String>,
    name: &str,
    default: u32,
    (min, max): (u32, u32),
) -> Result<u32, Error> {
    let Some(v) = value else {
        return Ok(default);
    };
    v.parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| invalid(name, format!("`{v}` is not a number from {min} to {max}")))
}

fn role_name(name: &str, value: String) -> Result<String, Error> {
    let ok = (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(value)
    } else {
        Err(invalid(name, format!("`{value}` is not an IAM role name")))
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
