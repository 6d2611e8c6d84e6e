//! The rules a config value must meet to be accepted by AWS: names as IAM,
//! Lambda and Cognito compare them, environment variables as Lambda counts
//! them, and log retention as CloudWatch Logs allows it. Pure functions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Variables Lambda sets itself; a function may not override them.
const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Lambda's limit on the environment, measured on its JSON text.
pub const ENV_LIMIT: usize = 4096;

/// The values CloudWatch Logs accepts for `retentionInDays` (PutRetentionPolicy).
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Checks a project or stage name against what every derived AWS name allows.
///
/// Lowercase only: IAM compares role names without regard to case, while
/// Lambda and Cognito do not, so the projects `App` and `app` would share
/// their roles but not their functions. Refusing uppercase keeps one name
/// for one stack everywhere, rather than comparing some names one way and
/// others another.
pub fn check_name(s: &str) -> Result<(), String> {
    let mut chars = s.chars();
    match chars.next() {
        None => Err("must not be empty".into()),
        Some(c) if !c.is_ascii_alphabetic() => {
            Err(format!("\"{s}\" must start with a letter (a-z)"))
        }
        _ if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Err(format!(
                "\"{s}\" may hold only lowercase letters, digits, '-' and '_' (it is part of IAM, Lambda and Cognito names)"
            ))
        }
        _ if s.chars().any(|c| c.is_ascii_uppercase()) => Err(format!(
            "\"{s}\" has uppercase letters; IAM ignores case in role names, so \"{s}\" and \"{lower}\" would share roles\n  hint: use \"{lower}\"",
            lower = s.to_ascii_lowercase()
        )),
        _ => Ok(()),
    }
}

/// Checks an email address for an SNS `email` subscription: one `@`, a
/// local part, a domain with a dot, no spaces, at most 254 characters.
pub fn check_email(s: &str) -> Result<(), String> {
    let shaped = s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if shaped {
        Ok(())
    } else {
        Err(format!(
            "\"{s}\" is not an email address\n  hint: the alarms are sent there (SNS asks its owner to confirm first), e.g. email = \"oncall@example.com\""
        ))
    }
}

/// Checks an alias name as Lambda does: 1 to 128 of letters, digits, `-`
/// and `_`, and not all digits (that would read as a version number).
pub fn check_alias(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 128 {
        return Err(format!(
            "\"{s}\" must be 1 to 128 characters long (Lambda's limit)"
        ));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "\"{s}\" may hold only letters, digits, '-' and '_' (Lambda's alias names)"
        ));
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "\"{s}\" is all digits, which Lambda reads as a version number\n  hint: use a name such as \"live\""
        ));
    }
    Ok(())
}

/// Checks the function's environment: names Lambda accepts and does not
/// reserve, and a total size within 4 KB as Lambda measures it (the JSON
/// text of the variables, quotes, colons, commas and escapes included).
pub fn check_environment(env: &BTreeMap<String, String>) -> Result<(), String> {
    for key in env.keys() {
        check_env_key(key)?;
    }
    let size = json_size(env);
    if size > ENV_LIMIT {
        return Err(format!(
            "the variables take {size} bytes as Lambda measures them (their JSON text, {{\"KEY\":\"value\",...}}); Lambda allows {ENV_LIMIT}\n  hint: shorten or remove variables; keep large settings in SSM Parameter Store or S3"
        ));
    }
    Ok(())
}

/// The size Lambda counts for an environment: its variables as compact JSON.
pub fn json_size(env: &BTreeMap<String, String>) -> usize {
    serde_json::to_string(env).map(|s| s.len()).unwrap_or(0)
}

fn check_env_key(key: &str) -> Result<(), String> {
    // Lambda's pattern: [a-zA-Z]([a-zA-Z0-9_])+ (two characters at least).
    let mut chars = key.chars();
    let valid = key.len() >= 2
        && matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "\"{key}\" is not a valid variable name (a letter, then at least one more letter, digit or '_')"
        ));
    }
    if RESERVED_ENV.contains(&key) {
        return Err(format!("\"{key}\" is reserved by Lambda and cannot be set"));
    }
    Ok(())
}

/// Checks a log retention against CloudWatch Logs' allowed values.
pub fn check_retention(days: u32) -> Result<(), String> {
    if RETENTION_DAYS.contains(&days) {
        return Ok(());
    }
    let nearest = RETENTION_DAYS
        .iter()
        .copied()
        .min_by_key(|d| d.abs_diff(days))
        .unwrap_or(30);
    Err(format!(
        "{days} is not a retention CloudWatch Logs allows (one of {})\n  hint: use {nearest}",
        RETENTION_DAYS
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Checks `[app] config_path` and `[app.stages]`: stage names as `--stage`
/// takes them, one file per stage (two stages writing one file would let a
/// debug build talk to production), and, for a file in an Android `res/raw/`
/// folder, a name that Android's resource compiler accepts.
pub fn check_app_paths(
    default: Option<&Path>,
    stages: &BTreeMap<String, PathBuf>,
) -> Result<(), String> {
    let mut seen: BTreeMap<&Path, &str> = BTreeMap::new();
    for (stage, path) in stages {
        check_name(stage).map_err(|m| format!("app.stages: the stage {m}"))?;
        check_app_path(path).map_err(|m| format!("app.stages.{stage}: {m}"))?;
        if let Some(other) = seen.insert(path.as_path(), stage) {
            return Err(format!(
                "app.stages: \"{other}\" and \"{stage}\" both write {}; each stage needs its own file\n  hint: put each stage's file into its build variant's resources, e.g. src/debug/res/raw/ and src/release/res/raw/",
                path.display()
            ));
        }
    }
    match default {
        Some(path) => check_app_path(path).map_err(|m| format!("app.config_path: {m}")),
        None => Ok(()),
    }
}

fn check_app_path(path: &Path) -> Result<(), String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(stem) = name.strip_suffix(".json") else {
        return Err(format!(
            "\"{}\" must name a .json file (the app reads it as JSON)",
            path.display()
        ));
    };
    let in_raw = path.parent().is_some_and(|dir| dir.ends_with("res/raw"));
    let android_name = stem.starts_with(|c: char| c.is_ascii_lowercase())
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if in_raw && !android_name {
        return Err(format!(
            "\"{name}\" is not a valid Android resource name: a file in res/raw/ needs a name of lowercase letters, digits and '_'\n  hint: use awsconfiguration.json"
        ));
    }
    Ok(())
}
