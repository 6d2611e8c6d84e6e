//! Building the handler crate into a Lambda zip: cargo (or cargo zigbuild
//! where this machine cannot link for Lambda itself), a deterministic zip,
//! and a check that the binary can run on `provided.al2023`.

pub mod elf;
pub mod toolchain;
pub mod zip;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::Config;
use crate::desired::Code;
use crate::error::BuildError;
use crate::progress::Progress;

/// The cargo profile the handler is built with (defined in the handler's
/// Cargo.toml; `release` when it has none).
pub const PROFILE: &str = "lambda";

/// Builds, checks and zips the handler. Cargo's messages stream to stderr.
pub fn build(config: &Config, progress: &Progress) -> Result<Code, BuildError> {
    let (binary, bytes) = checked_binary(config, progress)?;
    let zip = zip::cached_bootstrap_zip(&binary, &bytes).map_err(|e| BuildError::Binary {
        path: binary.clone(),
        message: format!("cannot zip it: {e}"),
    })?;
    let code = Code {
        sha256: zip::code_sha256(&zip),
        zip,
        source: git_source(&config.handler_path),
    };
    progress.done(&format!(
        "built {} ({} KB zipped, CodeSha256 {})",
        binary.display(),
        code.zip.len() / 1024,
        code.sha256
    ));
    Ok(code)
}

/// Builds the handler for Lambda and checks that Lambda can run it; returns
/// its path (what `invoke --local` and `dev` run on Linux) and its bytes.
pub fn checked_binary(
    config: &Config,
    progress: &Progress,
) -> Result<(PathBuf, Vec<u8>), BuildError> {
    let way = toolchain::build_way(config.linker, config.architecture, toolchain::Host::this());
    toolchain::check_build_tools(&way)?;
    let (binary, bytes) = build_binary(&config.handler_path, &config.binary, Some(&way), progress)?;
    elf::check(&bytes, config.architecture).map_err(|message| BuildError::Binary {
        path: binary.clone(),
        message,
    })?;
    Ok((binary, bytes))
}

/// What a local run starts: the binary, its bytes, and how to launch it.
#[derive(Debug)]
pub struct LocalBinary {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub launcher: toolchain::Launcher,
    /// Which build it is, for the user ("the Lambda build (aarch64 Linux)").
    pub what: String,
}

/// The binary `invoke --local` and `dev` run. On Linux: the very build `up`
/// deploys, run natively or under qemu for the other CPU. On macOS and
/// Windows, which cannot run Linux binaries at all: the handler built for
/// this machine, behind the same Runtime API (as `cargo lambda watch` does).
pub fn local_binary(config: &Config, progress: &Progress) -> Result<LocalBinary, BuildError> {
    let host = toolchain::Host::this();
    if host.os != "linux" {
        let (path, bytes) = build_binary(&config.handler_path, &config.binary, None, progress)?;
        return Ok(LocalBinary {
            path,
            bytes,
            launcher: toolchain::launcher(config.architecture, host)?,
            what: format!(
                "the handler built for this machine ({} {}; Lambda runs the Linux build `up` deploys)",
                host.os, host.arch
            ),
        });
    }
    let launcher = toolchain::launcher(config.architecture, host)?;
    let (path, bytes) = checked_binary(config, progress)?;
    Ok(LocalBinary {
        path,
        bytes,
        what: format!(
            "the Lambda build ({} Linux), {}",
            toolchain::machine(config.architecture),
            launcher.how
        ),
        launcher,
    })
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs `cargo build` (or `cargo zigbuild`) for Lambda's target, or for
/// this machine when `way` is `None`, finds the binary from cargo's own
/// JSON messages, and reads it, all under the machine's build lock (see
/// `build_lock`).
fn build_binary(
    crate_dir: &Path,
    bin: &str,
    way: Option<&toolchain::BuildWay>,
    progress: &Progress,
) -> Result<(PathBuf, Vec<u8>), BuildError> {
    let manifest = crate_dir.join("Cargo.toml");
    let crate_err = |message: String| BuildError::Crate {
        path: crate_dir.to_path_buf(),
        message,
    };
    let profile = if declares_profile(&manifest) {
        PROFILE
    } else {
        "release"
    };
    let mut command = Command::new(cargo());
    match way {
        Some(way) => {
            progress.step(&format!(
                "building handler {} (profile {profile}, target {}{})",
                crate_dir.display(),
                way.target,
                if way.zig { ", linked by zig" } else { "" }
            ));
            command
                .arg(if way.zig { "zigbuild" } else { "build" })
                .args(["--target", &way.target]);
        }
        None => {
            progress.step(&format!(
                "building handler {} for this machine (profile {profile})",
                crate_dir.display()
            ));
            command.arg("build");
        }
    }
    // Held until the binary is read (dropped with this function's locals).
    let _build_lock = build_lock(progress);
    let mut child = command
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["--profile", profile, "--bin", bin])
        .args(["--message-format", "json-render-diagnostics"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| BuildError::Cargo(e.to_string()))?;
    let mut executable = None;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == bin {
                if let Some(path) = msg["executable"].as_str() {
                    executable = Some(PathBuf::from(path));
                }
            }
        }
    }
    let status = child.wait().map_err(|e| BuildError::Cargo(e.to_string()))?;
    if !status.success() {
        return Err(BuildError::Compile {
            path: crate_dir.to_path_buf(),
            status: status.to_string(),
        });
    }
    let path = executable.ok_or_else(|| {
        crate_err(format!(
            "cargo built no binary named `{bin}`\n  hint: name the handler's binary `{bin}` ([[bin]] name = \"{bin}\"), or set [handler] binary"
        ))
    })?;
    let bytes = std::fs::read(&path).map_err(|e| BuildError::Binary {
        path: path.clone(),
        message: format!("cannot read it: {e}"),
    })?;
    Ok((path, bytes))
}

/// One handler build at a time on this machine, from cargo's start until
/// the binary is read. Cargo's own lock on a target folder is not enough
/// for two `backend-ctl` runs at once (say, `dev` and `up`, or two
/// projects with one `CARGO_TARGET_DIR`): it is released when cargo ends,
/// so the second build can overwrite `bootstrap` before the first has read
/// it, and the first would deploy the other's code. And cargo-zigbuild
/// rewrites its `zig cc` wrapper scripts, in one cache folder per user,
/// before cargo starts, then runs them: a build rewriting a script while
/// another runs it fails with "Text file busy" (ETXTBSY). The lock is
/// advisory and best effort: where its file cannot be made, the build goes
/// on without it.
fn build_lock(progress: &Progress) -> Option<std::fs::File> {
    let dir = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("backend-ctl");
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("build.lock"))
        .ok()?;
    match file.try_lock() {
        Ok(()) => Some(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            progress.note("waiting for another backend-ctl build on this machine to finish");
            file.lock().ok().map(|()| file)
        }
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

/// The git commit of the handler's work tree, if it is in one (and git is
/// here), marked when the handler's files differ from it: what a published
/// version records it was built from.
fn git_source(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    let changed = git(&["status", "--porcelain", "--untracked-files=no", "--", "."])?;
    Some(if changed.is_empty() {
        commit
    } else {
        format!("{commit} (uncommitted changes)")
    })
}

/// Whether the handler's manifest defines our size-oriented profile.
fn declares_profile(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|t| t.get("profile").and_then(|p| p.get(PROFILE)).is_some())
}
