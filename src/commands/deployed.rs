//! The function a command needs deployed, and ours: `update-code`, `rollback`, `pause` and the like.

use crate::aws;
use crate::error::Error;

/// Our function, which `update-code`, `rollback`, `pause` and the like need
/// deployed (and ours).
pub async fn deployed_function(
    clients: &aws::Clients,
    names: &crate::desired::Names,
) -> Result<crate::observed::FunctionState, Error> {
    let Some(found) = aws::function::find(&clients.lambda, &names.function).await? else {
        return Err(crate::error::OwnershipError::NotDeployed {
            kind: "Lambda function",
            name: names.function.clone(),
        }
        .into());
    };
    if let Some(foreign) = crate::plan::foreign_function(names, &found) {
        return Err(foreign.into());
    }
    Ok(found)
}
