//! Reading the function's log events (`FilterLogEvents`) across all its
//! streams, every page, in time order.

use aws_sdk_cloudwatchlogs::Client;

use crate::error::AwsError;

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub stream: String,
    pub message: String,
}

/// Every event of `group` from `start_ms` on, matching `pattern` when given,
/// sorted by time; a missing group is `None`.
pub async fn since(
    logs: &Client,
    group: &str,
    start_ms: i64,
    pattern: Option<&str>,
) -> Result<Option<Vec<Event>>, AwsError> {
    let mut pages = logs
        .filter_log_events()
        .log_group_name(group)
        .start_time(start_ms)
        .set_filter_pattern(pattern.map(str::to_string))
        .into_paginator()
        .send();
    let mut events = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Ok(None)
            }
            Err(e) => {
                let bad_pattern = pattern.is_some()
                    && e.as_service_error()
                        .is_some_and(|s| s.is_invalid_parameter_exception());
                let mut error =
                    super::failed(format!("reading CloudWatch Logs Log Group ({group})"), e);
                if bad_pattern {
                    error.hint = Some("check --filter: it takes a CloudWatch Logs filter pattern, e.g. ERROR or \"Task timed out\"".into());
                }
                return Err(error);
            }
        };
        events.extend(page.events().iter().map(|e| Event {
            id: e.event_id().unwrap_or_default().to_string(),
            timestamp: e.timestamp().unwrap_or_default(),
            stream: e.log_stream_name().unwrap_or_default().to_string(),
            message: e.message().unwrap_or_default().to_string(),
        }));
    }
    events.sort_by(|a, b| (a.timestamp, &a.id).cmp(&(b.timestamp, &b.id)));
    Ok(Some(events))
}
