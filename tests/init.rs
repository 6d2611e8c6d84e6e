//! `init` in a user's own app, as a new user runs it: the files it writes,
//! an Android project taken from `init` to a working `invoke` and a clean
//! `teardown`, the refusal to overwrite, and shell completions.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Aws, Project};

/// backend-ctl run in `dir`, with the environment of the project's tests.
fn in_dir(p: &Project, dir: &Path, args: &[&str]) -> common::Run {
    let mut cmd = p.command(args);
    cmd.current_dir(dir);
    common::Run(cmd.output().unwrap())
}

/// An Android Studio project as it starts: settings, an app module with its
/// manifest, a library module.
fn android_project(root: &Path, settings: &str) {
    std::fs::write(root.join(settings), "pluginManagement { repositories { google() } }\nrootProject.name = \"Weather Now\"\ninclude(\":app\")\ninclude(\":core\")\n").unwrap();
    for (module, plugin) in [
        ("app", "com.android.application"),
        ("core", "com.android.library"),
    ] {
        let dir = root.join(module).join("src/main");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("AndroidManifest.xml"), "<manifest/>\n").unwrap();
        std::fs::write(
            root.join(module).join("build.gradle.kts"),
            // The namespace on the block's first line: valid Kotlin DSL.
            format!("plugins {{ id(\"{plugin}\") }}\nandroid {{ namespace = \"com.example.{module}\"\n    compileSdk = 35\n}}\n"),
        )
        .unwrap();
    }
}

/// The Kotlin client's sources in this repository, by file name.
fn client_sources() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("clients/kotlin/src/main/kotlin/dev/backendctl/client");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap();
            (e.file_name().to_string_lossy().into_owned(), text)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty());
    out
}

/// Each client source was written into `dir`, identical but for its package line.
fn assert_client_written(dir: &Path, package: &str) {
    for (name, original) in client_sources() {
        let written = std::fs::read_to_string(dir.join(&name))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(&name).display()));
        let expected = original.replacen(
            "package dev.backendctl.client",
            &format!("package {package}"),
            1,
        );
        assert_eq!(written, expected, "{name}");
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_android_project_goes_from_init_to_invoke_to_teardown() {
    // The project name comes from rootProject.name; it must be unique here.
    let p = Project::new("weather-now");
    let root = p.dir.path().join("WeatherNow");
    std::fs::create_dir_all(&root).unwrap();
    android_project(&root, "settings.gradle.kts");

    let run = in_dir(&p, &root, &["init"]).ok();
    let out = run.stdout();
    assert!(out.contains("app module `app`"), "{out}");
    assert!(
        out.contains("backend-ctl --config backend/config.toml up"),
        "{out}"
    );
    // The app's side: the Kotlin client in the app's own package, the
    // Gradle lines it needs, and the permission its manifest lacks.
    assert_client_written(
        &root.join("app/src/main/java/com/example/app/backend"),
        "com.example.app.backend",
    );
    assert!(!root.join("core/src/main/java").exists());
    assert!(out.contains("package com.example.app.backend"), "{out}");
    assert!(
        out.contains("implementation(\"aws.sdk.kotlin:cognitoidentity:"),
        "{out}"
    );
    assert!(
        out.contains("implementation(\"aws.sdk.kotlin:lambda:"),
        "{out}"
    );
    assert!(
        out.contains("org.jetbrains.kotlin.plugin.serialization"),
        "{out}"
    );
    assert!(out.contains("android.permission.INTERNET"), "{out}");
    assert!(!out.contains("aws-android-sdk"), "{out}");
    let config = std::fs::read_to_string(root.join("backend/config.toml")).unwrap();
    assert!(config.contains("project = \"weather-now\""), "{config}");
    assert!(
        config.contains("config_path = \"../app/src/main/res/raw/awsconfiguration.json\""),
        "{config}"
    );

    // The generated project deploys unchanged, from the project root.
    let config_arg = "backend/config.toml";
    in_dir(&p, &root, &["--config", config_arg, "up", "--yes"]).ok();
    let app_config = root.join("app/src/main/res/raw/awsconfiguration.json");
    let app: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&app_config).unwrap()).unwrap();
    assert_eq!(
        app["LambdaInvoker"]["Default"]["FunctionName"],
        "weather-now-dev:live"
    );
    assert_eq!(app["BackendCtl"]["FunctionName"], "weather-now-dev");
    assert_eq!(app["BackendCtl"]["Qualifier"], "live");
    let run = in_dir(
        &p,
        &root,
        &[
            "--config",
            config_arg,
            "invoke",
            "--payload",
            r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
        ],
    )
    .ok();
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    in_dir(&p, &root, &["--config", config_arg, "teardown", "--yes"]).ok();
    assert!(Aws::new().nothing_left("weather-now"));
}

#[test]
fn the_app_module_is_found_by_its_plugin_whatever_its_name() {
    // Android Studio's newer templates: a version catalog alias, and here an
    // app module named `mobile` beside a library module that sorts first.
    let p = Project::new("initmobile");
    let root = p.dir.path().join("Shop");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("settings.gradle.kts"),
        "rootProject.name = \"Shop\"\ninclude(\n    \":core\",\n    \":mobile\"\n)\n",
    )
    .unwrap();
    for (module, plugin) in [
        ("core", "alias(libs.plugins.android.library)"),
        ("mobile", "alias(libs.plugins.android.application)"),
    ] {
        std::fs::create_dir_all(root.join(module).join("src/main/kotlin")).unwrap();
        std::fs::write(
            root.join(module).join("src/main/AndroidManifest.xml"),
            "<manifest>\n    <uses-permission android:name=\"android.permission.INTERNET\" />\n</manifest>\n",
        )
        .unwrap();
        // Groovy's spelling; the app has only an applicationId (a library has none).
        let id = if module == "mobile" {
            "    defaultConfig {\n        applicationId 'com.shop.mobile'\n    }\n"
        } else {
            ""
        };
        std::fs::write(
            root.join(module).join("build.gradle"),
            format!("plugins {{ {plugin} }}\nandroid {{\n{id}}}\n"),
        )
        .unwrap();
    }
    let run = in_dir(&p, &root, &["init"]).ok();
    assert!(
        run.stdout().contains("app module `mobile`"),
        "{}",
        run.stdout()
    );
    // Sources in src/main/kotlin stay there; a manifest with the permission is left alone.
    assert_client_written(
        &root.join("mobile/src/main/kotlin/com/shop/mobile/backend"),
        "com.shop.mobile.backend",
    );
    assert!(
        !run.stdout().contains("<uses-permission"),
        "{}",
        run.stdout()
    );
    let config = std::fs::read_to_string(root.join("backend/config.toml")).unwrap();
    assert!(
        config.contains("config_path = \"../mobile/src/main/res/raw/awsconfiguration.json\""),
        "{config}"
    );
    assert!(config.contains("project = \"shop\""), "{config}");
}

#[test]
fn init_in_an_empty_folder_writes_the_example_in_place() {
    let p = Project::new("initempty");
    let dir = p.dir.path().join("my backend");
    std::fs::create_dir_all(&dir).unwrap();
    in_dir(&p, &dir, &["init"]).ok();
    assert_eq!(
        files_under(&dir),
        [
            "config.toml",
            "handler/.gitignore",
            "handler/Cargo.lock",
            "handler/Cargo.toml",
            "handler/src/main.rs",
            "policies/execution.json",
        ]
        .map(PathBuf::from)
    );
    // The folder's name, normalised.
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(config.contains("project = \"my-backend\""), "{config}");
    // A DIR argument and --name work from anywhere.
    let other = p.dir.path().join("elsewhere");
    std::fs::create_dir_all(&other).unwrap();
    in_dir(
        &p,
        Path::new("/"),
        &["init", other.to_str().unwrap(), "--name", "shop"],
    )
    .ok();
    let config = std::fs::read_to_string(other.join("config.toml")).unwrap();
    assert!(config.contains("project = \"shop\""), "{config}");
    // An invalid --name is refused with the fix.
    let third = p.dir.path().join("third");
    std::fs::create_dir_all(&third).unwrap();
    in_dir(&p, &third, &["init", "--name", "My Shop"])
        .fails(2, "invalid --name")
        .fails(2, "--name my-shop");
    assert!(files_under(&third).is_empty());
}

#[test]
fn init_never_overwrites_and_writes_nothing_when_one_file_exists() {
    let p = Project::new("initkeep");
    let dir = p.dir.path().join("app");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("policies/execution.json"), "{\"mine\": true}").unwrap();
    let run = in_dir(&p, &dir, &["init"]).fails(2, "policies/execution.json exists already");
    assert!(run.stderr().contains("wrote nothing"), "{}", run.stderr());
    assert_eq!(
        files_under(&dir),
        [PathBuf::from("policies/execution.json")]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("policies/execution.json")).unwrap(),
        "{\"mine\": true}"
    );
    // In an Android project, backend/ is checked the same way.
    let root = p.dir.path().join("android");
    std::fs::create_dir_all(root.join("backend")).unwrap();
    android_project(&root, "settings.gradle");
    std::fs::write(root.join("backend/config.toml"), "# mine\n").unwrap();
    in_dir(&p, &root, &["init"]).fails(2, "backend/config.toml exists already");
    assert_eq!(
        files_under(&root.join("backend")),
        [PathBuf::from("config.toml")]
    );
    // And so is the app's package: a client file of the user's own stops it
    // before backend/ is made.
    let root = p.dir.path().join("android2");
    std::fs::create_dir_all(&root).unwrap();
    android_project(&root, "settings.gradle");
    let client = root.join("app/src/main/java/com/example/app/backend");
    std::fs::create_dir_all(&client).unwrap();
    let (name, _) = &client_sources()[0];
    std::fs::write(client.join(name), "// mine\n").unwrap();
    in_dir(&p, &root, &["init"]).fails(2, &format!("{name} exists already"));
    assert!(!root.join("backend").exists());
    assert_eq!(files_under(&client), [PathBuf::from(name)]);
}

#[test]
fn the_generated_handler_passes_its_own_tests() {
    let p = Project::new("inittests");
    let dir = p.dir.path().join("fresh");
    std::fs::create_dir_all(&dir).unwrap();
    in_dir(&p, &dir, &["init", "--name", "fresh"]).ok();
    // The handler's own target folder: its dependencies are built already.
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--quiet", "--manifest-path"])
        .arg(dir.join("handler/Cargo.toml"))
        .env("CARGO_TARGET_DIR", common::repo().join("handler/target"))
        .status()
        .unwrap();
    assert!(status.success(), "the generated handler's tests failed");
}

#[test]
fn bash_completions_parse_and_complete_the_subcommands() {
    let p = Project::new("completions");
    let run = in_dir(&p, p.dir.path(), &["completions", "bash"]).ok();
    let script = p.dir.path().join("backend-ctl.bash");
    std::fs::write(&script, run.stdout()).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(syntax.success(), "bash -n refused the completion script");
    // Ask the function the script registers for backend-ctl what follows `backend-ctl `.
    let probe = format!(
        "source {}\nfn=$(complete -p backend-ctl | sed -E 's/.*-F ([^ ]+).*/\\1/')\nCOMP_WORDS=(backend-ctl \"\")\nCOMP_CWORD=1\nCOMP_LINE='backend-ctl '\nCOMP_POINT=${{#COMP_LINE}}\n\"$fn\" backend-ctl \"\" backend-ctl\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display()
    );
    let out = Command::new("bash").arg("-c").arg(probe).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    for sub in [
        "up",
        "plan",
        "update-code",
        "teardown",
        "invoke",
        "dev",
        "logs",
        "init",
        "policy",
        "completions",
    ] {
        assert!(
            words.lines().any(|w| w == sub),
            "{sub} not completed: {words}"
        );
    }
    for shell in ["zsh", "fish", "powershell"] {
        let run = in_dir(&p, p.dir.path(), &["completions", shell]).ok();
        assert!(run.stdout().contains("backend-ctl"), "{shell}");
    }
}
