//! Credential compromise (GuardDuty IAM findings): contain the principal whose credentials were used.
//! IAM user: deactivate every active access key (never delete), attach the AWS-managed `AWSDenyAll`
//! policy (the spoke role may attach nothing else), rotate the Secrets Manager secrets linked to the
//! user. Assumed role: revoke every session issued before now (`aws:TokenIssueTime`), never a blanket
//! deny on the role. Root and principals of unknown type: notify only.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{excluded_by_live_tag, failed, parse_document, statements, RunContext};
use crate::audit::{Failure, PlaybookReport, StepOutcome, StepRecord};
use crate::spec::{Mode, Condition, Grant, PlaybookSpec, Risk, Trigger, Inverse};
use crate::ports::{IamPort, LinkedSecret, SecretsPort};
use crate::target::{PrincipalKind, Target};

pub const ID: &str = "credential-compromise";
mod principal;
mod undo;
pub use principal::target;
pub use undo::undo;

pub const REVOKE_SESSIONS_POLICY: &str = "RiposteRevokeOlderSessions";

/// The spoke role may attach exactly one managed policy to users: AWS's own deny-all.
const DENY_ALL_ONLY: Condition = Condition {
    test: "ArnEquals",
    key: "iam:PolicyARN",
    value: "arn:${AWS::Partition}:iam::aws:policy/AWSDenyAll",
};

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: ID,
    title: "Contain compromised IAM credentials",
    triggers: &[Trigger::GuardDutyResourceType("IAMUser")],
    steps: &[
        "IAM user: deactivate every active access key (never delete)",
        "IAM user: attach the AWS-managed policy AWSDenyAll",
        "IAM user: rotate Secrets Manager secrets tagged riposte:linked-iam-user=<user> in every region the hub covers (RotateSecret invokes the secret's own rotation function, which must be in the account); report secrets without rotation",
        "assumed role: deny sessions issued before now (inline policy RiposteRevokeOlderSessions on aws:TokenIssueTime)",
        "root, or a principal whose type the finding does not tell: notify only",
        "verify by reading keys and policies back",
    ],
    grants: &[
        Grant::on("iam:ListAccessKeys"),
        Grant::on("iam:UpdateAccessKey"),
        Grant::when("iam:AttachUserPolicy", DENY_ALL_ONLY),
        // `riposte undo` detaches what it attached, and nothing else.
        Grant::when("iam:DetachUserPolicy", DENY_ALL_ONLY),
        Grant::on("iam:ListAttachedUserPolicies"),
        Grant::on("iam:ListUserTags"),
        Grant::on("iam:PutRolePolicy"),
        Grant::on("iam:GetRolePolicy"),
        Grant::on("iam:ListRoleTags"),
        Grant::on("secretsmanager:ListSecrets"),
        Grant::on("secretsmanager:RotateSecret"),
        Grant::on("lambda:InvokeFunction"),
    ],
    risk: Risk::Disruptive,
    mode: Mode::Auto,
    threat: true,
    undo: Inverse::Restores("IAM user: the access keys it deactivated are set Active again and AWSDenyAll is detached; rotated secrets stay rotated. A role's session revocation is not undone (sessions issued since work; delete the inline policy RiposteRevokeOlderSessions by hand)"),
};

/// The AWS-managed deny-all policy in the run's partition.
pub fn deny_all_arn(ctx: &RunContext) -> String {
    format!("arn:{}:iam::aws:policy/AWSDenyAll", ctx.region.partition())
}

pub fn revoke_sessions_document(cutoff: OffsetDateTime) -> Value {
    let cutoff = cutoff.format(&Rfc3339).unwrap_or_default();
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": REVOKE_SESSIONS_POLICY, "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}}
    }]})
}

/// The cutoff of an existing revocation policy.
fn revocation_cutoff(document: &Value) -> Option<OffsetDateTime> {
    statements(document).iter().find_map(|s| {
        let cutoff = s
            .pointer("/Condition/DateLessThan/aws:TokenIssueTime")?
            .as_str()?;
        OffsetDateTime::parse(cutoff, &Rfc3339).ok()
    })
}

pub async fn run<P: IamPort + SecretsPort>(
    ports: &P,
    ctx: &RunContext,
    target: &Target,
) -> PlaybookReport {
    match target {
        Target::IamPrincipal {
            principal: PrincipalKind::User,
            name,
            ..
        } => contain_user(ports, ctx, name).await,
        Target::IamPrincipal {
            principal: PrincipalKind::AssumedRole,
            name,
            ..
        } => revoke_role_sessions(ports, ctx, name).await,
        other => PlaybookReport::conclude(
            Vec::new(),
            Err(format!(
                "{} cannot be contained automatically; act by hand",
                other.label()
            )
            .into()),
        ),
    }
}

async fn contain_user<P: IamPort + SecretsPort>(
    ports: &P,
    ctx: &RunContext,
    user: &str,
) -> PlaybookReport {
    let target = format!("user/{user}");
    if let Some(report) = excluded_by_live_tag(ctx, "iam:ListUserTags", &target, || ports.list_user_tags(user)).await {
        return report;
    }
    let mut steps = Vec::new();
    let mut deactivated = false;
    match ports.list_access_keys(user).await {
        Ok(keys) => {
            let active: Vec<_> = keys.iter().filter(|k| k.active).collect();
            if active.is_empty() {
                steps.push(StepRecord::new(
                    "deactivate-keys",
                    Some("iam:UpdateAccessKey"),
                    &target,
                    StepOutcome::AlreadyDone,
                    "no active access key",
                ));
            }
            for key in active {
                steps.push(match ports.deactivate_access_key(user, &key.id).await {
                    Ok(()) => {
                        deactivated = true;
                        StepRecord::new(
                            "deactivate-key",
                            Some("iam:UpdateAccessKey"),
                            &target,
                            StepOutcome::Done,
                            format!("access key {} set Inactive", key.id),
                        )
                        .with_prior(json!({"access_key_id": key.id, "status": "Active"}))
                    }
                    Err(e) => failed("deactivate-key", "iam:UpdateAccessKey", &target, e),
                });
            }
        }
        Err(e) => steps.push(failed("deactivate-keys", "iam:ListAccessKeys", &target, e)),
    }

    let deny_all = deny_all_arn(ctx);
    let mut attached = false;
    match ports.list_attached_user_policies(user).await {
        Ok(current) if current.contains(&deny_all) => steps.push(StepRecord::new(
            "deny-all",
            Some("iam:AttachUserPolicy"),
            &target,
            StepOutcome::AlreadyDone,
            "AWSDenyAll already attached",
        )),
        Ok(current) => steps.push(match ports.attach_user_policy(user, &deny_all).await {
            Ok(()) => {
                attached = true;
                StepRecord::new(
                    "deny-all",
                    Some("iam:AttachUserPolicy"),
                    &target,
                    StepOutcome::Done,
                    "AWSDenyAll attached",
                )
                .with_prior(json!({ "attached_policies": current }))
            }
            Err(e) => failed("deny-all", "iam:AttachUserPolicy", &target, e),
        }),
        Err(e) => steps.push(failed(
            "deny-all",
            "iam:ListAttachedUserPolicies",
            &target,
            e,
        )),
    }

    for region in &ctx.secret_regions {
        match ports
            .list_linked_secrets(&ctx.linked_secret_tag, user, region)
            .await
        {
            Ok(secrets) => {
                for secret in secrets {
                    steps.push(rotate(ports, ctx, user, &secret).await);
                }
            }
            // The finding's own region must be read; another covered region may be disabled or
            // denied by an SCP: a person checks it, the containment stands. A throttled or
            // deferred listing is tried again on redelivery instead.
            Err(e) if *region != ctx.region && !e.kind.retryable() => steps.push(StepRecord::new(
                "rotate-secrets",
                Some("secretsmanager:ListSecrets"),
                &target,
                StepOutcome::NeedsHuman,
                format!("linked secrets in {region} could not be listed ({e}): check them by hand"),
            )),
            Err(e) => steps.push(failed(
                "rotate-secrets",
                "secretsmanager:ListSecrets",
                &target,
                e,
            )),
        }
    }

    let verified = verify_user(
        ports,
        user,
        deactivated,
        attached.then_some(deny_all.as_str()),
    )
    .await;
    PlaybookReport::conclude(steps, verified)
}

/// Rotate one linked secret, unless it has no rotation (a human must) or was rotated after the
/// compromise was last seen (a duplicate delivery: rotating again would only fail on AWS while the
/// first rotation is pending).
async fn rotate<P: SecretsPort>(
    ports: &P,
    ctx: &RunContext,
    user: &str,
    secret: &LinkedSecret,
) -> StepRecord {
    let target = format!("secret/{}", secret.name);
    if !secret.rotation_enabled {
        return StepRecord::new(
            "rotate-secret",
            None,
            &target,
            StepOutcome::NeedsHuman,
            format!(
                "secret {} is linked to {user} but has no rotation configured: rotate it by hand",
                secret.name
            ),
        );
    }
    // RotateSecret invokes the secret's own rotation function with Riposte's lambda:InvokeFunction,
    // which the spoke role holds only for functions of its own account.
    let foreign = secret
        .rotation_lambda_arn
        .as_deref()
        .and_then(crate::arn::Arn::parse)
        .and_then(|arn| arn.account().map(str::to_owned))
        .filter(|a| *a != ctx.account.as_str());
    if let Some(other) = foreign {
        return StepRecord::new(
            "rotate-secret",
            None,
            &target,
            StepOutcome::NeedsHuman,
            format!(
                "secret {} rotates through a function in account {other}: rotate it by hand",
                secret.name
            ),
        );
    }
    let seen = ctx.observed_at.unwrap_or(ctx.now).unix_timestamp();
    if secret.last_rotated.is_some_and(|at| at >= seen) {
        return StepRecord::new(
            "rotate-secret",
            Some("secretsmanager:RotateSecret"),
            &target,
            StepOutcome::AlreadyDone,
            format!(
                "{} was rotated after the activity was last seen",
                secret.name
            ),
        );
    }
    match ports.rotate_secret(&secret.arn).await {
        Ok(()) => StepRecord::new(
            "rotate-secret",
            Some("secretsmanager:RotateSecret"),
            &target,
            StepOutcome::Done,
            format!("rotation of {} started", secret.name),
        ),
        Err(e) if e.message.contains("previous rotation isn't complete") => StepRecord::new(
            "rotate-secret",
            Some("secretsmanager:RotateSecret"),
            &target,
            StepOutcome::AlreadyDone,
            format!("a rotation of {} is already in progress", secret.name),
        ),
        Err(e) => failed("rotate-secret", "secretsmanager:RotateSecret", &target, e),
    }
}

/// Read back what changed: no key still active, the deny-all policy attached.
async fn verify_user<P: IamPort>(
    ports: &P,
    user: &str,
    keys_changed: bool,
    attached: Option<&str>,
) -> Result<(), Failure> {
    use super::settle::{propagating, until};
    if keys_changed {
        let active = |keys: &Vec<crate::ports::AccessKey>| keys.iter().find(|k| k.active).map(|k| k.id.clone());
        if let Err(keys) = until(ports, || ports.list_access_keys(user), |k| active(k).is_none()).await? {
            let key = active(&keys).unwrap_or_default();
            return Err(propagating(format!("access key {key} is still active")));
        }
    }
    if let Some(policy) = attached {
        let attached = |current: &Vec<String>| current.iter().any(|p| p == policy);
        if until(ports, || ports.list_attached_user_policies(user), attached).await?.is_err() {
            return Err(propagating("AWSDenyAll is not attached".into()));
        }
    }
    Ok(())
}

async fn revoke_role_sessions<P: IamPort>(
    ports: &P,
    ctx: &RunContext,
    role: &str,
) -> PlaybookReport {
    let target = format!("role/{role}");
    if let Some(report) = excluded_by_live_tag(ctx, "iam:ListRoleTags", &target, || ports.list_role_tags(role)).await {
        return report;
    }
    let existing = match ports.get_role_policy(role, REVOKE_SESSIONS_POLICY).await {
        Ok(existing) => existing,
        Err(e) => {
            return PlaybookReport::conclude(
                vec![failed("revoke-sessions", "iam:GetRolePolicy", &target, e)],
                Ok(()),
            )
        }
    };
    let existing_cutoff = existing
        .as_deref()
        .and_then(parse_document)
        .as_ref()
        .and_then(revocation_cutoff);
    // A revocation at or after the last observed activity already cuts off the stolen sessions; a newer
    // one would only break sessions issued since, so converge on the existing one.
    let observed = ctx.observed_at.unwrap_or(ctx.now);
    if let Some(cutoff) = existing_cutoff.filter(|cutoff| *cutoff >= observed) {
        let step = StepRecord::new(
            "revoke-sessions",
            Some("iam:PutRolePolicy"),
            &target,
            StepOutcome::AlreadyDone,
            format!(
                "sessions issued before {} already denied",
                cutoff.format(&Rfc3339).unwrap_or_default()
            ),
        );
        return PlaybookReport::conclude(vec![step], Ok(()));
    }
    // Whole seconds: the policy reads better and IAM gains nothing from nanoseconds.
    let now = ctx.now.replace_nanosecond(0).unwrap_or(ctx.now);
    let wanted = revoke_sessions_document(now);
    let step = match ports
        .put_role_policy(role, REVOKE_SESSIONS_POLICY, &wanted.to_string())
        .await
    {
        Ok(()) => StepRecord::new(
            "revoke-sessions",
            Some("iam:PutRolePolicy"),
            &target,
            StepOutcome::Done,
            format!(
                "sessions issued before {} denied",
                now.format(&Rfc3339).unwrap_or_default()
            ),
        )
        .with_prior(json!({"policy_name": REVOKE_SESSIONS_POLICY, "document": existing})),
        Err(e) => {
            return PlaybookReport::conclude(
                vec![failed("revoke-sessions", "iam:PutRolePolicy", &target, e)],
                Ok(()),
            )
        }
    };
    let in_place = |doc: &Option<String>| doc.as_deref().and_then(parse_document).as_ref() == Some(&wanted);
    let read = || ports.get_role_policy(role, REVOKE_SESSIONS_POLICY);
    let verified = match super::settle::until(ports, read, in_place).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(_)) => Err(super::settle::propagating(format!("inline policy {REVOKE_SESSIONS_POLICY} is not in place"))),
        Err(e) => Err(e.into()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
#[path = "credential_compromise_tests.rs"]
mod tests;
