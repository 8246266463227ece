//! A user's credentials have gone unused (controls IAM.8: 90 days, IAM.22: 45 days): deactivate every
//! active access key not used (or, never used, not created) within the window, and delete a console
//! password not used within it. Keys are only deactivated (undo re-enables them); a deleted password
//! cannot be restored (undo would set a new one), so the note says when it happened. A finding that
//! names the user by its unique id (`AIDA…`) is resolved through ListUsers.

use serde_json::json;
use time::OffsetDateTime;

use super::{excluded_by_tag, failed, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{IamPort, PortErrorKind};
use crate::spec::{Grant, Mode, PlaybookSpec, Risk, Trigger, Inverse};
use crate::target::Target;

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: "unused-credentials",
    title: "Deactivate unused access keys and remove an unused console password",
    triggers: &[
        Trigger::Control("IAM.8"),
        Trigger::Control("IAM.22"),
        Trigger::ConfigRule("iam-user-unused-credentials-check"),
    ],
    steps: &[
        "read the user (resolving a unique id through ListUsers; a protected principal is never touched); skip it when it carries the exclusion tag",
        "deactivate each active key unused for the control's window (IAM.8: 90 days, IAM.22: 45); record it",
        "delete the console password if unused for the window (it cannot be restored: the note says so)",
        "verify that no such key is active and the password is gone",
    ],
    grants: &[
        Grant::on("iam:GetUser"),
        Grant::on("iam:ListUsers"),
        Grant::on("iam:ListAccessKeys"),
        Grant::on("iam:GetAccessKeyLastUsed"),
        Grant::on("iam:UpdateAccessKey"),
        Grant::on("iam:GetLoginProfile"),
        Grant::on("iam:DeleteLoginProfile"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: false,
    undo: Inverse::None("a deleted console password cannot be restored (a new one must be set); deactivated keys are in the audit record and can be re-activated by hand"),
};

/// The user named by the finding's `AwsIamUser` resource (by name, or by unique id in findings without
/// details).
pub fn target(finding: &Finding) -> Result<Target, String> {
    crate::target::iam_user(finding)
}

/// The control's window in days: IAM.22 is 45, IAM.8 and the Config rule 90.
fn window(ctx: &RunContext) -> i64 {
    match ctx.control.as_deref() {
        Some("IAM.22") => 45,
        _ => 90,
    }
}

pub async fn run<P: IamPort>(ports: &P, ctx: &RunContext, target: &Target) -> PlaybookReport {
    let Target::IamPrincipal { name, .. } = target else {
        let reason = format!("{} is not a user", target.label());
        return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
    };
    let user = match resolve(ports, name).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let reason = format!("user {name} does not exist");
            return PlaybookReport::conclude(Vec::new(), Err(reason.into()));
        }
        Err(step) => return PlaybookReport::conclude(vec![step], Ok(())),
    };
    // The policy's protected-principal check ran on the finding's name, which may be a unique id.
    if let Some(arn) = super::iam_user::protected_user(ctx, &user.name) {
        return super::iam_user::refuse_protected(name, &user.name, arn);
    }
    let label = format!("user/{}", user.name);
    if let Some(report) = excluded_by_tag(ctx, Ok(user.tags.clone()), "iam:GetUser", &label) {
        return report;
    }
    let cutoff = ctx.now.unix_timestamp() - window(ctx) * 86_400;
    let (mut steps, stale) = keys(ports, &user.name, cutoff, &label).await;
    let password = password(ports, &user, cutoff, &label).await;
    let deleted = password.outcome == StepOutcome::Done;
    steps.push(password);
    let verified = verify(ports, &user.name, &stale, deleted).await;
    PlaybookReport::conclude(steps, verified)
}

/// The user by name, else (a unique id) by ListUsers.
async fn resolve<P: IamPort>(ports: &P, name: &str) -> Result<Option<crate::ports::IamUser>, StepRecord> {
    let label = format!("user/{name}");
    match ports.get_user(name).await {
        Ok(Some(user)) => return Ok(Some(user)),
        Ok(None) if super::iam_user::is_unique_id(name) => {}
        Ok(None) => return Ok(None),
        Err(e) => return Err(failed("read-user", "iam:GetUser", &label, e)),
    }
    let found = match ports.user_name_by_id(name).await {
        Ok(found) => found,
        Err(e) => return Err(failed("read-user", "iam:ListUsers", &label, e)),
    };
    match found {
        Some(real) => ports.get_user(&real).await.map_err(|e| failed("read-user", "iam:GetUser", &label, e)),
        None => Ok(None),
    }
}

fn date(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds).map_or_else(|_| seconds.to_string(), |t| t.date().to_string())
}

/// Deactivate each active key whose last use (or, never used, creation) is before the cutoff.
async fn keys<P: IamPort>(ports: &P, user: &str, cutoff: i64, label: &str) -> (Vec<StepRecord>, Vec<String>) {
    let (step, api) = ("unused-keys", "iam:UpdateAccessKey");
    let listed = match ports.list_access_keys(user).await {
        Ok(keys) => keys,
        Err(e) => return (vec![failed(step, "iam:ListAccessKeys", label, e)], Vec::new()),
    };
    let mut steps = Vec::new();
    let mut stale = Vec::new();
    for key in listed.iter().filter(|k| k.active) {
        let last_used = match ports.access_key_last_used(&key.id).await {
            Ok(used) => used,
            Err(e) => {
                steps.push(failed(step, "iam:GetAccessKeyLastUsed", label, e));
                continue;
            }
        };
        let Some(seen) = last_used.or(key.created).filter(|seen| *seen < cutoff) else {
            continue;
        };
        let used = last_used.map_or("never used".to_owned(), |t| format!("last used {}", date(t)));
        steps.push(match ports.deactivate_access_key(user, &key.id).await {
            Ok(()) => {
                stale.push(key.id.clone());
                let detail = format!("access key {} deactivated ({used}, since {})", key.id, date(seen));
                StepRecord::new(step, Some(api), label, StepOutcome::Done, detail)
                    .with_prior(json!({ "user": user, "access_key_id": key.id, "status": "Active" }))
            }
            Err(e) => failed(step, api, label, e),
        });
    }
    if steps.is_empty() {
        let detail = "no active access key is unused for the window";
        steps.push(StepRecord::new(step, Some(api), label, StepOutcome::AlreadyDone, detail));
    }
    (steps, stale)
}

/// Delete the console password when it has not been used (or, never used, created) since the cutoff.
async fn password<P: IamPort>(ports: &P, user: &crate::ports::IamUser, cutoff: i64, label: &str) -> StepRecord {
    let (step, api) = ("unused-password", "iam:DeleteLoginProfile");
    let created = match ports.login_profile_created(&user.name).await {
        Ok(created) => created,
        Err(e) if e.kind == PortErrorKind::NotFound => None,
        Err(e) => return failed(step, "iam:GetLoginProfile", label, e),
    };
    let Some(created) = created else {
        return StepRecord::new(step, Some(api), label, StepOutcome::AlreadyDone, "the user has no console password");
    };
    let seen = user.password_last_used.unwrap_or(created);
    if seen >= cutoff {
        let detail = format!("the console password was used or set on {}", date(seen));
        return StepRecord::new(step, Some(api), label, StepOutcome::AlreadyDone, detail);
    }
    match ports.delete_login_profile(&user.name).await {
        Ok(()) => StepRecord::new(
            step,
            Some(api),
            label,
            StepOutcome::Done,
            format!("console password deleted (unused since {}); it cannot be restored: an administrator sets a new one if needed", date(seen)),
        )
        .with_prior(json!({ "user": user.name, "login_profile_created": date(created), "restorable": false })),
        Err(e) => failed(step, api, label, e),
    }
}

async fn verify<P: IamPort>(
    ports: &P,
    user: &str,
    stale: &[String],
    password_deleted: bool,
) -> Result<(), crate::audit::Failure> {
    use super::settle::{propagating, until};
    let active = |keys: &Vec<crate::ports::AccessKey>| {
        keys.iter().find(|k| k.active && stale.contains(&k.id)).map(|k| k.id.clone())
    };
    if let Err(keys) = until(ports, || ports.list_access_keys(user), |k| active(k).is_none()).await? {
        let key = active(&keys).unwrap_or_default();
        return Err(propagating(format!("access key {key} is still active")));
    }
    if password_deleted
        && until(ports, || ports.login_profile_created(user), Option::is_none).await?.is_err()
    {
        return Err(propagating("the console password is still there".into()));
    }
    Ok(())
}

#[cfg(test)]
#[path = "unused_credentials_tests.rs"]
mod tests;
