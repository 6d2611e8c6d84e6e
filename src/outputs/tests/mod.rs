//! Unit tests of the app config merge.

use super::*;

fn summary() -> Summary {
    Summary {
        project: "p".into(),
        stage: "dev".into(),
        region: "eu-west-1".into(),
        function_name: "p-dev".into(),
        function_arn: "arn:aws:lambda:eu-west-1:1:function:p-dev".into(),
        alias: "live".into(),
        alias_arn: "arn:aws:lambda:eu-west-1:1:function:p-dev:live".into(),
        identity_pool_id: "eu-west-1:abc".into(),
        execution_role_arn: "arn:aws:iam::1:role/p-dev-exec".into(),
        unauthenticated_role_arn: "arn:aws:iam::1:role/p-dev-unauth".into(),
        timeout_s: 10,
        app_config: None,
    }
}

#[test]
fn fresh_file_has_our_sections() {
    let doc = merge_app_config(None, &summary());
    assert_eq!(
        doc["CredentialsProvider"]["CognitoIdentity"]["Default"]["PoolId"],
        "eu-west-1:abc"
    );
    assert_eq!(
        doc["CredentialsProvider"]["CognitoIdentity"]["Default"]["Region"],
        "eu-west-1"
    );
    // The legacy section names the alias in the function name.
    assert_eq!(
        doc["LambdaInvoker"]["Default"]["FunctionName"],
        "p-dev:live"
    );
    assert_eq!(doc[CLIENT_SECTION]["FunctionName"], "p-dev");
    assert_eq!(doc[CLIENT_SECTION]["Qualifier"], "live");
    assert_eq!(doc[CLIENT_SECTION]["TimeoutSeconds"], 10);
    assert_eq!(doc["LambdaInvoker"]["Default"]["Region"], "eu-west-1");
}

#[test]
fn keys_that_are_not_ours_are_kept() {
    let existing = json!({
        "Version": "0.9",
        "PinpointAnalytics": {"Default": {"AppId": "x"}},
        "CredentialsProvider": {"CognitoIdentity": {"Default": {"PoolId": "old", "Extra": 1}}}
    });
    let doc = merge_app_config(Some(existing), &summary());
    assert_eq!(doc["Version"], "0.9");
    assert_eq!(doc["PinpointAnalytics"]["Default"]["AppId"], "x");
    assert_eq!(
        doc["CredentialsProvider"]["CognitoIdentity"]["Default"]["Extra"],
        1
    );
    assert_eq!(
        doc["CredentialsProvider"]["CognitoIdentity"]["Default"]["PoolId"],
        "eu-west-1:abc"
    );
}

#[test]
fn the_kotlin_clients_section_names_pool_function_and_stage() {
    let doc = merge_app_config(None, &summary());
    let section = &doc[CLIENT_SECTION];
    assert_eq!(section["Region"], "eu-west-1");
    assert_eq!(section["IdentityPoolId"], "eu-west-1:abc");
    assert_eq!(section["FunctionName"], "p-dev");
    assert_eq!(section["Project"], "p");
    assert_eq!(section["Stage"], "dev");
}
