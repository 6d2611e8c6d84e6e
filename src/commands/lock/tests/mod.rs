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

#[test]
fn this_run_is_ours_an_ended_process_here_is_dead_and_elsewhere_is_other() {
    assert_eq!(whose(&holder_name("up")), Whose::Ours);
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let ended = format!("up by someone@{} pid {pid}", host());
    if cfg!(unix) {
        assert_eq!(whose(&ended), Whose::Dead);
    }
    assert_eq!(
        whose(&format!("up by someone@another-{} pid 1", host())),
        Whose::Other
    );
    // A live process of this machine (pid 1 always runs) is another run.
    assert_eq!(
        whose(&format!("up by someone@{} pid 1", host())),
        Whose::Other
    );
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
