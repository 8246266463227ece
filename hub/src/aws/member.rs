//! The member-account ports (IAM, S3, Secrets Manager, EC2, SQS, DynamoDB, KMS, CloudTrail, ECR, RDS,
//! Lambda, Redshift, SSM, SNS) over SDK clients built from the spoke session.
//! Every S3 call carries `ExpectedBucketOwner`.

use riposte_shared::ports::*;

/// SDK clients for one (account, region), sharing the hub's HTTP client.
#[derive(Clone, Debug)]
pub struct MemberClients {
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
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
            ec2: aws_sdk_ec2::Client::new(config),
            sqs: aws_sdk_sqs::Client::new(config),
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            kms: aws_sdk_kms::Client::new(config),
            cloudtrail: aws_sdk_cloudtrail::Client::new(config),
            ecr: aws_sdk_ecr::Client::new(config),
            rds: aws_sdk_rds::Client::new(config),
            lambda: aws_sdk_lambda::Client::new(config),
            redshift: aws_sdk_redshift::Client::new(config),
            ssm: aws_sdk_ssm::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            config: config.clone(),
            linked: secrets::linked_secrets_cache(),
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
        let api: $crate::aws::member::apis::Api = $api;
        let started = Instant::now();
        let result = $send.await.map_err(|e| port_error(api.action(), e));
        log_call(api.action(), $target, started, &result);
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

pub mod apis;
mod data;
mod ec2;
mod ec2_instances;
mod iam;
mod lambda;
mod rds;
mod redshift_ssm;
mod s3;
pub mod secrets;
