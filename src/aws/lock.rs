//! The stack's lock: a CloudWatch Logs log group,
//! `/backend-ctl/locks/{project}-{stage}` (`Names::lock`). Creating it is taking the lock:
//! `CreateLogGroup` refuses a name that exists, so of two runs at once one
//! wins and the other is told; deleting it gives the lock back. It holds no
//! events, so it costs nothing, and exists only while a run writes. Its tags
//! name the holder; its creation time, set by AWS, dates it.

use std::collections::{BTreeMap, HashMap};

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
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_already_exists_exception()) =>
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
