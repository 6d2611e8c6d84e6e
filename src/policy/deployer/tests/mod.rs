//! Unit tests of the deployer policy: scoped to our names, PassRole only to
//! the right service, and every action the commands call.

use super::*;

/// Every action the policy allows, for checks against what the commands call.
fn actions(policy: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for statement in policy["Statement"].as_array().into_iter().flatten() {
        match &statement["Action"] {
            Value::String(a) => out.push(a.clone()),
            Value::Array(list) => {
                out.extend(list.iter().filter_map(|a| a.as_str().map(String::from)))
            }
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

fn account(partition: &str, region: &str) -> Account {
    Account {
        partition: partition.into(),
        account_id: "123456789012".into(),
        region: region.into(),
    }
}

fn statement<'a>(doc: &'a Value, sid: &str) -> &'a Value {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("no statement {sid}"))
}

#[test]
fn resources_are_our_roles_function_and_log_group_only() {
    let names = Names::new("shop", "prod");
    let doc = policy(&names, &account("aws", "eu-west-1"), None, &[]);
    assert_eq!(
        statement(&doc, "OurRoles")["Resource"],
        json!([
            "arn:aws:iam::123456789012:role/shop-prod-exec",
            "arn:aws:iam::123456789012:role/shop-prod-unauth"
        ])
    );
    assert_eq!(
        statement(&doc, "OurFunction")["Resource"],
        json!([
            "arn:aws:lambda:eu-west-1:123456789012:function:shop-prod",
            "arn:aws:lambda:eu-west-1:123456789012:function:shop-prod:*"
        ])
    );
    assert_eq!(
        statement(&doc, "OurLogGroup")["Resource"],
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-prod:*"
    );
    // Only calls that take no resource get "*", and only with our tags where AWS can check them.
    for s in doc["Statement"].as_array().unwrap() {
        if s["Resource"] == "*" {
            let sid = s["Sid"].as_str().unwrap();
            assert!(
                sid == "CallsWithoutAResource" || s.get("Condition").is_some(),
                "{sid} has Resource * without a condition"
            );
        }
    }
    assert_eq!(
        statement(&doc, "CreateOurPool")["Condition"]["StringEquals"],
        json!({"aws:RequestTag/backend-ctl:project": "shop", "aws:RequestTag/backend-ctl:stage": "prod"})
    );
    assert_eq!(
        statement(&doc, "ChangeOnlyOurPool")["Condition"]["StringEquals"],
        json!({"aws:ResourceTag/backend-ctl:project": "shop", "aws:ResourceTag/backend-ctl:stage": "prod"})
    );
}

#[test]
fn each_role_is_passed_only_to_its_own_service() {
    let names = Names::new("shop", "dev");
    // Cognito Identity receives the role under its global name, and in
    // GovCloud under its own principal too (as AWS's managed policies list it).
    for (partition, region, cognito) in [
        (
            "aws",
            "us-east-1",
            json!(["cognito-identity.amazonaws.com"]),
        ),
        (
            "aws-us-gov",
            "us-gov-west-1",
            json!([
                "cognito-identity.amazonaws.com",
                "cognito-identity-us-gov.amazonaws.com"
            ]),
        ),
        (
            "aws-cn",
            "cn-north-1",
            json!(["cognito-identity.amazonaws.com"]),
        ),
    ] {
        let doc = policy(&names, &account(partition, region), None, &[]);
        let exec = statement(&doc, "PassTheExecutionRoleToLambda");
        assert_eq!(exec["Action"], "iam:PassRole");
        assert_eq!(
            exec["Resource"],
            format!("arn:{partition}:iam::123456789012:role/shop-dev-exec")
        );
        assert_eq!(
            exec["Condition"]["StringEquals"]["iam:PassedToService"],
            "lambda.amazonaws.com"
        );
        let unauth = statement(&doc, "PassTheUnauthenticatedRoleToCognito");
        assert_eq!(
            unauth["Resource"],
            format!("arn:{partition}:iam::123456789012:role/shop-dev-unauth")
        );
        assert_eq!(
            unauth["Condition"]["StringEquals"]["iam:PassedToService"],
            cognito
        );
        // No other statement passes roles.
        let passing = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["Action"].to_string().contains("PassRole"))
            .count();
        assert_eq!(passing, 2, "{partition}");
    }
}

#[test]
fn actions_lists_every_allowed_action_once() {
    let doc = policy(
        &Names::new("shop", "dev"),
        &account("aws", "us-east-1"),
        None,
        &[],
    );
    let all = actions(&doc);
    for a in [
        "iam:PassRole",
        "lambda:GetAccountSettings",
        "logs:FilterLogEvents",
        "cognito-identity:CreateIdentityPool",
    ] {
        assert!(all.iter().any(|x| x == a), "{a} missing");
    }
    let mut deduped = all.clone();
    deduped.dedup();
    assert_eq!(all, deduped);
    assert!(
        !all.iter().any(|a| a.contains('*')),
        "no wildcard actions: {all:?}"
    );
}

#[test]
fn once_the_pool_exists_tagging_and_changing_pools_is_pinned_to_it() {
    let names = Names::new("shop", "dev");
    let pool = "eu-west-1:11111111-2222-3333-4444-555555555555";
    let doc = policy(&names, &account("aws", "eu-west-1"), Some(pool), &[]);
    let arn = format!("arn:aws:cognito-identity:eu-west-1:123456789012:identitypool/{pool}");
    assert_eq!(statement(&doc, "TagOurPool")["Resource"], arn);
    assert_eq!(statement(&doc, "ChangeOnlyOurPool")["Resource"], arn);
    // Nothing lets the holder tag, change or delete another pool.
    for s in doc["Statement"].as_array().unwrap() {
        let acts = s["Action"].to_string();
        if acts.contains("TagResource") && acts.contains("cognito") {
            assert_ne!(s["Resource"], "*", "{s}");
        }
        if acts.contains("UpdateIdentityPool") || acts.contains("DeleteIdentityPool") {
            assert_eq!(s["Resource"], arn, "{s}");
        }
    }
    // Before the pool exists, tagging at creation must be open to any pool
    // tagged as ours in the request.
    let first = policy(&names, &account("aws", "eu-west-1"), None, &[]);
    assert_eq!(statement(&first, "TagOurPool")["Resource"], "*");
}

#[test]
fn roles_the_user_mapped_on_our_pool_may_be_passed_back_to_cognito_only() {
    let names = Names::new("shop", "dev");
    let mapped = vec!["arn:aws:iam::123456789012:role/shop-signed-in".to_string()];
    let doc = policy(
        &names,
        &account("aws", "eu-west-1"),
        Some("eu-west-1:pool"),
        &mapped,
    );
    let statement = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "PassTheRolesMappedOnOurPool")
        .expect("a statement for the mapped roles");
    assert_eq!(statement["Action"], "iam:PassRole");
    assert_eq!(statement["Resource"], serde_json::json!(mapped));
    assert!(
        statement["Condition"]["StringEquals"]["iam:PassedToService"]
            .to_string()
            .contains("cognito-identity.amazonaws.com")
    );
    // Without such roles there is no such statement.
    let doc = policy(
        &names,
        &account("aws", "eu-west-1"),
        Some("eu-west-1:pool"),
        &[],
    );
    assert!(!doc.to_string().contains("PassTheRolesMappedOnOurPool"));
}
