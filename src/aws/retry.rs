//! Retrying a call while AWS is still propagating a change it already
//! accepted: named errors only, capped backoff with jitter, within a deadline.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::progress::Progress;

const FIRST_DELAY: Duration = Duration::from_millis(200);

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

/// Runs `call` until it succeeds, fails with an error `is_propagating` does
/// not name, or `deadline` passes; says once what it waits for.
pub async fn while_propagating<T, E, F, Fut>(
    progress: &Progress,
    waiting_for: &str,
    deadline: Duration,
    is_propagating: impl Fn(&E) -> bool,
    mut call: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = Instant::now();
    let mut delay = FIRST_DELAY;
    let mut said = false;
    loop {
        match call().await {
            Err(e) if is_propagating(&e) && start.elapsed() < deadline => {
                if !said {
                    progress.note(&format!(
                        "waiting for {waiting_for} (IAM is eventually consistent)"
                    ));
                    said = true;
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
