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

use super::model::{Action, Change, Kind, Step};
pub use super::model::{Release, ReleasePlan, Target};

/// A routing weight (0.0 to 1.0) as a whole percentage.
pub fn percent(weight: f64) -> u8 {
    (weight * 100.0).round().clamp(0.0, 100.0) as u8
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
        code_size: 0,
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
///
/// With `canary`, the alias stays on the version that is live and sends
/// that share of the calls to the release. A canary already running with
/// the expected code is left as it is by a plain `up` (which never promotes
/// one silently).
pub fn plan(
    releases: &Releases,
    alias: &str,
    keep: u32,
    expected: &FunctionState,
    latest_unchanged: bool,
    canary: Option<u8>,
) -> ReleasePlan {
    let found = releases.alias(alias);
    let current = found.and_then(|a| a.version());
    let history = found
        .map(|a| parse_history(&a.description))
        .unwrap_or_default();
    let matching = |n: Option<u64>| {
        n.and_then(|n| releases.version(n))
            .filter(|v| same_release(&v.config, expected))
            .map(|v| v.number)
    };
    let split = found.and_then(|a| {
        a.weights
            .iter()
            .find_map(|(v, w)| v.parse::<u64>().ok().map(|v| (v, percent(*w))))
    });
    let live_matches = matching(current).is_some();
    let canary_matches = matching(split.map(|(v, _)| v)).is_some();
    // A canary needs a live version to share the calls with.
    let canary = canary.filter(|_| current.is_some() && !live_matches);
    let up_to_date = match canary {
        Some(pct) => canary_matches && split.map(|(_, w)| w) == Some(pct),
        None => (live_matches && split.is_none()) || canary_matches,
    };
    let release = (!up_to_date).then(|| {
        // Where only the alias's traffic split is off, it stays where it is.
        let to = matching(current)
            .filter(|_| canary.is_none())
            .or_else(|| matching(split.map(|(v, _)| v)))
            .or_else(|| matching(releases.newest().map(|v| v.number)).filter(|_| latest_unchanged))
            .map_or(Target::Publish, Target::Existing);
        let mut next: Vec<u64> = match to {
            _ if canary.is_some() => history.clone(),
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
            canary,
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

mod history;
mod moves;

pub use history::{history_description, parse_history};
pub use moves::{promote, rollback, Move};

#[cfg(test)]
mod tests;
