//! The alias's moves outside a release: `rollback` (to the version before,
//! or `--to` one; during a canary, back to the version that was live) and
//! `promote` (a canary's version becomes the live one). Pure.

use super::history::parse_history;
use crate::observed::Releases;

/// A move of the alias (a rollback, or a canary promoted), in one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub alias: String,
    pub from: String,
    pub revision_id: String,
    pub to: u64,
    /// The alias's history after the move, newest first.
    pub history: Vec<u64>,
}

/// Why there is no rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoMove {
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
    /// `promote` with no canary running.
    NoCanary { alias: String, current: String },
}

fn list(versions: &[u64]) -> String {
    if versions.is_empty() {
        return "none".into();
    }
    let text: Vec<String> = versions.iter().map(u64::to_string).collect();
    text.join(", ")
}

impl std::fmt::Display for NoMove {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoMove::NoAlias { alias } => write!(
                f,
                "nothing to roll back: the alias {alias} does not exist (nothing was released yet)\n  hint: `backend-ctl up` makes the first release"
            ),
            NoMove::NothingBefore {
                alias,
                current,
                versions,
            } => write!(
                f,
                "nothing to roll back to: the alias {alias} points at version {current}, and no earlier release of it still exists (published versions: {})\n  hint: `backend-ctl rollback --to N` moves it to any published version",
                list(versions)
            ),
            NoMove::NoSuchVersion {
                alias,
                wanted,
                versions,
            } => write!(
                f,
                "--to {wanted}: the function has no version {wanted} (published versions: {}); the alias {alias} was not moved\n  hint: `backend-ctl versions` lists them",
                list(versions)
            ),
            NoMove::AlreadyThere { alias, version } => {
                write!(f, "the alias {alias} already points at version {version}")
            }
            NoMove::NoCanary { alias, current } => write!(
                f,
                "nothing to promote: the alias {alias} sends every call to version {current} (no canary is running)\n  hint: `backend-ctl update-code --canary 10` starts one"
            ),
        }
    }
}

/// Where `rollback` moves the alias: to `to`, or to the newest entry of
/// its history that still exists. The entries passed over leave the
/// history; a move to a version outside it (forward again, say) puts the
/// current version at its head, as a release does.
pub fn rollback(releases: &Releases, alias: &str, to: Option<u64>) -> Result<Move, NoMove> {
    let mut versions: Vec<u64> = releases.versions.iter().map(|v| v.number).collect();
    versions.sort_unstable();
    let Some(found) = releases.alias(alias) else {
        return Err(NoMove::NoAlias {
            alias: alias.into(),
        });
    };
    let current = found.version();
    let history = parse_history(&found.description);
    let exists = |n: &u64| versions.contains(n) && Some(*n) != current;
    let (target, rest) = match to {
        Some(wanted) if Some(wanted) == current && found.weights.is_empty() => {
            return Err(NoMove::AlreadyThere {
                alias: alias.into(),
                version: wanted,
            })
        }
        Some(wanted) if !versions.contains(&wanted) => {
            return Err(NoMove::NoSuchVersion {
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
        // A canary running: back to the version that was live, all of it.
        None => match (
            current.filter(|_| !found.weights.is_empty()),
            history.iter().position(exists),
        ) {
            (Some(live), _) => (live, history.clone()),
            (None, Some(i)) => (history[i], history[i + 1..].to_vec()),
            (None, None) => {
                return Err(NoMove::NothingBefore {
                    alias: alias.into(),
                    current: found.function_version.clone(),
                    versions,
                })
            }
        },
    };
    Ok(Move {
        alias: alias.into(),
        from: found.function_version.clone(),
        revision_id: found.revision_id.clone(),
        to: target,
        history: rest,
    })
}

/// `promote`: the canary's version takes all the calls; the version that
/// was live goes to the head of the history (the next rollback's target).
pub fn promote(releases: &Releases, alias: &str) -> Result<Move, NoMove> {
    let Some(found) = releases.alias(alias) else {
        return Err(NoMove::NoAlias {
            alias: alias.into(),
        });
    };
    let canary = found.weights.keys().find_map(|v| v.parse::<u64>().ok());
    let Some(to) = canary else {
        return Err(NoMove::NoCanary {
            alias: alias.into(),
            current: found.function_version.clone(),
        });
    };
    let mut history: Vec<u64> = found
        .version()
        .into_iter()
        .chain(parse_history(&found.description))
        .collect();
    history.retain(|n| *n != to);
    history.dedup();
    Ok(Move {
        alias: alias.into(),
        from: found.function_version.clone(),
        revision_id: found.revision_id.clone(),
        to,
        history,
    })
}
