//! Configuration from the environment, validated once with clear messages. AWS endpoint, region and
//! credentials come from the standard AWS chain, never from here.

use riposte_shared::arn::Arn;
use riposte_shared::asff::SeverityLabel;
use riposte_shared::ids::AccountId;
use riposte_shared::policy::Policy;
use riposte_shared::Error;

pub const DEFAULT_LINKED_SECRET_TAG: &str = "riposte:linked-iam-user";

#[derive(Clone, Debug)]
pub struct Config {
    pub policy: Policy,
    pub sns_topic_arn: Option<String>,
    /// (bucket, owner account) of the audit archive.
    pub audit_bucket: Option<(String, String)>,
    pub max_per_account: usize,
    pub linked_secret_tag: String,
    /// The queue's maxReceiveCount: on the last delivery a transient failure is final (written back,
    /// notified) since SQS will not deliver the message again.
    pub max_receive_count: u32,
    /// Regions the hub covers besides a finding's own (`RIPOSTE_REGIONS`): linked secrets are looked
    /// up in each.
    pub regions: Vec<riposte_shared::ids::Region>,
    /// IAM.3: active access keys older than this many days are deactivated (default 90, AWS's rule).
    pub max_key_age_days: u32,
    /// Keys and destinations for CloudTrail.2, SNS.1, S3.9 and EC2.6.
    pub settings: riposte_shared::playbooks::TeamSettings,
}

/// Every variable the hub reads, with its meaning, for `--help` and `config check`.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "AWS_REGION",
        "aggregation region: where findings are written back (required)",
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
        "RIPOSTE_SEVERITY_THRESHOLD",
        "control findings at or above this label are remediated (default HIGH)",
    ),
    (
        "RIPOSTE_GUARDDUTY_THRESHOLD",
        "GuardDuty findings at or above this score 0-8.9 are remediated (default 7.0)",
    ),
    (
        "RIPOSTE_EXCLUSION_TAG",
        "KEY=VALUE tag that opts a resource out (default AutoRemediate=false)",
    ),
    (
        "RIPOSTE_THREAT_HONOURS_EXCLUSION",
        "true to let a threat finding's suspect opt out by tag (default false)",
    ),
    (
        "RIPOSTE_PROTECTED_PRINCIPALS",
        "comma-separated IAM user/role ARNs never touched",
    ),
    (
        "RIPOSTE_REQUIRE_APPROVAL",
        "comma-separated playbook ids that wait for an analyst's approval",
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
        "RIPOSTE_MAX_PER_ACCOUNT",
        "concurrent findings per member account (default 4)",
    ),
    (
        "RIPOSTE_LINKED_SECRET_TAG",
        "tag key linking secrets to an IAM user (default riposte:linked-iam-user)",
    ),
    (
        "RIPOSTE_MAX_KEY_AGE_DAYS",
        "IAM.3: active access keys older than this many days are deactivated (default 90, the control's own rule; 0 = every active key of a flagged user, for tests against an emulator that cannot age keys)",
    ),
    (
        "RIPOSTE_REGIONS",
        "comma-separated regions the hub covers: a compromised user's linked secrets are rotated in each (default: the finding's region only)",
    ),
    (
        "RIPOSTE_CLOUDTRAIL_KMS_KEY",
        "CloudTrail.2: the KMS key ARN or alias trails are encrypted with; {account} and {region} are filled in (unset: such findings are left, with this reason)",
    ),
    (
        "RIPOSTE_SNS_KMS_KEY",
        "SNS.1: the KMS key ARN or alias topics are encrypted with; {account} and {region} are filled in (unset: such findings are left, with this reason)",
    ),
    (
        "RIPOSTE_ACCESS_LOG_BUCKET",
        "S3.9: the bucket server access logs go to, in the bucket's account and region, e.g. riposte-access-logs-{account}-{region} (unset: such findings are left, with this reason)",
    ),
    (
        "RIPOSTE_FLOW_LOG_DESTINATION",
        "EC2.6: the S3 bucket ARN VPC flow logs go to (its policy admits delivery.logs.amazonaws.com), e.g. arn:aws:s3:::riposte-flow-logs-{account} (unset: such findings are left, with this reason)",
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

/// A KMS key ARN (`arn:…:kms:…:key/…` or `…:alias/…`, placeholders allowed) or an `alias/…` name.
fn kms_key(value: Option<String>, name: &str) -> Result<Option<String>, Error> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let filled = value
        .replace("{account}", "123456789012")
        .replace("{region}", "us-east-1");
    let arn_ok = Arn::parse(&filled)
        .is_some_and(|a| a.service == "kms" && matches!(a.resource_type(), Some("key" | "alias")));
    if arn_ok || (filled.starts_with("alias/") && filled.len() > 6) {
        Ok(Some(value))
    } else {
        Err(invalid(
            name,
            format!("`{value}` is not a KMS key ARN or alias"),
        ))
    }
}

/// A bucket name, `{account}` and `{region}` allowed (S3 naming rules checked on the filled-in name).
fn log_bucket(value: Option<String>) -> Result<Option<String>, Error> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let filled = value
        .replace("{account}", "123456789012")
        .replace("{region}", "us-east-1");
    let ok = (3..=63).contains(&filled.len())
        && filled
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-'));
    if ok {
        Ok(Some(value))
    } else {
        Err(invalid(
            "RIPOSTE_ACCESS_LOG_BUCKET",
            format!("`{value}` is not an S3 bucket name"),
        ))
    }
}

/// An S3 bucket ARN (`arn:aws:s3:::bucket[/prefix]`), `{account}` and `{region}` allowed.
fn flow_log_destination(value: Option<String>) -> Result<Option<String>, Error> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let filled = value
        .replace("{account}", "123456789012")
        .replace("{region}", "us-east-1");
    if Arn::parse(&filled).is_some_and(|a| a.service == "s3" && a.account.is_empty()) {
        Ok(Some(value))
    } else {
        Err(invalid(
            "RIPOSTE_FLOW_LOG_DESTINATION",
            format!("`{value}` is not an S3 bucket ARN"),
        ))
    }
}

fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Config {
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read and validate the configuration through `lookup` (the environment, or a map in tests).
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
        if let Some(v) = get("RIPOSTE_SEVERITY_THRESHOLD") {
            policy.threshold = SeverityLabel::parse(&v).ok_or_else(|| {
                invalid(
                    "RIPOSTE_SEVERITY_THRESHOLD",
                    format!("`{v}` is not one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL"),
                )
            })?;
        }
        if let Some(v) = get("RIPOSTE_GUARDDUTY_THRESHOLD") {
            policy.guardduty_threshold = v
                .parse::<f64>()
                .ok()
                .filter(|s| (0.0..=10.0).contains(s))
                .ok_or_else(|| {
                    invalid(
                        "RIPOSTE_GUARDDUTY_THRESHOLD",
                        format!("`{v}` is not a GuardDuty score between 0 and 10"),
                    )
                })?;
        }
        if let Some(v) = get("RIPOSTE_EXCLUSION_TAG") {
            let (key, value) = v
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| {
                    invalid("RIPOSTE_EXCLUSION_TAG", format!("`{v}` is not KEY=VALUE"))
                })?;
            policy.exclusion_tag = (key.to_owned(), value.to_owned());
        }
        if let Some(v) = get("RIPOSTE_THREAT_HONOURS_EXCLUSION") {
            policy.threat_honours_exclusion = v.parse::<bool>().map_err(|_| {
                invalid(
                    "RIPOSTE_THREAT_HONOURS_EXCLUSION",
                    format!("`{v}` is not true or false"),
                )
            })?;
        }
        policy.protected_principals = list(get("RIPOSTE_PROTECTED_PRINCIPALS"));
        for arn in &policy.protected_principals {
            let ok = Arn::parse(arn).is_some_and(|arn| {
                arn.service == "iam"
                    && arn.account().is_some_and(|a| AccountId::parse(a).is_ok())
                    && matches!(arn.resource_type(), Some("user" | "role"))
            });
            if !ok {
                return Err(invalid(
                    "RIPOSTE_PROTECTED_PRINCIPALS",
                    format!("`{arn}` is not an IAM user or role ARN"),
                ));
            }
        }
        policy.require_approval = list(get("RIPOSTE_REQUIRE_APPROVAL"));
        for id in &policy.require_approval {
            if riposte_shared::catalogue::find(id).is_none() {
                return Err(invalid(
                    "RIPOSTE_REQUIRE_APPROVAL",
                    format!("`{id}` is not a playbook id (see `riposte playbooks`)"),
                ));
            }
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
        let max_per_account = bounded(
            get("RIPOSTE_MAX_PER_ACCOUNT"),
            "RIPOSTE_MAX_PER_ACCOUNT",
            4,
            (1, 64),
        )? as usize;
        let max_receive_count = bounded(
            get("RIPOSTE_MAX_RECEIVE_COUNT"),
            "RIPOSTE_MAX_RECEIVE_COUNT",
            5,
            (1, 1000),
        )?;
        let regions = get("RIPOSTE_REGIONS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| {
                riposte_shared::ids::Region::parse(r)
                    .map_err(|_| invalid("RIPOSTE_REGIONS", format!("`{r}` is not an AWS region")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let max_key_age_days = bounded(
            get("RIPOSTE_MAX_KEY_AGE_DAYS"),
            "RIPOSTE_MAX_KEY_AGE_DAYS",
            90,
            (0, 3650),
        )?;
        let settings = riposte_shared::playbooks::TeamSettings {
            cloudtrail_kms_key: kms_key(
                get("RIPOSTE_CLOUDTRAIL_KMS_KEY"),
                "RIPOSTE_CLOUDTRAIL_KMS_KEY",
            )?,
            sns_kms_key: kms_key(get("RIPOSTE_SNS_KMS_KEY"), "RIPOSTE_SNS_KMS_KEY")?,
            access_log_bucket: log_bucket(get("RIPOSTE_ACCESS_LOG_BUCKET"))?,
            flow_log_destination: flow_log_destination(get("RIPOSTE_FLOW_LOG_DESTINATION"))?,
        };
        Ok(Self {
            max_key_age_days,
            settings,
            policy,
            sns_topic_arn,
            max_receive_count,
            regions,
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
            max_per_account,
            linked_secret_tag: get("RIPOSTE_LINKED_SECRET_TAG")
                .unwrap_or_else(|| DEFAULT_LINKED_SECRET_TAG.to_owned()),
        })
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
