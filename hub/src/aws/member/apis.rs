//! Every AWS operation the member adapters call, as a value: `call!` takes an `Api`, so the list below
//! is exactly what the adapters can call, and a test holds it to the grants the playbooks declare
//! (the generated spoke role would deny anything else in production; the emulator does not enforce IAM).

/// Declares `Api` and `Api::ALL` from one list, so no variant can be left out of the check.
macro_rules! apis {
    ($($name:ident => $action:literal),+ $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Api {
            $($name),+
        }

        impl Api {
            pub const ALL: &'static [Api] = &[$(Api::$name),+];

            /// The IAM action that authorizes the call, e.g. `iam:UpdateAccessKey`.
            pub const fn action(self) -> &'static str {
                match self {
                    $(Api::$name => $action),+
                }
            }
        }
    };
}

apis! {
    CloudTrailGetTrail => "cloudtrail:GetTrail",
    CloudTrailListTags => "cloudtrail:ListTags",
    CloudTrailUpdateTrail => "cloudtrail:UpdateTrail",
    DynamoDbDescribeContinuousBackups => "dynamodb:DescribeContinuousBackups",
    DynamoDbListTagsOfResource => "dynamodb:ListTagsOfResource",
    DynamoDbUpdateContinuousBackups => "dynamodb:UpdateContinuousBackups",
    Ec2CreateFlowLogs => "ec2:CreateFlowLogs",
    Ec2CreateSecurityGroup => "ec2:CreateSecurityGroup",
    Ec2CreateSnapshot => "ec2:CreateSnapshot",
    Ec2CreateTags => "ec2:CreateTags",
    Ec2DescribeFlowLogs => "ec2:DescribeFlowLogs",
    Ec2DescribeIamInstanceProfileAssociations => "ec2:DescribeIamInstanceProfileAssociations",
    Ec2DescribeInstances => "ec2:DescribeInstances",
    Ec2DescribeSecurityGroupRules => "ec2:DescribeSecurityGroupRules",
    Ec2DescribeSecurityGroups => "ec2:DescribeSecurityGroups",
    Ec2DescribeSnapshotAttribute => "ec2:DescribeSnapshotAttribute",
    Ec2DescribeSnapshots => "ec2:DescribeSnapshots",
    Ec2DescribeSubnets => "ec2:DescribeSubnets",
    Ec2DisassociateIamInstanceProfile => "ec2:DisassociateIamInstanceProfile",
    Ec2EnableEbsEncryptionByDefault => "ec2:EnableEbsEncryptionByDefault",
    Ec2GetEbsEncryptionByDefault => "ec2:GetEbsEncryptionByDefault",
    Ec2ModifyInstanceAttribute => "ec2:ModifyInstanceAttribute",
    Ec2ModifyInstanceMetadataOptions => "ec2:ModifyInstanceMetadataOptions",
    Ec2ModifyNetworkInterfaceAttribute => "ec2:ModifyNetworkInterfaceAttribute",
    Ec2ModifySnapshotAttribute => "ec2:ModifySnapshotAttribute",
    Ec2ModifySubnetAttribute => "ec2:ModifySubnetAttribute",
    Ec2RevokeSecurityGroupEgress => "ec2:RevokeSecurityGroupEgress",
    Ec2RevokeSecurityGroupIngress => "ec2:RevokeSecurityGroupIngress",
    EcrDescribeRepositories => "ecr:DescribeRepositories",
    EcrListTagsForResource => "ecr:ListTagsForResource",
    EcrPutImageScanningConfiguration => "ecr:PutImageScanningConfiguration",
    IamAttachUserPolicy => "iam:AttachUserPolicy",
    IamDeleteLoginProfile => "iam:DeleteLoginProfile",
    IamDetachUserPolicy => "iam:DetachUserPolicy",
    IamGetAccessKeyLastUsed => "iam:GetAccessKeyLastUsed",
    IamGetAccountPasswordPolicy => "iam:GetAccountPasswordPolicy",
    IamGetInstanceProfile => "iam:GetInstanceProfile",
    IamGetLoginProfile => "iam:GetLoginProfile",
    IamGetRolePolicy => "iam:GetRolePolicy",
    IamGetUser => "iam:GetUser",
    IamListAccessKeys => "iam:ListAccessKeys",
    IamListAttachedUserPolicies => "iam:ListAttachedUserPolicies",
    IamListRoleTags => "iam:ListRoleTags",
    IamListUserTags => "iam:ListUserTags",
    IamListUsers => "iam:ListUsers",
    IamPutRolePolicy => "iam:PutRolePolicy",
    IamUpdateAccountPasswordPolicy => "iam:UpdateAccountPasswordPolicy",
    IamUpdateAccessKey => "iam:UpdateAccessKey",
    KmsDescribeKey => "kms:DescribeKey",
    KmsEnableKeyRotation => "kms:EnableKeyRotation",
    KmsGetKeyRotationStatus => "kms:GetKeyRotationStatus",
    KmsListResourceTags => "kms:ListResourceTags",
    LambdaGetPolicy => "lambda:GetPolicy",
    LambdaListTags => "lambda:ListTags",
    LambdaRemovePermission => "lambda:RemovePermission",
    RdsDescribeDbClusterSnapshotAttributes => "rds:DescribeDBClusterSnapshotAttributes",
    RdsDescribeDbInstances => "rds:DescribeDBInstances",
    RdsDescribeDbSnapshotAttributes => "rds:DescribeDBSnapshotAttributes",
    RdsListTagsForResource => "rds:ListTagsForResource",
    RdsModifyDbClusterSnapshotAttribute => "rds:ModifyDBClusterSnapshotAttribute",
    RdsModifyDbInstance => "rds:ModifyDBInstance",
    RdsModifyDbSnapshotAttribute => "rds:ModifyDBSnapshotAttribute",
    RedshiftDescribeClusters => "redshift:DescribeClusters",
    RedshiftModifyCluster => "redshift:ModifyCluster",
    S3DeleteBucketPolicy => "s3:DeleteBucketPolicy",
    S3GetAccountPublicAccessBlock => "s3:GetAccountPublicAccessBlock",
    S3GetBucketAcl => "s3:GetBucketAcl",
    S3GetBucketLogging => "s3:GetBucketLogging",
    S3GetBucketPolicy => "s3:GetBucketPolicy",
    S3GetBucketPolicyStatus => "s3:GetBucketPolicyStatus",
    S3GetBucketPublicAccessBlock => "s3:GetBucketPublicAccessBlock",
    S3GetBucketTagging => "s3:GetBucketTagging",
    S3PutAccountPublicAccessBlock => "s3:PutAccountPublicAccessBlock",
    S3PutBucketAcl => "s3:PutBucketAcl",
    S3PutBucketLogging => "s3:PutBucketLogging",
    S3PutBucketPolicy => "s3:PutBucketPolicy",
    S3PutBucketPublicAccessBlock => "s3:PutBucketPublicAccessBlock",
    SecretsListSecrets => "secretsmanager:ListSecrets",
    SecretsRotateSecret => "secretsmanager:RotateSecret",
    SnsGetTopicAttributes => "sns:GetTopicAttributes",
    SnsListTagsForResource => "sns:ListTagsForResource",
    SnsSetTopicAttributes => "sns:SetTopicAttributes",
    SqsGetQueueAttributes => "sqs:GetQueueAttributes",
    SqsGetQueueUrl => "sqs:GetQueueUrl",
    SqsListQueueTags => "sqs:ListQueueTags",
    SqsSetQueueAttributes => "sqs:SetQueueAttributes",
    SsmDescribeDocumentPermission => "ssm:DescribeDocumentPermission",
    SsmListTagsForResource => "ssm:ListTagsForResource",
    SsmModifyDocumentPermission => "ssm:ModifyDocumentPermission",
}

#[cfg(test)]
mod tests {
    use super::Api;

    #[test]
    fn every_operation_the_adapters_can_call_is_declared_by_a_playbook() {
        let declared: Vec<&str> = riposte_shared::catalogue::all_grants()
            .iter()
            .map(|g| g.action)
            .collect();
        for api in Api::ALL {
            assert!(
                declared.contains(&api.action()),
                "{} is callable but no playbook declares it",
                api.action()
            );
        }
    }
}
