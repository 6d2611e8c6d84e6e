//! The app's path, taken for real: an unauthenticated Cognito identity
//! (`GetId`, unsigned), its temporary credentials (`GetCredentialsForIdentity`,
//! unsigned), and Lambda `Invoke` signed with those credentials, not ours.

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentity::Client as Cognito;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use aws_types::SdkConfig;
use base64::Engine;

use super::retry;
use crate::error::AwsError;
use crate::progress::Progress;

/// What the function answered.
#[derive(Debug, Clone)]
pub struct Invoked {
    pub status: i32,
    /// `X-Amz-Function-Error`, when the function failed.
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
    /// The end of the invocation's log (`LogType: Tail`), decoded.
    pub log_tail: Option<String>,
}

/// A new unauthenticated identity in the pool (`GetId` needs no credentials).
pub async fn identity(cognito: &Cognito, pool_id: &str) -> Result<String, AwsError> {
    let out = cognito
        .get_id()
        .identity_pool_id(pool_id)
        .send()
        .await
        .map_err(|e| {
            super::failed(
                format!("getting an identity from Cognito Identity Pool ({pool_id})"),
                e,
            )
        })?;
    out.identity_id()
        .map(str::to_string)
        .ok_or_else(|| AwsError {
            action: format!("getting an identity from Cognito Identity Pool ({pool_id})"),
            cause: "GetId returned no IdentityId".into(),
            hint: None,
            denied: None,
        })
}

/// The identity's temporary credentials, retrying while a fresh role
/// attachment propagates.
pub async fn credentials(
    cognito: &Cognito,
    progress: &Progress,
    identity_id: &str,
    propagation: Duration,
) -> Result<Credentials, AwsError> {
    let action = format!("getting credentials for identity {identity_id}");
    let out = retry::while_propagating(
        progress,
        "the identity pool's role attachment to propagate",
        propagation,
        |e: &aws_sdk_cognitoidentity::error::SdkError<_, _>| {
            e.as_service_error()
                .is_some_and(|s: &aws_sdk_cognitoidentity::operation::get_credentials_for_identity::GetCredentialsForIdentityError| {
                    s.is_invalid_identity_pool_configuration_exception()
                })
        },
        || cognito.get_credentials_for_identity().identity_id(identity_id).send(),
    )
    .await
    .map_err(|e| {
        let unconfigured = e.as_service_error().is_some_and(|s| {
            s.is_invalid_identity_pool_configuration_exception()
        });
        let mut error = super::failed(action.clone(), e);
        if unconfigured {
            error.hint = Some("the pool has no role for unauthenticated identities: `backend-ctl up` attaches it".into());
        }
        error
    })?;
    let missing = |what: &str| AwsError {
        action: action.clone(),
        cause: format!("the answer has no {what}"),
        hint: None,
        denied: None,
    };
    let c = out.credentials().ok_or_else(|| missing("Credentials"))?;
    Ok(Credentials::new(
        c.access_key_id().ok_or_else(|| missing("AccessKeyId"))?,
        c.secret_key().ok_or_else(|| missing("SecretKey"))?,
        c.session_token().map(str::to_string),
        None,
        "cognito-unauthenticated",
    ))
}

/// What to send and how long to wait for IAM.
#[derive(Debug, Clone)]
pub struct Request {
    pub function: String,
    pub payload: Vec<u8>,
    pub asynchronous: bool,
    /// Ask for the invocation's log tail (`LogType: Tail`, synchronous only).
    pub tail_logs: bool,
    pub function_timeout: Duration,
    /// How long a fresh permission may take to propagate (as long as `up` waits).
    pub propagation: Duration,
}

/// Invokes the function with the identity's credentials. `AccessDeniedException`
/// is not a modeled error of `Invoke`, so it is recognised by its error code;
/// right after `up` it means IAM has not caught up yet.
///
/// An invocation runs the function: it is never retried by the SDK (a retry
/// after a timeout would run it twice), and one attempt may last as long as
/// the function's own timeout, plus a margin.
pub async fn invoke(
    conf: &SdkConfig,
    progress: &Progress,
    credentials: Credentials,
    request: &Request,
) -> Result<Invoked, AwsError> {
    let Request {
        function,
        payload,
        asynchronous,
        tail_logs,
        function_timeout,
        propagation,
    } = request;
    let lambda = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(conf)
            .credentials_provider(credentials)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .timeout_config(super::timeouts(*function_timeout + Duration::from_secs(10)))
            .build(),
    );
    let kind = if *asynchronous {
        InvocationType::Event
    } else {
        InvocationType::RequestResponse
    };
    let out = retry::while_propagating(
        progress,
        "the unauthenticated role's permission to propagate",
        *propagation,
        |e: &aws_sdk_lambda::error::SdkError<_, _>| {
            e.as_service_error().is_some_and(
                |s: &aws_sdk_lambda::operation::invoke::InvokeError| {
                    s.code() == Some("AccessDeniedException")
                },
            )
        },
        || {
            lambda
                .invoke()
                .function_name(function)
                .invocation_type(kind.clone())
                .set_log_type((*tail_logs && !*asynchronous).then_some(LogType::Tail))
                .payload(Blob::new(payload.clone()))
                .send()
        },
    )
    .await
    .map_err(|e| {
        let mut error = super::failed(
            format!("invoking Lambda Function ({function}) as an unauthenticated app user"),
            e,
        );
        // The refused caller is the app's identity, not these credentials:
        // the deployer policy is not the fix, the app's own permission is.
        if error.cause.contains("TooManyRequestsException") {
            error.hint = Some(format!(
                "Lambda throttled the call: {function} is paused (`backend-ctl resume` lets calls in) or at its reserved concurrency (`backend-ctl status` shows which)"
            ));
        }
        if error.denied.is_some() {
            error.hint = Some(format!(
                "the app's identity (the pool's unauthenticated role) may not invoke {function}: its invoke policy or the pool's role is missing or changed. `backend-ctl plan` shows the drift; `backend-ctl up` puts them back"
            ));
        }
        error
    })?;
    Ok(Invoked {
        status: out.status_code(),
        function_error: out.function_error().map(str::to_string),
        payload: out
            .payload()
            .map(|b| b.as_ref().to_vec())
            .unwrap_or_default(),
        log_tail: out.log_result().and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .ok()
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        }),
    })
}

/// How a replayed event went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    Succeeded,
    /// The function failed again: its error type and answer.
    Failed {
        error: String,
        payload: String,
    },
    /// Lambda throttled the call (`TooManyRequestsException`): nothing ran.
    Throttled,
}

/// Runs `function` (the alias the app calls) once with an event that failed
/// before, synchronously and with these (the deployer's) credentials. Never
/// retried by the SDK: a retry after a lost answer would run it twice.
pub async fn replay(
    conf: &SdkConfig,
    function: &str,
    payload: Vec<u8>,
    function_timeout: Duration,
) -> Result<Replayed, AwsError> {
    let lambda = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(conf)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .timeout_config(super::timeouts(function_timeout + Duration::from_secs(10)))
            .build(),
    );
    match lambda
        .invoke()
        .function_name(function)
        .invocation_type(InvocationType::RequestResponse)
        .payload(Blob::new(payload))
        .send()
        .await
    {
        Ok(out) => Ok(match out.function_error() {
            None => Replayed::Succeeded,
            Some(error) => Replayed::Failed {
                error: error.to_string(),
                payload: out
                    .payload()
                    .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
                    .unwrap_or_default(),
            },
        }),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_too_many_requests_exception()) =>
        {
            Ok(Replayed::Throttled)
        }
        Err(e) => Err(super::failed(
            format!("replaying a failed event on Lambda Function ({function})"),
            e,
        )),
    }
}
