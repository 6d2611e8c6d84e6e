//! What AWS refuses while an earlier change is still being applied, and the
//! SDKs do not retry: IAM's `DeleteConflict` right after a role's policies
//! went (hashicorp/terraform#3222), IAM's `ConcurrentModification`, and
//! CloudWatch Logs' `OperationAbortedException` (aws-cdk#15709). The
//! emulator's switches produce each; `up` and `teardown` wait them out,
//! within a bounded number of tries, and leave nothing behind.

mod common;

use common::{emulator_produced, emulator_switches, Aws, Project};
use serde_json::json;

#[test]
fn teardown_waits_out_delete_conflict_after_the_policies_went() {
    let p = Project::new("conflictdel");
    p.up();
    emulator_switches("conflictdel-", json!({"iam_delete_conflict": {"calls": 3}}));
    let run = p.run(&["teardown", "--yes"]).ok();
    let produced = emulator_produced("conflictdel-");
    // Both roles were refused, three times each, then deleted.
    assert_eq!(produced["iam_delete_conflict"], 6, "{produced}");
    assert!(
        run.stderr()
            .contains("waiting for IAM to finish removing the policies of role"),
        "{}",
        run.stderr()
    );
    assert!(Aws::new().nothing_left("conflictdel"));
}

#[test]
fn a_delete_conflict_that_outlasts_the_deadline_is_reported_not_hidden() {
    let p = Project::new("conflictlong");
    p.up();
    emulator_switches(
        "conflictlong-",
        json!({"iam_delete_conflict": {"seconds": 30}}),
    );
    let run = p
        .run_with(
            &["teardown", "--yes"],
            &[("BACKEND_CTL_PROPAGATION_TIMEOUT_SECS", Some("1"))],
        )
        .fails(1, "DeleteConflict");
    assert!(
        run.stderr()
            .contains("deleting IAM Role (conflictlong-dev-"),
        "{}",
        run.stderr()
    );
    // Bounded: about 1 s of tries at the first pauses (0.2 s and up), per role.
    let produced = emulator_produced("conflictlong-")["iam_delete_conflict"]
        .as_u64()
        .unwrap();
    assert!((2..=20).contains(&produced), "{produced}");
    emulator_switches("conflictlong-", json!({"iam_delete_conflict": null}));
    p.run(&["teardown", "--yes"]).ok();
    assert!(Aws::new().nothing_left("conflictlong"));
}

#[test]
fn up_and_teardown_wait_out_log_group_and_role_conflicts() {
    let p = Project::new("conflictlogs");
    emulator_switches(
        "conflictlogs-",
        json!({
            "logs_operation_aborted": {"calls": 2},
            "iam_concurrent_modification": {"calls": 1},
        }),
    );
    // CreateLogGroup, then PutRetentionPolicy at once: refused twice.
    let run = p.up();
    let produced = emulator_produced("conflictlogs-");
    assert!(
        produced["logs_operation_aborted"].as_u64().unwrap() >= 2,
        "{produced}"
    );
    assert!(
        produced["iam_concurrent_modification"].as_u64().unwrap() >= 1,
        "{produced}"
    );
    assert!(
        run.stderr()
            .contains("(AWS is still applying an earlier change)"),
        "{}",
        run.stderr()
    );
    let aws = Aws::new();
    let (retention, _) = aws.log_group("/aws/lambda/conflictlogs-dev").unwrap();
    assert_eq!(retention, Some(30));
    // A second up has nothing to write, conflicts or not.
    p.recorder.clear();
    p.up();
    assert!(p.recorder.writes().is_empty(), "{:?}", p.recorder.writes());
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left("conflictlogs"));
    assert!(aws.log_group("/aws/lambda/conflictlogs-dev").is_none());
}
