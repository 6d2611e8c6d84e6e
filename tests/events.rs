//! Event calls lose nothing, against the emulator: the on-failure
//! destination (an SQS queue) that `up` makes and converges; `failed` lists
//! what Lambda gave up on; `replay` runs it again, removes only what then
//! succeeds, and finishes a replay cut short without running anything twice;
//! `pause` sends Event calls to the queue and `resume --replay` runs them;
//! teardown says what it deletes and asks.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::proxy::{Faults, Hook};
use common::{emulator_switches, Aws, Project, Settings};
use serde_json::{json, Value};

/// The example handler refuses an event without `lastName` (BadRequest).
const NO_LAST_NAME: &str = r#"{"firstName": "Grace"}"#;

fn json_of(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}: {}", run.stdout()))
}

/// Lambda's retries of the project's Event calls, a tenth of a second apart
/// (never skipped: the emulator waits, only less).
fn quick_retries(p: &Project) {
    emulator_switches(
        &p.names().function,
        json!({"lambda_event_retry_seconds": 0.1}),
    );
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How many times the function answered `greeting` (its log says so per run).
fn runs(aws: &Aws, p: &Project, greeting: &str) -> usize {
    let line = format!("answered: {greeting}");
    aws.log_messages(&p.names().log_group)
        .iter()
        .filter(|m| m.trim() == line)
        .count()
}

fn refusals(aws: &Aws, p: &Project) -> usize {
    aws.log_messages(&p.names().log_group)
        .iter()
        .filter(|m| m.starts_with("refused:"))
        .count()
}

/// The alias's event-invoke settings, as Lambda holds them.
fn event_config(aws: &Aws, p: &Project) -> Option<(Option<i32>, Option<i32>, Option<String>)> {
    let out = aws
        .block(
            aws.lambda
                .get_function_event_invoke_config()
                .function_name(&p.names().function)
                .qualifier("live")
                .send(),
        )
        .ok()?;
    Some((
        out.maximum_retry_attempts(),
        out.maximum_event_age_in_seconds(),
        out.destination_config()
            .and_then(|d| d.on_failure())
            .and_then(|d| d.destination())
            .map(str::to_string),
    ))
}

fn queue_arn(p: &Project) -> String {
    format!(
        "arn:aws:sqs:us-east-1:123456789012:{}",
        p.names().failed_queue
    )
}

fn send_async(p: &Project, payload: &str) {
    p.run(&["invoke", "--async", "--payload", payload]).ok();
}

#[test]
fn a_failed_event_is_kept_listed_and_replayed_after_a_fix() {
    let p = Project::new("evfail").with_handler_copy();
    let aws = Aws::new();
    let names = p.names();
    p.up();
    // The queue: encrypted, kept 14 days, tagged; the alias sends to it.
    let (url, attributes) = aws.queue(&names.failed_queue).expect("the queue");
    assert_eq!(attributes["SqsManagedSseEnabled"], "true");
    assert_eq!(attributes["MessageRetentionPeriod"], "1209600");
    let tags = aws.queue_tags(&url);
    assert_eq!(tags["backend-ctl:project"], "evfail");
    assert_eq!(tags["backend-ctl:stage"], "dev");
    assert_eq!(
        event_config(&aws, &p),
        Some((Some(2), Some(21600), Some(queue_arn(&p))))
    );
    let policy = aws
        .role_policy(&names.exec_role, &names.exec_policy)
        .unwrap();
    assert!(
        policy.to_string().contains("sqs:SendMessage")
            && policy.to_string().contains(&queue_arn(&p)),
        "{policy}"
    );

    quick_retries(&p);
    send_async(&p, NO_LAST_NAME);
    send_async(&p, r#"{"firstName": "Ada", "lastName": "Lovelace"}"#);
    wait_for("the failed event in the queue", || {
        aws.queue_depth(&names.failed_queue) == 1
    });
    // Three runs of the failed event (the first and Lambda's two retries),
    // and exactly one record.
    wait_for("the good event's run", || {
        runs(&aws, &p, "Hello, Ada Lovelace.") == 1
    });
    assert_eq!(refusals(&aws, &p), 3);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(aws.queue_depth(&names.failed_queue), 1);

    let listed = json_of(&p.run(&["failed", "--output", "json"]).ok());
    let events = listed["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{listed}");
    let event = &events[0];
    assert_eq!(event["condition"], "RetriesExhausted");
    assert_eq!(event["attempts"], 3);
    assert_eq!(event["error_type"], "BadRequest");
    assert!(event["error_message"]
        .as_str()
        .unwrap()
        .contains("lastName"));
    assert_eq!(event["payload"], json!({"firstName": "Grace"}));
    // Listing removes nothing, and leaves the event visible to the next reader.
    let text = p.run(&["failed"]).ok().stdout();
    assert!(
        text.contains("1 failed events") && text.contains("RetriesExhausted"),
        "{text}"
    );

    // Replayed before the fix: it fails again and stays.
    let again = p.run(&["replay", "--all"]);
    again.fails(6, "failed again");
    assert_eq!(aws.queue_depth(&names.failed_queue), 1);

    // The fix: a missing last name is fine now.
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    let fixed = source.replace(
        "let last = field(&event, \"lastName\")?;",
        "let last = field(&event, \"lastName\").unwrap_or_else(|_| \"Hopper\".into());",
    );
    assert_ne!(source, fixed, "the handler's lastName line moved");
    std::fs::write(&main, fixed).unwrap();
    p.run(&["update-code"]).ok();
    let id = event["id"].as_str().unwrap();
    let replayed = json_of(&p.run(&["replay", id, "--output", "json"]).ok());
    assert_eq!(replayed["replayed"], json!([id]));
    assert_eq!(runs(&aws, &p, "Hello, Grace Hopper."), 1);
    assert_eq!(aws.queue_depth(&names.failed_queue), 0);
    let listed = json_of(&p.run(&["failed", "--output", "json"]).ok());
    assert_eq!(listed["events"], json!([]));
}

#[test]
fn pause_sends_event_calls_to_the_queue_and_resume_replay_runs_each_once() {
    let p = Project::new("evpause");
    let aws = Aws::new();
    let names = p.names();
    p.up();
    let paused = p.run(&["pause"]).ok();
    assert!(
        paused.stderr().contains("resume --replay"),
        "{}",
        paused.stderr()
    );
    let people = ["Ann One", "Bob Two", "Cy Three"];
    for person in people {
        let (first, last) = person.split_once(' ').unwrap();
        send_async(
            &p,
            &json!({"firstName": first, "lastName": last}).to_string(),
        );
    }
    wait_for("three events in the queue", || {
        aws.queue_depth(&names.failed_queue) == 3
    });
    let listed = json_of(&p.run(&["failed", "--output", "json"]).ok());
    let events = listed["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    for e in events {
        // Untried: Lambda sends them on at once, without a run.
        assert_eq!(e["attempts"], 0, "{e}");
        assert_eq!(e["version"], Value::Null, "{e}");
    }
    for person in people {
        assert_eq!(runs(&aws, &p, &format!("Hello, {person}.")), 0);
    }
    let resumed = json_of(&p.run(&["resume", "--replay", "--output", "json"]).ok());
    assert_eq!(
        resumed["replayed"].as_array().unwrap().len(),
        3,
        "{resumed}"
    );
    for person in people {
        assert_eq!(runs(&aws, &p, &format!("Hello, {person}.")), 1, "{person}");
    }
    assert_eq!(aws.queue_depth(&names.failed_queue), 0);
    // And the function takes calls again.
    let reserved = aws.function(&names.function).and_then(|f| {
        f.concurrency()
            .and_then(|c| c.reserved_concurrent_executions())
    });
    assert_eq!(reserved, Some(10), "the reservation is back");
}

/// The calls a replay of `n` events makes, from a run that replays them all.
fn replay_calls(p: &Project) -> usize {
    p.recorder.clear();
    p.run(&["replay", "--all"]).ok();
    p.recorder.calls().len()
}

#[test]
fn a_replay_cut_short_anywhere_is_finished_by_the_next_with_each_event_run_once() {
    let p = Project::with_faults("evcut", Faults::default());
    let aws = Aws::new();
    let names = p.names();
    p.up();
    p.run(&["pause"]).ok();
    let send = |tag: &str| {
        send_async(
            &p,
            &json!({"firstName": tag, "lastName": "Cut"}).to_string(),
        );
    };
    // A reference replay: how many calls one takes.
    for i in 0..3 {
        send(&format!("Ref{i}"));
    }
    wait_for("three events", || aws.queue_depth(&names.failed_queue) == 3);
    p.run(&["resume"]).ok();
    let total = replay_calls(&p);
    assert!(total > 8, "a replay of three events took {total} calls");
    // Each run is cut (the connection drops before the request is
    // forwarded, as if the run were killed there) after k calls; the next
    // replay finishes it.
    let (mut cuts, mut points) = (0, 0);
    for k in (1..total).step_by(2) {
        points += 1;
        p.run(&["pause"]).ok();
        let tags: Vec<String> = (0..3).map(|i| format!("K{k}e{i}")).collect();
        for t in &tags {
            send(t);
        }
        wait_for("three events", || aws.queue_depth(&names.failed_queue) == 3);
        p.run(&["resume"]).ok();
        p.recorder.set_faults(Faults {
            cut_after: Some(k),
            ..Faults::default()
        });
        let cut = p.run(&["replay", "--all"]);
        p.recorder.set_faults(Faults::default());
        if cut.code() != 0 {
            cuts += 1;
        }
        p.run(&["replay", "--all"]).ok();
        assert_eq!(aws.queue_depth(&names.failed_queue), 0, "cut after {k}");
        for t in &tags {
            assert_eq!(
                runs(&aws, &p, &format!("Hello, {t} Cut.")),
                1,
                "cut after {k}: {t} ran other than once"
            );
        }
    }
    // Every run but perhaps the last (whose cut may fall after its end) was cut.
    assert!(cuts + 1 >= points, "only {cuts} of {points} runs were cut");
}

/// Runs `replay --all` and kills it (`kill -9`) just before its first call
/// of `action` reaches AWS (the call is never applied); the exit status.
fn replay_killed_at(p: &Project, action: &'static str) -> std::process::ExitStatus {
    let pid: Arc<Mutex<Option<u32>>> = Arc::default();
    let target = pid.clone();
    let kill = move || {
        if let Some(pid) = *target.lock().unwrap() {
            let killed = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()
                .unwrap();
            assert!(killed.success(), "kill -9 {pid}");
        }
    };
    p.recorder.set_faults(Faults {
        before: vec![Hook(action, Arc::new(kill))],
        cut_at: Some(action),
        ..Faults::default()
    });
    let mut child = p
        .command(&["replay", "--all"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    *pid.lock().unwrap() = Some(child.id());
    let status = child.wait().unwrap();
    p.recorder.set_faults(Faults::default());
    status
}

#[test]
fn a_replay_killed_mid_run_is_finished_by_the_next_with_each_event_run_once() {
    let p = Project::with_faults("evkill", Faults::default());
    let aws = Aws::new();
    let names = p.names();
    p.up();
    // Killed as it removes the first event it replayed (its run succeeded),
    // and as it starts the first event's run (Lambda never got it).
    for (round, action) in ["DeleteMessage", "Invoke"].into_iter().enumerate() {
        p.run(&["pause"]).ok();
        let tags: Vec<String> = (0..3).map(|i| format!("Kill{round}e{i}")).collect();
        for t in &tags {
            send_async(&p, &json!({"firstName": t, "lastName": "Nine"}).to_string());
        }
        wait_for("three events", || aws.queue_depth(&names.failed_queue) == 3);
        p.run(&["resume"]).ok();

        let status = replay_killed_at(&p, action);
        assert_eq!(status.signal(), Some(9), "killed at {action}: {status:?}");
        let ran: usize = tags
            .iter()
            .map(|t| runs(&aws, &p, &format!("Hello, {t} Nine.")))
            .sum();
        assert_eq!(
            ran,
            usize::from(action == "DeleteMessage"),
            "killed at {action}"
        );

        let next = p.run(&["replay", "--all"]).ok();
        assert!(
            next.stderr().contains("an earlier replay was cut short"),
            "{}",
            next.stderr()
        );
        assert_eq!(
            aws.queue_depth(&names.failed_queue),
            0,
            "killed at {action}"
        );
        for t in &tags {
            assert_eq!(
                runs(&aws, &p, &format!("Hello, {t} Nine.")),
                1,
                "killed at {action}: {t} ran other than once"
            );
        }
    }
}

#[test]
fn up_right_after_teardown_waits_for_sqs_to_free_the_queues_name() {
    let p = Project::new("evagain");
    let aws = Aws::new();
    p.up();
    // SQS keeps a deleted queue's name for 60 s; here 20 s, which is longer
    // than the next up's build can take, even waiting for other tests'.
    emulator_switches(
        &p.names().function,
        json!({"sqs_deleted_recently_seconds": 20.0}),
    );
    p.run(&["teardown", "--yes"]).ok();
    p.recorder.clear();
    let again = p.up();
    assert!(
        again.stderr().contains("free the name"),
        "{}",
        again.stderr()
    );
    let creates = p
        .recorder
        .calls()
        .iter()
        .filter(|c| c.action == "CreateQueue")
        .count();
    assert!(
        creates >= 2,
        "CreateQueue was not refused first ({creates})"
    );
    assert!(aws.queue(&p.names().failed_queue).is_some());
    p.run(&["teardown", "--yes"]).ok();
}

#[test]
fn up_adds_the_destination_to_a_stack_without_one_and_a_second_up_writes_nothing() {
    let p = Project::new("evadd");
    let aws = Aws::new();
    let names = p.names();
    p.write_config(&Settings {
        keep_failed: Some(false),
        ..Settings::default()
    });
    let first = p.up();
    assert!(
        first.stderr().contains("keep_failed = false"),
        "{}",
        first.stderr()
    );
    assert!(aws.queue(&names.failed_queue).is_none());
    assert_eq!(event_config(&aws, &p), Some((Some(2), Some(21600), None)));
    // Paused without a destination: the warning says events are lost.
    let paused = p.run(&["pause"]).ok();
    assert!(paused.stderr().contains("lost"), "{}", paused.stderr());
    p.run(&["resume"]).ok();

    p.write_config(&Settings::default());
    p.recorder.clear();
    p.up();
    let mut writes = p.recorder.writes();
    writes.sort();
    assert_eq!(
        writes,
        [
            "iam:PutRolePolicy",
            "lambda:PutFunctionEventInvokeConfig",
            "sqs:CreateQueue"
        ],
        "the destination takes three writes, nothing else is touched"
    );
    assert_eq!(
        event_config(&aws, &p),
        Some((Some(2), Some(21600), Some(queue_arn(&p))))
    );
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn teardown_with_failed_events_waiting_asks_and_with_yes_leaves_nothing() {
    let p = Project::new("evdown");
    let aws = Aws::new();
    let names = p.names();
    p.up();
    p.run(&["pause"]).ok();
    send_async(&p, r#"{"firstName": "Ada", "lastName": "Lovelace"}"#);
    wait_for("one event", || aws.queue_depth(&names.failed_queue) == 1);
    let asked = p.run(&["teardown"]);
    let asked = asked.fails(2, "--yes");
    assert!(
        asked.stderr().contains("still holds 1 failed events"),
        "{}",
        asked.stderr()
    );
    assert_eq!(aws.queue_depth(&names.failed_queue), 1);
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
}
