//! Inline policies of our IAM roles.

use aws_sdk_iam::Client;
use serde_json::Value;

use super::retry::{iam_concurrent, Patience};
use crate::error::AwsError;
use crate::observed::Extra;
use crate::policy;

/// Reads an inline policy; a missing policy (or role) is `None`.
pub async fn find(iam: &Client, role: &str, name: &str) -> Result<Option<Value>, AwsError> {
    let action = format!("reading IAM Role Policy ({role}/{name})");
    match iam
        .get_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
    {
        Ok(out) => policy::decode(out.policy_document())
            .map(Some)
            .map_err(|cause| AwsError {
                action,
                cause,
                hint: None,
                denied: None,
            }),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(super::failed(action, e)),
    }
}

/// Creates or replaces an inline policy (IAM has one call for both).
/// `ConcurrentModification` (another change of the role at that moment) is
/// waited out.
pub async fn put(
    iam: &Client,
    role: &str,
    name: &str,
    doc: &Value,
    patience: Patience<'_>,
) -> Result<(), AwsError> {
    let text = doc.to_string();
    patience
        .while_conflicting(
            &format!("IAM role {role} to accept another change"),
            iam_concurrent,
            || {
                iam.put_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .policy_document(text.clone())
                    .send()
            },
        )
        .await
        .map_err(|e| super::failed(format!("putting IAM Role Policy ({role}/{name})"), e))?;
    Ok(())
}

/// Deletes an inline policy; a missing one is success.
pub async fn delete(
    iam: &Client,
    role: &str,
    name: &str,
    patience: Patience<'_>,
) -> Result<(), AwsError> {
    match patience
        .while_conflicting(
            &format!("IAM role {role} to accept another change"),
            iam_concurrent,
            || {
                iam.delete_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send()
            },
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(
            format!("deleting IAM Role Policy ({role}/{name})"),
            e,
        )),
    }
}

/// Every policy on a role besides our inline one: inline policies by name,
/// managed policies by ARN. A missing role has none.
pub async fn others(iam: &Client, role: &str, ours: &str) -> Result<Vec<Extra>, AwsError> {
    let gone = |e: &aws_sdk_iam::error::SdkError<_, _>| {
        e.as_service_error().is_some_and(
            |s: &aws_sdk_iam::operation::list_role_policies::ListRolePoliciesError| {
                s.is_no_such_entity_exception()
            },
        )
    };
    let gone_attached = |e: &aws_sdk_iam::error::SdkError<_, _>| {
        e.as_service_error().is_some_and(
            |s: &aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesError| {
                s.is_no_such_entity_exception()
            },
        )
    };
    let (inline, attached) = tokio::join!(
        iam.list_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<String>, _>>(),
        iam.list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    let mut extra = Vec::new();
    match inline {
        Ok(names) => extra.extend(names.into_iter().filter(|n| n != ours).map(Extra::Inline)),
        Err(e) if gone(&e) => {}
        Err(e) => {
            return Err(super::failed(
                format!("listing policies of IAM Role ({role})"),
                e,
            ))
        }
    }
    match attached {
        Ok(policies) => extra.extend(
            policies
                .into_iter()
                .filter_map(|p| p.policy_arn().map(|a| Extra::Attached(a.to_string()))),
        ),
        Err(e) if gone_attached(&e) => {}
        Err(e) => {
            return Err(super::failed(
                format!("listing attached policies of IAM Role ({role})"),
                e,
            ))
        }
    }
    Ok(extra)
}

/// Removes policies that are on a role of ours but not in the desired state.
pub async fn remove(
    iam: &Client,
    role: &str,
    extra: &[Extra],
    patience: Patience<'_>,
) -> Result<(), AwsError> {
    for policy in extra {
        match policy {
            Extra::Inline(name) => delete(iam, role, name, patience).await?,
            Extra::Attached(arn) => detach(iam, role, arn, patience).await?,
        }
    }
    Ok(())
}

async fn detach(
    iam: &Client,
    role: &str,
    arn: &str,
    patience: Patience<'_>,
) -> Result<(), AwsError> {
    match patience
        .while_conflicting(
            &format!("IAM role {role} to accept another change"),
            iam_concurrent,
            || {
                iam.detach_role_policy()
                    .role_name(role)
                    .policy_arn(arn)
                    .send()
            },
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(
            format!("detaching {arn} from IAM Role ({role})"),
            e,
        )),
    }
}

/// Removes every inline and attached policy of a role we own and are deleting.
pub async fn delete_all(iam: &Client, role: &str, patience: Patience<'_>) -> Result<(), AwsError> {
    let extra = others(iam, role, "").await?;
    remove(iam, role, &extra, patience).await
}
