//! Secrets Manager through the member session, in the session's region or another the hub covers.

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
use riposte_shared::arn::Arn;
use riposte_shared::ports::*;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::MemberClients;

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
            let out = call!(Api::SecretsListSecrets, user, request.send())?;
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
            Api::SecretsRotateSecret,
            arn,
            self.secrets_in(
                Arn::parse(arn)
                    .as_ref()
                    .and_then(Arn::region)
                    .unwrap_or_default()
            )
            .rotate_secret()
            .secret_id(arn)
            .send()
        )
        .map(|_| ())
    }
}
