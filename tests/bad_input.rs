//! Bad input is refused before any AWS call: a clear message naming the file,
//! field or flag and how to fix it, a documented exit code, and zero calls
//! recorded at the emulator.

mod common;

use common::Project;

const GOOD: &str = r#"project = "PROJECT"

[handler]
path = "HANDLER"

[function]
memory_mb = 128
"#;

/// Each case: what the config is, the exit code, and fragments of the message.
fn config_cases() -> Vec<(&'static str, String, &'static [&'static str])> {
    let good = GOOD.to_string();
    vec![
        (
            "malformed TOML",
            good.replace("memory_mb = 128", "memory_mb = = 128"),
            &["line 7", "config.toml"],
        ),
        (
            "unknown top-level key",
            format!("{good}colour = \"blue\"\n"),
            &["unknown field `colour`"],
        ),
        (
            "unknown function key",
            good.replace("memory_mb = 128", "memory = 128"),
            &["unknown field `memory`", "line 7"],
        ),
        (
            "memory too small",
            good.replace("128", "64"),
            &[
                "memory_mb (MB) must be between 128 and 10240, not 64",
                "line 7",
            ],
        ),
        (
            "memory too large",
            good.replace("128", "10241"),
            &["between 128 and 10240"],
        ),
        (
            "timeout zero",
            format!("{good}timeout_s = 0\n"),
            &["timeout_s (seconds) must be between 1 and 900, not 0"],
        ),
        (
            "timeout too long",
            format!("{good}timeout_s = 901\n"),
            &["between 1 and 900"],
        ),
        (
            "architecture",
            format!("{good}architecture = \"sparc\"\n"),
            &["unknown variant `sparc`", "x86_64", "arm64"],
        ),
        (
            "concurrency zero",
            format!("{good}reserved_concurrency = 0\n"),
            &["reserved_concurrency", "between 1 and 1000"],
        ),
        (
            "project with a space",
            good.replace("\"PROJECT\"", "\"my app\""),
            &["may hold only lowercase letters, digits"],
        ),
        (
            "project starting with a digit",
            good.replace("\"PROJECT\"", "\"1app\""),
            &["must start with a letter"],
        ),
        (
            "project too long",
            good.replace("\"PROJECT\"", &format!("\"{}\"", "a".repeat(54))),
            &["64", "shorten `project`"],
        ),
        (
            "reserved env var",
            format!("{good}[function.environment]\nAWS_REGION = \"x\"\n"),
            &["AWS_REGION", "reserved by Lambda"],
        ),
        (
            "invalid env var name",
            format!("{good}[function.environment]\n\"1BAD\" = \"x\"\n"),
            &["not a valid variable name"],
        ),
        (
            "one-letter env var name",
            format!("{good}[function.environment]\nA = \"x\"\n"),
            &["\"A\" is not a valid variable name"],
        ),
        (
            "env too large",
            format!(
                "{good}[function.environment]\nBIG = \"{}\"\n",
                "x".repeat(5000)
            ),
            &["Lambda allows 4096", "as Lambda measures them"],
        ),
        (
            // Keys and values add up to 4090; their JSON text is 4097 bytes.
            "env at 4 KB once written as JSON",
            format!(
                "{good}[function.environment]\nAB = \"{}\"\n",
                "x".repeat(4088)
            ),
            &["take 4097 bytes as Lambda measures them"],
        ),
        (
            "uppercase project",
            good.replace("\"PROJECT\"", "\"MyApp\""),
            &["uppercase", "use \"myapp\""],
        ),
        (
            "log retention CloudWatch does not allow",
            format!("{good}log_retention_days = 45\n"),
            &[
                "45 is not a retention CloudWatch Logs allows",
                "use 30",
                "line 8",
            ],
        ),
        (
            "unknown linker",
            good.replace(
                "path = \"HANDLER\"",
                "path = \"HANDLER\"\nlinker = \"mold\"",
            ),
            &["unknown variant `mold`", "auto", "zig"],
        ),
        (
            "missing handler path",
            good.replace("HANDLER", "no/such/dir"),
            &["handler.path", "is not a folder"],
        ),
        (
            "handler path is not a crate",
            good.replace("HANDLER", "policies"),
            &["handler.path", "no Cargo.toml"],
        ),
        (
            "no project",
            good.replace("project = \"PROJECT\"\n", ""),
            &["missing field `project`"],
        ),
        (
            "an alarm email that is not an address",
            format!("{good}\n[alarms]\nemail = \"ops at example\"\n"),
            &["is not an email address", "email", "config.toml"],
        ),
        (
            "an alarm threshold of 0",
            format!("{good}\n[alarms]\nemail = \"ops@example.com\"\nerrors_per_5min = 0\n"),
            &["errors_per_5min", "between 1 and"],
        ),
        (
            "alarms without an email",
            format!("{good}\n[alarms]\nthrottles_per_5min = 3\n"),
            &["missing field `email`", "alarms"],
        ),
        (
            "an alias that is a version number",
            good.replace("memory_mb = 128", "memory_mb = 128\nalias = \"42\""),
            &["alias", "all digits", "line 8"],
        ),
        (
            "keep_versions of 0",
            good.replace("memory_mb = 128", "memory_mb = 128\nkeep_versions = 0"),
            &["keep_versions", "between 1 and 100", "line 8"],
        ),
    ]
}

#[test]
fn bad_configs_are_refused_with_exit_2_and_no_aws_call() {
    let p = Project::new("badcfg");
    for (what, text, fragments) in config_cases() {
        let text = text
            .replace("PROJECT", &p.name)
            .replace("HANDLER", &p.handler.display().to_string());
        p.write_raw_config(&text);
        for command in [
            &["up", "--yes"][..],
            &["plan"],
            &["update-code"],
            &["teardown", "--yes"],
        ] {
            // teardown needs no handler crate: a missing one does not stop it.
            let about_handler =
                what.starts_with("handler path") || what.starts_with("missing handler");
            if about_handler && command[0] == "teardown" {
                continue;
            }
            let run = p.run(command);
            assert_eq!(run.code(), 2, "{what} / {command:?}: {}", run.stderr());
            for fragment in fragments.iter() {
                assert!(
                    run.stderr().contains(fragment),
                    "{what}: stderr lacks {fragment:?}:\n{}",
                    run.stderr()
                );
            }
        }
        assert!(
            p.recorder.calls().is_empty(),
            "{what}: {:?}",
            p.recorder.calls()
        );
    }
}

#[test]
fn teardown_needs_no_handler_crate() {
    let p = Project::new("nocrate");
    p.up();
    let text = format!("project = \"{}\"\n[handler]\npath = \"gone\"\n", p.name);
    p.write_raw_config(&text);
    p.run(&["up", "--yes"]).fails(2, "handler.path");
    p.run(&["teardown", "--yes"]).ok();
    assert!(common::Aws::new().nothing_left(&p.name));
}

#[test]
fn bad_policy_templates_are_refused_with_exit_2_and_no_aws_call() {
    let p = Project::new("badpolicy");
    for (what, template, fragment) in [
        ("not JSON", "{", "not valid JSON"),
        (
            "principal",
            r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}]}"#,
            "Principal",
        ),
        (
            "unknown variable",
            r#"{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${bucket}/*"}]}"#,
            "unknown variable ${bucket}",
        ),
        (
            "no effect",
            r#"{"Statement": [{"Action": "s3:GetObject", "Resource": "*"}]}"#,
            "Effect",
        ),
    ] {
        std::fs::write(p.dir.path().join("policies/execution.json"), template).unwrap();
        let run = p.run(&["up", "--yes"]);
        assert_eq!(run.code(), 2, "{what}: {}", run.stderr());
        assert!(
            run.stderr().contains("execution.json"),
            "{what}: {}",
            run.stderr()
        );
        assert!(run.stderr().contains(fragment), "{what}: {}", run.stderr());
    }
    // Over IAM's 10,240 characters for a role's inline policies (ours plus
    // these), refused before any AWS call.
    let statement = |i: usize| {
        format!(
            r#"{{"Sid": "Read{i:03}", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:${{partition}}:s3:::bucket-number-{i:03}/*"}}"#
        )
    };
    let template = |n: usize| {
        let statements: Vec<String> = (0..n).map(statement).collect();
        format!(r#"{{"Statement": [{}]}}"#, statements.join(","))
    };
    std::fs::write(p.dir.path().join("policies/execution.json"), template(200)).unwrap();
    let run = p.run(&["plan"]).fails(2, "execution.json");
    assert!(
        run.stderr()
            .contains("the execution role's inline policy would be"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("IAM allows 10240"),
        "{}",
        run.stderr()
    );
    assert!(p.recorder.calls().is_empty());
}

#[test]
fn bad_flags_and_environment_are_refused_with_no_aws_call() {
    let p = Project::new("badflags");
    p.run(&["--stage", "prod env", "up", "--yes"])
        .fails(2, "invalid --stage");
    p.run(&["--stage", &"s".repeat(60), "plan"]).fails(2, "64");
    p.run(&["--region", "moon-base", "plan"])
        .fails(2, "is not an AWS region name");
    p.run_with(
        &["plan"],
        &[("AWS_REGION", None), ("AWS_DEFAULT_REGION", None)],
    )
    .fails(2, "no AWS region is set");
    p.run_with(
        &["plan"],
        &[("AWS_ACCESS_KEY_ID", None), ("AWS_SECRET_ACCESS_KEY", None)],
    )
    .fails(2, "no AWS credentials found");
    p.run(&["--config", "/no/such/config.toml", "plan"])
        .fails(2, "cannot read config file /no/such/config.toml");
    p.run(&["--stage", "Prod", "plan"]).fails(2, "uppercase");
    for since in ["yesterday", "10 parsecs", "2026-13-01T00:00:00Z"] {
        p.run(&["logs", "--since", since])
            .fails(2, "invalid --since");
    }
    p.run(&["policy", "deployer", "--account-id", "12345"])
        .fails(2, "invalid --account-id");
    p.run(&[
        "policy",
        "deployer",
        "--account-id",
        "123456789012",
        "--partition",
        "aws-mars",
    ])
    .fails(2, "invalid --partition");
    assert!(p.recorder.calls().is_empty(), "{:?}", p.recorder.calls());
}

#[test]
fn an_unreachable_endpoint_fails_fast_with_a_hint() {
    let p = Project::new("unreachable");
    // Build the handler first, so that only the AWS part is timed.
    p.run(&[
        "invoke",
        "--local",
        "--payload",
        r#"{"firstName": "A", "lastName": "B"}"#,
    ])
    .ok();
    let start = std::time::Instant::now();
    let run = p.run(&["--endpoint-url", "http://127.0.0.1:9", "plan"]);
    let took = start.elapsed();
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("did not answer"), "{}", run.stderr());
    assert!(took.as_secs() < 30, "took {took:?}");
}

#[test]
fn a_compile_error_stops_before_any_aws_call() {
    let p = Project::new("broken").with_handler_copy();
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        source.replace("pub fn greet(", "pub fn greet(this is not rust"),
    )
    .unwrap();
    let run = p
        .run(&["up", "--yes"])
        .fails(3, "building the handler failed");
    assert!(
        run.stderr().contains("error"),
        "cargo's own messages reach the user: {}",
        run.stderr()
    );
    assert!(p.recorder.calls().is_empty(), "{:?}", p.recorder.calls());
}

#[test]
fn a_handler_without_the_configured_binary_is_refused() {
    let p = Project::new("nobin");
    let text = format!(
        "project = \"{}\"\n[handler]\npath = \"{}\"\nbinary = \"server\"\n",
        p.name,
        p.handler.display()
    );
    p.write_raw_config(&text);
    p.run(&["up", "--yes"]).fails(3, "server");
    assert!(p.recorder.calls().is_empty());
}

#[test]
fn a_binary_that_needs_a_newer_glibc_is_refused_before_any_aws_call() {
    let p =
        Project::new("newglibc").with_handler_at(common::repo().join("tests/fixtures/newglibc"));
    let run = p.run(&["up", "--yes"]).fails(3, "needs GLIBC_2.36");
    assert!(
        run.stderr().contains("provided.al2023 has glibc 2.34"),
        "{}",
        run.stderr()
    );
    p.run(&["update-code"]).fails(3, "needs GLIBC_2.36");
    assert!(p.recorder.calls().is_empty(), "{:?}", p.recorder.calls());
}
