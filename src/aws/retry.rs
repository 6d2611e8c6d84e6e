//! Retrying a call while AWS is still propagating a change it already
//! accepted: named errors only, capped backoff with jitter, within a deadline.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

use crate::progress::Progress;

const FIRST_DELAY: Duration = Duration::from_millis(200);

/// How often a long wait says that it is still waiting, and for how long.
const STILL_WAITING_EVERY: Duration = Duration::from_secs(10);

/// The longest pause between two tries, by how long the wait has lasted.
/// IAM usually catches up within seconds: short pauses at first keep the
/// overshoot (ready → noticed) under half a second; once propagation is
/// clearly slow, longer pauses spare the API.
pub fn cap(elapsed: Duration) -> Duration {
    match elapsed.as_secs() {
        0..=29 => Duration::from_millis(500),
        30..=89 => Duration::from_secs(2),
        _ => Duration::from_secs(5),
    }
}

/// The pause before the next try: grows by half each time up to `cap`, then
/// "equal jitter" (between half and all of it), so that many clients do not
/// retry in step.
pub fn next_delay(previous: Duration, elapsed: Duration, jitter: f64) -> (Duration, Duration) {
    let grown = (previous.mul_f64(1.5)).min(cap(elapsed));
    let slept = grown.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
    (grown, slept)
}

/// Who hears of a wait, and how long it may last: what a call that retries
/// AWS's transient refusals needs.
#[derive(Clone, Copy)]
pub struct Patience<'a> {
    pub progress: &'a Progress,
    pub deadline: Duration,
}

impl<'a> Patience<'a> {
    /// Waits as long as IAM propagation may take (`Limits::propagation_timeout`).
    pub fn new(progress: &'a Progress, limits: &super::Limits) -> Patience<'a> {
        Patience {
            progress,
            deadline: limits.propagation_timeout,
        }
    }

    /// `while_conflicting` with this patience.
    pub async fn while_conflicting<T, E, F, Fut>(
        &self,
        waiting_for: &str,
        is_conflict: impl Fn(&E) -> bool,
        call: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        while_conflicting(self.progress, waiting_for, self.deadline, is_conflict, call).await
    }
}

/// Runs `call` until it succeeds, fails with an error `is_propagating` does
/// not name, or `deadline` passes; says once what it waits for.
pub async fn while_propagating<T, E, F, Fut>(
    progress: &Progress,
    waiting_for: &str,
    deadline: Duration,
    is_propagating: impl Fn(&E) -> bool,
    call: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let note = format!("waiting for {waiting_for} (IAM is eventually consistent)");
    retrying(progress, &note, deadline, is_propagating, call).await
}

/// Like `while_propagating`, for a service that refuses a change while an
/// earlier one to the same resource is still being applied (IAM's
/// `ConcurrentModification`, IAM's `DeleteConflict` right after a role's
/// policies went, CloudWatch Logs' `OperationAbortedException`). The SDKs
/// do not retry these.
pub async fn while_conflicting<T, E, F, Fut>(
    progress: &Progress,
    waiting_for: &str,
    deadline: Duration,
    is_conflict: impl Fn(&E) -> bool,
    call: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let note = format!("waiting for {waiting_for} (AWS is still applying an earlier change)");
    retrying(progress, &note, deadline, is_conflict, call).await
}

/// Whether an SDK error is the service's error with this code: for errors a
/// service answers on operations whose model does not list them.
pub fn has_code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>, code: &str) -> bool {
    e.as_service_error().and_then(|s| s.code()) == Some(code)
}

/// IAM's answer to two changes of one entity at once.
pub fn iam_concurrent<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    has_code(e, "ConcurrentModification")
}

/// CloudWatch Logs' answer to back-to-back changes of one log group.
pub fn logs_aborted<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    has_code(e, "OperationAbortedException")
}

async fn retrying<T, E, F, Fut>(
    progress: &Progress,
    note: &str,
    deadline: Duration,
    is_transient: impl Fn(&E) -> bool,
    mut call: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = Instant::now();
    let mut delay = FIRST_DELAY;
    let mut said: Option<Instant> = None;
    loop {
        match call().await {
            Err(e) if is_transient(&e) && start.elapsed() < deadline => {
                match said {
                    None => {
                        progress.note(note);
                        said = Some(Instant::now());
                    }
                    Some(last) if last.elapsed() >= STILL_WAITING_EVERY => {
                        progress.note(&format!(
                            "still waiting: {} s of at most {} s",
                            start.elapsed().as_secs(),
                            deadline.as_secs()
                        ));
                        said = Some(Instant::now());
                    }
                    Some(_) => {}
                }
                let (grown, pause) = next_delay(delay, start.elapsed(), fastrand::f64());
                delay = grown;
                let left = deadline.saturating_sub(start.elapsed());
                tokio::time::sleep(pause.min(left)).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests;
