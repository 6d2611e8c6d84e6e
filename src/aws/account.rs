//! The caller's account and partition (`sts:GetCallerIdentity`), which every
//! ARN we derive needs.

use crate::error::AwsError;
use crate::observed::AccountConcurrency;
use crate::policy::Account;

/// Reads the account; never absent for valid credentials.
pub async fn find(sts: &aws_sdk_sts::Client, region: &str) -> Result<Account, AwsError> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| super::failed("reading the caller's AWS account", e))?;
    let malformed = |what: &str| AwsError {
        action: "reading the caller's AWS account".into(),
        cause: format!("GetCallerIdentity returned no {what}"),
        hint: None,
        denied: None,
    };
    let account_id = out
        .account()
        .ok_or_else(|| malformed("account"))?
        .to_string();
    let partition = out
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .ok_or_else(|| malformed("ARN"))?
        .to_string();
    Ok(Account {
        partition,
        account_id,
        region: region.to_string(),
    })
}

/// The account's Lambda concurrency limit and what is left unreserved; `None`
/// when Lambda does not say what is unreserved (then the plan does not guess).
pub async fn concurrency(
    lambda: &aws_sdk_lambda::Client,
) -> Result<Option<AccountConcurrency>, AwsError> {
    let action = "reading the account's Lambda settings";
    let out = lambda
        .get_account_settings()
        .send()
        .await
        .map_err(|e| super::failed(action, e))?;
    let limit = out.account_limit().ok_or_else(|| AwsError {
        action: action.into(),
        cause: "GetAccountSettings returned no AccountLimit".into(),
        hint: None,
        denied: None,
    })?;
    Ok(limit
        .unreserved_concurrent_executions()
        .map(|unreserved| AccountConcurrency {
            limit: limit.concurrent_executions(),
            unreserved,
        }))
}
