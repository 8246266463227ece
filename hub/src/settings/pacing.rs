//! `[pacing]`: the token bucket one hub instance draws on for its calls into one member account, per
//! service (per region too, but for IAM, which is global): `<service>` is the refill rate in calls per
//! second and `<service>_burst` the calls the bucket holds. The defaults are AWS's documented bucket
//! where AWS publishes one (EC2, RDS), its documented rate where it publishes only that, and a burst
//! that holds a whole incident of ordinary size where it publishes nothing (docs/capacity.md gives
//! the source of each). A service that answers with throttling lowers the bucket's rate, which then
//! recovers toward the setting (`aws::pacer`).

use serde::{Deserialize, Serialize};

use crate::aws::pacer::{Service, Shape};
use crate::settings::values::Bounded;

/// The calls a bucket holds: 1 to 100,000.
pub type Burst = Bounded<1, 100_000>;

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
    /// IAM, global: one budget per account. AWS publishes no rate (it throttles per account and API, answering `Throttling`).
    pub iam: Rate,
    pub iam_burst: Burst,
    /// S3 bucket configuration: no published rate (throttling answers 503 `SlowDown`).
    pub s3: Rate,
    pub s3_burst: Burst,
    /// EC2: the strictest request class the playbooks call (mutating, security-group changes) holds 50 and refills 5/s, per account and region.
    pub ec2: Rate,
    pub ec2_burst: Burst,
    /// Secrets Manager: RotateSecret 50/s, ListSecrets 100/s.
    pub secretsmanager: Rate,
    pub secretsmanager_burst: Burst,
    /// KMS: EnableKeyRotation 15/s.
    pub kms: Rate,
    pub kms_burst: Burst,
    /// CloudTrail: UpdateTrail 1/s, not adjustable (reads 10/s).
    pub cloudtrail: Rate,
    pub cloudtrail_burst: Burst,
    /// DynamoDB control plane: 2,500/s.
    pub dynamodb: Rate,
    pub dynamodb_burst: Burst,
    /// RDS: a burst of 300, then 12/s, for the account and region.
    pub rds: Rate,
    pub rds_burst: Burst,
    /// Lambda: 15/s for all control-plane calls together.
    pub lambda: Rate,
    pub lambda_burst: Burst,
    /// ECR: no published rate for repository settings.
    pub ecr: Rate,
    pub ecr_burst: Burst,
    /// SSM: no published rate for document permissions.
    pub ssm: Rate,
    pub ssm_burst: Burst,
    /// Redshift: no published rate.
    pub redshift: Rate,
    pub redshift_burst: Burst,
    /// SNS: ListTagsForResource 10/s, topic attributes 30/s.
    pub sns: Rate,
    pub sns_burst: Burst,
    /// SQS: no published rate for queue attributes.
    pub sqs: Rate,
    pub sqs_burst: Burst,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            iam: Rate::new(50.0),
            iam_burst: Burst::new(300),
            s3: Rate::new(100.0),
            s3_burst: Burst::new(300),
            ec2: Rate::new(5.0),
            ec2_burst: Burst::new(50),
            secretsmanager: Rate::new(50.0),
            secretsmanager_burst: Burst::new(50),
            kms: Rate::new(15.0),
            kms_burst: Burst::new(15),
            cloudtrail: Rate::new(1.0),
            cloudtrail_burst: Burst::new(10),
            dynamodb: Rate::new(100.0),
            dynamodb_burst: Burst::new(100),
            rds: Rate::new(12.0),
            rds_burst: Burst::new(300),
            lambda: Rate::new(15.0),
            lambda_burst: Burst::new(15),
            ecr: Rate::new(20.0),
            ecr_burst: Burst::new(100),
            ssm: Rate::new(20.0),
            ssm_burst: Burst::new(100),
            redshift: Rate::new(20.0),
            redshift_burst: Burst::new(100),
            sns: Rate::new(10.0),
            sns_burst: Burst::new(30),
            sqs: Rate::new(20.0),
            sqs_burst: Burst::new(100),
        }
    }
}

impl Pacing {
    /// The bucket of `service` (a service without its own keys here is a compile error).
    pub fn shape(&self, service: Service) -> Shape {
        let (rate, burst) = match service {
            Service::Iam => (self.iam, self.iam_burst),
            Service::S3 => (self.s3, self.s3_burst),
            Service::Ec2 => (self.ec2, self.ec2_burst),
            Service::SecretsManager => (self.secretsmanager, self.secretsmanager_burst),
            Service::Kms => (self.kms, self.kms_burst),
            Service::CloudTrail => (self.cloudtrail, self.cloudtrail_burst),
            Service::DynamoDb => (self.dynamodb, self.dynamodb_burst),
            Service::Rds => (self.rds, self.rds_burst),
            Service::Lambda => (self.lambda, self.lambda_burst),
            Service::Ecr => (self.ecr, self.ecr_burst),
            Service::Ssm => (self.ssm, self.ssm_burst),
            Service::Redshift => (self.redshift, self.redshift_burst),
            Service::Sns => (self.sns, self.sns_burst),
            Service::Sqs => (self.sqs, self.sqs_burst),
        };
        Shape {
            rate: rate.get(),
            burst: burst.get(),
        }
    }

    /// The refill rate of `service`, calls per second.
    pub fn rate(&self, service: Service) -> f64 {
        self.shape(service).rate
    }
}
