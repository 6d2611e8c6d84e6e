//! End-to-end tests of `plan`, `up`, `update-code` and `teardown` against the
//! local emulator (moto + our extension). Every end state is read back from
//! the emulator; every AWS call the CLI makes is counted by a recording proxy.

mod common;

use std::collections::BTreeMap;

use common::{Aws, Project, Settings};
use serde_json::{json, Value};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn tags_of_role(role: &aws_sdk_iam::types::Role) -> BTreeMap<String, String> {
    role.tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

fn our_tags(project: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("backend-ctl:project".to_string(), project.to_string()),
        ("backend-ctl:stage".to_string(), "dev".to_string()),
    ])
}

fn summary(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout()))
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
                "logs:CreateLogGroup",
                "logs:PutRetentionPolicy",
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
    // Its policy: logs of its own log group only.
    let policy = aws
        .role_policy(&names.exec_role, &names.exec_policy)
        .expect("exec policy");
    let group = format!(
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{}",
        names.function
    );
    for statement in policy["Statement"].as_array().unwrap() {
        let resource = statement["Resource"].as_str().unwrap();
        assert!(resource.starts_with(&format!("{group}:")), "{resource}");
        let actions = statement["Action"].to_string();
        assert!(actions.contains("logs:"), "{actions}");
    }

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
fn drift_behind_our_back_is_shown_by_plan_and_corrected_by_up() {
    let p = Project::new("drift");
    let names = p.names();
    p.up();
    let aws = Aws::new();
    let pool_id = aws.pools(&names.pool)[0].identity_pool_id().to_string();

    // Someone changes things in the console.
    aws.block(
        aws.lambda
            .update_function_configuration()
            .function_name(&names.function)
            .memory_size(512)
            .send(),
    )
    .unwrap();
    aws.block(
        aws.iam
            .put_role_policy()
            .role_name(&names.unauth_role)
            .policy_name(&names.unauth_policy)
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}).to_string())
            .send(),
    )
    .unwrap();
    aws.block(
        aws.iam
            .update_assume_role_policy()
            .role_name(&names.unauth_role)
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}).to_string())
            .send(),
    )
    .unwrap();
    aws.block(
        aws.cognito
            .update_identity_pool()
            .identity_pool_id(&pool_id)
            .identity_pool_name(&names.pool)
            .allow_unauthenticated_identities(true)
            .allow_classic_flow(true)
            .send(),
    )
    .unwrap();

    // And someone gives anonymous callers far more than Invoke.
    let admin = aws
        .block(
            aws.iam
                .create_policy()
                .policy_name("drift-admin")
                .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}).to_string())
                .send(),
        )
        .unwrap();
    let admin_arn = admin.policy().unwrap().arn().unwrap().to_string();
    aws.block(
        aws.iam
            .attach_role_policy()
            .role_name(&names.unauth_role)
            .policy_arn(&admin_arn)
            .send(),
    )
    .unwrap();
    aws.block(
        aws.iam
            .put_role_policy()
            .role_name(&names.unauth_role)
            .policy_name("extra")
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}).to_string())
            .send(),
    )
    .unwrap();

    p.recorder.clear();
    let plan = p.run(&["plan"]).ok().stdout();
    assert!(
        plan.contains(&format!(
            "remove inline policy extra, managed policy {admin_arn}"
        )),
        "{plan}"
    );
    assert!(plan.contains("memory 512 → 128 MB"), "{plan}");
    assert!(
        plan.contains(&format!(
            "~ update IAM role policy {}: policy document differs",
            names.unauth_policy
        )),
        "{plan}"
    );
    assert!(
        plan.contains(&format!(
            "~ update IAM role {}: trust policy differs",
            names.unauth_role
        )),
        "{plan}"
    );
    assert!(plan.contains("classic flow → off"), "{plan}");
    assert!(
        plan.contains("0 to create, 4 to update, 0 to delete."),
        "{plan}"
    );
    assert_eq!(
        p.recorder.writes(),
        Vec::<String>::new(),
        "plan must not write"
    );

    p.up();
    assert_eq!(
        aws.function(&names.function)
            .unwrap()
            .configuration()
            .unwrap()
            .memory_size(),
        Some(128)
    );
    let invoke = aws
        .role_policy(&names.unauth_role, &names.unauth_policy)
        .unwrap();
    assert_eq!(invoke["Statement"][0]["Action"], "lambda:InvokeFunction");
    let trust = common::decode(
        aws.role(&names.unauth_role)
            .unwrap()
            .assume_role_policy_document()
            .unwrap(),
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"],
        pool_id.as_str()
    );
    assert_eq!(aws.pools(&names.pool)[0].allow_classic_flow(), Some(false));
    let attached = aws
        .block(
            aws.iam
                .list_attached_role_policies()
                .role_name(&names.unauth_role)
                .send(),
        )
        .unwrap();
    assert!(
        attached.attached_policies().is_empty(),
        "the managed policy is detached"
    );
    let inline = aws
        .block(
            aws.iam
                .list_role_policies()
                .role_name(&names.unauth_role)
                .send(),
        )
        .unwrap();
    assert_eq!(
        inline.policy_names(),
        std::slice::from_ref(&names.unauth_policy),
        "only our inline policy is left"
    );

    p.recorder.clear();
    let plan = p.run(&["plan"]).ok().stdout();
    assert!(
        plan.contains("0 to create, 0 to update, 0 to delete."),
        "{plan}"
    );
}

#[test]
fn plan_on_an_empty_account_lists_every_creation_and_writes_nothing() {
    let p = Project::new("planempty");
    let plan = p.run(&["plan", "--output", "json"]).ok();
    let plan = summary(&plan);
    // Eight resources, the first version and the alias.
    assert_eq!(plan["create"], 10);
    assert_eq!(plan["update"], 0);
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert!(Aws::new().role(&p.names().exec_role).is_none());
}

#[test]
fn update_code_uploads_only_changed_code_and_touches_nothing_else() {
    let p = Project::new("code").with_handler_copy();
    let names = p.names();
    p.up();
    let aws = Aws::new();
    let before = aws
        .function(&names.function)
        .unwrap()
        .configuration()
        .unwrap()
        .code_sha256()
        .unwrap()
        .to_string();

    // Unchanged code: one round of reads, no upload.
    p.recorder.clear();
    let run = p.run(&["update-code"]).ok();
    assert!(run.stdout().starts_with("unchanged"), "{}", run.stdout());
    let calls: Vec<String> = p
        .recorder
        .calls()
        .iter()
        .map(|c| format!("{}:{}", c.service, c.action))
        .collect();
    assert_eq!(
        sorted(calls),
        [
            "lambda:GetFunction",
            "lambda:ListAliases",
            "lambda:ListVersionsByFunction"
        ]
    );

    // Changed code: one upload, the wait, a release; no IAM or Cognito call.
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        source.replace("Hello, {first} {last}.", "Hi there, {first} {last}!"),
    )
    .unwrap();
    p.recorder.clear();
    p.run(&["update-code"]).ok();
    assert_eq!(
        p.recorder.writes(),
        vec![
            "lambda:UpdateFunctionCode",
            "lambda:PublishVersion",
            "lambda:UpdateAlias"
        ]
    );
    // The stack's lock aside (a log group held during the upload).
    assert!(
        p.recorder
            .calls()
            .iter()
            .all(|c| c.service == "lambda" || c.lock),
        "{:?}",
        p.recorder.calls()
    );
    assert_eq!(
        p.recorder.lock_writes(),
        ["logs:CreateLogGroup", "logs:DeleteLogGroup"]
    );
    let after = aws
        .function(&names.function)
        .unwrap()
        .configuration()
        .unwrap()
        .code_sha256()
        .unwrap()
        .to_string();
    assert_ne!(before, after);

    // And `up` now sees nothing to do: the code it builds is what is deployed.
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn update_code_without_a_deployment_says_to_run_up() {
    let p = Project::new("nocode");
    let run = p
        .run(&["update-code"])
        .fails(4, "run `backend-ctl up` first");
    assert_eq!(
        p.recorder.writes(),
        Vec::<String>::new(),
        "{}",
        run.stderr()
    );
}

#[test]
fn teardown_leaves_nothing_and_twice_is_fine() {
    let p = Project::new("down");
    let names = p.names();
    p.up();
    p.recorder.clear();
    p.run(&["teardown", "--yes"]).ok();
    let aws = Aws::new();
    assert!(aws.role(&names.exec_role).is_none());
    assert!(aws.role(&names.unauth_role).is_none());
    assert!(aws.function(&names.function).is_none());
    assert!(aws.pools(&names.pool).is_empty());
    assert_eq!(
        sorted(p.recorder.writes()),
        sorted(
            [
                "cognito-identity:DeleteIdentityPool",
                "iam:DeleteRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:DeleteRolePolicy",
                "lambda:DeleteFunction",
                "logs:DeleteLogGroup",
            ]
            .map(String::from)
            .to_vec()
        )
    );
    assert!(aws.log_group(&names.log_group).is_none());
    // The log group goes after the function, which would make it again.
    let calls = p.recorder.calls();
    let at = |action: &str| calls.iter().position(|c| c.action == action).unwrap();
    assert!(at("DeleteFunction") < at("DeleteLogGroup"));
    p.recorder.clear();
    let again = p.run(&["teardown", "--yes"]).ok();
    assert!(
        again.stdout().contains("deleted 0 resources"),
        "{}",
        again.stdout()
    );
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

/// As if `up` had been killed right after its first level of writes.
fn half_done_up(p: &Project, aws: &Aws) {
    let names = p.names();
    let tags: Vec<aws_sdk_iam::types::Tag> = our_tags(&p.name)
        .into_iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .unwrap()
        })
        .collect();
    aws.block(
        aws.iam
            .create_role()
            .role_name(&names.exec_role)
            .assume_role_policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string())
            .set_tags(Some(tags))
            .send(),
    )
    .unwrap();
    aws.block(
        aws.cognito
            .create_identity_pool()
            .identity_pool_name(&names.pool)
            .allow_unauthenticated_identities(true)
            .set_identity_pool_tags(Some(our_tags(&p.name).into_iter().collect()))
            .send(),
    )
    .unwrap();
}

#[test]
fn teardown_after_a_half_done_up_removes_what_was_made() {
    let p = Project::new("halfdown");
    let aws = Aws::new();
    half_done_up(&p, &aws);
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.role(&p.names().exec_role).is_none());
    assert!(aws.pools(&p.names().pool).is_empty());
}

#[test]
fn up_after_a_half_done_up_finishes_the_job_without_a_second_pool() {
    let p = Project::new("halfup");
    let aws = Aws::new();
    half_done_up(&p, &aws);
    p.up();
    assert_eq!(aws.pools(&p.names().pool).len(), 1);
    assert!(aws.function(&p.names().function).is_some());
    assert!(aws
        .role_policy(&p.names().unauth_role, &p.names().unauth_policy)
        .is_some());
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn a_foreign_role_with_our_name_stops_up_and_teardown_untouched() {
    let p = Project::new("foreign");
    let names = p.names();
    let aws = Aws::new();
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    aws.block(
        aws.iam
            .create_role()
            .role_name(&names.exec_role)
            .assume_role_policy_document(trust.to_string())
            .send(),
    )
    .unwrap();

    p.run(&["up", "--yes"]).fails(
        4,
        &format!(
            "IAM role {} exists but is not owned by backend-ctl",
            names.exec_role
        ),
    );
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    p.run(&["teardown", "--yes"]).fails(4, &names.exec_role);
    assert_eq!(p.recorder.writes(), Vec::<String>::new());

    let role = aws
        .role(&names.exec_role)
        .expect("the foreign role is still there");
    assert!(role.tags().is_empty());
    assert_eq!(
        common::decode(role.assume_role_policy_document().unwrap()),
        trust
    );
    assert!(
        aws.pools(&names.pool).is_empty(),
        "nothing was created next to it"
    );
}

#[test]
fn a_foreign_function_and_a_foreign_pool_are_never_adopted() {
    let p = Project::new("foreignpool");
    let names = p.names();
    let aws = Aws::new();
    aws.block(
        aws.cognito
            .create_identity_pool()
            .identity_pool_name(&names.pool)
            .allow_unauthenticated_identities(false)
            .send(),
    )
    .unwrap();
    p.run(&["up", "--yes"])
        .fails(4, &format!("identity pool {}", names.pool));
    p.run(&["teardown", "--yes"])
        .fails(4, "not owned by backend-ctl");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    let pools = aws.pools(&names.pool);
    assert_eq!(pools.len(), 1);
    assert!(
        !pools[0].allow_unauthenticated_identities(),
        "the foreign pool is untouched"
    );
}

/// A second pool with our name and tags, as two runs at once made before
/// the stack's lock existed.
fn second_pool(aws: &Aws, p: &Project) -> String {
    let out = aws
        .block(
            aws.cognito
                .create_identity_pool()
                .identity_pool_name(&p.names().pool)
                .allow_unauthenticated_identities(true)
                .set_identity_pool_tags(Some(our_tags(&p.name).into_iter().collect()))
                .send(),
        )
        .unwrap();
    out.identity_pool_id().to_string()
}

#[test]
fn a_stack_with_two_pools_of_ours_is_repaired_by_up_and_torn_down_whole() {
    let p = Project::new("twopools");
    let names = p.names();
    let aws = Aws::new();
    p.up();
    let kept = aws.pools(&names.pool)[0].identity_pool_id().to_string();
    let extra = second_pool(&aws, &p);
    assert_eq!(aws.pools(&names.pool).len(), 2);
    // invoke, which only uses the pool, does not guess; it names the fix.
    let run = p
        .run(&["invoke", "--payload", "{}"])
        .fails(4, "2 identity pools are named");
    assert!(
        run.stderr().contains("`backend-ctl up` repairs the stack"),
        "{}",
        run.stderr()
    );
    // up keeps the pool the unauthenticated role trusts, deletes the other,
    // says so, and changes nothing else.
    p.recorder.clear();
    let run = p.up();
    assert!(
        run.stderr().contains(&format!("keeping {kept}")) && run.stderr().contains(&extra),
        "{}",
        run.stderr()
    );
    assert_eq!(p.recorder.writes(), ["cognito-identity:DeleteIdentityPool"]);
    let pools = aws.pools(&names.pool);
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0].identity_pool_id(), kept);
    let app: Value =
        serde_json::from_str(&std::fs::read_to_string(p.app_config_path()).unwrap()).unwrap();
    assert_eq!(app["BackendCtl"]["IdentityPoolId"], kept.as_str());
    p.run(&[
        "invoke",
        "--payload",
        r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
    ])
    .ok();
    // teardown deletes every pool of ours, however many.
    second_pool(&aws, &p);
    second_pool(&aws, &p);
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
}

#[test]
fn two_pools_and_nothing_else_become_one_stack() {
    let p = Project::new("twobare");
    let aws = Aws::new();
    let (a, b) = (second_pool(&aws, &p), second_pool(&aws, &p));
    let run = p.up();
    // No role trusts either yet: the lowest id is kept.
    let (kept, gone) = if a < b { (a, b) } else { (b, a) };
    assert!(
        run.stderr().contains(&format!("keeping {kept}")),
        "{}",
        run.stderr()
    );
    let pools = aws.pools(&p.names().pool);
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0].identity_pool_id(), kept);
    assert_ne!(kept, gone);
    p.recorder.clear();
    p.up();
    assert!(p.recorder.writes().is_empty(), "{:?}", p.recorder.writes());
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
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

#[test]
fn invoke_takes_the_apps_path_with_the_identitys_own_credentials() {
    let p = Project::new("invoke");
    p.up();
    p.recorder.clear();
    let event = r#"{"firstName":"Ada","lastName":"Lovelace"}"#;
    let run = p.run(&["invoke", "--payload", event]).ok();
    // The emulator's Lambda ran the uploaded handler.
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );

    let calls = p.recorder.calls();
    let at = |action: &str| {
        calls
            .iter()
            .position(|c| c.action == action)
            .unwrap_or_else(|| panic!("no {action} in {calls:?}"))
    };
    let (get_id, get_creds, invoke) = (at("GetId"), at("GetCredentialsForIdentity"), at("Invoke"));
    assert!(get_id < get_creds && get_creds < invoke, "{calls:?}");
    assert_eq!(calls[get_id].access_key, "", "GetId is unsigned");
    assert_eq!(
        calls[get_creds].access_key, "",
        "GetCredentialsForIdentity is unsigned"
    );
    // Invoke is signed with the identity's temporary credentials, not ours:
    // the one credential Cognito issued for the pool.
    let aws = Aws::new();
    let pool = aws.pools(&p.names().pool)[0].identity_pool_id().to_string();
    let issued = common::issued_credentials(&pool);
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(calls[invoke].access_key, issued[0]["AccessKeyId"]);
    assert_ne!(calls[invoke].access_key, "testing");
    assert_eq!(
        p.recorder
            .writes()
            .iter()
            .filter(|w| !w.ends_with(":Invoke"))
            .count(),
        0,
        "{:?}",
        p.recorder.writes()
    );

    let run = p.run(&["invoke", "--async", "--payload", event]).ok();
    assert!(
        run.stdout().contains("accepted (status 202)"),
        "{}",
        run.stdout()
    );
}

#[test]
fn invoke_before_up_says_to_run_up() {
    let p = Project::new("invokenone");
    p.run(&["invoke"]).fails(4, "run `backend-ctl up` first");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

/// A function named like ours, made by someone else (no tags).
fn foreign_function(aws: &Aws, name: &str) {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = aws
        .block(
            aws.iam
                .create_role()
                .role_name(format!("{name}-theirs"))
                .assume_role_policy_document(trust.to_string())
                .send(),
        )
        .unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("bootstrap", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"theirs").unwrap();
    let zip = zip.finish().unwrap().into_inner();
    aws.block(
        aws.lambda
            .create_function()
            .function_name(name)
            .runtime(aws_sdk_lambda::types::Runtime::from("provided.al2023"))
            .handler("bootstrap")
            .role(role.role().unwrap().arn())
            .memory_size(256)
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
                    .build(),
            )
            .send(),
    )
    .unwrap();
}

#[test]
fn a_foreign_function_with_our_name_is_never_modified_or_deleted() {
    let p = Project::new("foreignfn");
    let aws = Aws::new();
    foreign_function(&aws, &p.names().function);
    p.run(&["up", "--yes"]).fails(
        4,
        "Lambda function foreignfn-dev exists but is not owned by backend-ctl",
    );
    p.run(&["update-code"]).fails(4, "not owned by backend-ctl");
    p.run(&["teardown", "--yes"])
        .fails(4, "Lambda function foreignfn-dev");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    let f = aws.function(&p.names().function).expect("still there");
    assert_eq!(f.configuration().unwrap().memory_size(), Some(256));
}

#[test]
fn a_half_owned_stack_is_reported_not_destroyed() {
    let p = Project::new("halfowned");
    let aws = Aws::new();
    half_done_up(&p, &aws); // our role and pool
    foreign_function(&aws, &p.names().function); // their function
    let run = p
        .run(&["teardown", "--yes"])
        .fails(4, "Lambda function halfowned-dev exists but is not owned");
    assert_eq!(
        p.recorder.writes(),
        Vec::<String>::new(),
        "{}",
        run.stderr()
    );
    assert!(
        aws.role(&p.names().exec_role).is_some(),
        "our role is kept until the conflict is resolved"
    );
    assert_eq!(aws.pools(&p.names().pool).len(), 1);
    assert!(aws.function(&p.names().function).is_some());
}

#[test]
fn invoke_waits_while_the_role_attachment_propagates() {
    let p = Project::new("attach");
    p.up();
    let aws = Aws::new();
    let pool_id = aws.pools(&p.names().pool)[0].identity_pool_id().to_string();
    let roles = aws
        .block(
            aws.cognito
                .get_identity_pool_roles()
                .identity_pool_id(&pool_id)
                .send(),
        )
        .unwrap();
    // As right after `up` on AWS: the pool does not hand out the role yet.
    aws.block(
        aws.cognito
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .set_roles(Some(Default::default()))
            .send(),
    )
    .unwrap();
    let child = p
        .command(&["invoke", "--payload", r#"{"firstName":"A","lastName":"B"}"#])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    aws.block(
        aws.cognito
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .set_roles(roles.roles().cloned())
            .send(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("waiting for the identity pool's role attachment to propagate"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"greetings":"Hello, A B."}"#
    );
}

#[test]
fn teardown_removes_policies_others_put_on_our_roles_in_its_first_round() {
    let p = Project::new("downextra");
    let names = p.names();
    p.up();
    let aws = Aws::new();
    aws.block(
        aws.iam
            .put_role_policy()
            .role_name(&names.exec_role)
            .policy_name("added-by-hand")
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}).to_string())
            .send(),
    )
    .unwrap();
    p.recorder.clear();
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
    // What teardown did under the stack's lock (after a first read, the
    // lock taken, then the reads its plan comes from).
    let all = p.recorder.calls();
    let locked = all.iter().position(|c| c.lock).expect("the lock was taken");
    let calls: Vec<String> = all[locked..].iter().map(|c| c.action.clone()).collect();
    let count = |a: &str| calls.iter().filter(|c| *c == a).count();
    // Read once (with the roles), removed before the roles: IAM never had to
    // refuse a DeleteRole, and nothing was listed twice.
    assert_eq!(count("ListRolePolicies"), 2, "{calls:?}");
    assert_eq!(count("DeleteRole"), 2, "{calls:?}");
    assert_eq!(count("DeleteRolePolicy"), 3, "{calls:?}");
    assert_eq!(count("DeleteLogGroup"), 2, "ours, then the lock: {calls:?}");
}
