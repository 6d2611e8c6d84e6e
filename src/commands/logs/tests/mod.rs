//! Unit tests of `logs`: reading --since, printing lines, and never
//! printing an event twice across polls.

use super::*;

const NOW: i64 = 1_790_000_000_000;

fn event(id: &str, timestamp: i64, message: &str) -> Event {
    Event {
        id: id.into(),
        timestamp,
        stream: "2026/11/25/[$LATEST]0123".into(),
        message: message.into(),
    }
}

#[test]
fn since_takes_durations_back_from_now() {
    assert_eq!(parse_since("10m", NOW).unwrap(), NOW - 600_000);
    assert_eq!(parse_since("2h", NOW).unwrap(), NOW - 7_200_000);
    assert_eq!(parse_since("1d", NOW).unwrap(), NOW - 86_400_000);
    assert_eq!(parse_since("30s", NOW).unwrap(), NOW - 30_000);
}

#[test]
fn since_takes_rfc3339_times() {
    assert_eq!(
        parse_since("2026-11-25T09:00:00Z", NOW).unwrap(),
        1_795_597_200_000
    );
    assert_eq!(
        parse_since("2026-11-25T09:00:00.250Z", NOW).unwrap(),
        1_795_597_200_250
    );
}

#[test]
fn bad_since_values_name_the_flag_and_the_fix() {
    for bad in [
        "",
        "ten minutes",
        "10x",
        "2026-13-45T00:00:00Z",
        "yesterday",
        "-5m",
    ] {
        let err = parse_since(bad, NOW).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("invalid --since:"), "{bad:?}: {text}");
        assert!(text.contains("hint:"), "{bad:?}: {text}");
    }
}

#[test]
fn lines_show_the_time_and_the_message_without_lambdas_newline() {
    let e = event(
        "1",
        1_795_597_200_123,
        "START RequestId: abc Version: $LATEST\n",
    );
    assert_eq!(
        render(&e, Output::Text),
        "2026-11-25T09:00:00.123Z  START RequestId: abc Version: $LATEST"
    );
    let json: serde_json::Value = serde_json::from_str(&render(&e, Output::Json)).unwrap();
    assert_eq!(json["message"], "START RequestId: abc Version: $LATEST");
    assert_eq!(json["timestamp"], 1_795_597_200_123_i64);
    assert_eq!(json["id"], "1");
}

#[test]
fn an_event_seen_in_an_earlier_poll_is_not_printed_again() {
    let mut seen = HashMap::new();
    let (new, newest) = fresh(
        &mut seen,
        vec![event("a", 1000, "x"), event("b", 2000, "y")],
    );
    assert_eq!(new.len(), 2);
    assert_eq!(newest, Some(2000));
    // The next poll starts before the newest line, so it sees b again, and a
    // late line from another stream with an older timestamp.
    let (new, newest) = fresh(
        &mut seen,
        vec![
            event("late", 1500, "z"),
            event("b", 2000, "y"),
            event("c", 2500, "w"),
        ],
    );
    let ids: Vec<&str> = new.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["late", "c"]);
    assert_eq!(newest, Some(2500));
}

#[test]
fn ids_older_than_the_lookback_are_forgotten() {
    let mut seen = HashMap::new();
    fresh(&mut seen, vec![event("old", 0, "x")]);
    fresh(&mut seen, vec![event("new", LOOKBACK_MS + 1, "y")]);
    assert!(!seen.contains_key("old"));
    assert!(seen.contains_key("new"));
}
