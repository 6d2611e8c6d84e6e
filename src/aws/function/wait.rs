//! Waiting out Lambda's asynchronous states within a stated limit, and
//! reporting Lambda's own reason when they fail. It polls `GetFunction` as
//! the SDK's waiters do, but soon at first: an update of a zip function
//! usually ends within a second, and the SDK's waiters wait a whole second
//! (at least) before their second look.

use std::time::{Duration, Instant};

use aws_sdk_lambda::types::FunctionConfiguration;
use aws_sdk_lambda::Client;

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

/// The pauses between looks, in ms; the last one repeats.
const PAUSES_MS: [u64; 6] = [100, 200, 400, 800, 1600, 2000];

/// What a look at the function says of the state waited for.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Done,
    Failed(String),
    Busy(String),
}

fn seen(what: Wait, config: Option<&FunctionConfiguration>) -> Seen {
    let Some(c) = config else {
        return Seen::Busy("no configuration yet".into());
    };
    let (status, reason, done, kind) = match what {
        Wait::Active => (
            c.state().map(|s| s.as_str()),
            c.state_reason(),
            "Active",
            "state",
        ),
        Wait::Updated => (
            c.last_update_status().map(|s| s.as_str()),
            c.last_update_status_reason(),
            "Successful",
            "last update",
        ),
    };
    match status {
        Some(s) if s == done => Seen::Done,
        Some("Failed") => Seen::Failed(format!(
            "{kind} Failed: {}",
            reason.unwrap_or("(no reason given)")
        )),
        other => Seen::Busy(format!("{kind} {}", other.unwrap_or("unknown"))),
    }
}

/// Waits until the function is in the state `what` names, up to `limit`;
/// on failure reports Lambda's reason.
pub async fn wait(
    lambda: &Client,
    progress: &Progress,
    name: &str,
    what: Wait,
    limit: Duration,
) -> Result<(), AwsError> {
    let label = match what {
        Wait::Active => "to become Active",
        Wait::Updated => "to finish updating",
    };
    let action = format!("waiting for Lambda Function ({name}) {label}");
    let started = Instant::now();
    let mut pauses = PAUSES_MS
        .iter()
        .copied()
        .chain(std::iter::repeat(PAUSES_MS[PAUSES_MS.len() - 1]));
    loop {
        let out = lambda
            .get_function()
            .function_name(name)
            .send()
            .await
            .map_err(|e| crate::aws::failed(action.clone(), e))?;
        let last = match seen(what, out.configuration()) {
            Seen::Done => return Ok(()),
            Seen::Failed(cause) => {
                return Err(AwsError {
                    action,
                    cause,
                    hint: None,
                    denied: None,
                })
            }
            Seen::Busy(last) => last,
        };
        let pause = Duration::from_millis(pauses.next().unwrap_or(2000));
        if started.elapsed() + pause > limit {
            progress.note(&format!("Lambda Function ({name}) is still not ready"));
            return Err(AwsError {
                action,
                cause: format!("still not done after {} s ({last})", limit.as_secs()),
                hint: Some(
                    "run the same command again later; it picks up where this one stopped".into(),
                ),
                denied: None,
            });
        }
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests;
