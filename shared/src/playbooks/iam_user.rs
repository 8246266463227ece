//! The IAM user a posture finding names. Security Hub names a user by its unique id (`AIDA…`) in some
//! findings (IAM.8/IAM.22 without details, Config rules' resource ids): the id is resolved to the name
//! through ListUsers, and the name found is checked against the protected principals before any change
//! — the policy's check ran on the id, which matches no protected ARN.

use super::RunContext;
use crate::arn::Arn;
use crate::audit::{PlaybookOutcome, PlaybookReport, StepRecord};
use crate::ports::IamPort;

/// Whether the name is a unique id rather than a user name (IAM: user ids start with `AIDA`).
pub(crate) fn is_unique_id(name: &str) -> bool {
    name.starts_with("AIDA") && name.len() >= 16 && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The protected principal's ARN matching user `name` in the run's account, if any.
pub(crate) fn protected_user<'a>(ctx: &'a RunContext, name: &str) -> Option<&'a str> {
    ctx.protected_principals
        .iter()
        .find(|arn| Arn::parse(arn).is_some_and(|a| a.is_iam("user", ctx.account.as_str(), name)))
        .map(String::as_str)
}

/// A report that changes nothing because the user is protected.
pub(crate) fn refuse_protected(named: &str, name: &str, arn: &str) -> PlaybookReport {
    let via = if named == name {
        String::new()
    } else {
        format!(" (named by unique id {named})")
    };
    PlaybookReport {
        steps: Vec::new(),
        outcome: PlaybookOutcome::Excluded {
            reason: format!("user {name}{via} is a protected principal ({arn}): never touched"),
        },
        manual: Vec::new(),
    }
}

/// The user's name: `named` itself, or the name of the user whose unique id it is; then the protected
/// principals' check. `Err` is the report to end the run with (no such user, a protected one, or the
/// failed ListUsers step).
pub(crate) async fn resolve<P: IamPort>(
    ports: &P,
    ctx: &RunContext,
    named: &str,
    step: &str,
) -> Result<String, PlaybookReport> {
    let name = if is_unique_id(named) {
        match ports.user_name_by_id(named).await {
            Ok(Some(name)) => name,
            Ok(None) => {
                let reason = format!(
                    "no user of account {} has the unique id {named}",
                    ctx.account
                );
                return Err(PlaybookReport::conclude(Vec::new(), Err(reason.into())));
            }
            Err(e) => {
                let failed: StepRecord =
                    super::failed(step, "iam:ListUsers", &format!("user/{named}"), e);
                return Err(PlaybookReport::conclude(vec![failed], Ok(())));
            }
        }
    } else {
        named.to_owned()
    };
    match protected_user(ctx, &name) {
        Some(arn) => Err(refuse_protected(named, &name, arn)),
        None => Ok(name),
    }
}
