//! A failed `Event` call as Lambda records it in an on-failure destination
//! (Lambda Developer Guide, "Capturing records of Lambda asynchronous
//! invocations"): parsed from the message body, shown by `failed`, and
//! its original payload replayed by `replay`. Pure.

use serde_json::{json, Value};

/// One record, as the queue's message holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedEvent {
    /// The original invocation's request id (`requestContext.requestId`):
    /// what `replay ID` names.
    pub id: String,
    /// The SQS message that carries it.
    pub message_id: String,
    /// When Lambda gave up on it (`timestamp`, RFC 3339).
    pub timestamp: String,
    /// `RetriesExhausted`, `EventAgeExceeded`, …
    pub condition: String,
    pub attempts: u64,
    pub function_arn: String,
    /// The version that ran it last (`responseContext.executedVersion`);
    /// `None` when it never ran (throttled, or paused).
    pub version: Option<String>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// The event as the app sent it.
    pub payload: Value,
}

impl FailedEvent {
    /// Parses a record; the error says what is missing.
    pub fn parse(message_id: &str, body: &str) -> Result<FailedEvent, String> {
        let record: Value = serde_json::from_str(body)
            .map_err(|e| format!("message {message_id} is not JSON ({e})"))?;
        let context = &record["requestContext"];
        let id = context["requestId"].as_str().ok_or_else(|| {
            format!("message {message_id} is not a Lambda invocation record (it has no requestContext.requestId)")
        })?;
        let text = |v: &Value| v.as_str().map(str::to_string);
        let response = &record["responsePayload"];
        // A function that returned a plain value as its error still failed.
        let (error_type, error_message) = match response {
            Value::Object(_) => (
                text(&response["errorType"]),
                text(&response["errorMessage"]),
            ),
            Value::Null => (None, None),
            other => (None, Some(other.to_string())),
        };
        Ok(FailedEvent {
            id: id.to_string(),
            message_id: message_id.to_string(),
            timestamp: text(&record["timestamp"]).unwrap_or_default(),
            condition: text(&context["condition"]).unwrap_or_else(|| "unknown".into()),
            attempts: context["approximateInvokeCount"].as_u64().unwrap_or(0),
            function_arn: text(&context["functionArn"]).unwrap_or_default(),
            version: text(&record["responseContext"]["executedVersion"]),
            error_type: error_type.or_else(|| text(&record["responseContext"]["functionError"])),
            error_message,
            payload: record.get("requestPayload").cloned().unwrap_or(Value::Null),
        })
    }

    /// The payload to send again, as the app sent it.
    pub fn payload_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.payload).unwrap_or_default()
    }

    /// What went wrong, in one line.
    pub fn error(&self) -> String {
        match (&self.error_type, &self.error_message) {
            (Some(t), Some(m)) => format!("{t}: {m}"),
            (Some(t), None) => t.clone(),
            (None, Some(m)) => m.clone(),
            (None, None) if self.version.is_none() => "never ran (throttled or paused)".into(),
            (None, None) => "no error recorded".into(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "message_id": self.message_id,
            "timestamp": self.timestamp,
            "condition": self.condition,
            "attempts": self.attempts,
            "function_arn": self.function_arn,
            "version": self.version,
            "error_type": self.error_type,
            "error_message": self.error_message,
            "payload": self.payload,
        })
    }

    /// The listing's lines: when, condition, tries, version, error, and the
    /// payload shortened to `width` characters.
    pub fn text(&self, width: usize) -> String {
        let payload = self.payload.to_string();
        let shown = if payload.chars().count() > width {
            let cut: String = payload.chars().take(width.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            payload
        };
        format!(
            "{}  {}  {}  tried {}×, version {}\n    error:   {}\n    payload: {shown}",
            self.id,
            self.timestamp,
            self.condition,
            self.attempts,
            self.version.as_deref().unwrap_or("none"),
            self.error(),
        )
    }
}

/// Oldest first (by Lambda's timestamp, then the id, so that the order is fixed).
pub fn oldest_first(events: &mut [FailedEvent]) {
    events.sort_by(|a, b| (&a.timestamp, &a.id).cmp(&(&b.timestamp, &b.id)));
}

#[cfg(test)]
mod tests;
