use super::*;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;

type Failure = SdkError<GetCallerIdentityError, HttpResponse>;

fn service(code: &str, message: &str, status: u16) -> Failure {
    let error = GetCallerIdentityError::generic(
        ErrorMetadata::builder().code(code).message(message).build(),
    );
    let status = status
        .try_into()
        .unwrap_or_else(|e| panic!("status: {e:?}"));
    SdkError::service_error(error, HttpResponse::new(status, SdkBody::empty()))
}

fn assert_readable(text: &str) {
    for debug in [
        "DispatchFailure",
        "ServiceError {",
        "Some(",
        "ConnectorError",
        "{ ",
    ] {
        assert!(!text.contains(debug), "{debug} in {text}");
    }
    assert!(text.len() < 420, "{} characters: {text}", text.len());
}

#[test]
fn a_refused_connection_says_the_endpoint_is_unreachable() {
    let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
    let error: Failure = SdkError::dispatch_failure(ConnectorError::io(Box::new(refused)));
    let text = failed("reading the findings", &error);
    assert!(
        text.starts_with(
            "reading the findings failed: the AWS endpoint cannot be reached (Connection refused)"
        ),
        "{text}"
    );
    assert!(text.contains("AWS_ENDPOINT_URL"), "{text}");
    assert_readable(&text);
}

#[test]
fn missing_credentials_say_how_to_give_them() {
    let inner: Box<dyn std::error::Error + Send + Sync> =
        "failed to resolve an identity: the credential provider was not enabled".into();
    let error: Failure = SdkError::dispatch_failure(ConnectorError::other(inner, None));
    assert_eq!(Cause::of(&error), Cause::NoCredentials);
    let text = sdk_error(&error);
    assert!(
        text.contains("--profile") && text.contains("AWS_ACCESS_KEY_ID"),
        "{text}"
    );
    assert_readable(&text);
}

#[test]
fn service_errors_are_classified_by_code() {
    let denied = service(
        "AccessDenied",
        "User: arn:aws:iam::111111111111:user/x is not authorized to perform: sts:GetCallerIdentity",
        403,
    );
    assert!(matches!(Cause::of(&denied), Cause::AccessDenied(m) if m.contains("not authorized")));
    assert_readable(&sdk_error(&denied));
    assert_eq!(
        Cause::of(&service("ExpiredToken", "expired", 400)),
        Cause::Expired
    );
    assert!(matches!(
        Cause::of(&service(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            403
        )),
        Cause::CredentialsRejected(_)
    ));
    assert_eq!(
        Cause::of(&service("Throttling", "Rate exceeded", 400)),
        Cause::Throttled
    );
    let other = sdk_error(&service(
        "ResourceNotFoundException",
        "no such\n thing",
        404,
    ));
    assert_eq!(other, "ResourceNotFoundException: no such thing");
}

#[test]
fn a_timeout_and_a_missing_region_have_their_own_words() {
    let timeout: Failure = SdkError::timeout_error("operation timed out");
    assert_eq!(Cause::of(&timeout), Cause::TimedOut);
    let region: Failure =
        SdkError::construction_failure("a region must be set when sending requests to STS");
    assert_eq!(sdk_error(&region), NO_REGION);
}

#[test]
fn long_messages_are_cut_to_one_line() {
    let long = "x ".repeat(400);
    let text = sdk_error(&service("SomethingElse", &long, 400));
    assert!(text.chars().count() < 330 && !text.contains('\n'), "{text}");
}
