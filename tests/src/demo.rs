//! What the demo shows of a finding's resource, before and after the run. The resource comes from the
//! finding's own playbook (`riposte_shared::catalogue`: the playbook's `target` on Security Hub's copy
//! of the finding), so a new playbook or scenario finding cannot break the table: a kind of resource
//! the demo cannot describe prints "—", and a resource it cannot read says why. Nothing here panics.

use riposte_shared::target::{PrincipalKind, Target};

use crate::MemberView;

/// The resource a finding's row describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    User(String),
    Role(String),
    Bucket(String),
    SecurityGroup(String),
    /// A resource kind the demo does not describe.
    Other,
}

impl Shown {
    /// From the playbook's target.
    pub fn of(target: &Target) -> Self {
        match target {
            Target::IamPrincipal {
                principal: PrincipalKind::User,
                name,
                ..
            } => Shown::User(name.clone()),
            Target::IamPrincipal {
                principal: PrincipalKind::AssumedRole,
                name,
                ..
            } => Shown::Role(name.clone()),
            Target::Bucket { name, .. } => Shown::Bucket(name.clone()),
            Target::SecurityGroup { group_id, .. } => Shown::SecurityGroup(group_id.clone()),
            _ => Shown::Other,
        }
    }

    /// The target of a finding (Security Hub's copy) under the playbook with this id, or `Other`.
    pub fn of_finding(playbook: &str, finding: &riposte_shared::asff::Finding) -> Self {
        riposte_shared::catalogue::find(playbook)
            .and_then(|spec| riposte_shared::catalogue::target(spec, finding).ok())
            .map(|t| Self::of(&t))
            .unwrap_or(Shown::Other)
    }
}

/// The resource's state in one line; "—" when the demo does not describe this kind.
pub async fn describe(view: &Result<MemberView, String>, shown: &Shown) -> String {
    let view = match (view, shown) {
        (_, Shown::Other) => return "—".into(),
        (Err(why), _) => return format!("— (cannot read: {why})"),
        (Ok(view), _) => view,
    };
    let read = match shown {
        Shown::User(user) => user_state(view, user).await,
        Shown::Role(role) => role_state(view, role).await,
        Shown::Bucket(bucket) => bucket_state(view, bucket).await,
        Shown::SecurityGroup(group) => group_state(view, group).await,
        Shown::Other => Ok("—".into()),
    };
    read.unwrap_or_else(|why| format!("— (cannot read: {why})"))
}

fn why<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    riposte_hub::aws::explain::sdk_error(e)
}

async fn user_state(view: &MemberView, user: &str) -> Result<String, String> {
    let keys = view
        .iam
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .map_err(|e| why(&e))?;
    let keys = keys.access_key_metadata();
    let active = keys
        .iter()
        .filter(|k| k.status() == Some(&aws_sdk_iam::types::StatusType::Active))
        .count();
    let attached = view
        .iam
        .list_attached_user_policies()
        .user_name(user)
        .send()
        .await
        .map_err(|e| why(&e))?;
    let deny = attached
        .attached_policies()
        .iter()
        .any(|p| p.policy_arn().is_some_and(|a| a.ends_with("/AWSDenyAll")));
    Ok(format!(
        "{active}/{} access keys active · AWSDenyAll: {}",
        keys.len(),
        if deny { "yes" } else { "no" }
    ))
}

async fn role_state(view: &MemberView, role: &str) -> Result<String, String> {
    Ok(
        match view.role_policy(role, "RiposteRevokeOlderSessions").await {
            Some(p) => format!(
                "sessions issued before {} denied",
                p["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"]
                    .as_str()
                    .unwrap_or("?")
            ),
            None => "stolen session credentials valid".into(),
        },
    )
}

async fn bucket_state(view: &MemberView, bucket: &str) -> Result<String, String> {
    let bpa = match view.public_access_block(bucket).await {
        Some(b) if b.iter().all(|x| *x) => "BPA on",
        Some(_) => "BPA off",
        None => "BPA unset",
    };
    let acl = view
        .s3
        .get_bucket_acl()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| why(&e))?;
    let public = acl.grants().iter().any(|g| {
        g.grantee()
            .and_then(|g| g.uri())
            .is_some_and(|u| u.ends_with("/AllUsers") || u.ends_with("/AuthenticatedUsers"))
    });
    let policy = match view.policy_sids(bucket).await {
        Some(sids) => format!("policy: {}", sids.join(", ")),
        None => "no policy".into(),
    };
    let acl = if public { "ACL public" } else { "ACL private" };
    Ok(format!("{bpa} · {acl} · {policy}"))
}

async fn group_state(view: &MemberView, group: &str) -> Result<String, String> {
    let out = view
        .ec2
        .describe_security_group_rules()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-id")
                .values(group)
                .build(),
        )
        .send()
        .await
        .map_err(|e| why(&e))?;
    let rules = out.security_group_rules();
    let world: Vec<String> = rules
        .iter()
        .filter(|r| r.is_egress() != Some(true))
        .filter(|r| r.cidr_ipv4() == Some("0.0.0.0/0") || r.cidr_ipv6() == Some("::/0"))
        .map(|r| match (r.ip_protocol(), r.from_port(), r.to_port()) {
            (Some("-1"), _, _) => "all traffic".to_owned(),
            (Some(p), Some(f), Some(t)) if f == t => format!("{p}/{f}"),
            (Some(p), Some(f), Some(t)) => format!("{p}/{f}-{t}"),
            _ => "?".to_owned(),
        })
        .collect();
    let ingress = rules.iter().filter(|r| r.is_egress() != Some(true)).count();
    let egress = rules.len() - ingress;
    Ok(format!(
        "{ingress} in / {egress} out rules · world-open: {}",
        if world.is_empty() {
            "none".to_owned()
        } else {
            world.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_target_kind_is_shown_by_its_own_resource_and_the_rest_as_a_dash() {
        let user = Target::IamPrincipal {
            principal: PrincipalKind::User,
            name: "alice".into(),
            access_key_id: None,
            principal_id: None,
        };
        assert_eq!(Shown::of(&user), Shown::User("alice".into()));
        let root = Target::IamPrincipal {
            principal: PrincipalKind::Root,
            name: "root".into(),
            access_key_id: None,
            principal_id: None,
        };
        assert_eq!(Shown::of(&root), Shown::Other);
        let bucket = Target::Bucket {
            name: "b".into(),
            owner_account: None,
        };
        assert_eq!(Shown::of(&bucket), Shown::Bucket("b".into()));
    }

    #[tokio::test]
    async fn an_unknown_kind_or_an_unreadable_account_prints_a_dash_never_panics() {
        let unreadable: Result<MemberView, String> = Err("no read-back role".into());
        assert_eq!(describe(&unreadable, &Shown::Other).await, "—");
        let text = describe(&unreadable, &Shown::Bucket("b".into())).await;
        assert!(
            text.starts_with("— (cannot read: no read-back role"),
            "{text}"
        );
    }
}
