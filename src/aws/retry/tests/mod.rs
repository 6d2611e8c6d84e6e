//! Unit tests of the propagation backoff: its cap bounds the overshoot.

use super::*;

#[test]
fn the_pause_never_exceeds_half_a_second_in_the_first_thirty_seconds() {
    let mut delay = FIRST_DELAY;
    let mut elapsed = Duration::ZERO;
    while elapsed < Duration::from_secs(30) {
        for jitter in [0.0, 0.5, 1.0] {
            let (_, pause) = next_delay(delay, elapsed, jitter);
            assert!(
                pause <= Duration::from_millis(500),
                "{pause:?} at {elapsed:?}"
            );
            assert!(
                pause >= Duration::from_millis(100),
                "{pause:?} at {elapsed:?}"
            );
        }
        let (grown, pause) = next_delay(delay, elapsed, 1.0);
        delay = grown;
        elapsed += pause;
    }
}

#[test]
fn the_pause_grows_once_propagation_is_clearly_slow() {
    let (grown, pause) = next_delay(Duration::from_secs(4), Duration::from_secs(120), 1.0);
    assert_eq!(grown, Duration::from_secs(5));
    assert_eq!(pause, Duration::from_secs(5));
    let (_, pause) = next_delay(Duration::from_secs(4), Duration::from_secs(120), 0.0);
    assert_eq!(pause, Duration::from_millis(2500));
}

#[test]
fn jitter_spreads_the_pause_between_half_and_all_of_the_delay() {
    let (grown, low) = next_delay(Duration::from_millis(400), Duration::ZERO, 0.0);
    let (_, high) = next_delay(Duration::from_millis(400), Duration::ZERO, 1.0);
    assert_eq!(grown, Duration::from_millis(500));
    assert_eq!(low, Duration::from_millis(250));
    assert_eq!(high, Duration::from_millis(500));
}

/// A service error of DeleteRole with this code, as the SDK builds it from an answer.
fn delete_role_error(
    code: &str,
) -> SdkError<
    aws_sdk_iam::operation::delete_role::DeleteRoleError,
    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
> {
    let meta = aws_sdk_iam::error::ErrorMetadata::builder()
        .code(code)
        .build();
    let response = aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(409).unwrap(),
        aws_smithy_types::body::SdkBody::empty(),
    );
    SdkError::service_error(
        aws_sdk_iam::operation::delete_role::DeleteRoleError::generic(meta),
        response,
    )
}

#[test]
fn conflicts_are_recognised_by_their_service_codes() {
    assert!(iam_concurrent(&delete_role_error("ConcurrentModification")));
    assert!(!iam_concurrent(&delete_role_error("NoSuchEntity")));
    assert!(logs_aborted(&delete_role_error(
        "OperationAbortedException"
    )));
    assert!(!logs_aborted(&delete_role_error("ConcurrentModification")));
}

#[tokio::test]
async fn a_conflict_is_retried_until_it_passes_and_others_are_not() {
    let progress = Progress::new(true);
    let patience = Patience {
        progress: &progress,
        deadline: Duration::from_secs(5),
    };
    let calls = std::sync::atomic::AtomicU32::new(0);
    let out = patience
        .while_conflicting(
            "a test",
            |e: &&str| *e == "busy",
            || {
                let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async move {
                    if n < 2 {
                        Err("busy")
                    } else {
                        Ok(n)
                    }
                }
            },
        )
        .await;
    assert_eq!(out, Ok(2));
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    // Another error ends the wait at once.
    let out: Result<u32, &str> = patience
        .while_conflicting(
            "a test",
            |e: &&str| *e == "busy",
            || async { Err("denied") },
        )
        .await;
    assert_eq!(out, Err("denied"));
}

#[tokio::test]
async fn a_conflict_that_outlasts_the_deadline_is_returned() {
    let progress = Progress::new(true);
    let patience = Patience {
        progress: &progress,
        deadline: Duration::from_millis(300),
    };
    let started = std::time::Instant::now();
    let out: Result<(), &str> = patience
        .while_conflicting("a test", |e: &&str| *e == "busy", || async { Err("busy") })
        .await;
    assert_eq!(out, Err("busy"));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
