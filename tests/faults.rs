//! Reliability: whatever happens (injected faults, a crash after any request,
//! `kill -9` at any moment), the next run finishes the job, the end state is
//! the fault-free one, no identity pool is duplicated and teardown leaves
//! nothing. Each test prints the figures the README's table reports.

mod common;

use std::time::Duration;

use common::proxy::Faults;
use common::{Aws, Project, FAST};
use serde_json::Value;

/// Seeded runs per operation (50 unless FAULT_RUNS says otherwise).
fn runs() -> u64 {
    std::env::var("FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
}

fn faults(seed: u64) -> Faults {
    Faults {
        seed,
        rate: 0.10,
        stall: Duration::from_millis(1500),
        ..Faults::default()
    }
}

/// Runs the command until it succeeds (at most 3 times); returns the runs it took.
fn converge(p: &Project, args: &[&str]) -> u32 {
    let mut said = String::new();
    for attempt in 1..=3 {
        let run = p.run_with(args, FAST);
        if run.code() == 0 {
            return attempt;
        }
        assert_eq!(
            run.code(),
            1,
            "{args:?} failed for another reason than AWS:\n{}",
            run.stderr()
        );
        eprintln!(
            "RERUN {} {args:?} after run {attempt}:\n{}",
            p.name,
            run.stderr()
        );
        said += &format!("--- run {attempt}:\n{}\n", run.stderr());
    }
    panic!(
        "{args:?} did not converge in 3 runs for {}:\n{said}",
        p.name
    );
}

/// The end state of a fault-free `up`, to compare the others with.
fn reference(aws: &Aws, name: &str) -> Value {
    let p = Project::new(name);
    p.up();
    aws.snapshot(name)
}

fn drift_memory(aws: &Aws, project: &str) {
    let n = common::Names::new(project);
    aws.block(
        aws.lambda
            .update_function_configuration()
            .function_name(&n.function)
            .memory_size(777)
            .send(),
    )
    .unwrap();
}

fn drift_code(aws: &Aws, project: &str) {
    let n = common::Names::new(project);
    let mut zip = Vec::new();
    {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut zip));
        w.start_file("bootstrap", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"not the handler").unwrap();
        w.finish().unwrap();
    }
    aws.block(
        aws.lambda
            .update_function_code()
            .function_name(&n.function)
            .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
            .send(),
    )
    .unwrap();
}

/// One band of seeds: fresh up, drifted up, update-code and teardown, each
/// under 10% injected faults.
fn seeded_band(band: u64) {
    let aws = Aws::new();
    let expected = reference(&aws, &format!("ref{band}"));
    let per_band = runs().div_ceil(5);
    let (mut commands, mut reruns, mut injected) = (0, 0, 0);
    for seed in band * per_band..(band + 1) * per_band {
        let name = format!("seed{seed}");
        let p = Project::with_faults(&name, faults(seed));
        for (label, args, drift) in [
            ("fresh up", &["up", "--yes"][..], None),
            (
                "drifted up",
                &["up", "--yes"],
                Some(drift_memory as fn(&Aws, &str)),
            ),
            (
                "update-code",
                &["update-code"],
                Some(drift_code as fn(&Aws, &str)),
            ),
        ] {
            if let Some(drift) = drift {
                drift(&aws, &name);
            }
            reruns += converge(&p, args) - 1;
            commands += 1;
            assert_eq!(
                aws.snapshot(&name),
                expected,
                "seed {seed}: {label} did not reach the fault-free end state"
            );
        }
        reruns += converge(&p, &["teardown", "--yes"]) - 1;
        commands += 1;
        assert!(
            aws.nothing_left(&name),
            "seed {seed}: teardown left something"
        );
        injected += p.recorder.injected().len();
    }
    eprintln!("FIGURES seeded band {band}: {commands} commands, {injected} faults injected, {reruns} reruns needed, 0 leftovers");
}

#[test]
fn seeded_faults_band_0() {
    seeded_band(0);
}
#[test]
fn seeded_faults_band_1() {
    seeded_band(1);
}
#[test]
fn seeded_faults_band_2() {
    seeded_band(2);
}
#[test]
fn seeded_faults_band_3() {
    seeded_band(3);
}
#[test]
fn seeded_faults_band_4() {
    seeded_band(4);
}

/// Crash points k of a fresh `up` with k % CRASH_BANDS == band: the bands
/// together cut after every request, each band in a test of its own so that
/// they run at once.
const CRASH_BANDS: usize = 3;

fn crash_band(band: usize) {
    let aws = Aws::new();
    let reference_name = format!("crashref{band}");
    let probe = Project::new(&reference_name);
    probe.up();
    let expected = aws.snapshot(&reference_name);
    let total = probe.recorder.calls().len();
    assert!(total > 10, "a fresh up makes {total} calls");
    // A run's count of calls is not fixed: how many looks Lambda's Pending
    // state takes depends on time. So the band goes on past the reference's
    // count until a run ends before its cut, and only such a run may succeed.
    let mut points = 0;
    for k in (band..).step_by(CRASH_BANDS) {
        assert!(
            k < total + 10,
            "every run of the band makes more than {k} calls (the reference made {total})"
        );
        let name = format!("crash{k}");
        let p = Project::with_faults(
            &name,
            Faults {
                cut_after: Some(k),
                ..Faults::default()
            },
        );
        let cut = p.run_with(&["up", "--yes"], FAST);
        let made = p.recorder.calls().len();
        if made <= k {
            assert_eq!(
                cut.code(),
                0,
                "no call was cut (the run made {made}), yet up failed:\n{}",
                cut.stderr()
            );
            p.recorder.set_faults(Faults::default());
            converge(&p, &["teardown", "--yes"]);
            if k + CRASH_BANDS >= total {
                break;
            }
            continue;
        }
        assert_ne!(
            cut.code(),
            0,
            "cut after {k} of {made} calls, yet up succeeded"
        );
        points += 1;
        p.recorder.set_faults(Faults::default());
        converge(&p, &["up", "--yes"]);
        assert_eq!(aws.snapshot(&name), expected, "after a crash at call {k}");
        converge(&p, &["teardown", "--yes"]);
        assert!(aws.nothing_left(&name), "after a crash at call {k}");
    }
    assert!(
        points * CRASH_BANDS + CRASH_BANDS > total,
        "only {points} crash points of a band cut a run of about {total} calls"
    );
    eprintln!("FIGURES crash band {band}: {points} crash points (every {CRASH_BANDS}th of about {total} calls of a fresh up), each finished by the next up, 0 leftovers");
}

#[test]
fn a_crash_after_any_request_of_a_fresh_up_is_finished_by_the_next_up_band_0() {
    crash_band(0);
}

#[test]
fn a_crash_after_any_request_of_a_fresh_up_is_finished_by_the_next_up_band_1() {
    crash_band(1);
}

#[test]
fn a_crash_after_any_request_of_a_fresh_up_is_finished_by_the_next_up_band_2() {
    crash_band(2);
}

#[test]
fn kill_9_at_any_moment_is_finished_by_the_next_up() {
    let aws = Aws::new();
    let expected = reference(&aws, "killref");
    let mut killed = 0;
    for i in 0..20u64 {
        let name = format!("kill{i}");
        // 40 ms a call stretches the run so that the kills land all along it.
        let p = Project::with_faults(
            &name,
            Faults {
                latency: Duration::from_millis(40),
                ..Faults::default()
            },
        );
        let mut child = p
            .command(&["up", "--yes"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100 + i * 25));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().unwrap();
        p.recorder.set_faults(Faults::default());
        converge(&p, &["up", "--yes"]);
        assert_eq!(
            aws.snapshot(&name),
            expected,
            "after kill -9 at {} ms",
            100 + i * 25
        );
        converge(&p, &["teardown", "--yes"]);
        assert!(aws.nothing_left(&name));
    }
    assert!(
        killed >= 10,
        "only {killed} of 20 runs were still going when killed"
    );
    eprintln!("FIGURES kill -9: {killed} runs killed mid-flight, each finished by the next up, 0 leftovers");
}
