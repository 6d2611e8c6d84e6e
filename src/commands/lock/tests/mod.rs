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
