//! What a playbook may do in a member account, as data. Each IAM action's resource type comes from AWS's
//! Service Authorization Reference (the "Resource types" column of the service's actions table) in
//! `SERVICE_AUTHORIZATION`: a new action is one line there, and a playbook that declares an action
//! missing from it does not compile (the lookup runs at compile time). The spoke policy is rendered
//! from these grants (`riposte spoke-role render`).

use serde::Serialize;

/// The resource type an action authorizes on, which decides the spoke policy's `Resource`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// IAM `user`.
    IamUser,
    /// IAM `role`.
    IamRole,
    /// S3 `bucket`.
    S3Bucket,
    /// Secrets Manager `Secret`.
    Secret,
    /// Lambda `function` (a secret's rotation function, which RotateSecret invokes as the caller).
    LambdaFunction,
    /// Any Lambda `function` of the account (its resource-based policy).
    AnyLambdaFunction,
    /// EC2 `security-group`.
    Ec2SecurityGroup,
    /// EC2 `subnet`.
    Ec2Subnet,
    /// EC2 `instance`.
    Ec2Instance,
    /// CreateFlowLogs: the `vpc` and the new `vpc-flow-log`.
    Ec2FlowLog,
    /// EC2 `snapshot` (snapshot ARNs carry no account).
    Ec2Snapshot,
    /// CreateSnapshot: the `volume` and the new `snapshot` (snapshot ARNs carry no account).
    Ec2VolumeSnapshot,
    /// CreateSecurityGroup: the new `security-group` and its `vpc`.
    Ec2VpcSecurityGroup,
    /// ModifyNetworkInterfaceAttribute: the `network-interface`, its `instance`, `vpc` and the
    /// `security-group`s it is given.
    Ec2NetworkInterface,
    /// IAM `instance-profile`.
    IamInstanceProfile,
    /// SQS `queue`.
    SqsQueue,
    /// DynamoDB `table`.
    DynamoDbTable,
    /// KMS `key`.
    KmsKey,
    /// CloudTrail `trail`.
    CloudTrailTrail,
    /// ECR `repository`.
    EcrRepository,
    /// SNS `topic`.
    SnsTopic,
    /// Redshift `cluster`.
    RedshiftCluster,
    /// Systems Manager `document`.
    SsmDocument,
    /// RDS `db`.
    RdsDb,
    /// RDS `snapshot`.
    RdsSnapshot,
    /// RDS `cluster-snapshot`.
    RdsClusterSnapshot,
    /// ListTagsForResource on RDS snapshots and cluster snapshots.
    RdsSnapshots,
    /// Actions with no resource type in the reference (e.g. `secretsmanager:ListSecrets`): `*`.
    AnyResource,
}

impl Scope {
    /// The resource type in a person's words (`riposte playbooks --output json`).
    pub const fn describe(self) -> &'static str {
        match self {
            Scope::IamUser => "IAM user",
            Scope::IamRole => "IAM role",
            Scope::S3Bucket => "S3 bucket",
            Scope::Secret => "Secrets Manager secret",
            Scope::LambdaFunction => "Lambda function (a secret's rotation function)",
            Scope::AnyLambdaFunction => "Lambda function",
            Scope::Ec2SecurityGroup => "EC2 security group",
            Scope::Ec2Subnet => "EC2 subnet",
            Scope::Ec2Instance => "EC2 instance",
            Scope::Ec2FlowLog => "VPC and its new flow log",
            Scope::Ec2Snapshot => "EBS snapshot",
            Scope::Ec2VolumeSnapshot => "EBS volume and its new snapshot",
            Scope::Ec2VpcSecurityGroup => "VPC and its new security group",
            Scope::Ec2NetworkInterface => {
                "network interface, its instance, VPC and security groups"
            }
            Scope::IamInstanceProfile => "IAM instance profile",
            Scope::SqsQueue => "SQS queue",
            Scope::DynamoDbTable => "DynamoDB table",
            Scope::KmsKey => "KMS key",
            Scope::CloudTrailTrail => "CloudTrail trail",
            Scope::EcrRepository => "ECR repository",
            Scope::SnsTopic => "SNS topic",
            Scope::RedshiftCluster => "Redshift cluster",
            Scope::SsmDocument => "Systems Manager document",
            Scope::RdsDb => "RDS DB instance",
            Scope::RdsSnapshot => "RDS DB snapshot",
            Scope::RdsClusterSnapshot => "RDS DB cluster snapshot",
            Scope::RdsSnapshots => "RDS DB snapshots and cluster snapshots",
            Scope::AnyResource => "any (the action has no resource type)",
        }
    }
}

/// Action → resource type, from the Service Authorization Reference (CloudTrail, DynamoDB, EC2, ECR,
/// IAM, KMS, Lambda, CloudWatch Logs, RDS, Redshift, S3, Secrets Manager, SNS, SQS, SSM).
pub const SERVICE_AUTHORIZATION: &[(&str, Scope)] = &[
    ("cloudtrail:GetTrail", Scope::CloudTrailTrail),
    ("cloudtrail:ListTags", Scope::CloudTrailTrail),
    ("cloudtrail:UpdateTrail", Scope::CloudTrailTrail),
    ("dynamodb:DescribeContinuousBackups", Scope::DynamoDbTable),
    ("dynamodb:ListTagsOfResource", Scope::DynamoDbTable),
    ("dynamodb:UpdateContinuousBackups", Scope::DynamoDbTable),
    ("ec2:CreateFlowLogs", Scope::Ec2FlowLog),
    ("ec2:CreateSecurityGroup", Scope::Ec2VpcSecurityGroup),
    ("ec2:CreateSnapshot", Scope::Ec2VolumeSnapshot),
    ("ec2:CreateTags", Scope::Ec2Instance),
    ("ec2:DescribeFlowLogs", Scope::AnyResource),
    (
        "ec2:DescribeIamInstanceProfileAssociations",
        Scope::AnyResource,
    ),
    ("ec2:DescribeInstances", Scope::AnyResource),
    ("ec2:DescribeSecurityGroupRules", Scope::AnyResource),
    ("ec2:DescribeSnapshotAttribute", Scope::AnyResource),
    ("ec2:DescribeSnapshots", Scope::AnyResource),
    ("ec2:DescribeSecurityGroups", Scope::AnyResource),
    ("ec2:DescribeSubnets", Scope::AnyResource),
    ("ec2:DisassociateIamInstanceProfile", Scope::Ec2Instance),
    ("ec2:EnableEbsEncryptionByDefault", Scope::AnyResource),
    ("ec2:GetEbsEncryptionByDefault", Scope::AnyResource),
    ("ec2:ModifyInstanceAttribute", Scope::Ec2Instance),
    ("ec2:ModifyInstanceMetadataOptions", Scope::Ec2Instance),
    (
        "ec2:ModifyNetworkInterfaceAttribute",
        Scope::Ec2NetworkInterface,
    ),
    ("ec2:ModifySnapshotAttribute", Scope::Ec2Snapshot),
    ("ec2:ModifySubnetAttribute", Scope::Ec2Subnet),
    ("ec2:RevokeSecurityGroupEgress", Scope::Ec2SecurityGroup),
    ("ec2:RevokeSecurityGroupIngress", Scope::Ec2SecurityGroup),
    ("ecr:DescribeRepositories", Scope::EcrRepository),
    ("ecr:ListTagsForResource", Scope::EcrRepository),
    ("ecr:PutImageScanningConfiguration", Scope::EcrRepository),
    ("iam:AttachUserPolicy", Scope::IamUser),
    ("iam:DetachUserPolicy", Scope::IamUser),
    ("iam:GetAccessKeyLastUsed", Scope::IamUser),
    ("iam:GetAccountPasswordPolicy", Scope::AnyResource),
    ("iam:DeleteLoginProfile", Scope::IamUser),
    ("iam:GetInstanceProfile", Scope::IamInstanceProfile),
    ("iam:GetLoginProfile", Scope::IamUser),
    ("iam:GetRolePolicy", Scope::IamRole),
    ("iam:GetUser", Scope::IamUser),
    ("iam:ListAccessKeys", Scope::IamUser),
    ("iam:ListAttachedUserPolicies", Scope::IamUser),
    ("iam:ListRoleTags", Scope::IamRole),
    ("iam:ListUserTags", Scope::IamUser),
    ("iam:ListUsers", Scope::AnyResource),
    ("iam:PutRolePolicy", Scope::IamRole),
    ("iam:UpdateAccountPasswordPolicy", Scope::AnyResource),
    ("iam:UpdateAccessKey", Scope::IamUser),
    ("kms:DescribeKey", Scope::KmsKey),
    ("kms:EnableKeyRotation", Scope::KmsKey),
    ("kms:GetKeyRotationStatus", Scope::KmsKey),
    ("kms:ListResourceTags", Scope::KmsKey),
    ("lambda:GetPolicy", Scope::AnyLambdaFunction),
    ("lambda:InvokeFunction", Scope::LambdaFunction),
    ("lambda:ListTags", Scope::AnyLambdaFunction),
    ("lambda:RemovePermission", Scope::AnyLambdaFunction),
    ("logs:CreateLogDelivery", Scope::AnyResource),
    ("logs:DeleteLogDelivery", Scope::AnyResource),
    (
        "rds:DescribeDBClusterSnapshotAttributes",
        Scope::RdsClusterSnapshot,
    ),
    ("rds:DescribeDBInstances", Scope::RdsDb),
    ("rds:DescribeDBSnapshotAttributes", Scope::RdsSnapshot),
    ("rds:ListTagsForResource", Scope::RdsSnapshots),
    (
        "rds:ModifyDBClusterSnapshotAttribute",
        Scope::RdsClusterSnapshot,
    ),
    ("rds:ModifyDBInstance", Scope::RdsDb),
    ("rds:ModifyDBSnapshotAttribute", Scope::RdsSnapshot),
    ("redshift:DescribeClusters", Scope::RedshiftCluster),
    ("redshift:ModifyCluster", Scope::RedshiftCluster),
    // No resource type: the account's own setting (Service Authorization Reference, Amazon S3).
    ("s3:GetAccountPublicAccessBlock", Scope::AnyResource),
    ("s3:PutAccountPublicAccessBlock", Scope::AnyResource),
    ("s3:DeleteBucketPolicy", Scope::S3Bucket),
    ("s3:GetBucketAcl", Scope::S3Bucket),
    ("s3:GetBucketLogging", Scope::S3Bucket),
    ("s3:GetBucketPolicy", Scope::S3Bucket),
    ("s3:GetBucketPolicyStatus", Scope::S3Bucket),
    ("s3:GetBucketPublicAccessBlock", Scope::S3Bucket),
    ("s3:GetBucketTagging", Scope::S3Bucket),
    ("s3:PutBucketAcl", Scope::S3Bucket),
    ("s3:PutBucketLogging", Scope::S3Bucket),
    ("s3:PutBucketPolicy", Scope::S3Bucket),
    ("s3:PutBucketPublicAccessBlock", Scope::S3Bucket),
    ("secretsmanager:ListSecrets", Scope::AnyResource),
    ("secretsmanager:RotateSecret", Scope::Secret),
    ("sns:GetTopicAttributes", Scope::SnsTopic),
    ("sns:ListTagsForResource", Scope::SnsTopic),
    ("sns:SetTopicAttributes", Scope::SnsTopic),
    ("sqs:GetQueueAttributes", Scope::SqsQueue),
    ("sqs:GetQueueUrl", Scope::SqsQueue),
    ("sqs:ListQueueTags", Scope::SqsQueue),
    ("sqs:SetQueueAttributes", Scope::SqsQueue),
    ("ssm:DescribeDocumentPermission", Scope::SsmDocument),
    ("ssm:ListTagsForResource", Scope::SsmDocument),
    ("ssm:ModifyDocumentPermission", Scope::SsmDocument),
];

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The action's resource type. Evaluated at compile time in a playbook's `SPEC`: an action missing
/// from `SERVICE_AUTHORIZATION` is a compile error there.
pub const fn scope_of(action: &str) -> Scope {
    let mut i = 0;
    while i < SERVICE_AUTHORIZATION.len() {
        if same(SERVICE_AUTHORIZATION[i].0, action) {
            return SERVICE_AUTHORIZATION[i].1;
        }
        i += 1;
    }
    panic!("an IAM action missing from grants::SERVICE_AUTHORIZATION: add its resource type there")
}

/// An IAM condition narrowing a grant, e.g. `ArnEquals iam:PolicyARN …AWSDenyAll`. `${AWS::Partition}`
/// and `${AWS::AccountId}` in the value are substituted by CloudFormation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Condition {
    pub test: &'static str,
    pub key: &'static str,
    pub value: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub action: &'static str,
    pub scope: Scope,
    pub condition: Option<Condition>,
}

impl Grant {
    /// The action on its resource type (from the Service Authorization Reference table).
    pub const fn on(action: &'static str) -> Self {
        Self {
            action,
            scope: scope_of(action),
            condition: None,
        }
    }
    pub const fn when(action: &'static str, condition: Condition) -> Self {
        Self {
            action,
            scope: scope_of(action),
            condition: Some(condition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_each_action_once_and_without_wildcards() {
        let mut actions: Vec<&str> = SERVICE_AUTHORIZATION.iter().map(|(a, _)| *a).collect();
        let listed = actions.len();
        actions.sort_unstable();
        actions.dedup();
        assert_eq!(actions.len(), listed, "an action is listed twice");
        assert!(actions.iter().all(|a| a.contains(':') && !a.contains('*')));
    }

    #[test]
    fn the_scope_comes_from_the_table() {
        assert_eq!(Grant::on("iam:UpdateAccessKey").scope, Scope::IamUser);
        assert_eq!(
            Grant::on("secretsmanager:ListSecrets").scope,
            Scope::AnyResource
        );
    }
}
