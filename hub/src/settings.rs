//! The team's settings: one TOML document (`config/riposte.example.toml` is the commented example), read
//! from an SSM parameter (re-read within a minute, so a change applies without a deploy) or a bundled
//! file. Unknown keys are errors; `check` reports every error with its line and column.

use riposte_shared::asff::SeverityLabel;
use riposte_shared::policy::ModeSetting;
use riposte_shared::writeback::RiposteStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod check;
pub mod docs;
pub mod live;
pub mod pacing;
pub mod values;

pub use check::{check, Located};
pub use pacing::Pacing;
use values::*;

/// The commented example, also the defaults' documentation (a test keeps it equal to the defaults).
pub const EXAMPLE: &str = include_str!("../../config/riposte.example.toml");

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub remediation: Remediation,
    pub scope: ScopeSettings,
    pub principals: Principals,
    pub approval: Approval,
    pub limits: Limits,
    pub pacing: Pacing,
    pub notifications: Notifications,
    pub destinations: Destinations,
    /// Mode per playbook id: `auto`, `approve`, `notify` or `off`; absent = the playbook's default.
    pub playbooks: BTreeMap<PlaybookId, ModeSetting>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Remediation {
    /// Control findings at or above this label are remediated automatically.
    pub severity_threshold: Label,
    /// GuardDuty findings at or above this score (0–8.9) are remediated automatically.
    pub guardduty_threshold: Score,
    pub exclusion_tag_key: TagKey,
    pub exclusion_tag_value: String,
    /// Whether a threat finding's suspect can opt itself out with the exclusion tag.
    pub threat_honours_exclusion: bool,
    /// Findings in flight per member account within one hub instance: a bound on memory and on the
    /// calls waiting for a token; the pace itself is `[pacing]`'s.
    pub max_per_account: Bounded<1, 64>,
    /// IAM.3: active keys older than this many days are deactivated.
    pub max_key_age_days: Bounded<0, 3650>,
    /// Tag key linking Secrets Manager secrets to an IAM user.
    pub linked_secret_tag: TagKey,
}

impl Default for Remediation {
    fn default() -> Self {
        Self {
            severity_threshold: Label(SeverityLabel::High),
            guardduty_threshold: Score::new(7.0),
            exclusion_tag_key: TagKey::try_from("AutoRemediate".to_owned())
                .unwrap_or_else(|_| unreachable!()),
            exclusion_tag_value: "false".into(),
            threat_honours_exclusion: false,
            max_per_account: Bounded::new(16),
            max_key_age_days: Bounded::new(90),
            linked_secret_tag: TagKey::try_from(
                crate::config::DEFAULT_LINKED_SECRET_TAG.to_owned(),
            )
            .unwrap_or_else(|_| unreachable!()),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScopeSettings {
    /// Only these accounts (empty: every account of the organization).
    pub include_accounts: Vec<Account>,
    pub exclude_accounts: Vec<Account>,
    /// Only accounts under these OUs or roots, at any depth (resolved through Organizations, cached).
    pub include_ous: Vec<OrgUnit>,
    pub exclude_ous: Vec<OrgUnit>,
    /// Regions Riposte acts in; a compromised user's linked secrets are rotated in each (empty: the
    /// finding's region only, and every region is in scope).
    pub regions: Vec<RegionName>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Principals {
    /// Never touched; a threat finding about one goes to a person, urgently.
    pub protected: Vec<PrincipalArn>,
    /// Emergency-access principals: treated like `protected`, listed apart so their purpose shows.
    pub break_glass: Vec<PrincipalArn>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Approval {
    /// Hours an approval request stays valid; after it, an approval is refused.
    pub expiry_hours: Bounded<1, 720>,
}

impl Default for Approval {
    fn default() -> Self {
        Self {
            expiry_hours: Bounded::new(24),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Automatic remediations per member account per clock hour, across all hub instances (0: no limit).
    pub per_account_per_hour: Bounded<0, 100_000>,
    /// Automatic remediations per playbook per clock hour, across all accounts (0: no limit).
    pub per_playbook_per_hour: Bounded<0, 100_000>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_account_per_hour: Bounded::new(50),
            per_playbook_per_hour: Bounded::new(200),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Notifications {
    pub enabled: bool,
    /// Outcomes the team is told about.
    pub statuses: Vec<RiposteStatus>,
    /// When one run has this many findings with the same outcome, playbook and account, they go
    /// as one digest message (at most 25 findings each) instead of one message each (0: never).
    /// Needs-human and awaiting-approval findings always get a message each.
    pub digest_from: Bounded<0, 1000>,
}

impl Default for Notifications {
    fn default() -> Self {
        Self {
            enabled: true,
            statuses: vec![
                RiposteStatus::Remediated,
                RiposteStatus::Failed,
                RiposteStatus::AwaitingApproval,
                RiposteStatus::NotifyOnly,
                RiposteStatus::Excluded,
                RiposteStatus::NeedsHuman,
                RiposteStatus::Undone,
                RiposteStatus::Ignored,
            ],
            digest_from: Bounded::new(5),
        }
    }
}

/// Keys and destinations of the fixes that need one; `{account}` and `{region}` are filled in. Unset:
/// the playbook changes nothing and the finding says which setting to make.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Destinations {
    /// CloudTrail.2: the KMS key ARN or alias trails are encrypted with.
    pub cloudtrail_kms_key: Option<KmsKey>,
    /// SNS.1: the KMS key ARN or alias topics are encrypted with.
    pub sns_kms_key: Option<KmsKey>,
    /// S3.9: the bucket server access logs go to, in the bucket's account and region.
    pub access_log_bucket: Option<BucketName>,
    /// EC2.6: the S3 bucket ARN VPC flow logs go to.
    pub flow_log_destination: Option<BucketArn>,
}

impl Settings {
    /// Read a document; every error located (line, column).
    pub fn parse(text: &str) -> Result<Self, Vec<Located>> {
        check(text)
    }

    /// The effective settings as TOML (defaults filled in), for `riposte config show`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    pub fn team_settings(&self) -> riposte_shared::playbooks::TeamSettings {
        let d = &self.destinations;
        riposte_shared::playbooks::TeamSettings {
            cloudtrail_kms_key: d.cloudtrail_kms_key.as_ref().map(|v| v.to_string()),
            sns_kms_key: d.sns_kms_key.as_ref().map(|v| v.to_string()),
            access_log_bucket: d.access_log_bucket.as_ref().map(|v| v.to_string()),
            flow_log_destination: d.flow_log_destination.as_ref().map(|v| v.to_string()),
        }
    }

    /// Whether a finding's status is one the team is told about.
    pub fn notifies(&self, status: RiposteStatus) -> bool {
        self.notifications.enabled && self.notifications.statuses.contains(&status)
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
