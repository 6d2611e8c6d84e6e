//! Building for Lambda's other CPU: arm64 (Graviton) from this x86_64 host
//! through cargo zigbuild, deployed, switched back and forth, run by the
//! emulator and locally under qemu; and every missing tool named, with the
//! command that installs it, before any AWS call. Each test arranges the
//! tools it needs (the rust target) or their absence (its own `PATH`, its
//! own `RUSTC` view of the toolchain) itself. It is written for the CI's
//! host, x86_64 Linux, where arm64 is the other CPU (zig, qemu).
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{Aws, Project, Settings};

/// What the arm64 tests need, installed by the test itself through the
/// project's idempotent setup: the aarch64 rust target, and qemu user mode
/// with the aarch64 C library (Debian's qemu-user, libc6-arm64-cross).
fn aarch64_target() {
    static ADDED: OnceLock<()> = OnceLock::new();
    ADDED.get_or_init(|| {
        let status = std::process::Command::new(common::repo().join("scripts/setup-tools.sh"))
            .status()
            .expect("run scripts/setup-tools.sh");
        assert!(status.success(), "scripts/setup-tools.sh failed");
    });
}

fn arm64(project: &Project) {
    project.write_config(&Settings {
        architecture: "arm64",
        ..Settings::default()
    });
}

/// A plain HTTP GET of the emulator's own URL: the body.
fn http_get(url: &str) -> Vec<u8> {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{head}"
    );
    raw[split..].to_vec()
}

/// The deployed zip's `bootstrap`: its bytes and its unix mode, read back
/// from the emulator through GetFunction's `Code.Location`.
fn deployed_bootstrap(aws: &Aws, function: &str) -> (Vec<u8>, u32) {
    let out = aws.function(function).expect("the function");
    let location = out
        .code()
        .and_then(|c| c.location())
        .expect("Code.Location");
    let zip = http_get(location);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut entry = archive.by_name("bootstrap").unwrap();
    let mode = entry.unix_mode().unwrap_or(0);
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    (bytes, mode)
}

/// The ELF machine and the highest GLIBC_x.y the binary needs.
fn elf_facts(bytes: &[u8]) -> (u16, (u32, u32)) {
    let elf = goblin::elf::Elf::parse(bytes).unwrap();
    let mut max = (0, 0);
    if let Some(verneed) = &elf.verneed {
        for need in verneed.iter() {
            for aux in need.iter() {
                let name = elf.dynstrtab.get_at(aux.vna_name).unwrap_or("");
                if let Some(v) = name.strip_prefix("GLIBC_") {
                    let mut parts = v.split('.');
                    let major = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                    max = max.max((major, minor));
                }
            }
        }
    }
    (elf.header.e_machine, max)
}

fn architecture(aws: &Aws, function: &str) -> String {
    let f = aws.function(function).unwrap();
    f.configuration().unwrap().architectures()[0]
        .as_str()
        .to_string()
}

#[test]
fn an_arm64_function_goes_up_with_an_aarch64_bootstrap_and_runs() {
    aarch64_target();
    let p = Project::new("armup");
    arm64(&p);
    p.up();
    let aws = Aws::new();
    let names = p.names();
    assert_eq!(architecture(&aws, &names.function), "arm64");
    let (bootstrap, mode) = deployed_bootstrap(&aws, &names.function);
    let (machine, glibc) = elf_facts(&bootstrap);
    assert_eq!(machine, goblin::elf::header::EM_AARCH64);
    assert!(glibc <= (2, 34), "needs GLIBC_{}.{}", glibc.0, glibc.1);
    assert_eq!(mode & 0o777, 0o755, "bootstrap mode {mode:o}");
    // The emulator runs it (under qemu on this x86_64 host), through the app's path.
    let run = p
        .run(&[
            "invoke",
            "--payload",
            r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
        ])
        .ok();
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    // A second up writes nothing; update-code keeps the architecture.
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    p.run(&["update-code"]).ok();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert_eq!(architecture(&aws, &names.function), "arm64");
}

#[test]
fn switching_architecture_changes_only_the_code_and_back() {
    aarch64_target();
    let p = Project::new("armswitch");
    let aws = Aws::new();
    let names = p.names();
    p.up();
    assert_eq!(architecture(&aws, &names.function), "x86_64");
    for (arch, machine) in [
        ("arm64", goblin::elf::header::EM_AARCH64),
        ("x86_64", goblin::elf::header::EM_X86_64),
    ] {
        let from = architecture(&aws, &names.function);
        p.write_config(&Settings {
            architecture: if arch == "arm64" { "arm64" } else { "x86_64" },
            ..Settings::default()
        });
        let plan = p.run(&["plan"]).ok().stdout();
        assert!(
            plan.contains(&format!("architecture {from} → {arch}")),
            "{plan}"
        );
        p.recorder.clear();
        p.up();
        // The code changes, and the architecture with it: a release.
        assert_eq!(
            p.recorder.writes(),
            [
                "lambda:UpdateFunctionCode",
                "lambda:PublishVersion",
                "lambda:UpdateAlias"
            ]
        );
        assert_eq!(architecture(&aws, &names.function), arch);
        let (bootstrap, _) = deployed_bootstrap(&aws, &names.function);
        assert_eq!(elf_facts(&bootstrap).0, machine, "{arch}");
        p.recorder.clear();
        p.up();
        assert_eq!(p.recorder.writes(), Vec::<String>::new(), "{arch}");
        // The new code runs on the new architecture.
        let run = p
            .run(&[
                "invoke",
                "--payload",
                r#"{"firstName": "Alan", "lastName": "Turing"}"#,
            ])
            .ok();
        assert_eq!(
            run.stdout().trim(),
            r#"{"greetings":"Hello, Alan Turing."}"#
        );
    }
}

#[test]
fn invoke_local_runs_an_arm64_handler_under_qemu() {
    aarch64_target();
    let p = Project::new("armlocal");
    arm64(&p);
    let run = p
        .run(&[
            "invoke",
            "--local",
            "--payload",
            r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
        ])
        .ok();
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    assert!(
        run.stderr().contains("under qemu-aarch64"),
        "says which binary ran: {}",
        run.stderr()
    );
    assert!(p.recorder.calls().is_empty());
}

/// A folder of links to the named tools, for a `PATH` that has those and
/// nothing else of this machine's.
fn tools_dir(dir: &Path, tools: &[&str]) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in tools {
        let found = common::which(tool).unwrap_or_else(|| panic!("{tool} is needed on PATH"));
        std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
    }
    bin
}

#[test]
fn a_missing_rust_target_is_named_with_the_rustup_command() {
    let p = Project::new("armnotarget");
    arm64(&p);
    // A toolchain view without the aarch64 target: a rustc whose sysroot is empty.
    let fake = p.dir.path().join("rustc-without-targets");
    let sysroot = p.dir.path().join("sysroot");
    std::fs::create_dir_all(sysroot.join("lib/rustlib/x86_64-unknown-linux-gnu/lib")).unwrap();
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nif [ \"$1 $2\" = \"--print sysroot\" ]; then echo {}; exit 0; fi\nexec rustc \"$@\"\n",
            sysroot.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let fake = fake.display().to_string();
    for command in [
        &["up", "--yes"][..],
        &["plan"],
        &["update-code"],
        &["invoke", "--local"],
    ] {
        let run = p.run_with(command, &[("RUSTC", Some(&fake))]);
        let run = run.fails(3, "rustup target add aarch64-unknown-linux-gnu");
        assert!(
            run.stderr()
                .contains("the Rust target aarch64-unknown-linux-gnu is missing"),
            "{}",
            run.stderr()
        );
        assert!(
            !run.stderr().contains("rust-lld"),
            "no linker wall: {}",
            run.stderr()
        );
    }
    assert!(p.recorder.calls().is_empty(), "{:?}", p.recorder.calls());
}

#[test]
fn missing_zig_tools_are_named_with_the_install_command() {
    aarch64_target();
    let p = Project::new("armnozig");
    arm64(&p);
    let empty_home = p.dir.path().join("cargo-home");
    std::fs::create_dir_all(empty_home.join("bin")).unwrap();
    let home = empty_home.display().to_string();

    // No cargo-zigbuild anywhere cargo looks.
    let bare = tools_dir(&p.dir.path().join("bare"), &["cargo", "rustc", "rustup"]);
    let path = bare.display().to_string();
    let run = p
        .run_with(
            &["up", "--yes"],
            &[("PATH", Some(&path)), ("CARGO_HOME", Some(&home))],
        )
        .fails(3, "cargo-zigbuild is missing");
    assert!(
        run.stderr().contains("pip3 install cargo-zigbuild ziglang"),
        "{}",
        run.stderr()
    );

    // cargo-zigbuild, but no zig: no `zig` and no python3 with ziglang.
    let zigless = tools_dir(
        &p.dir.path().join("zigless"),
        &["cargo", "rustc", "rustup", "cargo-zigbuild"],
    );
    let path = zigless.display().to_string();
    let run = p
        .run_with(
            &["plan"],
            &[("PATH", Some(&path)), ("CARGO_HOME", Some(&home))],
        )
        .fails(3, "zig is missing");
    assert!(
        run.stderr().contains("pip3 install ziglang"),
        "{}",
        run.stderr()
    );
    assert!(p.recorder.calls().is_empty(), "{:?}", p.recorder.calls());
}

#[test]
fn a_missing_qemu_or_sysroot_is_named_for_local_runs() {
    let p = Project::new("armnoqemu");
    arm64(&p);
    let bare = tools_dir(&p.dir.path().join("bare"), &["cargo", "rustc", "rustup"]);
    let path = bare.display().to_string();
    let run = p
        .run_with(&["invoke", "--local"], &[("PATH", Some(&path))])
        .fails(3, "qemu-aarch64 (qemu user mode) is missing");
    assert!(
        run.stderr().contains("apt-get install qemu-user"),
        "{}",
        run.stderr()
    );

    // qemu (installed by the setup), but no aarch64 C library where it looks.
    aarch64_target();
    let empty = p.dir.path().join("no-sysroot");
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.display().to_string();
    let run = p
        .run_with(&["dev", "--port", "0"], &[("QEMU_LD_PREFIX", Some(&empty))])
        .fails(3, "libc6-arm64-cross");
    assert!(
        run.stderr().contains("ld-linux-aarch64.so.1"),
        "{}",
        run.stderr()
    );
    assert!(p.recorder.calls().is_empty());
}

/// Two zig builds at once on one machine would make one fail with "Text
/// file busy" (cargo-zigbuild rewrites its `zig cc` wrapper scripts while
/// the other build runs them), and two builds into one target folder could
/// each deploy the other's binary: a build waits for the one holding the
/// machine's build lock.
#[test]
fn a_build_waits_for_another_one_on_this_machine() {
    aarch64_target();
    let p = Project::new("armzigwait");
    arm64(&p);
    // The machine's own lock, where backend-ctl looks for it (another zig
    // build of these tests waits a moment too, as it should). A cache folder
    // of the test's own would move zig's and cargo-zigbuild's caches with it.
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"))
        .join("backend-ctl");
    std::fs::create_dir_all(&cache).unwrap();
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(cache.join("build.lock"))
        .unwrap();
    held.lock().unwrap();
    let mut child = p
        .command(&[
            "invoke",
            "--local",
            "--payload",
            r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(all.clone());
        }
        all
    });
    let waiting = std::time::Instant::now();
    let mut seen = String::new();
    while !seen.contains("waiting for another backend-ctl build") {
        seen = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no wait announced: {seen}"));
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the build went on while another held the lock"
    );
    assert!(!seen.contains("built "), "{seen}");
    drop(held);
    let out = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    assert!(
        out.status.success(),
        "after the lock was released: {stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );
    assert!(waiting.elapsed() >= std::time::Duration::from_secs(2));
}
