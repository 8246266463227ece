//! SQS, DynamoDB, KMS, CloudTrail, ECR and SNS through the member session: one setting each.

use aws_sdk_sqs::types::QueueAttributeName;
use riposte_shared::ports::*;
use std::collections::BTreeMap;
use std::time::Instant;

use super::super::{log_call, port_error};
use super::apis::Api;
use super::{absent_as_none, MemberClients};

impl SqsPort for MemberClients {
    async fn queue_url(&self, name: &str, owner: &str) -> PortResult<Option<String>> {
        let request = self
            .sqs
            .get_queue_url()
            .queue_name(name)
            .queue_owner_aws_account_id(owner);
        let out = absent_as_none(
            call!(self, Api::SqsGetQueueUrl, name, request.send()),
            &[
                "AWS.SimpleQueueService.NonExistentQueue",
                "QueueDoesNotExist",
            ],
        )?;
        Ok(out.and_then(|o| o.queue_url().map(str::to_owned)))
    }
    async fn queue_encryption(&self, url: &str) -> PortResult<QueueEncryption> {
        let request = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::SqsManagedSseEnabled)
            .attribute_names(QueueAttributeName::KmsMasterKeyId);
        let out = call!(self, Api::SqsGetQueueAttributes, url, request.send())?;
        let attribute =
            |name: QueueAttributeName| out.attributes().and_then(|a| a.get(&name)).cloned();
        Ok(QueueEncryption {
            sqs_managed: attribute(QueueAttributeName::SqsManagedSseEnabled).as_deref()
                == Some("true"),
            kms_key: attribute(QueueAttributeName::KmsMasterKeyId).filter(|k| !k.is_empty()),
        })
    }
    async fn enable_queue_sse(&self, url: &str) -> PortResult<()> {
        let request = self
            .sqs
            .set_queue_attributes()
            .queue_url(url)
            .attributes(QueueAttributeName::SqsManagedSseEnabled, "true");
        call!(self, Api::SqsSetQueueAttributes, url, request.send()).map(|_| ())
    }
    async fn queue_tags(&self, url: &str) -> PortResult<BTreeMap<String, String>> {
        let out = call!(
            self,
            Api::SqsListQueueTags,
            url,
            self.sqs.list_queue_tags().queue_url(url).send()
        )?;
        Ok(out
            .tags()
            .map(|t| t.clone().into_iter().collect())
            .unwrap_or_default())
    }
}

impl DynamoDbPort for MemberClients {
    async fn point_in_time_recovery(&self, table: &str) -> PortResult<Option<bool>> {
        let request = self
            .dynamodb
            .describe_continuous_backups()
            .table_name(table);
        let out = absent_as_none(
            call!(
                self,
                Api::DynamoDbDescribeContinuousBackups,
                table,
                request.send()
            ),
            &["TableNotFoundException"],
        )?;
        Ok(out.map(|o| {
            o.continuous_backups_description()
                .and_then(|d| d.point_in_time_recovery_description())
                .and_then(|p| p.point_in_time_recovery_status())
                .is_some_and(|s| s.as_str() == "ENABLED")
        }))
    }
    async fn enable_point_in_time_recovery(&self, table: &str) -> PortResult<()> {
        let specification = aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(true)
            .build()
            .map_err(|e| {
                PortError::new(
                    PortErrorKind::Invalid,
                    "dynamodb:UpdateContinuousBackups",
                    None,
                    e.to_string(),
                )
            })?;
        let request = self
            .dynamodb
            .update_continuous_backups()
            .table_name(table)
            .point_in_time_recovery_specification(specification);
        call!(
            self,
            Api::DynamoDbUpdateContinuousBackups,
            table,
            request.send()
        )
        .map(|_| ())
    }
    async fn table_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        // At most 50 tags per table: one page.
        let request = self.dynamodb.list_tags_of_resource().resource_arn(arn);
        let out = call!(self, Api::DynamoDbListTagsOfResource, arn, request.send())?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
}

impl KmsPort for MemberClients {
    async fn describe_key(&self, key: &str) -> PortResult<Option<KmsKey>> {
        let request = self.kms.describe_key().key_id(key);
        let out = absent_as_none(
            call!(self, Api::KmsDescribeKey, key, request.send()),
            &["NotFoundException"],
        )?;
        Ok(out.and_then(|o| o.key_metadata().cloned()).map(|m| KmsKey {
            id: m.key_id().to_owned(),
            manager: m.key_manager().map_or("", |k| k.as_str()).to_owned(),
            spec: m.key_spec().map_or("", |k| k.as_str()).to_owned(),
            origin: m.origin().map_or("", |o| o.as_str()).to_owned(),
            state: m.key_state().map_or("", |s| s.as_str()).to_owned(),
            replica: m
                .multi_region_configuration()
                .and_then(|c| c.multi_region_key_type())
                .is_some_and(|t| t.as_str() == "REPLICA"),
        }))
    }
    async fn key_rotation_enabled(&self, key: &str) -> PortResult<bool> {
        let request = self.kms.get_key_rotation_status().key_id(key);
        let out = call!(self, Api::KmsGetKeyRotationStatus, key, request.send())?;
        Ok(out.key_rotation_enabled())
    }
    async fn enable_key_rotation(&self, key: &str) -> PortResult<()> {
        let request = self.kms.enable_key_rotation().key_id(key);
        call!(self, Api::KmsEnableKeyRotation, key, request.send()).map(|_| ())
    }
    async fn key_tags(&self, key: &str) -> PortResult<BTreeMap<String, String>> {
        // At most 50 tags per key: one page of 100.
        let request = self.kms.list_resource_tags().key_id(key).limit(100);
        let out = call!(self, Api::KmsListResourceTags, key, request.send())?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned()))
            .collect())
    }
}

impl CloudTrailPort for MemberClients {
    async fn get_trail(&self, arn: &str) -> PortResult<Option<Trail>> {
        let request = self.cloudtrail.get_trail().name(arn);
        let out = absent_as_none(
            call!(self, Api::CloudTrailGetTrail, arn, request.send()),
            &["TrailNotFoundException"],
        )?;
        Ok(out.and_then(|o| o.trail().cloned()).map(|t| Trail {
            arn: t.trail_arn().unwrap_or(arn).to_owned(),
            home_region: t.home_region().map(str::to_owned),
            log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
            organization: t.is_organization_trail().unwrap_or(false),
            kms_key: t.kms_key_id().map(str::to_owned),
        }))
    }
    async fn enable_log_file_validation(&self, arn: &str) -> PortResult<()> {
        let request = self
            .cloudtrail
            .update_trail()
            .name(arn)
            .enable_log_file_validation(true);
        call!(self, Api::CloudTrailUpdateTrail, arn, request.send()).map(|_| ())
    }
    async fn encrypt_trail(&self, arn: &str, key: &str) -> PortResult<()> {
        let request = self.cloudtrail.update_trail().name(arn).kms_key_id(key);
        call!(self, Api::CloudTrailUpdateTrail, arn, request.send()).map(|_| ())
    }
    async fn trail_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let request = self.cloudtrail.list_tags().resource_id_list(arn);
        let out = call!(self, Api::CloudTrailListTags, arn, request.send())?;
        Ok(out
            .resource_tag_list()
            .iter()
            .flat_map(|r| r.tags_list())
            .filter_map(|t| Some((t.key().to_owned(), t.value()?.to_owned())))
            .collect())
    }
}

impl EcrPort for MemberClients {
    async fn scan_on_push(&self, repository: &str) -> PortResult<Option<bool>> {
        let request = self
            .ecr
            .describe_repositories()
            .repository_names(repository);
        let out = absent_as_none(
            call!(
                self,
                Api::EcrDescribeRepositories,
                repository,
                request.send()
            ),
            &["RepositoryNotFoundException"],
        )?;
        Ok(out.and_then(|o| {
            let repo = o.repositories().first()?;
            Some(
                repo.image_scanning_configuration()
                    .is_some_and(|c| c.scan_on_push()),
            )
        }))
    }
    async fn enable_scan_on_push(&self, repository: &str) -> PortResult<()> {
        let configuration = aws_sdk_ecr::types::ImageScanningConfiguration::builder()
            .scan_on_push(true)
            .build();
        let request = self
            .ecr
            .put_image_scanning_configuration()
            .repository_name(repository)
            .image_scanning_configuration(configuration);
        call!(
            self,
            Api::EcrPutImageScanningConfiguration,
            repository,
            request.send()
        )
        .map(|_| ())
    }
    async fn repository_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let request = self.ecr.list_tags_for_resource().resource_arn(arn);
        let out = call!(self, Api::EcrListTagsForResource, arn, request.send())?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
}

impl SnsPort for MemberClients {
    async fn topic_kms_key(&self, arn: &str) -> PortResult<Option<Option<String>>> {
        let request = self.sns.get_topic_attributes().topic_arn(arn);
        let out = absent_as_none(
            call!(self, Api::SnsGetTopicAttributes, arn, request.send()),
            &["NotFound"],
        )?;
        Ok(out.map(|o| {
            o.attributes()
                .and_then(|a| a.get("KmsMasterKeyId"))
                .filter(|k| !k.is_empty())
                .cloned()
        }))
    }
    async fn encrypt_topic(&self, arn: &str, key: &str) -> PortResult<()> {
        let request = self
            .sns
            .set_topic_attributes()
            .topic_arn(arn)
            .attribute_name("KmsMasterKeyId")
            .attribute_value(key);
        call!(self, Api::SnsSetTopicAttributes, arn, request.send()).map(|_| ())
    }
    async fn topic_tags(&self, arn: &str) -> PortResult<BTreeMap<String, String>> {
        let request = self.sns.list_tags_for_resource().resource_arn(arn);
        let out = call!(self, Api::SnsListTagsForResource, arn, request.send())?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect())
    }
}
