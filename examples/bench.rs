//! The benchmark: backend-ctl against the local emulator behind a proxy that
//! adds latency to every call (0 and 50 ms, on loopback), side by side with
//! the AWS CLI baseline scripts (bench/baseline-aws-cli*.sh: `up`, a
//! release, a rollback). Prints a Markdown
//! report: median wall time, API calls (all and writes) and sequential round
//! trips per operation, the ratios against the baseline, the handler's zip
//! size, its local cold start and warm invoke, and the CLI's start-up.
//!
//! `scripts/bench.sh` runs it; `--quick` does one repetition (CI runs that).

#[path = "../tests/common/proxy.rs"]
#[allow(dead_code)]
mod proxy;
mod shared;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proxy::{Call, Faults, Recorder};

struct Opts {
    bin: PathBuf,
    reps: usize,
    baseline_reps: usize,
    latencies: Vec<u64>,
}

fn opts() -> Opts {
    let (quick, bin) = shared::args();
    Opts {
        bin,
        reps: if quick { 1 } else { 5 },
        baseline_reps: if quick { 1 } else { 3 },
        // Quick mode runs every path once, behind the latency that also
        // counts the rounds.
        latencies: if quick { vec![50] } else { vec![0, 50] },
    }
}

use shared::{aws_command, post_invoke, repo, start_dev, Emulator};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Sequential round trips, counted from when the calls left: a call that
/// starts at least half a latency after the current round began opens the
/// next round (calls of one round leave together).
fn rounds(calls: &[Call], latency: Duration) -> usize {
    let mut at: Vec<Instant> = calls.iter().map(|c| c.at).collect();
    at.sort();
    let mut count = 0;
    let mut start: Option<Instant> = None;
    for t in at {
        if start.is_none_or(|s| t.duration_since(s) >= latency / 2) {
            count += 1;
            start = Some(t);
        }
    }
    count
}

struct Sample {
    wall: Duration,
    calls: usize,
    writes: usize,
    rounds: usize,
    stderr: String,
}

struct Env {
    emulator: String,
    home: tempfile::TempDir,
}

impl Env {
    fn command(&self, program: &Path, endpoint: &str) -> Command {
        aws_command(program, endpoint, self.home.path())
    }
}

fn measure(recorder: &Recorder, latency: Duration, mut cmd: Command) -> Sample {
    recorder.clear();
    let start = Instant::now();
    let out = cmd.output().expect("run the command");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{cmd:?} failed:\n{stderr}");
    let calls = recorder.calls();
    Sample {
        wall,
        writes: calls.iter().filter(|c| c.is_write()).count(),
        rounds: rounds(&calls, latency),
        calls: calls.len(),
        stderr,
    }
}

fn write_config(dir: &Path, project: &str) -> PathBuf {
    let config = dir.join("config.toml");
    let text = format!(
        "project = \"{project}\"\n[handler]\npath = \"{}\"\n[function]\nmemory_mb = 128\ntimeout_s = 10\nreserved_concurrency = 10\n[function.environment]\nGREETING_STYLE = \"friendly\"\n[app]\nconfig_path = \"app/awsconfiguration.json\"\n",
        repo().join("handler").display()
    );
    std::fs::write(&config, text).expect("write config");
    config
}

/// A zip of other code, for releases made behind backend-ctl's back.
fn other_zip(env: &Env) -> PathBuf {
    let zip = env.home.path().join("other.zip");
    let status = Command::new(repo().join(".venv/bin/python"))
        .args(["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.writestr('bootstrap', 'other'); z.close()"])
        .arg(&zip)
        .status()
        .expect("python");
    assert!(status.success());
    zip
}

/// The AWS CLI release script: other code, published, the alias moved.
fn cli_release(env: &Env, endpoint: &str, function: &str) -> Command {
    let mut cmd = env.command(&repo().join("bench/baseline-aws-cli-release.sh"), endpoint);
    cmd.arg(function).arg(other_zip(env)).arg("live");
    cmd
}

/// The AWS CLI rollback script: the alias to the version before.
fn cli_rollback(env: &Env, endpoint: &str, function: &str) -> Command {
    let mut cmd = env.command(&repo().join("bench/baseline-aws-cli-rollback.sh"), endpoint);
    cmd.arg(function).arg("live");
    cmd
}

type Table = Vec<(String, u64, Vec<Sample>)>;

fn main() {
    let o = opts();
    assert!(
        o.bin.exists(),
        "{} is missing: build it first (scripts/bench.sh does)",
        o.bin.display()
    );
    let emulator = Emulator::start();
    let env = Env {
        emulator: emulator.url.clone(),
        home: tempfile::tempdir().expect("temp dir"),
    };
    let pid = std::process::id();
    let mut table: Table = Vec::new();
    let mut push = |op: &str, lat: u64, s: Sample| match table
        .iter_mut()
        .find(|(o, l, _)| o == op && *l == lat)
    {
        Some((_, _, v)) => v.push(s),
        None => table.push((op.to_string(), lat, vec![s])),
    };
    let mut zip_kb = String::new();
    for &lat in &o.latencies {
        let latency = Duration::from_millis(lat);
        for rep in 0..o.reps {
            let project = format!("b{pid}l{lat}r{rep}");
            let dir = tempfile::tempdir().expect("temp dir");
            let config = write_config(dir.path(), &project);
            let recorder = Recorder::with_faults(
                &env.emulator,
                Faults {
                    latency,
                    ..Faults::default()
                },
            );
            let ctl = |args: &[&str]| {
                let mut cmd = env.command(&o.bin, &recorder.url);
                cmd.arg("--config").arg(&config).args(args);
                cmd
            };
            let fresh = measure(&recorder, latency, ctl(&["up", "--yes"]));
            if let Some(kb) = fresh
                .stderr
                .split(" KB zipped")
                .next()
                .and_then(|s| s.rsplit('(').next())
            {
                zip_kb = kb.to_string();
            }
            push("fresh up", lat, fresh);
            push(
                "no-op up",
                lat,
                measure(&recorder, latency, ctl(&["up", "--yes"])),
            );
            push(
                "update-code, unchanged",
                lat,
                measure(&recorder, latency, ctl(&["update-code"])),
            );
            // Someone released other code with the AWS CLI (version 2);
            // update-code releases ours again (version 3); then a rollback.
            let function = format!("{project}-dev");
            push(
                "AWS CLI script, release",
                lat,
                measure(
                    &recorder,
                    latency,
                    cli_release(&env, &recorder.url, &function),
                ),
            );
            push(
                "update-code, a release",
                lat,
                measure(&recorder, latency, ctl(&["update-code"])),
            );
            push(
                "rollback",
                lat,
                measure(&recorder, latency, ctl(&["rollback"])),
            );
            push(
                "AWS CLI script, rollback",
                lat,
                measure(
                    &recorder,
                    latency,
                    cli_rollback(&env, &recorder.url, &function),
                ),
            );
            push(
                "teardown",
                lat,
                measure(&recorder, latency, ctl(&["teardown", "--yes"])),
            );
        }
        for rep in 0..o.baseline_reps {
            let project = format!("a{pid}l{lat}r{rep}");
            let recorder = Recorder::with_faults(
                &env.emulator,
                Faults {
                    latency,
                    ..Faults::default()
                },
            );
            let script = || {
                let mut cmd = env.command(&repo().join("bench/baseline-aws-cli.sh"), &recorder.url);
                cmd.arg(&project);
                cmd
            };
            push(
                "AWS CLI script, fresh",
                lat,
                measure(&recorder, latency, script()),
            );
            push(
                "AWS CLI script, again",
                lat,
                measure(&recorder, latency, script()),
            );
            // Clean up with backend-ctl: the script tags what it makes as ours.
            let dir = tempfile::tempdir().expect("temp dir");
            let config = write_config(dir.path(), &project);
            let mut cmd = env.command(&o.bin, &env.emulator);
            cmd.arg("--config").arg(&config).args(["teardown", "--yes"]);
            assert!(cmd.output().expect("teardown").status.success());
        }
    }

    println!("| operation | added latency | median wall time | API calls (writes) | round trips: wall ÷ latency | round trips: counted |");
    println!("|---|---|---|---|---|---|");
    for (op, lat, samples) in &table {
        let wall = median(samples.iter().map(|s| s.wall).collect());
        let s = &samples[0];
        let by_wall = if *lat > 0 {
            format!("{:.1}", wall.as_secs_f64() / (*lat as f64 / 1000.0))
        } else {
            "–".into()
        };
        let counted = if *lat > 0 {
            s.rounds.to_string()
        } else {
            "–".into()
        };
        println!(
            "| {op} | {lat} ms | {:.0} ms | {} ({}) | {by_wall} | {counted} |",
            wall.as_secs_f64() * 1000.0,
            s.calls,
            s.writes
        );
    }
    println!();
    for &lat in &o.latencies {
        let wall = |op: &str| {
            table
                .iter()
                .find(|(o, l, _)| o == op && *l == lat)
                .map(|(_, _, v)| median(v.iter().map(|s| s.wall).collect()).as_secs_f64())
                .unwrap_or(f64::NAN)
        };
        println!(
            "- at {lat} ms: `up` is {:.1}× faster than the AWS CLI script on a fresh account, {:.1}× when nothing changed; a release by `update-code` {:.1}× faster than the CLI's (which neither checks, locks nor prunes), `rollback` {:.1}× faster than the CLI's",
            wall("AWS CLI script, fresh") / wall("fresh up"),
            wall("AWS CLI script, again") / wall("no-op up"),
            wall("AWS CLI script, release") / wall("update-code, a release"),
            wall("AWS CLI script, rollback") / wall("rollback"),
        );
    }

    // The handler and the CLI itself.
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), &format!("loc{pid}"));
    let mut cold = Vec::new();
    for _ in 0..o.reps.max(3) {
        let out = env
            .command(&o.bin, &env.emulator)
            .arg("--config")
            .arg(&config)
            .args([
                "invoke",
                "--local",
                "--payload",
                r#"{"firstName":"Ada","lastName":"Lovelace"}"#,
            ])
            .output()
            .expect("invoke --local");
        let err = String::from_utf8_lossy(&out.stderr);
        if let Some(ms) = err
            .split("local cold start to answer: ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse::<u64>().ok())
        {
            cold.push(Duration::from_millis(ms));
        }
    }
    let warm = warm_invokes(&env, &o.bin, &config, &format!("loc{pid}-dev"));
    let mut help = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let ok = Command::new(&o.bin)
            .arg("--help")
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success());
        assert!(matches!(ok, Ok(true)));
        help.push(start.elapsed());
    }
    println!("- handler zip: {zip_kb} KB");
    println!(
        "- local cold start (process start → answer, `invoke --local`): {} ms (median)",
        median(cold).as_millis()
    );
    println!(
        "- warm invoke through `dev` (HTTP round trip, loopback): {:.2} ms (median of {})",
        median(warm.clone()).as_secs_f64() * 1000.0,
        warm.len()
    );
    println!(
        "- CLI start-up (`backend-ctl --help`): {:.1} ms (median of 20)",
        median(help).as_secs_f64() * 1000.0
    );
    drop(emulator);
}

/// Starts `dev` and times invocations over raw HTTP, after a first cold one.
fn warm_invokes(env: &Env, bin: &Path, config: &Path, function: &str) -> Vec<Duration> {
    let mut cmd = env.command(bin, &env.emulator);
    cmd.arg("--config").arg(config).args(["dev", "--port", "0"]);
    let (mut dev, address) = start_dev(cmd);
    let mut times = Vec::new();
    for i in 0..21 {
        let start = Instant::now();
        let answer = post_invoke(&address, function);
        assert!(
            answer.contains("Hello, Ada Lovelace."),
            "dev answered {answer}"
        );
        if i > 0 {
            times.push(start.elapsed());
        }
    }
    let _ = dev.kill();
    let _ = dev.wait();
    times
}
