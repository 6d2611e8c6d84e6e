//! Unit tests of the templates: the repository's example with the name put
//! in and nothing else changed, and names normalised from Gradle and folders.

use super::*;

/// The repository's own file, read from disk (not through include_str!).
fn repo_file(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_templates_are_the_repositorys_example_with_only_the_name_changed() {
    let files = files("shop", None);
    let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        paths,
        [
            "config.toml",
            "policies/execution.json",
            "handler/Cargo.toml",
            "handler/Cargo.lock",
            "handler/src/main.rs",
            "handler/.gitignore"
        ]
    );
    for f in &files {
        let path = f.path.display().to_string();
        let original = repo_file(&path);
        let expected = original
            .replacen("project = \"greeter\"", "project = \"shop\"", 1)
            .replacen("name = \"greeter\"", "name = \"shop\"", 1);
        assert_eq!(f.text, expected, "{path}");
    }
    let config = &files[0].text;
    assert!(config.contains("project = \"shop\""));
    assert!(!config.contains("greeter"), "{config}");
    assert!(files[2].text.contains("name = \"shop\""));
    assert!(files[3].text.contains("name = \"shop\""));
    // The lock file's dependencies keep their names.
    assert!(files[3].text.contains("name = \"lambda_runtime\""));
}

#[test]
fn an_android_project_gets_its_app_config_path() {
    let files = files(
        "shop",
        Some("../app/src/main/res/raw/awsconfiguration.json"),
    );
    let config = &files[0].text;
    assert!(
        config.contains("config_path = \"../app/src/main/res/raw/awsconfiguration.json\""),
        "{config}"
    );
    assert!(!config.contains(EXAMPLE_APP_CONFIG));
    // The per-stage examples name the same module.
    assert!(
        config.contains("# dev = \"../app/src/debug/res/raw/awsconfiguration.json\""),
        "{config}"
    );
    assert!(!config.contains("android/app"), "{config}");
}

#[test]
fn the_example_config_names_the_strings_init_replaces() {
    // If the example changes these lines, init must change with it.
    let config = repo_file("config.toml");
    assert!(config.contains(&format!("project = \"{EXAMPLE_NAME}\"")));
    assert!(config.contains(&format!("config_path = \"{EXAMPLE_APP_CONFIG}\"")));
    assert!(repo_file("handler/Cargo.toml").contains(&format!("name = \"{EXAMPLE_NAME}\"")));
}

#[test]
fn names_are_normalised_to_valid_project_names() {
    for (raw, name) in [
        ("My Application", "my-application"),
        ("WeatherApp", "weatherapp"),
        ("weather_app", "weather-app"),
        ("  Café Crème!! ", "caf-cr-me"),
        ("2048 Game", "app-2048-game"),
        ("---", "app"),
        ("", "app"),
        ("com.example.shop", "com-example-shop"),
    ] {
        let got = normalize_name(raw);
        assert_eq!(got, name, "{raw:?}");
        crate::config::check_name(&got).unwrap();
    }
    let long = normalize_name(&"a very long application name ".repeat(5));
    assert!(long.len() <= MAX_DERIVED_NAME, "{long}");
    assert!(!long.ends_with('-'), "{long}");
    crate::config::check_name(&long).unwrap();
}

#[test]
fn gradle_settings_give_the_root_name_and_the_modules() {
    let kts = "pluginManagement { }\nrootProject.name = \"My Application\"\ninclude(\":app\")\ninclude(\":feature:login\", \":core\")\n";
    assert_eq!(gradle_root_name(kts).as_deref(), Some("My Application"));
    assert_eq!(gradle_modules(kts), ["app", "feature/login", "core"]);
    let groovy = "rootProject.name='Shop'\ninclude ':app', ':lib'\n";
    assert_eq!(gradle_root_name(groovy).as_deref(), Some("Shop"));
    assert_eq!(gradle_modules(groovy), ["app", "lib"]);
    assert_eq!(gradle_root_name("include ':app'\n"), None);
    let spread = "rootProject.name = \"X\"\ninclude(\n    \":mobile\",\n    \":core:ui\"\n)\n";
    assert_eq!(gradle_modules(spread), ["mobile", "core/ui"]);
}
mod client;
mod gradle;
