//! IAM roles: the execution role and the unauthenticated role.

use std::collections::BTreeMap;

use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::operation::delete_role::DeleteRoleError;
use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use serde_json::Value;

use super::retry::{iam_concurrent, Patience};
use crate::error::AwsError;
use crate::observed::{RoleState, Tags};
use crate::policy;

fn decode(action: &str, doc: Option<&str>) -> Result<Value, AwsError> {
    policy::decode(doc.unwrap_or("{}")).map_err(|cause| AwsError {
        action: action.to_string(),
        cause,
        hint: None,
        denied: None,
    })
}

/// A role as `GetRole` shows it: ARN, trust policy, tags.
struct Found {
    arn: String,
    trust: Value,
    tags: Tags,
}

/// Reads the role alone; a missing role is `None`.
async fn get(iam: &Client, name: &str) -> Result<Option<Found>, AwsError> {
    let action = format!("reading IAM Role ({name})");
    let role = match iam.get_role().role_name(name).send().await {
        Ok(out) => out.role,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(super::failed(action, e)),
    };
    let Some(role) = role else { return Ok(None) };
    Ok(Some(Found {
        arn: role.arn().to_string(),
        trust: decode(&action, role.assume_role_policy_document())?,
        tags: role
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    }))
}

/// Reads a role, its inline policy `policy_name`, and any other policy on it
/// (inline or attached), all at once; a missing role is `None`.
pub async fn find(
    iam: &Client,
    name: &str,
    policy_name: &str,
) -> Result<Option<RoleState>, AwsError> {
    let (role, policy, extra) = tokio::join!(
        get(iam, name),
        super::role_policy::find(iam, name, policy_name),
        super::role_policy::others(iam, name, policy_name),
    );
    let Some(role) = role? else { return Ok(None) };
    Ok(Some(RoleState {
        arn: role.arn,
        trust: role.trust,
        tags: role.tags,
        // A role that vanished between the reads has no policy either.
        policy: policy?,
        extra: extra?,
    }))
}

/// Creates a role with its trust policy and our tags; returns its ARN. When
/// the role exists already with our tags (a retried create whose answer was
/// lost), it is adopted and its trust policy put back.
pub async fn create(
    iam: &Client,
    name: &str,
    trust: &Value,
    tags: &BTreeMap<String, String>,
    patience: Patience<'_>,
) -> Result<String, AwsError> {
    let action = format!("creating IAM Role ({name})");
    let iam_tags: Vec<Tag> = tags
        .iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let created = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust.to_string())
        .description("Managed by backend-ctl")
        .set_tags(Some(iam_tags))
        .send()
        .await;
    match created {
        Ok(out) => Ok(out.role().map(|r| r.arn().to_string()).unwrap_or_default()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_entity_already_exists_exception()) =>
        {
            match get(iam, name).await? {
                Some(found) if tags.iter().all(|(k, v)| found.tags.get(k) == Some(v)) => {
                    update(iam, name, trust, patience).await?;
                    Ok(found.arn)
                }
                _ => Err(super::failed(action, e)),
            }
        }
        Err(e) => Err(super::failed(action, e)),
    }
}

/// Puts the trust policy back (waiting out `ConcurrentModification`).
pub async fn update(
    iam: &Client,
    name: &str,
    trust: &Value,
    patience: Patience<'_>,
) -> Result<(), AwsError> {
    let text = trust.to_string();
    patience
        .while_conflicting(
            &format!("IAM role {name} to accept another change"),
            iam_concurrent,
            || {
                iam.update_assume_role_policy()
                    .role_name(name)
                    .policy_document(text.clone())
                    .send()
            },
        )
        .await
        .map_err(|e| super::failed(format!("updating IAM Role ({name}) trust policy"), e))?;
    Ok(())
}

/// Deletes a role; a missing role is success. Policies added behind our back
/// are removed first, since IAM refuses to delete a role that has any. Right
/// after its policies went, IAM can still answer `DeleteConflict` for a while
/// (hashicorp/terraform#3222), and `ConcurrentModification` to a change made
/// at the same moment: both are waited out, as Terraform does.
pub async fn delete(iam: &Client, name: &str, patience: Patience<'_>) -> Result<(), AwsError> {
    let action = format!("deleting IAM Role ({name})");
    let gone = |e: &SdkError<DeleteRoleError, HttpResponse>| {
        e.as_service_error()
            .is_some_and(|s| s.is_no_such_entity_exception())
    };
    let conflict = |e: &SdkError<DeleteRoleError, HttpResponse>| {
        e.as_service_error()
            .is_some_and(|s| s.is_delete_conflict_exception())
            || iam_concurrent(e)
    };
    let attempt = || iam.delete_role().role_name(name).send();
    match attempt().await {
        Ok(_) => return Ok(()),
        Err(e) if gone(&e) => return Ok(()),
        // Policies someone else put on it (listed and removed), or ours
        // still being deleted (then there is nothing to list).
        Err(e) if conflict(&e) => super::role_policy::delete_all(iam, name, patience).await?,
        Err(e) => return Err(super::failed(action, e)),
    }
    match patience
        .while_conflicting(
            &format!("IAM to finish removing the policies of role {name}"),
            conflict,
            attempt,
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if gone(&e) => Ok(()),
        Err(e) => Err(super::failed(action, e)),
    }
}
