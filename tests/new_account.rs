//! A first `up` on a brand-new AWS account, and what real AWS does that a
//! roomy test account does not: concurrency and memory limits, the KMS
//! propagation error, a lagging pool list, denied permissions, opt-in
//! regions; and the deployer policy, checked against every call made.
//! Accounts are separate emulator accounts (moto's `x-moto-account-id`).

mod common;

use std::time::Duration;

use common::{emulator_account, emulator_switches, Aws, Project, Settings};
use serde_json::json;

const ADA: &str = r#"{"firstName": "Ada", "lastName": "Lovelace"}"#;

/// A project whose every call goes to emulator account `account`.
fn in_account(name: &str, account: &str) -> Project {
    let p = Project::new(name);
    p.recorder.set_account(account);
    p
}

#[test]
fn a_new_account_goes_up_without_a_reservation_and_gets_the_cap_when_its_limit_rises() {
    let account = "100000000010";
    emulator_account(json!({"account_id": account, "concurrent_executions": 10}));
    let p = in_account("newacct", account);
    let aws = Aws::for_account(account);
    let names = p.names();

    let plan = p.run(&["plan"]).ok();
    assert!(
        plan.stdout()
            .contains("reserved concurrency 10 is not possible on this account"),
        "{}",
        plan.stdout()
    );
    let run = p.up();
    assert!(
        run.stderr()
            .contains("its Lambda limit is 10 concurrent executions"),
        "{}",
        run.stderr()
    );
    assert!(!p
        .recorder
        .writes()
        .iter()
        .any(|w| w.contains("Concurrency")));
    let f = aws.function(&names.function).unwrap();
    assert_eq!(
        f.concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        None
    );
    // The app gets its access: the pool has its role, and the app's path works.
    p.run(&["invoke", "--payload", ADA]).ok();

    // Converged on such an account: nothing to write.
    p.recorder.clear();
    let again = p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert!(
        again.stderr().contains("not possible on this account"),
        "{}",
        again.stderr()
    );

    // The limit is raised: the next up puts the cap, and only that.
    emulator_account(json!({"account_id": account, "concurrent_executions": 1000}));
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), ["lambda:PutFunctionConcurrency"]);
    let f = aws.function(&names.function).unwrap();
    assert_eq!(
        f.concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        Some(10)
    );

    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
}

#[test]
fn without_reserved_concurrency_in_the_config_none_is_made_and_an_old_one_goes() {
    let p = Project::new("noreserve");
    p.up();
    let aws = Aws::new();
    let names = p.names();
    p.write_config(&Settings {
        reserved_concurrency: None,
        ..Settings::default()
    });
    let plan = p.run(&["plan"]).ok().stdout();
    assert!(plan.contains("reserved concurrency 10 → none"), "{plan}");
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), ["lambda:DeleteFunctionConcurrency"]);
    let f = aws.function(&names.function).unwrap();
    assert_eq!(
        f.concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        None
    );
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn the_kms_grant_error_after_a_new_role_is_waited_out() {
    // Environment variables (the default config has one) make Lambda's
    // propagation error the KMS CreateGrant one.
    emulator_switches("kmswait", json!({"iam_propagation_seconds": 2.0}));
    let p = Project::new("kmswait");
    let run = p.up();
    let creates = p
        .recorder
        .calls()
        .iter()
        .filter(|c| c.action == "CreateFunction")
        .count();
    assert!(creates >= 2, "CreateFunction was not retried ({creates})");
    assert!(
        run.stderr().contains("IAM is eventually consistent"),
        "{}",
        run.stderr()
    );
    assert!(Aws::new().function(&p.names().function).is_some());
}

#[test]
fn a_pool_list_that_lags_an_ambiguous_create_still_gives_one_pool() {
    emulator_switches("lagpool", json!({"identity_pool_list_lag_seconds": 2.5}));
    let p = Project::with_faults(
        "lagpool",
        common::proxy::Faults {
            lose_answer_of: Some("CreateIdentityPool"),
            stall: Duration::from_millis(1500),
            ..Default::default()
        },
    );
    p.run_with(&["up", "--yes"], common::COUNTED).ok();
    let creates = p
        .recorder
        .calls()
        .iter()
        .filter(|c| c.action == "CreateIdentityPool")
        .count();
    assert_eq!(creates, 1, "the create was repeated");
    assert_eq!(Aws::new().pools(&p.names().pool).len(), 1);
}

#[test]
fn memory_the_account_refuses_names_the_quota() {
    let account = "100000003008";
    emulator_account(json!({"account_id": account, "max_memory_mb": 3008}));
    let p = in_account("bigmem", account);
    p.write_config(&Settings {
        memory_mb: 4096,
        ..Settings::default()
    });
    let run = p.run(&["up", "--yes"]).fails(1, "MemorySize");
    assert!(
        run.stderr()
            .contains("new AWS accounts are limited to 3008 MB"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("function.memory_mb"),
        "{}",
        run.stderr()
    );
    p.run(&["teardown", "--yes"]).ok();
    assert!(Aws::for_account(account).nothing_left(&p.name));
}

#[test]
fn a_denied_permission_names_the_action_and_the_deployer_policy() {
    let account = "100000000403";
    emulator_account(json!({"account_id": account, "deny": ["lambda:CreateFunction"]}));
    let p = in_account("denied", account);
    let run = p.run(&["up", "--yes"]).fails(7, "lambda:CreateFunction");
    let err = run.stderr();
    assert!(
        err.contains("arn:aws:lambda:us-east-1:100000000403:function:denied-dev"),
        "{err}"
    );
    assert!(err.contains("backend-ctl policy deployer"), "{err}");
    // A denied read, before any write, is the same exit code.
    emulator_account(json!({"account_id": account, "deny": ["lambda:GetAccountSettings"]}));
    p.recorder.clear();
    p.run(&["plan"]).fails(7, "lambda:GetAccountSettings");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    emulator_account(json!({"account_id": account}));
    p.run(&["teardown", "--yes"]).ok();
}

#[test]
fn an_opt_in_region_that_is_not_enabled_is_named() {
    let account = "100000000017";
    emulator_account(json!({"account_id": account, "disabled_regions": ["af-south-1"]}));
    let p = in_account("optin", account);
    let run = p
        .run(&["--region", "af-south-1", "plan"])
        .fails(1, "af-south-1 is an opt-in region");
    assert!(run.stderr().contains("enable-region"), "{}", run.stderr());
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn a_reservation_that_stops_fitting_after_the_plan_is_gone_without() {
    // The function stays Pending for 3 s after CreateFunction; meanwhile
    // the account's limit drops to 10, so the reservation the plan decided
    // on fails as a race with another function's reservation would.
    let account = "100000000099";
    emulator_account(json!({"account_id": account, "concurrent_executions": 1000}));
    emulator_switches("racecap", json!({"lambda_pending_seconds": 3.0}));
    let p = in_account("racecap", account);
    let child = p
        .command(&["up", "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !p
        .recorder
        .calls()
        .iter()
        .any(|c| c.action == "CreateFunction")
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no CreateFunction"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    emulator_account(json!({"account_id": account, "concurrent_executions": 10}));
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("reserved concurrency 10 is not possible on this account"),
        "{stderr}"
    );
    let puts = p
        .recorder
        .writes()
        .iter()
        .filter(|w| *w == "lambda:PutFunctionConcurrency")
        .count();
    assert_eq!(puts, 1, "tried once, then went on");
    // The app has its access all the same.
    p.run(&["invoke", "--payload", ADA]).ok();
    p.run(&["teardown", "--yes"]).ok();
}
