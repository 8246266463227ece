//! Secrets Manager through the member session, in the session's region or another the hub covers.

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
use riposte_shared::arn::Arn;
use riposte_shared::ports::*;
use std::sync::Arc;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::MemberClients;

/// Every secret of one region that carries the link tag, with the tag's value (the user it is linked
/// to), keyed by (tag key, region). Filled by one listing per member account and region per batch,
/// single-flight, and emptied when a batch starts (`SpokesPort::new_batch`); the time to live only
/// bounds what a long-lived process could hold.
pub type LinkedSecrets = moka::future::Cache<(String, String), Arc<Vec<(String, LinkedSecret)>>>;

pub fn linked_secrets_cache() -> LinkedSecrets {
    moka::future::Cache::builder()
        .max_capacity(256)
        .time_to_live(std::time::Duration::from_secs(60))
        .build()
}

impl MemberClients {
    /// One tag-key-filtered listing of the region's linked secrets (every page).
    async fn list_tagged_secrets(
        &self,
        tag_key: &str,
        region: &str,
    ) -> PortResult<Vec<(String, LinkedSecret)>> {
        let client = self.secrets_in(region);
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
                .set_next_token(token.take());
            let out = call!(self @ region, Api::SecretsListSecrets, tag_key, request.send())?;
            for s in out.secret_list() {
                // The filter matches key prefixes: keep the exact key.
                let Some(user) = s
                    .tags()
                    .iter()
                    .find(|t| t.key() == Some(tag_key))
                    .and_then(|t| t.value())
                else {
                    continue;
                };
                let Some(arn) = s.arn() else { continue };
                secrets.push((
                    user.to_owned(),
                    LinkedSecret {
                        arn: arn.to_owned(),
                        name: s.name().unwrap_or_default().to_owned(),
                        rotation_enabled: s.rotation_enabled().unwrap_or(false),
                        last_rotated: s.last_rotated_date().map(|d| d.secs()),
                        rotation_lambda_arn: s.rotation_lambda_arn().map(str::to_owned),
                    },
                ));
            }
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(secrets),
            }
        }
    }
}

impl SecretsPort for MemberClients {
    async fn list_linked_secrets(
        &self,
        tag_key: &str,
        user: &str,
        region: &riposte_shared::ids::Region,
    ) -> PortResult<Vec<LinkedSecret>> {
        let all = self
            .linked
            .try_get_with((tag_key.to_owned(), region.as_str().to_owned()), async {
                self.list_tagged_secrets(tag_key, region.as_str())
                    .await
                    .map(Arc::new)
            })
            .await
            .map_err(|e: Arc<PortError>| (*e).clone())?;
        Ok(all
            .iter()
            .filter(|(linked_to, _)| linked_to == user)
            .map(|(_, secret)| secret.clone())
            .collect())
    }
    async fn rotate_secret(&self, arn: &str) -> PortResult<()> {
        let region = Arn::parse(arn)
            .as_ref()
            .and_then(Arn::region)
            .map(str::to_owned)
            .unwrap_or_else(|| self.region.clone());
        call!(
            self @ &region,
            Api::SecretsRotateSecret,
            arn,
            self.secrets_in(&region)
            .rotate_secret()
            .secret_id(arn)
            .send()
        )
        .map(|_| ())
    }
}
