//! Waiting out Lambda's asynchronous states with the SDK's waiters, within
//! a stated limit, and reporting Lambda's own reason when they fail.

use std::time::Duration;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::Client;
use aws_smithy_runtime_api::client::waiters::error::WaiterError;

use super::read::find;
use crate::error::AwsError;
use crate::progress::Progress;

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
                denied: None,
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
                denied: None,
            })
        }
        Err(WaiterError::OperationFailed(e)) => Err(crate::aws::failed(action, e.into_error())),
        Err(e) => Err(AwsError {
            action,
            cause: aws_sdk_lambda::error::DisplayErrorContext(&e).to_string(),
            hint: None,
            denied: None,
        }),
    }
}
