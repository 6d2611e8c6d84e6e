//! A recording HTTP proxy between the CLI and the emulator: every AWS call
//! the CLI makes is counted here, per test, by service and action.

use std::convert::Infallible;
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
}

impl Call {
    /// Whether the call changes anything.
    pub fn is_write(&self) -> bool {
        !["Get", "List", "Describe"]
            .iter()
            .any(|p| self.action.starts_with(p))
    }
}

/// A running proxy; it stops when dropped.
pub struct Recorder {
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Recorder {
    pub fn start(upstream: &str) -> Recorder {
        let calls = Arc::new(Mutex::new(Vec::new()));
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
                    Client::builder(TokioExecutor::new()).build_http();
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
            calls,
            _shutdown: tx,
        }
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.calls.lock().unwrap().clear();
    }

    /// The writes so far, as `service:Action`.
    pub fn writes(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(Call::is_write)
            .map(|c| format!("{}:{}", c.service, c.action))
            .collect()
    }
}

async fn forward(
    req: Request<Incoming>,
    client: Client<HttpConnector, Full<Bytes>>,
    upstream: String,
    recorded: Arc<Mutex<Vec<Call>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    recorded
        .lock()
        .unwrap()
        .push(classify(&parts.method, &parts.uri, &parts.headers, &body));
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
        return Call {
            service: "cognito-identity".into(),
            action: target.rsplit('.').next().unwrap_or(target).to_string(),
            access_key,
        };
    }
    let path = uri.path();
    if path.starts_with("/2015-03-31/") || path.starts_with("/2017-") || path.starts_with("/2019-")
    {
        return Call {
            service: "lambda".into(),
            action: lambda_action(method.as_str(), path),
            access_key,
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
        ("POST", [_, "tags", ..]) => "TagResource",
        ("DELETE", [_, "tags", ..]) => "UntagResource",
        ("GET", [_, "tags", ..]) => "ListTags",
        _ => return format!("{method} {path}"),
    };
    action.to_string()
}
