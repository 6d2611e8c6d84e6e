//! `logs`: the function's log lines from CloudWatch Logs, read with the
//! developer's credentials; `--follow` polls about once a second, from a
//! little before the newest line seen, and never prints a line twice.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::aws::log_events::{self, Event};
use crate::aws::Clients;
use crate::cli::{Cli, Output};
use crate::config::Config;
use crate::desired::Names;
use crate::error::{Error, InputError};
use crate::progress::Progress;

/// How often `--follow` asks for new lines.
const POLL: Duration = Duration::from_secs(1);

/// How far before the newest line seen each poll starts again: lines from
/// several streams reach CloudWatch late and out of order, and a poll that
/// started only at the newest one would skip them.
const LOOKBACK_MS: i64 = 30_000;

/// Reads `--since`: a duration back from `now_ms` (`30s`, `10m`, `2h`,
/// `1d`), or an RFC 3339 time. Pure.
pub fn parse_since(text: &str, now_ms: i64) -> Result<i64, InputError> {
    let bad = |why: String| {
        InputError::Flag {
        flag: "--since",
        message: format!(
            "\"{text}\" {why}\n  hint: use a duration back from now (30s, 10m, 2h, 1d) or a time like 2026-11-25T09:00:00Z"
        ),
    }
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(bad("is empty".into()));
    }
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) && !trimmed.contains('-') {
        let back = humantime::parse_duration(trimmed)
            .map_err(|e| bad(format!("is not a duration ({e})")))?;
        let back = i64::try_from(back.as_millis()).map_err(|_| bad("is too long ago".into()))?;
        return Ok(now_ms.saturating_sub(back));
    }
    let at = humantime::parse_rfc3339_weak(trimmed)
        .map_err(|e| bad(format!("is not an RFC 3339 time ({e})")))?;
    let ms = at
        .duration_since(UNIX_EPOCH)
        .map_err(|_| bad("is before 1970".into()))?
        .as_millis();
    i64::try_from(ms).map_err(|_| bad("is too far ahead".into()))
}

/// `2026-11-25T09:00:00.123Z` for a timestamp in milliseconds.
pub fn format_time(ms: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(at).to_string()
}

/// One line of output: the time, two spaces, the message without its
/// trailing newline (Lambda ends every message with one).
pub fn render(event: &Event, output: Output) -> String {
    let message = event.message.trim_end_matches(['\n', '\r']);
    match output {
        Output::Text => format!("{}  {message}", format_time(event.timestamp)),
        Output::Json => json!({
            "time": format_time(event.timestamp),
            "timestamp": event.timestamp,
            "stream": event.stream,
            "id": event.id,
            "message": message,
        })
        .to_string(),
    }
}

/// The events of a poll not printed yet, remembering them; forgets ids
/// older than the next poll's start, which can no longer come back.
pub fn fresh(seen: &mut HashMap<String, i64>, events: Vec<Event>) -> (Vec<Event>, Option<i64>) {
    let new: Vec<Event> = events
        .into_iter()
        .filter(|e| !seen.contains_key(&e.id))
        .collect();
    for e in &new {
        seen.insert(e.id.clone(), e.timestamp);
    }
    let newest = seen.values().copied().max();
    if let Some(newest) = newest {
        seen.retain(|_, ts| *ts >= newest - LOOKBACK_MS);
    }
    (new, newest)
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub async fn logs(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    start: i64,
    follow: bool,
    filter: Option<&str>,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let group = &names.log_group;
    let mut seen = HashMap::new();
    let mut from = start;
    let mut said_missing = false;
    // Listening from the start, so that Ctrl-C during a read also ends cleanly.
    let mut stop = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let read = tokio::select! {
            read = log_events::since(&clients.logs, group, from, filter) => read?,
            _ = &mut stop => return Ok(()),
        };
        match read {
            None if !follow => {
                progress.note(&format!(
                    "log group {group} does not exist yet: run `backend-ctl up` (it makes the group), then invoke the function"
                ));
                return Ok(());
            }
            None => {
                if !said_missing {
                    progress.note(&format!(
                        "log group {group} does not exist yet; waiting for it (Ctrl-C stops)"
                    ));
                    said_missing = true;
                }
            }
            Some(events) => {
                let (new, newest) = fresh(&mut seen, events);
                for event in &new {
                    println!("{}", render(event, cli.output));
                }
                if let Some(newest) = newest {
                    from = (newest - LOOKBACK_MS).max(start);
                }
            }
        }
        if !follow {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = &mut stop => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
