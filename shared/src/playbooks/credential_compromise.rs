//! Credential compromise (GuardDuty IAM findings): contain the principal whose credentials were used.
//! IAM user: deactivate every active access key (never delete), attach an explicit deny-all inline
//! policy, rotate the Secrets Manager secrets linked to the user. Assumed role: revoke every session
//! issued before now (`aws:TokenIssueTime`), never a blanket deny on the role. Root: notify only.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{failed, parse_document, statements, RunContext};
use crate::asff::Finding;
use crate::audit::{PlaybookReport, StepOutcome, StepRecord};
use crate::catalogue::{Grant, PlaybookSpec, Risk, Scope, Trigger};
use crate::ports::{IamPort, SecretsPort};
use crate::routing::{PrincipalKind, Target};

pub const ID: &str = "credential-compromise";
pub const DENY_ALL_POLICY: &str = "RiposteDenyAll";
pub const REVOKE_SESSIONS_POLICY: &str = "RiposteRevokeOlderSessions";

pub const SPEC: PlaybookSpec = PlaybookSpec {
    id: ID,
    title: "Contain compromised IAM credentials",
    triggers: &[Trigger::GuardDutyResourceType("IAMUser")],
    steps: &[
        "IAM user: deactivate every active access key (never delete)",
        "IAM user: put the explicit deny-all inline policy RiposteDenyAll",
        "IAM user: rotate Secrets Manager secrets tagged riposte:linked-iam-user=<user>; report secrets without rotation",
        "assumed role: deny sessions issued before now (inline policy RiposteRevokeOlderSessions on aws:TokenIssueTime)",
        "root: notify only",
        "verify by reading keys and policies back",
    ],
    grants: &[
        Grant { action: "iam:ListAccessKeys", scope: Scope::IamUser },
        Grant { action: "iam:UpdateAccessKey", scope: Scope::IamUser },
        Grant { action: "iam:PutUserPolicy", scope: Scope::IamUser },
        Grant { action: "iam:GetUserPolicy", scope: Scope::IamUser },
        Grant { action: "iam:PutRolePolicy", scope: Scope::IamRole },
        Grant { action: "iam:GetRolePolicy", scope: Scope::IamRole },
        Grant { action: "secretsmanager:ListSecrets", scope: Scope::AnyResource },
        Grant { action: "secretsmanager:RotateSecret", scope: Scope::Secret },
    ],
    risk: Risk::Disruptive,
    threat: true,
};

/// The principal named by the finding's `AwsIamAccessKey` resource.
pub fn target(finding: &Finding) -> Result<Target, String> {
    let resource = finding
        .resources
        .iter()
        .find(|r| r.kind == "AwsIamAccessKey")
        .ok_or("GuardDuty IAM finding without an AwsIamAccessKey resource")?;
    let details = resource
        .details
        .aws_iam_access_key
        .clone()
        .unwrap_or_default();
    let usable = |s: &String| !s.is_empty() && s != "null";
    let name = details
        .principal_name
        .filter(usable)
        .or(details.user_name.filter(usable));
    let access_key_id = resource
        .id
        .rsplit(':')
        .next()
        .map(str::to_owned)
        .filter(usable);
    let principal = match details.principal_type.as_deref() {
        Some("IAMUser") => PrincipalKind::User,
        Some("AssumedRole") => PrincipalKind::AssumedRole,
        Some("Root") => PrincipalKind::Root,
        Some(_) => PrincipalKind::Other,
        // Older findings carry only `UserName`, and only for IAM users.
        None if name.is_some() => PrincipalKind::User,
        None => {
            return Err(
                "the finding names no principal (no PrincipalType, PrincipalName or UserName)"
                    .into(),
            )
        }
    };
    let name = match (principal, name) {
        (PrincipalKind::Root, name) => name.unwrap_or_else(|| "root".into()),
        (_, Some(name)) => name,
        (_, None) => {
            return Err("the finding names no principal (no PrincipalName or UserName)".into())
        }
    };
    Ok(Target::IamPrincipal {
        principal,
        name,
        access_key_id,
        principal_id: details.principal_id,
    })
}

pub fn deny_all_document() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": DENY_ALL_POLICY, "Effect": "Deny", "Action": "*", "Resource": "*"}]})
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
            )),
        ),
    }
}

async fn contain_user<P: IamPort + SecretsPort>(
    ports: &P,
    ctx: &RunContext,
    user: &str,
) -> PlaybookReport {
    let mut steps = Vec::new();
    let target = format!("user/{user}");
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

    let wanted = deny_all_document();
    let mut policy_put = false;
    match ports.get_user_policy(user, DENY_ALL_POLICY).await {
        Ok(Some(existing)) if parse_document(&existing).as_ref() == Some(&wanted) => {
            steps.push(StepRecord::new(
                "deny-all",
                Some("iam:PutUserPolicy"),
                &target,
                StepOutcome::AlreadyDone,
                format!("inline policy {DENY_ALL_POLICY} already present"),
            ));
        }
        Ok(prior) => match ports
            .put_user_policy(user, DENY_ALL_POLICY, &wanted.to_string())
            .await
        {
            Ok(()) => {
                policy_put = true;
                steps.push(
                    StepRecord::new(
                        "deny-all",
                        Some("iam:PutUserPolicy"),
                        &target,
                        StepOutcome::Done,
                        format!("inline policy {DENY_ALL_POLICY} attached"),
                    )
                    .with_prior(json!({"policy_name": DENY_ALL_POLICY, "document": prior})),
                );
            }
            Err(e) => steps.push(failed("deny-all", "iam:PutUserPolicy", &target, e)),
        },
        Err(e) => steps.push(failed("deny-all", "iam:GetUserPolicy", &target, e)),
    }

    match ports
        .list_linked_secrets(&ctx.linked_secret_tag, user)
        .await
    {
        Ok(secrets) => {
            for secret in secrets {
                let secret_target = format!("secret/{}", secret.name);
                steps.push(if !secret.rotation_enabled {
                    StepRecord::new("rotate-secret", None, &secret_target, StepOutcome::NeedsHuman,
                        format!("secret {} is linked to {user} but has no rotation configured: rotate it by hand", secret.name))
                } else {
                    match ports.rotate_secret(&secret.arn).await {
                        Ok(()) => StepRecord::new("rotate-secret", Some("secretsmanager:RotateSecret"), &secret_target, StepOutcome::Done, format!("rotation of {} started", secret.name)),
                        Err(e) => failed("rotate-secret", "secretsmanager:RotateSecret", &secret_target, e),
                    }
                });
            }
        }
        Err(e) => steps.push(failed(
            "rotate-secrets",
            "secretsmanager:ListSecrets",
            &target,
            e,
        )),
    }

    let verified = verify_user(ports, user, deactivated, policy_put, &wanted).await;
    PlaybookReport::conclude(steps, verified)
}

/// Read back what changed: no key still active, the deny policy in place.
async fn verify_user<P: IamPort>(
    ports: &P,
    user: &str,
    keys_changed: bool,
    policy_changed: bool,
    wanted: &Value,
) -> Result<(), String> {
    if keys_changed {
        let keys = ports
            .list_access_keys(user)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(key) = keys.iter().find(|k| k.active) {
            return Err(format!("access key {} is still active", key.id));
        }
    }
    if policy_changed {
        let document = ports
            .get_user_policy(user, DENY_ALL_POLICY)
            .await
            .map_err(|e| e.to_string())?;
        if document.as_deref().and_then(parse_document).as_ref() != Some(wanted) {
            return Err(format!("inline policy {DENY_ALL_POLICY} is not in place"));
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
    let verified = match ports.get_role_policy(role, REVOKE_SESSIONS_POLICY).await {
        Ok(Some(doc)) if parse_document(&doc).as_ref() == Some(&wanted) => Ok(()),
        Ok(_) => Err(format!(
            "inline policy {REVOKE_SESSIONS_POLICY} is not in place"
        )),
        Err(e) => Err(e.to_string()),
    };
    PlaybookReport::conclude(vec![step], verified)
}

#[cfg(test)]
#[path = "credential_compromise_tests.rs"]
mod tests;
