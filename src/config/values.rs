//! The config's values that are checked while the TOML is parsed (so an
//! error carries the file, line and field): the architecture and linker,
//! bounded numbers, names, the alias, the retention and the alarms' email.

use serde::Deserialize;

use super::checks;

/// Lambda's own limits.
pub const MEMORY_MB: std::ops::RangeInclusive<u32> = 128..=10240;
pub const TIMEOUT_S: std::ops::RangeInclusive<u32> = 1..=900;
pub const RESERVED_CONCURRENCY: std::ops::RangeInclusive<u32> = 1..=1000;
/// How many published versions a release keeps (besides any an alias
/// points to and the rollback target).
pub const KEEP_VERSIONS: std::ops::RangeInclusive<u32> = 1..=100;
/// An alarm threshold: calls (or errors, or throttles) in 5 minutes.
pub const THRESHOLD: std::ops::RangeInclusive<u32> = 1..=10_000_000;

/// The CPU the function runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Architecture {
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// The name Lambda uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    /// The Rust target triple that builds for it.
    pub fn target_triple(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64-unknown-linux-gnu",
            Architecture::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }
}

/// A number checked against an inclusive range while the TOML is parsed, so
/// that the error carries the line, the column and the field.
macro_rules! bounded {
    ($name:ident, $range:expr, $what:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
        #[serde(try_from = "i64")]
        pub struct $name(pub u32);

        impl TryFrom<i64> for $name {
            type Error = String;
            fn try_from(v: i64) -> Result<Self, String> {
                let range = $range;
                match u32::try_from(v) {
                    Ok(n) if range.contains(&n) => Ok($name(n)),
                    _ => Err(format!(
                        concat!($what, " must be between {} and {}, not {}"),
                        range.start(),
                        range.end(),
                        v
                    )),
                }
            }
        }
    };
}

bounded!(MemoryMb, MEMORY_MB, "memory_mb (MB)");
bounded!(
    KeepVersions,
    KEEP_VERSIONS,
    "keep_versions (published versions kept after a release)"
);
bounded!(TimeoutS, TIMEOUT_S, "timeout_s (seconds)");
bounded!(
    RetryAttempts,
    0..=2,
    "function.async.retry_attempts (Lambda's retries of an Event call that failed)"
);
bounded!(
    MaxEventAgeS,
    60..=21600,
    "function.async.max_event_age_s (seconds an Event call may wait in Lambda's queue)"
);
bounded!(
    ReservedConcurrency,
    RESERVED_CONCURRENCY,
    "reserved_concurrency (a cap on concurrent runs, which keeps anonymous callers from running up the bill)"
);

/// A project or stage name: lowercase letters, digits, `-` and `_`,
/// starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Name(pub String);

impl TryFrom<String> for Name {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        checks::check_name(&s).map(|()| Name(s))
    }
}

/// The alias the app calls, checked as Lambda checks alias names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct AliasName(pub String);

impl TryFrom<String> for AliasName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        checks::check_alias(&s)
            .map(|()| AliasName(s))
            .map_err(|m| format!("alias: {m}"))
    }
}

/// A log retention in days, checked against CloudWatch's allowed values
/// while the TOML is parsed (so the error carries line and field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
pub struct RetentionDays(pub u32);

impl TryFrom<i64> for RetentionDays {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        let days = u32::try_from(v)
            .map_err(|_| format!("log_retention_days: {v} is not a number of days"))?;
        checks::check_retention(days)
            .map(|()| RetentionDays(days))
            .map_err(|m| format!("log_retention_days: {m}"))
    }
}

/// How the handler is linked for Lambda's Linux.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Linker {
    /// Plain cargo where this machine is Linux on the function's
    /// architecture; `cargo zigbuild` (glibc pinned to Lambda's) elsewhere.
    #[default]
    Auto,
    /// Always plain `cargo build`, with whatever linker cargo is configured to use.
    Cargo,
    /// Always `cargo zigbuild`, which pins glibc to Lambda's 2.34 on any host.
    Zig,
}

/// An email address that SNS would take for an `email` subscription.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Email(pub String);

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        checks::check_email(&s)
            .map(|()| Email(s))
            .map_err(|m| format!("email: {m}"))
    }
}

bounded!(
    Threshold,
    THRESHOLD,
    "an alarm threshold (a number of calls in 5 minutes)"
);
