//! The real handler run locally through backend-ctl's Lambda Runtime API:
//! `invoke --local` and `dev`, with real processes and real sockets. None of
//! this may touch AWS: the recording proxy must see no call.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use common::{Project, Settings};
use serde_json::Value;

fn answer(run: &common::Run) -> Value {
    serde_json::from_str(run.stdout().trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout(), run.stderr()))
}

#[test]
fn invoke_local_runs_the_example_handler() {
    let p = Project::new("localgreet");
    let run = p
        .run(&[
            "invoke",
            "--local",
            "--payload",
            r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
        ])
        .ok();
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    assert!(p.recorder.calls().is_empty(), "{:?}", p.recorder.calls());
}

#[test]
fn invoke_local_reports_the_handlers_error_as_a_function_error() {
    let p = Project::new("localerr");
    let run = p
        .run(&["invoke", "--local", "--payload", r#"{"firstName": "Ada"}"#])
        .fails(6, "the function returned an error (BadRequest)");
    let err: Value =
        serde_json::from_str(run.stderr().lines().find(|l| l.starts_with('{')).unwrap()).unwrap();
    assert_eq!(err["errorType"], "BadRequest");
    assert!(
        err["errorMessage"].as_str().unwrap().contains("lastName"),
        "{err}"
    );
    assert!(
        run.stdout().is_empty(),
        "no answer on stdout: {}",
        run.stdout()
    );
}

#[test]
fn invoke_local_gives_lambdas_context_and_variables_and_nothing_of_ours() {
    let p = Project::misbehaving("localenv");
    let run = p
        .run(&["invoke", "--local", "--payload", r#"{"hello": "world"}"#])
        .ok();
    let a = answer(&run);
    assert_eq!(a["echo"]["hello"], "world");
    assert_eq!(a["env"]["AWS_LAMBDA_FUNCTION_NAME"], "localenv-dev");
    assert_eq!(a["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128");
    assert_eq!(a["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(
        a["env"]["AWS_LAMBDA_LOG_GROUP_NAME"],
        "/aws/lambda/localenv-dev"
    );
    assert_eq!(a["env"]["AWS_REGION"], "us-east-1");
    assert_eq!(
        a["env"]["GREETING_STYLE"], "friendly",
        "the config's environment"
    );
    assert_eq!(
        a["env"]["HOME"], "",
        "the caller's environment does not leak in"
    );
    assert!(a["function_arn"]
        .as_str()
        .unwrap()
        .ends_with(":function:localenv-dev"));
    assert_eq!(a["request_id"].as_str().unwrap().len(), 36);
    // The caller's identity, as Lambda hands an app's: a stand-in by default.
    assert_eq!(
        a["identity"]["identity_id"],
        "us-east-1:00000000-0000-0000-0000-000000000001"
    );
    assert_eq!(
        a["identity"]["identity_pool_id"],
        "us-east-1:00000000-0000-0000-0000-000000000000"
    );
    assert!(run.stderr().contains("a stand-in"), "{}", run.stderr());
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let deadline = a["deadline_ms"].as_u64().unwrap();
    assert!(
        deadline > now_ms && deadline <= now_ms + 10_000,
        "deadline {deadline} vs now {now_ms}"
    );
}

#[test]
fn invoke_local_hands_the_chosen_identity_or_none() {
    let p = Project::misbehaving("localwho");
    let chosen = "eu-west-1:4f1c0b9e-aaaa-bbbb-cccc-0123456789ab";
    let run = p
        .run(&[
            "--region",
            "eu-west-1",
            "invoke",
            "--local",
            "--identity",
            chosen,
        ])
        .ok();
    let a = answer(&run);
    assert_eq!(a["identity"]["identity_id"], chosen);
    assert_eq!(
        a["identity"]["identity_pool_id"],
        "eu-west-1:00000000-0000-0000-0000-000000000000"
    );
    let run = p.run(&["invoke", "--local", "--identity", "none"]).ok();
    assert_eq!(answer(&run)["identity"], Value::Null);
    // A malformed id is refused before the build; --identity needs --local.
    let run = p.run(&["invoke", "--local", "--identity", "alice"]).fails(
        2,
        "invalid --identity: \"alice\" is not a Cognito identity id",
    );
    assert!(!run.stderr().contains("building"), "{}", run.stderr());
    p.run(&["invoke", "--identity", chosen]).fails(2, "--local");
    assert!(p.recorder.calls().is_empty(), "{:?}", p.recorder.calls());
}

#[test]
fn the_example_handler_logs_its_caller() {
    let p = Project::new("localcaller");
    let run = p
        .run(&[
            "invoke",
            "--local",
            "--payload",
            r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
        ])
        .ok();
    assert!(
        run.stderr().contains(
            "caller: us-east-1:00000000-0000-0000-0000-000000000001 (identity pool us-east-1:00000000-0000-0000-0000-000000000000)"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn invoke_local_maps_panics_errors_crashes_and_timeouts_to_function_errors() {
    let p = Project::misbehaving("localbad");
    p.write_config(&Settings {
        timeout_s: 1,
        ..Settings::default()
    });
    for (payload, error_type, message) in [
        (
            r#"{"panic": "on purpose"}"#,
            None,
            "asked to panic: on purpose",
        ),
        (r#"{"fail": "no luck"}"#, None, "no luck"),
        (
            r#"{"exit": 7}"#,
            Some("Runtime.ExitError"),
            "Runtime exited with error: exit status 7",
        ),
        (
            r#"{"sleep_ms": 3000}"#,
            Some("Sandbox.Timedout"),
            "Task timed out after 1.00 seconds",
        ),
    ] {
        let run = p.run(&["invoke", "--local", "--payload", payload]);
        assert_eq!(run.code(), 6, "{payload}: {}", run.stderr());
        let line = run
            .stderr()
            .lines()
            .find(|l| l.starts_with('{'))
            .map(str::to_string)
            .unwrap_or_default();
        let err: Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("{payload}: {}", run.stderr()));
        if let Some(t) = error_type {
            assert_eq!(err["errorType"], t, "{payload}");
        }
        assert!(
            err["errorMessage"].as_str().unwrap_or("").contains(message),
            "{payload}: {err}"
        );
    }
    let mut s = Settings::default();
    s.environment.insert("CRASH_AT_INIT".into(), "1".into());
    p.write_config(&s);
    let run = p.run(&["invoke", "--local"]).fails(6, "Runtime.ExitError");
    assert!(run.stderr().contains("exit status 3"), "{}", run.stderr());
    assert!(p.recorder.calls().is_empty());
}

#[test]
fn invoke_local_refuses_a_payload_that_is_not_json() {
    let p = Project::new("localjson");
    p.run(&["invoke", "--local", "--payload", "{nope"])
        .fails(2, "invalid --payload: the event is not valid JSON");
}

/// `backend-ctl dev` on a free port; killed when dropped.
struct Dev {
    child: Child,
    url: String,
    lambda: aws_sdk_lambda::Client,
    rt: tokio::runtime::Runtime,
}

impl Dev {
    fn start(p: &Project) -> Dev {
        let mut child = p
            .command(&["dev", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("http://127.0.0.1:"), "dev said {line:?}");
        let url = line.trim().to_string();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let creds = aws_credential_types::Credentials::new("any", "thing", None, None, "tests");
        let conf = rt.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .http_client(common::https_client())
                .region(aws_config::Region::new("us-east-1"))
                .endpoint_url(&url)
                .credentials_provider(creds)
                .load(),
        );
        Dev {
            child,
            url,
            lambda: aws_sdk_lambda::Client::new(&conf),
            rt,
        }
    }

    /// Invokes through the real AWS SDK: (function error, payload).
    fn invoke(&self, function: &str, payload: &str) -> (Option<String>, Value) {
        let out = self
            .rt
            .block_on(
                self.lambda
                    .invoke()
                    .function_name(function)
                    .payload(aws_sdk_lambda::primitives::Blob::new(
                        payload.as_bytes().to_vec(),
                    ))
                    .send(),
            )
            .unwrap();
        let body: Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
        (out.function_error().map(str::to_string), body)
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn dev_serves_the_invoke_api_to_an_aws_sdk_client() {
    let p = Project::new("devgreet");
    let dev = Dev::start(&p);
    let (error, body) = dev.invoke(
        "devgreet-dev",
        r#"{"firstName": "Grace", "lastName": "Hopper"}"#,
    );
    assert_eq!(error, None);
    assert_eq!(
        body,
        serde_json::json!({"greetings": "Hello, Grace Hopper."})
    );
    let (error, body) = dev.invoke(
        "arn:aws:lambda:us-east-1:000000000000:function:devgreet-dev",
        r#"{"firstName": "Grace"}"#,
    );
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "BadRequest");
    // Another name is not ours.
    let err = dev
        .rt
        .block_on(dev.lambda.invoke().function_name("someone-else").send())
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
    // Fire and forget.
    let out = dev
        .rt
        .block_on(
            dev.lambda
                .invoke()
                .function_name("devgreet-dev")
                .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
                .payload(aws_sdk_lambda::primitives::Blob::new(
                    r#"{"firstName": "A", "lastName": "B"}"#,
                ))
                .send(),
        )
        .unwrap();
    assert_eq!(out.status_code(), 202);
    assert!(p.recorder.calls().is_empty());
    assert!(dev.url.starts_with("http://127.0.0.1:"));
}

#[test]
fn dev_survives_timeouts_crashes_and_concurrent_callers() {
    let p = Project::misbehaving("devbad");
    p.write_config(&Settings {
        timeout_s: 1,
        ..Settings::default()
    });
    let dev = Dev::start(&p);
    let (_, first) = dev.invoke("devbad-dev", "{}");
    let pid = first["env"]["pid"].as_u64().unwrap();
    let (_, again) = dev.invoke("devbad-dev", "{}");
    assert_eq!(
        again["env"]["pid"].as_u64(),
        Some(pid),
        "the process stays warm"
    );

    let (error, body) = dev.invoke("devbad-dev", r#"{"sleep_ms": 3000}"#);
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    let (error, body) = dev.invoke("devbad-dev", "{}");
    assert_eq!(
        error, None,
        "a fresh process answers after the timeout: {body}"
    );
    assert_ne!(body["env"]["pid"].as_u64(), Some(pid));

    let (error, body) = dev.invoke("devbad-dev", r#"{"panic": "boom"}"#);
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert!(
        body["errorMessage"].as_str().unwrap().contains("boom"),
        "{body}"
    );
    let (error, body) = dev.invoke("devbad-dev", r#"{"exit": 1}"#);
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Runtime.ExitError");

    // Two callers at once both get their own answers.
    let results: Vec<(Option<String>, Value)> = std::thread::scope(|s| {
        let a = s.spawn(|| dev.invoke("devbad-dev", r#"{"sleep_ms": 300}"#));
        let b = s.spawn(|| dev.invoke("devbad-dev", r#"{"who": "b"}"#));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(results[0], (None, serde_json::json!({"slept_ms": 300})));
    assert_eq!(results[1].0, None);
    assert_eq!(results[1].1["echo"]["who"], "b");
    assert!(p.recorder.calls().is_empty());
}

#[test]
fn dev_rebuilds_and_restarts_when_the_handler_changes() {
    let p = Project::new("devwatch").with_handler_copy();
    let dev = Dev::start(&p);
    let (_, body) = dev.invoke("devwatch-dev", r#"{"firstName": "Ada", "lastName": "L"}"#);
    assert_eq!(body["greetings"], "Hello, Ada L.");
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        source.replace("Hello, {first} {last}.", "Welcome back, {first} {last}!"),
    )
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(240);
    loop {
        let (_, body) = dev.invoke("devwatch-dev", r#"{"firstName": "Ada", "lastName": "L"}"#);
        if body["greetings"] == "Welcome back, Ada L!" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still the old handler: {body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
