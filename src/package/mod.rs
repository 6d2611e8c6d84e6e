//! Building the handler crate into a Lambda zip: cargo, a deterministic zip,
//! and a check that the binary can run on `provided.al2023`.

pub mod elf;
pub mod zip;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::{Architecture, Config};
use crate::desired::Code;
use crate::error::BuildError;
use crate::progress::Progress;

/// The cargo profile the handler is built with (defined in the handler's
/// Cargo.toml; `release` when it has none).
pub const PROFILE: &str = "lambda";

/// Builds, checks and zips the handler. Cargo's messages stream to stderr.
pub fn build(config: &Config, progress: &Progress) -> Result<Code, BuildError> {
    let (binary, bytes) = checked_binary(config, progress)?;
    let zip = zip::bootstrap_zip(&bytes).map_err(|e| BuildError::Binary {
        path: binary.clone(),
        message: format!("cannot zip it: {e}"),
    })?;
    let code = Code {
        sha256: zip::code_sha256(&zip),
        zip,
    };
    progress.done(&format!(
        "built {} ({} KB zipped, CodeSha256 {})",
        binary.display(),
        code.zip.len() / 1024,
        code.sha256
    ));
    Ok(code)
}

/// Builds the handler and checks that Lambda can run it; returns its path
/// (what `invoke --local` and `dev` run) and its bytes.
pub fn checked_binary(
    config: &Config,
    progress: &Progress,
) -> Result<(PathBuf, Vec<u8>), BuildError> {
    let binary = build_binary(
        &config.handler_path,
        &config.binary,
        config.architecture,
        progress,
    )?;
    let bytes = std::fs::read(&binary).map_err(|e| BuildError::Binary {
        path: binary.clone(),
        message: format!("cannot read it: {e}"),
    })?;
    elf::check(&bytes, config.architecture).map_err(|message| BuildError::Binary {
        path: binary.clone(),
        message,
    })?;
    Ok((binary, bytes))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Checks the crate is there, then runs `cargo build` for Lambda's target and
/// finds the binary from cargo's own JSON messages.
fn build_binary(
    crate_dir: &Path,
    bin: &str,
    arch: Architecture,
    progress: &Progress,
) -> Result<PathBuf, BuildError> {
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
    let triple = arch.target_triple();
    if triple != host_triple() && !target_installed(triple) {
        return Err(crate_err(format!(
            "function.architecture needs the {triple} target, which this toolchain does not have\n  hint: `rustup target add {triple}` and a linker for it (or cargo-zigbuild), or set function.architecture to this machine's"
        )));
    }
    progress.step(&format!(
        "building handler {} (profile {profile}, target {triple})",
        crate_dir.display()
    ));
    let mut child = Command::new(cargo())
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["--profile", profile, "--target", triple, "--bin", bin])
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
    executable.ok_or_else(|| {
        crate_err(format!(
            "cargo built no binary named `{bin}`\n  hint: name the handler's binary `{bin}` ([[bin]] name = \"{bin}\"), or set [handler] binary"
        ))
    })
}

/// Whether the toolchain has the standard library for `triple`.
fn target_installed(triple: &str) -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|sysroot| sysroot.join("lib/rustlib").join(triple).is_dir())
}

/// The target this machine builds for by default.
fn host_triple() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-gnu",
        _ => "x86_64-unknown-linux-gnu",
    }
}

/// Whether the handler's manifest defines our size-oriented profile.
fn declares_profile(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|t| t.get("profile").and_then(|p| p.get(PROFILE)).is_some())
}
