//! Holding the stack's lock while `up`, `update-code` or `teardown` writes:
//! taken only when there is something to write (a run with nothing to do
//! still makes no write), before the reads the applied plan comes from, and
//! given back whatever the outcome. A lock older than its time to live is a
//! dead run's, and is taken over; `--force-unlock` breaks one at once.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::aws::lock::{self, Holder, Takeover};
use crate::aws::retry::Patience;
use crate::aws::Clients;
use crate::cli::LockFlags;
use crate::desired::Names;
use crate::error::Error;
use crate::progress::Progress;

/// How long a lock lives: longer than any run (IAM's and Lambda's waits are
/// 5 minutes each). `BACKEND_CTL_LOCK_TTL_SECS` shortens it (the tests do).
fn ttl() -> Duration {
    let secs = std::env::var("BACKEND_CTL_LOCK_TTL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30 * 60);
    Duration::from_secs(secs)
}

/// How often `--wait` looks again.
const POLL: Duration = Duration::from_millis(500);

fn now_ms() -> i64 {
    super::logs::now_ms()
}

/// Tag values allow letters, digits, spaces and `_.:/=+-@` only.
fn tag_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// This machine's name, as well as it can be told.
fn host() -> String {
    let from_command = || {
        std::process::Command::new("hostname")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .or_else(from_command)
        .map(|h| bounded(&tag_safe(h.trim()), HOST_MAX))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Longest user and host names the holder tag keeps: a tag value has at
/// most 256 characters, and the pid at its end must survive.
const USER_MAX: usize = 64;
const HOST_MAX: usize = 128;

fn bounded(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// This run, as the lock's holder tag names it: `{command} by {user}@{host} pid {pid}`
/// (at most 256 characters, as tag values are).
fn holder_name(command: &str) -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "someone".into());
    holder_text(command, &user, &host(), std::process::id())
}

fn holder_text(command: &str, user: &str, host: &str, pid: u32) -> String {
    format!(
        "{command} by {}@{} pid {pid}",
        bounded(&tag_safe(user), USER_MAX),
        bounded(&tag_safe(host), HOST_MAX),
    )
}

/// The host and process id a holder tag names.
fn holder_process(who: &str) -> Option<(&str, u32)> {
    let (rest, pid) = who.rsplit_once(" pid ")?;
    let host = rest.rsplit_once('@')?.1;
    Some((host, pid.parse().ok()?))
}

/// Whether a process runs on this machine. A process of another user is
/// alive too: `kill -0` fails for it with EPERM, not only for a process
/// that has ended (ESRCH), so on Linux `/proc` tells, and elsewhere the
/// error does. Where neither can be told, the lock waits for its time to live.
fn alive(pid: u32) -> bool {
    if !cfg!(unix) {
        return true;
    }
    if cfg!(target_os = "linux") && std::path::Path::new("/proc/self").exists() {
        return std::path::Path::new(&format!("/proc/{pid}")).exists();
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .output()
        .map_or(true, |o| {
            kill_says_alive(o.status.success(), &String::from_utf8_lossy(&o.stderr))
        })
}

/// What `kill -0 {pid}` says of a process: alive unless it failed for
/// another reason than a permission (EPERM: another user's process).
fn kill_says_alive(succeeded: bool, stderr: &str) -> bool {
    succeeded || stderr.to_ascii_lowercase().contains("not permitted")
}

/// When a process of this machine started, in ms since the epoch, where
/// the system tells it (Linux's `/proc`).
fn started_ms(pid: u32) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let boot = std::fs::read_to_string("/proc/stat").ok()?;
    start_from_proc(&stat, &boot)
}

/// `/proc` counts in `USER_HZ` ticks, 100 a second on every Linux ABI.
const USER_HZ: i64 = 100;

/// A process's start from its `/proc/{pid}/stat` (field 22, ticks after
/// boot; the name in field 2 may hold spaces and parentheses, so fields are
/// counted after its last `)`) and the boot time in `/proc/stat`.
fn start_from_proc(stat: &str, boot: &str) -> Option<i64> {
    let btime: i64 = boot
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let ticks: i64 = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    Some(btime * 1000 + ticks * 1000 / USER_HZ)
}

/// A holder's process started before it made its lock; one that started
/// this much later is another process given the same pid. The margin covers
/// the skew between this machine's clock and AWS's, which dates the lock.
const REUSED_AFTER_MS: i64 = 60_000;

/// Whose lock it is: this very run's (a retried create that had gone
/// through), a run on this machine that has ended (a crash, `kill -9`; or
/// its pid is another process's now), one that runs on this machine, or a
/// run whose life cannot be seen from here (another machine's).
#[derive(Debug, PartialEq, Eq)]
enum Whose {
    Ours,
    Dead,
    Running,
    Other,
}

fn whose(holder: &Holder) -> Whose {
    let Some((h, pid)) = holder_process(&holder.who) else {
        return Whose::Other;
    };
    if h != host() {
        return Whose::Other;
    }
    let ours = pid == std::process::id();
    if !ours && !alive(pid) {
        return Whose::Dead;
    }
    match started_ms(pid) {
        Some(at) if at > holder.since_ms + REUSED_AFTER_MS => Whose::Dead,
        _ if ours => Whose::Ours,
        Some(_) => Whose::Running,
        // Alive, but maybe under a reused pid: its time to live decides.
        None => Whose::Other,
    }
}

fn since(holder: &Holder) -> String {
    let age = Duration::from_millis((now_ms() - holder.since_ms).max(0) as u64);
    format!(
        "since {} ({} s ago)",
        super::logs::format_time(holder.since_ms),
        age.as_secs()
    )
}

/// Runs `body` holding the stack's lock.
pub async fn hold<T, F, Fut>(
    clients: &Clients,
    progress: &Progress,
    names: &Names,
    command: &str,
    flags: &LockFlags,
    body: F,
) -> Result<T, Error>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let name = names.lock.clone();
    let patience = Patience::new(progress, &clients.limits);
    if flags.force_unlock {
        if let Some(holder) = lock::find(&clients.logs, &name).await? {
            progress.note(&format!(
                "breaking the lock held by {} {}, as --force-unlock asks",
                holder.who,
                since(&holder)
            ));
            // Claimed like a takeover: of two runs breaking it at once, one
            // deletes it; the other then finds the first one's lock.
            lock::take_over(&clients.logs, &name, &holder, patience, now_ms()).await?;
        }
    }
    let who = holder_name(command);
    let (started, ttl) = (Instant::now(), ttl());
    let mut said = false;
    while let Some(holder) = lock::acquire(&clients.logs, &name, &who, &names.tags()).await? {
        let age = Duration::from_millis((now_ms() - holder.since_ms).max(0) as u64);
        let judged = whose(&holder);
        let dead = match judged {
            Whose::Ours => break,
            Whose::Dead => Some("that process has ended".to_string()),
            Whose::Other if holder.since_ms > 0 && age > ttl => Some(format!(
                "it is older than {} s, so that run has died",
                ttl.as_secs()
            )),
            Whose::Running | Whose::Other => None,
        };
        let busy = |what: &str, hint: &str| {
            Error::Busy(format!(
                "another run is {what} {}/{}: {}, {}; nothing was changed\n  hint: {hint}",
                names.project,
                names.stage,
                holder.who,
                since(&holder)
            ))
        };
        let give_up = !flags.wait || started.elapsed() > ttl;
        if let Some(why) = dead {
            progress.note(&format!(
                "taking over the lock left by {} {}: {why}",
                holder.who,
                since(&holder)
            ));
            match lock::take_over(&clients.logs, &name, &holder, patience, now_ms()).await? {
                Takeover::Done => continue,
                // Another run claimed this very lock first: its takeover is
                // under way. Any other lock there now is looked at afresh.
                Takeover::Contended(Some(now)) if now.since_ms == holder.since_ms => {
                    if give_up {
                        return Err(busy(
                            "taking over the lock of",
                            "retry in a moment, or wait for it with --wait",
                        ));
                    }
                    tokio::time::sleep(POLL).await;
                    continue;
                }
                Takeover::Contended(_) => continue,
            }
        }
        if give_up {
            let hint = match judged {
                Whose::Running => "retry once it ends, or wait for it with --wait; it runs on this machine, so it keeps the lock until it ends (if it hangs, stop it, or --force-unlock breaks its lock)".to_string(),
                _ => format!("retry once it ends, or wait for it with --wait; if that run died, --force-unlock breaks its lock (which expires by itself after {} s)", ttl.as_secs()),
            };
            return Err(busy("changing", &hint));
        }
        if !said {
            progress.note(&format!(
                "waiting for {} to finish ({}), as --wait asks",
                holder.who,
                since(&holder)
            ));
            said = true;
        }
        tokio::time::sleep(POLL).await;
    }
    let out = body().await;
    let released = lock::release(&clients.logs, &name, patience).await;
    match (out, released) {
        (Ok(value), Ok(())) => Ok(value),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests;
