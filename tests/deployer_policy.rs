//! The deployer policy (`backend-ctl policy deployer`), checked against what
//! the commands really call: every action the deployer's credentials use in
//! a run of every command and every correction `up` makes is allowed, and
//! parliament finds nothing to flag.

mod common;

use std::collections::BTreeSet;

use common::{Aws, Project, Settings};
use serde_json::json;

const ADA: &str = r#"{"firstName": "Ada", "lastName": "Lovelace"}"#;

/// Every IAM action the deployer's credentials used: signed with the
/// deployer's key (not the app identity's), STS aside (it needs no permission).
/// The config of these tests: with the guard (`[alarms]`), so that its
/// calls are covered too.
fn guarded() -> Settings {
    Settings {
        alarms: Some(("ops@example.com", None)),
        ..Settings::default()
    }
}

fn deployer_actions(p: &Project) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for call in p.recorder.calls() {
        if call.access_key != "testing" || call.service == "sts" {
            continue;
        }
        // The IAM actions of calls named otherwise (Service Authorization Reference).
        let action = match (call.service.as_str(), call.action.as_str()) {
            ("lambda", "Invoke") => "InvokeFunction",
            ("sqs", "ChangeMessageVisibilityBatch") => "ChangeMessageVisibility",
            (_, other) => other,
        };
        actions.insert(format!("{}:{action}", call.service));
        // GetFunction returns the tags only with lambda:ListTags.
        if call.service == "lambda" && call.action == "GetFunction" {
            actions.insert("lambda:ListTags".into());
        }
    }
    actions
}

/// Drift behind our back in every place `up` puts back: an inline and a
/// managed policy on our roles, a trust policy, the log retention, the pool's
/// classic flow and role.
fn make_drift(aws: &Aws, p: &Project, extra_policy: &str) {
    let names = p.names();
    aws.block(
        aws.iam
            .put_role_policy()
            .role_name(&names.exec_role)
            .policy_name("added-by-hand")
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::x"}]}).to_string())
            .send(),
    )
    .unwrap();
    let managed = aws
        .block(
            aws.iam
                .create_policy()
                .policy_name(extra_policy)
                .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::x"}]}).to_string())
                .send(),
        )
        .unwrap();
    aws.block(
        aws.iam
            .attach_role_policy()
            .role_name(&names.unauth_role)
            .policy_arn(managed.policy().unwrap().arn().unwrap())
            .send(),
    )
    .unwrap();
    aws.block(
        aws.iam
            .update_assume_role_policy()
            .role_name(&names.exec_role)
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string())
            .send(),
    )
    .unwrap();
    aws.block(
        aws.logs
            .put_retention_policy()
            .log_group_name(&names.log_group)
            .retention_in_days(1)
            .send(),
    )
    .unwrap();
    let pool = aws.pools(&names.pool)[0].identity_pool_id().to_string();
    aws.block(
        aws.cognito
            .update_identity_pool()
            .identity_pool_id(&pool)
            .identity_pool_name(&names.pool)
            .allow_unauthenticated_identities(true)
            .allow_classic_flow(true)
            .set_identity_pool_tags(Some(
                [
                    ("backend-ctl:project".to_string(), p.name.clone()),
                    ("backend-ctl:stage".to_string(), "dev".to_string()),
                ]
                .into(),
            ))
            .send(),
    )
    .unwrap();
    aws.block(
        aws.cognito
            .set_identity_pool_roles()
            .identity_pool_id(&pool)
            .roles(
                "unauthenticated",
                "arn:aws:iam::123456789012:role/someone-else",
            )
            .send(),
    )
    .unwrap();
}

#[test]
fn the_deployer_policy_allows_every_call_every_command_makes() {
    let p = Project::new("deployer").with_handler_copy();
    let aws = Aws::new();
    p.write_config(&guarded());
    // Fresh up, plan, invoke with logs, logs, update-code of a change.
    p.up();
    p.run(&["plan"]).ok();
    p.run(&["invoke", "--payload", ADA, "--logs"]).ok();
    p.run(&["logs"]).ok();
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, source.replace("Hello, {first}", "Hi, {first}")).unwrap();
    p.run(&["update-code"]).ok();
    p.run(&["versions"]).ok();
    p.run(&["rollback"]).ok();
    p.run(&["status"]).ok();
    p.run(&["pause"]).ok();
    p.run(&["invoke", "--async", "--payload", ADA]).ok();
    let start = std::time::Instant::now();
    while aws.queue_depth(&p.names().failed_queue) == 0 {
        assert!(
            start.elapsed().as_secs() < 30,
            "the paused event never reached the queue"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    p.run(&["failed"]).ok();
    p.run(&["resume", "--replay"]).ok();
    // Drift everywhere `up` puts things back, and a reservation removed.
    make_drift(&aws, &p, "deployer-test-extra");
    p.write_config(&Settings {
        memory_mb: 256,
        reserved_concurrency: None,
        ..guarded()
    });
    p.up();
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));

    let used = deployer_actions(&p);
    for expected in [
        "iam:DetachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "cognito-identity:UpdateIdentityPool",
        "cognito-identity:SetIdentityPoolRoles",
        "lambda:DeleteFunctionConcurrency",
        "lambda:UpdateFunctionCode",
        "logs:FilterLogEvents",
        "logs:DeleteLogGroup",
        "lambda:PublishVersion",
        "lambda:UpdateAlias",
        "sns:CreateTopic",
        "sns:Subscribe",
        "sns:DeleteTopic",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:GetMetricData",
        "sqs:CreateQueue",
        "sqs:ReceiveMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:DeleteQueue",
        "lambda:PutFunctionEventInvokeConfig",
        "lambda:InvokeFunction",
    ] {
        assert!(
            used.contains(expected),
            "the scenario never called {expected}: {used:?}"
        );
    }
    // The policy, as the command prints it for this project.
    let printed = p.run(&["policy", "deployer"]).ok().stdout();
    let policy: serde_json::Value = serde_json::from_str(&printed).unwrap();
    let allowed: BTreeSet<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            serde_json::Value::String(a) => vec![a.clone()],
            serde_json::Value::Array(list) => list
                .iter()
                .filter_map(|a| a.as_str().map(String::from))
                .collect(),
            _ => vec![],
        })
        .collect();
    let missing: Vec<&String> = used.difference(&allowed).collect();
    assert!(missing.is_empty(), "the deployer policy lacks {missing:?}");
    println!(
        "FIGURES deployer policy: {} distinct actions used by the commands, all allowed; {} allowed",
        used.len(),
        allowed.len()
    );
    // And PassRole, which no call shows: CreateFunction and SetIdentityPoolRoles need it.
    assert!(allowed.contains("iam:PassRole"));
    // Least privilege as parliament sees it.
    let out = std::process::Command::new(common::repo().join(".venv/bin/parliament"))
        .arg("--string")
        .arg(&printed)
        .arg("--json")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "parliament: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The AWS CLI of the setup (.venv), against the emulator, with the tests' keys.
fn aws_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(common::repo().join(".venv/bin/aws"))
        .args(args)
        .args([
            "--endpoint-url",
            &common::emulator().url,
            "--region",
            "us-east-1",
        ])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("run the AWS CLI (scripts/setup-venv.sh installs it)")
}

#[test]
fn the_readmes_deployer_setup_runs_and_a_users_inline_policy_would_not_fit() {
    let p = Project::new("deploysize");
    let run = p
        .run(&["policy", "deployer", "--account-id", "123456789012"])
        .ok();
    // It says how large it is and which forms fit.
    let err = run.stderr();
    assert!(
        err.contains("characters (whitespace excluded): fits"),
        "{err}"
    );
    assert!(
        err.contains("too large for a user's inline policy (2,048)"),
        "{err}"
    );
    assert!(err.contains("a managed policy (6,144)"), "{err}");
    let file = p.dir.path().join("deployer-policy.json");
    std::fs::write(&file, run.stdout()).unwrap();
    let document = format!("file://{}", file.display());
    let ok = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The README's commands, as written there.
    let created = ok(aws_cli(&[
        "iam",
        "create-policy",
        "--policy-name",
        "backend-ctl-deploysize-dev",
        "--policy-document",
        &document,
    ]));
    let arn = serde_json::from_str::<serde_json::Value>(&created).unwrap()["Policy"]["Arn"]
        .as_str()
        .unwrap()
        .to_string();
    ok(aws_cli(&[
        "iam",
        "create-user",
        "--user-name",
        "deploysize-deployer",
    ]));
    ok(aws_cli(&[
        "iam",
        "attach-user-policy",
        "--user-name",
        "deploysize-deployer",
        "--policy-arn",
        &arn,
    ]));
    ok(aws_cli(&[
        "iam",
        "create-access-key",
        "--user-name",
        "deploysize-deployer",
    ]));
    // The old README's inline form is refused with IAM's own error.
    let out = aws_cli(&[
        "iam",
        "put-user-policy",
        "--user-name",
        "deploysize-deployer",
        "--policy-name",
        "backend-ctl-deploysize-dev",
        "--policy-document",
        &document,
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("LimitExceeded"), "{stderr}");
    assert!(
        stderr.contains("Maximum policy size of 2048 bytes exceeded for user deploysize-deployer"),
        "{stderr}"
    );
}

/// A deployer user in the emulator whose only permissions are `policy` (a
/// managed policy, as the README sets it up), evaluated call by call by the
/// emulator (emulator/extension/front/authorization). Its access key.
struct Deployer {
    key: String,
    secret: String,
    policy_arn: String,
}

impl Deployer {
    fn new(aws: &Aws, name: &str, policy: &serde_json::Value) -> Deployer {
        let created = aws
            .block(
                aws.iam
                    .create_policy()
                    .policy_name(format!("{name}-policy"))
                    .policy_document(policy.to_string())
                    .send(),
            )
            .unwrap();
        let policy_arn = created.policy().unwrap().arn().unwrap().to_string();
        aws.block(aws.iam.create_user().user_name(name).send())
            .unwrap();
        aws.block(
            aws.iam
                .attach_user_policy()
                .user_name(name)
                .policy_arn(&policy_arn)
                .send(),
        )
        .unwrap();
        let key = aws
            .block(aws.iam.create_access_key().user_name(name).send())
            .unwrap();
        let key = key.access_key().unwrap();
        common::emulator_authorize(name);
        Deployer {
            key: key.access_key_id().to_string(),
            secret: key.secret_access_key().to_string(),
            policy_arn,
        }
    }

    /// Replaces the policy's text, as `create-policy-version --set-as-default` does.
    fn set_policy(&self, aws: &Aws, policy: &serde_json::Value) {
        let versions = aws
            .block(
                aws.iam
                    .list_policy_versions()
                    .policy_arn(&self.policy_arn)
                    .send(),
            )
            .unwrap();
        for old in versions.versions() {
            if !old.is_default_version() {
                aws.block(
                    aws.iam
                        .delete_policy_version()
                        .policy_arn(&self.policy_arn)
                        .version_id(old.version_id().unwrap())
                        .send(),
                )
                .unwrap();
            }
        }
        aws.block(
            aws.iam
                .create_policy_version()
                .policy_arn(&self.policy_arn)
                .policy_document(policy.to_string())
                .set_as_default(true)
                .send(),
        )
        .unwrap();
    }

    fn run(&self, p: &Project, args: &[&str]) -> common::Run {
        p.run_with(
            args,
            &[
                ("AWS_ACCESS_KEY_ID", Some(&self.key)),
                ("AWS_SECRET_ACCESS_KEY", Some(&self.secret)),
            ],
        )
    }
}

/// The printed deployer policy for the project (pinned to its pool once it
/// exists, with the roles mapped on it), read with an administrator's keys.
fn printed_policy(p: &Project) -> serde_json::Value {
    let run = p.run(&["policy", "deployer"]).ok();
    serde_json::from_str(&run.stdout()).unwrap()
}

/// Every command and every correction, under the deployer's credentials;
/// the first run that fails, if any.
fn scenario(
    p: &Project,
    deployer: &Deployer,
    aws: &Aws,
    edit: &dyn Fn(serde_json::Value) -> serde_json::Value,
) -> Result<(), common::Run> {
    let step = |args: &[&str]| {
        let run = deployer.run(p, args);
        if run.code() == 0 {
            Ok(())
        } else {
            Err(run)
        }
    };
    p.write_config(&guarded());
    step(&["up", "--yes"])?;
    // As the README says: print it again once the pool exists.
    deployer.set_policy(aws, &edit(printed_policy(p)));
    step(&["plan"])?;
    step(&["invoke", "--payload", ADA, "--logs"])?;
    step(&["logs"])?;
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, source.replacen("Hello, {first}", "Hi, {first}", 1)).unwrap();
    step(&["update-code"])?;
    step(&["versions"])?;
    step(&["rollback"])?;
    step(&["status"])?;
    step(&["pause"])?;
    // An Event call while paused goes to the failed events; `failed` lists
    // it, `resume --replay` runs it again.
    step(&["invoke", "--async", "--payload", ADA])?;
    let start = std::time::Instant::now();
    while aws.queue_depth(&p.names().failed_queue) == 0 {
        assert!(
            start.elapsed().as_secs() < 30,
            "the paused event never reached the queue"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    step(&["failed"])?;
    step(&["resume", "--replay"])?;
    std::fs::write(&main, source).unwrap();
    make_drift(aws, p, &format!("{}-extra", p.name));
    // A role of the user's own for signed-in users, mapped on our pool: `up`
    // passes it back with ours, and the printed policy lets it.
    let signed_in = aws
        .block(
            aws.iam
                .create_role()
                .role_name(format!("{}-signed-in", p.name))
                .assume_role_policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}).to_string())
                .send(),
        )
        .unwrap();
    let pool = aws.pools(&p.names().pool)[0].identity_pool_id().to_string();
    aws.block(
        aws.cognito
            .set_identity_pool_roles()
            .identity_pool_id(&pool)
            .roles(
                "unauthenticated",
                "arn:aws:iam::123456789012:role/someone-else",
            )
            .roles("authenticated", signed_in.role().unwrap().arn())
            .send(),
    )
    .unwrap();
    deployer.set_policy(aws, &edit(printed_policy(p)));
    p.write_config(&Settings {
        memory_mb: 256,
        reserved_concurrency: None,
        ..guarded()
    });
    step(&["up", "--yes"])?;
    let roles = aws
        .block(
            aws.cognito
                .get_identity_pool_roles()
                .identity_pool_id(&pool)
                .send(),
        )
        .unwrap();
    assert_eq!(
        roles
            .roles()
            .and_then(|r| r.get("authenticated"))
            .map(String::as_str),
        Some(signed_in.role().unwrap().arn()),
        "the user's own mapping is kept"
    );
    p.write_config(&guarded());
    step(&["teardown", "--yes"])?;
    Ok(())
}

#[test]
fn every_command_and_correction_runs_under_the_printed_policy_alone() {
    let p = Project::new("deployonly").with_handler_copy();
    let aws = Aws::new();
    let deployer = Deployer::new(&aws, "deployonly-deployer", &printed_policy(&p));
    if let Err(run) = scenario(&p, &deployer, &aws, &|policy| policy) {
        panic!(
            "refused under the deployer policy (exit {}):\n{}",
            run.code(),
            run.stderr()
        );
    }
    assert!(aws.nothing_left("deployonly"));
}

#[test]
fn every_statement_of_the_deployer_policy_is_needed() {
    let aws = Aws::new();
    let full = printed_policy(&Project::new("deploystmt"));
    for (i, statement) in full["Statement"].as_array().unwrap().iter().enumerate() {
        let sid = statement["Sid"].as_str().unwrap_or("?").to_string();
        let name = format!("deploystmt{i}");
        let p = Project::new(&name).with_handler_copy();
        let without = |policy: serde_json::Value| {
            let mut policy = policy;
            if let Some(list) = policy["Statement"].as_array_mut() {
                list.retain(|s| s["Sid"] != statement["Sid"]);
            }
            policy
        };
        let deployer = Deployer::new(
            &aws,
            &format!("{name}-deployer"),
            &without(printed_policy(&p)),
        );
        let Err(run) = scenario(&p, &deployer, &aws, &without) else {
            panic!("without statement {sid}, every command and correction still ran");
        };
        assert_eq!(run.code(), 7, "without {sid}:\n{}", run.stderr());
        let refusal = run
            .stderr()
            .lines()
            .find(|l| l.contains("is not authorized to perform:"))
            .unwrap_or_default()
            .to_string();
        assert!(!refusal.is_empty(), "without {sid}:\n{}", run.stderr());
        eprintln!("without {sid}: {refusal}");
        // Clean up as an administrator (the dead run's lock is taken over).
        p.write_config(&Settings::default());
        p.run(&["teardown", "--yes"]).ok();
        assert!(aws.nothing_left(&name));
    }
}
