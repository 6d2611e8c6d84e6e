//! The function's CloudWatch Logs group, `/aws/lambda/{function}`: made by us
//! before the function (else Lambda makes an untagged one that keeps logs
//! forever), with our tags and a retention, and deleted by `teardown`.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudwatchlogs::Client;

use super::retry::{logs_aborted, Patience};
use crate::error::AwsError;
use crate::observed::LogGroupState;

/// The group's ARN as tagging calls want it: without the `:*` that
/// `DescribeLogGroups` appends in `arn`.
fn bare_arn(arn: &str) -> String {
    arn.strip_suffix(":*").unwrap_or(arn).to_string()
}

/// A log group as read: its ARN (without `:*`), retention, creation time
/// (ms since the epoch, set by AWS) and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub arn: String,
    pub retention_days: Option<i32>,
    pub created_ms: i64,
    pub tags: BTreeMap<String, String>,
}

/// Reads the group, its retention and its tags; a missing group is `None`.
pub async fn find(logs: &Client, name: &str) -> Result<Option<LogGroupState>, AwsError> {
    Ok(read(logs, name).await?.map(|found| LogGroupState {
        arn: found.arn,
        retention_days: found.retention_days,
        tags: found.tags,
    }))
}

/// Reads the group with exactly this name (and its tags); a missing group,
/// or one deleted between the two reads, is `None`.
pub async fn read(logs: &Client, name: &str) -> Result<Option<Found>, AwsError> {
    let action = format!("reading CloudWatch Logs Log Group ({name})");
    let groups: Vec<_> = logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| super::failed(action.clone(), e))?;
    // A prefix also matches `/aws/lambda/{function}-other`: only ours counts.
    let Some(group) = groups
        .into_iter()
        .find(|g| g.log_group_name() == Some(name))
    else {
        return Ok(None);
    };
    let arn = match (group.log_group_arn(), group.arn()) {
        (Some(arn), _) => arn.to_string(),
        (None, Some(arn)) => bare_arn(arn),
        (None, None) => {
            return Err(AwsError {
                action,
                cause: "DescribeLogGroups returned the group without an ARN".into(),
                hint: None,
                denied: None,
            })
        }
    };
    let tags = match logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
    {
        Ok(out) => out
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        // Deleted between the two reads: it is gone.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(super::failed(action, e)),
    };
    Ok(Some(Found {
        arn,
        retention_days: group.retention_in_days(),
        created_ms: group.creation_time().unwrap_or_default(),
        tags,
    }))
}

/// Creates the group with our tags (its retention is set apart, see
/// `set_retention`). A group that exists already with our tags (a retried
/// create whose answer was lost) is taken as is.
pub async fn create(
    logs: &Client,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let tag_map: HashMap<String, String> = tags.clone().into_iter().collect();
    let created = logs
        .create_log_group()
        .log_group_name(name)
        .set_tags(Some(tag_map))
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_already_exists_exception()) =>
        {
            match find(logs, name).await? {
                Some(g) if tags.iter().all(|(k, v)| g.tags.get(k) == Some(v)) => {}
                _ => {
                    return Err(super::failed(
                        format!("creating CloudWatch Logs Log Group ({name})"),
                        e,
                    ))
                }
            }
        }
        Err(e) => {
            return Err(super::failed(
                format!("creating CloudWatch Logs Log Group ({name})"),
                e,
            ))
        }
    }
    Ok(())
}

/// Sets how long the group keeps its events. Right after the group was made
/// or tagged, CloudWatch Logs can refuse with `OperationAbortedException`
/// (aws-cdk#15709); that is waited out.
pub async fn set_retention(
    logs: &Client,
    name: &str,
    days: u32,
    patience: Patience<'_>,
) -> Result<(), AwsError> {
    patience
        .while_conflicting(
            &format!("log group {name} to accept another change"),
            logs_aborted,
            || {
                logs.put_retention_policy()
                    .log_group_name(name)
                    .retention_in_days(days as i32)
                    .send()
            },
        )
        .await
        .map_err(|e| {
            super::failed(
                format!("setting CloudWatch Logs Log Group ({name}) retention to {days} days"),
                e,
            )
        })?;
    Ok(())
}

/// Puts our tags on a group (adopting the one Lambda made for our function).
pub async fn tag(
    logs: &Client,
    arn: &str,
    tags: &BTreeMap<String, String>,
    patience: Patience<'_>,
) -> Result<(), AwsError> {
    let tags: HashMap<String, String> = tags.clone().into_iter().collect();
    patience
        .while_conflicting(
            &format!("log group {arn} to accept another change"),
            logs_aborted,
            || {
                logs.tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(tags.clone()))
                    .send()
            },
        )
        .await
        .map_err(|e| super::failed(format!("tagging CloudWatch Logs Log Group ({arn})"), e))?;
    Ok(())
}

/// Deletes the group and its events; a missing group is success.
pub async fn delete(logs: &Client, name: &str, patience: Patience<'_>) -> Result<(), AwsError> {
    match patience
        .while_conflicting(
            &format!("log group {name} to accept another change"),
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
        Err(e) => Err(super::failed(
            format!("deleting CloudWatch Logs Log Group ({name})"),
            e,
        )),
    }
}
