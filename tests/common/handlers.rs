//! The handler a project deploys: the example crate, a copy a test may edit,
//! or a fixture; and the build tools and target folders its builds use.

use std::path::{Path, PathBuf};

use super::{repo, Project, Settings};

impl Project {
    /// Uses a copy of the example handler, so that the test may change it.
    pub fn with_handler_copy(self) -> Project {
        self.with_handler_copy_of("handler")
    }

    /// Uses a copy of the handler crate at `crate_dir` (relative to the repository).
    pub fn with_handler_copy_of(mut self, crate_dir: &str) -> Project {
        let dest = self.dir.path().join("handler");
        std::fs::create_dir_all(dest.join("src")).unwrap();
        for file in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
            std::fs::copy(repo().join(crate_dir).join(file), dest.join(file)).unwrap();
        }
        // A package name of its own. Copies share one target folder, and cargo
        // tells two packages of one name and version apart by the mtimes of
        // their files alone: a copy edited before another copy's build would
        // be taken as fresh, and the other copy's binary deployed.
        let manifest = std::fs::read_to_string(dest.join("Cargo.toml")).unwrap();
        let package = manifest
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap()
            .to_string();
        for file in ["Cargo.toml", "Cargo.lock"] {
            let path = dest.join(file);
            let text = std::fs::read_to_string(&path).unwrap().replacen(
                &format!("name = \"{package}\""),
                &format!("name = \"{package}-{}\"", self.name),
                1,
            );
            std::fs::write(&path, text).unwrap();
        }
        self.handler = dest;
        self.write_config(&Settings::default());
        self
    }

    /// Uses another handler crate (e.g. a test fixture) in place.
    pub fn with_handler_at(mut self, path: PathBuf) -> Project {
        self.handler = path;
        self.write_config(&Settings::default());
        self
    }

    /// The misbehaving test handler of tests/fixtures.
    pub fn misbehaving(name: &str) -> Project {
        Project::new(name).with_handler_at(repo().join("tests/fixtures/misbehaving"))
    }
}

/// `PATH` with the project's `.venv/bin` (cargo-zigbuild, ziglang) first.
pub fn tools_path() -> std::ffi::OsString {
    let mut dirs = vec![repo().join(".venv/bin")];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// An executable on `tools_path()`.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&tools_path())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// One target folder for every handler a test builds (the example, its copies and
/// the fixtures): their package names differ, so they share it safely, and each
/// build after the first reuses the compiled dependencies.
pub(super) fn handler_target_dir(_handler: &Path) -> PathBuf {
    repo().join("handler/target")
}
