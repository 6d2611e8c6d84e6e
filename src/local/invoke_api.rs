//! The Lambda Invoke REST API (`POST /2015-03-31/functions/{name}/invocations`)
//! served by `dev`, so any AWS SDK with an endpoint override, or an Android
//! emulator at 10.0.2.2, invokes the local handler unchanged.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

pub use super::http::{serve, Reply};
use super::outcome::{Outcome, Timing};
use super::LocalFunction;
use crate::progress::Progress;

fn aws_error(status: StatusCode, error_type: &str, message: &str) -> Reply {
    let body = serde_json::json!({"Type": "User", "message": message}).to_string();
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = error_type.parse() {
        r.headers_mut().insert("x-amzn-errortype", v);
    }
    r
}

/// Whether the `{name}` of the path names our function (by name or ARN).
fn names_function(requested: &str, name: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(requested).decode_utf8_lossy();
    let bare = decoded.split(":function:").nth(1).unwrap_or(&decoded);
    let bare = bare.split(':').next().unwrap_or(bare);
    bare == name
}

/// Answers one Invoke request as Lambda would.
pub async fn handle(
    function: Arc<LocalFunction>,
    name: Arc<String>,
    progress: Arc<Progress>,
    req: Request<Incoming>,
) -> Reply {
    let path = req.uri().path().to_string();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let requested = match (req.method(), parts.as_slice()) {
        (&Method::POST, ["2015-03-31", "functions", requested, "invocations"]) => {
            requested.to_string()
        }
        _ => {
            return aws_error(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                &format!(
                    "backend-ctl dev serves only Invoke, not {} {path}",
                    req.method()
                ),
            );
        }
    };
    if !names_function(&requested, &name) {
        return aws_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: {requested} (this server runs {name})"),
        );
    }
    let invocation_type = req
        .headers()
        .get("x-amz-invocation-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("RequestResponse")
        .to_string();
    let payload = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let payload = if payload.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        payload
    };
    if serde_json::from_slice::<serde_json::Value>(&payload).is_err() {
        return aws_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "Could not parse request body into json",
        );
    }
    match invocation_type.as_str() {
        "DryRun" => empty(StatusCode::NO_CONTENT),
        "Event" => {
            tokio::spawn(async move {
                let (outcome, timing) = function.invoke(payload).await;
                log(&progress, &name, "Event", &outcome, timing);
            });
            empty(StatusCode::ACCEPTED)
        }
        "RequestResponse" => {
            // In a task of its own: a client that hangs up must not cancel the
            // invocation half-way (its timeout and clean-up must still run).
            let run = tokio::spawn(async move { function.invoke(payload).await });
            let Ok((outcome, timing)) = run.await else {
                return aws_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "ServiceException",
                    "the local invocation failed",
                );
            };
            log(&progress, &name, "RequestResponse", &outcome, timing);
            let (body, error) = match outcome {
                Outcome::Response(body) => (body, false),
                Outcome::Error { body, .. } => (body, true),
            };
            let mut r = Response::new(Full::new(body));
            let h = r.headers_mut();
            h.insert(
                "x-amz-executed-version",
                hyper::header::HeaderValue::from_static("$LATEST"),
            );
            h.insert(
                "content-type",
                hyper::header::HeaderValue::from_static("application/json"),
            );
            if error {
                h.insert(
                    "x-amz-function-error",
                    hyper::header::HeaderValue::from_static("Unhandled"),
                );
            }
            r
        }
        other => aws_error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            &format!("unknown invocation type {other}"),
        ),
    }
}

fn empty(status: StatusCode) -> Reply {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    r
}

fn log(progress: &Progress, name: &str, kind: &str, outcome: &Outcome, timing: Timing) {
    let result = match outcome {
        Outcome::Response(_) => "ok".to_string(),
        Outcome::Error { error_type, .. } => format!("function error {error_type}"),
    };
    progress.note(&format!(
        "invoke {name} ({kind}, {}): {result} in {} ms",
        if timing.cold { "cold" } else { "warm" },
        timing.elapsed.as_millis()
    ));
}

#[cfg(test)]
mod tests;
