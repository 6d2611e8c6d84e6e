//! The release plan and the rollback target, on made-up versions and aliases.

use std::collections::BTreeMap;

use super::history::DESCRIPTION_LIMIT;
use super::moves::NoMove;
use super::*;
use crate::observed::{AliasState, VersionState};

fn config(code: &str) -> FunctionState {
    FunctionState {
        arn: String::new(),
        runtime: "provided.al2023".into(),
        handler: "bootstrap".into(),
        architecture: "x86_64".into(),
        memory_mb: 128,
        timeout_s: 10,
        environment: BTreeMap::new(),
        role: "arn:aws:iam::123456789012:role/demo-dev-exec".into(),
        code_sha256: code.into(),
        reserved_concurrency: None,
        tags: BTreeMap::new(),
        state: String::new(),
        last_update_status: String::new(),
        code_size: 0,
    }
}

fn version(number: u64, code: &str) -> VersionState {
    VersionState {
        number,
        config: config(code),
        description: String::new(),
        last_modified: String::new(),
    }
}

fn alias(name: &str, to: &str, history: &[u64]) -> AliasState {
    AliasState {
        name: name.into(),
        function_version: to.into(),
        description: history_description(history),
        revision_id: format!("rev-{name}-{to}"),
        weights: BTreeMap::new(),
    }
}

/// Versions 1..=n, version k holding code "ck".
fn releases(n: u64, aliases: Vec<AliasState>) -> Releases {
    Releases {
        versions: (1..=n).map(|k| version(k, &format!("c{k}"))).collect(),
        aliases,
    }
}

#[test]
fn the_first_release_publishes_and_creates_the_alias() {
    let plan = plan(&Releases::default(), "live", 5, &config("c1"), false, None);
    let r = plan.release.unwrap();
    assert_eq!((r.to, r.from, r.revision_id), (Target::Publish, None, None));
    assert!(r.history.is_empty());
    assert!(plan.prune.is_empty());
}

#[test]
fn nothing_is_released_when_the_alias_holds_the_expected_code_and_config() {
    let r = releases(3, vec![alias("live", "3", &[2, 1])]);
    let plan = plan(&r, "live", 5, &config("c3"), true, None);
    assert_eq!(plan, ReleasePlan::default());
}

#[test]
fn any_versioned_setting_makes_a_release() {
    let r = releases(1, vec![alias("live", "1", &[])]);
    let mut expected = config("c1");
    expected.environment.insert("MODE".into(), "x".into());
    assert!(plan(&r, "live", 5, &expected, false, None)
        .release
        .is_some());
    let mut expected = config("c1");
    expected.memory_mb = 256;
    assert!(plan(&r, "live", 5, &expected, false, None)
        .release
        .is_some());
    // The reservation is the function's, not the version's.
    let mut expected = config("c1");
    expected.reserved_concurrency = Some(3);
    assert!(plan(&r, "live", 5, &expected, true, None).release.is_none());
}

#[test]
fn a_change_publishes_and_puts_the_old_version_at_the_head_of_the_history() {
    let r = releases(3, vec![alias("live", "3", &[2, 1])]);
    let plan = plan(&r, "live", 5, &config("c4"), false, None);
    let r = plan.release.unwrap();
    assert_eq!(r.to, Target::Publish);
    assert_eq!(r.from.as_deref(), Some("3"));
    assert_eq!(r.revision_id.as_deref(), Some("rev-live-3"));
    assert_eq!(r.history, vec![3, 2, 1]);
}

#[test]
fn a_version_published_by_a_run_that_stopped_is_reused_not_published_again() {
    // Version 4 was published; the run died before the alias moved.
    let r = releases(4, vec![alias("live", "3", &[2])]);
    let plan = plan(&r, "live", 5, &config("c4"), true, None);
    let rel = plan.release.unwrap();
    assert_eq!(rel.to, Target::Existing(4));
    assert_eq!(rel.history, vec![3, 2]);
    // But not when $LATEST is being changed in this run.
    let plan2 = super::plan(&r, "live", 5, &config("c4"), false, None);
    assert_eq!(plan2.release.unwrap().to, Target::Publish);
}

#[test]
fn a_traffic_split_alone_is_put_right_without_a_new_version() {
    let mut live = alias("live", "3", &[2]);
    live.weights.insert("4".into(), 0.1);
    let r = releases(4, vec![live]);
    let rel = plan(&r, "live", 5, &config("c3"), false, None)
        .release
        .unwrap();
    assert_eq!(rel.to, Target::Existing(3));
    assert_eq!(rel.history, vec![2], "the history is not pushed");
}

#[test]
fn pruning_keeps_the_newest_the_aliased_and_the_rollback_target() {
    // Versions 1..=8; live → 8 with history 2; beta (someone's) → 1.
    let r = releases(8, vec![alias("live", "8", &[2]), alias("beta", "1", &[])]);
    // A release: the new version takes one of the three places.
    let plan = plan(&r, "live", 3, &config("c9"), false, None);
    let rel = plan.release.as_ref().unwrap();
    assert_eq!(rel.history, vec![8, 2]);
    // Kept: new, 8, 7 (newest), 8 (rollback target), 1 (beta).
    assert_eq!(plan.prune, vec![6, 5, 4, 3, 2]);
    // No release: keep_versions lowered to 2 prunes the rest, but not 2 (target) or 1.
    let plan = super::plan(&r, "live", 2, &config("c8"), true, None);
    assert!(plan.release.is_none());
    assert_eq!(plan.prune, vec![6, 5, 4, 3]);
}

#[test]
fn weighted_versions_are_never_pruned() {
    let mut live = alias("live", "5", &[]);
    live.weights.insert("1".into(), 0.5);
    let r = releases(5, vec![live]);
    let plan = plan(&r, "live", 1, &config("c5"), true, None);
    assert!(!plan.prune.contains(&1) && !plan.prune.contains(&5));
}

#[test]
fn the_history_round_trips_and_fits_lambdas_limit() {
    assert_eq!(
        parse_history(&history_description(&[7, 3, 1])),
        vec![7, 3, 1]
    );
    assert!(parse_history("made by hand").is_empty());
    let long: Vec<u64> = (1_000_000..1_000_100).collect();
    let text = history_description(&long);
    assert!(text.len() <= DESCRIPTION_LIMIT);
    let kept = parse_history(&text);
    assert_eq!(kept[..], long[..kept.len()], "the newest entries are kept");
}

#[test]
fn rollback_goes_to_the_head_of_the_history_and_pops_it() {
    let r = releases(3, vec![alias("live", "3", &[2, 1])]);
    let rb = rollback(&r, "live", None).unwrap();
    assert_eq!((rb.from.as_str(), rb.to), ("3", 2));
    assert_eq!(rb.history, vec![1]);
    assert_eq!(rb.revision_id, "rev-live-3");
}

#[test]
fn rollback_passes_over_versions_that_are_gone() {
    let mut r = releases(3, vec![alias("live", "3", &[2, 1])]);
    r.versions.retain(|v| v.number != 2);
    let rb = rollback(&r, "live", None).unwrap();
    assert_eq!((rb.to, rb.history), (1, vec![]));
}

#[test]
fn rollback_with_nothing_before_names_the_versions() {
    let r = releases(2, vec![alias("live", "1", &[])]);
    let err = rollback(&r, "live", None).unwrap_err();
    assert_eq!(
        err,
        NoMove::NothingBefore {
            alias: "live".into(),
            current: "1".into(),
            versions: vec![1, 2]
        }
    );
    assert!(
        err.to_string().contains("published versions: 1, 2"),
        "{err}"
    );
    assert!(err.to_string().contains("--to N"), "{err}");
    assert!(matches!(
        rollback(&Releases::default(), "live", None),
        Err(NoMove::NoAlias { .. })
    ));
}

#[test]
fn rollback_to_a_version() {
    let r = releases(4, vec![alias("live", "4", &[3, 2, 1])]);
    // Into the history: what was after it stays.
    let rb = rollback(&r, "live", Some(2)).unwrap();
    assert_eq!((rb.to, rb.history), (2, vec![1]));
    // Forward again, from 2 to 4: 2 goes on the history.
    let r2 = releases(4, vec![alias("live", "2", &[1])]);
    let rb = rollback(&r2, "live", Some(4)).unwrap();
    assert_eq!((rb.to, rb.history), (4, vec![2, 1]));
    assert!(matches!(
        rollback(&r, "live", Some(9)),
        Err(NoMove::NoSuchVersion { wanted: 9, .. })
    ));
    assert!(matches!(
        rollback(&r, "live", Some(4)),
        Err(NoMove::AlreadyThere { version: 4, .. })
    ));
}

#[test]
fn a_canary_keeps_the_live_version_and_leaves_the_history() {
    let r = releases(3, vec![alias("live", "3", &[2])]);
    let rel = plan(&r, "live", 5, &config("c4"), false, Some(10))
        .release
        .unwrap();
    assert_eq!((rel.to, rel.canary), (Target::Publish, Some(10)));
    assert_eq!(rel.from.as_deref(), Some("3"));
    assert_eq!(rel.history, vec![2], "the live version is not rolled past");
    // Nothing new to try: no canary.
    assert!(plan(&r, "live", 5, &config("c3"), true, Some(10))
        .release
        .is_none());
}

#[test]
fn a_running_canary_of_this_code_is_left_alone_by_up_and_replaced_by_other_code() {
    let mut live = alias("live", "3", &[2]);
    live.weights.insert("4".into(), 0.1);
    let r = releases(4, vec![live]);
    assert_eq!(
        plan(&r, "live", 5, &config("c4"), true, None),
        ReleasePlan::default()
    );
    assert!(plan(&r, "live", 5, &config("c4"), true, Some(10))
        .release
        .is_none());
    // Another share of the same canary: the split changes, nothing is published.
    let rel = plan(&r, "live", 5, &config("c4"), true, Some(50))
        .release
        .unwrap();
    assert_eq!((rel.to, rel.canary), (Target::Existing(4), Some(50)));
    // Other code: a full release, which ends the canary.
    let rel = plan(&r, "live", 5, &config("c5"), false, None)
        .release
        .unwrap();
    assert_eq!(
        (rel.to, rel.canary, rel.history),
        (Target::Publish, None, vec![3, 2])
    );
}

#[test]
fn rollback_during_a_canary_calls_it_off_and_promote_finishes_it() {
    let mut live = alias("live", "3", &[2]);
    live.weights.insert("4".into(), 0.1);
    let r = releases(4, vec![live]);
    let back = rollback(&r, "live", None).unwrap();
    assert_eq!((back.to, back.history), (3, vec![2]));
    let on = promote(&r, "live").unwrap();
    assert_eq!((on.to, on.history), (4, vec![3, 2]));
    let plain = releases(4, vec![alias("live", "4", &[3])]);
    assert!(matches!(
        promote(&plain, "live"),
        Err(NoMove::NoCanary { .. })
    ));
}
