//! Read-backs for the data and logging playbooks (SQS.1, DynamoDB.2, KMS.4, CloudTrail.4, ECR.1): the
//! finding's resource fixed, its twin untouched.

use riposte_tests::{MemberView, Scenario};

async fn queue_sse(view: &MemberView, url: &str) -> Option<String> {
    let sqs = aws_sdk_sqs::Client::new(&view.config);
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::SqsManagedSseEnabled)
        .send()
        .await
        .ok()?;
    out.attributes()?
        .get(&aws_sdk_sqs::types::QueueAttributeName::SqsManagedSseEnabled)
        .cloned()
}

async fn table_recovery(view: &MemberView, table: &str) -> Option<String> {
    let ddb = aws_sdk_dynamodb::Client::new(&view.config);
    let out = ddb
        .describe_continuous_backups()
        .table_name(table)
        .send()
        .await
        .ok()?;
    let status = out
        .continuous_backups_description()?
        .point_in_time_recovery_description()?
        .point_in_time_recovery_status()?;
    Some(status.as_str().to_owned())
}

async fn key_rotation(view: &MemberView, key: &str) -> Option<bool> {
    let kms = aws_sdk_kms::Client::new(&view.config);
    let out = kms
        .get_key_rotation_status()
        .key_id(key)
        .send()
        .await
        .ok()?;
    Some(out.key_rotation_enabled())
}

async fn trail_validation(view: &MemberView, trail: &str) -> Option<bool> {
    let ct = aws_sdk_cloudtrail::Client::new(&view.config);
    let out = ct.get_trail().name(trail).send().await.ok()?;
    out.trail()?.log_file_validation_enabled()
}

async fn trail_key(view: &MemberView, trail: &str) -> Option<String> {
    let ct = aws_sdk_cloudtrail::Client::new(&view.config);
    let out = ct.get_trail().name(trail).send().await.ok()?;
    out.trail()?.kms_key_id().map(str::to_owned)
}

async fn topic_key(view: &MemberView, topic: &str) -> Option<String> {
    let sns = aws_sdk_sns::Client::new(&view.config);
    let out = sns
        .get_topic_attributes()
        .topic_arn(topic)
        .send()
        .await
        .ok()?;
    out.attributes()?
        .get("KmsMasterKeyId")
        .filter(|k| !k.is_empty())
        .cloned()
}

async fn scan_on_push(view: &MemberView, repository: &str) -> Option<bool> {
    let ecr = aws_sdk_ecr::Client::new(&view.config);
    let out = ecr
        .describe_repositories()
        .repository_names(repository)
        .send()
        .await
        .ok()?;
    Some(
        out.repositories()
            .first()?
            .image_scanning_configuration()?
            .scan_on_push(),
    )
}

/// Each data-service resource of the finding is fixed; its twin is not.
pub async fn assert_fixed_beside_untouched(b: &MemberView, scenario: &Scenario) {
    let incident = |k: &str| scenario.str(&format!("/incidents/data/{k}"));
    let twin = |k: &str| scenario.str(&format!("/bystanders/data/{k}"));
    assert_eq!(
        queue_sse(b, &incident("queue_url")).await.as_deref(),
        Some("true")
    );
    assert_eq!(
        queue_sse(b, &twin("queue_url")).await.as_deref(),
        Some("false")
    );
    assert_eq!(
        table_recovery(b, "ledger").await.as_deref(),
        Some("ENABLED")
    );
    assert_eq!(
        table_recovery(b, &twin("table")).await.as_deref(),
        Some("DISABLED")
    );
    assert_eq!(key_rotation(b, &incident("key_arn")).await, Some(true));
    assert_eq!(key_rotation(b, &twin("key_arn")).await, Some(false));
    assert_eq!(
        trail_validation(b, &incident("trail_arn")).await,
        Some(true)
    );
    assert_eq!(trail_validation(b, &twin("trail_arn")).await, Some(false));
    let account = scenario.str("/incidents/data/account_id");
    assert_eq!(
        trail_key(b, &incident("trail_arn")).await,
        Some(format!(
            "arn:aws:kms:us-east-1:{account}:alias/riposte-logs"
        ))
    );
    assert_eq!(trail_key(b, &twin("trail_arn")).await, None);
    assert_eq!(
        topic_key(b, &incident("topic_arn")).await,
        Some(format!(
            "arn:aws:kms:us-east-1:{account}:alias/riposte-topics"
        ))
    );
    assert_eq!(topic_key(b, &twin("topic_arn")).await, None);
    assert_eq!(scan_on_push(b, &incident("repository")).await, Some(true));
    assert_eq!(scan_on_push(b, &twin("repository")).await, Some(false));
}

/// The Sids of a function's policy, sorted.
async fn function_sids(view: &MemberView, function: &str) -> Vec<String> {
    let lambda = aws_sdk_lambda::Client::new(&view.config);
    let policy = lambda.get_policy().function_name(function).send().await;
    let document: serde_json::Value = policy
        .ok()
        .and_then(|p| p.policy().map(str::to_owned))
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default();
    let mut sids: Vec<String> = document["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["Sid"].as_str().map(str::to_owned))
        .collect();
    sids.sort();
    sids
}

/// Lambda.1: only the public statement left the finding's function; its twin keeps all three.
pub async fn assert_function_policies(b: &MemberView, scenario: &Scenario) {
    let function = scenario.str("/incidents/function/function");
    assert_eq!(
        function_sids(b, &function).await,
        ["FromUploads", "Partner"]
    );
    let twin = scenario.str("/bystanders/function/function");
    assert_eq!(
        function_sids(b, &twin).await,
        ["Anyone", "FromUploads", "Partner"]
    );
}
