//! The project's desired settings: `config.toml` plus flags, parsed and
//! validated without any I/O beyond reading the files it names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::InputError;

mod checks;
mod values;

pub use checks::{check_app_paths, check_environment, check_name};
use values::{
    AliasName, Email, KeepVersions, MaxEventAgeS, MemoryMb, Name, ReservedConcurrency,
    RetentionDays, RetryAttempts, Threshold, TimeoutS,
};
pub use values::{Architecture, Linker};

/// What our names need room for.
/// IAM role names are at most 64 characters; the longest we derive is `{project}-{stage}-unauth`.
pub const MAX_ROLE_NAME: usize = 64;
pub const LONGEST_SUFFIX: &str = "-unauth";
/// Log retention when the config sets none.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// How many published versions a release keeps when the config says nothing.
pub const DEFAULT_KEEP_VERSIONS: u32 = 5;
/// The alias the app calls when the config names none.
pub const DEFAULT_ALIAS: &str = "live";
/// Lambda's own retries of a failed `Event` call, and the longest an event
/// may wait in its queue (both Lambda's defaults and maxima).
pub const DEFAULT_RETRY_ATTEMPTS: u32 = 2;
pub const DEFAULT_MAX_EVENT_AGE_S: u32 = 21600;
/// The account concurrency a new account has (when the config reserves none).
pub const NEW_ACCOUNT_CONCURRENCY: u32 = 10;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    project: Name,
    handler: RawHandler,
    #[serde(default)]
    function: RawFunction,
    #[serde(default)]
    app: RawApp,
    #[serde(default)]
    policies: RawPolicies,
    alarms: Option<RawAlarms>,
}

/// `[alarms]`: where the guard's alarms go, and their thresholds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlarms {
    email: Email,
    invocations_per_5min: Option<Threshold>,
    errors_per_5min: Option<Threshold>,
    throttles_per_5min: Option<Threshold>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHandler {
    path: PathBuf,
    #[serde(default = "default_binary")]
    binary: String,
    #[serde(default)]
    linker: Linker,
}

fn default_binary() -> String {
    "bootstrap".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunction {
    #[serde(default = "default_arch")]
    architecture: Architecture,
    #[serde(default = "default_memory")]
    memory_mb: MemoryMb,
    #[serde(default = "default_timeout")]
    timeout_s: TimeoutS,
    #[serde(default)]
    reserved_concurrency: Option<ReservedConcurrency>,
    #[serde(default = "default_retention")]
    log_retention_days: RetentionDays,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default = "default_alias")]
    alias: AliasName,
    #[serde(default = "default_keep_versions")]
    keep_versions: KeepVersions,
    /// `[function.async]`: what becomes of `Event` calls.
    #[serde(default, rename = "async")]
    asynchronous: RawAsync,
}

/// `[function.async]`: Lambda's retries of an `Event` call, how long one
/// may wait in its queue, and whether the ones that fail are kept.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsync {
    #[serde(default = "default_true")]
    keep_failed: bool,
    #[serde(default = "default_retry_attempts")]
    retry_attempts: RetryAttempts,
    #[serde(default = "default_max_event_age")]
    max_event_age_s: MaxEventAgeS,
}

impl Default for RawAsync {
    fn default() -> Self {
        RawAsync {
            keep_failed: true,
            retry_attempts: default_retry_attempts(),
            max_event_age_s: default_max_event_age(),
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_retry_attempts() -> RetryAttempts {
    RetryAttempts(DEFAULT_RETRY_ATTEMPTS)
}
fn default_max_event_age() -> MaxEventAgeS {
    MaxEventAgeS(DEFAULT_MAX_EVENT_AGE_S)
}

impl Default for RawFunction {
    fn default() -> Self {
        RawFunction {
            architecture: default_arch(),
            memory_mb: default_memory(),
            timeout_s: default_timeout(),
            reserved_concurrency: None,
            log_retention_days: default_retention(),
            environment: BTreeMap::new(),
            alias: default_alias(),
            keep_versions: default_keep_versions(),
            asynchronous: RawAsync::default(),
        }
    }
}

fn default_alias() -> AliasName {
    AliasName(DEFAULT_ALIAS.into())
}
fn default_keep_versions() -> KeepVersions {
    KeepVersions(DEFAULT_KEEP_VERSIONS)
}

fn default_arch() -> Architecture {
    Architecture::X86_64
}
fn default_memory() -> MemoryMb {
    MemoryMb(128)
}
fn default_timeout() -> TimeoutS {
    TimeoutS(10)
}
fn default_retention() -> RetentionDays {
    RetentionDays(DEFAULT_RETENTION_DAYS)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    config_path: Option<PathBuf>,
    /// Per stage, the app config of a build variant (`dev` into
    /// `src/debug/res/raw/`, `prod` into `src/release/res/raw/`).
    #[serde(default)]
    stages: BTreeMap<String, PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicies {
    #[serde(default = "default_policies_dir")]
    dir: PathBuf,
}

impl Default for RawPolicies {
    fn default() -> Self {
        RawPolicies {
            dir: default_policies_dir(),
        }
    }
}

fn default_policies_dir() -> PathBuf {
    PathBuf::from("policies")
}

/// The validated configuration; paths are resolved against the config file's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub path: PathBuf,
    pub project: String,
    pub stage: String,
    pub handler_path: PathBuf,
    pub binary: String,
    pub linker: Linker,
    pub architecture: Architecture,
    pub memory_mb: u32,
    pub timeout_s: u32,
    /// `None`: no reservation; the account's own limit caps the function.
    pub reserved_concurrency: Option<u32>,
    pub log_retention_days: u32,
    pub environment: BTreeMap<String, String>,
    /// The alias the app calls; each release moves it to a new version.
    pub alias: String,
    /// Published versions kept after a release (plus aliased ones and the rollback target).
    pub keep_versions: u32,
    pub app_config_path: Option<PathBuf>,
    /// Extra execution-policy statements (`policies/execution.json`), not yet rendered.
    pub extra_statements: Vec<serde_json::Value>,
    pub extra_statements_path: PathBuf,
    /// `[alarms]`: the guard of the public endpoint, when the config has one.
    pub alarms: Option<Alarms>,
    /// `[function.async]`: what becomes of `Event` calls.
    pub events: Events,
}

/// `[function.async]`, defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Events {
    /// The on-failure destination (our SQS queue) keeps the events Lambda
    /// gives up on; without it they are lost.
    pub keep_failed: bool,
    pub retry_attempts: u32,
    pub max_event_age_s: u32,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            keep_failed: true,
            retry_attempts: DEFAULT_RETRY_ATTEMPTS,
            max_event_age_s: DEFAULT_MAX_EVENT_AGE_S,
        }
    }
}

/// The guard's settings, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarms {
    pub email: String,
    pub invocations_per_5min: u32,
    pub errors_per_5min: u32,
    pub throttles_per_5min: u32,
}

/// The invocations alarm's default: as many calls as the function can run
/// in 5 minutes at its reservation (else a new account's 10) if every call
/// ran for its whole timeout. More than that means many short calls at
/// full concurrency: someone is driving it hard.
pub fn default_invocations(reserved: Option<u32>, timeout_s: u32) -> u32 {
    let concurrency = reserved.unwrap_or(NEW_ACCOUNT_CONCURRENCY);
    (concurrency * 300 / timeout_s.max(1)).max(1)
}

/// Reads and validates the config file and the policy templates it names.
pub fn load(path: &Path, stage: &str) -> Result<Config, InputError> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::ConfigUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let mut config = parse(&text, path, stage)?;
    let template = config.extra_statements_path.clone();
    config.extra_statements = match std::fs::read_to_string(&template) {
        Ok(text) => {
            crate::policy::parse_extra_statements(&text).map_err(|message| InputError::Policy {
                what: "policy template",
                path: template,
                message,
            })?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(InputError::Policy {
                what: "policy template",
                path: template,
                message: e.to_string(),
            })
        }
    };
    Ok(config)
}

/// Parses and validates the text of a config file (pure: no file is read).
pub fn parse(text: &str, path: &Path, stage: &str) -> Result<Config, InputError> {
    let invalid = |message: String| InputError::ConfigInvalid {
        path: path.to_path_buf(),
        message,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    check_name(stage).map_err(|message| InputError::Flag {
        flag: "--stage",
        message,
    })?;
    let project = raw.project.0;
    let longest = format!("{project}-{stage}{LONGEST_SUFFIX}");
    if longest.len() > MAX_ROLE_NAME {
        return Err(invalid(format!(
            "project: \"{project}\" with stage \"{stage}\" gives the IAM role name \"{longest}\" ({} characters); IAM allows {MAX_ROLE_NAME}\n  hint: shorten `project` (or --stage) by {} characters",
            longest.len(),
            longest.len() - MAX_ROLE_NAME
        )));
    }
    check_environment(&raw.function.environment)
        .map_err(|m| invalid(format!("function.environment: {m}")))?;
    if raw.handler.binary.is_empty() {
        return Err(invalid("handler.binary must not be empty".into()));
    }
    check_app_paths(raw.app.config_path.as_deref(), &raw.app.stages).map_err(invalid)?;
    // "" for a bare file name, so that paths print as the user wrote them.
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(Config {
        path: path.to_path_buf(),
        project,
        stage: stage.to_string(),
        handler_path: base.join(&raw.handler.path),
        binary: raw.handler.binary,
        linker: raw.handler.linker,
        architecture: raw.function.architecture,
        memory_mb: raw.function.memory_mb.0,
        timeout_s: raw.function.timeout_s.0,
        reserved_concurrency: raw.function.reserved_concurrency.map(|r| r.0),
        log_retention_days: raw.function.log_retention_days.0,
        environment: raw.function.environment,
        alias: raw.function.alias.0,
        keep_versions: raw.function.keep_versions.0,
        app_config_path: raw
            .app
            .stages
            .get(stage)
            .or(raw.app.config_path.as_ref())
            .map(|p| base.join(p)),
        extra_statements: Vec::new(),
        extra_statements_path: base.join(raw.policies.dir).join("execution.json"),
        events: Events {
            keep_failed: raw.function.asynchronous.keep_failed,
            retry_attempts: raw.function.asynchronous.retry_attempts.0,
            max_event_age_s: raw.function.asynchronous.max_event_age_s.0,
        },
        alarms: raw.alarms.map(|a| Alarms {
            email: a.email.0,
            invocations_per_5min: a.invocations_per_5min.map_or_else(
                || {
                    default_invocations(
                        raw.function.reserved_concurrency.map(|r| r.0),
                        raw.function.timeout_s.0,
                    )
                },
                |t| t.0,
            ),
            errors_per_5min: a.errors_per_5min.map_or(5, |t| t.0),
            throttles_per_5min: a.throttles_per_5min.map_or(1, |t| t.0),
        }),
    })
}

/// The handler path must be a crate folder: checked before any build or AWS
/// call by the commands that build (not by `teardown`, which needs no crate).
pub fn check_handler_crate(config: &Config) -> Result<(), InputError> {
    let dir = &config.handler_path;
    let problem = if !dir.is_dir() {
        "is not a folder"
    } else if !dir.join("Cargo.toml").is_file() {
        "is not a Rust crate (it has no Cargo.toml)"
    } else {
        return Ok(());
    };
    Err(InputError::ConfigInvalid {
        path: config.path.clone(),
        message: format!(
            "handler.path: {} {problem}\n  hint: set [handler] path to the folder of your handler crate (relative to the config file)",
            dir.display()
        ),
    })
}

#[cfg(test)]
mod tests;
