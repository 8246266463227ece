//! The fake's data and logging services: SQS, DynamoDB, KMS, CloudTrail, ECR (one setting each).

use std::collections::BTreeMap;

use super::FakeAccount;
use crate::ports::*;

fn missing(api: &str, code: &str, what: &str) -> PortError {
    PortError::new(PortErrorKind::NotFound, api, Some(code), what)
}

impl SqsPort for FakeAccount {
    async fn queue_url(&self, name: &str, owner: &str) -> PortResult<Option<String>> {
        self.enter("sqs:GetQueueUrl")?;
        Ok(self.with_state(|s| {
            s.queues
                .get(name)
                .filter(|q| q.owner == owner)
                .map(|q| q.url.clone())
        }))
    }
    async fn queue_encryption(&self, url: &str) -> PortResult<QueueEncryption> {
        let api = "sqs:GetQueueAttributes";
        self.enter(api)?;
        self.with_state(|s| {
            s.queues
                .values()
                .find(|q| q.url == url)
                .map(|q| q.encryption.clone())
        })
        .ok_or_else(|| missing(api, "AWS.SimpleQueueService.NonExistentQueue", url))
    }
    async fn enable_queue_sse(&self, url: &str) -> PortResult<()> {
        let api = "sqs:SetQueueAttributes";
        self.enter(api)?;
        self.with_state(|s| match s.queues.values_mut().find(|q| q.url == url) {
            Some(q) => {
                q.encryption.sqs_managed = true;
                Ok(())
            }
            None => Err(missing(api, "AWS.SimpleQueueService.NonExistentQueue", url)),
        })
    }
    async fn queue_tags(&self, url: &str) -> PortResult<BTreeMap<String, String>> {
        let api = "sqs:ListQueueTags";
        self.enter(api)?;
        self.with_state(|s| {
            s.queues
                .values()
                .find(|q| q.url == url)
                .map(|q| q.tags.clone())
        })
        .ok_or_else(|| missing(api, "AWS.SimpleQueueService.NonExistentQueue", url))
    }
}

impl DynamoDbPort for FakeAccount {
    async fn point_in_time_recovery(&self, table: &str) -> PortResult<Option<bool>> {
        self.enter("dynamodb:DescribeContinuousBackups")?;
        Ok(self.with_state(|s| s.tables.get(table).map(|t| t.0)))
    }
    async fn enable_point_in_time_recovery(&self, table: &str) -> PortResult<()> {
        let api = "dynamodb:UpdateContinuousBackups";
        self.enter(api)?;
        self.with_state(|s| match s.tables.get_mut(table) {
            Some(t) => {
                t.0 = true;
                Ok(())
            }
            None => Err(missing(api, "TableNotFoundException", table)),
        })
    }
    async fn table_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let api = "dynamodb:ListTagsOfResource";
        self.enter(api)?;
        self.with_state(|s| s.tables.values().find(|t| t.1 == arn).map(|t| t.2.clone()))
            .ok_or_else(|| missing(api, "ResourceNotFoundException", arn))
    }
}

impl KmsPort for FakeAccount {
    async fn describe_key(&self, key: &str) -> PortResult<Option<KmsKey>> {
        self.enter("kms:DescribeKey")?;
        Ok(self.with_state(|s| s.keys.get(key).map(|k| k.0.clone())))
    }
    async fn key_rotation_enabled(&self, key: &str) -> PortResult<bool> {
        let api = "kms:GetKeyRotationStatus";
        self.enter(api)?;
        self.with_state(|s| s.keys.get(key).map(|k| k.1))
            .ok_or_else(|| missing(api, "NotFoundException", key))
    }
    async fn enable_key_rotation(&self, key: &str) -> PortResult<()> {
        let api = "kms:EnableKeyRotation";
        self.enter(api)?;
        self.with_state(|s| match s.keys.get_mut(key) {
            // Like KMS: only enabled, customer-managed symmetric keys of KMS origin rotate.
            Some(k) if k.0.cannot_rotate().is_some() => Err(PortError::new(
                PortErrorKind::Invalid,
                api,
                Some("UnsupportedOperationException"),
                key,
            )),
            Some(k) => {
                k.1 = true;
                Ok(())
            }
            None => Err(missing(api, "NotFoundException", key)),
        })
    }
    async fn key_tags(&self, key: &str) -> PortResult<BTreeMap<String, String>> {
        let api = "kms:ListResourceTags";
        self.enter(api)?;
        self.with_state(|s| s.keys.get(key).map(|k| k.2.clone()))
            .ok_or_else(|| missing(api, "NotFoundException", key))
    }
}

impl CloudTrailPort for FakeAccount {
    async fn get_trail(&self, arn: &str) -> PortResult<Option<Trail>> {
        self.enter("cloudtrail:GetTrail")?;
        Ok(self.with_state(|s| s.trails.get(arn).map(|t| t.0.clone())))
    }
    async fn enable_log_file_validation(&self, arn: &str) -> PortResult<()> {
        let api = "cloudtrail:UpdateTrail";
        self.enter(api)?;
        self.with_state(|s| match s.trails.get_mut(arn) {
            Some(t) => {
                t.0.log_file_validation = true;
                Ok(())
            }
            None => Err(missing(api, "TrailNotFoundException", arn)),
        })
    }
    async fn encrypt_trail(&self, arn: &str, key: &str) -> PortResult<()> {
        let api = "cloudtrail:UpdateTrail";
        self.enter(api)?;
        self.with_state(|s| match s.trails.get_mut(arn) {
            Some(t) => {
                t.0.kms_key = Some(key.to_owned());
                Ok(())
            }
            None => Err(missing(api, "TrailNotFoundException", arn)),
        })
    }
    async fn trail_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let api = "cloudtrail:ListTags";
        self.enter(api)?;
        self.with_state(|s| s.trails.get(arn).map(|t| t.1.clone()))
            .ok_or_else(|| missing(api, "TrailNotFoundException", arn))
    }
}

impl EcrPort for FakeAccount {
    async fn scan_on_push(&self, repository: &str) -> PortResult<Option<bool>> {
        self.enter("ecr:DescribeRepositories")?;
        Ok(self.with_state(|s| s.repositories.get(repository).map(|r| r.0)))
    }
    async fn enable_scan_on_push(&self, repository: &str) -> PortResult<()> {
        let api = "ecr:PutImageScanningConfiguration";
        self.enter(api)?;
        self.with_state(|s| match s.repositories.get_mut(repository) {
            Some(r) => {
                r.0 = true;
                Ok(())
            }
            None => Err(missing(api, "RepositoryNotFoundException", repository)),
        })
    }
    async fn repository_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let api = "ecr:ListTagsForResource";
        self.enter(api)?;
        self.with_state(|s| {
            s.repositories
                .values()
                .find(|r| r.1 == arn)
                .map(|r| r.2.clone())
        })
        .ok_or_else(|| missing(api, "RepositoryNotFoundException", arn))
    }
}

impl LambdaPort for FakeAccount {
    async fn function_policy(&self, function: &str) -> PortResult<Option<String>> {
        let api = "lambda:GetPolicy";
        self.enter(api)?;
        self.with_state(|s| s.functions.get(function).map(|f| f.1.clone()))
            .ok_or_else(|| missing(api, "ResourceNotFoundException", function))
    }
    async fn remove_permission(&self, function: &str, sid: &str) -> PortResult<()> {
        let api = "lambda:RemovePermission";
        self.enter(api)?;
        self.with_state(|s| {
            let Some(f) = s.functions.get_mut(function) else {
                return Err(missing(api, "ResourceNotFoundException", function));
            };
            let mut document: serde_json::Value =
                f.1.as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .ok_or_else(|| missing(api, "ResourceNotFoundException", sid))?;
            let statements = document["Statement"].as_array_mut();
            let Some(statements) = statements else {
                return Err(missing(api, "ResourceNotFoundException", sid));
            };
            let before = statements.len();
            statements.retain(|st| st["Sid"] != sid);
            if statements.len() == before {
                return Err(missing(api, "ResourceNotFoundException", sid));
            }
            // Like Lambda: the last statement removed removes the policy.
            f.1 = (!statements.is_empty()).then(|| document.to_string());
            Ok(())
        })
    }
    async fn function_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let api = "lambda:ListTags";
        self.enter(api)?;
        self.with_state(|s| {
            s.functions
                .values()
                .find(|f| f.0 == arn)
                .map(|f| f.2.clone())
        })
        .ok_or_else(|| missing(api, "ResourceNotFoundException", arn))
    }
}

impl RedshiftPort for FakeAccount {
    async fn cluster(&self, id: &str) -> PortResult<Option<RedshiftCluster>> {
        self.enter("redshift:DescribeClusters")?;
        Ok(self.with_state(|s| s.clusters.get(id).cloned()))
    }
    async fn make_cluster_private(&self, id: &str) -> PortResult<()> {
        let api = "redshift:ModifyCluster";
        self.enter(api)?;
        self.with_state(|s| match s.clusters.get_mut(id) {
            Some(c) => {
                c.publicly_accessible = false;
                Ok(())
            }
            None => Err(missing(api, "ClusterNotFound", id)),
        })
    }
}

impl SsmPort for FakeAccount {
    async fn document_shared_with(&self, name: &str) -> PortResult<Option<Vec<String>>> {
        self.enter("ssm:DescribeDocumentPermission")?;
        Ok(self.with_state(|s| s.documents.get(name).map(|d| d.0.clone())))
    }
    async fn unshare_document_publicly(&self, name: &str) -> PortResult<()> {
        let api = "ssm:ModifyDocumentPermission";
        self.enter(api)?;
        self.with_state(|s| match s.documents.get_mut(name) {
            Some(d) => {
                d.0.retain(|a| !a.eq_ignore_ascii_case("all"));
                Ok(())
            }
            None => Err(missing(api, "InvalidDocument", name)),
        })
    }
    async fn document_tags(&self, name: &str) -> PortResult<BTreeMap<String, String>> {
        let api = "ssm:ListTagsForResource";
        self.enter(api)?;
        self.with_state(|s| s.documents.get(name).map(|d| d.1.clone()))
            .ok_or_else(|| missing(api, "InvalidResourceId", name))
    }
}

impl SnsPort for FakeAccount {
    async fn topic_kms_key(&self, arn: &str) -> PortResult<Option<Option<String>>> {
        self.enter("sns:GetTopicAttributes")?;
        Ok(self.with_state(|s| s.topics.get(arn).map(|t| t.0.clone())))
    }
    async fn encrypt_topic(&self, arn: &str, key: &str) -> PortResult<()> {
        let api = "sns:SetTopicAttributes";
        self.enter(api)?;
        self.with_state(|s| match s.topics.get_mut(arn) {
            Some(t) => {
                t.0 = Some(key.to_owned());
                Ok(())
            }
            None => Err(missing(api, "NotFound", arn)),
        })
    }
    async fn topic_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let api = "sns:ListTagsForResource";
        self.enter(api)?;
        self.with_state(|s| s.topics.get(arn).map(|t| t.1.clone()))
            .ok_or_else(|| missing(api, "ResourceNotFound", arn))
    }
}
