//! The fake's Secrets Manager.

use super::FakeAccount;
use crate::ports::*;

impl SecretsPort for FakeAccount {
    async fn list_linked_secrets(
        &self,
        tag_key: &str,
        user: &str,
        region: &crate::ids::Region,
    ) -> PortResult<Vec<LinkedSecret>> {
        self.enter("secretsmanager:ListSecrets")?;
        Ok(self.with_state(|s| {
            s.secrets
                .iter()
                .filter(|x| x.secret.arn.split(':').nth(3) == Some(region.as_str()))
                .filter(|x| x.tags.get(tag_key).map(String::as_str) == Some(user))
                .map(|x| x.secret.clone())
                .collect()
        }))
    }
    async fn rotate_secret(&self, arn: &str) -> PortResult<()> {
        self.enter("secretsmanager:RotateSecret")?;
        self.with_state(
            |s| match s.secrets.iter_mut().find(|x| x.secret.arn == arn) {
                Some(x) if x.secret.rotation_enabled => {
                    x.rotations += 1;
                    // Like Secrets Manager: the rotation's time shows in the secret's metadata.
                    x.secret.last_rotated = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .ok()
                        .and_then(|d| i64::try_from(d.as_secs()).ok());
                    Ok(())
                }
                Some(_) => Err(PortError::new(
                    PortErrorKind::Other,
                    "secretsmanager:RotateSecret",
                    Some("InvalidRequestException"),
                    "no rotation configured",
                )),
                None => Err(PortError::new(
                    PortErrorKind::NotFound,
                    "secretsmanager:RotateSecret",
                    Some("ResourceNotFoundException"),
                    arn,
                )),
            },
        )
    }
}
