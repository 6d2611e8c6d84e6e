//! `pause` and `resume`: the kill switch. A paused function has a reserved
//! concurrency of 0, so Lambda throttles every call at once
//! (`TooManyRequestsException`), and nothing runs or is billed; an `Event`
//! call is still accepted (202), and Lambda sends it straight to the
//! on-failure destination, untried (or drops it, without one). `resume`
//! puts back the reservation the config asks for, and with `--replay` runs
//! those events. One write each, no lock: a kill switch must work while a
//! deploy holds the stack.

use serde_json::json;

use crate::aws::{account, function, Clients};
use crate::cli::{Cli, Output};
use crate::config::Config;
use crate::desired::Names;
use crate::error::Error;
use crate::plan::Note;
use crate::progress::Progress;

pub async fn pause(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let found = super::deployed::deployed_function(clients, &names).await?;
    let was = found.reserved_concurrency;
    if was == Some(0) {
        progress.done(&format!("{} is paused already", names.function));
    } else {
        progress.step(&format!(
            "pausing {}: reserved concurrency {} → 0",
            names.function,
            was.map_or("none".to_string(), |r| r.to_string())
        ));
        function::put_concurrency(&clients.lambda, &names.function, 0).await?;
        progress.done(&format!(
            "paused: every call of {} is throttled at once, at no cost (the app sees \"backend paused or overloaded\"); `backend-ctl resume` lets calls in again",
            names.function
        ));
    }
    if config.events.keep_failed {
        progress.note(&format!(
            "Event (async) calls are still accepted while paused: Lambda sends each to the failed events ({}) without running it; `backend-ctl resume --replay` resumes and then runs them",
            names.failed_queue
        ));
    } else {
        progress.note(
            "Event (async) calls are still accepted while paused, and Lambda drops them: with [function.async] keep_failed = false they are lost",
        );
    }
    report(
        cli,
        &names.function,
        json!({"paused": true, "was_reserved": was}),
    );
    Ok(())
}

pub async fn resume(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    replay: bool,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let found = super::deployed::deployed_function(clients, &names).await?;
    let mut reserved = config.reserved_concurrency;
    if found.reserved_concurrency != Some(0) {
        progress.done(&format!("{} is not paused", names.function));
    } else {
        progress.step(&format!("resuming {}", names.function));
        resume_function(clients, progress, &names.function, &mut reserved).await?;
        progress.done(&format!("resumed: {} takes calls again", names.function));
    }
    if replay && !config.events.keep_failed {
        progress.note("nothing to replay: with [function.async] keep_failed = false, Lambda keeps no failed events");
    } else if replay {
        // The replay reports on stdout itself.
        let flags = super::failed::ReplayFlags {
            ids: Vec::new(),
            all: true,
            dry_run: false,
        };
        return super::failed::replay(cli, config, clients, progress, &flags).await;
    }
    report(
        cli,
        &names.function,
        json!({"paused": false, "reserved": reserved}),
    );
    Ok(())
}

/// The result on stdout: `paused NAME` / `resumed NAME`, or the JSON of `facts`.
fn report(cli: &Cli, function: &str, mut facts: serde_json::Value) {
    match cli.output {
        Output::Json => {
            facts["function"] = json!(function);
            println!("{facts}");
        }
        Output::Text if facts["paused"] == true => println!("paused {function}"),
        Output::Text => println!("resumed {function}"),
    }
}

/// Puts back the reservation `reserved` asks for (none: removes the 0);
/// when the account cannot spare it, the function goes on without one,
/// and `reserved` says so afterwards.
pub async fn resume_function(
    clients: &Clients,
    progress: &Progress,
    name: &str,
    reserved: &mut Option<u32>,
) -> Result<(), Error> {
    let lambda = &clients.lambda;
    let Some(wanted) = *reserved else {
        function::delete_concurrency(lambda, name).await?;
        return Ok(());
    };
    if let function::Reserved::AccountCannotSpare(message) =
        function::put_concurrency(lambda, name, wanted).await?
    {
        function::delete_concurrency(lambda, name).await?;
        *reserved = None;
        match account::concurrency(lambda).await.ok().flatten() {
            Some(account) => progress.note(
                &Note::NoReservation {
                    wanted,
                    kept: None,
                    account,
                }
                .to_string(),
            ),
            None => progress.note(&format!(
                "reserved concurrency {wanted} is not possible on this account ({message}); the function goes on without a reservation"
            )),
        }
    }
    Ok(())
}
