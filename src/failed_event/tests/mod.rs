use super::*;

const RECORD: &str = r#"{
    "version": "1.0",
    "timestamp": "2026-12-07T10:00:00.000Z",
    "requestContext": {
        "requestId": "e4b46cbf-b738-4fdb-8c5c-5ad0b2a7a5e4",
        "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev:live",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3
    },
    "requestPayload": {"order": 42, "note": "a long enough note to be cut short"},
    "responseContext": {"statusCode": 200, "executedVersion": "7", "functionError": "Unhandled"},
    "responsePayload": {"errorMessage": "no stock", "errorType": "StockError"}
}"#;

#[test]
fn a_record_is_read_with_its_condition_tries_version_and_error() {
    let e = FailedEvent::parse("m-1", RECORD).unwrap();
    assert_eq!(e.id, "e4b46cbf-b738-4fdb-8c5c-5ad0b2a7a5e4");
    assert_eq!(e.condition, "RetriesExhausted");
    assert_eq!(e.attempts, 3);
    assert_eq!(e.version.as_deref(), Some("7"));
    assert_eq!(e.error(), "StockError: no stock");
    assert_eq!(
        serde_json::from_slice::<Value>(&e.payload_bytes()).unwrap(),
        json!({"order": 42, "note": "a long enough note to be cut short"})
    );
    let text = e.text(21);
    assert!(text.contains("tried 3×, version 7"), "{text}");
    assert!(
        text.contains("payload: {\"order\":42,\"note\":\"…"),
        "{text}"
    );
}

#[test]
fn an_event_that_never_ran_says_so() {
    let e = FailedEvent::parse(
        "m-2",
        r#"{"version": "1.0", "timestamp": "t", "requestContext": {"requestId": "r", "condition": "RetriesExhausted", "approximateInvokeCount": 0}, "requestPayload": {"a": 1}}"#,
    )
    .unwrap();
    assert_eq!(e.version, None);
    assert_eq!(e.error(), "never ran (throttled or paused)");
}

#[test]
fn a_message_that_is_no_record_is_refused_by_name() {
    let err = FailedEvent::parse("m-3", r#"{"hello": 1}"#).unwrap_err();
    assert!(err.contains("m-3") && err.contains("requestId"), "{err}");
    assert!(FailedEvent::parse("m-4", "not json")
        .unwrap_err()
        .contains("not JSON"));
}

#[test]
fn oldest_first_orders_by_timestamp() {
    let at = |t: &str, id: &str| {
        let body = json!({"timestamp": t, "requestContext": {"requestId": id}}).to_string();
        FailedEvent::parse(id, &body).unwrap()
    };
    let mut list = vec![
        at("2026-12-07T10:00:02Z", "b"),
        at("2026-12-07T10:00:01Z", "a"),
    ];
    oldest_first(&mut list);
    assert_eq!(list[0].id, "a");
}
