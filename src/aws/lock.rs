//! The stack's lock: a CloudWatch Logs log group,
//! `/backend-ctl/locks/{project}-{stage}` (`Names::lock`). Creating it is taking the lock:
//! `CreateLogGroup` refuses a name that exists, so of two runs at once one
//! wins and the other is told; deleting it gives the lock back. It holds no
//! events, so it costs nothing, and exists only while a run writes. Its tags
//! name the holder; its creation time, set by AWS, dates it.
//!
//! Taking over a dead run's lock is a delete that no precondition guards,
//! so two runs that both judged it dead could each delete it, the second
//! deleting the lock the first had just made. A takeover therefore first
//! claims that very lock: a log stream `takeover-{creation time}-{n}` made
//! inside it. `CreateLogStream` refuses a name that exists, so one claimant
//! wins; the streams go when their group goes, so a claim can only ever be
//! on the lock it judged; and the winner reads the lock again (the same
//! creation time) before it deletes it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;

use super::retry::Patience;
use crate::error::AwsError;

/// The tag that names the run holding the lock.
pub const TAG_HOLDER: &str = "backend-ctl:lock-holder";

/// Who holds the lock, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `{command} by {user}@{host} (pid {pid})`, as the holder wrote it.
    pub who: String,
    /// When the lock was taken (the group's creation time), in ms since the epoch.
    pub since_ms: i64,
}

/// Takes the lock: `Ok(None)` when taken, `Ok(Some(holder))` when another
/// run holds it.
pub async fn acquire(
    logs: &Client,
    name: &str,
    who: &str,
    tags: &BTreeMap<String, String>,
) -> Result<Option<Holder>, AwsError> {
    let mut tags: HashMap<String, String> = tags.clone().into_iter().collect();
    tags.insert(TAG_HOLDER.to_string(), who.to_string());
    // Released between a refused create and the read: try again (a few times).
    for _ in 0..3 {
        match logs
            .create_log_group()
            .log_group_name(name)
            .set_tags(Some(tags.clone()))
            .send()
            .await
        {
            Ok(_) => return Ok(None),
            // Two creates at once: the loser may be told the operation was
            // aborted instead of that the group exists. Both are contention.
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.is_resource_already_exists_exception() || s.is_operation_aborted_exception()
                }) =>
            {
                if let Some(holder) = find(logs, name).await? {
                    return Ok(Some(holder));
                }
            }
            Err(e) => return Err(super::failed(format!("taking the lock {name}"), e)),
        }
    }
    Ok(Some(Holder {
        who: "runs that keep taking and giving it back".into(),
        since_ms: 0,
    }))
}

/// Who holds the lock, if anyone.
pub async fn find(logs: &Client, name: &str) -> Result<Option<Holder>, AwsError> {
    Ok(super::log_group::read(logs, name)
        .await?
        .map(|found| Holder {
            who: found
                .tags
                .get(TAG_HOLDER)
                .cloned()
                .unwrap_or_else(|| "an unnamed run".into()),
            since_ms: found.created_ms,
        }))
}

/// Gives the lock back (or breaks another's); a missing lock is success.
pub async fn release(logs: &Client, name: &str, patience: Patience<'_>) -> Result<(), AwsError> {
    super::log_group::delete(logs, name, patience)
        .await
        .map_err(|mut e| {
            e.action = format!("releasing the lock {name}");
            e
        })
}

/// How long a takeover's claim stands: a takeover is two calls, so a claim
/// older than this is a run that died while taking over.
pub const CLAIM_TTL: Duration = Duration::from_secs(30);

/// What came of a takeover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Takeover {
    /// The judged lock is gone (deleted by this run, or already): take the lock.
    Done,
    /// Another run claimed the takeover first, or the lock is another one
    /// now: the lock as read after the claim (`None`: gone meanwhile).
    Contended(Option<Holder>),
}

/// Takes over the lock `judged` (a dead run's, or one `--force-unlock`
/// breaks): claims it, reads it again, deletes it. Never deletes a lock
/// other than `judged`, nor one another run claimed first.
pub async fn take_over(
    logs: &Client,
    name: &str,
    judged: &Holder,
    patience: Patience<'_>,
    now_ms: i64,
) -> Result<Takeover, AwsError> {
    let action = || format!("taking over the lock {name}");
    let mut claimed = false;
    for n in 1..=5 {
        let stream = format!("takeover-{}-{n}", judged.since_ms);
        match logs
            .create_log_stream()
            .log_group_name(name)
            .log_stream_name(&stream)
            .send()
            .await
        {
            Ok(_) => {
                claimed = true;
                break;
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Ok(Takeover::Done);
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_already_exists_exception()) =>
            {
                match claim_made_ms(logs, name, &stream).await? {
                    Some(at) if now_ms - at < CLAIM_TTL.as_millis() as i64 => {
                        return Ok(Takeover::Contended(find(logs, name).await?))
                    }
                    // A claim of a run that died taking over: claim after it.
                    _ => continue,
                }
            }
            Err(e) => return Err(super::failed(action(), e)),
        }
    }
    if !claimed {
        return Ok(Takeover::Contended(find(logs, name).await?));
    }
    match find(logs, name).await? {
        None => Ok(Takeover::Done),
        Some(now) if now.since_ms != judged.since_ms => Ok(Takeover::Contended(Some(now))),
        Some(_) => {
            release(logs, name, patience).await?;
            Ok(Takeover::Done)
        }
    }
}

/// When the claim stream `stream` of the lock was made, if it still exists.
async fn claim_made_ms(logs: &Client, name: &str, stream: &str) -> Result<Option<i64>, AwsError> {
    match logs
        .describe_log_streams()
        .log_group_name(name)
        .log_stream_name_prefix(stream)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .log_streams()
            .iter()
            .find(|s| s.log_stream_name() == Some(stream))
            .and_then(|s| s.creation_time())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(super::failed(
            format!("reading the claims on the lock {name}"),
            e,
        )),
    }
}
