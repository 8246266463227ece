//! One rendering of an AWS failure for people: what failed, the likely cause and the fix, in one or two
//! lines, with no Rust debug text. The CLI's messages, the notes written back on findings, the
//! notifications and the audit records all take their wording from here.

use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;

/// The one wording of a missing region, wherever Riposte needs one.
pub const NO_REGION: &str = "no AWS region: give --region REGION (the aggregation region, where \
     Security Hub holds the findings) or set AWS_REGION";

/// Why an AWS call failed, as far as the error tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// No credential source gave credentials.
    NoCredentials,
    /// AWS does not know the credentials (bad key, wrong partition).
    CredentialsRejected(String),
    /// The session's credentials expired.
    Expired,
    /// IAM (or an SCP, a resource policy) denied the call.
    AccessDenied(String),
    /// No region was configured.
    NoRegion,
    /// The endpoint could not be reached (DNS, refused, TLS).
    Unreachable(String),
    /// The call took longer than its timeout.
    TimedOut,
    /// The service throttled the call.
    Throttled,
    /// Any other error the service answered with.
    Service { code: String, message: String },
    /// Anything else, in the error's own words.
    Other(String),
}

impl Cause {
    /// Classify an SDK error.
    pub fn of<E, R>(error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let chain = chain_text(error);
        let lower = chain.to_lowercase();
        match error {
            SdkError::TimeoutError(_) => Cause::TimedOut,
            SdkError::ConstructionFailure(_) if lower.contains("region") => Cause::NoRegion,
            SdkError::ServiceError(_) => Self::of_code(
                error.code().unwrap_or("Unknown"),
                error.message().unwrap_or_default(),
            ),
            _ if mentions_credentials(&lower) => Cause::NoCredentials,
            SdkError::DispatchFailure(d) if d.is_timeout() => Cause::TimedOut,
            SdkError::DispatchFailure(d) if d.is_io() => Cause::Unreachable(last_cause(&chain)),
            SdkError::ResponseError(_) => {
                Cause::Other("the answer could not be read (not an AWS endpoint?)".into())
            }
            _ => Cause::Other(last_cause(&chain)),
        }
    }

    /// Classify a service error by its code.
    pub fn of_code(code: &str, message: &str) -> Self {
        let message = one_line(message);
        match code {
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "AuthorizationErrorException"
            | "Forbidden"
            | "UnauthorizedException" => Cause::AccessDenied(message),
            "InvalidClientTokenId"
            | "UnrecognizedClientException"
            | "SignatureDoesNotMatch"
            | "InvalidAccessKeyId"
            | "IncompleteSignature"
            | "InvalidSignatureException" => Cause::CredentialsRejected(message),
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => Cause::Expired,
            c if c.contains("Throttl") || c == "TooManyRequestsException" || c == "SlowDown" => {
                Cause::Throttled
            }
            _ => Cause::Service {
                code: code.to_owned(),
                message,
            },
        }
    }

    /// The cause and its fix, for a person.
    pub fn render(&self) -> String {
        match self {
            Cause::NoCredentials => "no AWS credentials were found: give --profile PROFILE, set \
                AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (for SSO: `aws sso \
                login --profile PROFILE` first)"
                .into(),
            Cause::CredentialsRejected(m) => format!(
                "AWS does not accept these credentials ({m}): check the profile or keys in use \
                 (`aws sts get-caller-identity`)"
            ),
            Cause::Expired => "the credentials have expired: refresh them (for SSO: `aws sso login`) \
                and try again"
                .into(),
            Cause::AccessDenied(m) if m.is_empty() => {
                "access denied: the identity in use lacks the permission; use the hub role \
                 (--hub-role-arn) or an identity allowed to make this call"
                    .into()
            }
            Cause::AccessDenied(m) => format!(
                "access denied ({m}): use the hub role (--hub-role-arn) or an identity allowed to \
                 make this call"
            ),
            Cause::NoRegion => NO_REGION.into(),
            Cause::Unreachable(why) => format!(
                "the AWS endpoint cannot be reached ({why}): check the network, the proxy, and \
                 AWS_ENDPOINT_URL if it is set"
            ),
            Cause::TimedOut => "the call timed out: the endpoint answered too slowly; try again, \
                and check the network or AWS_ENDPOINT_URL"
                .into(),
            Cause::Throttled => "AWS throttled the call: try again in a moment".into(),
            Cause::Service { code, message } if message.is_empty() => code.clone(),
            Cause::Service { code, message } => format!("{code}: {message}"),
            Cause::Other(text) => text.clone(),
        }
    }
}

/// An SDK error for a person: the cause and its fix.
pub fn sdk_error<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    Cause::of(error).render()
}

/// `WHAT failed: cause and fix`.
pub fn failed<E, R>(what: &str, error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    format!("{what} failed: {}", sdk_error(error))
}

/// Whether the named profile exists in the AWS CLI's configuration files; `Err` says what is wrong.
pub async fn check_profile(name: &str) -> Result<(), String> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let loaded = aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &EnvConfigFiles::default(),
        Some(name.to_owned().into()),
    )
    .await;
    match loaded {
        Ok(set) if set.get_profile(name).is_some() => Ok(()),
        Ok(set) => {
            let mut known: Vec<&str> = set.profiles().collect();
            known.sort_unstable();
            Err(format!(
                "the AWS profile {name:?} does not exist in ~/.aws/config or ~/.aws/credentials \
                 (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE); {}: create it with `aws configure \
                 --profile {name}` or `aws configure sso`",
                if known.is_empty() {
                    "no profile is defined".to_owned()
                } else {
                    format!("known profiles: {}", known.join(", "))
                }
            ))
        }
        Err(e) => Err(format!(
            "the AWS configuration files cannot be read ({}): fix or move them, or use keys in \
             the environment",
            one_line(&e.to_string())
        )),
    }
}

/// Every error of the chain, in its `Display` form, joined by ": ".
fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut next = error.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p == &text) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

fn mentions_credentials(lower: &str) -> bool {
    lower.contains("credential")
        || lower.contains("identity resolver")
        || lower.contains("no providers in chain")
}

/// The deepest cause of a chain (`Connection refused (os error 111)`), bounded.
fn last_cause(chain: &str) -> String {
    let last = chain.rsplit(": ").next().unwrap_or(chain);
    one_line(last)
}

/// One line, at most 300 characters.
fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 300 {
        format!("{}…", flat.chars().take(300).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
