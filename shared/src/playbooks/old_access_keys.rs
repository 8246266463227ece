//! Old access keys (control IAM.3, Config rule access-keys-rotated): deactivate — never delete — the
//! user's active access keys older than the configured age (90 days by default, the control's rule),
//! tell when each was last used (an old key may still be in daily use: its owner must rotate it), and
//! verify by listing the keys again.

use serde_json::json;
use time::OffsetDateTime;

use super::{excluded_by_live_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::spec::{Mode, Grant, PlaybookSpec, Risk, Trigger, Inverse};
use crate::ports::{AccessKey, IamPort};
use crate::target::{PrincipalKind, Target};

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "old-access-keys",
    title: "Deactivate access keys older than the allowed age",
    triggers: &[
        Trigger::Control("IAM.3"),
        Trigger::ConfigRule("access-keys-rotated"),
    ],
    steps: &[
        "resolve a user named by unique id (AIDA…) through ListUsers; a protected principal is never touched",
        "skip when the user carries the exclusion tag",
        "deactivate (never delete) each active access key older than remediation.max_key_age_days (90 by default); younger keys stay",
        "tell when each deactivated key was last used, so its owner can rotate it",
        "verify by listing the keys again",
    ],
    grants: &[
        Grant::on("iam:ListUsers"),
        Grant::on("iam:ListUserTags"),
        Grant::on("iam:ListAccessKeys"),
        Grant::on("iam:GetAccessKeyLastUsed"),
        Grant::on("iam:UpdateAccessKey"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("the deactivated keys are listed in the audit record (step prior); re-activate one with `aws iam update-access-key --status Active` if it must live on"),
};

/// The user named by the finding's `AwsIamUser` resource (by name or by unique id).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::iam_user(finding)
}

fn date(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// The age IAM.3 allows: the finding's `maxAccessKeyAge` (what Security Hub evaluated), else the
/// settings' `max_key_age_days`.
fn max_age_days(ctx: &RunContext) -> u32 {
    ctx.number_parameter("maxAccessKeyAge").unwrap_or(ctx.max_key_age_days)
}

/// An active key created more than `max_age_days` before now.
fn too_old(key: &AccessKey, ctx: &RunContext) -> bool {
    let limit = ctx.now.unix_timestamp() - i64::from(max_age_days(ctx)) * 86_400;
    key.active && key.created.is_some_and(|created| created <= limit)
}

pub async fn run<P: IamPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::IamPrincipal {
        principal: PrincipalKind::User,
        name: user,
        ..
    } = target
    else {
        return PlaybookReport::conclude(
            Vec::new(),
            Err(format!("{} is not an IAM user", target.label()).into()),
        );
    };
    // A unique id (`AIDA…`) is resolved to the name, and the name checked against the protected
    // principals, before any call that changes something.
    let user = match super::iam_user::resolve(ports, ctx, user, "deactivate-old-keys").await {
        Ok(user) => user,
        Err(report) => return report,
    };
    let user = &user;
    let label = format!("user/{user}");
    if let Some(report) = excluded_by_live_tag(ctx, "iam:ListUserTags", &label, || ports.list_user_tags(user)).await {
        return report;
    }
    let keys = match ports.list_access_keys(user).await {
        Ok(keys) => keys,
        Err(e) => {
            let step = failed("deactivate-old-keys", "iam:ListAccessKeys", &label, e);
            return PlaybookReport::conclude(vec![step], Ok(()));
        }
    };
    let old: Vec<&AccessKey> = keys.iter().filter(|k| too_old(k, ctx)).collect();
    if old.is_empty() {
        let step = StepRecord::new(
            "deactivate-old-keys",
            Some("iam:UpdateAccessKey"),
            &label,
            StepOutcome::AlreadyDone,
            format!("no active key older than {} days", ctx.max_key_age_days),
        );
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    let mut steps = Vec::new();
    let mut rotate = Vec::new();
    for key in &old {
        let (step, used) = deactivate(ports, user, key, &label).await;
        if step.outcome == StepOutcome::Done {
            rotate.push(format!("{} ({used})", key.id));
        }
        steps.push(step);
    }
    if !rotate.is_empty() {
        // On the finding's note and in the notice: the owner must issue a new key.
        steps.push(StepRecord::new(
            "rotate",
            None,
            &label,
            StepOutcome::NeedsHuman,
            format!("{user} must rotate the deactivated key(s) {}", rotate.join(", ")),
        ));
    }
    let still_active = |now: &Vec<AccessKey>| {
        now.iter().find(|k| k.active && old.iter().any(|o| o.id == k.id)).map(|k| k.id.clone())
    };
    let verified = match super::settle::until(ports, || ports.list_access_keys(user), |now| still_active(now).is_none()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(now)) => Err(super::settle::propagating(format!(
            "access key {} is still active",
            still_active(&now).unwrap_or_default()
        ))),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(steps, verified)
}

/// Deactivate one old key, and leave its owner the last-use date (a read failure does not stop it).
async fn deactivate<P: IamPort>(
    ports: &P,
    user: &str,
    key: &AccessKey,
    label: &str,
) -> (StepRecord, String) {
    let used = match ports.access_key_last_used(&key.id).await {
        Ok(Some(at)) => format!("last used {}", date(at)),
        Ok(None) => "never used".to_owned(),
        Err(e) => format!("last use unknown ({e})"),
    };
    let created = key.created.map(date).unwrap_or_default();
    let step = match ports.deactivate_access_key(user, &key.id).await {
        Ok(()) => StepRecord::new(
            "deactivate-old-key",
            Some("iam:UpdateAccessKey"),
            label,
            StepOutcome::Done,
            format!(
                "access key {} (created {created}, {used}) set Inactive: its owner must rotate it",
                key.id
            ),
        )
        .with_prior(json!({"access_key_id": key.id, "status": "Active"})),
        Err(e) => failed("deactivate-old-key", "iam:UpdateAccessKey", label, e),
    };
    (step, used)
}

#[cfg(test)]
#[path = "old_access_keys_tests.rs"]
mod tests;
