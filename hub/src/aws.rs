//! The AWS SDK adapters behind the domain's ports, and what they share: one SdkConfig (one HTTP
//! client) from the standard AWS chain, and the mapping of SDK errors to the domain's.

pub mod audit;
pub mod explain;
pub mod limits;
pub mod member;
pub mod pacer;
pub mod securityhub;
pub mod sessions;
pub mod sns;

use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use riposte_shared::ports::{PortError, PortErrorKind};
use std::time::Instant;

/// Load the SDK configuration from the standard chain (`AWS_REGION`, `AWS_ENDPOINT_URL`, credentials),
/// with one HTTP client (one connection pool, one TLS set-up) that every client built from it shares:
/// without it, each member account's IAM, S3 and Secrets Manager clients would build their own.
pub async fn load_sdk_config() -> aws_config::SdkConfig {
    load_sdk_config_for(None, None).await
}

/// The SDK configuration for an operator: a named profile and region override the standard chain.
pub async fn load_sdk_config_for(
    profile: Option<&str>,
    region: Option<&str>,
) -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .build_https();
    // No call may hang past the Lambda's deadline: a slow attempt is retried, a slow operation fails
    // (transient) well within the engine's time margin.
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .operation_attempt_timeout(std::time::Duration::from_secs(10))
        .operation_timeout(std::time::Duration::from_secs(25))
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeouts);
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_owned()));
    }
    loader.load().await
}

/// Map an SDK error to the domain's kinds: transport failures and timeouts are transient; service
/// errors by their code and status (`classify`).
pub fn port_error<E>(api: &str, error: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = error.code().map(str::to_owned);
    let status = error.raw_response().map(|r| r.status().as_u16());
    let kind = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            PortErrorKind::Transient
        }
        _ => classify(code.as_deref(), status),
    };
    // Never the SDK's debug text: it reaches the notes written back, the notices and the audit record.
    let message = error
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| explain::sdk_error(&error));
    PortError {
        kind,
        api: api.to_owned(),
        code,
        message,
    }
}

/// The domain's kind of a service error, from its code and HTTP status. Only throttling, 5xx and
/// expired credentials are worth a redelivery; everything else is final.
pub fn classify(code: Option<&str>, status: Option<u16>) -> PortErrorKind {
    // Security Hub throttles with `LimitExceededException` on HTTP 429: the status decides first.
    if status == Some(429) {
        return PortErrorKind::Throttled;
    }
    match code {
        Some(
            "Throttling"
            | "ThrottlingException"
            | "TooManyRequestsException"
            | "SlowDown"
            | "RequestLimitExceeded"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "ProvisionedThroughputExceededException",
        ) => PortErrorKind::Throttled,
        Some(
            "ExpiredToken"
            | "ExpiredTokenException"
            | "RequestExpired"
            | "RequestTimeout"
            | "RequestTimeoutException"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
            | "InternalError"
            | "InternalFailure"
            | "InternalException"
            | "InternalServiceError"
            | "InternalServerError"
            | "ServiceFailure"
            | "ServiceFailureException"
            | "OperationAborted"
            | "ConcurrentModification"
            | "ConcurrentModificationException"
            | "EntityTemporarilyUnmodifiable",
        ) => PortErrorKind::Transient,
        Some(
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "InvalidClientTokenId"
            | "AllAccessDisabled"
            | "UnrecognizedClientException"
            | "RegionDisabledException",
        ) => PortErrorKind::Denied,
        Some(
            "NoSuchEntity"
            | "NoSuchBucket"
            | "NoSuchBucketPolicy"
            | "ResourceNotFoundException"
            | "NoSuchTagSet"
            | "NoSuchPublicAccessBlockConfiguration"
            | "NotFound"
            | "NotFoundException"
            | "InvalidGroup.NotFound"
            | "InvalidSecurityGroupRuleId.NotFound",
        ) => PortErrorKind::NotFound,
        Some("LimitExceeded" | "LimitExceededException" | "ServiceQuotaExceededException") => {
            PortErrorKind::Limit
        }
        Some(
            "MalformedPolicy"
            | "MalformedPolicyDocument"
            | "MalformedPolicyDocumentException"
            | "InvalidArgument"
            | "InvalidInput"
            | "InvalidParameterException"
            | "InvalidParameterValue"
            | "InvalidRequestException"
            | "ValidationError"
            | "ValidationException",
        ) => PortErrorKind::Invalid,
        _ if status.is_some_and(|s| s >= 500) => PortErrorKind::Transient,
        _ => PortErrorKind::Other,
    }
}

/// Log one JSON line per AWS call (inside the finding's span: run, finding, account, region, playbook).
pub(crate) fn log_call<T>(
    api: &str,
    target: &str,
    started: Instant,
    result: &Result<T, PortError>,
) {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(_) => tracing::info!(api, target, outcome = "ok", ms, "aws call"),
        Err(e) => {
            tracing::warn!(api, target, outcome = "error", code = e.code.as_deref().unwrap_or(""), error = %e.message, ms, "aws call")
        }
    }
}
