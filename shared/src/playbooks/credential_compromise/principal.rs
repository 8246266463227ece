//! The principal of a GuardDuty IAM finding, read whole from its `AwsIamAccessKey` resource.

use crate::arn::ResourceId;
use crate::asff::Finding;
use crate::target::{PrincipalKind, Target};

/// The principal named by the finding's `AwsIamAccessKey` resource, read whole: its account (the key's
/// `AccountId` and the session issuer's) must be the finding's; a root principal (type `Root`, the
/// account id as principal id, or a root session issuer) is root even with an `AKIA` key.
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
    let issuer = details
        .session_context
        .clone()
        .and_then(|c| c.session_issuer)
        .unwrap_or_default();
    let account = finding.aws_account_id.as_str();
    let usable = |s: &String| !s.is_empty() && s != "null";
    for (what, other) in [
        ("access key", details.account_id.as_ref()),
        ("session issuer", issuer.account_id.as_ref()),
    ] {
        if let Some(other) = other.filter(|a| usable(a) && a.as_str() != account) {
            return Err(format!(
                "the {what} belongs to account {other}, not the finding's account {account}"
            ));
        }
    }
    let name = details
        .principal_name
        .filter(usable)
        .or(details.user_name.filter(usable));
    let access_key_id = details.access_key_id.filter(usable).or_else(|| {
        ResourceId::parse(&resource.id)
            .map(|id| id.id().to_owned())
            .filter(usable)
    });
    let root = details.principal_type.as_deref() == Some("Root")
        || details.principal_id.as_deref() == Some(account)
        || issuer.kind.as_deref() == Some("Root");
    let principal = match details.principal_type.as_deref() {
        _ if root => PrincipalKind::Root,
        Some("IAMUser") => PrincipalKind::User,
        Some("AssumedRole") => PrincipalKind::AssumedRole,
        Some(_) => PrincipalKind::Other,
        // Older findings name the principal without its type, and `UserName` then means a user *or* a
        // role: decide from the unique id or the key, never by guessing (a same-named user would pay).
        None => infer_kind(details.principal_id.as_deref(), access_key_id.as_deref()),
    };
    // An assumed role's own name is the issuer's user name when the finding carries it.
    let name = match principal {
        PrincipalKind::AssumedRole => issuer.user_name.filter(usable).or(name),
        _ => name,
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

/// `AIDA…` ids and `AKIA…` long-term keys belong to IAM users, `AROA…` ids to roles; anything else
/// (temporary `ASIA…` keys: a role's or a user's session) stays ambiguous and is not acted on.
fn infer_kind(principal_id: Option<&str>, access_key_id: Option<&str>) -> PrincipalKind {
    match (principal_id, access_key_id) {
        (Some(id), _) if id.starts_with("AIDA") => PrincipalKind::User,
        (Some(id), _) if id.starts_with("AROA") => PrincipalKind::AssumedRole,
        (_, Some(key)) if key.starts_with("AKIA") => PrincipalKind::User,
        _ => PrincipalKind::Other,
    }
}
