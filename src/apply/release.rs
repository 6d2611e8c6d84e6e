//! The release part of `up` and `update-code`: the version published (or
//! the one a stopped run published, reused), then the alias moved in one
//! write guarded by its `RevisionId`, then the old versions deleted.

use crate::aws::release::{self, AliasWrite};
use crate::aws::Clients;
use crate::desired::Code;
use crate::error::Error;
use crate::plan::release::{history_description, ReleasePlan, Target};
use crate::progress::Progress;

/// Carries out a release plan; returns the version the alias now points
/// at, when it moved.
pub async fn run(
    clients: &Clients,
    progress: &Progress,
    function: &str,
    plan: &ReleasePlan,
    code: &Code,
) -> Result<Option<u64>, Error> {
    let lambda = &clients.lambda;
    let moved = async {
        let Some(r) = &plan.release else {
            return Ok(None);
        };
        let version = match r.to {
            Target::Publish => {
                progress.step(&format!(
                    "publishing a version of Lambda function {function}"
                ));
                release::publish(lambda, function, &code.sha256, &code.describe()).await?
            }
            Target::Existing(n) => n,
        };
        let from = match &r.from {
            Some(from) => format!(" (from version {from})"),
            None => String::new(),
        };
        let live = r.from.as_deref().and_then(|f| f.parse::<u64>().ok());
        let (primary, canary) = match (r.canary, live) {
            (Some(pct), Some(live)) => {
                progress.step(&format!(
                    "sending {pct}% of the calls of alias {} to version {version}, the rest to version {live}",
                    r.alias
                ));
                (live, Some((version, f64::from(pct) / 100.0)))
            }
            _ => {
                progress.step(&format!(
                    "pointing alias {} at version {version}{from}",
                    r.alias
                ));
                (version, None)
            }
        };
        let description = history_description(&r.history);
        release::put_alias(
            lambda,
            &AliasWrite {
                function,
                alias: &r.alias,
                version: primary,
                description: &description,
                revision_id: r.revision_id.as_deref(),
                canary,
            },
        )
        .await?;
        progress.done(&match canary {
            Some(_) => format!(
                "released version {version} as a canary of {}: `backend-ctl promote` finishes it, `backend-ctl rollback` undoes it",
                r.alias
            ),
            None => format!("released version {version} as {}", r.alias),
        });
        Ok::<_, Error>(Some(version))
    };
    let pruned = async {
        if !plan.prune.is_empty() {
            let list: Vec<String> = plan.prune.iter().map(u64::to_string).collect();
            progress.step(&format!(
                "deleting old versions {} (keep_versions)",
                list.join(", ")
            ));
        }
        let deletions = plan
            .prune
            .iter()
            .map(|n| release::delete_version(lambda, function, *n));
        let results = futures::future::join_all(deletions).await;
        Error::collect(
            results
                .into_iter()
                .map(|r| r.map_err(Error::from))
                .collect(),
        )
        .map(drop)
    };
    // Pruning waits for the alias: Lambda refuses a second operation on a
    // function while one is in progress (ResourceConflictException), and a
    // release that failed leaves every version where it was.
    let moved = moved.await?;
    pruned.await?;
    Ok(moved)
}
