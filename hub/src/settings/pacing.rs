//! `[pacing]`: calls per second one hub instance makes into one member account, per service (per
//! region too, but for IAM, which is global). Per instance, the defaults sit below AWS's documented
//! request quota for the most restrictive operation the playbooks call in that service
//! (docs/capacity.md gives the source of each); with `n` hub instances busy on one account, the
//! account sees up to `n` times these.

use serde::{Deserialize, Serialize};

use crate::aws::pacer::Service;

/// A rate: calls per second, from 0.1 to 10,000 (`0.5`: one call every two seconds).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Rate(f64);

impl Rate {
    /// For the defaults written here; a document's rates go through `TryFrom`.
    const fn new(per_second: f64) -> Self {
        Self(per_second)
    }
    pub fn get(self) -> f64 {
        self.0
    }
}
impl TryFrom<f64> for Rate {
    type Error = String;
    fn try_from(value: f64) -> Result<Self, String> {
        (0.1..=10_000.0)
            .contains(&value)
            .then_some(Self(value))
            .ok_or_else(|| format!("{value} is not a rate from 0.1 to 10000 calls per second"))
    }
}
impl From<Rate> for f64 {
    fn from(value: Rate) -> f64 {
        value.0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pacing {
    /// IAM, global: one budget per account. AWS publishes no rate (it throttles per account and API).
    pub iam: Rate,
    /// S3 bucket configuration: no published rate (throttling answers 503 SlowDown).
    pub s3: Rate,
    /// EC2: mutating and security-group calls refill at 5/s per account and region.
    pub ec2: Rate,
    /// Secrets Manager: RotateSecret 50/s, ListSecrets 100/s.
    pub secretsmanager: Rate,
    /// KMS: EnableKeyRotation 15/s (5/s in older quotas).
    pub kms: Rate,
    /// CloudTrail: UpdateTrail 1/s, not adjustable.
    pub cloudtrail: Rate,
    /// DynamoDB control plane: 2,500/s.
    pub dynamodb: Rate,
    /// RDS: 12/s sustained for the account and region, burst 300.
    pub rds: Rate,
    /// Lambda: 15/s for all control-plane calls together.
    pub lambda: Rate,
    /// ECR: no published rate for repository settings.
    pub ecr: Rate,
    /// SSM: no published rate for document permissions.
    pub ssm: Rate,
    /// Redshift: no published rate.
    pub redshift: Rate,
    /// SNS: ListTagsForResource 10/s, topic attributes 30/s.
    pub sns: Rate,
    /// SQS: no published rate for queue attributes.
    pub sqs: Rate,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            iam: Rate::new(5.0),
            s3: Rate::new(10.0),
            ec2: Rate::new(2.0),
            secretsmanager: Rate::new(10.0),
            kms: Rate::new(3.0),
            cloudtrail: Rate::new(0.5),
            dynamodb: Rate::new(10.0),
            rds: Rate::new(2.0),
            lambda: Rate::new(3.0),
            ecr: Rate::new(2.0),
            ssm: Rate::new(2.0),
            redshift: Rate::new(1.0),
            sns: Rate::new(5.0),
            sqs: Rate::new(5.0),
        }
    }
}

impl Pacing {
    /// The rate of `service` (a service without its own key here is a compile error).
    pub fn rate(&self, service: Service) -> f64 {
        match service {
            Service::Iam => self.iam,
            Service::S3 => self.s3,
            Service::Ec2 => self.ec2,
            Service::SecretsManager => self.secretsmanager,
            Service::Kms => self.kms,
            Service::CloudTrail => self.cloudtrail,
            Service::DynamoDb => self.dynamodb,
            Service::Rds => self.rds,
            Service::Lambda => self.lambda,
            Service::Ecr => self.ecr,
            Service::Ssm => self.ssm,
            Service::Redshift => self.redshift,
            Service::Sns => self.sns,
            Service::Sqs => self.sqs,
        }
        .get()
    }
}
