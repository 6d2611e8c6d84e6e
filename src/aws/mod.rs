//! The AWS layer: one module per resource with the same verbs (`find`,
//! `create`, `update`, `delete`, `wait_*`); SDK builders appear only here.

pub mod account;
pub mod alarm;
pub mod event_config;
pub mod function;
pub mod identity_pool;
pub mod invoke;
pub mod lock;
pub mod log_events;
pub mod log_group;
pub mod metrics;
pub mod pool_roles;
pub mod queue;
pub mod release;
pub mod retry;
pub mod role;
pub mod role_policy;
pub mod topic;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::error::{AwsError, Denied, InputError};

/// How to reach AWS: the global flags, resolved by the standard aws-config
/// chain where they are not given.
#[derive(Debug, Clone, Default)]
pub struct Connect {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// How long to wait and how to retry: AWS's own figures, unless the
/// environment shortens them (the tests do, to exercise every timeout path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One attempt of one call (`BACKEND_CTL_ATTEMPT_TIMEOUT_MS`, default 30 s).
    pub attempt_timeout: Duration,
    /// One attempt of a code upload, which may be large (5 minutes).
    pub upload_timeout: Duration,
    /// A Lambda state transition (`BACKEND_CTL_WAIT_LIMIT_SECS`, default 300).
    pub wait_limit: Duration,
    /// IAM propagation (`BACKEND_CTL_PROPAGATION_TIMEOUT_SECS`, default 300, as Terraform).
    pub propagation_timeout: Duration,
    /// First back-off of the SDK's retries (`BACKEND_CTL_RETRY_BACKOFF_MS`, default 1 s).
    pub initial_backoff: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            attempt_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(300),
            wait_limit: Duration::from_secs(300),
            propagation_timeout: Duration::from_secs(300),
            initial_backoff: Duration::from_secs(1),
        }
    }
}

impl Limits {
    /// The defaults, with any `BACKEND_CTL_*` override from the environment.
    pub fn from_env() -> Result<Limits, InputError> {
        let mut limits = Limits::default();
        let read =
            |name: &'static str, unit_ms: u64, slot: &mut Duration| -> Result<(), InputError> {
                if let Ok(text) = std::env::var(name) {
                    let n: u64 = text.trim().parse().map_err(|_| InputError::Flag {
                        flag: name,
                        message: format!("\"{text}\" is not a whole number"),
                    })?;
                    *slot = Duration::from_millis(n.saturating_mul(unit_ms));
                }
                Ok(())
            };
        read(
            "BACKEND_CTL_ATTEMPT_TIMEOUT_MS",
            1,
            &mut limits.attempt_timeout,
        )?;
        read("BACKEND_CTL_WAIT_LIMIT_SECS", 1000, &mut limits.wait_limit)?;
        read(
            "BACKEND_CTL_PROPAGATION_TIMEOUT_SECS",
            1000,
            &mut limits.propagation_timeout,
        )?;
        read(
            "BACKEND_CTL_RETRY_BACKOFF_MS",
            1,
            &mut limits.initial_backoff,
        )?;
        Ok(limits)
    }
}

/// One client per service, sharing one configuration.
#[derive(Debug, Clone)]
pub struct Clients {
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub cognito: aws_sdk_cognitoidentity::Client,
    pub sts: aws_sdk_sts::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sns: aws_sdk_sns::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub region: String,
    /// The shared configuration, for clients with other credentials.
    pub conf: aws_types::SdkConfig,
    pub limits: Limits,
}

/// A short connect timeout, so that an unreachable endpoint fails fast.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The HTTPS client of every AWS call: rustls on ring. The SDK's default
/// (rustls on aws-lc) is left out of the build: its C library was most of a
/// cold release build of backend-ctl.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// Loads the configuration and checks, without any AWS call, that a region
/// and credentials are there.
pub async fn connect(opts: &Connect) -> Result<Clients, InputError> {
    let limits = Limits::from_env()?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts(limits.attempt_timeout))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(limits.initial_backoff),
        );
    if let Some(region) = &opts.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let conf = loader.load().await;
    let region = match conf.region() {
        Some(r) => r.to_string(),
        None => {
            return Err(InputError::Flag {
                flag: "--region",
                message: "no AWS region is set\n  hint: pass --region (e.g. --region eu-west-1), set AWS_REGION, or set a region in your AWS profile".into(),
            })
        }
    };
    check_region(&region)?;
    let _ = REGION.set(region.clone());
    let Some(provider) = conf.credentials_provider() else {
        return Err(no_credentials(
            "no credentials provider is configured".into(),
        ));
    };
    if let Err(e) = provider.provide_credentials().await {
        return Err(no_credentials(DisplayErrorContext(&e).to_string()));
    }
    Ok(Clients {
        iam: aws_sdk_iam::Client::new(&conf),
        lambda: aws_sdk_lambda::Client::new(&conf),
        cognito: aws_sdk_cognitoidentity::Client::new(&conf),
        sts: aws_sdk_sts::Client::new(&conf),
        logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
        cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
        sns: aws_sdk_sns::Client::new(&conf),
        sqs: aws_sdk_sqs::Client::new(&conf),
        region,
        conf,
        limits,
    })
}

/// The timeouts of every call, with `attempt` for each attempt.
pub fn timeouts(attempt: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(attempt)
        .build()
}

fn no_credentials(cause: String) -> InputError {
    InputError::Flag {
        flag: "--profile",
        message: format!("no AWS credentials found ({cause})\n  hint: pass --profile NAME, run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
    }
}

/// A region name such as `us-east-1` or `ap-southeast-2` (checked for shape
/// only, so new regions keep working).
pub fn check_region(region: &str) -> Result<(), InputError> {
    let parts: Vec<&str> = region.split('-').collect();
    let shaped = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if shaped {
        Ok(())
    } else {
        Err(InputError::Flag {
            flag: "--region",
            message: format!("\"{region}\" is not an AWS region name\n  hint: use a name like us-east-1 or eu-west-1 (from --region, AWS_REGION or your profile)"),
        })
    }
}

/// The region of this run, for the hints of failed calls.
static REGION: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Regions launched after 20 March 2019 are off until an account enables
/// them; until then AWS answers every call there as if the credentials were
/// invalid (`InvalidClientTokenId`, `UnrecognizedClientException`).
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// The hint for credentials AWS refused, which in an opt-in region usually
/// means the region is not enabled.
pub fn refused_credentials_hint(region: Option<&str>) -> String {
    match region.filter(|r| OPT_IN_REGIONS.contains(r)) {
        Some(r) => format!(
            "{r} is an opt-in region: until the account enables it, AWS refuses every call there as if the credentials were invalid. Enable it (console: Account → AWS Regions, or `aws account enable-region --region-name {r}`) or pick another --region; if it is enabled, refresh the credentials (`aws sso login`) or pick another --profile"
        ),
        None => "the credentials were refused; refresh them (`aws sso login`) or pick another --profile".to_string(),
    }
}

/// The permission named in AWS's refusal: "User: … is not authorized to
/// perform: lambda:CreateFunction on resource: arn:… because …". IAM may
/// name the resource in words ("on resource: role greeter-dev-exec"), so the
/// resource is all the text up to "because" or "with an explicit deny".
pub fn denied_from_message(message: &str) -> Option<Denied> {
    let after = message.split("perform: ").nth(1)?;
    let iam_action = after
        .split_whitespace()
        .next()?
        .trim_end_matches([',', '.']);
    let resource = after.split("on resource: ").nth(1).map(|r| {
        let end = [" because", " with an explicit deny", "\n"]
            .iter()
            .filter_map(|stop| r.find(stop))
            .min()
            .unwrap_or(r.len());
        r[..end].trim().trim_end_matches([',', '.']).to_string()
    });
    Some(Denied {
        iam_action: iam_action.to_string(),
        resource: resource.filter(|r| !r.is_empty()),
    })
}

/// Cognito's refusal of `SetIdentityPoolRoles` when the caller may not pass
/// the role: `NotAuthorizedException` "Access to Role '<arn>' is forbidden."
pub fn denied_pass_role(code: Option<&str>, message: &str) -> Option<Denied> {
    if code != Some("NotAuthorizedException") {
        return None;
    }
    let role = message
        .split("Access to Role '")
        .nth(1)?
        .split('\'')
        .next()?;
    Some(Denied {
        iam_action: "iam:PassRole".into(),
        resource: Some(role.to_string()),
    })
}

/// The hint for a denied permission: which call, and the policy that allows it.
fn denied_hint(denied: &Denied) -> String {
    let on = denied
        .resource
        .as_deref()
        .map(|r| format!(" on {r}"))
        .unwrap_or_default();
    format!(
        "these credentials may not call {}{on}. `backend-ctl policy deployer` prints the least-privilege IAM policy that runs every backend-ctl command for this project and stage; attach it to this user or role (README: \"A deployer policy\")",
        denied.iam_action
    )
}

const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
];

/// Turns a failed call into an error that names the action and, where it
/// helps, how to fix it.
pub fn failed<E, R>(action: impl Into<String>, err: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let action = action.into();
    let mut denied = None;
    let hint = match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Some(
            "the AWS endpoint did not answer; check the network, --endpoint-url / AWS_ENDPOINT_URL and --region".to_string(),
        ),
        _ => match err.code() {
            Some("ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch") => {
                Some(refused_credentials_hint(REGION.get().map(String::as_str)))
            }
            Some(code) if DENIED_CODES.contains(&code) => {
                let found = denied_from_message(err.message().unwrap_or_default()).unwrap_or(Denied {
                    iam_action: format!("the call made while {action}"),
                    resource: None,
                });
                let hint = denied_hint(&found);
                denied = Some(found);
                Some(hint)
            }
            code => match denied_pass_role(code, err.message().unwrap_or_default()) {
                Some(found) => {
                    let hint = denied_hint(&found);
                    denied = Some(found);
                    Some(hint)
                }
                None => None,
            },
        },
    };
    let cause = match err.code() {
        Some(code) => format!("{code}: {}", err.message().unwrap_or("(no message)")),
        None => DisplayErrorContext(&err).to_string(),
    };
    AwsError {
        action,
        cause,
        hint,
        denied,
    }
}

#[cfg(test)]
mod tests;
