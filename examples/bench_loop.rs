//! The benchmark of the loops a developer repeats, side by side with the
//! peer on one emulator: a one-line handler change made live by
//! `backend-ctl update-code` against `cargo lambda build --release` +
//! `cargo lambda deploy` (both warm, medians); `dev` from saving a source
//! file to serving the new code; and how long after IAM is ready a fresh
//! `up` ends, with the emulator's propagation delay set to 2, 5 and 9 s.
//! Prints Markdown rows for docs/BENCHMARKS.md.
//!
//! `scripts/bench.sh` runs it; `--quick` does one round of each (CI).

#[path = "../tests/common/proxy.rs"]
#[allow(dead_code)]
mod proxy;
mod shared;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proxy::Recorder;

use shared::{aws_command, post_invoke, repo, start_dev, Emulator};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The emulator, and the environment every command of the run gets.
struct Bench {
    bin: PathBuf,
    emulator: String,
    dir: tempfile::TempDir,
    _emulator: Emulator,
}

impl Bench {
    fn start(bin: PathBuf) -> Bench {
        let emulator = Emulator::start();
        Bench {
            bin,
            emulator: emulator.url.clone(),
            dir: tempfile::tempdir().expect("temp dir"),
            _emulator: emulator,
        }
    }

    fn command(&self, program: &Path, endpoint: &str) -> Command {
        aws_command(program, endpoint, self.dir.path())
    }

    /// A copy of the example handler and a config for `project`.
    fn project(&self, project: &str) -> (PathBuf, PathBuf) {
        let dir = self.dir.path().join(project);
        let handler = dir.join("handler");
        std::fs::create_dir_all(handler.join("src")).expect("mkdir");
        for f in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
            std::fs::copy(repo().join("handler").join(f), handler.join(f)).expect("copy handler");
        }
        let config = dir.join("config.toml");
        let text = format!(
            "project = \"{project}\"\n[handler]\npath = \"handler\"\n[function]\nmemory_mb = 128\ntimeout_s = 10\nreserved_concurrency = 10\n[function.environment]\nGREETING_STYLE = \"friendly\"\n"
        );
        std::fs::write(&config, text).expect("write config");
        (handler, config)
    }

    /// backend-ctl, building in the example handler's own target folder
    /// (warm from the tests: the copy's dependencies are built already).
    fn ctl(&self, config: &Path, endpoint: &str, args: &[&str]) -> Command {
        let mut cmd = self.command(&self.bin, endpoint);
        cmd.arg("--config")
            .arg(config)
            .args(args)
            .env("CARGO_TARGET_DIR", repo().join("handler/target"));
        cmd
    }
}

fn run_ok(mut cmd: Command) -> Duration {
    let start = Instant::now();
    let out = cmd.output().expect("run");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// A one-line change of the handler: the greeting's wording.
fn edit(handler: &Path, round: usize) {
    let main = handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).expect("read main.rs");
    let start = source.find("format!(\"").expect("the greeting") + "format!(\"".len();
    let end = start + source[start..].find(", {first}").expect("the greeting");
    let changed = format!("{}Hello{round}{}", &source[..start], &source[end..]);
    std::fs::write(&main, changed).expect("write main.rs");
}

fn edit_to_live(b: &Bench, rounds: usize) -> (Vec<Duration>, Vec<Duration>) {
    let project = format!("loop{}", std::process::id());
    let (handler, config) = b.project(&project);
    let function = format!("{project}-dev");
    run_ok(b.ctl(&config, &b.emulator, &["up", "--yes"]));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // cargo-lambda's own target folder, kept between runs like a user's.
    let peer_target = repo().join("target/bench-cargo-lambda");
    let lambda_build = || {
        let mut cmd = b.command(Path::new(&cargo), &b.emulator);
        cmd.current_dir(&handler)
            .env("CARGO_TARGET_DIR", &peer_target)
            .args(["lambda", "build", "--release"]);
        cmd
    };
    let lambda_deploy = || {
        let mut cmd = b.command(Path::new(&cargo), &b.emulator);
        cmd.env("CARGO_TARGET_DIR", &peer_target);
        cmd.current_dir(&handler).args([
            "lambda",
            "deploy",
            "--endpoint-url",
            &b.emulator,
            "--binary-name",
            "bootstrap",
            &function,
        ]);
        cmd
    };
    // Both warm before the first measured round.
    let warm = Instant::now();
    run_ok(lambda_build());
    eprintln!(
        "bench: cargo lambda build --release, first (cold) build: {}",
        ms(warm.elapsed())
    );
    run_ok(lambda_deploy());
    run_ok(b.ctl(&config, &b.emulator, &["update-code"]));
    let (mut ours, mut peer) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        edit(&handler, 2 * round + 1);
        ours.push(run_ok(b.ctl(&config, &b.emulator, &["update-code"])));
        edit(&handler, 2 * round + 2);
        peer.push(run_ok(lambda_build()) + run_ok(lambda_deploy()));
    }
    (ours, peer)
}

fn dev_save_to_serving(b: &Bench, rounds: usize) -> Vec<Duration> {
    let project = format!("dev{}", std::process::id());
    let (handler, config) = b.project(&project);
    let function = format!("{project}-dev");
    let (mut dev, address) = start_dev(b.ctl(&config, &b.emulator, &["dev", "--port", "0"]));
    assert!(post_invoke(&address, &function).contains("Hello"));
    let mut times = Vec::new();
    for round in 0..rounds + 1 {
        edit(&handler, 100 + round);
        let saved = Instant::now();
        let wanted = format!("Hello{}, Ada", 100 + round);
        while !post_invoke(&address, &function).contains(&wanted) {
            assert!(
                saved.elapsed() < Duration::from_secs(120),
                "dev never served the change"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // The first round also pays the first incremental build of the copy.
        if round > 0 {
            times.push(saved.elapsed());
        }
    }
    let _ = dev.kill();
    let _ = dev.wait();
    times
}

/// A fresh `up` with IAM propagation taking `delay`: how long after IAM was
/// ready (its CreateRole plus the delay) the command ended.
fn overshoot(b: &Bench, delay: f64) -> Duration {
    let project = format!("ov{}d{}", std::process::id(), delay as u32);
    let (_, config) = b.project(&project);
    switch(&b.emulator, &project, delay);
    let recorder = Recorder::start(&b.emulator);
    let start = Instant::now();
    run_ok(b.ctl(&config, &recorder.url, &["up", "--yes"]));
    let end = start.elapsed();
    let created = recorder
        .calls()
        .iter()
        .filter(|c| c.action == "CreateRole")
        .map(|c| c.at)
        .max()
        .expect("CreateRole");
    let ready = created.duration_since(start) + Duration::from_secs_f64(delay);
    run_ok(b.ctl(&config, &b.emulator, &["teardown", "--yes"]));
    end.saturating_sub(ready)
}

fn switch(emulator: &str, scope: &str, delay: f64) {
    let body = format!("{{\"scope\": \"{scope}\", \"iam_propagation_seconds\": {delay}}}");
    let address = emulator.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(address).expect("connect to the emulator");
    write!(s, "POST /backend-ctl/switches HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// One Invoke straight to the emulator: how long it took, and the answer.
fn emulator_invoke(emulator: &str, function: &str) -> (Duration, String) {
    let start = Instant::now();
    let answer = post_invoke(emulator.trim_start_matches("http://"), function);
    (start.elapsed(), answer)
}

/// Invoke round trips through the emulator's Lambda (the process starts on
/// the first, then stays warm), and how soon `logs --follow` shows an
/// invocation's REPORT line.
fn emulator_runs(b: &Bench, rounds: usize) -> (Duration, Vec<Duration>, Vec<Duration>) {
    let project = format!("run{}", std::process::id());
    let (_, config) = b.project(&project);
    let function = format!("{project}-dev");
    run_ok(b.ctl(&config, &b.emulator, &["up", "--yes"]));
    let (cold, answer) = emulator_invoke(&b.emulator, &function);
    assert!(answer.contains("Hello, Ada Lovelace."), "{answer}");
    let warm: Vec<Duration> = (0..10)
        .map(|_| emulator_invoke(&b.emulator, &function).0)
        .collect();
    let mut follow = b
        .ctl(&config, &b.emulator, &["logs", "--follow", "--since", "1m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("logs --follow");
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = follow.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(1500));
    while rx.try_recv().is_ok() {}
    let mut delays = Vec::new();
    for _ in 0..rounds.max(3) {
        let sent = Instant::now();
        emulator_invoke(&b.emulator, &function);
        loop {
            let (at, line) = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("logs --follow showed no REPORT line");
            if line.contains("REPORT RequestId:") {
                delays.push(at.duration_since(sent));
                break;
            }
        }
    }
    let _ = follow.kill();
    let _ = follow.wait();
    run_ok(b.ctl(&config, &b.emulator, &["teardown", "--yes"]));
    (cold, warm, delays)
}

fn main() {
    let (quick, bin) = shared::args();
    let b = Bench::start(bin);
    let rounds = if quick { 1 } else { 5 };

    let (ours, peer) = edit_to_live(&b, rounds);
    let (ours_m, peer_m) = (median(ours.clone()), median(peer.clone()));
    println!("| loop | backend-ctl | cargo-lambda 1.9.2 | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| one-line handler change → live (`update-code` vs `cargo lambda build --release` + `cargo lambda deploy`), median of {rounds} | {} | {} | {:.1}× faster |",
        ms(ours_m),
        ms(peer_m),
        peer_m.as_secs_f64() / ours_m.as_secs_f64()
    );
    eprintln!(
        "bench: backend-ctl rounds {:?}",
        ours.iter().map(|d| ms(*d)).collect::<Vec<_>>()
    );
    eprintln!(
        "bench: cargo-lambda rounds {:?}",
        peer.iter().map(|d| ms(*d)).collect::<Vec<_>>()
    );

    let dev = dev_save_to_serving(&b, rounds.max(3));
    println!();
    println!(
        "- `dev`, source saved → new code serving: {} (median of {}; target ≤ 1500 ms)",
        ms(median(dev.clone())),
        dev.len()
    );
    let (cold, warm, follow) = emulator_runs(&b, rounds);
    println!(
        "- Invoke through the emulator's Lambda (the real bootstrap): cold {}, warm {:.1} ms (median of {})",
        ms(cold),
        median(warm.clone()).as_secs_f64() * 1000.0,
        warm.len()
    );
    println!(
        "- an invocation → its REPORT line under `logs --follow`: {} (median of {}; polls every second)",
        ms(median(follow.clone())),
        follow.len()
    );
    let delays: &[f64] = if quick { &[2.0] } else { &[2.0, 5.0, 9.0] };
    for &d in delays {
        let over = overshoot(&b, d);
        println!(
            "- fresh `up` with IAM propagation D = {d:.0} s: ends {} after IAM is ready (target ≤ 1000 ms)",
            ms(over)
        );
    }
}
