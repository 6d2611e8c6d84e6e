//! Two runs at once on one stack: the stack's lock (a log group whose
//! creation is the lock) lets one write at a time, so two `up`s never make
//! two identity pools, and `up` against `teardown` ends in one of the two
//! states. A dead run's lock is taken over; a live one's stops the other
//! run before any write, unless it waits.

mod common;

use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use common::proxy::{Faults, Hook};
use common::{Aws, Project};

/// Starts `args` now; the caller collects it.
fn spawn(p: &Project, args: &[&str]) -> std::process::Child {
    p.command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start backend-ctl")
}

fn finish(child: std::process::Child) -> Output {
    child.wait_with_output().expect("wait for backend-ctl")
}

fn said(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn two_ups_at_once_make_one_stack_five_times_over() {
    let aws = Aws::new();
    for round in 0..5 {
        let name = format!("lockrace{round}");
        let p = Project::with_faults(
            &name,
            Faults {
                latency: Duration::from_millis(50),
                ..Faults::default()
            },
        );
        // Build once first, so that both runs reach AWS at the same moment.
        p.run(&["plan"]).ok();
        let (a, b) = (spawn(&p, &["up", "--yes"]), spawn(&p, &["up", "--yes"]));
        let (a, b) = (finish(a), finish(b));
        let codes = [a.status.code(), b.status.code()];
        for out in [&a, &b] {
            let code = out.status.code();
            assert!(
                code == Some(0) || code == Some(8),
                "round {round}: {codes:?}\n{}",
                said(out)
            );
            if code == Some(8) {
                let err = said(out);
                assert!(
                    err.contains(&format!("another run is changing {name}/dev: up by ")),
                    "{err}"
                );
                assert!(err.contains("--wait"), "{err}");
                assert!(err.contains("nothing was changed"), "{err}");
            }
        }
        assert!(codes.contains(&Some(0)), "round {round}: {codes:?}");
        assert_eq!(aws.pools(&p.names().pool).len(), 1, "round {round}");
        assert!(aws.function(&p.names().function).is_some());
        // Converged: a third up writes nothing, and takes no lock.
        p.recorder.clear();
        p.up();
        assert!(p.recorder.writes().is_empty(), "{:?}", p.recorder.writes());
        assert!(
            p.recorder.lock_writes().is_empty(),
            "{:?}",
            p.recorder.lock_writes()
        );
        p.run(&["teardown", "--yes"]).ok();
        assert!(aws.nothing_left(&name), "round {round}");
        assert!(aws
            .log_group(&format!("/backend-ctl/locks/{name}-dev"))
            .is_none());
    }
}

#[test]
fn with_wait_the_second_up_waits_then_finds_nothing_to_do() {
    let p = Project::with_faults(
        "lockwait",
        Faults {
            latency: Duration::from_millis(50),
            ..Faults::default()
        },
    );
    p.run(&["plan"]).ok();
    let (a, b) = (
        spawn(&p, &["up", "--yes", "--wait"]),
        spawn(&p, &["up", "--yes", "--wait"]),
    );
    let (a, b) = (finish(a), finish(b));
    assert_eq!(
        (a.status.code(), b.status.code()),
        (Some(0), Some(0)),
        "{}\n{}",
        said(&a),
        said(&b)
    );
    let aws = Aws::new();
    assert_eq!(aws.pools(&p.names().pool).len(), 1);
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left("lockwait"));
}

#[test]
fn up_against_teardown_ends_in_one_of_the_two_states() {
    let p = Project::with_faults(
        "lockboth",
        Faults {
            latency: Duration::from_millis(50),
            ..Faults::default()
        },
    );
    p.up();
    // Drift, so that up has something to write while teardown runs.
    p.write_config(&common::Settings {
        memory_mb: 256,
        ..common::Settings::default()
    });
    let (up, down) = (
        spawn(&p, &["up", "--yes", "--wait"]),
        spawn(&p, &["teardown", "--yes", "--wait"]),
    );
    let (up, down) = (finish(up), finish(down));
    assert_eq!(down.status.code(), Some(0), "{}", said(&down));
    let aws = Aws::new();
    let names = p.names();
    let whole = aws.function(&names.function).is_some()
        && aws.pools(&names.pool).len() == 1
        && aws.role(&names.exec_role).is_some()
        && aws.role(&names.unauth_role).is_some();
    // Teardown last: nothing; up last (it waited, then made it all again): all.
    assert!(
        aws.nothing_left("lockboth") || whole,
        "a half stack:\n{}\n{}",
        said(&up),
        said(&down)
    );
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left("lockboth"));
}

#[test]
fn a_dead_runs_lock_is_taken_over_and_a_live_ones_can_be_broken() {
    let p = Project::new("lockdead");
    let aws = Aws::new();
    let lock = "/backend-ctl/locks/lockdead-dev";
    let take = |who: &str| {
        aws.block(
            aws.logs
                .create_log_group()
                .log_group_name(lock)
                .tags("backend-ctl:lock-holder", who)
                .send(),
        )
        .unwrap();
    };
    // A run on this machine that has ended (kill -9, a crash): taken over at once.
    let mut ended = std::process::Command::new("true").spawn().unwrap();
    let pid = ended.id();
    ended.wait().unwrap();
    // This machine's name as backend-ctl tells it.
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .unwrap_or_else(|| {
            let out = std::process::Command::new("hostname").output().unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .trim()
        .to_string();
    take(&format!("up by someone@{host} pid {pid}"));
    let run = p.up();
    assert!(
        run.stderr()
            .contains("taking over the lock left by up by someone@"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("that process has ended"),
        "{}",
        run.stderr()
    );
    assert!(aws.log_group(lock).is_none(), "the lock is given back");

    // A run on this machine that still runs keeps its lock, however old:
    // taking it over would make two writers. --force-unlock breaks it.
    let mut running = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    take(&format!("up by someone@{host} pid {}", running.id()));
    p.write_config(&common::Settings {
        memory_mb: 192,
        ..common::Settings::default()
    });
    p.recorder.clear();
    let expired = [("BACKEND_CTL_LOCK_TTL_SECS", Some("0"))];
    let run = p.run_with(&["up", "--yes"], &expired).fails(
        8,
        &format!("another run is changing lockdead/dev: up by someone@{host} pid"),
    );
    assert!(
        run.stderr().contains("keeps the lock until it ends"),
        "{}",
        run.stderr()
    );
    assert!(p.recorder.writes().is_empty(), "{:?}", p.recorder.writes());
    p.run_with(&["up", "--yes", "--force-unlock"], &expired)
        .ok();
    running.kill().unwrap();
    running.wait().unwrap();
    assert!(aws.log_group(lock).is_none(), "the lock is given back");

    // A live run elsewhere: the next change stops before any write...
    take("up by ci@another-machine pid 1");
    p.write_config(&common::Settings {
        memory_mb: 256,
        ..common::Settings::default()
    });
    p.recorder.clear();
    let run = p.run(&["up", "--yes"]).fails(
        8,
        "another run is changing lockdead/dev: up by ci@another-machine pid 1",
    );
    assert!(run.stderr().contains("--force-unlock"), "{}", run.stderr());
    assert!(p.recorder.writes().is_empty(), "{:?}", p.recorder.writes());
    // ... until its time to live has passed,
    let run = p
        .run_with(
            &["up", "--yes"],
            &[("BACKEND_CTL_LOCK_TTL_SECS", Some("0"))],
        )
        .ok();
    assert!(
        run.stderr().contains("so that run has died"),
        "{}",
        run.stderr()
    );
    // or --force-unlock breaks it.
    take("teardown by ci@another-machine pid 1");
    let run = p.run(&["teardown", "--yes", "--force-unlock"]).ok();
    assert!(
        run.stderr()
            .contains("breaking the lock held by teardown by ci@another-machine"),
        "{}",
        run.stderr()
    );
    assert!(aws.nothing_left("lockdead"));
    assert!(aws.log_group(lock).is_none());
}

/// A project of the stack `name` whose first `DeleteLogGroup` (the
/// takeover's) waits `pause` between the run's read of the lock and the
/// delete, and which then holds the lock for at least `HELD`: its first
/// `CreateRole` (the first write under the lock) waits that long.
fn slow_to_delete(name: &str, pause: Duration) -> Project {
    let wait = |pause| Arc::new(move || std::thread::sleep(pause));
    Project::with_faults(
        name,
        Faults {
            before: vec![
                Hook("DeleteLogGroup", wait(pause)),
                Hook("CreateRole", wait(HELD)),
            ],
            ..Faults::default()
        },
    )
}

/// How long the winner of a takeover holds the lock at least: longer than
/// the other run takes to judge it, even on a loaded machine.
const HELD: Duration = Duration::from_secs(3);

#[test]
fn two_runs_taking_over_one_expired_lock_never_both_hold_it() {
    let aws = Aws::new();
    for round in 0..3 {
        let name = format!("locktake{round}");
        let lock = format!("/backend-ctl/locks/{name}-dev");
        // A lock of a run elsewhere, past its time to live for both runs
        // (the winner's own lock then is a live process's of this machine,
        // which no time to live expires).
        aws.block(
            aws.logs
                .create_log_group()
                .log_group_name(&lock)
                .tags("backend-ctl:lock-holder", "up by ci@another-machine pid 1")
                .send(),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        // Both read the old lock; one deletes it after 0.3 s, the other
        // after 1.5 s (by then the first one's fresh lock stands there).
        let first = slow_to_delete(&name, Duration::from_millis(300));
        let second = slow_to_delete(&name, Duration::from_millis(1500));
        first.run(&["plan"]).ok();
        let expired = |p: &Project| {
            let mut cmd = p.command(&["up", "--yes"]);
            cmd.env("BACKEND_CTL_LOCK_TTL_SECS", "0")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().expect("start backend-ctl")
        };
        let (a, b) = (expired(&first), expired(&second));
        let (a, b) = (finish(a), finish(b));
        let codes = [a.status.code(), b.status.code()];
        assert!(
            codes.contains(&Some(0)) && codes.contains(&Some(8)),
            "round {round}: exactly one run may hold the lock, the other exits 8: {codes:?}\n--- first:\n{}\n--- second:\n{}",
            said(&a),
            said(&b)
        );
        let loser = if a.status.code() == Some(8) { &a } else { &b };
        assert!(
            said(loser).contains("nothing was changed"),
            "{}",
            said(loser)
        );
        let lost = if a.status.code() == Some(8) {
            &first
        } else {
            &second
        };
        assert!(
            lost.recorder.writes().is_empty(),
            "the run that lost wrote {:?}",
            lost.recorder.writes()
        );
        assert_eq!(aws.pools(&first.names().pool).len(), 1, "round {round}");
        assert!(aws.log_group(&lock).is_none(), "the winner gave it back");
        first.run(&["teardown", "--yes"]).ok();
        assert!(aws.nothing_left(&name));
    }
}
