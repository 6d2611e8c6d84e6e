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
