//! What each step of a plan says as it runs, and the steps `up` and `teardown` share: the
//! deletion of extra pools of ours.

use crate::aws::{identity_pool, Clients};
use crate::error::Error;
use crate::plan::{Action, Kind, Plan};
use crate::progress::Progress;

/// Says what the plan's step of `kind` does, unless it keeps the resource.
pub fn say(progress: &Progress, plan: &Plan, kind: Kind) {
    if let Some(step) = plan.step(kind) {
        let verb = match &step.action {
            Action::Create => "creating",
            Action::Update(_) => "updating",
            Action::Delete => "deleting",
            Action::Keep => return,
        };
        let mut line = format!("{verb} {} {}", kind.label(), step.name);
        if let Action::Update(changes) = &step.action {
            let text: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
            line.push_str(&format!(" ({})", text.join("; ")));
        }
        progress.step(&line);
    }
}

/// The ids of the pools of ours that the plan deletes (a stack that two
/// runs at once left with more than one).
pub fn extra_pool_ids(plan: &Plan) -> Vec<&str> {
    plan.steps
        .iter()
        .filter(|s| s.kind == Kind::ExtraPool && s.action == Action::Delete)
        .map(|s| s.name.as_str())
        .collect()
}

/// Deletes those pools, all at once.
pub async fn delete_extra_pools(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
) -> Result<(), Error> {
    let deletions = extra_pool_ids(plan).into_iter().map(|id| async move {
        progress.step(&format!(
            "deleting Cognito identity pool {id} (a second pool of ours)"
        ));
        identity_pool::delete(&clients.cognito, id).await
    });
    let results = futures::future::join_all(deletions).await;
    Error::collect(
        results
            .into_iter()
            .map(|r| r.map_err(Error::from))
            .collect(),
    )
    .map(|_| ())
}
