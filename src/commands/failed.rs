//! `failed` and `replay`: the `Event` calls Lambda gave up on, kept in the
//! stack's SQS queue, listed (nothing removed) and run again. A replay runs
//! one event at a time (a backlog never throttles the function), removes an
//! event only once its new run succeeded, and keeps a journal beside the
//! config so that a run cut short (`kill -9`) is finished by the next: what
//! it saw succeed is removed, never run again; what it held is given back.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use serde_json::json;

use crate::aws::invoke::{self, Replayed};
use crate::aws::queue::{self, Held};
use crate::aws::Clients;
use crate::cli::{Cli, Output};
use crate::config::Config;
use crate::desired::Names;
use crate::error::{Error, OwnershipError};
use crate::failed_event::{self, FailedEvent};
use crate::observed::QueueState;
use crate::progress::Progress;

mod journal;

use journal::{recover, Journal, Mark};

/// How long `failed` holds the events while it reads them (given back at once after).
const READ_HOLD: Duration = Duration::from_secs(30);
/// How long the events a replay keeps (failed again, or not asked for) stay
/// held until it ends: 6 hours, well within SQS's 12 hours in all from a
/// message's first receipt (a run cut short gives them back next time).
const KEEP_HOLD: Duration = Duration::from_secs(21_600);
/// A throttled replay waits 1 s, 2 s, … up to this, then gives up.
const THROTTLE_MAX: Duration = Duration::from_secs(30);
const THROTTLE_TRIES: u32 = 10;

/// The stack's queue, which `failed` and `replay` need.
async fn our_queue(clients: &Clients, names: &Names) -> Result<QueueState, Error> {
    match queue::find(&clients.sqs, &names.failed_queue).await? {
        Some(q) if names.owns(&q.tags) => Ok(q),
        Some(q) => Err(OwnershipError::Foreign {
            kind: "SQS queue",
            name: names.failed_queue.clone(),
            project: names.project.clone(),
            stage: names.stage.clone(),
            found: format!("{:?}", q.tags),
        }
        .into()),
        None => Err(OwnershipError::NotDeployed {
            kind: "SQS queue",
            name: names.failed_queue.clone(),
        }
        .into()),
    }
}

/// Parses what was held; messages that are not Lambda records are named
/// and kept.
fn parse_all(progress: &Progress, held: &[Held]) -> Vec<(FailedEvent, Held)> {
    let mut events = Vec::new();
    for h in held {
        match FailedEvent::parse(&h.message_id, &h.body) {
            Ok(e) => events.push((e, h.clone())),
            Err(why) => progress.note(&format!("{why}; left in the queue")),
        }
    }
    events.sort_by(|(a, _), (b, _)| (&a.timestamp, &a.id).cmp(&(&b.timestamp, &b.id)));
    events
}

pub async fn failed(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let q = our_queue(clients, &names).await?;
    let held = queue::receive_all(&clients.sqs, &q.url, READ_HOLD).await?;
    let refs: Vec<&Held> = held.iter().collect();
    queue::release(&clients.sqs, &q.url, &refs).await?;
    let mut events: Vec<FailedEvent> = parse_all(progress, &held)
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    failed_event::oldest_first(&mut events);
    match cli.output {
        Output::Json => println!(
            "{}",
            json!({"queue": q.url, "events": events.iter().map(FailedEvent::to_json).collect::<Vec<_>>()})
        ),
        Output::Text if events.is_empty() => {
            println!("no failed events in {}", names.failed_queue)
        }
        Output::Text => {
            println!(
                "{} failed events in {}, oldest first:",
                events.len(),
                names.failed_queue
            );
            for e in &events {
                println!("{}", e.text(100));
            }
        }
    }
    Ok(())
}

/// What `replay` should run.
#[derive(Debug, Clone)]
pub struct ReplayFlags {
    /// The events' ids (`failed` shows them); empty with `all`.
    pub ids: Vec<String>,
    pub all: bool,
    pub dry_run: bool,
}

/// The outcome of a replay, for the report.
#[derive(Debug, Default)]
struct Outcome {
    replayed: Vec<String>,
    failed_again: Vec<(String, String)>,
    would_replay: Vec<FailedEvent>,
}

pub async fn replay(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    flags: &ReplayFlags,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let function = super::deployed::deployed_function(clients, &names).await?;
    let q = our_queue(clients, &names).await?;
    if function.reserved_concurrency == Some(0) && !flags.dry_run {
        return Err(Error::Busy(format!(
            "{} is paused: a replayed event would be throttled\n  hint: `backend-ctl resume --replay` lets calls in again and then replays the failed events",
            names.function
        )));
    }
    let journal = Journal::new(config);
    recover(clients, progress, &q.url, &journal).await?;
    let target = format!("{}:{}", names.function, config.alias);
    let timeout = Duration::from_secs(u64::from(config.timeout_s));
    // Long enough for the event's new run, then it is visible again.
    let hold = timeout + Duration::from_secs(60);
    let wanted: BTreeSet<&str> = flags.ids.iter().map(String::as_str).collect();
    let mut seen = HashSet::new();
    let mut kept: Vec<Held> = Vec::new();
    let mut outcome = Outcome::default();
    let result = run(
        clients,
        progress,
        Run {
            url: &q.url,
            target: &target,
            timeout,
            hold,
            wanted: &wanted,
            flags,
            journal: &journal,
        },
        &mut seen,
        &mut kept,
        &mut outcome,
    )
    .await;
    // Whatever happened, what this run kept goes back to the queue.
    let refs: Vec<&Held> = kept.iter().collect();
    queue::release(&clients.sqs, &q.url, &refs).await?;
    result?;
    journal.clear()?;
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|id| !seen.contains(**id))
        .copied()
        .collect();
    report(cli, &names, &outcome, &missing);
    if !outcome.failed_again.is_empty() {
        return Err(Error::Function(format!(
            "{} of the replayed events failed again; they stay in {} (`backend-ctl failed` shows them)",
            outcome.failed_again.len(),
            names.failed_queue
        )));
    }
    if !missing.is_empty() {
        return Err(crate::error::InputError::Flag {
            flag: "ID",
            message: format!(
                "no failed event has the id {} (`backend-ctl failed` lists them)",
                missing.join(", ")
            ),
        }
        .into());
    }
    Ok(())
}

struct Run<'a> {
    url: &'a str,
    target: &'a str,
    timeout: Duration,
    hold: Duration,
    wanted: &'a BTreeSet<&'a str>,
    flags: &'a ReplayFlags,
    journal: &'a Journal,
}

/// One event at a time: received (held for its run), run again, removed
/// when it succeeded, kept (held until the end) when not.
async fn run(
    clients: &Clients,
    progress: &Progress,
    r: Run<'_>,
    seen: &mut HashSet<String>,
    kept: &mut Vec<Held>,
    outcome: &mut Outcome,
) -> Result<(), Error> {
    let sqs = &clients.sqs;
    let mut wait = Duration::ZERO;
    loop {
        // One at a time: each is held only while it is replayed.
        let batch = queue::receive(sqs, r.url, 1, r.hold, wait).await?;
        let Some(held) = batch.into_iter().next() else {
            if wait.is_zero() {
                wait = Duration::from_secs(1);
                continue;
            }
            return Ok(());
        };
        wait = Duration::ZERO;
        let keep = |held: Held, kept: &mut Vec<Held>| -> Result<(), Error> {
            r.journal.mark(&held, Mark::Held)?;
            kept.push(held);
            Ok(())
        };
        let event = match FailedEvent::parse(&held.message_id, &held.body) {
            Ok(e) => e,
            Err(why) => {
                progress.note(&format!("{why}; left in the queue"));
                keep(held.clone(), kept)?;
                queue::hold_for(sqs, r.url, &[&held], KEEP_HOLD).await?;
                continue;
            }
        };
        let asked = r.flags.all || r.wanted.contains(event.id.as_str());
        let again = !seen.insert(event.id.clone());
        if !asked || again || r.flags.dry_run {
            if asked && !again {
                outcome.would_replay.push(event);
            }
            keep(held.clone(), kept)?;
            queue::hold_for(sqs, r.url, &[&held], KEEP_HOLD).await?;
            continue;
        }
        r.journal.mark(&held, Mark::Invoking)?;
        let mut pause = Duration::from_secs(1);
        let mut tries = 0;
        let answer = loop {
            match invoke::replay(&clients.conf, r.target, event.payload_bytes(), r.timeout).await? {
                Replayed::Throttled if tries < THROTTLE_TRIES => {
                    tries += 1;
                    progress.note(&format!(
                        "Lambda throttled the replay of {}; trying again in {} s",
                        event.id,
                        pause.as_secs()
                    ));
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(THROTTLE_MAX);
                }
                other => break other,
            }
        };
        match answer {
            Replayed::Succeeded => {
                r.journal.mark(&held, Mark::Succeeded)?;
                queue::delete_message(sqs, r.url, &held.receipt).await?;
                r.journal.mark(&held, Mark::Done)?;
                progress.step(&format!("replayed {} ({})", event.id, event.timestamp));
                outcome.replayed.push(event.id);
            }
            Replayed::Failed { error, payload } => {
                progress.note(&format!(
                    "{} failed again ({error}: {payload}); it stays in the queue",
                    event.id
                ));
                keep(held.clone(), kept)?;
                queue::hold_for(sqs, r.url, &[&held], KEEP_HOLD).await?;
                outcome
                    .failed_again
                    .push((event.id, format!("{error}: {payload}")));
            }
            Replayed::Throttled => {
                keep(held.clone(), kept)?;
                return Err(Error::Busy(format!(
                    "Lambda kept throttling the replay of {} ({THROTTLE_TRIES} tries); the events not replayed stay in the queue\n  hint: `backend-ctl status` shows the function's concurrency; run `backend-ctl replay` again later",
                    event.id
                )));
            }
        }
    }
}

fn report(cli: &Cli, names: &Names, outcome: &Outcome, missing: &[&str]) {
    match cli.output {
        Output::Json => println!(
            "{}",
            json!({
                "replayed": outcome.replayed,
                "failed_again": outcome.failed_again.iter().map(|(id, e)| json!({"id": id, "error": e})).collect::<Vec<_>>(),
                "would_replay": outcome.would_replay.iter().map(FailedEvent::to_json).collect::<Vec<_>>(),
                "not_found": missing,
            })
        ),
        Output::Text => {
            for e in &outcome.would_replay {
                println!("would replay {}", e.text(100));
            }
            println!(
                "replayed {} failed events of {}; {} failed again and stay in the queue",
                outcome.replayed.len(),
                names.failed_queue,
                outcome.failed_again.len()
            );
        }
    }
}
