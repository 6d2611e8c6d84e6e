//! The tools a build for Lambda needs on this machine (the rust target,
//! cargo-zigbuild and zig) and those a local run of a Linux binary of the
//! other architecture needs (qemu user mode and a sysroot): each found, or
//! named with the exact command that installs it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::{Architecture, Linker};
use crate::error::BuildError;

/// The glibc of Lambda's `provided.al2023`, which zig pins the link to.
pub const LAMBDA_GLIBC: &str = "2.34";

/// This machine: its OS, CPU and C library, as Rust names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host {
    pub os: &'static str,
    pub arch: &'static str,
    /// Linux with glibc (a musl system, e.g. Alpine, cannot link for Lambda's glibc).
    pub gnu: bool,
}

impl Host {
    pub fn this() -> Host {
        Host {
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            gnu: cfg!(target_env = "gnu"),
        }
    }

    /// Whether this machine runs Linux binaries of `arch` natively.
    pub fn runs(self, arch: Architecture) -> bool {
        self.os == "linux" && self.arch == machine(arch)
    }

    /// Whether its own linker makes binaries Lambda runs on `arch`: glibc
    /// Linux on that CPU.
    pub fn links_for(self, arch: Architecture) -> bool {
        self.runs(arch) && self.gnu
    }
}

/// The CPU name of an architecture (`uname -m`, Rust's `ARCH`).
pub fn machine(arch: Architecture) -> &'static str {
    match arch {
        Architecture::X86_64 => "x86_64",
        Architecture::Arm64 => "aarch64",
    }
}

/// How a build for Lambda is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildWay {
    /// `cargo zigbuild` rather than `cargo build`.
    pub zig: bool,
    /// What `--target` gets: the triple, with `.2.34` for zig.
    pub target: String,
    /// The triple alone (the rust target to have installed).
    pub triple: &'static str,
}

/// Plain cargo where this machine is glibc Linux on the function's
/// architecture (the host's own linker makes a binary Lambda runs, checked
/// afterwards); `cargo zigbuild` everywhere else: macOS and Windows cannot
/// link for Linux at all, Linux on the other CPU has no linker for it, and a
/// musl Linux has no glibc to link with. `linker` in the config forces
/// either way.
pub fn build_way(linker: Linker, arch: Architecture, host: Host) -> BuildWay {
    let triple = arch.target_triple();
    let zig = match linker {
        Linker::Zig => true,
        Linker::Cargo => false,
        Linker::Auto => !host.links_for(arch),
    };
    BuildWay {
        zig,
        target: if zig {
            format!("{triple}.{LAMBDA_GLIBC}")
        } else {
            triple.to_string()
        },
        triple,
    }
}

/// What a tool check found: the tool (its path or version), or why it is
/// missing and how to install it.
pub type Found = Result<String, BuildError>;

/// Every tool a build in this way takes, each found or missing.
pub fn build_checks(way: &BuildWay) -> Vec<(String, Found)> {
    let mut out = vec![(
        format!("Rust target {}", way.triple),
        if target_installed(way.triple) {
            Ok("installed".into())
        } else {
            Err(BuildError::MissingTool {
                needed: format!("the Rust target {}", way.triple),
                why: "this toolchain has no standard library for Lambda's Linux on that CPU".into(),
                fix: format!("rustup target add {}", way.triple),
            })
        },
    )];
    if !way.zig {
        out.push((
            "C linker (cc)".into(),
            which("cc").map(|p| p.display().to_string()).ok_or_else(|| BuildError::MissingTool {
                needed: "a C linker (cc)".into(),
                why: format!("cargo links {} with the system's cc", way.triple),
                fix: "install one (Debian/Ubuntu: sudo apt-get install build-essential), or set `linker = \"zig\"` under [handler] and pip3 install cargo-zigbuild ziglang".into(),
            }),
        ));
        return out;
    }
    let why = format!(
        "building for {} on this machine links with zig (cargo zigbuild), which pins glibc to Lambda's {LAMBDA_GLIBC}",
        way.triple
    );
    out.push((
        "cargo-zigbuild".into(),
        find_cargo_subcommand("cargo-zigbuild")
            .map(|p| version_of(&p, &["--version"]).unwrap_or_else(|| p.display().to_string()))
            .ok_or_else(|| BuildError::MissingTool {
                needed: "cargo-zigbuild".into(),
                why: why.clone(),
                fix: "pip3 install cargo-zigbuild ziglang   (or: cargo install --locked cargo-zigbuild, and zig from ziglang.org or brew install zig)".into(),
            }),
    ));
    out.push((
        "zig".into(),
        zig_version().ok_or_else(|| BuildError::MissingTool {
            needed: "zig".into(),
            why,
            fix: "pip3 install ziglang   (or: brew install zig, or zig from ziglang.org on PATH)"
                .into(),
        }),
    ));
    out
}

/// Checks, before cargo runs, that every tool the build takes is here.
pub fn check_build_tools(way: &BuildWay) -> Result<(), BuildError> {
    match build_checks(way)
        .into_iter()
        .find_map(|(_, found)| found.err())
    {
        Some(missing) => Err(missing),
        None => Ok(()),
    }
}

/// The first line a program prints when run with `args` (its version), if it runs.
pub fn version_of(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().next().map(|l| l.trim().to_string())
}

/// Whether the toolchain has the standard library for `triple` (asking the
/// `rustc` cargo would use, so `RUSTC` and rustup overrides count).
pub fn target_installed(triple: &str) -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .args(["--print", "sysroot"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|sysroot| {
            sysroot
                .join("lib/rustlib")
                .join(triple)
                .join("lib")
                .is_dir()
        })
}

/// An executable named `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| executable_names(name).map(move |n| dir.join(n)))
        .find(|candidate| is_executable(candidate))
}

fn executable_names(name: &str) -> impl Iterator<Item = String> {
    let windows = cfg!(windows).then(|| format!("{name}.exe"));
    std::iter::once(name.to_string()).chain(windows)
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// A cargo subcommand, where cargo looks for it: `PATH`, then `$CARGO_HOME/bin`.
fn find_cargo_subcommand(name: &str) -> Option<PathBuf> {
    which(name).or_else(|| {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        executable_names(name)
            .map(|n| home.join("bin").join(n))
            .find(|p| is_executable(p))
    })
}

/// The version of the zig that cargo-zigbuild will find, looking where it
/// looks and in its order: `$CARGO_ZIGBUILD_PYTHON_PATH` (else `python3`)
/// `-m ziglang` (how `pip install ziglang` provides it), then
/// `$CARGO_ZIGBUILD_ZIG_PATH` (else `zig`).
fn zig_version() -> Option<String> {
    let python = std::env::var_os("CARGO_ZIGBUILD_PYTHON_PATH")
        .map(PathBuf::from)
        .or_else(|| which("python3"));
    python
        .and_then(|p| version_of(&p, &["-m", "ziglang", "version"]))
        .map(|v| format!("{v} (python3 -m ziglang)"))
        .or_else(|| {
            let zig = std::env::var_os("CARGO_ZIGBUILD_ZIG_PATH")
                .map(PathBuf::from)
                .or_else(|| which("zig"))?;
            version_of(&zig, &["version"])
        })
}

/// How to start a Linux binary of `arch` on this machine: directly, or
/// under qemu user mode with the other architecture's sysroot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launcher {
    /// The program and arguments to put before the binary (empty: run it directly).
    pub prefix: Vec<OsString>,
    /// How people read it: "natively" or "under qemu-aarch64".
    pub how: String,
}

/// The launcher for a Lambda binary of `arch` here: natively on Linux of the
/// same CPU, under `qemu-<cpu>` on Linux of the other. Elsewhere (macOS,
/// Windows) Linux binaries cannot run at all: local runs build for the host.
pub fn launcher(arch: Architecture, host: Host) -> Result<Launcher, BuildError> {
    if host.runs(arch) || host.os != "linux" {
        return Ok(Launcher {
            prefix: Vec::new(),
            how: "natively".into(),
        });
    }
    let cpu = machine(arch);
    let (loader, cross_libc) = match arch {
        Architecture::Arm64 => ("lib/ld-linux-aarch64.so.1", "libc6-arm64-cross"),
        Architecture::X86_64 => ("lib64/ld-linux-x86-64.so.2", "libc6-amd64-cross"),
    };
    let program = format!("qemu-{cpu}");
    let Some(qemu) = which(&program).or_else(|| which(&format!("{program}-static"))) else {
        return Err(BuildError::MissingTool {
            needed: format!("{program} (qemu user mode)"),
            why: format!(
                "the function's bootstrap is a Linux {cpu} binary, and this machine is {}: it runs under qemu user-mode emulation",
                host.arch
            ),
            fix: format!(
                "sudo apt-get install qemu-user {cross_libc}   (Debian/Ubuntu; the package is qemu-user), or set function.architecture = \"{}\"",
                if host.arch == "aarch64" { "arm64" } else { "x86_64" }
            ),
        });
    };
    let sysroot = std::env::var_os("QEMU_LD_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(format!("/usr/{cpu}-linux-gnu")));
    if !sysroot.join(loader).exists() {
        return Err(BuildError::MissingTool {
            needed: format!("the {cpu} C library for qemu ({})", sysroot.join(loader).display()),
            why: format!("qemu runs a dynamically linked {cpu} binary with that architecture's loader and glibc"),
            fix: format!(
                "sudo apt-get install {cross_libc}   (or point QEMU_LD_PREFIX at an {cpu} sysroot)"
            ),
        });
    }
    Ok(Launcher {
        prefix: vec![qemu.into_os_string(), "-L".into(), sysroot.into_os_string()],
        how: format!("under {program} (qemu user mode)"),
    })
}

#[cfg(test)]
mod tests;
