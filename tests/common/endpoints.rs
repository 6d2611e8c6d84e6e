//! The emulator's own test endpoints (`/backend-ctl/...`): switches, account
//! limits, authorization, refusals produced, credentials issued, SNS mail.

use super::emulator;

/// Sets the emulator's switches for resources named `{scope}...` (see
/// emulator/extension/front/switches.py): Lambda's slow states, IAM
/// propagation.
pub fn emulator_switches(scope: &str, settings: serde_json::Value) {
    let mut body = settings;
    body["scope"] = serde_json::Value::String(scope.to_string());
    emulator_post("/backend-ctl/switches", &body.to_string());
}

/// Sets an emulator account's limits (see
/// emulator/extension/account/settings.py): concurrency, memory, denied
/// actions, regions not enabled.
pub fn emulator_account(settings: serde_json::Value) {
    emulator_post("/backend-ctl/account", &settings.to_string());
}

fn emulator_post(path: &str, body: &str) {
    emulator_request("POST", path, body);
}

/// Has the emulator evaluate the IAM user `name`'s calls against its own
/// policies (see emulator/extension/front/authorization).
pub fn emulator_authorize(name: &str) {
    emulator_post(
        "/backend-ctl/authorize",
        &serde_json::json!({"users": [name]}).to_string(),
    );
}

/// How many refusals each conflict switch of `scope` produced (see
/// emulator/extension/front/refusals.py): `iam_delete_conflict`,
/// `iam_concurrent_modification`, `logs_operation_aborted`.
pub fn emulator_produced(scope: &str) -> serde_json::Value {
    let answer = emulator_request(
        "GET",
        &format!("/backend-ctl/switches/produced?scope={scope}"),
        "",
    );
    let doc: serde_json::Value = serde_json::from_str(&answer).expect("produced counts JSON");
    doc["produced"][scope].clone()
}

/// Every credential Cognito issued for identities of `pool`, oldest first,
/// secrets included (see emulator/extension/cognito/identities.py).
pub fn issued_credentials(pool: &str) -> Vec<serde_json::Value> {
    let answer = emulator_request(
        "GET",
        &format!("/backend-ctl/cognito-identity/issued?IdentityPoolId={pool}&IncludeSecrets=true"),
        "",
    );
    let doc: serde_json::Value = serde_json::from_str(&answer).expect("issued credentials JSON");
    doc["Credentials"].as_array().cloned().unwrap_or_default()
}

/// What was published to an SNS topic (see
/// emulator/extension/sns/subscriptions.py): each message's `Subject` and
/// `Message`, in publish order.
pub fn sns_published(topic_arn: &str) -> Vec<serde_json::Value> {
    let answer = emulator_request(
        "GET",
        &format!("/backend-ctl/sns/published?topic={topic_arn}"),
        "",
    );
    let doc: serde_json::Value = serde_json::from_str(&answer).expect("published JSON");
    doc["Messages"].as_array().cloned().unwrap_or_default()
}

/// The owner of `email` clicks the link SNS mailed: the subscription is confirmed.
pub fn sns_confirm(topic_arn: &str, email: &str) {
    emulator_post(
        &format!("/backend-ctl/sns/confirm?topic={topic_arn}&endpoint={email}"),
        "",
    );
}

/// One request to the emulator's own API; its body, which must come with 200.
fn emulator_request(method: &str, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let address = emulator().url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect to the emulator");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
        "{path} refused: {answer}"
    );
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}
