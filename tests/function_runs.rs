//! The function really runs: the emulator's Lambda starts the uploaded
//! `bootstrap` behind the Runtime API, as Lambda does, and writes its log
//! lines into CloudWatch Logs; `logs`, `logs --follow` and `invoke --logs`
//! read them back; the log group is ours from creation to teardown.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Aws, Project, Settings};
use serde_json::Value;

const ADA: &str = r#"{"firstName": "Ada", "lastName": "Lovelace"}"#;

/// The error body the function returned (on stderr, exit 6).
fn function_error(run: &common::Run) -> Value {
    let line = run
        .stderr()
        .lines()
        .find(|l| l.starts_with('{'))
        .map(str::to_string)
        .unwrap_or_default();
    serde_json::from_str(&line).unwrap_or_else(|_| panic!("no error body: {}", run.stderr()))
}

/// Waits until `count` messages of the log group contain `fragment`.
fn wait_for_lines(aws: &Aws, group: &str, fragment: &str, count: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let messages = aws.log_messages(group);
        if messages.iter().filter(|m| m.contains(fragment)).count() >= count {
            return messages;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not {count} × {fragment:?} in {group}: {messages:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_apps_path_gets_the_real_greeting_and_lambdas_errors() {
    let p = Project::new("runs");
    p.up();
    let run = p.run(&["invoke", "--payload", ADA]).ok();
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    // The credential path is the phone's: unsigned Cognito calls, then
    // Invoke signed with the identity's temporary key, not ours.
    let calls = p.recorder.calls();
    let invoke = calls.iter().find(|c| c.action == "Invoke").unwrap();
    assert_ne!(invoke.access_key, "testing");
    assert!(calls
        .iter()
        .filter(|c| c.action == "GetId" || c.action == "GetCredentialsForIdentity")
        .all(|c| c.access_key.is_empty()));

    // A missing field is the handler's own error, with Lambda's fields.
    let run = p
        .run(&["invoke", "--payload", r#"{"firstName": "Ada"}"#])
        .fails(6, "the function returned an error (Unhandled)");
    let err = function_error(&run);
    assert_eq!(err["errorType"], "BadRequest");
    assert!(
        err["errorMessage"].as_str().unwrap().contains("lastName"),
        "{err}"
    );
}

#[test]
fn timeouts_crashes_and_events_behave_as_lambdas() {
    let p = Project::misbehaving("runsbad");
    p.write_config(&Settings {
        timeout_s: 1,
        ..Settings::default()
    });
    p.up();
    let aws = Aws::new();
    let names = p.names();

    let run = p.run(&["invoke", "--payload", r#"{"sleep_ms": 3000}"#]);
    let err = function_error(&run.fails(6, "Unhandled"));
    assert_eq!(err["errorType"], "Sandbox.Timedout");
    assert!(
        err["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Task timed out after 1.00 seconds"),
        "{err}"
    );

    let run = p.run(&["invoke", "--payload", r#"{"exit": 7}"#]);
    let err = function_error(&run.fails(6, "Unhandled"));
    assert_eq!(err["errorType"], "Runtime.ExitError");

    // After both, a new process answers.
    let run = p
        .run(&["invoke", "--payload", r#"{"hello": "again"}"#])
        .ok();
    let body: Value = serde_json::from_str(run.stdout().trim()).unwrap();
    assert_eq!(body["echo"]["hello"], "again");
    assert_eq!(body["env"]["AWS_LAMBDA_FUNCTION_NAME"], names.function);
    assert_eq!(body["env"]["GREETING_STYLE"], "friendly");

    // An Event invocation is accepted (202) and runs on its own: a fourth
    // invocation in the log.
    let run = p
        .run(&["invoke", "--async", "--payload", r#"{"sleep_ms": 10}"#])
        .ok();
    assert!(
        run.stdout().contains("accepted (status 202)"),
        "{}",
        run.stdout()
    );
    let messages = wait_for_lines(&aws, &names.log_group, "REPORT RequestId:", 4);
    let reports: Vec<&String> = messages
        .iter()
        .filter(|m| m.starts_with("REPORT"))
        .collect();
    assert!(reports[0].contains("Status: timeout"), "{reports:#?}");
    assert!(reports[1].contains("Status: error"), "{reports:#?}");
    // The process that timed out and the one that crashed are gone: the next
    // starts cold; the event after it runs warm.
    assert!(reports[2].contains("Init Duration"), "{reports:#?}");
    assert!(!reports[3].contains("Init Duration"), "{reports:#?}");
}

#[test]
fn warm_invocations_reuse_the_process_and_a_code_update_replaces_it() {
    let p = Project::new("runswarm").with_handler_copy_of("tests/fixtures/misbehaving");
    p.up();
    let pid = |p: &Project| -> u64 {
        let run = p.run(&["invoke", "--payload", "{}"]).ok();
        let body: Value = serde_json::from_str(run.stdout().trim()).unwrap();
        body["env"]["pid"].as_u64().unwrap()
    };
    let first = pid(&p);
    assert_eq!(pid(&p), first, "a warm invocation reuses the process");

    // New code: a new process.
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, source.replace("asked to panic", "told to panic")).unwrap();
    p.run(&["update-code"]).ok();
    let second = pid(&p);
    assert_ne!(second, first, "new code runs in a new process");

    // New configuration: a new process too.
    p.write_config(&Settings {
        memory_mb: 256,
        ..Settings::default()
    });
    p.up();
    assert_ne!(
        pid(&p),
        second,
        "a configuration change starts a new process"
    );
}

#[test]
fn logs_show_start_the_handlers_line_and_report() {
    let p = Project::new("runslogs");
    p.up();
    // Before any invocation: an empty group, no error.
    let run = p.run(&["logs"]).ok();
    assert_eq!(run.stdout(), "");

    let run = p.run(&["invoke", "--payload", ADA, "--logs"]).ok();
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    let tail = run.stderr();
    assert!(tail.contains("REPORT RequestId:"), "{tail}");
    assert!(tail.contains("Max Memory Used:"), "{tail}");
    assert!(
        tail.contains("Init Duration:"),
        "a cold start says so: {tail}"
    );
    assert!(tail.contains("answered: Hello, Ada Lovelace."), "{tail}");
    // The handler saw who called: the one identity GetId gave in our pool.
    let aws = Aws::new();
    let pool = aws.pools(&p.names().pool)[0].identity_pool_id().to_string();
    let identities = aws
        .block(
            aws.cognito
                .list_identities()
                .identity_pool_id(&pool)
                .max_results(60)
                .send(),
        )
        .unwrap();
    let ids: Vec<&str> = identities
        .identities()
        .iter()
        .filter_map(|i| i.identity_id())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(
        tail.contains(&format!("caller: {} (identity pool {pool})", ids[0])),
        "{tail}"
    );

    let run = p.run(&["logs", "--since", "5m"]).ok();
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    let at = |fragment: &str| {
        lines
            .iter()
            .position(|l| l.contains(fragment))
            .unwrap_or_else(|| panic!("no {fragment:?} in:\n{out}"))
    };
    assert!(at("START RequestId:") < at("answered: Hello, Ada Lovelace."));
    // The app called the alias: version 1 served it, and Lambda's START line says so.
    assert!(
        lines[at("START RequestId:")].ends_with("Version: 1"),
        "{out}"
    );
    assert!(at("answered: Hello, Ada Lovelace.") < at("END RequestId:"));
    assert!(at("END RequestId:") < at("REPORT RequestId:"));
    // `time  message`, the time in RFC 3339.
    let first = lines[0];
    assert!(first.len() > 26 && &first[24..26] == "  ", "{first}");
    assert!(first[..24].ends_with('Z'), "{first}");

    // JSON: one event per line.
    let run = p
        .run(&["logs", "--output", "json", "--filter", "answered"])
        .ok();
    let events: Vec<Value> = run
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "{}", run.stdout());
    assert_eq!(events[0]["message"], "answered: Hello, Ada Lovelace.");
    assert!(events[0]["stream"].as_str().unwrap().contains("/[1]"));
}

#[test]
fn logs_follow_picks_up_an_invocation_made_after_it_started_and_stops_on_ctrl_c() {
    let p = Project::new("runsfollow");
    p.up();
    let mut child = p
        .command(&["logs", "--follow", "--since", "1m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(1500));
    let invoked = Instant::now();
    p.run(&["invoke", "--payload", ADA]).ok();
    let mut seen = Vec::new();
    let shown_at = loop {
        match rx.recv_timeout(Duration::from_secs(15)) {
            Ok((at, line)) => {
                let done = line.contains("REPORT RequestId:");
                seen.push(line);
                if done {
                    break at;
                }
            }
            Err(_) => panic!("--follow showed no REPORT line: {seen:#?}"),
        }
    };
    assert!(seen
        .iter()
        .any(|l| l.contains("answered: Hello, Ada Lovelace.")));
    println!(
        "FIGURES logs --follow: REPORT shown {} ms after the invoke started",
        shown_at.duration_since(invoked).as_millis()
    );
    // A second poll does not print the same lines again.
    std::thread::sleep(Duration::from_millis(2500));
    let again: Vec<String> = rx.try_iter().map(|(_, l)| l).collect();
    assert!(again.is_empty(), "printed twice: {again:#?}");
    // Ctrl-C ends it cleanly.
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    assert_eq!(code.code(), Some(0), "{code:?}");
}

#[test]
fn the_log_group_is_ours_its_retention_is_kept_and_teardown_removes_it() {
    let p = Project::new("runsgroup");
    let names = p.names();
    let aws = Aws::new();
    p.write_config(&Settings {
        log_retention_days: Some(14),
        ..Settings::default()
    });
    p.up();
    assert_eq!(aws.log_group(&names.log_group).unwrap().0, Some(14));

    // Drift: someone keeps the logs a week.
    aws.block(
        aws.logs
            .put_retention_policy()
            .log_group_name(&names.log_group)
            .retention_in_days(7)
            .send(),
    )
    .unwrap();
    let plan = p.run(&["plan"]).ok().stdout();
    assert!(plan.contains("retention 7 days → 14 days"), "{plan}");
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), ["logs:PutRetentionPolicy"]);
    assert_eq!(aws.log_group(&names.log_group).unwrap().0, Some(14));

    // After the function ran, teardown still leaves nothing.
    p.run(&["invoke", "--payload", ADA]).ok();
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
}

/// As Lambda makes the group at a first invocation: untagged, no retention.
fn lambdas_own_group(aws: &Aws, name: &str) {
    let _ = aws.block(aws.logs.delete_log_group().log_group_name(name).send());
    aws.block(aws.logs.create_log_group().log_group_name(name).send())
        .unwrap();
}

#[test]
fn an_untagged_group_is_adopted_only_when_our_function_exists() {
    let p = Project::new("runsadopt");
    let names = p.names();
    let aws = Aws::new();
    p.up();
    lambdas_own_group(&aws, &names.log_group);
    p.recorder.clear();
    let run = p.up();
    assert!(
        run.stderr().contains("adopted log group"),
        "{}",
        run.stderr()
    );
    let mut writes = p.recorder.writes();
    writes.sort();
    assert_eq!(writes, ["logs:PutRetentionPolicy", "logs:TagResource"]);
    let (retention, tags) = aws.log_group(&names.log_group).unwrap();
    assert_eq!(retention, Some(30));
    assert_eq!(tags.get("backend-ctl:project"), Some(&p.name));

    // Without our function, the same group is someone else's: up stops.
    let q = Project::new("runsorphan");
    lambdas_own_group(&aws, &q.names().log_group);
    q.run(&["up", "--yes"]).fails(
        4,
        "CloudWatch log group /aws/lambda/runsorphan-dev exists but is not owned",
    );
    assert_eq!(q.recorder.writes(), Vec::<String>::new());
    assert!(aws.function(&q.names().function).is_none());
}

#[test]
fn lambdas_untagged_group_does_not_strand_a_stack_whose_function_is_gone() {
    // A stack from before backend-ctl made log groups, whose function was
    // then deleted (in the console, or by a teardown cut short).
    let p = Project::new("runsstrand");
    let names = p.names();
    let aws = Aws::new();
    p.up();
    lambdas_own_group(&aws, &names.log_group);
    aws.block(
        aws.lambda
            .delete_function()
            .function_name(&names.function)
            .send(),
    )
    .unwrap();
    let plan = p.run(&["plan"]).ok().stdout();
    assert!(plan.contains("adopt the untagged group"), "{plan}");
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
}
