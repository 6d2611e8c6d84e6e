//! Reading a function: its configuration, tags and reservation, as `FunctionState`.

use std::collections::BTreeMap;

use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use aws_sdk_lambda::types::FunctionConfiguration;
use aws_sdk_lambda::Client;

use crate::aws::failed;
use crate::error::AwsError;
use crate::observed::FunctionState;

/// A function's (or a version's) code and configuration, as Lambda
/// describes them; its tags and reservation are not part of it.
pub fn configuration_state(c: &FunctionConfiguration) -> FunctionState {
    FunctionState {
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
        reserved_concurrency: None,
        tags: BTreeMap::new(),
        state: c
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        last_update_status: c
            .last_update_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        code_size: c.code_size(),
    }
}

fn state_of(out: &GetFunctionOutput) -> Option<FunctionState> {
    Some(FunctionState {
        reserved_concurrency: out
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        tags: out
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        ..configuration_state(out.configuration()?)
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
            denied: None,
        }),
        Ok(out) => Ok(state_of(&out)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(failed(action, e)),
    }
}
