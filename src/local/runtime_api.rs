//! The Lambda Runtime API (2018-06-01) that a `bootstrap` talks to: `next`,
//! `response`, `error` and `init/error`, served on 127.0.0.1.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use tokio::sync::{oneshot, Notify};

use super::outcome::Outcome;

/// An invocation waiting for the runtime to fetch it.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub payload: Bytes,
    pub deadline_ms: u64,
    pub function_arn: String,
    /// `Lambda-Runtime-Cognito-Identity`: the caller's identity, as JSON.
    pub cognito_identity: Option<String>,
}

#[derive(Default)]
struct Slots {
    /// The one event offered and not yet fetched by `next`.
    pending: Option<(Event, oneshot::Sender<Outcome>)>,
    /// Fetched events, by request id, until the runtime answers.
    in_flight: HashMap<String, oneshot::Sender<Outcome>>,
    init_error: Option<Outcome>,
}

/// The server's state, shared with the connection tasks.
pub struct RuntimeApi {
    address: String,
    slots: Mutex<Slots>,
    offered: Notify,
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: &str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r
}

impl RuntimeApi {
    /// Binds a free loopback port and serves until the process exits.
    pub async fn start() -> std::io::Result<Arc<RuntimeApi>> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let api = Arc::new(RuntimeApi {
            address: listener.local_addr()?.to_string(),
            slots: Mutex::new(Slots::default()),
            offered: Notify::new(),
        });
        let served = api.clone();
        tokio::spawn(super::http::serve(listener, move |req| {
            let api = served.clone();
            async move { Ok::<_, Infallible>(api.handle(req).await) }
        }));
        Ok(api)
    }

    /// `host:port`, as `AWS_LAMBDA_RUNTIME_API` wants it.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        // A panic while holding the lock cannot leave the slots inconsistent.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Offers an event to the runtime's next `next` call.
    pub fn offer(&self, event: Event, reply: oneshot::Sender<Outcome>) {
        self.slots().pending = Some((event, reply));
        self.offered.notify_one();
    }

    /// Forgets an invocation that ended (answered, timed out or crashed).
    pub fn forget(&self, id: &str) {
        let mut slots = self.slots();
        slots.in_flight.remove(id);
        if slots.pending.as_ref().is_some_and(|(e, _)| e.id == id) {
            slots.pending = None;
        }
    }

    /// Clears everything before a new process starts.
    pub fn reset(&self) {
        *self.slots() = Slots::default();
    }

    /// The error the runtime reported at init, if any.
    pub fn take_init_error(&self) -> Option<Outcome> {
        self.slots().init_error.take()
    }

    async fn handle(&self, req: Request<Incoming>) -> Reply {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, parts.as_slice()) {
            (Method::GET, ["2018-06-01", "runtime", "invocation", "next"]) => self.next().await,
            (Method::POST, ["2018-06-01", "runtime", "invocation", id, "response"]) => {
                let id = id.to_string();
                let body = body_of(req).await;
                self.answer(&id, Outcome::Response(body))
            }
            (Method::POST, ["2018-06-01", "runtime", "invocation", id, "error"]) => {
                let id = id.to_string();
                let outcome = error_of(req).await;
                self.answer(&id, outcome)
            }
            (Method::POST, ["2018-06-01", "runtime", "init", "error"]) => {
                self.slots().init_error = Some(error_of(req).await);
                reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
            }
            _ => reply(
                StatusCode::NOT_FOUND,
                r#"{"errorType":"InvalidRequest","errorMessage":"unknown Runtime API path"}"#,
            ),
        }
    }

    /// Long-polls until an event is offered.
    async fn next(&self) -> Reply {
        loop {
            let taken = {
                let mut slots = self.slots();
                match slots.pending.take() {
                    Some((event, tx)) => {
                        slots.in_flight.insert(event.id.clone(), tx);
                        Some(event)
                    }
                    None => None,
                }
            };
            if let Some(event) = taken {
                let mut r = Response::new(Full::new(event.payload));
                let h = r.headers_mut();
                let mut set = |name: &'static str, value: String| {
                    if let Ok(v) = value.parse() {
                        h.insert(name, v);
                    }
                };
                set("lambda-runtime-aws-request-id", event.id);
                set("lambda-runtime-deadline-ms", event.deadline_ms.to_string());
                set("lambda-runtime-invoked-function-arn", event.function_arn);
                if let Some(identity) = event.cognito_identity {
                    set("lambda-runtime-cognito-identity", identity);
                }
                set(
                    "lambda-runtime-trace-id",
                    "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
                );
                set("content-type", "application/json".into());
                return r;
            }
            self.offered.notified().await;
        }
    }

    fn answer(&self, id: &str, outcome: Outcome) -> Reply {
        match self.slots().in_flight.remove(id) {
            Some(tx) => {
                let _ = tx.send(outcome);
                reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
            }
            None => reply(
                StatusCode::BAD_REQUEST,
                r#"{"errorType":"InvalidRequestID","errorMessage":"unknown or finished request id"}"#,
            ),
        }
    }
}

async fn body_of(req: Request<Incoming>) -> Bytes {
    req.into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default()
}

/// An error report: its type from the header, else from the body.
async fn error_of(req: Request<Incoming>) -> Outcome {
    let header = req
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = body_of(req).await;
    let from_body = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("errorType")
                .and_then(|t| t.as_str())
                .map(str::to_string)
        });
    Outcome::Error {
        error_type: from_body.or(header).unwrap_or_else(|| "Unhandled".into()),
        body,
    }
}
