//! The files `init` writes: this repository's own example project (the
//! handler crate, `config.toml`, `policies/`), embedded as it is, with only
//! the project name (and, in an Android project, the app config's path)
//! put in. Pure: what to write is decided here, writing is `commands::init`.

use std::path::PathBuf;

pub mod client;
pub mod gradle;

/// The example project, as it stands in this repository.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("config.toml", include_str!("../config.toml")),
    (
        "policies/execution.json",
        include_str!("../policies/execution.json"),
    ),
    ("handler/Cargo.toml", include_str!("../handler/Cargo.toml")),
    ("handler/Cargo.lock", include_str!("../handler/Cargo.lock")),
    (
        "handler/src/main.rs",
        include_str!("../handler/src/main.rs"),
    ),
    ("handler/.gitignore", include_str!("../handler/.gitignore")),
];

/// The example's project name, which `init` replaces.
pub const EXAMPLE_NAME: &str = "greeter";

/// Where the example writes the app's config, relative to `config.toml`.
pub const EXAMPLE_APP_CONFIG: &str = "android/app/src/main/res/raw/awsconfiguration.json";

/// The app config's place inside a module's `src/`.
const APP_CONFIG_IN_MODULE: &str = "main/res/raw/awsconfiguration.json";

/// The longest project name `init` derives, leaving room in IAM's 64
/// characters for `-{stage}-unauth` with a stage of up to 16.
pub const MAX_DERIVED_NAME: usize = 40;

/// A file to write, relative to the backend's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

/// The example project for `project`, its app config written to
/// `app_config` (relative to `config.toml`) when given.
pub fn files(project: &str, app_config: Option<&str>) -> Vec<File> {
    TEMPLATES
        .iter()
        .map(|(path, text)| File {
            path: PathBuf::from(path),
            text: render(path, text, project, app_config),
        })
        .collect()
}

/// One template with the name put in: the `project` key of the config, the
/// crate's `name` in its manifest and lock file.
pub fn render(path: &str, text: &str, project: &str, app_config: Option<&str>) -> String {
    let name_line = |key: &str| {
        (
            format!("{key} = \"{EXAMPLE_NAME}\""),
            format!("{key} = \"{project}\""),
        )
    };
    let mut out = text.to_string();
    match path {
        "config.toml" => {
            let (from, to) = name_line("project");
            out = out.replacen(&from, &to, 1);
            if let Some(app) = app_config {
                out = out.replacen(
                    &format!("config_path = \"{EXAMPLE_APP_CONFIG}\""),
                    &format!("config_path = \"{app}\""),
                    1,
                );
                // The per-stage examples point into the same module.
                if let (Some(example), Some(module)) = (
                    EXAMPLE_APP_CONFIG.strip_suffix(APP_CONFIG_IN_MODULE),
                    app.strip_suffix(APP_CONFIG_IN_MODULE),
                ) {
                    out = out.replace(example, module);
                }
            }
        }
        "handler/Cargo.toml" | "handler/Cargo.lock" => {
            let (from, to) = name_line("name");
            out = out.replacen(&from, &to, 1);
        }
        _ => {}
    }
    out
}

/// A project name from free text (a Gradle `rootProject.name`, a folder):
/// lowercase ASCII letters and digits, other runs turned into one `-`,
/// starting with a letter, at most `MAX_DERIVED_NAME` characters.
pub fn normalize_name(raw: &str) -> String {
    let mut name = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let mut name = name.trim_matches('-').to_string();
    if name.is_empty() {
        name = "app".into();
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name = format!("app-{name}");
    }
    name.truncate(MAX_DERIVED_NAME);
    name.trim_end_matches('-').to_string()
}

/// `rootProject.name = "My App"` (Groovy or Kotlin DSL, either quote) in a
/// Gradle settings file.
pub fn gradle_root_name(settings: &str) -> Option<String> {
    settings.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("rootProject.name")?;
        let rest = rest.trim_start().strip_prefix('=')?.trim();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let inner = &rest[1..];
        inner.find(quote).map(|end| inner[..end].to_string())
    })
}

/// The modules a Gradle settings file includes, as folders: every quoted
/// project path in it (`include ':app'`, `include(":app", ":feature:login")`,
/// an `include(` spread over several lines) → `app`, `feature/login`.
pub fn gradle_modules(settings: &str) -> Vec<String> {
    let mut modules = Vec::new();
    for (i, part) in settings.split(['"', '\'']).enumerate() {
        // Odd parts are inside quotes; a project path starts with ':'.
        if i % 2 == 1 && part.starts_with(':') {
            let module = part.trim_start_matches(':').replace(':', "/");
            if !module.is_empty()
                && module
                    .chars()
                    .all(|c| c.is_alphanumeric() || "/-_.".contains(c))
            {
                modules.push(module);
            }
        }
    }
    modules
}

#[cfg(test)]
mod tests;
