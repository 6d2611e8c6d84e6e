//! The failed events' part of a plan: the SQS queue that keeps the `Event`
//! calls Lambda gives up on, and the alias's event-invoke settings that send
//! them there; the queue deleted when `[function.async]` turns it off, and
//! by `teardown` (saying how many events go with it). Pure.

use crate::desired::{Desired, EventsSpec, Names, QUEUE_RETENTION_S};
use crate::observed::{EventConfigState, Observed, QueueState};

use super::model::{Action, Change, Kind, Note, Step};

/// Lambda's figures when an alias has no event-invoke settings.
const LAMBDA_RETRIES: u32 = 2;
const LAMBDA_MAX_AGE_S: u32 = 21600;

/// What differs between the queue as found and as `up` makes it (its
/// ownership is checked before).
pub fn queue_differences(found: &QueueState) -> Vec<Change> {
    let mut out = Vec::new();
    if !found.encrypted {
        out.push(Change::Events(
            "encryption none → SQS-managed (SSE-SQS)".into(),
        ));
    }
    if found.retention_s != Some(QUEUE_RETENTION_S) {
        let was = found
            .retention_s
            .map_or("unset".to_string(), |s| format!("{} s", s));
        out.push(Change::Events(format!(
            "retention {was} → {QUEUE_RETENTION_S} s (14 days, the longest SQS keeps a message)"
        )));
    }
    out
}

/// What differs between the alias's event-invoke settings and the desired ones.
pub fn config_differences(spec: &EventsSpec, found: &EventConfigState) -> Vec<Change> {
    let mut out = Vec::new();
    let retries = found.retry_attempts.unwrap_or(LAMBDA_RETRIES);
    if retries != spec.retry_attempts {
        out.push(Change::Events(format!(
            "retries {retries} → {}",
            spec.retry_attempts
        )));
    }
    let age = found.max_event_age_s.unwrap_or(LAMBDA_MAX_AGE_S);
    if age != spec.max_event_age_s {
        out.push(Change::Events(format!(
            "maximum event age {age} s → {} s",
            spec.max_event_age_s
        )));
    }
    if found.on_failure != spec.on_failure {
        let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
        out.push(Change::Events(format!(
            "on-failure destination {} → {}",
            show(&found.on_failure),
            show(&spec.on_failure)
        )));
    }
    out
}

fn step(kind: Kind, name: &str, action: Action) -> Step {
    Step {
        kind,
        name: name.to_string(),
        action,
    }
}

/// The steps of `up`, and what the user should know of them.
pub fn up_steps(desired: &Desired, observed: &Observed, notes: &mut Vec<Note>) -> Vec<Step> {
    let names = &desired.names;
    let mut steps = Vec::new();
    match (&desired.events.on_failure, &observed.queue) {
        (Some(_), None) => steps.push(step(Kind::FailedQueue, &names.failed_queue, Action::Create)),
        (Some(_), Some(found)) => steps.push(step(
            Kind::FailedQueue,
            &names.failed_queue,
            Action::update(queue_differences(found)),
        )),
        (None, found) => notes.push(Note::FailedEventsLost {
            queue: names.failed_queue.clone(),
            waiting: found.as_ref().map(|q| q.messages),
        }),
    }
    let qualified = format!("{}:{}", names.function, desired.alias);
    let action = match &observed.event_config {
        None => Action::Create,
        Some(found) => Action::update(config_differences(&desired.events, found)),
    };
    steps.push(step(Kind::EventConfig, &qualified, action));
    // Last: once the alias no longer sends events to it.
    if let (None, Some(_)) = (&desired.events.on_failure, &observed.queue) {
        steps.push(step(Kind::FailedQueue, &names.failed_queue, Action::Delete));
    }
    steps
}

/// What `teardown` should say of the queue (the event-invoke settings go
/// with the function): how many failed events are deleted with it.
pub fn teardown_notes(names: &Names, observed: &Observed) -> Vec<Note> {
    observed
        .queue
        .as_ref()
        .filter(|q| q.messages > 0)
        .map(|q| Note::FailedEventsDeleted {
            queue: names.failed_queue.clone(),
            waiting: q.messages,
        })
        .into_iter()
        .collect()
}
