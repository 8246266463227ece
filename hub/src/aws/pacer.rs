//! Pacing: every call one hub instance makes into a member account first takes a token from the
//! bucket of its (service, account, region) — IAM is global, so one bucket per account — refilled at
//! the `[pacing]` rate. A burst of findings in one account is spread at what AWS allows the account,
//! instead of being thrown at it, throttled and retried. Findings of other accounts, and other
//! services of the same account, do not wait for it. The SDK's adaptive retry (`member.rs`) still
//! slows a client that is throttled anyway: other callers share the account's budget.
//!
//! The rates are per hub instance: with `n` instances busy on one account, the account sees up to `n`
//! times the rate (docs/capacity.md).
//!
//! A playbook runs under a cut-off ([`CUTOFF`], set by the engine from the invocation's deadline): a
//! call whose token would only come after it is refused at once, unsent, as a transient failure, so
//! the playbook reports the steps it did and the finding is resumed on redelivery, instead of the
//! call waiting into the deadline and the playbook being cut off with its report.

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Jitter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::settings::Pacing;

tokio::task_local! {
    /// The instant by which a paced call of the current playbook must have its token.
    pub static CUTOFF: Instant;
}

/// A call the pacer refused: its token would come only after the playbook's cut-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PastCutoff {
    pub service: Service,
    /// How long the call would have waited for its token.
    pub wait: Duration,
}

/// The AWS services the member adapters call, named by their IAM action prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    CloudTrail,
    DynamoDb,
    Ec2,
    Ecr,
    Iam,
    Kms,
    Lambda,
    Rds,
    Redshift,
    S3,
    SecretsManager,
    Sns,
    Sqs,
    Ssm,
}

impl Service {
    pub const ALL: &'static [Service] = &[
        Service::CloudTrail,
        Service::DynamoDb,
        Service::Ec2,
        Service::Ecr,
        Service::Iam,
        Service::Kms,
        Service::Lambda,
        Service::Rds,
        Service::Redshift,
        Service::S3,
        Service::SecretsManager,
        Service::Sns,
        Service::Sqs,
        Service::Ssm,
    ];

    /// The IAM action prefix (`iam` in `iam:ListAccessKeys`), also the `[pacing]` key.
    pub const fn prefix(self) -> &'static str {
        match self {
            Service::CloudTrail => "cloudtrail",
            Service::DynamoDb => "dynamodb",
            Service::Ec2 => "ec2",
            Service::Ecr => "ecr",
            Service::Iam => "iam",
            Service::Kms => "kms",
            Service::Lambda => "lambda",
            Service::Rds => "rds",
            Service::Redshift => "redshift",
            Service::S3 => "s3",
            Service::SecretsManager => "secretsmanager",
            Service::Sns => "sns",
            Service::Sqs => "sqs",
            Service::Ssm => "ssm",
        }
    }

    /// The service of an IAM action (`s3:PutBucketPolicy` → S3).
    pub fn of(action: &str) -> Option<Self> {
        let prefix = action.split(':').next()?;
        Self::ALL.iter().copied().find(|s| s.prefix() == prefix)
    }

    /// A global service has one budget per account, whatever the region of the call.
    pub const fn global(self) -> bool {
        matches!(self, Service::Iam)
    }
}

/// A bucket refilled at `rate` calls per second that holds one second of calls (at least one).
pub fn quota(rate: f64) -> Quota {
    let period = Duration::from_secs_f64(1.0 / rate.clamp(0.1, 10_000.0));
    let burst = NonZeroU32::new(rate.ceil().clamp(1.0, 10_000.0) as u32).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

/// (account, region); the region is `None` for a global service.
type Key = (String, Option<String>);

/// One service's buckets (one per key) and the rate they refill at.
type Buckets = (f64, Arc<DefaultKeyedRateLimiter<Key>>);

/// The token buckets of one hub instance, one family per service at that service's rate.
pub struct Pacer {
    buckets: RwLock<HashMap<Service, Buckets>>,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer").finish_non_exhaustive()
    }
}

impl Pacer {
    pub fn new(rates: &Pacing) -> Self {
        let pacer = Self {
            buckets: RwLock::new(HashMap::new()),
        };
        pacer.set(rates);
        pacer
    }

    /// Take the settings in force (each run): a service whose rate changed gets new buckets, and the
    /// buckets of accounts no longer called are dropped.
    pub fn set(&self, rates: &Pacing) {
        let mut buckets = self.buckets.write().unwrap_or_else(PoisonError::into_inner);
        for &service in Service::ALL {
            let rate = rates.rate(service);
            match buckets.get(&service) {
                Some((current, limiter)) if *current == rate => limiter.retain_recent(),
                _ => {
                    buckets.insert(service, (rate, Arc::new(RateLimiter::keyed(quota(rate)))));
                }
            }
        }
    }

    /// The rate in force for `service` (calls per second per account, or account and region).
    pub fn rate(&self, service: Service) -> Option<f64> {
        let buckets = self.buckets.read().unwrap_or_else(PoisonError::into_inner);
        buckets.get(&service).map(|(rate, _)| *rate)
    }

    /// Wait for a token to call `action` in `account` and `region`; how long it waited. Refused at
    /// once, without a token, when the token would come after the task's [`CUTOFF`].
    pub async fn wait(
        &self,
        action: &str,
        account: &str,
        region: &str,
    ) -> Result<Duration, PastCutoff> {
        let Some(service) = Service::of(action) else {
            return Ok(Duration::ZERO);
        };
        let limiter = {
            let buckets = self.buckets.read().unwrap_or_else(PoisonError::into_inner);
            buckets.get(&service).map(|(_, limiter)| limiter.clone())
        };
        let Some(limiter) = limiter else {
            return Ok(Duration::ZERO);
        };
        let key = (
            account.to_owned(),
            (!service.global()).then(|| region.to_owned()),
        );
        let started = Instant::now();
        let Err(not_until) = limiter.check_key(&key) else {
            return Ok(Duration::ZERO);
        };
        let wait = not_until.wait_time_from(limiter.clock().now());
        let cutoff = CUTOFF.try_with(|cutoff| *cutoff).ok();
        if cutoff.is_some_and(|cutoff| started + wait > cutoff) {
            return Err(PastCutoff { service, wait });
        }
        // A little jitter, so the calls that waited for one key do not all wake at the same instant.
        let ready =
            limiter.until_key_ready_with_jitter(&key, Jitter::up_to(Duration::from_millis(20)));
        match cutoff {
            // Other calls may take the tokens first: the cut-off bounds the whole wait, and a wait
            // given up takes no token.
            Some(cutoff) => tokio::time::timeout_at(cutoff.into(), ready)
                .await
                .map_err(|_| PastCutoff {
                    service,
                    wait: started.elapsed(),
                })?,
            None => ready.await,
        }
        Ok(started.elapsed())
    }
}

#[cfg(test)]
#[path = "pacer_tests.rs"]
mod tests;
