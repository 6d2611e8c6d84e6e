//! Unit tests of policy rendering, decoding and comparison as IAM spells it.

use super::*;

use serde_json::{json, Value};

fn account() -> Account {
    Account {
        partition: "aws".into(),
        account_id: "123456789012".into(),
        region: "eu-west-1".into(),
    }
}

const VARS: [(&str, &str); 6] = [
    ("partition", "aws"),
    ("account_id", "123456789012"),
    ("region", "eu-west-1"),
    ("function_name", "shop-dev"),
    ("project", "shop"),
    ("stage", "dev"),
];

const GROUP: &str = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev";

fn statements(doc: &Value) -> Vec<Value> {
    doc["Statement"]
        .as_array()
        .expect("Statement is an array")
        .clone()
}

/// A string or a list of strings, as a list.
fn list(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().unwrap().to_string())
            .collect(),
        other => panic!("not a string or a list: {other}"),
    }
}

#[test]
fn decode_reads_url_encoded_documents() {
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    assert_eq!(decode(encoded).unwrap(), exec_trust());
    let pretty = "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%5B%5D%0A%7D";
    assert_eq!(
        decode(pretty).unwrap(),
        json!({"Version": "2012-10-17", "Statement": []})
    );
}

#[test]
fn decode_rejects_what_is_not_a_document() {
    assert!(decode("%7Bnot%20json").unwrap_err().contains("not JSON"));
    assert!(decode("%FF%FE").unwrap_err().contains("not UTF-8"));
}

fn doc(statement: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

#[test]
fn same_ignores_how_iam_spells_a_document_but_not_what_it_grants() {
    let statement = json!({
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": "arn:aws:s3:::bucket/*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    });
    let base = doc(statement.clone());
    // The base statement with `key` set to `value` (or removed, for null).
    let with = |key: &str, value: Value| {
        let mut s = statement.clone();
        let map = s.as_object_mut().unwrap();
        match value {
            Value::Null => drop(map.remove(key)),
            value => drop(map.insert(key.to_string(), value)),
        }
        doc(s)
    };
    let reordered = json!({"Statement": [{
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        "Resource": "arn:aws:s3:::bucket/*",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Effect": "Allow"
    }], "Version": "2012-10-17"});
    let cases = [
        (
            "one-element array for a string",
            with("Resource", json!(["arn:aws:s3:::bucket/*"])),
            true,
        ),
        (
            "one-element condition list",
            with(
                "Condition",
                json!({"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}),
            ),
            true,
        ),
        (
            "lone statement object",
            json!({"Version": "2012-10-17", "Statement": statement.clone()}),
            true,
        ),
        (
            "Action order",
            with("Action", json!(["s3:PutObject", "s3:GetObject"])),
            true,
        ),
        ("key order", reordered, true),
        (
            "other resource",
            with("Resource", json!("arn:aws:s3:::other/*")),
            false,
        ),
        (
            "extra action",
            with(
                "Action",
                json!(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
            ),
            false,
        ),
        (
            "one action fewer",
            with("Action", json!("s3:GetObject")),
            false,
        ),
        (
            "changed condition value",
            with(
                "Condition",
                json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
            ),
            false,
        ),
        ("no condition", with("Condition", Value::Null), false),
        ("Deny", with("Effect", json!("Deny")), false),
    ];
    for (what, other, expected) in cases {
        assert_eq!(same(&base, &other), expected, "{what}");
        assert_eq!(same(&other, &base), expected, "{what} (reversed)");
    }
}

#[test]
fn same_reads_trust_policies_as_iam_returns_them() {
    let as_iam = json!({"Version": "2012-10-17", "Statement": {
        "Action": ["sts:AssumeRole"],
        "Principal": {"Service": ["lambda.amazonaws.com"]},
        "Effect": "Allow"
    }});
    assert!(same(&exec_trust(), &as_iam));
    assert!(same(
        &unauth_trust(&account(), "eu-west-1:a"),
        &unauth_trust(&account(), "eu-west-1:a")
    ));
    assert!(!same(
        &unauth_trust(&account(), "eu-west-1:a"),
        &unauth_trust(&account(), "eu-west-1:b")
    ));
    assert!(!same(
        &exec_trust(),
        &unauth_trust(&account(), "eu-west-1:a")
    ));
}

#[test]
fn exec_trust_lets_only_lambda_assume_the_role() {
    let st = statements(&exec_trust());
    assert_eq!(st.len(), 1);
    assert_eq!(st[0]["Effect"], "Allow");
    assert_eq!(
        st[0]["Principal"],
        json!({"Service": "lambda.amazonaws.com"})
    );
    assert_eq!(list(&st[0]["Action"]), ["sts:AssumeRole"]);
}

#[test]
fn unauth_trust_is_limited_to_unauthenticated_identities_of_our_pool() {
    let pool = "eu-west-1:11111111-2222-3333-4444-555555555555";
    let st = statements(&unauth_trust(&account(), pool));
    assert_eq!(st.len(), 1);
    let s = &st[0];
    assert_eq!(s["Effect"], "Allow");
    assert_eq!(
        s["Principal"],
        json!({"Federated": "cognito-identity.amazonaws.com"})
    );
    assert_eq!(list(&s["Action"]), ["sts:AssumeRoleWithWebIdentity"]);
    assert_eq!(
        s["Condition"],
        json!({
            "StringEquals": {"cognito-identity.amazonaws.com:aud": pool},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}
        })
    );
}

/// The unauthenticated role's trust in each partition: the principal that
/// issues the pool's tokens there, and condition keys that follow it.
#[test]
fn unauth_trust_follows_the_partition_and_region() {
    let pool = "pool-id";
    for (partition, region, principal) in [
        ("aws", "eu-west-1", "cognito-identity.amazonaws.com"),
        (
            "aws-us-gov",
            "us-gov-west-1",
            "cognito-identity-us-gov.amazonaws.com",
        ),
        (
            "aws-us-gov",
            "us-gov-east-1",
            "cognito-identity.us-gov-east-1.amazonaws.com",
        ),
        ("aws-cn", "cn-north-1", "cognito-identity.amazonaws.com"),
    ] {
        let account = Account {
            partition: partition.into(),
            account_id: "123456789012".into(),
            region: region.into(),
        };
        let st = statements(&unauth_trust(&account, pool));
        assert_eq!(st.len(), 1);
        assert_eq!(
            st[0]["Principal"],
            json!({"Federated": principal}),
            "{partition} {region}"
        );
        assert_eq!(
            st[0]["Condition"],
            json!({
                "StringEquals": {format!("{principal}:aud"): pool},
                "ForAnyValue:StringLike": {format!("{principal}:amr"): "unauthenticated"}
            }),
            "{partition} {region}"
        );
        // Lambda's principal is global, in every partition.
        assert_eq!(
            statements(&exec_trust())[0]["Principal"],
            json!({"Service": "lambda.amazonaws.com"})
        );
        // The log group ARN follows the partition.
        assert!(
            log_group_arn(&account, "f").starts_with(&format!("arn:{partition}:logs:{region}:"))
        );
    }
}

#[test]
fn invoke_policy_allows_invoking_that_function_only() {
    let arn = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev";
    let st = statements(&invoke_policy(arn));
    assert_eq!(st.len(), 1);
    let s = st[0].as_object().unwrap();
    assert_eq!(s["Effect"], "Allow");
    assert_eq!(list(&s["Action"]), ["lambda:InvokeFunction"]);
    assert_eq!(list(&s["Resource"]), [arn]);
    for key in s.keys() {
        assert!(
            ["Sid", "Effect", "Action", "Resource"].contains(&key.as_str()),
            "unexpected {key}"
        );
    }
}

#[test]
fn log_group_arn_follows_the_account() {
    assert_eq!(log_group_arn(&account(), "shop-dev"), GROUP);
    let china = Account {
        partition: "aws-cn".into(),
        region: "cn-north-1".into(),
        ..account()
    };
    assert_eq!(
        log_group_arn(&china, "f"),
        "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/aws/lambda/f"
    );
}

#[test]
fn exec_policy_grants_logs_on_its_own_log_group_only() {
    let policy = exec_policy(&account(), "shop-dev", None, &[], &VARS);
    let mut actions = Vec::new();
    for s in statements(&policy) {
        assert_eq!(s["Effect"], "Allow");
        for resource in list(&s["Resource"]) {
            assert_ne!(resource, "*");
            assert!(resource.starts_with(&format!("{GROUP}:")), "{resource}");
        }
        actions.extend(list(&s["Action"]));
    }
    actions.sort();
    // Not logs:CreateLogGroup: backend-ctl makes the group, and a function
    // allowed to would make an untagged one that keeps logs forever.
    assert_eq!(actions, ["logs:CreateLogStream", "logs:PutLogEvents"]);
}

#[test]
fn exec_policy_may_send_to_the_failed_events_queue_and_nowhere_else() {
    let queue = "arn:aws:sqs:eu-west-1:123456789012:shop-dev-failed";
    let without = statements(&exec_policy(&account(), "shop-dev", None, &[], &VARS));
    let with = statements(&exec_policy(
        &account(),
        "shop-dev",
        Some(queue),
        &[],
        &VARS,
    ));
    assert_eq!(with.len(), without.len() + 1);
    let send: Vec<_> = with
        .iter()
        .filter(|s| list(&s["Action"]).iter().any(|a| a.starts_with("sqs:")))
        .collect();
    assert_eq!(send.len(), 1);
    assert_eq!(list(&send[0]["Action"]), ["sqs:SendMessage"]);
    assert_eq!(list(&send[0]["Resource"]), [queue]);
}

#[test]
fn exec_policy_appends_extra_statements_with_variables_substituted() {
    let extra = parse_extra_statements(
        r#"{"Statement": [
            {
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": "arn:${partition}:dynamodb:${region}:${account_id}:table/${function_name}-items",
                "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:userid}"]}}
            },
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${project}-${stage}-assets/*"}
        ]}"#,
    )
    .unwrap();
    let own = statements(&exec_policy(&account(), "shop-dev", None, &[], &VARS));
    let st = statements(&exec_policy(&account(), "shop-dev", None, &extra, &VARS));
    assert_eq!(st.len(), own.len() + 2);
    assert_eq!(st[..own.len()], own[..]);
    assert_eq!(
        st[own.len()],
        json!({
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-dev-items",
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:userid}"]}}
        })
    );
    assert_eq!(
        st[own.len() + 1]["Resource"],
        "arn:aws:s3:::shop-dev-assets/*"
    );
}

fn file(statements: &str) -> String {
    format!(r#"{{"Statement": [{statements}]}}"#)
}

#[test]
fn extra_statements_that_are_well_formed_are_accepted() {
    assert_eq!(
        parse_extra_statements(r#"{"Statement": []}"#).unwrap(),
        Vec::<Value>::new()
    );
    assert_eq!(parse_extra_statements("{}").unwrap(), Vec::<Value>::new());
    let allow = r#"{"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "arn:${partition}:dynamodb:${region}:${account_id}:table/${project}-${stage}"}"#;
    let text = format!(r#"{{"Comment": "reads the table", "Statement": [{allow}]}}"#);
    // Returned as written: substitution happens when the policy is rendered.
    assert_eq!(
        parse_extra_statements(&text).unwrap(),
        vec![serde_json::from_str::<Value>(allow).unwrap()]
    );
    for statement in [
        r#"{"Effect": "Deny", "NotAction": "s3:*", "NotResource": "arn:aws:s3:::b/*"}"#,
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}"#,
    ] {
        assert_eq!(
            parse_extra_statements(&file(statement)).unwrap().len(),
            1,
            "{statement}"
        );
    }
}

#[test]
fn extra_statements_that_are_malformed_are_rejected() {
    let ok = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#;
    let cases: Vec<(&str, String, &str)> = vec![
        ("not JSON", r#"{"Statement": ["#.into(), "not valid JSON"),
        ("not an object", "[]".into(), "must be a JSON object"),
        (
            "unknown key",
            r#"{"Statements": []}"#.into(),
            "unknown key \"Statements\"",
        ),
        (
            "Statement not an array",
            format!(r#"{{"Statement": {ok}}}"#),
            "\"Statement\" must be an array",
        ),
        (
            "statement not an object",
            file(r#""s3:GetObject""#),
            "Statement[0]: must be an object",
        ),
        (
            "missing Effect",
            file(r#"{"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#),
            "Statement[0]: \"Effect\" must be",
        ),
        (
            "lowercase Effect",
            file(
                r#"{"Effect": "allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#,
            ),
            "\"Effect\" must be",
        ),
        (
            "missing Action",
            file(r#"{"Effect": "Allow", "Resource": "arn:aws:s3:::b/*"}"#),
            "Statement[0]: needs \"Action\"",
        ),
        (
            "missing Resource",
            file(r#"{"Effect": "Allow", "Action": "s3:GetObject"}"#),
            "Statement[0]: needs \"Resource\"",
        ),
        (
            "Principal",
            file(
                r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#,
            ),
            "no \"Principal\"",
        ),
        (
            "unknown variable",
            file(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${bucket}/*"}"#,
            ),
            "unknown variable ${bucket}",
        ),
        (
            "unknown variable inside a condition",
            file(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": ["${acount_id}"]}}}"#,
            ),
            "unknown variable ${acount_id}",
        ),
        (
            "unclosed variable",
            file(
                r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${region"}"#,
            ),
            "unclosed",
        ),
        (
            "second statement",
            file(&format!(
                r#"{ok}, {{"Effect": "Allow", "Action": "s3:GetObject"}}"#
            )),
            "Statement[1]: needs \"Resource\"",
        ),
    ];
    for (what, text, fragment) in cases {
        let message = parse_extra_statements(&text).unwrap_err();
        assert!(
            message.contains(fragment),
            "{what}: no {fragment:?} in {message:?}"
        );
    }
}
