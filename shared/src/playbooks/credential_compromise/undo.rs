//! Undo a credential-compromise run on an IAM user after a false positive: set Active again the keys the
//! run deactivated and detach the AWSDenyAll it attached — refused, saying what changed, when a key is
//! active again or gone, or the policy was detached since. Rotated secrets stay rotated; a role's session
//! revocation is not undone.

use super::super::{failed, undo_refused, unless_changed, RunContext};
use super::deny_all_arn;
use crate::audit::{Failure, PlaybookReport, StepOutcome, StepRecord};
use crate::ports::{IamPort, PortResult};
use crate::target::{PrincipalKind, Target};


/// The keys the run set Inactive, and whether it attached AWSDenyAll.
fn recorded(steps: &[StepRecord]) -> (Vec<String>, bool) {
    let done = |name: &'static str| {
        steps
            .iter()
            .filter(move |s| s.step == name && s.outcome == StepOutcome::Done)
    };
    let keys = done("deactivate-key")
        .filter_map(|s| s.prior.as_ref()?["access_key_id"].as_str().map(str::to_owned))
        .collect();
    (keys, done("deny-all").next().is_some())
}

async fn changed_since<P: IamPort>(
    ports: &P,
    user: &str,
    keys: &[String],
    deny_all: Option<&str>,
) -> PortResult<Vec<String>> {
    let mut changed = Vec::new();
    let current = ports.list_access_keys(user).await?;
    for id in keys {
        match current.iter().find(|k| &k.id == id) {
            None => changed.push(format!("access key {id} was deleted")),
            Some(k) if k.active => changed.push(format!("access key {id} is Active again")),
            Some(_) => {}
        }
    }
    if let Some(arn) = deny_all {
        if !ports.list_attached_user_policies(user).await?.iter().any(|p| p == arn) {
            changed.push("AWSDenyAll was detached".to_owned());
        }
    }
    Ok(changed)
}

pub async fn undo<P: IamPort>(
    ports: &P,
    ctx: &RunContext,
    target: &Target,
    steps: &[StepRecord],
) -> PlaybookReport {
    let Target::IamPrincipal {
        principal: PrincipalKind::User,
        name: user,
        ..
    } = target
    else {
        return undo_refused(format!(
            "undo refused: only an IAM user's containment is undone; {} stays as the run left it",
            target.label()
        ));
    };
    let label = format!("user/{user}");
    let (keys, attached) = recorded(steps);
    if keys.is_empty() && !attached {
        return undo_refused("undo refused: the run changed nothing on the user".into());
    }
    let deny_all = deny_all_arn(ctx);
    let deny_all = attached.then_some(deny_all.as_str());
    let changed = changed_since(ports, user, &keys, deny_all).await;
    if let Some(report) = unless_changed(&format!("user {user}"), &label, changed) {
        return report;
    }
    let mut done = Vec::new();
    for id in &keys {
        done.push(match ports.activate_access_key(user, id).await {
            Ok(()) => StepRecord::new("reactivate-key", Some("iam:UpdateAccessKey"), &label, StepOutcome::Done, format!("access key {id} set Active again")),
            Err(e) => failed("reactivate-key", "iam:UpdateAccessKey", &label, e),
        });
    }
    if let Some(arn) = deny_all {
        done.push(match ports.detach_user_policy(user, arn).await {
            Ok(()) => StepRecord::new("detach-deny-all", Some("iam:DetachUserPolicy"), &label, StepOutcome::Done, "AWSDenyAll detached"),
            Err(e) => failed("detach-deny-all", "iam:DetachUserPolicy", &label, e),
        });
    }
    let verified = verify(ports, user, &keys, deny_all).await;
    PlaybookReport::conclude(done, verified)
}

async fn verify<P: IamPort>(ports: &P, user: &str, keys: &[String], deny_all: Option<&str>) -> Result<(), Failure> {
    use crate::playbooks::settle::{propagating, until};
    let inactive = |current: &Vec<crate::ports::AccessKey>| {
        keys.iter().find(|id| !current.iter().any(|k| &k.id == *id && k.active)).cloned()
    };
    if let Err(current) = until(ports, || ports.list_access_keys(user), |c| inactive(c).is_none()).await? {
        let id = inactive(&current).unwrap_or_default();
        return Err(propagating(format!("access key {id} is not Active")));
    }
    if let Some(arn) = deny_all {
        let detached = |current: &Vec<String>| !current.iter().any(|p| p == arn);
        if until(ports, || ports.list_attached_user_policies(user), detached).await?.is_err() {
            return Err(propagating("AWSDenyAll is still attached".into()));
        }
    }
    Ok(())
}
