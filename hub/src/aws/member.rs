//! The member-account ports (IAM, S3, Secrets Manager) over SDK clients built from the spoke session.
//! Every S3 call carries `ExpectedBucketOwner`.

use aws_sdk_iam::types::StatusType;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::{log_call, port_error};

/// SDK clients for one (account, region), sharing the hub's HTTP client.
#[derive(Clone, Debug)]
pub struct MemberClients {
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    /// The session's configuration, for Secrets Manager in the hub's other regions.
    pub config: aws_config::SdkConfig,
}

impl MemberClients {
    /// `path_style` is needed when an endpoint override (a local emulator) serves S3.
    pub fn new(config: &aws_config::SdkConfig, path_style: bool) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build();
        Self {
            iam: aws_sdk_iam::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            secrets: aws_sdk_secretsmanager::Client::new(config),
            config: config.clone(),
        }
    }

    /// Secrets Manager in `region` (the session's own region reuses its client).
    fn secrets_in(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        if self.config.region().map(|r| r.as_ref()) == Some(region) {
            return self.secrets.clone();
        }
        let config = aws_sdk_secretsmanager::config::Builder::from(&self.config)
            .region(aws_config::Region::new(region.to_owned()))
            .build();
        aws_sdk_secretsmanager::Client::from_conf(config)
    }
}

/// IAM returns policy documents URL-encoded; the emulator sometimes does not.
fn decode_document(document: &str) -> String {
    if document.trim_start().starts_with('{') {
        return document.to_owned();
    }
    percent_encoding::percent_decode_str(document)
        .decode_utf8_lossy()
        .into_owned()
}

/// Run one call, map its error, log it.
macro_rules! call {
    ($api:expr, $target:expr, $send:expr) => {{
        let started = Instant::now();
        let result = $send.await.map_err(|e| port_error($api, e));
        log_call($api, $target, started, &result);
        result
    }};
}

/// The error codes that mean "this configuration is absent", not "this bucket or user is missing".
fn absent_as_none<T>(result: PortResult<T>, codes: &[&str]) -> PortResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.code.as_deref().is_some_and(|c| codes.contains(&c)) => Ok(None),
        Err(e) => Err(e),
    }
}

mod s3;

impl IamPort for MemberClients {
    async fn list_access_keys(&self, user: &str) -> PortResult<Vec<AccessKey>> {
        // A user has at most two access keys: one page.
        let out = call!(
            "iam:ListAccessKeys",
            user,
            self.iam.list_access_keys().user_name(user).send()
        )?;
        Ok(out
            .access_key_metadata()
            .iter()
            .filter_map(|k| {
                Some(AccessKey {
                    id: k.access_key_id()?.to_owned(),
                    active: k.status() == Some(&StatusType::Active),
                })
            })
            .collect())
    }
    async fn deactivate_access_key(&self, user: &str, key_id: &str) -> PortResult<()> {
        let request = self
            .iam
            .update_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .status(StatusType::Inactive);
        call!("iam:UpdateAccessKey", user, request.send()).map(|_| ())
    }
    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> PortResult<()> {
        let request = self
            .iam
            .attach_user_policy()
            .user_name(user)
            .policy_arn(policy_arn);
        call!("iam:AttachUserPolicy", user, request.send()).map(|_| ())
    }
    async fn list_attached_user_policies(&self, user: &str) -> PortResult<Vec<String>> {
        // At most 20 managed policies can be attached to a user: one page of 100.
        let request = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .max_items(100);
        let out = call!("iam:ListAttachedUserPolicies", user, request.send())?;
        Ok(out
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect())
    }
    async fn list_user_tags(&self, user: &str) -> PortResult<BTreeMap<String, String>> {
        // At most 50 tags per user: one page of 100.
        let out = call!(
            "iam:ListUserTags",
            user,
            self.iam
                .list_user_tags()
                .user_name(user)
                .max_items(100)
                .send()
        )?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
    async fn list_role_tags(&self, role: &str) -> PortResult<BTreeMap<String, String>> {
        let out = call!(
            "iam:ListRoleTags",
            role,
            self.iam
                .list_role_tags()
                .role_name(role)
                .max_items(100)
                .send()
        )?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
    async fn put_role_policy(&self, role: &str, name: &str, document: &str) -> PortResult<()> {
        let request = self
            .iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document);
        call!("iam:PutRolePolicy", role, request.send()).map(|_| ())
    }
    async fn get_role_policy(&self, role: &str, name: &str) -> PortResult<Option<String>> {
        let out = absent_as_none(
            call!(
                "iam:GetRolePolicy",
                role,
                self.iam
                    .get_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send()
            ),
            &["NoSuchEntity"],
        )?;
        Ok(out.map(|o| decode_document(o.policy_document())))
    }
}

impl SecretsPort for MemberClients {
    async fn list_linked_secrets(
        &self,
        tag_key: &str,
        user: &str,
        region: &riposte_shared::ids::Region,
    ) -> PortResult<Vec<LinkedSecret>> {
        let client = self.secrets_in(region.as_str());
        let mut secrets = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = client
                .list_secrets()
                .filters(
                    Filter::builder()
                        .key(FilterNameStringType::TagKey)
                        .values(tag_key)
                        .build(),
                )
                .filters(
                    Filter::builder()
                        .key(FilterNameStringType::TagValue)
                        .values(user)
                        .build(),
                )
                .set_next_token(token.take());
            let out = call!("secretsmanager:ListSecrets", user, request.send())?;
            // The two filters match independently: keep secrets whose tag `tag_key` really is `user`.
            secrets.extend(
                out.secret_list()
                    .iter()
                    .filter(|s| {
                        s.tags()
                            .iter()
                            .any(|t| t.key() == Some(tag_key) && t.value() == Some(user))
                    })
                    .filter_map(|s| {
                        Some(LinkedSecret {
                            arn: s.arn()?.to_owned(),
                            name: s.name().unwrap_or_default().to_owned(),
                            rotation_enabled: s.rotation_enabled().unwrap_or(false),
                            last_rotated: s.last_rotated_date().map(|d| d.secs()),
                            rotation_lambda_arn: s.rotation_lambda_arn().map(str::to_owned),
                        })
                    }),
            );
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(secrets),
            }
        }
    }
    async fn rotate_secret(&self, arn: &str) -> PortResult<()> {
        call!(
            "secretsmanager:RotateSecret",
            arn,
            self.secrets_in(arn.split(':').nth(3).unwrap_or_default())
                .rotate_secret()
                .secret_id(arn)
                .send()
        )
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    /// Every IAM action the member adapters call must be declared by some playbook, or the generated
    /// spoke role would deny it in production (the emulator does not enforce IAM).
    #[test]
    fn every_api_the_adapters_call_is_declared_in_the_catalogue() {
        let declared: Vec<&str> = riposte_shared::catalogue::all_grants()
            .iter()
            .map(|g| g.action)
            .collect();
        let source = concat!(include_str!("member.rs"), include_str!("member/s3.rs"));
        let called: Vec<&str> = source
            .split("call!(")
            .skip(1)
            .filter_map(|rest| rest.trim_start().strip_prefix('"')?.split('"').next())
            .filter(|api| api.contains(':'))
            .collect();
        assert!(called.len() >= 16, "found {called:?}");
        for api in called {
            assert!(
                declared.contains(&api),
                "{api} is called but no playbook declares it"
            );
        }
    }
}
