//! Carrying out the failed events' steps: the queue in the first round (the
//! execution policy names it), the alias's event-invoke settings once the
//! alias stands; a queue the config turned off goes last, once the alias no
//! longer sends to it.

use crate::aws::retry::Patience;
use crate::aws::{event_config, queue, Clients};
use crate::desired::Desired;
use crate::error::Error;
use crate::observed::Observed;
use crate::plan::{Action, Kind, Plan};
use crate::progress::Progress;

use super::steps::say;

/// The first round: the queue created, or its settings put back.
pub async fn level0(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
    desired: &Desired,
    observed: &Observed,
) -> Result<(), Error> {
    let names = &desired.names;
    match (plan.action(Kind::FailedQueue), &observed.queue) {
        (Action::Create, _) | (Action::Update(_), None) => {
            say(progress, plan, Kind::FailedQueue);
            queue::create(&clients.sqs, progress, &names.failed_queue, &names.tags()).await?;
        }
        (Action::Update(_), Some(found)) => {
            say(progress, plan, Kind::FailedQueue);
            queue::update(&clients.sqs, &found.url, &names.tags()).await?;
        }
        _ => {}
    }
    Ok(())
}

/// The last round: the alias's event-invoke settings (an on-success
/// destination someone set is passed back), then a queue no longer wanted.
pub async fn level2(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
    desired: &Desired,
    observed: &Observed,
) -> Result<(), Error> {
    if matches!(
        plan.action(Kind::EventConfig),
        Action::Create | Action::Update(_)
    ) {
        say(progress, plan, Kind::EventConfig);
        let on_success = observed
            .event_config
            .as_ref()
            .and_then(|c| c.on_success.as_deref());
        event_config::put(
            &clients.lambda,
            Patience::new(progress, &clients.limits),
            &desired.names.function,
            &desired.alias,
            &desired.events,
            on_success,
        )
        .await?;
    }
    delete(clients, progress, plan, observed).await
}

/// Deletes the queue, with any events in it, if the plan says so.
pub async fn delete(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
    observed: &Observed,
) -> Result<(), Error> {
    if let (Action::Delete, Some(found)) = (plan.action(Kind::FailedQueue), &observed.queue) {
        say(progress, plan, Kind::FailedQueue);
        queue::delete(&clients.sqs, &found.url).await?;
    }
    Ok(())
}
