//! The playbooks, one file each. Each declares its catalogue entry (`SPEC`), extracts its target from a
//! finding (`target`) and runs its steps against the ports (`run`), then verifies by reading back.
//! Every step is idempotent: a second run converges and reports `already-done`.
//!
//! Adding a playbook is its file and one line in `registry!` below: the macro declares the module and
//! derives the catalogue and the dispatch from that one list, so a playbook without a `SPEC`, a
//! `target` or a `run` does not compile.

/// Declares the playbook modules and derives from the one list: `CATALOGUE` (which the spoke policy,
/// the event pattern, the CLI listing and the docs table are generated from), `target` and `run`.
macro_rules! registry {
    (@id $playbook:ident $undo:ident) => {
        $playbook::SPEC.id
    };
    ($($playbook:ident $(+ $undo:ident)?),+ $(,)?) => {
        $(pub mod $playbook;)+

        /// The playbooks whose `undo` the registry dispatches to (`+ undo` in the list); a test checks
        /// that they are exactly the ones declaring `Inverse::Restores`.
        pub const UNDOABLE: &[&str] = &[$($(registry!(@id $playbook $undo),)?)+];

        /// Restore what a run of the playbook changed, from the steps its audit record holds.
        pub async fn undo<P: crate::ports::MemberPorts>(
            spec: &crate::spec::PlaybookSpec,
            ports: &P,
            ctx: &RunContext,
            target: &crate::target::Target,
            steps: &[crate::audit::StepRecord],
        ) -> PlaybookReport {
            $($(if spec.id == $playbook::SPEC.id {
                return $playbook::$undo(ports, ctx, target, steps).await;
            })?)+
            let _ = (ports, ctx, target, steps);
            PlaybookReport::conclude(
                Vec::new(),
                Err(format!("playbook {} has no undo", spec.id).into()),
            )
        }

        /// Every playbook's declaration, in registry order.
        pub const CATALOGUE: &[&crate::spec::PlaybookSpec] = &[$(&$playbook::SPEC),+];

        /// Extract the playbook's target from the finding, or say why it cannot act.
        pub fn target(
            spec: &crate::spec::PlaybookSpec,
            finding: &crate::asff::Finding,
        ) -> Result<crate::target::Target, String> {
            $(if spec.id == $playbook::SPEC.id {
                return $playbook::target(finding);
            })+
            Err(format!("playbook {} is not in the registry", spec.id))
        }

        /// Run the playbook against the member account's ports.
        pub async fn run<P: crate::ports::MemberPorts>(
            spec: &crate::spec::PlaybookSpec,
            ports: &P,
            ctx: &RunContext,
            target: &crate::target::Target,
        ) -> PlaybookReport {
            $(if spec.id == $playbook::SPEC.id {
                return $playbook::run(ports, ctx, target).await;
            })+
            PlaybookReport::conclude(
                Vec::new(),
                Err(format!("playbook {} is not in the registry", spec.id).into()),
            )
        }
    };
}

registry![
    credential_compromise + undo,
    public_bucket + undo,
    old_access_keys,
    world_open_ports,
    default_security_group,
    password_policy,
    mfa_notice,
    ebs_default_encryption,
    subnet_public_ip,
    imdsv2,
    bucket_tls_only,
    instance_isolation,
    queue_encryption,
    table_recovery,
    key_rotation,
    trail_validation,
    repository_scanning,
    unused_credentials,
    db_instance_settings,
    db_public_access,
    db_snapshot_private,
    public_snapshots,
    function_policy,
    bucket_cross_account,
    cluster_public_access,
    document_sharing,
    trail_encryption,
    topic_encryption,
    bucket_access_logging,
    vpc_flow_logs,
    vulnerability_notice,
    account_public_access_block,
];

mod iam_user;
mod settle;
mod switch;

use serde_json::Value;
use time::OffsetDateTime;

use crate::audit::{PlaybookOutcome, PlaybookReport, StepOutcome, StepRecord};
use crate::ids::{AccountId, Region};

/// What a playbook knows about the run besides its target.
#[derive(Clone, Debug)]
pub struct RunContext {
    pub account: AccountId,
    pub region: Region,
    /// The time the hub treats as "now" (the engine's clock; tests pass a fixed one).
    pub now: OffsetDateTime,
    /// When the finding last saw the activity; a session revocation at or after it already contains it.
    pub observed_at: Option<OffsetDateTime>,
    /// Tag key linking Secrets Manager secrets to an IAM user (value = user name).
    pub linked_secret_tag: String,
    /// Regions where linked secrets are looked up: the finding's and every region the hub covers.
    pub secret_regions: Vec<Region>,
    /// Access keys older than this many days are deactivated by `old-access-keys` (IAM.3).
    pub max_key_age_days: u32,
    /// The exclusion tag honoured on the live resource, when the policy honours it for this finding.
    pub exclusion_tag: Option<(String, String)>,
    /// The finding's control id, for playbooks whose rule depends on the control (IAM.15 asks a length,
    /// IAM.17 an age); `None` for a Config-rule or threat finding.
    pub control: Option<String>,
    /// The AWS Config rule name of a Config-integration finding (no control id): the playbooks whose fix
    /// depends on the rule read it, never another rule's setting.
    pub config_rule: Option<String>,
    /// The control's parameters as the finding carries them (`Compliance.SecurityControlParameters`):
    /// the values Security Hub evaluated, which the fix honours over its defaults.
    pub control_parameters: std::collections::BTreeMap<String, Vec<String>>,
    /// Keys and destinations the team chose for the resources Riposte fixes.
    pub settings: TeamSettings,
    /// The protected principals' ARNs (`[principals] protected` and `break_glass`): a playbook that
    /// resolves a user's unique id (`AIDA…`) checks the name it finds against them before any change.
    pub protected_principals: Vec<String>,
}

/// Keys and destinations chosen by the team: a KMS key ARN or alias (`destinations.cloudtrail_kms_key`,
/// `destinations.sns_kms_key`), a bucket name (`destinations.access_log_bucket`), where `{account}` and `{region}` stand
/// for the member account and region. Unset: the playbook that needs it changes nothing and says which
/// setting to set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamSettings {
    pub cloudtrail_kms_key: Option<String>,
    pub sns_kms_key: Option<String>,
    pub access_log_bucket: Option<String>,
    /// `destinations.flow_log_destination`: an S3 bucket ARN (`arn:aws:s3:::bucket[/prefix]`).
    pub flow_log_destination: Option<String>,
}

impl RunContext {
    /// A numeric control parameter (`maxAccessKeyAge`), when the finding carries one that parses.
    pub fn number_parameter(&self, name: &str) -> Option<u32> {
        self.control_parameters
            .get(name)?
            .first()?
            .trim()
            .parse()
            .ok()
    }

    /// A boolean control parameter (`RequireSymbols`), when the finding carries one.
    pub fn flag_parameter(&self, name: &str) -> Option<bool> {
        match self.control_parameters.get(name)?.first()?.trim() {
            v if v.eq_ignore_ascii_case("true") => Some(true),
            v if v.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

impl TeamSettings {
    /// The key for this account and region, placeholders filled.
    pub fn resolve(template: Option<&str>, ctx: &RunContext) -> Option<String> {
        template.map(|t| {
            t.replace("{account}", ctx.account.as_str())
                .replace("{region}", ctx.region.as_str())
        })
    }
}

/// The report of a playbook that needs a setting the team has not made: nothing changed, and why.
pub(crate) fn not_configured(setting: &str, what: &str) -> PlaybookReport {
    PlaybookReport {
        steps: Vec::new(),
        outcome: PlaybookOutcome::Excluded {
            reason: format!("set {setting} to {what} ({{account}} and {{region}} are filled in)"),
        },
        manual: Vec::new(),
    }
}

/// An undo that does not run, and why.
pub(crate) fn undo_refused(reason: String) -> PlaybookReport {
    PlaybookReport {
        steps: Vec::new(),
        outcome: PlaybookOutcome::Excluded { reason },
        manual: Vec::new(),
    }
}

/// Refuse an undo when `what` changed since the run (`changed` says how), or report the read that
/// failed; `None` when it is as the run left it.
pub(crate) fn unless_changed(
    what: &str,
    label: &str,
    changed: crate::ports::PortResult<Vec<String>>,
) -> Option<PlaybookReport> {
    match changed {
        Ok(changed) if changed.is_empty() => None,
        Ok(changed) => Some(undo_refused(format!(
            "undo refused: {what} changed since the run ({}); restore it by hand from the audit record",
            changed.join("; ")
        ))),
        Err(e) => {
            let api = e.api.clone();
            Some(PlaybookReport::conclude(
                vec![failed("read-current-state", &api, label, e)],
                Ok(()),
            ))
        }
    }
}

/// A run context for the playbooks' tests: `account` in us-east-1, the hub's clock fixed at
/// 2026-11-25 12:00 UTC, the default settings and no exclusion tag; tests override what they exercise.
#[cfg(test)]
pub(crate) fn test_context(account: &str) -> RunContext {
    let region = Region::parse("us-east-1").unwrap_or_else(|e| panic!("{e}"));
    RunContext {
        account: AccountId::parse(account).unwrap_or_else(|e| panic!("{e}")),
        region: region.clone(),
        now: time::macros::datetime!(2026-11-25 12:00 UTC),
        observed_at: None,
        linked_secret_tag: "riposte:linked-iam-user".into(),
        max_key_age_days: 90,
        secret_regions: vec![region],
        exclusion_tag: None,
        control: None,
        config_rule: None,
        control_parameters: Default::default(),
        settings: TeamSettings::default(),
        protected_principals: Vec::new(),
    }
}

/// A public sample from `tests/fixtures/public/` (see its SOURCES.md), as JSON.
#[cfg(test)]
pub(crate) fn public_sample(name: &str) -> Value {
    let path = format!(
        "{}/../tests/fixtures/public/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parse an IAM policy document; IAM returns them URL-decoded by the adapter.
pub(crate) fn parse_document(document: &str) -> Option<Value> {
    serde_json::from_str(document).ok()
}

pub(crate) use crate::s3_public::statements;

/// When the live resource carries the exclusion tag (or its tags cannot be read: acting without
/// knowing whether the owner opted out would break that promise), the report that ends the run.
pub(crate) fn excluded_by_tag(
    ctx: &RunContext,
    tags: crate::ports::PortResult<std::collections::BTreeMap<String, String>>,
    api: &str,
    target: &str,
) -> Option<PlaybookReport> {
    let (key, value) = ctx.exclusion_tag.as_ref()?;
    match tags {
        Ok(tags) if tags.get(key) == Some(value) => {
            let reason = format!("{target} carries the exclusion tag {key}={value}");
            let step = StepRecord::new(
                "exclusion-tag",
                Some(api),
                target,
                StepOutcome::AlreadyDone,
                reason.clone(),
            );
            Some(PlaybookReport {
                steps: vec![step],
                outcome: PlaybookOutcome::Excluded { reason },
                manual: Vec::new(),
            })
        }
        Ok(_) => None,
        Err(e) => Some(PlaybookReport::conclude(
            vec![failed("exclusion-tag", api, target, e)],
            Ok(()),
        )),
    }
}

/// `excluded_by_tag` on the live resource's tags, read (by `read`) only when the policy honours an
/// exclusion tag for this finding: no tag to honour, no call.
pub(crate) async fn excluded_by_live_tag<F>(
    ctx: &RunContext,
    api: &str,
    target: &str,
    read: impl FnOnce() -> F,
) -> Option<PlaybookReport>
where
    F: std::future::Future<
        Output = crate::ports::PortResult<std::collections::BTreeMap<String, String>>,
    >,
{
    ctx.exclusion_tag.as_ref()?;
    excluded_by_tag(ctx, read().await, api, target)
}

pub(crate) fn failed(
    step: &str,
    api: &str,
    target: &str,
    error: crate::ports::PortError,
) -> StepRecord {
    StepRecord::failed(step, api, target, error)
}
