//! What a local invocation gave back, as Lambda reports it, and its figures.

use std::time::Duration;

use bytes::Bytes;
use serde_json::json;

/// What an invocation gave back, as Lambda reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handler's response payload.
    Response(Bytes),
    /// A function error: its `errorType`, and the JSON body the caller sees.
    Error { error_type: String, body: Bytes },
}

impl Outcome {
    pub(super) fn error(error_type: &str, message: String) -> Outcome {
        let body = json!({"errorType": error_type, "errorMessage": message}).to_string();
        Outcome::Error {
            error_type: error_type.to_string(),
            body: Bytes::from(body),
        }
    }
}

/// Figures of one invocation, for the user and the benchmarks.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Whether this invocation started the process (a cold start).
    pub cold: bool,
    pub elapsed: Duration,
}
