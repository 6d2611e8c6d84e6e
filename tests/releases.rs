//! Releases against the emulator: `up` and `update-code` publish a version
//! only when something changed and move the alias the app calls; `rollback`
//! moves it back in one write that a concurrent release cannot be lost to;
//! old versions are pruned; a run stopped between `PublishVersion` and the
//! alias's move is finished by the next, without a second version.

mod common;

use std::sync::Arc;

use common::proxy::{Faults, Hook};
use common::{Aws, Project, Settings};

const ADA: &str = r#"{"firstName": "Ada", "lastName": "Lovelace"}"#;
const OLD: &str = r#"{"greetings":"Hello, Ada Lovelace."}"#;
const NEW: &str = r#"{"greetings":"Hi there, Ada Lovelace!"}"#;

/// A one-line change of the handler's answer.
fn change_the_handler(p: &Project, to: &str) {
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    let changed = source
        .replace("Hello, {first} {last}.", to)
        .replace("Hi there, {first} {last}!", to);
    assert_ne!(source, changed, "the handler's greeting line moved");
    std::fs::write(&main, changed).unwrap();
}

/// The published versions' numbers, oldest first.
fn versions(aws: &Aws, function: &str) -> Vec<String> {
    aws.releases(function)
        .0
        .iter()
        .map(|v| v["version"].as_str().unwrap().to_string())
        .collect()
}

/// The app's path (`invoke`: a Cognito identity, then Invoke of the alias).
fn app_answer(p: &Project) -> String {
    p.run(&["invoke", "--payload", ADA])
        .ok()
        .stdout()
        .trim()
        .to_string()
}

#[test]
fn a_release_publishes_one_version_moves_the_alias_and_a_noop_writes_nothing() {
    let p = Project::new("release").with_handler_copy();
    let names = p.names();
    let aws = Aws::new();
    p.up();
    assert_eq!(versions(&aws, &names.function), ["1"]);
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("1")
    );
    let first = aws.releases(&names.function).0[0].clone();
    let described = aws
        .block(
            aws.lambda
                .get_function_configuration()
                .function_name(&names.function)
                .qualifier("1")
                .send(),
        )
        .unwrap();
    assert_eq!(
        described.description().unwrap_or_default(),
        format!(
            "backend-ctl: CodeSha256 {}",
            first["code_sha256"].as_str().unwrap()
        ),
        "the version records what it was built from (the copy is in no git work tree)"
    );
    assert_eq!(app_answer(&p), OLD);

    // Nothing changed: nothing written, nothing published.
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    p.run(&["update-code"]).ok();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());

    // A one-line change: one upload, one version, the alias moved.
    change_the_handler(&p, "Hi there, {first} {last}!");
    p.recorder.clear();
    let run = p.run(&["update-code"]).ok();
    assert_eq!(
        p.recorder.writes(),
        [
            "lambda:UpdateFunctionCode",
            "lambda:PublishVersion",
            "lambda:UpdateAlias"
        ]
    );
    assert!(
        run.stdout().contains("released version 2 as live"),
        "{}",
        run.stdout()
    );
    assert_eq!(versions(&aws, &names.function), ["1", "2"]);
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("2")
    );
    assert_eq!(app_answer(&p), NEW);

    // And `up` agrees that this is what the config and source say.
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn a_config_change_through_up_is_a_release_too() {
    let p = Project::new("relconf");
    let names = p.names();
    let aws = Aws::new();
    p.up();
    p.write_config(&Settings {
        memory_mb: 256,
        ..Settings::default()
    });
    p.recorder.clear();
    p.up();
    assert_eq!(
        p.recorder.writes(),
        [
            "lambda:UpdateFunctionConfiguration",
            "lambda:PublishVersion",
            "lambda:UpdateAlias"
        ]
    );
    let live = aws
        .block(
            aws.lambda
                .get_function_configuration()
                .function_name(&names.function)
                .qualifier("live")
                .send(),
        )
        .unwrap();
    assert_eq!(live.version(), Some("2"));
    assert_eq!(live.memory_size(), Some(256));
}

#[test]
fn rollback_is_one_write_and_the_app_gets_the_old_answer_back() {
    let p = Project::new("rollback").with_handler_copy();
    let names = p.names();
    let aws = Aws::new();
    p.up();
    change_the_handler(&p, "Hi there, {first} {last}!");
    p.run(&["update-code"]).ok();
    assert_eq!(app_answer(&p), NEW);

    // Its plan first: nothing is written.
    p.recorder.clear();
    let dry = p.run(&["rollback", "--dry-run"]).ok();
    assert!(
        dry.stdout()
            .contains("would point alias live at version 1 (from version 2)"),
        "{}",
        dry.stdout()
    );
    assert_eq!(p.recorder.writes(), Vec::<String>::new());

    p.recorder.clear();
    let run = p.run(&["rollback"]).ok();
    assert_eq!(p.recorder.writes(), ["lambda:UpdateAlias"]);
    assert!(
        run.stdout()
            .contains("alias live rolled back to version 1 (was version 2)"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("1")
    );
    assert_eq!(app_answer(&p), OLD);

    // Nothing older than version 1: a clear error naming the versions.
    p.recorder.clear();
    p.run(&["rollback"])
        .fails(2, "nothing to roll back to")
        .fails(2, "published versions: 1, 2");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    p.run(&["rollback", "--to", "7"]).fails(
        2,
        "the function has no version 7 (published versions: 1, 2)",
    );
    assert_eq!(p.recorder.writes(), Vec::<String>::new());

    // Forward again, to a named version.
    p.recorder.clear();
    p.run(&["rollback", "--to", "2"]).ok();
    assert_eq!(p.recorder.writes(), ["lambda:UpdateAlias"]);
    assert_eq!(app_answer(&p), NEW);
    // And back once more: the history kept version 1 as the one before.
    p.run(&["rollback"]).ok();
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("1")
    );
}

#[test]
fn a_rollback_racing_a_release_is_refused_not_overwritten() {
    let aws = Arc::new(Aws::new());
    let p = Project::new("relrace").with_handler_copy();
    let names = p.names();
    p.up();
    change_the_handler(&p, "Hi there, {first} {last}!");
    p.run(&["update-code"]).ok();
    change_the_handler(&p, "Hey {first} {last}!");
    p.run(&["update-code"]).ok();
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("3")
    );

    // Between the rollback's read and its write, another release moves the
    // alias (to version 2, as someone's own rollback --to 2 would).
    let (other, function) = (aws.clone(), names.function.clone());
    p.recorder.set_faults(Faults {
        before: vec![Hook(
            "UpdateAlias",
            Arc::new(move || {
                other
                    .block(
                        other
                            .lambda
                            .update_alias()
                            .function_name(&function)
                            .name("live")
                            .function_version("2")
                            .send(),
                    )
                    .unwrap();
            }),
        )],
        ..Faults::default()
    });
    let run = p
        .run(&["rollback", "--to", "1"])
        .fails(1, "PreconditionFailedException");
    assert!(
        run.stderr().contains("changed since it was read"),
        "{}",
        run.stderr()
    );
    // The other writer's move stands.
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("2")
    );
}

#[test]
fn pruning_keeps_keep_versions_the_aliased_and_the_rollback_target() {
    let p = Project::new("prune").with_handler_copy();
    let names = p.names();
    let aws = Aws::new();
    p.write_config(&Settings {
        keep_versions: Some(2),
        ..Settings::default()
    });
    p.up();
    // Someone's own alias on version 1.
    aws.block(
        aws.lambda
            .create_alias()
            .function_name(&names.function)
            .name("beta")
            .function_version("1")
            .send(),
    )
    .unwrap();
    for (i, line) in [
        "Hi {first} {last}!",
        "Hey {first} {last}!",
        "Yo {first} {last}!",
    ]
    .iter()
    .enumerate()
    {
        let main = p.handler.join("src/main.rs");
        let source = std::fs::read_to_string(&main).unwrap();
        let greeting = regex_line(&source);
        std::fs::write(&main, source.replace(&greeting, line)).unwrap();
        p.run(&["update-code"]).ok();
        assert_eq!(
            aws.alias_version(&names.function, "live"),
            Some((i + 2).to_string())
        );
    }
    // Versions 1..=4 were published; keep_versions 2 keeps 4 and 3 (also the
    // rollback target) and 1 (beta's); 2 is gone.
    assert_eq!(versions(&aws, &names.function), ["1", "3", "4"]);
    p.run(&["rollback"]).ok();
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("3")
    );

    // `versions` shows it all, and says where each alias points.
    let listed = p.run(&["versions", "--output", "json"]).ok();
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout()).unwrap();
    let numbers: Vec<u64> = listed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [4, 3, 1]);
    assert_eq!(
        listed["versions"][1]["aliases"],
        serde_json::json!(["live"])
    );
    assert_eq!(
        listed["versions"][2]["aliases"],
        serde_json::json!(["beta"])
    );

    // Teardown takes the versions and both aliases with the function.
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left("prune"));
    assert_eq!(aws.releases(&names.function), (vec![], Default::default()));
}

/// The greeting line of the handler's source, whatever it says now.
fn regex_line(source: &str) -> String {
    let start = source.find("format!(\"").unwrap() + "format!(\"".len();
    let end = start + source[start..].find('"').unwrap();
    source[start..end].to_string()
}

#[test]
fn a_run_stopped_between_publish_and_the_alias_is_finished_without_a_second_version() {
    let p = Project::new("relcrash").with_handler_copy();
    let names = p.names();
    let aws = Aws::new();
    p.up();
    change_the_handler(&p, "Hi there, {first} {last}!");
    // The run dies as its UpdateAlias leaves: version 2 exists, the alias is on 1.
    p.recorder.set_faults(Faults {
        cut_at: Some("UpdateAlias"),
        ..Faults::default()
    });
    let cut = p.run_with(&["update-code"], common::FAST);
    assert_ne!(cut.code(), 0, "{}", cut.stderr());
    assert_eq!(versions(&aws, &names.function), ["1", "2"]);
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("1")
    );

    // The next `up` moves the alias to version 2 and publishes nothing.
    p.recorder.set_faults(Faults::default());
    p.recorder.clear();
    p.run(&["up", "--yes"]).ok();
    let writes = p.recorder.writes();
    assert!(
        !writes.iter().any(|w| w == "lambda:PublishVersion"),
        "{writes:?}"
    );
    assert!(
        writes.iter().any(|w| w == "lambda:UpdateAlias"),
        "{writes:?}"
    );
    assert_eq!(versions(&aws, &names.function), ["1", "2"]);
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("2")
    );
    assert_eq!(app_answer(&p), NEW);
}

#[test]
fn a_canary_shares_the_calls_and_promote_or_rollback_end_it_in_one_write() {
    let p = Project::new("canary").with_handler_copy();
    let names = p.names();
    let aws = Aws::new();
    p.up();
    change_the_handler(&p, "Hi there, {first} {last}!");
    p.recorder.clear();
    p.run(&["update-code", "--canary", "50"]).ok();
    assert_eq!(
        p.recorder.writes(),
        [
            "lambda:UpdateFunctionCode",
            "lambda:PublishVersion",
            "lambda:UpdateAlias"
        ]
    );
    let (_, aliases) = aws.releases(&names.function);
    assert_eq!(aliases["live"]["version"], "1", "{aliases:?}");
    assert_eq!(aliases["live"]["weights"], serde_json::json!({"2": 0.5}));

    // A plain `up` leaves the canary running, and says so.
    p.recorder.clear();
    let run = p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert!(
        run.stderr().contains("a canary is running"),
        "{}",
        run.stderr()
    );

    // The app's calls go to both versions, and the logs say which served each.
    let answers: std::collections::BTreeSet<String> = (0..16).map(|_| app_answer(&p)).collect();
    assert_eq!(
        answers,
        [NEW.to_string(), OLD.to_string()].into(),
        "16 calls at 50 %"
    );
    let logs = p.run(&["logs", "--since", "5m"]).ok().stdout();
    assert!(
        logs.contains("Version: 1") && logs.contains("Version: 2"),
        "{logs}"
    );

    // `rollback` calls it off: one write, every call back on version 1.
    p.recorder.clear();
    p.run(&["rollback"]).ok();
    assert_eq!(p.recorder.writes(), ["lambda:UpdateAlias"]);
    let (_, aliases) = aws.releases(&names.function);
    assert_eq!(aliases["live"]["version"], "1");
    assert!(aliases["live"]["weights"].is_null(), "{aliases:?}");
    assert_eq!(app_answer(&p), OLD);

    // The same canary again (version 2 exists: nothing uploaded or published),
    // then `promote`: one write, every call on version 2.
    p.recorder.clear();
    p.run(&["update-code", "--canary", "50"]).ok();
    assert_eq!(p.recorder.writes(), ["lambda:UpdateAlias"]);
    p.recorder.clear();
    p.run(&["promote"]).ok();
    assert_eq!(p.recorder.writes(), ["lambda:UpdateAlias"]);
    let (_, aliases) = aws.releases(&names.function);
    assert_eq!(aliases["live"]["version"], "2");
    assert!(aliases["live"]["weights"].is_null(), "{aliases:?}");
    assert_eq!(app_answer(&p), NEW);
    // Nothing left to promote; and the version before is 1.
    p.run(&["promote"]).fails(2, "nothing to promote");
    p.run(&["rollback"]).ok();
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("1")
    );
}

#[test]
fn a_canary_without_a_live_version_or_out_of_range_is_refused_before_any_write() {
    let p = Project::new("canarybad");
    p.run(&["update-code", "--canary", "0"])
        .fails(2, "--canary");
    p.run(&["update-code", "--canary", "100"])
        .fails(2, "--canary");
    assert!(p.recorder.calls().is_empty());
    // The alias deleted behind our back: no live version to share calls with.
    p.up();
    let aws = Aws::new();
    aws.block(
        aws.lambda
            .delete_alias()
            .function_name(&p.names().function)
            .name("live")
            .send(),
    )
    .unwrap();
    p.recorder.clear();
    p.run(&["update-code", "--canary", "10"])
        .fails(2, "the alias live has no live version yet");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

/// Loses the answer of the next call of `action` (applied, then its answer
/// hangs past the attempt timeout and drops, so that the SDK retries it).
fn lose_answer_of(p: &Project, action: &'static str) {
    p.recorder.set_faults(Faults {
        lose_answer_of: Some(action),
        stall: std::time::Duration::from_millis(1500),
        ..Faults::default()
    });
}

/// The calls of `action` since the last clear.
fn calls_of(p: &Project, action: &str) -> usize {
    p.recorder
        .calls()
        .iter()
        .filter(|c| c.action == action)
        .count()
}

#[test]
fn a_release_write_whose_answer_was_lost_is_a_success_not_a_conflict() {
    let p = Project::new("lostrel").with_handler_copy();
    let names = p.names();
    let aws = Aws::new();

    // CreateAlias: applied, answer lost; the retry meets the alias (409).
    lose_answer_of(&p, "CreateAlias");
    p.run_with(&["up", "--yes"], common::COUNTED).ok();
    assert_eq!(
        calls_of(&p, "CreateAlias"),
        2,
        "the lost create was not retried"
    );
    assert_eq!(versions(&aws, &names.function), ["1"]);
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("1")
    );
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());

    // PublishVersion and then UpdateAlias, each answer lost once: one new
    // version, the alias moved once (its retry meets a new RevisionId: 412).
    for lost in ["PublishVersion", "UpdateAlias"] {
        change_the_handler(
            &p,
            if lost == "PublishVersion" {
                "Hi there, {first} {last}!"
            } else {
                "Hello, {first} {last}."
            },
        );
        p.recorder.clear();
        lose_answer_of(&p, lost);
        let run = p.run_with(&["update-code"], common::COUNTED).ok();
        assert_eq!(calls_of(&p, lost), 2, "the lost {lost} was not retried");
        let expected = if lost == "PublishVersion" { "2" } else { "3" };
        assert!(
            run.stdout()
                .contains(&format!("released version {expected} as live")),
            "{}",
            run.stdout()
        );
        assert_eq!(
            versions(&aws, &names.function).last().map(String::as_str),
            Some(expected),
            "one version per release"
        );
        assert_eq!(
            aws.alias_version(&names.function, "live").as_deref(),
            Some(expected)
        );
        p.recorder.clear();
        p.run(&["update-code"]).ok();
        assert_eq!(p.recorder.writes(), Vec::<String>::new());
    }
    assert_eq!(versions(&aws, &names.function), ["1", "2", "3"]);
    assert_eq!(app_answer(&p), OLD);

    // rollback's UpdateAlias, answer lost: one step back, not two.
    p.recorder.clear();
    lose_answer_of(&p, "UpdateAlias");
    let run = p.run_with(&["rollback"], common::COUNTED).ok();
    assert_eq!(calls_of(&p, "UpdateAlias"), 2);
    assert!(
        run.stdout()
            .contains("alias live rolled back to version 2 (was version 3)"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        aws.alias_version(&names.function, "live").as_deref(),
        Some("2")
    );
    assert_eq!(app_answer(&p), NEW);
}
