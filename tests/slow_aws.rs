//! AWS's slowness made visible: IAM propagation delay and Lambda's Pending /
//! InProgress states (switched on in the emulator for one project's names
//! only). `up` and `update-code` must wait them out unattended and say what
//! they wait for; a wait past its limit, or a failed transition, must fail
//! with Lambda's reason.

mod common;

use common::{emulator_switches, Aws, Project, Settings};
use serde_json::json;

#[test]
fn up_and_update_code_wait_out_propagation_and_slow_states() {
    let p = Project::new("slowpoke");
    emulator_switches(
        "slowpoke-",
        json!({"iam_propagation_seconds": 3.0, "lambda_pending_seconds": 2.0, "lambda_update_seconds": 2.0}),
    );
    let run = p.up();
    let err = run.stderr();
    assert!(
        err.contains("waiting for IAM role"),
        "says it waits for IAM: {err}"
    );
    assert!(err.contains("to be assumable by Lambda"), "{err}");
    assert!(
        err.contains("waiting for Lambda function slowpoke-dev to become Active"),
        "{err}"
    );
    let aws = Aws::new();
    let f = aws.function("slowpoke-dev").unwrap();
    assert_eq!(
        f.configuration().unwrap().state().unwrap().as_str(),
        "Active"
    );

    // A configuration change, then the code changed behind our back while
    // that update is still in progress: up must wait, never collide.
    p.write_config(&Settings {
        memory_mb: 512,
        ..Settings::default()
    });
    p.up();
    let c = aws.function("slowpoke-dev").unwrap();
    assert_eq!(c.configuration().unwrap().memory_size(), Some(512));
    assert_eq!(
        c.configuration()
            .unwrap()
            .last_update_status()
            .unwrap()
            .as_str(),
        "Successful"
    );
    let before = c
        .configuration()
        .unwrap()
        .code_sha256()
        .unwrap()
        .to_string();

    aws.block(
        aws.lambda
            .update_function_code()
            .function_name("slowpoke-dev")
            .zip_file(aws_sdk_lambda::primitives::Blob::new(tiny_zip()))
            .send(),
    )
    .unwrap();
    // The function is InProgress now; update-code must wait for it, then upload.
    let run = p.run(&["update-code"]).ok();
    assert!(run.stdout().starts_with("updated"), "{}", run.stdout());
    let after = aws.function("slowpoke-dev").unwrap();
    assert_eq!(
        after.configuration().unwrap().code_sha256(),
        Some(before.as_str())
    );
    assert_eq!(
        after
            .configuration()
            .unwrap()
            .last_update_status()
            .unwrap()
            .as_str(),
        "Successful"
    );
}

#[test]
fn a_wait_past_its_limit_fails_with_the_state_and_the_next_up_finishes() {
    let p = Project::new("waitlong");
    emulator_switches("waitlong-", json!({"lambda_pending_seconds": 4.0}));
    let run = p.run_with(
        &["up", "--yes"],
        &[("BACKEND_CTL_WAIT_LIMIT_SECS", Some("1"))],
    );
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("waiting for Lambda Function (waitlong-dev) to become Active"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("still not done after 1 s (state Pending"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("run the same command again later"),
        "{}",
        run.stderr()
    );
    // The next run, with the default limit, waits the rest and converges.
    p.up();
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn a_failed_transition_is_reported_with_lambdas_reason() {
    let p = Project::new("doomed");
    emulator_switches(
        "doomed-",
        json!({"lambda_pending_seconds": 1.0, "lambda_fail_reason": "The subnet has no free IP addresses."}),
    );
    let run = p.run(&["up", "--yes"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("state Failed: The subnet has no free IP addresses."),
        "{}",
        run.stderr()
    );
}

fn tiny_zip() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("bootstrap", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"placeholder").unwrap();
    w.finish().unwrap().into_inner()
}
