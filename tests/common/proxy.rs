//! A recording, fault-injecting HTTP proxy between the CLI and the emulator:
//! every AWS call the CLI makes is counted here, per test, by service and
//! action; on request it also fails a seeded share of them the ways AWS and
//! networks fail, adds latency, or cuts every call after the k-th (a crash).

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// One AWS call as the emulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub service: String,
    pub action: String,
    /// The access key that signed it (empty for unsigned calls).
    pub access_key: String,
    /// When the proxy received it.
    pub at: std::time::Instant,
    /// Whether it acts on the stack's lock (`/backend-ctl/locks/…`), not on a resource.
    pub lock: bool,
    /// Whether it speaks Smithy RPC v2 CBOR (CloudWatch), so that refusals
    /// the proxy makes up are in CBOR too.
    pub cbor: bool,
}

impl Call {
    /// Whether the call changes anything.
    pub fn is_write(&self) -> bool {
        !["Get", "List", "Describe", "Filter"]
            .iter()
            .any(|p| self.action.starts_with(p))
    }
}

/// The lock's log groups: `/backend-ctl/locks/{project}-{stage}`.
const LOCK_PREFIX: &str = "/backend-ctl/locks/";

/// What the proxy does to requests besides forwarding them.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Seed of the fault sequence: the same seed fails the same requests.
    pub seed: u64,
    /// Share of requests that fail (0.0 to 1.0).
    pub rate: f64,
    /// How long a stalled request hangs before its connection drops (it
    /// must exceed the client's attempt timeout).
    pub stall: std::time::Duration,
    /// Every request after the k-th gets its connection dropped, as if the
    /// run had crashed there.
    pub cut_after: Option<usize>,
    /// Added to every request, before it is forwarded.
    pub latency: std::time::Duration,
    /// The first call of this action is applied, then its answer is lost.
    pub lose_answer_of: Option<&'static str>,
    /// From the first call of this action on, every connection drops before
    /// the request is forwarded: the run stops right there, as if killed.
    pub cut_at: Option<&'static str>,
    /// Before the first call of each hook's action is forwarded, the hook
    /// runs (another actor changing the stack between a run's read and its
    /// write, or a run made slow at one step).
    pub before: Vec<Hook>,
}

/// Something done to the emulator in the middle of a run (see `Faults::before`).
#[derive(Clone)]
pub struct Hook(pub &'static str, pub Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hook(before {})", self.0)
    }
}

/// The kinds of failure injected, in turn chosen by the seeded sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 before the request reaches the emulator.
    Internal,
    /// HTTP 503 before the request reaches the emulator.
    Unavailable,
    /// The service's own throttling error (not applied).
    Throttle,
    /// The connection drops before the request is forwarded.
    Reset,
    /// The request is applied, then its answer is lost: it hangs, then drops.
    LostAnswer,
}

const FAULTS: [Fault; 5] = [
    Fault::Internal,
    Fault::Unavailable,
    Fault::Throttle,
    Fault::Reset,
    Fault::LostAnswer,
];

struct State {
    calls: Vec<Call>,
    faults: Faults,
    rng: u64,
    injected: Vec<Fault>,
    seen: usize,
    /// The emulator account every request is sent to (`x-moto-account-id`).
    account: Option<String>,
}

/// A running proxy; it stops when dropped.
pub struct Recorder {
    pub url: String,
    state: Arc<Mutex<State>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Recorder {
    pub fn start(upstream: &str) -> Recorder {
        Recorder::with_faults(upstream, Faults::default())
    }

    pub fn with_faults(upstream: &str, faults: Faults) -> Recorder {
        let calls = Arc::new(Mutex::new(State {
            calls: Vec::new(),
            rng: faults.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            faults,
            injected: Vec::new(),
            seen: 0,
            account: None,
        }));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (url_tx, url_rx) = std::sync::mpsc::channel();
        let upstream = upstream.trim_end_matches('/').to_string();
        let recorded = calls.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                url_tx
                    .send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                let client: Client<HttpConnector, Full<Bytes>> =
                    Client::builder(TokioExecutor::new())
                        .pool_max_idle_per_host(0)
                        .build_http();
                let serve = async {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let client = client.clone();
                        let upstream = upstream.clone();
                        let recorded = recorded.clone();
                        tokio::spawn(async move {
                            let service = hyper::service::service_fn(move |req| {
                                forward(req, client.clone(), upstream.clone(), recorded.clone())
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                };
                tokio::select! {
                    _ = serve => {}
                    _ = rx => {}
                }
            });
        });
        Recorder {
            url: url_rx.recv().unwrap(),
            state: calls,
            _shutdown: tx,
        }
    }

    /// Every call so far (faulted ones included).
    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.state.lock().unwrap().calls.clear();
    }

    /// Changes the faults from now on (the call count starts again).
    pub fn set_faults(&self, faults: Faults) {
        let mut s = self.state.lock().unwrap();
        s.rng = faults.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        s.faults = faults;
        s.seen = 0;
    }

    /// Sends every later request to the emulator's account `id`, as if the
    /// CLI's credentials belonged to it (moto's `x-moto-account-id`).
    pub fn set_account(&self, id: &str) {
        self.state.lock().unwrap().account = Some(id.to_string());
    }

    /// The faults injected so far.
    pub fn injected(&self) -> Vec<Fault> {
        self.state.lock().unwrap().injected.clone()
    }

    /// The writes to resources so far, as `service:Action` (the lock's aside: `lock_writes`).
    pub fn writes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.is_write() && !c.lock)
            .map(|c| format!("{}:{}", c.service, c.action))
            .collect()
    }

    /// The writes that take and give back the stack's lock.
    pub fn lock_writes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| c.is_write() && c.lock)
            .map(|c| format!("{}:{}", c.service, c.action))
            .collect()
    }
}

/// xorshift64*: a small seeded generator, enough to pick faults.
fn next(rng: &mut u64) -> u64 {
    *rng ^= *rng >> 12;
    *rng ^= *rng << 25;
    *rng ^= *rng >> 27;
    rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// Dropping the connection: hyper closes it when the service fails.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "connection dropped by the fault proxy")
    }
}

impl std::error::Error for Dropped {}

/// Each service's own throttling error, as it sends it.
/// A CBOR text string (major type 3) of fewer than 256 bytes.
fn cbor_text(out: &mut Vec<u8>, s: &str) {
    if s.len() < 24 {
        out.push(0x60 | s.len() as u8);
    } else {
        out.extend([0x78, s.len() as u8]);
    }
    out.extend(s.as_bytes());
}

/// CloudWatch's throttling refusal over Smithy RPC v2 CBOR, the protocol the
/// SDK calls it with: a CBOR map with `__type` and `message`, and (CloudWatch
/// being query-compatible) the query error code in `x-amzn-query-error`.
fn throttled_cbor() -> Response<Full<Bytes>> {
    let mut body = vec![0xA2];
    for s in ["__type", "Throttling", "message", "Rate exceeded"] {
        cbor_text(&mut body, s);
    }
    Response::builder()
        .status(400)
        .header("content-type", "application/cbor")
        .header("smithy-protocol", "rpc-v2-cbor")
        .header("x-amzn-query-error", "Throttling;Sender")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

fn throttled(call: &Call) -> Response<Full<Bytes>> {
    if call.cbor {
        return throttled_cbor();
    }
    let (status, content_type, body, error_type) = match call.service.as_str() {
        "lambda" => (429, "application/json", r#"{"Type":"User","message":"Rate exceeded"}"#, Some("TooManyRequestsException")),
        "cognito-identity" => (400, "application/x-amz-json-1.1", r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#, None),
        "logs" => (400, "application/x-amz-json-1.1", r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, None),
        _ => (400, "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>", None),
    };
    let mut r = Response::builder()
        .status(status)
        .header("content-type", content_type);
    if let Some(t) = error_type {
        r = r.header("x-amzn-errortype", t);
    }
    r.body(Full::new(Bytes::from(body))).unwrap()
}

fn server_error(status: u16, call: &Call) -> Response<Full<Bytes>> {
    let body = if call.service == "iam" || call.service == "sts" {
        format!("<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>injected {status}</Message></Error></ErrorResponse>")
    } else {
        format!(r#"{{"__type":"ServiceException","message":"injected {status}"}}"#)
    };
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

async fn forward(
    req: Request<Incoming>,
    client: Client<HttpConnector, Full<Bytes>>,
    upstream: String,
    recorded: Arc<Mutex<State>>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let call = classify(&parts.method, &parts.uri, &parts.headers, &body);
    let (fault, latency, stall, account, hook) = {
        let mut s = recorded.lock().unwrap();
        s.calls.push(call.clone());
        s.seen += 1;
        if s.faults.cut_at == Some(call.action.as_str()) {
            s.faults.cut_after = Some(s.seen - 1);
        }
        let cut = s.faults.cut_after.is_some_and(|k| s.seen > k);
        let hook = s
            .faults
            .before
            .iter()
            .position(|Hook(action, _)| *action == call.action)
            .map(|at| s.faults.before.remove(at).1);
        let roll = next(&mut s.rng);
        let lose = s.faults.lose_answer_of == Some(call.action.as_str());
        let fault = if cut {
            Some(Fault::Reset)
        } else if lose {
            s.faults.lose_answer_of = None;
            s.injected.push(Fault::LostAnswer);
            Some(Fault::LostAnswer)
        } else if (roll % 10_000) as f64 / 10_000.0 < s.faults.rate {
            let f = FAULTS[(next(&mut s.rng) % FAULTS.len() as u64) as usize];
            s.injected.push(f);
            Some(f)
        } else {
            None
        };
        (
            fault,
            s.faults.latency,
            s.faults.stall,
            s.account.clone(),
            hook,
        )
    };
    if let Some(hook) = hook {
        let _ = tokio::task::spawn_blocking(move || hook()).await;
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::Internal) => return Ok(server_error(500, &call)),
        Some(Fault::Unavailable) => return Ok(server_error(503, &call)),
        Some(Fault::Throttle) => return Ok(throttled(&call)),
        Some(Fault::Reset) => return Err(Dropped),
        Some(Fault::LostAnswer) | None => {}
    }
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut out = Request::builder()
        .method(parts.method.clone())
        .uri(format!("{upstream}{path}"));
    for (k, v) in &parts.headers {
        out = out.header(k, v);
    }
    if let Some(account) = account {
        out = out.header("x-moto-account-id", account);
    }
    let response = match client.request(out.body(Full::new(body)).unwrap()).await {
        Ok(r) => r,
        Err(e) => {
            return Ok(Response::builder()
                .status(502)
                .body(Full::new(Bytes::from(e.to_string())))
                .unwrap())
        }
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if fault == Some(Fault::LostAnswer) {
        tokio::time::sleep(stall).await;
        return Err(Dropped);
    }
    Ok(Response::from_parts(parts, Full::new(body)))
}

fn classify(
    method: &hyper::Method,
    uri: &hyper::Uri,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> Call {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Credential=AKID/date/region/service/aws4_request
    let scope: Vec<&str> = auth
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split(',').next())
        .map(|c| c.split('/').collect())
        .unwrap_or_default();
    let access_key = scope.first().copied().unwrap_or("").to_string();
    let signed_service = scope.get(3).copied().unwrap_or("").to_string();
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        // Unsigned calls (GetId, GetCredentialsForIdentity) are Cognito's.
        let service = if signed_service.is_empty() {
            "cognito-identity".to_string()
        } else {
            signed_service
        };
        let lock = String::from_utf8_lossy(body).contains(LOCK_PREFIX)
            || String::from_utf8_lossy(body).contains("log-group:/backend-ctl/locks/");
        return Call {
            service,
            action: target.rsplit('.').next().unwrap_or(target).to_string(),
            access_key,
            at: std::time::Instant::now(),
            lock,
            cbor: false,
        };
    }
    let path = uri.path();
    if path.starts_with("/2015-03-31/")
        || path.starts_with("/2016-08-19/")
        || path.starts_with("/2017-")
        || path.starts_with("/2019-")
    {
        return Call {
            service: "lambda".into(),
            action: lambda_action(method.as_str(), path),
            access_key,
            at: std::time::Instant::now(),
            lock: false,
            cbor: false,
        };
    }
    // Smithy RPC v2 CBOR (CloudWatch): /service/{Service}/operation/{Operation}.
    if let Some(operation) = path
        .strip_prefix("/service/")
        .and_then(|rest| rest.split_once("/operation/"))
        .map(|(_, op)| op.to_string())
    {
        return Call {
            service: if signed_service == "monitoring" {
                "cloudwatch".into()
            } else {
                signed_service
            },
            action: operation,
            access_key,
            at: std::time::Instant::now(),
            lock: false,
            cbor: true,
        };
    }
    let form = String::from_utf8_lossy(body);
    let action = form
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .unwrap_or("Unknown")
        .to_string();
    Call {
        service: signed_service,
        action,
        access_key,
        at: std::time::Instant::now(),
        lock: false,
        cbor: false,
    }
}

fn lambda_action(method: &str, path: &str) -> String {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let action = match (method, parts.as_slice()) {
        ("POST", [_, "functions"]) => "CreateFunction",
        ("GET", [_, "functions", _]) => "GetFunction",
        ("DELETE", [_, "functions", _]) => "DeleteFunction",
        ("GET", [_, "functions", _, "configuration"]) => "GetFunctionConfiguration",
        ("PUT", [_, "functions", _, "configuration"]) => "UpdateFunctionConfiguration",
        ("PUT", [_, "functions", _, "code"]) => "UpdateFunctionCode",
        ("PUT", [_, "functions", _, "concurrency"]) => "PutFunctionConcurrency",
        ("GET", [_, "functions", _, "concurrency"]) => "GetFunctionConcurrency",
        ("DELETE", [_, "functions", _, "concurrency"]) => "DeleteFunctionConcurrency",
        ("POST", [_, "functions", _, "invocations"]) => "Invoke",
        ("GET", [_, "functions", _, "versions"]) => "ListVersionsByFunction",
        ("POST", [_, "functions", _, "versions"]) => "PublishVersion",
        ("GET", [_, "functions", _, "aliases"]) => "ListAliases",
        ("POST", [_, "functions", _, "aliases"]) => "CreateAlias",
        ("GET", [_, "functions", _, "aliases", _]) => "GetAlias",
        ("PUT", [_, "functions", _, "aliases", _]) => "UpdateAlias",
        ("DELETE", [_, "functions", _, "aliases", _]) => "DeleteAlias",
        ("POST", [_, "tags", ..]) => "TagResource",
        ("DELETE", [_, "tags", ..]) => "UntagResource",
        ("GET", [_, "tags", ..]) => "ListTags",
        ("GET", ["2016-08-19", "account-settings"]) => "GetAccountSettings",
        ("GET", [_, "functions", _, "event-invoke-config"]) => "GetFunctionEventInvokeConfig",
        ("PUT", [_, "functions", _, "event-invoke-config"]) => "PutFunctionEventInvokeConfig",
        ("POST", [_, "functions", _, "event-invoke-config"]) => "UpdateFunctionEventInvokeConfig",
        ("DELETE", [_, "functions", _, "event-invoke-config"]) => "DeleteFunctionEventInvokeConfig",
        _ => return format!("{method} {path}"),
    };
    action.to_string()
}
