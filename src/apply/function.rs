//! The function's part of `up`: create it and wait until it is Active, or
//! wait out an earlier change and update configuration and code, each waited
//! out; then its reservation, as far as the account can spare one; then
//! the release (a version, the alias moved, old versions pruned).

use crate::aws::function::{self, Wait};
use crate::aws::Clients;
use crate::desired::{Code, Desired};
use crate::error::Error;
use crate::observed::{FunctionState, Observed};
use crate::plan::{self, Action, Change, Kind, Plan};
use crate::progress::Progress;

use super::steps::say;

/// Whether Lambda is still busy with an earlier change (say, from an
/// interrupted run), which must finish before the next update.
fn busy(found: &FunctionState) -> Option<Wait> {
    if found.state == "Pending" {
        Some(Wait::Active)
    } else if found.last_update_status == "InProgress" {
        Some(Wait::Updated)
    } else {
        None
    }
}

pub async fn chain(
    clients: &Clients,
    progress: &Progress,
    desired: &Desired,
    observed: &Observed,
    plan: &Plan,
    code: &Code,
    role_arn: &str,
) -> Result<(), Error> {
    let name = &desired.names.function;
    let spec = &desired.function;
    let lambda = &clients.lambda;
    let wait = |what| function::wait(lambda, progress, name, what, clients.limits.wait_limit);
    say(progress, plan, Kind::Function);
    match (plan.action(Kind::Function), &observed.function) {
        (Action::Create, _) | (_, None) => {
            function::create(
                lambda,
                progress,
                &clients.limits,
                name,
                spec,
                role_arn,
                code,
                &desired.names.tags(),
            )
            .await?;
            progress.note(&format!(
                "waiting for Lambda function {name} to become Active"
            ));
            wait(Wait::Active).await?;
            // Once Active (Lambda refuses changes to a Pending function): the
            // reservation and the first release, at once.
            let reservation = async {
                match plan.reserve_on_create {
                    Some(reserved) => reserve(clients, progress, name, reserved).await,
                    None => Ok(()),
                }
            };
            let released = super::release::run(clients, progress, name, &plan.release, code);
            let (a, b) = tokio::join!(reservation, released);
            Error::collect(vec![a.map(drop), b.map(drop)])?;
        }
        (action, Some(found)) => {
            let changes: &[Change] = match action {
                Action::Update(c) => c,
                _ => &[],
            };
            if let Some(w) = busy(found) {
                progress.note(&format!(
                    "waiting for Lambda function {name} to finish an earlier change"
                ));
                wait(w).await?;
            }
            if changes.iter().any(Change::is_function_config) {
                function::update_config(lambda, progress, &clients.limits, name, spec, role_arn)
                    .await?;
                wait(Wait::Updated).await?;
            }
            if changes.iter().any(Change::is_function_code) {
                function::update_code(
                    lambda,
                    progress,
                    &clients.limits,
                    name,
                    code,
                    spec.architecture,
                )
                .await?;
                wait(Wait::Updated).await?;
            }
            // Once $LATEST holds the code and configuration: the release,
            // and the reservation with it.
            let reservation = async {
                for change in changes {
                    match change {
                        Change::Concurrency(_, Some(reserved)) => {
                            reserve(clients, progress, name, *reserved).await?
                        }
                        Change::Concurrency(_, None) => {
                            function::delete_concurrency(lambda, name).await?
                        }
                        _ => {}
                    }
                }
                Ok::<_, Error>(())
            };
            let released = super::release::run(clients, progress, name, &plan.release, code);
            let (a, b) = tokio::join!(reservation, released);
            Error::collect(vec![a.map(drop), b.map(drop)])?;
        }
    }
    Ok(())
}

/// Puts the reservation; when the account turns out unable to spare it (a
/// race with another function's reservation since the plan read the
/// account), goes on without it and says so, as the plan would have.
async fn reserve(
    clients: &Clients,
    progress: &Progress,
    name: &str,
    reserved: u32,
) -> Result<(), Error> {
    match function::put_concurrency(&clients.lambda, name, reserved).await? {
        function::Reserved::Done => Ok(()),
        function::Reserved::AccountCannotSpare(message) => {
            let account = crate::aws::account::concurrency(&clients.lambda)
                .await
                .ok()
                .flatten();
            match account {
                Some(account) => progress.note(&format!(
                    "{}",
                    plan::Note::NoReservation {
                        wanted: reserved,
                        kept: None,
                        account
                    }
                )),
                None => progress.note(&format!(
                    "reserved concurrency {reserved} is not possible on this account ({message}); the function goes on without a reservation"
                )),
            }
            Ok(())
        }
    }
}
