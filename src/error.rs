//! The errors backend-ctl reports, grouped by what the user must do about them;
//! each group has its own documented exit code, chosen in `main` only.

use std::path::PathBuf;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file, a policy template or a flag is wrong (exit 2).
    #[error(transparent)]
    Input(#[from] InputError),
    /// The handler did not build or its binary cannot run on Lambda (exit 3).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A resource with one of our names is not ours, or ours is ambiguous (exit 4).
    #[error(transparent)]
    Ownership(#[from] OwnershipError),
    /// AWS refused or could not be reached (exit 1).
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// Several independent steps failed at once.
    #[error("{}", join_errors(.0))]
    Many(Vec<Error>),
    /// The function ran and returned an error (exit 6); its payload is on stderr.
    #[error("the function returned an error ({0})")]
    Function(String),
    /// Another run holds the stack's lock (exit 8); nothing was changed.
    #[error("{0}")]
    Busy(String),
    /// The user answered no at the confirmation prompt (exit 5).
    #[error("nothing was changed: the plan was not confirmed")]
    Declined,
    /// A local file could not be read or written (exit 1).
    #[error("{action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn join_errors(errors: &[Error]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// The process exit code documented in the README.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Aws(e) if e.denied.is_some() => 7,
            Error::Aws(_) | Error::Io { .. } => 1,
            Error::Input(_) => 2,
            Error::Build(_) => 3,
            Error::Ownership(_) => 4,
            Error::Declined => 5,
            Error::Function(_) => 6,
            Error::Busy(_) => 8,
            // The most specific cause decides: bad input first, then what needs a person.
            Error::Many(errors) => errors
                .iter()
                .map(Error::exit_code)
                .max_by_key(|code| match code {
                    2 => 5,
                    7 => 4,
                    4 => 3,
                    3 => 2,
                    _ => 1,
                })
                .unwrap_or(1),
        }
    }

    /// One error for the failures of several concurrent steps.
    pub fn all(mut errors: Vec<Error>) -> Error {
        if errors.len() == 1 {
            errors.remove(0)
        } else {
            Error::Many(errors)
        }
    }

    /// Folds the outcomes of concurrent steps into one result.
    pub fn collect<T>(results: Vec<Result<T, Error>>) -> Result<Vec<T>, Error> {
        let mut oks = Vec::new();
        let mut errs = Vec::new();
        for r in results {
            match r {
                Ok(v) => oks.push(v),
                Err(Error::Many(inner)) => errs.extend(inner),
                Err(e) => errs.push(e),
            }
        }
        if errs.is_empty() {
            Ok(oks)
        } else {
            Err(Error::all(errs))
        }
    }
}

/// Bad input, found before any AWS call.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read config file {}: {source}\n  hint: pass the file with --config PATH", .path.display())]
    ConfigUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// toml's message already names the line, the column and the field.
    #[error("invalid config file {}:\n{message}", .path.display())]
    ConfigInvalid { path: PathBuf, message: String },
    #[error("invalid {what} in {}: {message}", .path.display())]
    Policy {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error("invalid {flag}: {message}")]
    Flag { flag: &'static str, message: String },
    #[error("{0}")]
    NeedsConfirmation(String),
    /// `rollback` has nowhere to go (or `--to` names no version).
    #[error("{0}")]
    Rollback(String),
}

/// The handler crate did not give a binary that Lambda can run.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("handler crate {}: {message}", .path.display())]
    Crate { path: PathBuf, message: String },
    #[error("building the handler failed (cargo exited with {status}); the compiler's messages are above\n  hint: fix the error, or try `cargo build` in {}", .path.display())]
    Compile { path: PathBuf, status: String },
    #[error("cannot run cargo: {0}\n  hint: install Rust with rustup, or put cargo on PATH")]
    Cargo(String),
    /// A tool the build or a local run needs is not on this machine.
    #[error("{needed} is missing: {why}\n  hint: {fix}\n  (`backend-ctl doctor` checks everything the commands need here)")]
    MissingTool {
        needed: String,
        why: String,
        fix: String,
    },
    #[error("the handler binary {}: {message}", .path.display())]
    Binary { path: PathBuf, message: String },
    /// `doctor` found tools missing (each named above, with its fix).
    #[error("{} missing on this machine: {}\n  hint: each line above says how to install it", .0.len(), .0.join(", "))]
    Missing(Vec<String>),
}

/// A name we would use is taken by something we do not own.
#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    #[error("{kind} {name} exists but is not owned by backend-ctl project {project} stage {stage} (its tags {found}); nothing was changed\n  hint: delete or rename it yourself, or pick another --stage or project name")]
    Foreign {
        kind: &'static str,
        name: String,
        project: String,
        stage: String,
        found: String,
    },
    #[error("{count} identity pools are named {name} and tagged as ours ({ids}); refusing to guess which one is ours\n  hint: `backend-ctl up` repairs the stack (it keeps the pool the unauthenticated role trusts and deletes the others); `backend-ctl teardown` deletes them all")]
    DuplicatePools {
        name: String,
        count: usize,
        ids: String,
    },
    #[error("{kind} {name} does not exist\n  hint: run `backend-ctl up` first")]
    NotDeployed { kind: &'static str, name: String },
}

/// A failed AWS call, with the action it was part of.
#[derive(Debug, thiserror::Error)]
#[error("{action}: {cause}{}", .hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
pub struct AwsError {
    pub action: String,
    pub cause: String,
    pub hint: Option<String>,
    /// AWS refused the credentials a permission (exit 7).
    pub denied: Option<Denied>,
}

/// A permission the credentials lack, as AWS named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The IAM action, e.g. `lambda:CreateFunction` (or the API call when
    /// AWS's message does not name it).
    pub iam_action: String,
    /// The resource ARN, when AWS's message names one.
    pub resource: Option<String>,
}
