//! Unit tests of config parsing and validation: defaults, paths, and every
//! refusal with its line and field.

use super::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::InputError;

const PATH: &str = "/p/config.toml";

fn parse_dev(text: &str) -> Result<Config, InputError> {
    parse(text, Path::new(PATH), "dev")
}

/// A valid config whose `[function]` table holds `function`, starting on line 7.
fn with_function(function: &str) -> String {
    format!("project = \"shop\"\n\n[handler]\npath = \"handler\"\n\n[function]\n{function}\n")
}

/// A valid config with this project name on line 1.
fn with_project(project: &str) -> String {
    format!("project = \"{project}\"\n\n[handler]\npath = \"handler\"\n")
}

fn invalid_message(text: &str) -> String {
    match parse_dev(text) {
        Err(InputError::ConfigInvalid { path, message }) => {
            assert_eq!(path, Path::new(PATH));
            message
        }
        other => panic!("expected ConfigInvalid, got {other:?}"),
    }
}

#[test]
fn minimal_config_gets_defaults_and_paths_relative_to_its_folder() {
    let config = parse_dev("project = \"shop\"\n\n[handler]\npath = \"handler\"\n").unwrap();
    assert_eq!(
        config,
        Config {
            path: PathBuf::from(PATH),
            project: "shop".into(),
            stage: "dev".into(),
            handler_path: PathBuf::from("/p/handler"),
            binary: "bootstrap".into(),
            linker: Linker::Auto,
            architecture: Architecture::X86_64,
            memory_mb: 128,
            timeout_s: 10,
            reserved_concurrency: None,
            log_retention_days: 30,
            environment: BTreeMap::new(),
            alias: "live".into(),
            keep_versions: 5,
            app_config_path: None,
            extra_statements: Vec::new(),
            extra_statements_path: PathBuf::from("/p/policies/execution.json"),
            alarms: None,
            events: crate::config::Events::default(),
        }
    );
}

#[test]
fn full_config_keeps_every_setting() {
    let text = r#"
project = "my-shop_2"

[handler]
path = "../handler"
binary = "api"
linker = "zig"

[function]
architecture = "arm64"
memory_mb = 10240
timeout_s = 900
reserved_concurrency = 1000
log_retention_days = 3653
environment = { LOG_LEVEL = "debug", API_URL = "https://api.example" }

[app]
config_path = "app/config.json"

[policies]
dir = "iam"
"#;
    let config = parse(text, Path::new(PATH), "prod-eu_1").unwrap();
    assert_eq!(config.project, "my-shop_2");
    assert_eq!(config.stage, "prod-eu_1");
    assert_eq!(config.handler_path, Path::new("/p/../handler"));
    assert_eq!(config.binary, "api");
    assert_eq!(config.linker, Linker::Zig);
    assert_eq!(config.architecture, Architecture::Arm64);
    assert_eq!(config.log_retention_days, 3653);
    assert_eq!(
        (
            config.memory_mb,
            config.timeout_s,
            config.reserved_concurrency
        ),
        (10240, 900, Some(1000))
    );
    assert_eq!(
        config.environment,
        BTreeMap::from([
            ("API_URL".to_string(), "https://api.example".to_string()),
            ("LOG_LEVEL".to_string(), "debug".to_string()),
        ])
    );
    assert_eq!(
        config.app_config_path.as_deref(),
        Some(Path::new("/p/app/config.json"))
    );
    assert_eq!(
        config.extra_statements_path,
        Path::new("/p/iam/execution.json")
    );
}

#[test]
fn lowest_limits_are_accepted() {
    let config = parse_dev(&with_function(
        "memory_mb = 128\ntimeout_s = 1\nreserved_concurrency = 1",
    ))
    .unwrap();
    assert_eq!(
        (
            config.memory_mb,
            config.timeout_s,
            config.reserved_concurrency
        ),
        (128, 1, Some(1))
    );
}

#[test]
fn bare_file_name_gives_paths_relative_to_the_current_folder() {
    let config = parse(&with_project("shop"), Path::new("config.toml"), "dev").unwrap();
    assert_eq!(config.handler_path, Path::new("handler"));
    assert_eq!(
        config.extra_statements_path,
        Path::new("policies/execution.json")
    );
}

#[test]
fn bad_configs_are_rejected_naming_line_and_field() {
    let big = "x".repeat(4097);
    let half = "x".repeat(2100);
    // (what, text, message fragment, line toml reports (None: found after parsing), field named)
    let cases: Vec<(&str, String, &str, Option<usize>, &str)> = vec![
        (
            "malformed TOML",
            "project = \"shop\"\n[handler]\npath = \"handler\n".into(),
            "TOML parse error",
            Some(3),
            "path",
        ),
        (
            "unknown top-level key",
            "project = \"shop\"\ncolour = \"red\"\n\n[handler]\npath = \"h\"\n".into(),
            "unknown field `colour`",
            Some(2),
            "colour",
        ),
        (
            "unknown key in [function]",
            with_function("memory = 256"),
            "unknown field `memory`",
            Some(7),
            "memory",
        ),
        (
            "memory 64",
            with_function("memory_mb = 64"),
            "between 128 and 10240, not 64",
            Some(7),
            "memory_mb",
        ),
        (
            "memory 20000",
            with_function("memory_mb = 20000"),
            "between 128 and 10240, not 20000",
            Some(7),
            "memory_mb",
        ),
        (
            "memory -1",
            with_function("memory_mb = -1"),
            "not -1",
            Some(7),
            "memory_mb",
        ),
        (
            "timeout 0",
            with_function("timeout_s = 0"),
            "between 1 and 900, not 0",
            Some(7),
            "timeout_s",
        ),
        (
            "timeout 901",
            with_function("timeout_s = 901"),
            "between 1 and 900, not 901",
            Some(7),
            "timeout_s",
        ),
        (
            "architecture sparc",
            with_function("architecture = \"sparc\""),
            "unknown variant `sparc`",
            Some(7),
            "architecture",
        ),
        (
            "reserved concurrency 0",
            with_function("reserved_concurrency = 0"),
            "between 1 and 1000, not 0",
            Some(7),
            "reserved_concurrency",
        ),
        (
            "project with a space",
            with_project("my shop"),
            "may hold only lowercase letters",
            Some(1),
            "project",
        ),
        (
            "project starting with a digit",
            with_project("1shop"),
            "must start with a letter",
            Some(1),
            "project",
        ),
        (
            "empty project",
            with_project(""),
            "must not be empty",
            Some(1),
            "project",
        ),
        (
            "project too long for the role name",
            with_project(&"a".repeat(54)),
            "(65 characters); IAM allows 64",
            None,
            "project",
        ),
        (
            "reserved env var",
            with_function("environment = { AWS_REGION = \"eu-west-1\" }"),
            "\"AWS_REGION\" is reserved by Lambda",
            None,
            "function.environment",
        ),
        (
            "invalid env var name",
            with_function("environment = { 1ABC = \"x\" }"),
            "\"1ABC\" is not a valid variable name",
            None,
            "function.environment",
        ),
        (
            "env value over 4 KB",
            with_function(&format!("environment = {{ BIG = \"{big}\" }}")),
            "take 4107 bytes",
            None,
            "function.environment",
        ),
        (
            "env values over 4 KB together",
            with_function(&format!(
                "environment = {{ AA = \"{half}\", BB = \"{half}\" }}"
            )),
            // {"AA":"…","BB":"…"}: two values, two quoted keys, quotes, colons, a comma, braces.
            "take 4217 bytes as Lambda measures them",
            None,
            "function.environment",
        ),
        (
            "uppercase project",
            with_project("Shop"),
            "has uppercase letters; IAM ignores case",
            Some(1),
            "project",
        ),
        (
            "log retention not allowed by CloudWatch",
            with_function("log_retention_days = 10"),
            "10 is not a retention CloudWatch Logs allows",
            Some(7),
            "log_retention_days",
        ),
        (
            "log retention negative",
            with_function("log_retention_days = -1"),
            "not a number of days",
            Some(7),
            "log_retention_days",
        ),
        (
            "unknown linker",
            "project = \"shop\"\n[handler]\npath = \"h\"\nlinker = \"gold\"\n".into(),
            "unknown variant `gold`",
            Some(4),
            "linker",
        ),
        (
            "empty binary",
            "project = \"shop\"\n[handler]\npath = \"h\"\nbinary = \"\"\n".into(),
            "must not be empty",
            None,
            "handler.binary",
        ),
    ];
    for (what, text, fragment, line, field) in cases {
        let message = invalid_message(&text);
        assert!(
            message.contains(fragment),
            "{what}: no {fragment:?} in:\n{message}"
        );
        assert!(
            message.contains(field),
            "{what}: field {field:?} not named in:\n{message}"
        );
        if let Some(line) = line {
            let at = format!("line {line},");
            assert!(message.contains(&at), "{what}: no {at:?} in:\n{message}");
        }
        // The user-facing text names the file too.
        let shown = parse_dev(&text).unwrap_err().to_string();
        assert!(shown.contains(PATH), "{what}: {shown}");
    }
}

#[test]
fn role_name_of_exactly_64_characters_is_accepted() {
    let project = "a".repeat(MAX_ROLE_NAME - "-dev-unauth".len());
    let config = parse_dev(&with_project(&project)).unwrap();
    assert_eq!(
        format!("{}-{}{LONGEST_SUFFIX}", config.project, config.stage).len(),
        64
    );
    // The same project with a longer stage no longer fits.
    let err = parse(&with_project(&project), Path::new(PATH), "prod").unwrap_err();
    assert!(matches!(err, InputError::ConfigInvalid { .. }), "{err:?}");
}

#[test]
fn environment_of_exactly_4096_bytes_as_json_is_accepted() {
    // Lambda measures the JSON text: {"AB":"…"} is 9 bytes around the value.
    let value = "x".repeat(4096 - 9);
    let config = parse_dev(&with_function(&format!(
        "environment = {{ AB = \"{value}\" }}"
    )))
    .unwrap();
    assert_eq!(config.environment["AB"], value);
    // One byte more is refused, though keys and values add up to only 4090.
    let value = "x".repeat(4096 - 8);
    let message = invalid_message(&with_function(&format!(
        "environment = {{ AB = \"{value}\" }}"
    )));
    assert!(message.contains("take 4097 bytes"), "{message}");
}

#[test]
fn escapes_count_toward_the_environment_size_as_lambda_sees_them() {
    let env = BTreeMap::from([("AB".to_string(), "\"quoted\"\n".to_string())]);
    // {"AB":"\"quoted\"\n"}: each quote and the newline take two bytes.
    assert_eq!(checks::json_size(&env), r#"{"AB":"\"quoted\"\n"}"#.len());
    assert_eq!(checks::json_size(&env), 21);
}

#[test]
fn no_reservation_unless_the_config_asks_for_one() {
    let config = parse_dev(&with_function("memory_mb = 128")).unwrap();
    assert_eq!(config.reserved_concurrency, None);
    let config = parse_dev(&with_function("reserved_concurrency = 10")).unwrap();
    assert_eq!(config.reserved_concurrency, Some(10));
}

#[test]
fn every_retention_cloudwatch_allows_is_accepted() {
    for days in checks::RETENTION_DAYS {
        let config = parse_dev(&with_function(&format!("log_retention_days = {days}"))).unwrap();
        assert_eq!(config.log_retention_days, *days);
    }
}

#[test]
fn names_with_letters_digits_dash_and_underscore_are_accepted() {
    for name in ["a", "shop", "my-shop_2", "x1-y2_z3"] {
        assert_eq!(check_name(name), Ok(()), "{name}");
        parse(&with_project(name), Path::new(PATH), name).unwrap();
    }
}

#[test]
fn bad_stage_is_a_flag_error() {
    for stage in [
        "", "1prod", "pro d", "prod.eu", "prod/eu", "prod:eu", "Prod",
    ] {
        let err = parse_dev_stage(stage);
        match &err {
            InputError::Flag {
                flag: "--stage",
                message,
            } => {
                assert!(!message.is_empty(), "{stage:?}");
            }
            other => panic!("stage {stage:?}: expected a --stage error, got {other:?}"),
        }
        assert!(err.to_string().starts_with("invalid --stage:"), "{err}");
    }
}

fn parse_dev_stage(stage: &str) -> InputError {
    parse(&with_project("shop"), Path::new(PATH), stage).unwrap_err()
}

/// A valid config whose `[app]` table holds `app`.
fn with_app(app: &str) -> String {
    format!("{}\n[app]\n{app}\n", with_project("shop"))
}

#[test]
fn each_stage_writes_its_build_variants_app_config() {
    let text = with_app(
        "config_path = \"app/src/main/res/raw/awsconfiguration.json\"\n\
         stages = { dev = \"app/src/debug/res/raw/awsconfiguration.json\", prod = \"app/src/release/res/raw/awsconfiguration.json\" }",
    );
    let path_for = |stage: &str| {
        parse(&text, Path::new(PATH), stage)
            .unwrap()
            .app_config_path
            .unwrap()
    };
    assert_eq!(
        path_for("dev"),
        Path::new("/p/app/src/debug/res/raw/awsconfiguration.json")
    );
    assert_eq!(
        path_for("prod"),
        Path::new("/p/app/src/release/res/raw/awsconfiguration.json")
    );
    // A stage not named falls back to config_path.
    assert_eq!(
        path_for("staging"),
        Path::new("/p/app/src/main/res/raw/awsconfiguration.json")
    );
}

#[test]
fn a_stage_without_a_file_and_no_default_writes_none() {
    let text = with_app("stages = { prod = \"release/awsconfiguration.json\" }");
    assert_eq!(parse_dev(&text).unwrap().app_config_path, None);
}

#[test]
fn two_stages_sharing_one_app_config_are_refused() {
    let message = invalid_message(&with_app(
        "stages = { dev = \"a/res/raw/awsconfiguration.json\", prod = \"a/res/raw/awsconfiguration.json\" }",
    ));
    assert!(
        message.contains("\"dev\" and \"prod\" both write"),
        "{message}"
    );
    assert!(message.contains("hint:"), "{message}");
}

#[test]
fn bad_app_config_names_are_refused_with_their_field() {
    for (app, field, says) in [
        (
            "config_path = \"a/config.txt\"",
            "app.config_path",
            "must name a .json file",
        ),
        (
            "config_path = \"a/res/raw/AWS-config.json\"",
            "app.config_path",
            "not a valid Android resource name",
        ),
        (
            "stages = { Prod = \"a/awsconfiguration.json\" }",
            "app.stages",
            "uppercase",
        ),
        (
            "stages = { prod = \"a/res/raw/1config.json\" }",
            "app.stages.prod",
            "not a valid Android resource name",
        ),
    ] {
        let message = invalid_message(&with_app(app));
        assert!(message.starts_with(field), "{app}: {message}");
        assert!(message.contains(says), "{app}: {message}");
    }
}

#[test]
fn the_example_configs_commented_stages_work_as_documented() {
    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap();
    let uncommented: String = example
        .lines()
        .map(|l| {
            let stage_line = ["# [app.stages]", "# dev = ", "# prod = "]
                .iter()
                .any(|p| l.starts_with(p));
            if stage_line {
                format!("{}\n", &l[2..])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(uncommented, example, "the example documents [app.stages]");
    let path_for = |stage: &str| {
        parse(&uncommented, Path::new("/p/config.toml"), stage)
            .unwrap()
            .app_config_path
            .unwrap()
    };
    assert_eq!(
        path_for("prod"),
        Path::new("/p/android/app/src/release/res/raw/awsconfiguration.json")
    );
    assert_eq!(
        path_for("dev"),
        Path::new("/p/android/app/src/debug/res/raw/awsconfiguration.json")
    );
}

fn with_alarms(alarms: &str) -> String {
    format!(
        "{}\n[function]\nreserved_concurrency = 20\ntimeout_s = 3\n\n[alarms]\n{alarms}\n",
        with_project("shop")
    )
}

#[test]
fn alarms_get_thresholds_derived_from_the_reservation_and_the_timeout() {
    let config = parse_dev(&with_alarms("email = \"ops@example.com\"")).unwrap();
    let alarms = config.alarms.unwrap();
    assert_eq!(alarms.email, "ops@example.com");
    // 20 at once, each at most 3 s: 2000 calls in 5 minutes.
    assert_eq!(alarms.invocations_per_5min, 2000);
    assert_eq!((alarms.errors_per_5min, alarms.throttles_per_5min), (5, 1));
    let set = parse_dev(&with_alarms(
        "email = \"ops@example.com\"\ninvocations_per_5min = 50\nerrors_per_5min = 2\nthrottles_per_5min = 9",
    ))
    .unwrap()
    .alarms
    .unwrap();
    assert_eq!(
        (
            set.invocations_per_5min,
            set.errors_per_5min,
            set.throttles_per_5min
        ),
        (50, 2, 9)
    );
    // Without a reservation: a new account's 10 at once.
    assert_eq!(default_invocations(None, 10), 300);
    assert!(parse_dev(&with_project("shop")).unwrap().alarms.is_none());
}

#[test]
fn bad_alarms_are_refused_with_line_and_field() {
    for (alarms, line, fragment) in [
        ("email = \"not an address\"", 11, "is not an email address"),
        ("email = \"ops@localhost\"", 11, "is not an email address"),
        (
            "email = \"ops@example.com\"\nerrors_per_5min = 0",
            12,
            "between 1 and",
        ),
        (
            "email = \"ops@example.com\"\nthrottles_per_5min = -1",
            12,
            "between 1 and",
        ),
        ("invocations_per_5min = 10", 10, "missing field `email`"),
        (
            "email = \"ops@example.com\"\nsms = \"+1\"",
            12,
            "unknown field `sms`",
        ),
    ] {
        let message = invalid_message(&with_alarms(alarms));
        assert!(message.contains(fragment), "{alarms}: {message}");
        assert!(
            message.contains(&format!("line {line}")),
            "{alarms}: {message}"
        );
    }
}

#[test]
fn the_example_configs_commented_releases_and_alarms_work_as_documented() {
    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml")).unwrap();
    let keys = [
        "# [alarms]",
        "# email = ",
        "# invocations_per_5min = ",
        "# errors_per_5min = ",
        "# throttles_per_5min = ",
        "# alias = ",
        "# keep_versions = ",
    ];
    let uncommented: String = example
        .lines()
        .map(|l| match keys.iter().any(|k| l.starts_with(k)) {
            true => format!("{}\n", &l[2..]),
            false => format!("{l}\n"),
        })
        .collect();
    let config = parse(&uncommented, Path::new("/p/config.toml"), "dev").unwrap();
    assert_eq!((config.alias.as_str(), config.keep_versions), ("live", 5));
    let alarms = config.alarms.unwrap();
    assert_eq!(alarms.email, "oncall@example.com");
    assert_eq!(
        (
            alarms.invocations_per_5min,
            alarms.errors_per_5min,
            alarms.throttles_per_5min
        ),
        (300, 5, 1)
    );
    // The documented default is what the example's own settings give.
    assert_eq!(
        default_invocations(config.reserved_concurrency, config.timeout_s),
        300
    );
}
