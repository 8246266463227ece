//! Pacing: every call one hub instance makes into a member account first takes a token from the
//! bucket of its (service, account, region) — IAM is global, so one bucket per account — shaped by
//! `[pacing]`: a burst, then a refill rate. A lone finding, or a handful in one account, finds its
//! tokens in the burst and never waits; a storm in one account is spread at the rate instead of being
//! thrown at AWS. Findings of other accounts, and other services of the same account, do not wait
//! for it.
//!
//! One controller: when a member service answers with throttling anyway (other callers share the
//! account's quota), the bucket's rate is lowered and recovers (`bucket.rs`, AIMD), and the SDK's
//! retry of the throttled call waits for a token of the same bucket ([`retry::PacedRetries`]). The
//! SDK's own adaptive limiter is not used: it is keyed by service and region, not member account,
//! and would be a second controller fighting this one.
//!
//! The buckets are per hub instance: with `n` instances busy on one account, the account sees up to
//! `n` times the rates (docs/capacity.md), until it throttles and every instance slows.
//!
//! A playbook runs under a cut-off ([`CUTOFF`], set by the engine from the invocation's deadline): a
//! call whose token would only come after it is refused at once, unsent, as a transient failure, so
//! the playbook reports the steps it did and the finding is resumed on redelivery, instead of the
//! call waiting into the deadline and the playbook being cut off with its report.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::settings::Pacing;

mod bucket;
pub mod retry;

use bucket::Bucket;
pub use bucket::Shape;

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

/// (service, account, region); the region is `None` for a global service.
type Key = (Service, String, Option<String>);

fn key(service: Service, account: &str, region: &str) -> Key {
    (
        service,
        account.to_owned(),
        (!service.global()).then(|| region.to_owned()),
    )
}

/// The token buckets of one hub instance, one per (service, account, region) in use.
pub struct Pacer {
    shapes: RwLock<Pacing>,
    buckets: Mutex<HashMap<Key, Bucket>>,
    /// Calls that waited for a token, and throttling answers seen (for traces and benchmarks).
    waited: AtomicU64,
    throttles: AtomicU64,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer").finish_non_exhaustive()
    }
}

impl Pacer {
    pub fn new(settings: &Pacing) -> Self {
        Self {
            shapes: RwLock::new(settings.clone()),
            buckets: Mutex::new(HashMap::new()),
            waited: AtomicU64::new(0),
            throttles: AtomicU64::new(0),
        }
    }

    /// Take the settings in force (each run): buckets of a changed service take the new shape (a
    /// lowered rate stays lowered, up to the new setting), and buckets back at rest are forgotten.
    pub fn set(&self, settings: &Pacing) {
        let now = Instant::now();
        let mut shapes = self.shapes.write().unwrap_or_else(PoisonError::into_inner);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if *shapes != *settings {
            for ((service, _, _), bucket) in buckets.iter_mut() {
                bucket.reshape(settings.shape(*service), now);
            }
            *shapes = settings.clone();
        }
        buckets.retain(|_, bucket| !bucket.idle(now));
    }

    /// The bucket shape in force for `service`.
    pub fn shape(&self, service: Service) -> Shape {
        let shapes = self.shapes.read().unwrap_or_else(PoisonError::into_inner);
        shapes.shape(service)
    }

    /// The refill rate in force for one bucket: its setting's, or lower after throttling.
    pub fn rate_in_force(&self, service: Service, account: &str, region: &str) -> f64 {
        let setting = self.shape(service).rate;
        let buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        buckets
            .get(&key(service, account, region))
            .map_or(setting, Bucket::rate)
    }

    /// Calls that waited for a token, and throttling answers seen, since the instance started.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.waited.load(Ordering::Relaxed),
            self.throttles.load(Ordering::Relaxed),
        )
    }

    /// Take a token now: the wait before the call may go, or `Err(wait)` when it would end after
    /// `deadline` (no token taken).
    pub(crate) fn take(
        &self,
        service: Service,
        account: &str,
        region: &str,
        deadline: Option<Instant>,
    ) -> Result<Duration, Duration> {
        let shape = self.shape(service);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        buckets
            .entry(key(service, account, region))
            .or_insert_with(|| Bucket::new(shape, now))
            .take(now, deadline)
    }

    /// A call of `service` in `account` and `region` was answered with throttling.
    pub(crate) fn throttled(&self, service: Service, account: &str, region: &str) {
        self.throttles.fetch_add(1, Ordering::Relaxed);
        let shape = self.shape(service);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets
            .entry(key(service, account, region))
            .or_insert_with(|| Bucket::new(shape, now));
        if bucket.throttled(now) {
            tracing::info!(
                service = service.prefix(),
                account,
                region,
                rate = bucket.rate(),
                "throttled by AWS: this account's pace for the service is lowered"
            );
        }
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
        let cutoff = CUTOFF.try_with(|cutoff| *cutoff).ok();
        let wait = self
            .take(service, account, region, cutoff)
            .map_err(|wait| PastCutoff { service, wait })?;
        if !wait.is_zero() {
            self.waited.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
        Ok(wait)
    }
}

#[cfg(test)]
#[path = "pacer_tests.rs"]
mod tests;
