//! The Lambda function: configuration, code, reserved concurrency and the
//! waits that Lambda's asynchronous states require.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::create_function::CreateFunctionError;
use aws_sdk_lambda::operation::update_function_code::UpdateFunctionCodeError;
use aws_sdk_lambda::operation::update_function_configuration::UpdateFunctionConfigurationError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture as LambdaArch, Environment, FunctionCode, Runtime};
use aws_sdk_lambda::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::config::Architecture;
use crate::desired::{Code, FunctionSpec};
use crate::error::AwsError;
use crate::progress::Progress;

use super::{retry, Limits};

mod read;
mod wait;

pub use read::{configuration_state, find};
pub use wait::{wait, Wait};

fn arch(a: Architecture) -> LambdaArch {
    match a {
        Architecture::X86_64 => LambdaArch::X8664,
        Architecture::Arm64 => LambdaArch::Arm64,
    }
}

fn environment(spec: &FunctionSpec) -> Environment {
    let vars: HashMap<String, String> = spec.environment.clone().into_iter().collect();
    Environment::builder().set_variables(Some(vars)).build()
}

/// Right after its role is created or changed, Lambda cannot use it yet: an
/// `InvalidParameterValueException` whose message says so (the error type
/// alone also covers real mistakes, which must not be retried). Two messages
/// mean IAM propagation, as the Terraform provider retries them (PR 5849):
/// the role "cannot be assumed by Lambda", and, for a function with
/// environment variables, "Lambda was unable to configure access to your
/// environment variables because the KMS key is invalid for CreateGrant"
/// (the grant names the role's not-yet-visible principal).
pub fn role_not_ready(invalid_parameter: bool, message: Option<&str>) -> bool {
    const PROPAGATING: [&str; 2] = [
        "cannot be assumed by Lambda",
        "KMS key is invalid for CreateGrant",
    ];
    invalid_parameter && message.is_some_and(|m| PROPAGATING.iter().any(|p| m.contains(p)))
}

/// The hint for a memory size the account refuses: new accounts are held
/// at 3008 MB until AWS raises their quota.
fn memory_hint(message: Option<&str>) -> Option<String> {
    message.filter(|m| m.contains("MemorySize")).map(|_| {
        "this account does not allow that much memory yet: new AWS accounts are limited to 3008 MB until AWS raises the quota; lower function.memory_mb to 3008 or less, or ask AWS Support (Service Quotas) for more Lambda memory".to_string()
    })
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
        Err(e) => {
            let hint = memory_hint(e.message());
            let mut error = super::failed(format!("creating Lambda Function ({name})"), e);
            error.hint = hint.or(error.hint);
            Err(error)
        }
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
        let hint = memory_hint(e.message());
        let mut error = super::failed(
            format!("updating Lambda Function ({name}) configuration"),
            e,
        );
        error.hint = hint.or(error.hint);
        error
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

/// What became of a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserved {
    Done,
    /// The account cannot spare it (AWS keeps min(100, limit) unreserved):
    /// Lambda's message.
    AccountCannotSpare(String),
}

/// Sets the reserved concurrency: the cap on what anonymous callers can run up.
pub async fn put_concurrency(
    lambda: &Client,
    name: &str,
    reserved: u32,
) -> Result<Reserved, AwsError> {
    let action = format!("setting Lambda Function ({name}) reserved concurrency to {reserved}");
    match lambda
        .put_function_concurrency()
        .function_name(name)
        .reserved_concurrent_executions(reserved as i32)
        .send()
        .await
    {
        Ok(_) => Ok(Reserved::Done),
        // "… decreases account's UnreservedConcurrentExecution below its
        // minimum value of [10]": the one InvalidParameterValue this call
        // has for a valid number.
        Err(e)
            if e.as_service_error().is_some_and(|s| {
                s.is_invalid_parameter_value_exception()
                    && s.message()
                        .is_some_and(|m| m.contains("UnreservedConcurrentExecution"))
            }) =>
        {
            Ok(Reserved::AccountCannotSpare(
                e.message().unwrap_or_default().to_string(),
            ))
        }
        Err(e) => Err(super::failed(action, e)),
    }
}

/// Removes the reservation (the config no longer asks for one).
pub async fn delete_concurrency(lambda: &Client, name: &str) -> Result<(), AwsError> {
    match lambda
        .delete_function_concurrency()
        .function_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(
            format!("removing Lambda Function ({name}) reserved concurrency"),
            e,
        )),
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
