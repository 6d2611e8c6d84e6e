//! The caller's Cognito identity that local runs hand the handler, as
//! Lambda does for an Invoke signed with identity-pool credentials (the
//! Runtime API header `Lambda-Runtime-Cognito-Identity`). Pure.

use serde_json::json;

/// Cognito's limit on an identity id (`IdentityId`: 1 to 55 characters).
const MAX_ID: usize = 55;

/// The zero UUID marks a stand-in that no real pool issues.
const STAND_IN_POOL: &str = "00000000-0000-0000-0000-000000000000";
const STAND_IN_IDENTITY: &str = "00000000-0000-0000-0000-000000000001";

/// An identity id and the pool it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub identity_id: String,
    pub pool_id: String,
}

impl CallerIdentity {
    /// The stand-in for the region: `{region}:00000000-…-000000000001`.
    pub fn stand_in(region: &str) -> CallerIdentity {
        CallerIdentity {
            identity_id: format!("{region}:{STAND_IN_IDENTITY}"),
            pool_id: format!("{region}:{STAND_IN_POOL}"),
        }
    }

    /// The value of the Runtime API's `Lambda-Runtime-Cognito-Identity` header.
    pub fn header(&self) -> String {
        json!({
            "cognitoIdentityId": self.identity_id,
            "cognitoIdentityPoolId": self.pool_id,
        })
        .to_string()
    }
}

/// What `--identity` asks for: none given is the stand-in; `none` is a call
/// signed with other credentials (no identity); anything else is an
/// identity id shaped as Cognito's (`region:uuid`), in the stand-in pool.
pub fn from_flag(flag: Option<&str>, region: &str) -> Result<Option<CallerIdentity>, String> {
    let Some(value) = flag else {
        return Ok(Some(CallerIdentity::stand_in(region)));
    };
    if value == "none" {
        return Ok(None);
    }
    let shaped = value.split_once(':').is_some_and(|(r, id)| {
        !r.is_empty()
            && !id.is_empty()
            && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
    });
    if !shaped || value.len() > MAX_ID {
        return Err(format!(
            "\"{value}\" is not a Cognito identity id (REGION:UUID, at most {MAX_ID} characters)\n  hint: e.g. --identity {region}:{STAND_IN_IDENTITY}, or --identity none for a caller without one"
        ));
    }
    Ok(Some(CallerIdentity {
        identity_id: value.to_string(),
        pool_id: CallerIdentity::stand_in(region).pool_id,
    }))
}

#[cfg(test)]
mod tests;
