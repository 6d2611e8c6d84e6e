//! The Lambda function: configuration, code, reserved concurrency and the
//! waits that Lambda's asynchronous states require.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::create_function::CreateFunctionError;
use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::operation::update_function_code::UpdateFunctionCodeError;
use aws_sdk_lambda::operation::update_function_configuration::UpdateFunctionConfigurationError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture as LambdaArch, Environment, FunctionCode, Runtime};
use aws_sdk_lambda::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::waiters::error::WaiterError;

use crate::config::Architecture;
use crate::desired::{Code, FunctionSpec};
use crate::error::AwsError;
use crate::observed::FunctionState;
use crate::progress::Progress;

use super::{retry, Limits};

fn arch(a: Architecture) -> LambdaArch {
    match a {
        Architecture::X86_64 => LambdaArch::X8664,
        Architecture::Arm64 => LambdaArch::Arm64,
    }
}

fn state_of(out: &GetFunctionOutput) -> Option<FunctionState> {
    let c = out.configuration()?;
    Some(FunctionState {
        arn: c.function_arn().unwrap_or_default().to_string(),
        runtime: c
            .runtime()
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        handler: c.handler().unwrap_or_default().to_string(),
        architecture: c
            .architectures()
            .first()
            .map(|a| a.as_str().to_string())
            .unwrap_or_else(|| "x86_64".into()),
        memory_mb: c.memory_size().unwrap_or_default(),
        timeout_s: c.timeout().unwrap_or_default(),
        environment: c
            .environment()
            .and_then(|e| e.variables())
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        role: c.role().unwrap_or_default().to_string(),
        code_sha256: c.code_sha256().unwrap_or_default().to_string(),
        reserved_concurrency: out
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        tags: out
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        state: c
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        last_update_status: c
            .last_update_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    })
}

/// Reads the function, its tags and its concurrency in one call; a missing
/// function is `None`.
pub async fn find(lambda: &Client, name: &str) -> Result<Option<FunctionState>, AwsError> {
    let action = format!("reading Lambda Function ({name})");
    match lambda.get_function().function_name(name).send().await {
        // Without lambda:ListTags, GetFunction leaves the tags out and says
        // why: our own function would look foreign, so stop here instead.
        Ok(out) if out.tags_error().is_some() => Err(AwsError {
            action,
            cause: out
                .tags_error()
                .map(|t| format!("Lambda did not return the function's tags ({}: {})", t.error_code(), t.message()))
                .unwrap_or_default(),
            hint: Some("backend-ctl knows its resources by their tags: allow lambda:ListTags to these credentials".into()),
        }),
        Ok(out) => Ok(state_of(&out)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(super::failed(action, e)),
    }
}

fn environment(spec: &FunctionSpec) -> Environment {
    let vars: HashMap<String, String> = spec.environment.clone().into_iter().collect();
    Environment::builder().set_variables(Some(vars)).build()
}

/// Right after its role is created or changed, Lambda cannot assume it yet:
/// an `InvalidParameterValueException` whose message says so (the error type
/// alone also covers real mistakes, which must not be retried).
fn role_not_ready(invalid_parameter: bool, message: Option<&str>) -> bool {
    invalid_parameter && message.is_some_and(|m| m.contains("cannot be assumed by Lambda"))
}

/// Creates the function with its code and tags, retrying while the new role
/// propagates; returns its ARN.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    lambda: &Client,
    progress: &Progress,
    limits: &Limits,
    name: &str,
    spec: &FunctionSpec,
    role_arn: &str,
    code: &Code,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let tags: HashMap<String, String> = tags.clone().into_iter().collect();
    let out = retry::while_propagating(
        progress,
        &format!("IAM role {role_arn} to be assumable by Lambda"),
        limits.propagation_timeout,
        |e: &SdkError<CreateFunctionError, HttpResponse>| {
            e.as_service_error().is_some_and(|s| {
                role_not_ready(s.is_invalid_parameter_value_exception(), s.message())
            })
        },
        || {
            lambda
                .create_function()
                .function_name(name)
                .runtime(Runtime::from(spec.runtime.as_str()))
                .handler(&spec.handler)
                .role(role_arn)
                .architectures(arch(spec.architecture))
                .memory_size(spec.memory_mb as i32)
                .timeout(spec.timeout_s as i32)
                .environment(environment(spec))
                .description("Managed by backend-ctl")
                .code(
                    FunctionCode::builder()
                        .zip_file(Blob::new(code.zip.clone()))
                        .build(),
                )
                .set_tags(Some(tags.clone()))
                .customize()
                .config_override(upload_config(limits))
                .send()
        },
    )
    .await;
    match out {
        Ok(out) => Ok(out.function_arn().unwrap_or_default().to_string()),
        // A retry of a create whose answer was lost: adopt it if it is ours.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_conflict_exception()) =>
        {
            match find(lambda, name).await? {
                Some(found) if owned(&found.tags, &tags) => Ok(found.arn),
                _ => Err(super::failed(
                    format!("creating Lambda Function ({name})"),
                    e,
                )),
            }
        }
        Err(e) => Err(super::failed(
            format!("creating Lambda Function ({name})"),
            e,
        )),
    }
}

/// Whether every tag we set is on the resource.
fn owned(found: &BTreeMap<String, String>, ours: &HashMap<String, String>) -> bool {
    ours.iter().all(|(k, v)| found.get(k) == Some(v))
}

/// Code uploads may be large: they get a longer attempt timeout.
fn upload_config(limits: &Limits) -> aws_sdk_lambda::config::Builder {
    aws_sdk_lambda::config::Builder::default().timeout_config(super::timeouts(
        limits.upload_timeout.max(limits.attempt_timeout),
    ))
}

/// Puts the configuration back, retrying while a changed role propagates or
/// a previous update is still in progress.
pub async fn update_config(
    lambda: &Client,
    progress: &Progress,
    limits: &Limits,
    name: &str,
    spec: &FunctionSpec,
    role_arn: &str,
) -> Result<(), AwsError> {
    retry::while_propagating(
        progress,
        &format!("Lambda Function ({name}) to accept the new configuration"),
        limits.propagation_timeout,
        |e: &SdkError<UpdateFunctionConfigurationError, HttpResponse>| {
            e.as_service_error().is_some_and(|s| {
                role_not_ready(s.is_invalid_parameter_value_exception(), s.message())
                    || s.is_resource_conflict_exception()
            })
        },
        || {
            lambda
                .update_function_configuration()
                .function_name(name)
                .runtime(Runtime::from(spec.runtime.as_str()))
                .handler(&spec.handler)
                .role(role_arn)
                .memory_size(spec.memory_mb as i32)
                .timeout(spec.timeout_s as i32)
                .environment(environment(spec))
                .send()
        },
    )
    .await
    .map_err(|e| {
        super::failed(
            format!("updating Lambda Function ({name}) configuration"),
            e,
        )
    })?;
    Ok(())
}

/// Uploads new code (and the architecture that goes with it); returns the new `CodeSha256`.
pub async fn update_code(
    lambda: &Client,
    progress: &Progress,
    limits: &Limits,
    name: &str,
    code: &Code,
    architecture: Architecture,
) -> Result<String, AwsError> {
    let out = retry::while_propagating(
        progress,
        &format!("Lambda Function ({name}) to finish its previous update"),
        limits.propagation_timeout,
        |e: &SdkError<UpdateFunctionCodeError, HttpResponse>| {
            e.as_service_error()
                .is_some_and(|s| s.is_resource_conflict_exception())
        },
        || {
            lambda
                .update_function_code()
                .function_name(name)
                .zip_file(Blob::new(code.zip.clone()))
                .architectures(arch(architecture))
                .customize()
                .config_override(upload_config(limits))
                .send()
        },
    )
    .await
    .map_err(|e| super::failed(format!("updating Lambda Function ({name}) code"), e))?;
    Ok(out.code_sha256().unwrap_or_default().to_string())
}

/// Sets the reserved concurrency: the cap on what anonymous callers can run up.
pub async fn put_concurrency(lambda: &Client, name: &str, reserved: u32) -> Result<(), AwsError> {
    let action = format!("setting Lambda Function ({name}) reserved concurrency to {reserved}");
    match lambda
        .put_function_concurrency()
        .function_name(name)
        .reserved_concurrent_executions(reserved as i32)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        // The account cannot spare it: Lambda keeps 100 executions unreserved.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_invalid_parameter_value_exception()) =>
        {
            let mut error = super::failed(action, e);
            error.hint = Some(
                "lower function.reserved_concurrency in the config, or ask AWS (Service Quotas) for more \"Concurrent executions\": new accounts start with 10, and 100 must stay unreserved".into(),
            );
            Err(error)
        }
        Err(e) => Err(super::failed(action, e)),
    }
}

/// Deletes the function; a missing function is success.
pub async fn delete(lambda: &Client, name: &str) -> Result<(), AwsError> {
    match lambda.delete_function().function_name(name).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(
            format!("deleting Lambda Function ({name})"),
            e,
        )),
    }
}

/// Which of Lambda's asynchronous states to wait out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// `State` `Pending` → `Active`, after create.
    Active,
    /// `LastUpdateStatus` `InProgress` → `Successful`, after an update.
    Updated,
}

/// Waits with the SDK's waiter, up to `limit`; on failure reports Lambda's reason.
pub async fn wait(
    lambda: &Client,
    progress: &Progress,
    name: &str,
    what: Wait,
    limit: Duration,
) -> Result<(), AwsError> {
    let (label, result) = match what {
        Wait::Active => (
            "to become Active",
            lambda
                .wait_until_function_active_v2()
                .function_name(name)
                .wait(limit)
                .await
                .map(|_| ()),
        ),
        Wait::Updated => (
            "to finish updating",
            lambda
                .wait_until_function_updated_v2()
                .function_name(name)
                .wait(limit)
                .await
                .map(|_| ()),
        ),
    };
    let action = format!("waiting for Lambda Function ({name}) {label}");
    match result {
        Ok(()) => Ok(()),
        Err(WaiterError::FailureState(f)) => {
            let reason = f
                .final_poll()
                .as_result()
                .ok()
                .and_then(|out| out.configuration())
                .map(|c| match what {
                    Wait::Active => format!(
                        "state {}: {}",
                        c.state().map(|s| s.as_str()).unwrap_or("?"),
                        c.state_reason().unwrap_or("(no reason given)")
                    ),
                    Wait::Updated => format!(
                        "last update {}: {}",
                        c.last_update_status().map(|s| s.as_str()).unwrap_or("?"),
                        c.last_update_status_reason().unwrap_or("(no reason given)")
                    ),
                })
                .unwrap_or_else(|| "Lambda reported a failed state".into());
            Err(AwsError {
                action,
                cause: reason,
                hint: None,
            })
        }
        Err(WaiterError::ExceededMaxWait(_)) => {
            let now = find(lambda, name).await.ok().flatten();
            let state = now
                .map(|f| format!("state {}, last update {}", f.state, f.last_update_status))
                .unwrap_or_else(|| "state unknown".into());
            progress.note(&format!("Lambda Function ({name}) is still not ready"));
            Err(AwsError {
                action,
                cause: format!("still not done after {} s ({state})", limit.as_secs()),
                hint: Some(
                    "run the same command again later; it picks up where this one stopped".into(),
                ),
            })
        }
        Err(WaiterError::OperationFailed(e)) => Err(super::failed(action, e.into_error())),
        Err(e) => Err(AwsError {
            action,
            cause: aws_sdk_lambda::error::DisplayErrorContext(&e).to_string(),
            hint: None,
        }),
    }
}
