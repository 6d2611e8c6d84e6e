//! `doctor` against the emulator, with PATH arranged by each test: every
//! tool a zig build and a local run take found (exit 0), then each missing in
//! turn (exit 3, the one missing named with its fix, the rest found); qemu
//! for a function of the other CPU; and the AWS side without a region.

mod common;

use std::path::{Path, PathBuf};

use common::{Project, Settings};
use serde_json::Value;

/// The tools a zig build takes, each to be found through PATH.
const TOOLS: [&str; 5] = ["cargo", "rustc", "rustup", "cargo-zigbuild", "python3"];

/// A folder of small scripts that run each of `tools` as this machine has
/// it (scripts, not links: the venv's python3 must know it is the venv's).
fn path_with(dir: &Path, tools: &[&str]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in tools {
        let real = common::which(tool).unwrap_or_else(|| panic!("{tool} is not on this machine"));
        let script = bin.join(tool);
        std::fs::write(
            &script,
            format!("#!/bin/sh\nexec '{}' \"$@\"\n", real.display()),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// `doctor --output json` with only `tools` on PATH (and no cargo home, zig
/// or Python that cargo-zigbuild would find elsewhere); its report and exit code.
fn doctor(p: &Project, tools: &[&str], region: bool) -> (Value, i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let bin = path_with(dir.path(), tools);
    let mut cmd = p.command(&["--output", "json", "doctor"]);
    cmd.env("PATH", &bin)
        .env("CARGO_HOME", dir.path().join("cargo-home"))
        .env_remove("CARGO_ZIGBUILD_PYTHON_PATH")
        .env_remove("CARGO_ZIGBUILD_ZIG_PATH")
        .env_remove("RUSTC");
    if !region {
        cmd.env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (report, out.status.code().unwrap_or(-1), stderr)
}

/// Each check's name and whether it passed.
fn outcome(report: &Value) -> Vec<(String, bool)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["check"].as_str().unwrap().to_string(), c["ok"] == true))
        .collect()
}

fn zig_project(name: &str, architecture: &'static str) -> Project {
    let p = Project::new(name);
    p.write_config(&Settings {
        architecture,
        ..Settings::default()
    });
    let config = std::fs::read_to_string(p.config_path()).unwrap();
    let config = config.replacen("[handler]\n", "[handler]\nlinker = \"zig\"\n", 1);
    p.write_raw_config(&config);
    p
}

fn host_arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "x86_64"
    }
}

#[test]
fn with_every_tool_found_doctor_passes_and_names_what_it_found() {
    let p = zig_project("doctorok", host_arch());
    let (report, code, stderr) = doctor(&p, &TOOLS, true);
    assert_eq!(code, 0, "{report}\n{stderr}");
    assert_eq!(report["ok"], true);
    let checks = outcome(&report);
    assert!(checks.iter().all(|(_, ok)| *ok), "{checks:?}");
    let names: Vec<&str> = checks.iter().map(|(n, _)| n.as_str()).collect();
    for wanted in ["cargo", "rustup", "cargo-zigbuild", "zig", "AWS"] {
        assert!(names.contains(&wanted), "{names:?}");
    }
    let found = |check: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == check)
            .and_then(|c| c["found"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert!(found("cargo").starts_with("cargo "), "{report}");
    assert!(
        found("cargo-zigbuild").contains("cargo-zigbuild"),
        "{report}"
    );
    assert!(found("zig").contains("ziglang"), "{report}");
    assert!(found("AWS").contains("123456789012"), "{report}");
}

#[test]
fn each_missing_tool_is_named_with_its_fix_and_exits_3() {
    let p = zig_project("doctormiss", host_arch());
    // The tool taken away, and the check that then fails.
    let cases = [
        ("cargo", "cargo", "rustup.rs"),
        ("rustc", "Rust target", "rustup target add"),
        (
            "cargo-zigbuild",
            "cargo-zigbuild",
            "pip3 install cargo-zigbuild",
        ),
        ("python3", "zig", "pip3 install ziglang"),
    ];
    for (gone, check, fix) in cases {
        let tools: Vec<&str> = TOOLS.iter().copied().filter(|t| *t != gone).collect();
        let (report, code, stderr) = doctor(&p, &tools, true);
        assert_eq!(code, 3, "without {gone}: {report}\n{stderr}");
        assert_eq!(report["ok"], false);
        let failed: Vec<String> = outcome(&report)
            .into_iter()
            .filter(|(_, ok)| !ok)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(failed.len(), 1, "without {gone}: {failed:?}");
        assert!(failed[0].starts_with(check), "without {gone}: {failed:?}");
        let line = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["ok"] == false)
            .unwrap();
        assert!(
            line["fix"].as_str().unwrap_or_default().contains(fix),
            "without {gone}: {line}"
        );
        assert!(stderr.contains("missing on this machine"), "{stderr}");
    }
}

#[test]
fn a_function_of_the_other_cpu_needs_qemu_for_local_runs() {
    let other = if host_arch() == "x86_64" {
        "arm64"
    } else {
        "x86_64"
    };
    let p = zig_project("doctorqemu", other);
    let (report, code, _) = doctor(&p, &TOOLS, true);
    assert_eq!(code, 3, "{report}");
    let local = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"].as_str().unwrap().starts_with("local runs"))
        .unwrap()
        .clone();
    assert_eq!(local["ok"], false, "{local}");
    assert!(
        local["fix"].as_str().unwrap().contains("qemu-user"),
        "{local}"
    );
}

#[test]
fn without_a_region_the_aws_check_says_how_to_set_one() {
    let p = zig_project("doctoraws", host_arch());
    let (report, code, _) = doctor(&p, &TOOLS, false);
    assert_eq!(code, 2, "{report}");
    let failed: Vec<(String, bool)> = outcome(&report).into_iter().filter(|(_, ok)| !ok).collect();
    assert_eq!(failed, [("AWS".to_string(), false)], "{report}");
    let aws = report["checks"].as_array().unwrap().last().unwrap().clone();
    assert!(
        aws["missing"].as_str().unwrap().contains("AWS_REGION"),
        "{aws}"
    );
}
