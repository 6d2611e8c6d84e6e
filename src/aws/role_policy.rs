//! Inline policies of our IAM roles.

use aws_sdk_iam::Client;
use serde_json::Value;

use crate::error::AwsError;
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
pub async fn put(iam: &Client, role: &str, name: &str, doc: &Value) -> Result<(), AwsError> {
    iam.put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(doc.to_string())
        .send()
        .await
        .map_err(|e| super::failed(format!("putting IAM Role Policy ({role}/{name})"), e))?;
    Ok(())
}

/// Deletes an inline policy; a missing one is success.
pub async fn delete(iam: &Client, role: &str, name: &str) -> Result<(), AwsError> {
    match iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
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

/// Removes every inline and attached policy of a role we own and are deleting.
pub async fn delete_all(iam: &Client, role: &str) -> Result<(), AwsError> {
    let listed = |e| super::failed(format!("listing policies of IAM Role ({role})"), e);
    let inline: Vec<String> = iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(listed)?;
    for name in inline {
        delete(iam, role, &name).await?;
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| super::failed(format!("listing attached policies of IAM Role ({role})"), e))?;
    for p in attached {
        if let Some(arn) = p.policy_arn() {
            iam.detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| super::failed(format!("detaching {arn} from IAM Role ({role})"), e))?;
        }
    }
    Ok(())
}
