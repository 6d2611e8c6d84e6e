//! The identity pool's role attachment (`SetIdentityPoolRoles`): which role
//! unauthenticated identities get.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cognitoidentity::types::RoleMapping;
use aws_sdk_cognitoidentity::Client;

use crate::error::AwsError;
use crate::observed::PoolRolesState;

/// Role mappings we do not manage, passed back unchanged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleMappings(Option<HashMap<String, RoleMapping>>);

/// Reads the pool's roles.
pub async fn find(cognito: &Client, pool_id: &str) -> Result<PoolRolesState, AwsError> {
    let out = cognito
        .get_identity_pool_roles()
        .identity_pool_id(pool_id)
        .send()
        .await
        .map_err(|e| {
            super::failed(
                format!("reading roles of Cognito Identity Pool ({pool_id})"),
                e,
            )
        })?;
    Ok(PoolRolesState {
        roles: out
            .roles()
            .map(|r| r.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        mappings: RoleMappings(out.role_mappings().cloned()),
    })
}

/// Sets the unauthenticated role, keeping any other role and mapping.
pub async fn set(
    cognito: &Client,
    pool_id: &str,
    current: Option<&PoolRolesState>,
    unauth_arn: &str,
) -> Result<(), AwsError> {
    let mut roles: BTreeMap<String, String> = current.map(|c| c.roles.clone()).unwrap_or_default();
    roles.insert("unauthenticated".into(), unauth_arn.to_string());
    cognito
        .set_identity_pool_roles()
        .identity_pool_id(pool_id)
        .set_roles(Some(roles.into_iter().collect()))
        .set_role_mappings(current.and_then(|c| c.mappings.0.clone()))
        .send()
        .await
        .map_err(|e| {
            super::failed(
                format!("setting roles of Cognito Identity Pool ({pool_id})"),
                e,
            )
        })?;
    Ok(())
}
