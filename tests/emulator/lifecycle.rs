//! A stack's life under `up` and `plan`: the first `up` makes exactly the
//! desired resources, a second makes no write, a config change updates only
//! what changed; and the app's config file it writes.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{our_tags, sorted, summary};
use crate::common::{self, Aws, Project, Settings};

fn tags_of_role(role: &aws_sdk_iam::types::Role) -> BTreeMap<String, String> {
    role.tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

#[test]
fn fresh_up_creates_exactly_the_desired_resources() {
    let p = Project::new("fresh");
    let names = p.names();
    let out = summary(&p.run(&["up", "--yes", "--output", "json"]).ok());
    let aws = Aws::new();

    // The writes, exactly: nothing more, nothing twice.
    assert_eq!(
        sorted(p.recorder.writes()),
        sorted(
            [
                "cognito-identity:CreateIdentityPool",
                "cognito-identity:SetIdentityPoolRoles",
                "iam:CreateRole",
                "iam:CreateRole",
                "iam:PutRolePolicy",
                "iam:PutRolePolicy",
                "lambda:CreateFunction",
                "lambda:PutFunctionConcurrency",
                "lambda:PublishVersion",
                "lambda:CreateAlias",
                "lambda:PutFunctionEventInvokeConfig",
                "logs:CreateLogGroup",
                "logs:PutRetentionPolicy",
                "sqs:CreateQueue",
            ]
            .map(String::from)
            .to_vec()
        )
    );

    // The log group: ours, made before the function, logs kept 30 days.
    let (retention, tags) = aws.log_group(&names.log_group).expect("log group");
    assert_eq!(retention, Some(30));
    assert_eq!(tags, our_tags("fresh"));
    let calls = p.recorder.calls();
    let at = |action: &str| calls.iter().position(|c| c.action == action).unwrap();
    assert!(at("CreateLogGroup") < at("CreateFunction"));

    // Execution role: Lambda may assume it; tagged as ours.
    let exec = aws.role(&names.exec_role).expect("execution role");
    assert_eq!(tags_of_role(&exec), our_tags("fresh"));
    let trust = common::decode(exec.assume_role_policy_document().unwrap());
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        "lambda.amazonaws.com"
    );
    assert_eq!(trust["Statement"][0]["Action"], "sts:AssumeRole");
    // Its policy: logs of its own log group, and sending to its own failed
    // events' queue; nothing else.
    let policy = aws
        .role_policy(&names.exec_role, &names.exec_policy)
        .expect("exec policy");
    let group = format!(
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{}",
        names.function
    );
    let queue = format!("arn:aws:sqs:us-east-1:123456789012:{}", names.failed_queue);
    let statements = policy["Statement"].as_array().unwrap();
    for statement in statements {
        let resource = statement["Resource"].as_str().unwrap();
        let actions = statement["Action"].to_string();
        if resource == queue {
            assert_eq!(statement["Action"], "sqs:SendMessage", "{statement}");
        } else {
            assert!(resource.starts_with(&format!("{group}:")), "{resource}");
            assert!(actions.contains("logs:"), "{actions}");
        }
    }
    assert!(
        statements.iter().any(|s| s["Resource"] == queue.as_str()),
        "{policy}"
    );

    // Function.
    let f = aws.function(&names.function).expect("function");
    let c = f.configuration().unwrap();
    assert_eq!(c.runtime().unwrap().as_str(), "provided.al2023");
    assert_eq!(c.handler(), Some("bootstrap"));
    assert_eq!(c.architectures()[0].as_str(), "x86_64");
    assert_eq!(c.memory_size(), Some(128));
    assert_eq!(c.timeout(), Some(10));
    assert_eq!(c.role(), Some(exec.arn()));
    assert_eq!(
        c.environment()
            .unwrap()
            .variables()
            .unwrap()
            .get("GREETING_STYLE")
            .map(String::as_str),
        Some("friendly")
    );
    assert_eq!(
        f.concurrency().unwrap().reserved_concurrent_executions(),
        Some(10)
    );
    let ftags: BTreeMap<String, String> = f.tags().unwrap().clone().into_iter().collect();
    assert_eq!(ftags, our_tags("fresh"));
    assert_eq!(out["function_arn"], c.function_arn().unwrap());

    // Identity pool: exactly one, unauthenticated on, classic flow off, tagged.
    let pools = aws.pools(&names.pool);
    assert_eq!(pools.len(), 1);
    let pool = &pools[0];
    assert!(pool.allow_unauthenticated_identities());
    assert_eq!(pool.allow_classic_flow(), Some(false));
    let ptags: BTreeMap<String, String> = pool
        .identity_pool_tags()
        .unwrap()
        .clone()
        .into_iter()
        .collect();
    assert_eq!(ptags, our_tags("fresh"));
    assert_eq!(out["identity_pool_id"], pool.identity_pool_id());

    // Unauthenticated role: only our pool's unauthenticated identities.
    let unauth = aws.role(&names.unauth_role).expect("unauth role");
    assert_eq!(tags_of_role(&unauth), our_tags("fresh"));
    let trust = common::decode(unauth.assume_role_policy_document().unwrap());
    let s = &trust["Statement"][0];
    assert_eq!(
        s["Principal"]["Federated"],
        "cognito-identity.amazonaws.com"
    );
    assert_eq!(s["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        s["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"],
        pool.identity_pool_id()
    );
    assert_eq!(
        s["Condition"]["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"],
        "unauthenticated"
    );
    // Its policy: invoke the alias the app calls, nothing else.
    let invoke = aws
        .role_policy(&names.unauth_role, &names.unauth_policy)
        .expect("invoke policy");
    let statements = invoke["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0]["Effect"], "Allow");
    assert_eq!(statements[0]["Action"], "lambda:InvokeFunction");
    assert_eq!(
        statements[0]["Resource"],
        format!("{}:live", c.function_arn().unwrap())
    );

    // The pool hands out that role.
    let roles = aws
        .block(
            aws.cognito
                .get_identity_pool_roles()
                .identity_pool_id(pool.identity_pool_id())
                .send(),
        )
        .unwrap();
    assert_eq!(
        roles
            .roles()
            .unwrap()
            .get("unauthenticated")
            .map(String::as_str),
        Some(unauth.arn())
    );
    assert_eq!(roles.roles().unwrap().len(), 1);

    // The app's config file.
    let app: Value =
        serde_json::from_str(&std::fs::read_to_string(p.app_config_path()).unwrap()).unwrap();
    assert_eq!(
        app["CredentialsProvider"]["CognitoIdentity"]["Default"]["PoolId"],
        pool.identity_pool_id()
    );
    assert_eq!(
        app["CredentialsProvider"]["CognitoIdentity"]["Default"]["Region"],
        "us-east-1"
    );
    assert_eq!(
        app["LambdaInvoker"]["Default"]["FunctionName"],
        format!("{}:live", names.function)
    );
    assert_eq!(app["LambdaInvoker"]["Default"]["Region"], "us-east-1");
    // The first release: version 1, which the alias the app calls points at.
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("1")
    );
    assert_eq!(out["alias"], "live");
    assert_eq!(
        out["alias_arn"],
        format!("{}:live", out["function_arn"].as_str().unwrap())
    );
}

#[test]
fn second_up_makes_zero_writes() {
    let p = Project::new("again");
    let first = summary(&p.run(&["up", "--yes", "--output", "json"]).ok());
    p.recorder.clear();
    let second = summary(&p.run(&["up", "--yes", "--output", "json"]).ok());
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert!(
        !p.recorder.calls().is_empty(),
        "the second up must still read"
    );
    assert_eq!(first, second);
    // Without --yes and without a terminal, a converged stack is still fine.
    p.recorder.clear();
    p.run(&["up"]).ok();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert_eq!(Aws::new().pools(&p.names().pool).len(), 1);
}

#[test]
fn config_changes_update_only_what_changed() {
    let p = Project::new("change");
    let names = p.names();
    p.up();
    let aws = Aws::new();

    let mut s = Settings {
        memory_mb: 256,
        ..Settings::default()
    };
    p.write_config(&s);
    p.recorder.clear();
    p.up();
    // A versioned setting: $LATEST changes, and a release follows.
    assert_eq!(
        p.recorder.writes(),
        vec![
            "lambda:UpdateFunctionConfiguration",
            "lambda:PublishVersion",
            "lambda:UpdateAlias"
        ]
    );
    let f = aws.function(&names.function).unwrap();
    assert_eq!(f.configuration().unwrap().memory_size(), Some(256));

    s.environment
        .insert("GREETING_STYLE".into(), "formal".into());
    s.environment.insert("NEW_VAR".into(), "1".into());
    p.write_config(&s);
    p.recorder.clear();
    p.up();
    // A versioned setting: $LATEST changes, and a release follows.
    assert_eq!(
        p.recorder.writes(),
        vec![
            "lambda:UpdateFunctionConfiguration",
            "lambda:PublishVersion",
            "lambda:UpdateAlias"
        ]
    );
    let f = aws.function(&names.function).unwrap();
    let vars = f
        .configuration()
        .unwrap()
        .environment()
        .unwrap()
        .variables()
        .unwrap()
        .clone();
    assert_eq!(
        vars.get("GREETING_STYLE").map(String::as_str),
        Some("formal")
    );
    assert_eq!(vars.get("NEW_VAR").map(String::as_str), Some("1"));

    s.extra_statements = r#"[{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:${partition}:dynamodb:${region}:${account_id}:table/${function_name}"}]"#.into();
    p.write_config(&s);
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), vec!["iam:PutRolePolicy"]);
    let policy = aws
        .role_policy(&names.exec_role, &names.exec_policy)
        .unwrap();
    let added = policy["Statement"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(added["Action"], "dynamodb:GetItem");
    assert_eq!(
        added["Resource"],
        format!(
            "arn:aws:dynamodb:us-east-1:123456789012:table/{}",
            names.function
        )
    );
}

#[test]
fn plan_on_an_empty_account_lists_every_creation_and_writes_nothing() {
    let p = Project::new("planempty");
    let plan = p.run(&["plan", "--output", "json"]).ok();
    let plan = summary(&plan);
    // Ten resources (the failed events' queue and the alias's event-invoke
    // settings among them), the first version and the alias.
    assert_eq!(plan["create"], 12);
    assert_eq!(plan["update"], 0);
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert!(Aws::new().role(&p.names().exec_role).is_none());
}

#[test]
fn up_without_a_terminal_and_without_yes_refuses_before_writing() {
    let p = Project::new("noyes");
    p.run(&["up"]).fails(2, "--yes");
    p.run(&["teardown"]).code(); // nothing to delete: fine either way
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert!(Aws::new().role(&p.names().exec_role).is_none());
}

#[test]
fn the_app_config_keeps_keys_that_are_not_ours() {
    let p = Project::new("appcfg");
    let path = p.app_config_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        json!({"Version": "1.0", "PinpointAnalytics": {"Default": {"AppId": "abc"}}, "LambdaInvoker": {"Default": {"Region": "old", "Custom": true}}}).to_string(),
    )
    .unwrap();
    p.up();
    let app: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(app["PinpointAnalytics"]["Default"]["AppId"], "abc");
    assert_eq!(app["LambdaInvoker"]["Default"]["Custom"], true);
    assert_eq!(app["LambdaInvoker"]["Default"]["Region"], "us-east-1");
    assert_eq!(
        app["LambdaInvoker"]["Default"]["FunctionName"],
        format!("{}:live", p.names().function)
    );
    assert_eq!(app["BackendCtl"]["Qualifier"], "live");
    assert!(
        app["CredentialsProvider"]["CognitoIdentity"]["Default"]["PoolId"]
            .as_str()
            .unwrap()
            .starts_with("us-east-1:")
    );
}
