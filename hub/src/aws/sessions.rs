//! The STS session cache: one assumed spoke-role session per member account, shared by every finding
//! of that account, refreshed a few minutes before the credentials expire. Concurrent misses for one
//! account make a single AssumeRole (moka's `try_get_with` is single-flight). Clients are cached per
//! (account, region) and share the hub's one HTTP client.

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use moka::future::Cache;
use moka::Expiry;
use riposte_shared::ids::{AccountId, Region};
use riposte_shared::ports::{PortError, PortErrorKind, PortResult, SpokesPort};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::member::MemberClients;
use super::pacer::Pacer;
use super::port_error;

/// Refresh this long before the credentials expire, so no call starts with nearly-expired credentials.
/// Longer than the longest Lambda timeout (900 s, the hub stack's largest FunctionTimeout): credentials
/// handed to a playbook never expire before its invocation ends.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(960);
/// Role chaining (a Lambda assuming a role) caps sessions at one hour.
const SESSION_SECONDS: i32 = 3600;

#[derive(Clone, Debug)]
pub struct Session {
    credentials: Credentials,
    refresh_at: Instant,
}

#[derive(Debug)]
pub struct CachedClients {
    clients: Arc<MemberClients>,
    refresh_at: Instant,
}

trait RefreshAt {
    fn refresh_at(&self) -> Instant;
}
impl RefreshAt for Session {
    fn refresh_at(&self) -> Instant {
        self.refresh_at
    }
}
impl RefreshAt for CachedClients {
    fn refresh_at(&self) -> Instant {
        self.refresh_at
    }
}

struct UntilRefresh;
impl<K, V: RefreshAt> Expiry<K, Arc<V>> for UntilRefresh {
    fn expire_after_create(
        &self,
        _key: &K,
        value: &Arc<V>,
        created_at: Instant,
    ) -> Option<Duration> {
        Some(value.refresh_at().saturating_duration_since(created_at))
    }
}

pub struct SessionCache {
    base: aws_config::SdkConfig,
    sts: aws_sdk_sts::Client,
    role_name: String,
    session_name: String,
    path_style: bool,
    sessions: Cache<AccountId, Arc<Session>>,
    clients: Cache<(AccountId, Region), Arc<CachedClients>>,
    assume_role_calls: AtomicUsize,
    /// The instance's token buckets, shared by every member's clients (`[pacing]`).
    pacer: Arc<Pacer>,
}

impl SessionCache {
    /// `session_name` appears in member CloudTrail as the role session name (`riposte-<id>`).
    pub fn new(base: aws_config::SdkConfig, role_name: &str, session_name: &str) -> Self {
        let sts = aws_sdk_sts::Client::new(&base);
        Self::with_sts(base, sts, role_name, session_name)
    }

    /// The same over a given STS client (tests use a mocked one).
    pub fn with_sts(
        base: aws_config::SdkConfig,
        sts: aws_sdk_sts::Client,
        role_name: &str,
        session_name: &str,
    ) -> Self {
        let path_style = base.endpoint_url().is_some();
        Self {
            sts,
            base,
            role_name: role_name.to_owned(),
            session_name: session_name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "=,.@-_".contains(*c))
                .take(64)
                .collect(),
            path_style,
            sessions: Cache::builder()
                .max_capacity(10_000)
                .expire_after(UntilRefresh)
                .build(),
            clients: Cache::builder()
                .max_capacity(10_000)
                .expire_after(UntilRefresh)
                .build(),
            assume_role_calls: AtomicUsize::new(0),
            pacer: Arc::new(Pacer::new(&crate::settings::Pacing::default())),
        }
    }

    /// The token buckets every member call waits on; the engine sets their rates from the settings.
    pub fn pacer(&self) -> Arc<Pacer> {
        self.pacer.clone()
    }

    /// AssumeRole calls made so far (for the run summary and tests).
    pub fn assume_role_calls(&self) -> usize {
        self.assume_role_calls.load(Ordering::Relaxed)
    }

    fn role_arn(&self, account: &AccountId, region: &Region) -> String {
        format!(
            "arn:{}:iam::{account}:role/{}",
            region.partition(),
            self.role_name
        )
    }

    async fn session(&self, account: &AccountId, region: &Region) -> PortResult<Arc<Session>> {
        let role_arn = self.role_arn(account, region);
        self.sessions
            .try_get_with(account.clone(), async {
                self.assume_role_calls.fetch_add(1, Ordering::Relaxed);
                let started = Instant::now();
                let result = self
                    .sts
                    .assume_role()
                    .role_arn(&role_arn)
                    .role_session_name(&self.session_name)
                    .source_identity(&self.session_name)
                    .duration_seconds(SESSION_SECONDS)
                    .send()
                    .await
                    .map_err(|e| port_error("sts:AssumeRole", e));
                super::log_call("sts:AssumeRole", &role_arn, started, &result);
                let credentials = result?.credentials.ok_or_else(|| {
                    PortError::new(
                        PortErrorKind::Other,
                        "sts:AssumeRole",
                        None,
                        "AssumeRole returned no credentials",
                    )
                })?;
                let expires = SystemTime::try_from(credentials.expiration)
                    .unwrap_or_else(|_| SystemTime::now());
                let lifetime = expires
                    .duration_since(SystemTime::now())
                    .unwrap_or_default();
                Ok(Arc::new(Session {
                    credentials: Credentials::new(
                        credentials.access_key_id,
                        credentials.secret_access_key,
                        Some(credentials.session_token),
                        Some(expires),
                        "riposte-spoke",
                    ),
                    refresh_at: Instant::now() + lifetime.saturating_sub(REFRESH_MARGIN),
                }))
            })
            .await
            .map_err(|e: Arc<PortError>| {
                let mut error = (*e).clone();
                error.message = format!("cannot assume {role_arn}: {}", error.message);
                error
            })
    }
}

impl SpokesPort for SessionCache {
    type Member = MemberClients;

    fn session_name(&self) -> Option<String> {
        Some(self.session_name.clone())
    }

    fn new_batch(&self) {
        for (_, cached) in self.clients.iter() {
            cached.clients.linked.invalidate_all();
        }
    }

    async fn member(&self, account: &AccountId, region: &Region) -> PortResult<Arc<MemberClients>> {
        let session = self.session(account, region).await?;
        let cached = self
            .clients
            .get_with((account.clone(), region.clone()), async {
                let config = self
                    .base
                    .to_builder()
                    .credentials_provider(SharedCredentialsProvider::new(
                        session.credentials.clone(),
                    ))
                    .region(aws_config::Region::new(region.as_str().to_owned()))
                    .build();
                Arc::new(CachedClients {
                    clients: Arc::new(MemberClients::new(
                        &config,
                        account,
                        self.path_style,
                        self.pacer.clone(),
                    )),
                    refresh_at: session.refresh_at,
                })
            })
            .await;
        Ok(cached.clients.clone())
    }
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
