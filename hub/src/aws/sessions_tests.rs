//! The session cache and adapters over SDK clients faked with aws-smithy-mocks.

use super::*;
use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
use aws_sdk_sts::types::Credentials as StsCredentials;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::DateTime;
use riposte_shared::ids::FindingRef;
use riposte_shared::ports::IamPort;

fn base() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .build()
}

fn credentials() -> AssumeRoleOutput {
    let expires = DateTime::from_secs(DateTime::from(SystemTime::now()).secs() + 3600);
    AssumeRoleOutput::builder()
        .credentials(
            StsCredentials::builder()
                .access_key_id("ASIAEXAMPLE")
                .secret_access_key("secret")
                .session_token("token")
                .expiration(expires)
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .build()
}

fn account(id: &str) -> AccountId {
    AccountId::parse(id).unwrap_or_else(|e| panic!("{e}"))
}

fn region() -> Region {
    Region::parse("us-east-1").unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn many_concurrent_findings_of_one_account_make_one_assume_role() {
    let assume = mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(|r| {
            r.role_arn()
                .is_some_and(|a| a.ends_with(":role/SecurityAutomationRemediationRole"))
                // SourceIdentity names Riposte and the container's session, like the session name.
                && r.source_identity().is_some_and(|s| s.starts_with("riposte"))
                && r.source_identity() == r.role_session_name()
        })
        .sequence()
        .output(credentials)
        .repeatedly()
        .build();
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume]);
    let cache = SessionCache::with_sts(
        base(),
        sts,
        "SecurityAutomationRemediationRole",
        "riposte-test",
    );
    let (a, b) = (account("111111111111"), account("222222222222"));
    let calls = (0..20).map(|i| {
        let target = if i % 4 == 0 { b.clone() } else { a.clone() };
        let cache = &cache;
        async move { cache.member(&target, &region()).await.map(|_| ()) }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(assume.num_calls(), 2, "one AssumeRole per account");
    assert_eq!(cache.assume_role_calls(), 2);
    // Later findings of the same account reuse the cached session.
    assert!(cache.member(&a, &region()).await.is_ok());
    assert_eq!(assume.num_calls(), 2);
}

#[tokio::test]
async fn a_refused_assume_role_names_the_role_and_is_not_cached() {
    let denied = mock!(aws_sdk_sts::Client::assume_role).then_error(|| {
        AssumeRoleError::generic(
            aws_sdk_sts::error::ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not authorized to perform: sts:AssumeRole")
                .build(),
        )
    });
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&denied]);
    let cache = SessionCache::with_sts(
        base(),
        sts,
        "SecurityAutomationRemediationRole",
        "riposte-test",
    );
    let error = cache
        .member(&account("333333333333"), &region())
        .await
        .err()
        .unwrap_or_else(|| panic!("must fail"));
    assert_eq!(error.kind, PortErrorKind::Denied);
    assert!(
        error
            .message
            .contains("arn:aws:iam::333333333333:role/SecurityAutomationRemediationRole"),
        "{}",
        error.message
    );
    assert!(cache
        .member(&account("333333333333"), &region())
        .await
        .is_err());
    assert_eq!(
        denied.num_calls(),
        2,
        "a failure is retried on the next finding, not cached"
    );
}

#[tokio::test]
async fn a_throttled_iam_call_is_retried_by_the_sdk_and_slows_the_account_s_pace() {
    let paced = pacer();
    let retries = crate::aws::pacer::retry::PacedRetries {
        pacer: paced.clone(),
        service: crate::aws::pacer::Service::Iam,
        account: "111111111111".into(),
        region: "us-east-1".into(),
    };
    let throttled = mock!(aws_sdk_iam::Client::update_access_key)
        .sequence()
        .http_status(400, Some("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>".into()))
        .output(|| aws_sdk_iam::operation::update_access_key::UpdateAccessKeyOutput::builder().build())
        .build();
    let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&throttled], |c| c
        .retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
        )
        .interceptor(retries.clone())
        .retry_classifier(retries.clone()));
    let unused = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let clients = MemberClients {
        iam,
        s3: mock_client!(aws_sdk_s3, []),
        secrets: mock_client!(aws_sdk_secretsmanager, []),
        // Not called here; built without the `test-util` feature, which would compile the SDK crates twice.
        ec2: aws_sdk_ec2::Client::new(&unused),
        s3control: aws_sdk_s3control::Client::new(&unused),
        sqs: aws_sdk_sqs::Client::new(&unused),
        dynamodb: aws_sdk_dynamodb::Client::new(&unused),
        kms: aws_sdk_kms::Client::new(&unused),
        cloudtrail: aws_sdk_cloudtrail::Client::new(&unused),
        ecr: aws_sdk_ecr::Client::new(&unused),
        rds: aws_sdk_rds::Client::new(&unused),
        lambda: aws_sdk_lambda::Client::new(&unused),
        redshift: aws_sdk_redshift::Client::new(&unused),
        ssm: aws_sdk_ssm::Client::new(&unused),
        sns: aws_sdk_sns::Client::new(&unused),
        config: aws_config::SdkConfig::builder().build(),
        linked: crate::aws::member::secrets::linked_secrets_cache(),
        pacer: paced.clone(),
        account: "111111111111".into(),
        region: "us-east-1".into(),
    };
    assert_eq!(
        clients.deactivate_access_key("alice", "AKIA1").await,
        Ok(())
    );
    assert_eq!(throttled.num_calls(), 2);
    // The throttling answer reached the account's bucket: one signal, and a lower rate.
    let iam = crate::aws::pacer::Service::Iam;
    assert_eq!(paced.counts().1, 1);
    let setting = paced.shape(iam).rate;
    let now = paced.rate_in_force(iam, "111111111111", "eu-west-1");
    assert!(now < setting * 0.75, "{now} of {setting}");
}

#[tokio::test]
async fn unprocessed_findings_are_read_from_the_batch_update_response() {
    use aws_sdk_securityhub::operation::batch_update_findings::BatchUpdateFindingsOutput;
    use aws_sdk_securityhub::types::{
        AwsSecurityFindingIdentifier, BatchUpdateFindingsUnprocessedFinding,
    };
    use riposte_shared::ports::FindingsPort;
    use riposte_shared::writeback::{RiposteStatus, WriteBack};
    let rule = mock!(aws_sdk_securityhub::Client::batch_update_findings)
        .match_requests(|r| {
            r.finding_identifiers().len() == 2
                && r.note().and_then(|n| n.updated_by()) == Some("riposte")
        })
        .then_output(|| {
            BatchUpdateFindingsOutput::builder()
                .processed_findings(
                    AwsSecurityFindingIdentifier::builder()
                        .id("a")
                        .product_arn("p")
                        .build(),
                )
                .unprocessed_findings(
                    BatchUpdateFindingsUnprocessedFinding::builder()
                        .finding_identifier(
                            AwsSecurityFindingIdentifier::builder()
                                .id("b")
                                .product_arn("p")
                                .build(),
                        )
                        .error_code("FindingNotFound")
                        .error_message("not found")
                        .build(),
                )
                .build()
        });
    let hub = crate::aws::securityhub::SecurityHub::from_client(mock_client!(
        aws_sdk_securityhub,
        [&rule]
    ));
    let refs = [
        FindingRef {
            id: "a".into(),
            product_arn: "p".into(),
        },
        FindingRef {
            id: "b".into(),
            product_arn: "p".into(),
        },
    ];
    let unprocessed = hub
        .update_findings(
            &refs,
            &WriteBack::new(
                RiposteStatus::Remediated,
                Some("public-bucket"),
                "r-1",
                "ok",
            ),
        )
        .await;
    let unprocessed = unprocessed.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unprocessed.len(), 1);
    assert_eq!(unprocessed[0].finding.id, "b");
    assert_eq!(unprocessed[0].code, "FindingNotFound");
}

/// Credentials handed to a playbook must outlive the invocation: the refresh margin exceeds the longest
/// function timeout the hub stack allows.
#[test]
fn the_refresh_margin_exceeds_every_function_timeout_the_stack_allows() {
    let hub = include_str!("../../../cloudformation/hub.yaml");
    let block = hub
        .split("  FunctionTimeout:")
        .nth(1)
        .and_then(|rest| rest.split("AllowedValues:").nth(1))
        .and_then(|rest| rest.lines().next())
        .unwrap_or_default();
    let longest = block
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .max()
        .unwrap_or_else(|| panic!("no FunctionTimeout AllowedValues in hub.yaml: {block:?}"));
    assert!(super::REFRESH_MARGIN.as_secs() > longest, "{longest}");
}

fn pacer() -> Arc<crate::aws::pacer::Pacer> {
    Arc::new(crate::aws::pacer::Pacer::new(&Default::default()))
}

/// Each member account retries on its own budget: a throttled account cannot drain the retry tokens, or
/// slow the adaptive rate, of the others (the SDK's default partition is the service's name alone).
#[test]
fn each_account_and_service_has_its_own_retry_partition_and_paced_retries() {
    let (a, b) = (account("111111111111"), account("222222222222"));
    let (one, two) = (
        MemberClients::new(&base(), &a, false, pacer()),
        MemberClients::new(&base(), &b, false, pacer()),
    );
    let partition = |c: &MemberClients| {
        (
            c.iam.config().retry_partition().map(ToString::to_string),
            c.s3.config().retry_partition().map(ToString::to_string),
        )
    };
    assert_eq!(
        partition(&one),
        (
            Some("riposte-111111111111-aws_sdk_iam".to_string()),
            Some("riposte-111111111111-aws_sdk_s3".to_string())
        )
    );
    assert_ne!(partition(&one).0, partition(&two).0);
    assert_eq!(
        one.iam.config().retry_config().map(|r| r.mode()),
        Some(aws_config::retry::RetryMode::Standard),
        "the pacer is the one rate controller, not the SDK's adaptive limiter"
    );
    assert!(one.iam.config().retry_classifiers().any(|c| {
        aws_smithy_runtime_api::client::retries::classifiers::ClassifyRetry::name(&c)
            .starts_with("riposte")
    }));
    let elsewhere = one.secrets_in("eu-west-1");
    assert_eq!(
        elsewhere
            .config()
            .retry_partition()
            .map(ToString::to_string),
        Some("riposte-111111111111-aws_sdk_secretsmanager".to_string())
    );
}
