//! The member-account ports (IAM, S3 and S3 Control, Secrets Manager, EC2, SQS, DynamoDB, KMS, CloudTrail, ECR, RDS,
//! Lambda, Redshift, SSM, SNS) over SDK clients built from the spoke session.
//! Every S3 call carries `ExpectedBucketOwner`.

use riposte_shared::ports::*;

/// SDK clients for one (account, region), sharing the hub's HTTP client.
#[derive(Clone, Debug)]
pub struct MemberClients {
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    /// The account's own settings (Block Public Access), every region at once.
    pub s3control: aws_sdk_s3control::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub kms: aws_sdk_kms::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub rds: aws_sdk_rds::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub redshift: aws_sdk_redshift::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub sns: aws_sdk_sns::Client,
    /// The session's configuration, for Secrets Manager in the hub's other regions.
    pub config: aws_config::SdkConfig,
    /// The batch's linked-secret listings (one per region, shared by every user of the batch).
    pub linked: secrets::LinkedSecrets,
    /// The hub instance's token buckets: every call waits for one (`call!`).
    pub pacer: std::sync::Arc<super::pacer::Pacer>,
    /// The member account and the session's region, the buckets' keys.
    pub account: String,
    pub region: String,
}

/// An SDK client for one member account whose retries draw on that account's own budgets: the retry
/// token bucket belongs to a partition named by account and service (with the SDK's default
/// partition, the service's name, one throttled account would drain the retry tokens of every other
/// account the hub instance serves), and a throttled attempt's retry waits for a token of the
/// account's pacing bucket (`pacer::retry`), which the throttling has slowed. Standard retry mode:
/// the pacer is the one rate controller, not the SDK's adaptive limiter beside it.
/// Attempts per member call: a throttled attempt's retry waits for a token of the account's slowed
/// bucket instead of a blind backoff, so a burst that meets AWS's quota is carried through, not failed.
pub const MEMBER_ATTEMPTS: u32 = 5;

macro_rules! paced {
    ($sdk:ident, $service:ident, $config:expr, $account:expr, $pacer:expr) => {{
        $sdk::config::Builder::from($config)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MEMBER_ATTEMPTS))
            .retry_partition($sdk::config::retry::RetryPartition::new(format!(
                "riposte-{}-{}",
                $account,
                stringify!($sdk)
            )))
            .interceptor(paced!(@retries $service, $config, $account, $pacer))
            .retry_classifier(paced!(@retries $service, $config, $account, $pacer))
    }};
    (@retries $service:ident, $config:expr, $account:expr, $pacer:expr) => {
        super::pacer::retry::PacedRetries {
            pacer: $pacer.clone(),
            service: super::pacer::Service::$service,
            account: $account.to_owned(),
            region: $config
                .region()
                .map(|r| r.as_ref().to_owned())
                .unwrap_or_default(),
        }
    };
}

impl MemberClients {
    /// `path_style` is needed when an endpoint override (a local emulator) serves S3.
    pub fn new(
        config: &aws_config::SdkConfig,
        account: &riposte_shared::ids::AccountId,
        path_style: bool,
        pacer: std::sync::Arc<super::pacer::Pacer>,
    ) -> Self {
        let account = account.as_str();
        Self {
            iam: aws_sdk_iam::Client::from_conf(
                paced!(aws_sdk_iam, Iam, config, account, pacer).build(),
            ),
            s3: aws_sdk_s3::Client::from_conf(
                paced!(aws_sdk_s3, S3, config, account, pacer)
                    .force_path_style(path_style)
                    .build(),
            ),
            s3control: aws_sdk_s3control::Client::from_conf(
                paced!(aws_sdk_s3control, S3, config, account, pacer).build(),
            ),
            secrets: aws_sdk_secretsmanager::Client::from_conf(
                paced!(
                    aws_sdk_secretsmanager,
                    SecretsManager,
                    config,
                    account,
                    pacer
                )
                .build(),
            ),
            ec2: aws_sdk_ec2::Client::from_conf(
                paced!(aws_sdk_ec2, Ec2, config, account, pacer).build(),
            ),
            sqs: aws_sdk_sqs::Client::from_conf(
                paced!(aws_sdk_sqs, Sqs, config, account, pacer).build(),
            ),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(
                paced!(aws_sdk_dynamodb, DynamoDb, config, account, pacer).build(),
            ),
            kms: aws_sdk_kms::Client::from_conf(
                paced!(aws_sdk_kms, Kms, config, account, pacer).build(),
            ),
            cloudtrail: aws_sdk_cloudtrail::Client::from_conf(
                paced!(aws_sdk_cloudtrail, CloudTrail, config, account, pacer).build(),
            ),
            ecr: aws_sdk_ecr::Client::from_conf(
                paced!(aws_sdk_ecr, Ecr, config, account, pacer).build(),
            ),
            rds: aws_sdk_rds::Client::from_conf(
                paced!(aws_sdk_rds, Rds, config, account, pacer).build(),
            ),
            lambda: aws_sdk_lambda::Client::from_conf(
                paced!(aws_sdk_lambda, Lambda, config, account, pacer).build(),
            ),
            redshift: aws_sdk_redshift::Client::from_conf(
                paced!(aws_sdk_redshift, Redshift, config, account, pacer).build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(
                paced!(aws_sdk_ssm, Ssm, config, account, pacer).build(),
            ),
            sns: aws_sdk_sns::Client::from_conf(
                paced!(aws_sdk_sns, Sns, config, account, pacer).build(),
            ),
            config: config.clone(),
            linked: secrets::linked_secrets_cache(),
            pacer,
            account: account.to_owned(),
            region: config
                .region()
                .map(|r| r.as_ref().to_owned())
                .unwrap_or_default(),
        }
    }

    /// Secrets Manager in `region` (the session's own region reuses its client).
    pub(crate) fn secrets_in(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        if self.config.region().map(|r| r.as_ref()) == Some(region) {
            return self.secrets.clone();
        }
        // The session's client settings, its retry partition included, in the other region.
        let config = self
            .secrets
            .config()
            .to_builder()
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

/// Run one call of `$member` (a `MemberClients`), in its session's region or `@ region`: wait for the
/// token of its service, account and region (`Pacer`), then send, map the error, log it.
macro_rules! call {
    ($member:ident, $api:expr, $target:expr, $send:expr) => {
        call!($member @ $member.region.as_str(), $api, $target, $send)
    };
    ($member:ident @ $region:expr, $api:expr, $target:expr, $send:expr) => {{
        let api: $crate::aws::member::apis::Api = $api;
        match $member.pacer.wait(api.action(), &$member.account, $region).await {
            Ok(waited) => {
                if waited >= std::time::Duration::from_millis(1) {
                    tracing::debug!(api = api.action(), waited_ms = waited.as_millis() as u64, "paced");
                }
                let started = Instant::now();
                let result = $send.await.map_err(|e| port_error(api.action(), e));
                log_call(api.action(), $target, started, &result);
                result
            }
            Err(refused) => Err($crate::aws::member::past_cutoff(api.action(), $target, refused)),
        }
    }};
}

/// S3's and S3 Control's `PublicAccessBlockConfiguration` are two SDK types with the same four fields:
/// `(read $configuration)` gives the domain's `PublicAccessBlock` (a field S3 leaves out is off), and
/// `(build $type, $settings)` the SDK's.
macro_rules! public_access_block {
    (read $c:expr) => {
        PublicAccessBlock {
            block_public_acls: $c.block_public_acls().unwrap_or(false),
            ignore_public_acls: $c.ignore_public_acls().unwrap_or(false),
            block_public_policy: $c.block_public_policy().unwrap_or(false),
            restrict_public_buckets: $c.restrict_public_buckets().unwrap_or(false),
        }
    };
    (build $type:ty, $s:expr) => {
        <$type>::builder()
            .block_public_acls($s.block_public_acls)
            .ignore_public_acls($s.ignore_public_acls)
            .block_public_policy($s.block_public_policy)
            .restrict_public_buckets($s.restrict_public_buckets)
            .build()
    };
}

/// A call the pacer refused because its token would come after the playbook's cut-off: transient,
/// so the finding is resumed on redelivery, when the account's budget has refilled.
pub(crate) fn past_cutoff(api: &str, target: &str, refused: super::pacer::PastCutoff) -> PortError {
    tracing::warn!(
        api,
        target,
        wait_ms = refused.wait.as_millis() as u64,
        "not sent: paced past the cut-off"
    );
    PortError::new(
        PortErrorKind::Transient,
        api,
        Some("PacedPastDeadline"),
        format!(
            "not sent: the account's {} budget ([pacing] {}) gives the next call in {} ms, after this invocation's cut-off; resumed on redelivery",
            refused.service.prefix(),
            refused.service.prefix(),
            refused.wait.as_millis()
        ),
    )
}

/// The error codes that mean "this configuration is absent", not "this bucket or user is missing".
fn absent_as_none<T>(result: PortResult<T>, codes: &[&str]) -> PortResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.code.as_deref().is_some_and(|c| codes.contains(&c)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub mod apis;
mod data;
mod ec2;
mod ec2_instances;
mod iam;
mod lambda;
mod rds;
mod redshift_ssm;
mod s3;
mod s3control;
pub mod secrets;

/// Configuration reads lag writes: a verification pauses between reads, but never into the playbook's
/// cut-off (the pacer's [`CUTOFF`](super::pacer::CUTOFF), set from the invocation's deadline): a pause
/// that would reach it is cut short, and none at all is taken once it is near.
impl Settle for MemberClients {
    async fn pause(&self, duration: std::time::Duration) -> bool {
        let margin = std::time::Duration::from_secs(1);
        let wait = match super::pacer::CUTOFF.try_with(|cutoff| *cutoff) {
            Ok(cutoff) => cutoff
                .checked_duration_since(std::time::Instant::now() + margin)
                .map_or(std::time::Duration::ZERO, |left| left.min(duration)),
            Err(_) => duration,
        };
        if wait.is_zero() {
            return false;
        }
        tokio::time::sleep(wait).await;
        true
    }
}
