//! Retrying a call while AWS is still propagating a change it already
//! accepted: named errors only, exponential backoff, within a deadline.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::progress::Progress;

const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(5);

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
            Err(e) if is_propagating(&e) && start.elapsed() + delay < deadline => {
                if !said {
                    progress.note(&format!(
                        "waiting for {waiting_for} (IAM is eventually consistent)"
                    ));
                    said = true;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_DELAY);
            }
            other => return other,
        }
    }
}
