//! Whose lock it is, from the holder tag and this machine's processes.

use super::*;

#[test]
fn a_holder_names_its_host_and_process() {
    let who = holder_name("up");
    assert!(who.starts_with("up by "), "{who}");
    assert_eq!(
        holder_process(&who),
        Some((host().as_str(), std::process::id()))
    );
    assert_eq!(
        holder_process("up by ci@runner-7 pid 4242"),
        Some(("runner-7", 4242))
    );
    assert_eq!(holder_process("an unnamed run"), None);
}

fn held(who: String, since_ms: i64) -> Holder {
    Holder { who, since_ms }
}

#[test]
fn this_run_is_ours_an_ended_process_here_is_dead_and_elsewhere_is_other() {
    assert_eq!(whose(&held(holder_name("up"), now_ms())), Whose::Ours);
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let ended = format!("up by someone@{} pid {pid}", host());
    if cfg!(unix) {
        assert_eq!(whose(&held(ended, now_ms())), Whose::Dead);
    }
    assert_eq!(
        whose(&held(format!("up by someone@another-{} pid 1", host()), 0)),
        Whose::Other
    );
}

#[test]
fn a_running_process_here_keeps_its_lock_unless_it_started_after_the_lock() {
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let here = format!("up by someone@{} pid {}", host(), child.id());
    let (fresh, old) = (
        whose(&held(here.clone(), now_ms())),
        whose(&held(here, now_ms() - 10 * REUSED_AFTER_MS)),
    );
    child.kill().unwrap();
    child.wait().unwrap();
    if started_ms(std::process::id()).is_some() {
        // Made after the process started: the process's, whatever its age.
        assert_eq!(fresh, Whose::Running);
        // Made long before the process started: that pid is reused.
        assert_eq!(old, Whose::Dead);
    } else if cfg!(unix) {
        // Where start times cannot be read, its time to live decides.
        assert_eq!((fresh, old), (Whose::Other, Whose::Other));
    }
    // A retried create of this very run is ours; under a reused pid it is not.
    let mine = holder_name("up");
    assert_eq!(whose(&held(mine.clone(), now_ms())), Whose::Ours);
    if started_ms(std::process::id()).is_some() {
        assert_eq!(whose(&held(mine, 0)), Whose::Dead);
    }
}

#[test]
fn a_start_time_is_read_past_a_name_with_spaces_and_parentheses() {
    // Field 22 is 1234 ticks (12.34 s) after a boot at 1,700,000,000 s.
    let stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 1234 9 9";
    let boot = "cpu  1 2 3\nbtime 1700000000\nprocesses 9\n";
    assert_eq!(start_from_proc(stat, boot), Some(1_700_000_012_340));
    assert_eq!(start_from_proc(stat, "cpu 1 2 3\n"), None);
    assert_eq!(start_from_proc("4242 (x) S 1", boot), None);
    if cfg!(target_os = "linux") {
        let me = started_ms(std::process::id()).unwrap();
        assert!(me <= now_ms() + 1000 && me > now_ms() - 3_600_000, "{me}");
    }
}

#[test]
fn tag_values_keep_only_what_logs_tags_allow() {
    assert_eq!(tag_safe("me@box (1)"), "me@box -1-");
}

#[test]
fn the_holder_tag_fits_256_characters_and_keeps_its_pid() {
    let (user, host) = ("u".repeat(300), format!("{}.example.com", "h".repeat(300)));
    let who = holder_text("teardown", &user, &host, 4_294_967_295);
    assert!(who.chars().count() <= 256, "{} characters", who.len());
    assert_eq!(
        holder_process(&who),
        Some(("h".repeat(HOST_MAX).as_str(), 4_294_967_295))
    );
}

#[test]
fn a_process_kill_may_not_signal_is_alive() {
    assert!(kill_says_alive(true, ""));
    assert!(kill_says_alive(
        false,
        "bash: kill: (4242) - Operation not permitted"
    ));
    assert!(!kill_says_alive(
        false,
        "bash: kill: (4242) - No such process"
    ));
}
