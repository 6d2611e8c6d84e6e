//! The identity pool's role attachment (`SetIdentityPoolRoles`): which role
//! unauthenticated identities get.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cognitoidentity::types::{
    AmbiguousRoleResolutionType, MappingRuleMatchType, RoleMappingType, RulesConfigurationType,
};
use aws_sdk_cognitoidentity::{error::BuildError, types, Client};

use crate::error::AwsError;
use crate::observed::{MappingRule, PoolRolesState, RoleMapping, RoleMappings};

/// The mapping as `GetIdentityPoolRoles` gave it, as observed data.
fn mapping_of(m: &types::RoleMapping) -> RoleMapping {
    RoleMapping {
        kind: m.r#type().as_str().to_string(),
        ambiguous_role_resolution: m
            .ambiguous_role_resolution()
            .map(|r| r.as_str().to_string()),
        rules: m.rules_configuration().map(|c| {
            c.rules()
                .iter()
                .map(|r| MappingRule {
                    claim: r.claim().to_string(),
                    match_type: r.match_type().as_str().to_string(),
                    value: r.value().to_string(),
                    role_arn: r.role_arn().to_string(),
                })
                .collect()
        }),
    }
}

/// The mapping back as `SetIdentityPoolRoles` takes it.
fn sdk_mapping(m: &RoleMapping) -> Result<types::RoleMapping, BuildError> {
    let rules = match &m.rules {
        Some(rules) => Some(
            RulesConfigurationType::builder()
                .set_rules(Some(
                    rules
                        .iter()
                        .map(|r| {
                            types::MappingRule::builder()
                                .claim(&r.claim)
                                .match_type(MappingRuleMatchType::from(r.match_type.as_str()))
                                .value(&r.value)
                                .role_arn(&r.role_arn)
                                .build()
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ))
                .build()?,
        ),
        None => None,
    };
    types::RoleMapping::builder()
        .r#type(RoleMappingType::from(m.kind.as_str()))
        .set_ambiguous_role_resolution(
            m.ambiguous_role_resolution
                .as_deref()
                .map(AmbiguousRoleResolutionType::from),
        )
        .set_rules_configuration(rules)
        .build()
}

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
        mappings: RoleMappings(
            out.role_mappings()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), mapping_of(v))).collect()),
        ),
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
    let action = || format!("setting roles of Cognito Identity Pool ({pool_id})");
    let mappings = match current.and_then(|c| c.mappings.0.as_ref()) {
        Some(mappings) => Some(
            mappings
                .iter()
                .map(|(k, v)| Ok((k.clone(), sdk_mapping(v)?)))
                .collect::<Result<HashMap<_, _>, BuildError>>()
                .map_err(|e| AwsError {
                    action: action(),
                    cause: format!("the pool's role mappings cannot be passed back: {e}"),
                    hint: None,
                    denied: None,
                })?,
        ),
        None => None,
    };
    cognito
        .set_identity_pool_roles()
        .identity_pool_id(pool_id)
        .set_roles(Some(roles.into_iter().collect()))
        .set_role_mappings(mappings)
        .send()
        .await
        .map_err(|e| super::failed(action(), e))?;
    Ok(())
}

#[cfg(test)]
mod tests;
