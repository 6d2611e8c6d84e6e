//! The Cognito identity pool. Pool names are not unique: ours is found by
//! name *and* tags, and every same-named pool is reported to the plan.

use std::collections::BTreeMap;

use aws_sdk_cognitoidentity::error::SdkError;
use aws_sdk_cognitoidentity::operation::describe_identity_pool::DescribeIdentityPoolOutput;
use aws_sdk_cognitoidentity::types::CognitoIdentityProvider;
use aws_sdk_cognitoidentity::Client;
use std::time::Duration;

use crate::error::AwsError;
use crate::observed::{CognitoProvider, PoolState, Unmanaged};

fn state_of(out: DescribeIdentityPoolOutput) -> PoolState {
    PoolState {
        id: out.identity_pool_id().to_string(),
        name: out.identity_pool_name().to_string(),
        allow_unauthenticated: out.allow_unauthenticated_identities(),
        allow_classic_flow: out.allow_classic_flow().unwrap_or(false),
        tags: out
            .identity_pool_tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        unmanaged: Unmanaged {
            supported_login_providers: out
                .supported_login_providers()
                .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            developer_provider_name: out.developer_provider_name().map(str::to_string),
            open_id_connect_provider_arns: out.open_id_connect_provider_arns.clone(),
            cognito_identity_providers: out.cognito_identity_providers.as_ref().map(|all| {
                all.iter()
                    .map(|p| CognitoProvider {
                        provider_name: p.provider_name().map(str::to_string),
                        client_id: p.client_id().map(str::to_string),
                        server_side_token_check: p.server_side_token_check(),
                    })
                    .collect()
            }),
            saml_provider_arns: out.saml_provider_arns.clone(),
        },
        roles: None,
    }
}

/// The user pools of `Unmanaged`, as `UpdateIdentityPool` takes them.
fn sdk_providers(providers: &[CognitoProvider]) -> Vec<CognitoIdentityProvider> {
    providers
        .iter()
        .map(|p| {
            CognitoIdentityProvider::builder()
                .set_provider_name(p.provider_name.clone())
                .set_client_id(p.client_id.clone())
                .set_server_side_token_check(p.server_side_token_check)
                .build()
        })
        .collect()
}

/// Every pool named `name` (ours or not), each described and, when
/// `with_roles`, with its roles, all read at once.
pub async fn find(
    cognito: &Client,
    name: &str,
    with_roles: bool,
) -> Result<Vec<PoolState>, AwsError> {
    let listed: Vec<_> = cognito
        .list_identity_pools()
        .max_results(60)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| super::failed("listing Cognito Identity Pools", e))?;
    let ids: Vec<String> = listed
        .iter()
        .filter(|p| p.identity_pool_name() == Some(name))
        .filter_map(|p| p.identity_pool_id().map(str::to_string))
        .collect();
    let reads = ids.iter().map(|id| async move {
        let (described, roles) = tokio::join!(
            cognito.describe_identity_pool().identity_pool_id(id).send(),
            async {
                if with_roles {
                    super::pool_roles::find(cognito, id).await.map(Some)
                } else {
                    Ok(None)
                }
            }
        );
        match described {
            Ok(out) => {
                let mut pool = state_of(out);
                pool.roles = roles?;
                Ok(Some(pool))
            }
            // Deleted between the list and the read: it is gone, not an error.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(super::failed(
                format!("reading Cognito Identity Pool ({id})"),
                e,
            )),
        }
    });
    let found = futures::future::join_all(reads).await;
    let mut pools = Vec::new();
    for pool in found {
        pools.extend(pool?);
    }
    Ok(pools)
}

/// Creates the pool: unauthenticated identities on, classic flow off, our tags.
///
/// `CreateIdentityPool` is not idempotent: a retry after a lost answer would
/// make a second pool. So the SDK does not retry it; after a failure that may
/// have created the pool anyway (a timeout, a dropped connection, a 5xx), the
/// pools are listed again and ours, if there, is taken.
pub async fn create(
    cognito: &Client,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let action = format!("creating Cognito Identity Pool ({name})");
    let ours = |p: &PoolState| tags.iter().all(|(k, v)| p.tags.get(k) == Some(v));
    let mut delay = Duration::from_millis(200);
    for attempt in 1..=CREATE_ATTEMPTS {
        let created = cognito
            .create_identity_pool()
            .identity_pool_name(name)
            .allow_unauthenticated_identities(true)
            .allow_classic_flow(false)
            .set_identity_pool_tags(Some(tags.clone().into_iter().collect()))
            .customize()
            .config_override(
                aws_sdk_cognitoidentity::config::Builder::default()
                    .retry_config(aws_config::retry::RetryConfig::disabled()),
            )
            .send()
            .await;
        let error = match created {
            Ok(out) => return Ok(out.identity_pool_id().to_string()),
            Err(e) => e,
        };
        let throttled =
            matches!(&error, SdkError::ServiceError(s) if s.err().is_too_many_requests_exception());
        // A 4xx other than throttling and a request never sent made nothing.
        let refused = match &error {
            SdkError::ServiceError(s) => {
                s.raw().status().is_client_error()
                    && !throttled
                    && !s.err().is_internal_error_exception()
            }
            SdkError::ConstructionFailure(_) => true,
            _ => false,
        };
        if refused {
            return Err(super::failed(action, error));
        }
        if throttled {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        } else if let Some(id) = created_after_all(cognito, name, &ours).await? {
            return Ok(id);
        }
        if attempt == CREATE_ATTEMPTS {
            return Err(super::failed(action, error));
        }
    }
    Err(AwsError {
        action,
        cause: "no attempt was made".into(),
        hint: None,
        denied: None,
    })
}

/// How often `create` tries before it gives up.
const CREATE_ATTEMPTS: u32 = 5;

/// How long a pool that was made may stay out of `ListIdentityPools`: the
/// list is eventually consistent, so one re-list right after an ambiguous
/// create can miss the pool it made, and a retry would make a second one.
const LIST_LAG: Duration = Duration::from_secs(6);

/// After a create whose outcome is unknown: our pool, if the list shows it
/// within `LIST_LAG` (listed again with growing pauses).
async fn created_after_all(
    cognito: &Client,
    name: &str,
    ours: &impl Fn(&PoolState) -> bool,
) -> Result<Option<String>, AwsError> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        if let Some(pool) = find(cognito, name, false)
            .await?
            .into_iter()
            .find(|p| ours(p))
        {
            return Ok(Some(pool.id));
        }
        if start.elapsed() + pause > LIST_LAG {
            return Ok(None);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

/// Puts our two settings back, keeping the ones we do not manage.
pub async fn update(cognito: &Client, pool: &PoolState) -> Result<(), AwsError> {
    let u = &pool.unmanaged;
    cognito
        .update_identity_pool()
        .identity_pool_id(&pool.id)
        .identity_pool_name(&pool.name)
        .allow_unauthenticated_identities(true)
        .allow_classic_flow(false)
        .set_supported_login_providers(
            u.supported_login_providers
                .as_ref()
                .map(|p| p.clone().into_iter().collect()),
        )
        .set_developer_provider_name(u.developer_provider_name.clone())
        .set_open_id_connect_provider_arns(u.open_id_connect_provider_arns.clone())
        .set_cognito_identity_providers(u.cognito_identity_providers.as_deref().map(sdk_providers))
        .set_saml_provider_arns(u.saml_provider_arns.clone())
        // Passed back so that an update can never strip our ownership tags.
        .set_identity_pool_tags(Some(pool.tags.clone().into_iter().collect()))
        .send()
        .await
        .map_err(|e| super::failed(format!("updating Cognito Identity Pool ({})", pool.id), e))?;
    Ok(())
}

/// Deletes the pool (its role attachment goes with it); a missing pool is success.
pub async fn delete(cognito: &Client, id: &str) -> Result<(), AwsError> {
    match cognito
        .delete_identity_pool()
        .identity_pool_id(id)
        .send()
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
            format!("deleting Cognito Identity Pool ({id})"),
            e,
        )),
    }
}

#[cfg(test)]
mod tests;
