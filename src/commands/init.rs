//! `init`: a new backend in a user's own app. In an Android project root it
//! makes `backend/`, wired to the app module's `res/raw`; anywhere else it
//! writes in place. Every file is checked before any is written: an existing
//! one stops it, named, with nothing written.

use std::path::{Path, PathBuf};

use crate::config::check_name;
use crate::error::{Error, InputError};
use crate::progress::Progress;
use crate::scaffold::{self, File};

/// An Android project found at the root: its name and its app module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Android {
    pub root_name: Option<String>,
    /// The app module's folder, relative to the root (e.g. `app`).
    pub module: String,
}

/// An Android project root: a Gradle settings file, and an app module with
/// `src/main/AndroidManifest.xml` (one the settings include, `app` first).
pub fn detect_android(root: &Path) -> Option<Android> {
    let settings = ["settings.gradle.kts", "settings.gradle"]
        .iter()
        .find_map(|f| std::fs::read_to_string(root.join(f)).ok())?;
    let has_manifest = |m: &str| root.join(m).join("src/main/AndroidManifest.xml").is_file();
    // `id("com.android.application")`, `alias(libs.plugins.android.application)`,
    // or an `applicationId`: an app, not a library.
    let is_app = |m: &str| {
        ["build.gradle.kts", "build.gradle"].iter().any(|f| {
            std::fs::read_to_string(root.join(m).join(f))
                .is_ok_and(|t| t.contains("android.application") || t.contains("applicationId"))
        })
    };
    let mut modules = scaffold::gradle_modules(&settings);
    if modules.is_empty() {
        modules = std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
    }
    modules.sort_by_key(|m| (m != "app", m.clone()));
    let with_manifest: Vec<&String> = modules.iter().filter(|m| has_manifest(m)).collect();
    let module = with_manifest
        .iter()
        .find(|m| is_app(m))
        .or_else(|| with_manifest.first())?;
    Some(Android {
        root_name: scaffold::gradle_root_name(&settings),
        module: module.to_string(),
    })
}

/// What `init` will do: where, under which name, with which files.
struct Layout {
    backend: PathBuf,
    project: String,
    app_config: Option<String>,
    android: Option<Android>,
}

fn layout(dir: &Path, name: Option<&str>) -> Result<Layout, InputError> {
    let android = detect_android(dir);
    let folder_name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "app".into());
    let project = match name {
        Some(name) => {
            check_name(name).map_err(|message| InputError::Flag {
                flag: "--name",
                message: format!(
                    "{message}\n  hint: e.g. --name {}",
                    scaffold::normalize_name(name)
                ),
            })?;
            name.to_string()
        }
        None => {
            let raw = android
                .as_ref()
                .and_then(|a| a.root_name.clone())
                .unwrap_or(folder_name);
            scaffold::normalize_name(&raw)
        }
    };
    Ok(match android {
        Some(a) => Layout {
            backend: dir.join("backend"),
            app_config: Some(format!(
                "../{}/src/main/res/raw/awsconfiguration.json",
                a.module
            )),
            project,
            android: Some(a),
        },
        None => Layout {
            backend: dir.to_path_buf(),
            project,
            app_config: None,
            android: None,
        },
    })
}

/// Writes every file or none: stops at the first that exists, before
/// writing; never writes through an existing path (each file is created new,
/// so one that appears meanwhile, or a dangling link, is not overwritten);
/// removes what it wrote, folders included, if a later write fails.
fn write_all(backend: &Path, files: &[File]) -> Result<(), Error> {
    if let Some(existing) = files
        .iter()
        .map(|f| backend.join(&f.path))
        .find(|p| p.symlink_metadata().is_ok())
    {
        return Err(InputError::Flag {
            flag: "DIR",
            message: format!(
                "{} exists already; init writes nothing over an existing file, and wrote nothing\n  hint: run init in an empty folder, or move that file away",
                existing.display()
            ),
        }
        .into());
    }
    let mut made: Vec<PathBuf> = Vec::new();
    for file in files {
        let path = backend.join(&file.path);
        if let Err(source) = write_new(&path, &file.text, &mut made) {
            for done in made.iter().rev() {
                let _ = std::fs::remove_file(done).or_else(|_| std::fs::remove_dir(done));
            }
            return Err(Error::Io {
                action: "cannot write",
                path,
                source,
            });
        }
    }
    Ok(())
}

/// Creates `path` (and the folders it needs), failing if it exists; records
/// in `made` what it created, folders first.
fn write_new(path: &Path, text: &str, made: &mut Vec<PathBuf>) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        let mut missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .collect();
        missing.reverse();
        for d in missing {
            std::fs::create_dir(d)?;
            made.push(d.to_path_buf());
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    made.push(path.to_path_buf());
    file.write_all(text.as_bytes())
}

pub fn init(progress: &Progress, dir: Option<&Path>, name: Option<&str>) -> Result<(), Error> {
    let dir = dir.unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(InputError::Flag {
            flag: "DIR",
            message: format!(
                "{} is not a folder\n  hint: create it first, or run init inside your app's folder",
                dir.display()
            ),
        }
        .into());
    }
    let layout = layout(dir, name)?;
    let files = scaffold::files(&layout.project, layout.app_config.as_deref());
    write_all(&layout.backend, &files)?;
    progress.done(&format!(
        "started backend {} in {}",
        layout.project,
        shown(&layout.backend)
    ));
    print!("{}", next_steps(dir, &layout, &files));
    Ok(())
}

/// A path as the user would type it: `backend/config.toml`, not
/// `./backend/config.toml`; the current folder itself is "this folder".
fn shown(path: &Path) -> String {
    let relative = path.strip_prefix(".").unwrap_or(path);
    if relative.as_os_str().is_empty() {
        "this folder".to_string()
    } else {
        relative.display().to_string()
    }
}

fn next_steps(dir: &Path, layout: &Layout, files: &[File]) -> String {
    let mut out = String::new();
    match &layout.android {
        Some(a) => out.push_str(&format!(
            "Android project found (app module `{}`): the backend is in backend/, and `up` writes the app's config to {}/src/main/res/raw/awsconfiguration.json.\n",
            a.module, a.module
        )),
        None => out.push_str(&format!(
            "Backend `{}` created in {}.\n",
            layout.project,
            shown(dir)
        )),
    }
    out.push_str("Created:\n");
    for f in files {
        out.push_str(&format!("  {}\n", shown(&layout.backend.join(&f.path))));
    }
    let config = layout.backend.join("config.toml");
    out.push_str(&format!(
        "\nNext:\n  1. Deploy it (needs AWS credentials; add --region and --profile as you use them):\n       backend-ctl --config {} up\n",
        shown(&config)
    ));
    let module = layout.android.as_ref().map_or("app", |a| a.module.as_str());
    out.push_str(&format!(
        "  2. Let the app call it: in {module}/build.gradle(.kts), under dependencies:\n       implementation(\"com.amazonaws:aws-android-sdk-core:2.78.0\")\n       implementation(\"com.amazonaws:aws-android-sdk-lambda:2.78.0\")\n"
    ));
    out.push_str(&format!(
        "  3. The Kotlin call (LambdaInvokerFactory with @LambdaFunction(functionName = \"{}-dev\")) is in backend-ctl's README, \"The app's side\".\n  4. Try it as the app would, then read its logs:\n       backend-ctl --config {c} invoke --payload '{{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}}' --logs\n       backend-ctl --config {c} logs\n  Remove everything it made: backend-ctl --config {c} teardown\n",
        layout.project,
        c = shown(&config)
    ));
    out
}
