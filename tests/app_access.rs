//! The app's Invoke, authorized by the emulator as AWS authorizes it: the
//! SigV4 signature of the identity's credentials and the unauthenticated
//! role's policy. The stack `up` makes lets the app in; a stack whose invoke
//! policy names another function shuts it out, and `up` lets it back in.

mod common;

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
    assert!(ours.ends_with(":function:accesswrong-dev"), "{policy}");
    let other = ours.replace(":function:accesswrong-dev", ":function:someone-else");
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

    // The app is refused by Lambda's authorization, named, with the fix.
    let run = p
        .run_with(
            &["invoke", "--payload", ADA],
            &[("BACKEND_CTL_PROPAGATION_TIMEOUT_SECS", Some("1"))],
        )
        .fails(7, "lambda:InvokeFunction");
    let err = run.stderr();
    assert!(
        err.contains("assumed-role/accesswrong-dev-unauth/CognitoIdentityCredentials"),
        "{err}"
    );
    assert!(
        err.contains(&ours),
        "the refused resource is our function: {err}"
    );
    assert!(err.contains("backend-ctl up"), "{err}");
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
