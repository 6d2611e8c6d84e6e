//! Releases, planned: whether a version must be published, where the alias
//! the app calls goes, which old versions are pruned, and where `rollback`
//! goes. Pure.
//!
//! The version before a release is known without any local state: the alias
//! keeps its own history in its description ("backend-ctl release; rollback
//! to: 4 3 1"), written in the same `UpdateAlias` call that moves it, so the
//! history and the move can never disagree. lambroll guesses the version
//! before from the version numbers (and picked the wrong one when several
//! aliases existed, fujiwara/lambroll#366); SAM and Terraform keep no way
//! back at all.

use std::collections::BTreeSet;

use crate::desired::FunctionSpec;
use crate::observed::{FunctionState, Releases};

use super::{Action, Change, Kind, Step};

/// What starts an alias description that holds our history.
pub const HISTORY_PREFIX: &str = "backend-ctl release; rollback to:";
/// Lambda's limit on an alias description.
pub const DESCRIPTION_LIMIT: usize = 256;

/// Where a release points the alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A new version, published from `$LATEST`.
    Publish,
    /// A version that already holds exactly this code and configuration
    /// (published by a run that stopped before it moved the alias).
    Existing(u64),
}

/// A release: the alias moved (or created) in one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub alias: String,
    /// What the alias pointed to (`None`: it does not exist yet).
    pub from: Option<String>,
    /// The alias's `RevisionId` as read: the move is refused if it changed.
    pub revision_id: Option<String>,
    pub to: Target,
    /// The alias's history after the move, newest first.
    pub history: Vec<u64>,
}

/// The release part of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleasePlan {
    pub release: Option<Release>,
    /// Old versions to delete, newest first.
    pub prune: Vec<u64>,
}

/// The history an alias description holds (empty when it holds none).
pub fn parse_history(description: &str) -> Vec<u64> {
    description
        .strip_prefix(HISTORY_PREFIX)
        .map(|rest| {
            rest.split_whitespace()
                .map_while(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The alias description that holds this history, the oldest entries
/// dropped to fit Lambda's 256 characters.
pub fn history_description(history: &[u64]) -> String {
    let mut text = HISTORY_PREFIX.to_string();
    for n in history {
        let next = format!(" {n}");
        if text.len() + next.len() > DESCRIPTION_LIMIT {
            break;
        }
        text.push_str(&next);
    }
    text
}

/// Whether a published version holds the code and configuration that
/// `$LATEST` will hold (the settings Lambda freezes in a version; the
/// reservation and tags are the function's, not the version's).
pub fn same_release(version: &FunctionState, expected: &FunctionState) -> bool {
    version.code_sha256 == expected.code_sha256
        && version.architecture == expected.architecture
        && version.runtime == expected.runtime
        && version.handler == expected.handler
        && version.role == expected.role
        && version.memory_mb == expected.memory_mb
        && version.timeout_s == expected.timeout_s
        && version.environment == expected.environment
}

/// What `$LATEST` holds once `up` has put the function right: what a
/// version must hold to be this release.
pub fn expected(spec: &FunctionSpec, role_arn: &str, code_sha256: &str) -> FunctionState {
    FunctionState {
        arn: String::new(),
        runtime: spec.runtime.clone(),
        handler: spec.handler.clone(),
        architecture: spec.architecture.as_str().to_string(),
        memory_mb: i32::try_from(spec.memory_mb).unwrap_or(i32::MAX),
        timeout_s: i32::try_from(spec.timeout_s).unwrap_or(i32::MAX),
        environment: spec.environment.clone(),
        role: role_arn.to_string(),
        code_sha256: code_sha256.to_string(),
        reserved_concurrency: None,
        tags: Default::default(),
        state: String::new(),
        last_update_status: String::new(),
    }
}

/// The plan's steps for a release: the version published, the alias
/// created or moved (or kept), and the old versions deleted.
pub fn steps(plan: &ReleasePlan, alias: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let step = |kind, name: String, action| Step { kind, name, action };
    match &plan.release {
        Some(r) => {
            let to = match r.to {
                Target::Publish => {
                    steps.push(step(Kind::Version, "from $LATEST".into(), Action::Create));
                    "the new version".to_string()
                }
                Target::Existing(n) => format!("version {n}"),
            };
            let action = match &r.from {
                None => Action::Create,
                Some(from) => Action::Update(vec![Change::Release {
                    from: from.clone(),
                    to,
                }]),
            };
            steps.push(step(Kind::Alias, alias.to_string(), action));
        }
        None => steps.push(step(Kind::Alias, alias.to_string(), Action::Keep)),
    }
    for n in &plan.prune {
        steps.push(step(Kind::OldVersion, n.to_string(), Action::Delete));
    }
    steps
}

/// Plans the release: none when the alias already points at a version
/// with the expected code and configuration (so a no-op `up` writes
/// nothing); else the alias goes to the newest version when that one is
/// it and `$LATEST` is not being changed (a run that stopped between
/// `PublishVersion` and the alias's move: finished, not published twice),
/// or to a newly published one. Then the versions beyond `keep` go, save
/// any an alias points to and the rollback target.
pub fn plan(
    releases: &Releases,
    alias: &str,
    keep: u32,
    expected: &FunctionState,
    latest_unchanged: bool,
) -> ReleasePlan {
    let found = releases.alias(alias);
    let current = found.and_then(|a| a.version());
    let history = found
        .map(|a| parse_history(&a.description))
        .unwrap_or_default();
    let up_to_date = current
        .and_then(|n| releases.version(n))
        .is_some_and(|v| same_release(&v.config, expected))
        && found.is_some_and(|a| a.weights.is_empty());
    let release = (!up_to_date).then(|| {
        let matching = |v: Option<&crate::observed::VersionState>| {
            v.filter(|v| same_release(&v.config, expected))
                .map(|v| v.number)
        };
        // Where only the alias's traffic split is off, it stays where it is.
        let to = matching(current.and_then(|n| releases.version(n)))
            .or_else(|| matching(releases.newest()).filter(|_| latest_unchanged))
            .map_or(Target::Publish, Target::Existing);
        let mut next: Vec<u64> = match to {
            Target::Existing(n) if Some(n) == current => history.clone(),
            _ => current.into_iter().chain(history.clone()).collect(),
        };
        if let Target::Existing(n) = to {
            next.retain(|v| *v != n);
        }
        next.dedup();
        Release {
            alias: alias.to_string(),
            from: found.map(|a| a.function_version.clone()),
            revision_id: found.map(|a| a.revision_id.clone()),
            to,
            history: next,
        }
    });
    let rollback_target = match &release {
        Some(r) => r.history.first().copied(),
        None => history.first().copied(),
    };
    let mut protected: BTreeSet<u64> = releases
        .aliases
        .iter()
        .flat_map(|a| {
            a.version()
                .into_iter()
                .chain(a.weights.keys().filter_map(|v| v.parse().ok()))
        })
        .chain(rollback_target)
        .collect();
    let mut slots = keep as usize;
    if let Some(r) = &release {
        match r.to {
            Target::Existing(n) => drop(protected.insert(n)),
            // The new version takes one of the places.
            Target::Publish => slots = slots.saturating_sub(1),
        }
    }
    let mut numbers: Vec<u64> = releases.versions.iter().map(|v| v.number).collect();
    numbers.sort_unstable_by(|a, b| b.cmp(a));
    let prune = numbers
        .into_iter()
        .skip(slots)
        .filter(|n| !protected.contains(n))
        .collect();
    ReleasePlan { release, prune }
}

/// A rollback: the alias back to an earlier version, in one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    pub alias: String,
    pub from: String,
    pub revision_id: String,
    pub to: u64,
    /// The alias's history after the move, newest first.
    pub history: Vec<u64>,
}

/// Why there is no rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRollback {
    /// The alias does not exist: nothing was released yet.
    NoAlias { alias: String },
    /// The alias has no earlier version that still exists.
    NothingBefore {
        alias: String,
        current: String,
        versions: Vec<u64>,
    },
    /// `--to` names a version that does not exist.
    NoSuchVersion {
        alias: String,
        wanted: u64,
        versions: Vec<u64>,
    },
    /// The alias already points there.
    AlreadyThere { alias: String, version: u64 },
}

fn list(versions: &[u64]) -> String {
    if versions.is_empty() {
        return "none".into();
    }
    let text: Vec<String> = versions.iter().map(u64::to_string).collect();
    text.join(", ")
}

impl std::fmt::Display for NoRollback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoRollback::NoAlias { alias } => write!(
                f,
                "nothing to roll back: the alias {alias} does not exist (nothing was released yet)\n  hint: `backend-ctl up` makes the first release"
            ),
            NoRollback::NothingBefore {
                alias,
                current,
                versions,
            } => write!(
                f,
                "nothing to roll back to: the alias {alias} points at version {current}, and no earlier release of it still exists (published versions: {})\n  hint: `backend-ctl rollback --to N` moves it to any published version",
                list(versions)
            ),
            NoRollback::NoSuchVersion {
                alias,
                wanted,
                versions,
            } => write!(
                f,
                "--to {wanted}: the function has no version {wanted} (published versions: {}); the alias {alias} was not moved\n  hint: `backend-ctl versions` lists them",
                list(versions)
            ),
            NoRollback::AlreadyThere { alias, version } => {
                write!(f, "the alias {alias} already points at version {version}")
            }
        }
    }
}

/// Where `rollback` moves the alias: to `to`, or to the newest entry of
/// its history that still exists. The entries passed over leave the
/// history; a move to a version outside it (forward again, say) puts the
/// current version at its head, as a release does.
pub fn rollback(releases: &Releases, alias: &str, to: Option<u64>) -> Result<Rollback, NoRollback> {
    let mut versions: Vec<u64> = releases.versions.iter().map(|v| v.number).collect();
    versions.sort_unstable();
    let Some(found) = releases.alias(alias) else {
        return Err(NoRollback::NoAlias {
            alias: alias.into(),
        });
    };
    let current = found.version();
    let history = parse_history(&found.description);
    let exists = |n: &u64| versions.contains(n) && Some(*n) != current;
    let (target, rest) = match to {
        Some(wanted) if Some(wanted) == current && found.weights.is_empty() => {
            return Err(NoRollback::AlreadyThere {
                alias: alias.into(),
                version: wanted,
            })
        }
        Some(wanted) if !versions.contains(&wanted) => {
            return Err(NoRollback::NoSuchVersion {
                alias: alias.into(),
                wanted,
                versions,
            })
        }
        Some(wanted) => match history.iter().position(|n| *n == wanted) {
            Some(i) => (wanted, history[i + 1..].to_vec()),
            None => {
                let mut rest: Vec<u64> = current.into_iter().chain(history.clone()).collect();
                rest.retain(|n| *n != wanted);
                (wanted, rest)
            }
        },
        None => match history.iter().position(exists) {
            Some(i) => (history[i], history[i + 1..].to_vec()),
            None => {
                return Err(NoRollback::NothingBefore {
                    alias: alias.into(),
                    current: found.function_version.clone(),
                    versions,
                })
            }
        },
    };
    Ok(Rollback {
        alias: alias.into(),
        from: found.function_version.clone(),
        revision_id: found.revision_id.clone(),
        to: target,
        history: rest,
    })
}

#[cfg(test)]
mod tests;
