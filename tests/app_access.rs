//! The app's Invoke, authorized by the emulator as AWS authorizes it: the
//! SigV4 signature of the identity's credentials and the unauthenticated
//! role's policy. The stack `up` makes lets the app in; a stack whose invoke
//! policy names another function shuts it out, and `up` lets it back in.

mod common;

use std::time::{Duration, Instant};

use common::{Aws, Project};

const ADA: &str = r#"{"firstName": "Ada", "lastName": "Lovelace"}"#;

#[test]
fn a_wrong_invoke_policy_shuts_the_app_out_and_up_lets_it_back_in() {
    let p = Project::new("accesswrong");
    p.up();
    p.run(&["invoke", "--payload", ADA]).ok();

    // Behind our back: the invoke policy now names another function only.
    let names = p.names();
    let aws = Aws::new();
    let mut policy = aws
        .role_policy(&names.unauth_role, &names.unauth_policy)
        .unwrap();
    let ours = policy["Statement"][0]["Resource"]
        .as_str()
        .unwrap()
        .to_string();
    // Exactly the alias the app calls: not $LATEST, not a version, not `:*`.
    assert!(ours.ends_with(":function:accesswrong-dev:live"), "{policy}");
    let other = ours.replace(
        ":function:accesswrong-dev:live",
        ":function:someone-else:live",
    );
    policy["Statement"][0]["Resource"] = serde_json::json!(other);
    aws.block(
        aws.iam
            .put_role_policy()
            .role_name(&names.unauth_role)
            .policy_name(&names.unauth_policy)
            .policy_document(policy.to_string())
            .send(),
    )
    .unwrap();

    // The app is refused by Lambda's authorization, named, with the fix, at
    // once: the stack says nothing is propagating (IAM's full wait is set).
    let started = Instant::now();
    let run = p
        .run(&["invoke", "--payload", ADA])
        .fails(7, "lambda:InvokeFunction");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let err = run.stderr();
    assert!(
        err.contains("assumed-role/accesswrong-dev-unauth/CognitoIdentityCredentials"),
        "{err}"
    );
    assert!(
        err.contains(&ours),
        "the refused resource is our function: {err}"
    );
    assert!(
        err.contains("was changed, so nothing is propagating"),
        "{err}"
    );
    assert!(err.contains("backend-ctl up"), "{err}");
    assert!(!err.contains("waiting for"), "{err}");
    assert!(run.stdout().is_empty(), "{}", run.stdout());

    // `up` puts the policy back, and the app is let in again.
    p.up();
    let run = p.run(&["invoke", "--payload", ADA]).ok();
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    p.run(&["teardown", "--yes"]).ok();
}

#[test]
fn a_removed_invoke_policy_is_reported_at_once_not_waited_for() {
    let p = Project::new("accessgone");
    p.up();
    let names = p.names();
    let aws = Aws::new();
    aws.block(
        aws.iam
            .delete_role_policy()
            .role_name(&names.unauth_role)
            .policy_name(&names.unauth_policy)
            .send(),
    )
    .unwrap();
    let started = Instant::now();
    let run = p
        .run(&["invoke", "--payload", ADA])
        .fails(7, "lambda:InvokeFunction");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let err = run.stderr();
    assert!(
        err.contains("the role accessgone-dev-unauth has no invoke policy accessgone-dev-invoke"),
        "{err}"
    );
    p.up();
    p.run(&["invoke", "--payload", ADA]).ok();
    p.run(&["teardown", "--yes"]).ok();
}

#[test]
fn a_fresh_stacks_permission_is_waited_for_and_the_wait_is_shown() {
    let p = Project::new("accessfresh");
    // IAM shows the app's new permissions to Lambda 2 s after each change.
    common::emulator_switches(
        "accessfresh-",
        serde_json::json!({"iam_propagation_seconds": 2.0}),
    );
    p.up();
    let run = p.run(&["invoke", "--payload", ADA]).ok();
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    assert!(
        run.stderr()
            .contains("waiting for the unauthenticated role's permission to propagate"),
        "{}",
        run.stderr()
    );
    p.run(&["teardown", "--yes"]).ok();
}
