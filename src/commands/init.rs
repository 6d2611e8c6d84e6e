//! `init`: a new backend in a user's own app. In an Android project root it
//! makes `backend/`, wired to the app module's `res/raw`; anywhere else it
//! writes in place. Every file is checked before any is written: an existing
//! one stops it, named, with nothing written.

use std::path::{Path, PathBuf};

use crate::config::check_name;
use crate::error::{Error, InputError};
use crate::progress::Progress;
use crate::scaffold::{self, client, gradle, File};

/// An Android project found at the root: its name and its app module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Android {
    pub root_name: Option<String>,
    /// The app module's folder, relative to the root (e.g. `app`).
    pub module: String,
    /// The app's package: its `namespace`, else `applicationId`, else the
    /// manifest's `package`.
    pub package: Option<String>,
    /// Where its Kotlin sources live: `src/main/kotlin` if it exists, else `src/main/java`.
    pub sources: String,
    /// Whether its manifest asks for `android.permission.INTERNET`.
    pub internet: bool,
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
    let build = ["build.gradle.kts", "build.gradle"]
        .iter()
        .find_map(|f| std::fs::read_to_string(root.join(module).join(f)).ok())
        .unwrap_or_default();
    let manifest = std::fs::read_to_string(root.join(module).join("src/main/AndroidManifest.xml"))
        .unwrap_or_default();
    let package = gradle::setting(&build, "namespace")
        .or_else(|| gradle::setting(&build, "applicationId"))
        .or_else(|| client::manifest_package(&manifest))
        .filter(|p| client::is_package(p));
    let sources = if root.join(module).join("src/main/kotlin").is_dir() {
        "src/main/kotlin"
    } else {
        "src/main/java"
    };
    Some(Android {
        root_name: scaffold::gradle_root_name(&settings),
        module: module.to_string(),
        package,
        sources: sources.to_string(),
        internet: client::has_internet_permission(&manifest),
    })
}

impl Android {
    /// Where the client goes, relative to the project root, and its package.
    fn client(&self) -> Option<(PathBuf, String)> {
        let package = client::client_package(self.package.as_deref()?);
        let dir = Path::new(&self.module)
            .join(&self.sources)
            .join(package.replace('.', "/"));
        Some((dir, package))
    }
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
fn write_all(files: &[File]) -> Result<(), Error> {
    if let Some(existing) = files
        .iter()
        .map(|f| &f.path)
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
        let path = file.path.clone();
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
    let mut files: Vec<File> = scaffold::files(&layout.project, layout.app_config.as_deref())
        .into_iter()
        .map(|f| File {
            path: layout.backend.join(f.path),
            text: f.text,
        })
        .collect();
    let client = layout.android.as_ref().and_then(Android::client);
    if let Some((client_dir, package)) = &client {
        files.extend(client::files(package).into_iter().map(|(name, text)| File {
            path: dir.join(client_dir).join(name),
            text,
        }));
    }
    write_all(&files)?;
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
        out.push_str(&format!("  {}\n", shown(&f.path)));
    }
    let config = layout.backend.join("config.toml");
    let c = shown(&config);
    out.push_str(&format!(
        "\nNext:\n  1. Deploy it (needs AWS credentials; add --region and --profile as you use them):\n       backend-ctl --config {c} up\n"
    ));
    match &layout.android {
        Some(a) => out.push_str(&app_steps(a)),
        None => out.push_str(
            "  2. The app's side: in an Android project, `backend-ctl init` also writes the Kotlin client (see backend-ctl's README, \"The app's side\").\n",
        ),
    }
    out.push_str(&format!(
        "  Try it as the app would, then read its logs:\n       backend-ctl --config {c} invoke --payload '{{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}}' --logs\n       backend-ctl --config {c} logs\n  Remove everything it made: backend-ctl --config {c} teardown\n"
    ));
    out
}

/// The app's half of the next steps: Gradle lines, the permission, the call.
fn app_steps(a: &Android) -> String {
    let module = &a.module;
    let Some((_, package)) = a.client() else {
        return format!(
            "  2. The app's side: no `namespace` or `applicationId` was found in {module}/build.gradle(.kts), so the Kotlin client was not written.\n       Set `namespace` there and run init in a fresh folder, or copy backend-ctl's clients/kotlin sources into your app.\n"
        );
    };
    let indent = |text: &str| {
        text.lines()
            .map(|l| format!("       {l}\n"))
            .collect::<String>()
    };
    let mut out = format!(
        "  2. The app's side is in package {package}. In {module}/build.gradle.kts add:\n{}",
        indent(&client::gradle_lines())
    );
    if !a.internet {
        out.push_str(&format!(
            "     and in {module}/src/main/AndroidManifest.xml, inside <manifest>:\n       {}\n",
            client::INTERNET_PERMISSION
        ));
    }
    out.push_str(&format!(
        "  3. Make one Backend for the app (in your Application class, say) and call it from a coroutine:\n       import {package}.*\n       val backend = Backend(\n           BackendConfig.parse(resources.openRawResource(R.raw.awsconfiguration).bufferedReader().use {{ it.readText() }}),\n           SharedPreferencesIdentityStore(getSharedPreferences(\"backend-ctl\", MODE_PRIVATE)),\n       )\n       val greeting = Greeter(backend).greet(\"Ada\", \"Lovelace\")   // in lifecycleScope.launch {{ }}, say\n"
    ));
    out
}
