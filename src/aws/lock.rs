//! The stack's lock: a CloudWatch Logs log group,
//! `/backend-ctl/locks/{project}-{stage}` (`Names::lock`). Creating it is taking the lock:
//! `CreateLogGroup` refuses a name that exists, so of two runs at once one
//! wins and the other is told; deleting it gives the lock back. It holds no
//! events, so it costs nothing, and exists only while a run writes. Its tags
//! name the holder; its creation time, set by AWS, dates it.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudwatchlogs::Client;

use super::retry::{logs_aborted, Patience};
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
    match logs
        .create_log_group()
        .log_group_name(name)
        .set_tags(Some(tags))
        .send()
        .await
    {
        Ok(_) => Ok(None),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_already_exists_exception()) =>
        {
            // Released between the two calls: free again, but not ours yet.
            Ok(Some(find(logs, name).await?.unwrap_or(Holder {
                who: "a run that has just finished".into(),
                since_ms: 0,
            })))
        }
        Err(e) => Err(super::failed(format!("taking the lock {name}"), e)),
    }
}

/// Who holds the lock, if anyone.
pub async fn find(logs: &Client, name: &str) -> Result<Option<Holder>, AwsError> {
    let action = format!("reading the lock {name}");
    let groups: Vec<_> = logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| super::failed(action.clone(), e))?;
    let Some(group) = groups
        .into_iter()
        .find(|g| g.log_group_name() == Some(name))
    else {
        return Ok(None);
    };
    let since_ms = group.creation_time().unwrap_or_default();
    let arn = group
        .log_group_arn()
        .map(str::to_string)
        .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()))
        .unwrap_or_default();
    let who = match logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
    {
        Ok(out) => out
            .tags()
            .and_then(|t| t.get(TAG_HOLDER).cloned())
            .unwrap_or_else(|| "an unnamed run".into()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(super::failed(action, e)),
    };
    Ok(Some(Holder { who, since_ms }))
}

/// Gives the lock back (or breaks another's); a missing lock is success.
pub async fn release(logs: &Client, name: &str, patience: Patience<'_>) -> Result<(), AwsError> {
    match patience
        .while_conflicting(
            &format!("the lock {name} to accept another change"),
            logs_aborted,
            || logs.delete_log_group().log_group_name(name).send(),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(format!("releasing the lock {name}"), e)),
    }
}
