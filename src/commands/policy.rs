//! `policy deployer`: prints the least-privilege IAM policy that runs every
//! command for this project and stage, scoped to the caller's account (from
//! STS) or to `--account-id`.

use crate::aws::{self, account, identity_pool, Connect};
use crate::cli::Cli;
use crate::config::Config;
use crate::desired::Names;
use crate::error::{Error, InputError};
use crate::plan;
use crate::policy::{deployer, Account};
use crate::progress::Progress;

/// Where the policy's ARNs point, from the flags alone when they say enough.
fn given_account(cli: &Cli, account_id: &str, partition: &str) -> Result<Account, InputError> {
    if account_id.len() != 12 || !account_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(InputError::Flag {
            flag: "--account-id",
            message: format!("\"{account_id}\" is not an AWS account id (12 digits)"),
        });
    }
    if !matches!(partition, "aws" | "aws-us-gov" | "aws-cn") {
        return Err(InputError::Flag {
            flag: "--partition",
            message: format!(
                "\"{partition}\" is not a partition\n  hint: use aws, aws-us-gov or aws-cn"
            ),
        });
    }
    let region = cli
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .ok_or_else(|| InputError::Flag {
            flag: "--region",
            message: "the policy names the region's resources, and no region is set\n  hint: pass --region (e.g. --region eu-west-1) or set AWS_REGION".into(),
        })?;
    aws::check_region(&region)?;
    Ok(Account {
        partition: partition.to_string(),
        account_id: account_id.to_string(),
        region,
    })
}

pub async fn deployer(
    cli: &Cli,
    config: &Config,
    progress: &Progress,
    account_id: Option<&str>,
    partition: &str,
    pool_id: Option<&str>,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let (account, pool_id, mapped) = match account_id {
        Some(id) => (
            given_account(cli, id, partition)?,
            pool_id.map(str::to_string),
            Vec::new(),
        ),
        None => {
            let clients = aws::connect(&Connect {
                region: cli.region.clone(),
                profile: cli.profile.clone(),
                endpoint_url: cli.endpoint_url.clone(),
            })
            .await?;
            // The account, and our pool (which, when it exists, pins the
            // pool statements to it), read at once.
            // With their roles: `up` passes back the roles the user mapped.
            let pools = identity_pool::find(&clients.cognito, &names.pool, true);
            let (account, pools) =
                tokio::join!(account::find(&clients.sts, &clients.region), pools);
            let (account, pools) = (account?, pools?);
            let ours = plan::our_pool(&names, &pools).map_err(super::deploy::ownership)?;
            let unauth_suffix = format!(":role/{}", names.unauth_role);
            let mapped: Vec<String> = ours
                .and_then(|p| p.roles.as_ref())
                .map(|r| {
                    r.roles
                        .values()
                        .filter(|arn| !arn.ends_with(&unauth_suffix))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let pool = pool_id
                .map(str::to_string)
                .or_else(|| ours.map(|p| p.id.clone()));
            (account, pool, mapped)
        }
    };
    let doc = deployer::policy(&names, &account, pool_id.as_deref(), &mapped);
    if !mapped.is_empty() {
        progress.note(&format!(
            "the pool also maps {}: `up` passes them back with its own role, so the policy may pass them to Cognito Identity too",
            mapped.join(", ")
        ));
    }
    match &pool_id {
        Some(id) => progress.note(&format!(
            "pinned to identity pool {id}: the holder may tag and change that pool only. After a teardown, the next up makes a new pool: print this policy again before it"
        )),
        None => progress.note(
            "no pool of ours exists yet: tagging a pool at creation is allowed on any pool with our tags in the request, which would also let the holder tag, then change, another pool. Print this policy again after the first `up` to pin it to the pool",
        ),
    }
    progress.note(&format!(
        "the deployer policy of {} (stage {}) in account {}, {}: attach it to the IAM user or role that runs backend-ctl (README: \"A deployer policy\")",
        names.project, names.stage, account.account_id, account.region
    ));
    let size = crate::policy::size::size(&doc);
    progress.note(&format!(
        "{}. Give it as a managed policy (aws iam create-policy, then attach-user-policy or attach-role-policy)",
        crate::policy::size::fits(size)
    ));
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    Ok(())
}
