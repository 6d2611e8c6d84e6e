//! `plan`, `up` and `teardown`: each reads its input, builds,
//! observes, plans and applies, in that order, so that bad input and failed
//! builds stop before any AWS write.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::json;

use super::lock;
use crate::apply;
use crate::aws::{
    account, alarm, event_config, function, identity_pool, log_group, queue, release, role, topic,
    Clients,
};
use crate::cli::{Cli, LockFlags, Output};
use crate::config::Config;
use crate::desired::{Code, Desired, Names};
use crate::error::{Error, InputError, OwnershipError};
use crate::observed::Observed;
use crate::outputs::{self, Summary};
use crate::plan::{self, Plan};
use crate::progress::Progress;

/// What `observe` reads besides the resources themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// `plan` and `up`: the pool's roles and the account's concurrency too.
    ForUp,
    /// `teardown`: only what exists.
    ForTeardown,
}

/// Reads everything under our names in one round of concurrent calls (plus
/// the reads that need a pool id, a log group's ARN or a queue's URL);
/// `alias`: the alias whose event-invoke settings `up` converges.
pub async fn observe(
    clients: &Clients,
    names: &Names,
    alias: &str,
    reads: Reads,
) -> Result<Observed, Error> {
    let for_up = reads == Reads::ForUp;
    let concurrency = async {
        if for_up {
            account::concurrency(&clients.lambda).await
        } else {
            Ok(None)
        }
    };
    let releases = async {
        if for_up {
            release::find(&clients.lambda, &names.function).await
        } else {
            Ok(Default::default())
        }
    };
    let guard = async {
        let (topic, alarms) = tokio::join!(
            topic::find(&clients.sns, &names.topic),
            alarm::find(&clients.cloudwatch, &names.alarms)
        );
        Ok::<_, crate::error::AwsError>((topic?, alarms?))
    };
    let events = async {
        let config = async {
            if for_up {
                event_config::find(&clients.lambda, &names.function, alias).await
            } else {
                Ok(None)
            }
        };
        let (queue, config) = tokio::join!(queue::find(&clients.sqs, &names.failed_queue), config);
        Ok::<_, crate::error::AwsError>((queue?, config?))
    };
    let (
        account,
        exec_role,
        unauth_role,
        function,
        pools,
        group,
        concurrency,
        releases,
        guard,
        events,
    ) = tokio::join!(
        account::find(&clients.sts, &clients.region),
        role::find(&clients.iam, &names.exec_role, &names.exec_policy),
        role::find(&clients.iam, &names.unauth_role, &names.unauth_policy),
        function::find(&clients.lambda, &names.function),
        identity_pool::find(&clients.cognito, &names.pool, for_up),
        log_group::find(&clients.logs, &names.log_group),
        concurrency,
        releases,
        guard,
        events,
    );
    let mut errors = Vec::new();
    let mut keep = |e: crate::error::AwsError| errors.push(Error::from(e));
    let account = account.map_err(&mut keep).ok();
    let exec_role = exec_role.map_err(&mut keep).ok();
    let unauth_role = unauth_role.map_err(&mut keep).ok();
    let function = function.map_err(&mut keep).ok();
    let pools = pools.map_err(&mut keep).ok();
    let group = group.map_err(&mut keep).ok();
    let concurrency = concurrency.map_err(&mut keep).ok();
    let releases = releases.map_err(&mut keep).ok();
    let guard = guard.map_err(&mut keep).ok();
    let events = events.map_err(&mut keep).ok();
    let (
        Some(account),
        Some(exec_role),
        Some(unauth_role),
        Some(function),
        Some(pools),
        Some(log_group),
        Some(concurrency),
        Some(releases),
        Some((topic, alarms)),
        Some((queue, event_config)),
    ) = (
        account,
        exec_role,
        unauth_role,
        function,
        pools,
        group,
        concurrency,
        releases,
        guard,
        events,
    )
    else {
        return Err(Error::all(errors));
    };
    Ok(Observed {
        account,
        exec_role,
        unauth_role,
        function,
        pools,
        log_group,
        concurrency,
        releases,
        topic,
        alarms,
        queue,
        event_config,
    })
}

pub fn ownership(errors: Vec<OwnershipError>) -> Error {
    Error::all(errors.into_iter().map(Error::from).collect())
}

fn print_plan(cli: &Cli, heading: &str, plan: &Plan) {
    match cli.output {
        Output::Json => println!("{}", plan.to_json()),
        Output::Text => println!("{heading}\n{plan}"),
    }
}

/// Asks before the first write: on a terminal, a y/N prompt; elsewhere, `--yes` is required.
fn confirm(yes: bool, command: &str) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(InputError::NeedsConfirmation(format!(
            "`{command}` would change AWS resources and there is no terminal to ask on\n  hint: review `backend-ctl plan`, then run `backend-ctl {command} --yes`"
        ))
        .into());
    }
    eprint!("Apply these changes? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Error::Declined)
    }
}

fn heading(config: &Config, clients: &Clients, command: &str) -> String {
    format!(
        "{command} for {} (stage {}, region {}):",
        config.project, config.stage, clients.region
    )
}

/// Our pool's id when the stack needs no change at all.
fn up_to_date(p: &Prepared) -> Option<&str> {
    if !p.plan.is_noop() {
        return None;
    }
    let pool = p
        .observed
        .pools
        .iter()
        .find(|pool| p.names.owns(&pool.tags));
    pool.map(|pool| pool.id.as_str())
}

/// Shows the plan, asks, and applies it; gives back what the summary needs.
async fn converge(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    prepared: Prepared,
    yes: bool,
) -> Result<(Names, Desired, String), Error> {
    if let Some(pool_id) = up_to_date(&prepared).map(str::to_string) {
        for note in &prepared.plan.notes {
            progress.note(&note.to_string());
        }
        progress.done("everything is up to date; nothing to change");
        return Ok((prepared.names, prepared.desired, pool_id));
    }
    let Prepared {
        code,
        names,
        observed,
        desired,
        plan,
    } = prepared;
    if !yes || cli.output == Output::Text {
        eprintln!("{}\n{plan}", heading(config, clients, "Plan"));
    } else {
        for note in &plan.notes {
            progress.note(&note.to_string());
        }
    }
    confirm(yes, "up")?;
    let applied = apply::up(clients, progress, &desired, &observed, &plan, &code).await?;
    progress.done("all resources are up to date");
    Ok((names, desired, applied.pool_id))
}

/// What `plan` and `up` share: one round of reads and the plan (the build
/// came before any AWS call, in `commands::run`).
struct Prepared {
    code: Code,
    names: Names,
    observed: Observed,
    desired: Desired,
    plan: Plan,
}

async fn prepare(
    config: &Config,
    clients: &Clients,
    code: Code,
    resume: bool,
) -> Result<Prepared, Error> {
    let names = Names::new(&config.project, &config.stage);
    let observed = observe(clients, &names, &config.alias, Reads::ForUp).await?;
    let desired = Desired::new(config, &observed.account);
    let plan = plan::up_with(&desired, &observed, &code, resume).map_err(ownership)?;
    Ok(Prepared {
        code,
        names,
        observed,
        desired,
        plan,
    })
}

pub async fn plan_cmd(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    code: Code,
) -> Result<(), Error> {
    let p = prepare(config, clients, code, false).await?;
    print_plan(cli, &heading(config, clients, "Plan"), &p.plan);
    Ok(())
}

/// The flags of `up`.
#[derive(Debug, Clone, Copy)]
pub struct UpFlags<'a> {
    pub yes: bool,
    pub lock: &'a LockFlags,
    pub resume: bool,
}

pub async fn up(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    code: Code,
    flags: UpFlags<'_>,
) -> Result<(), Error> {
    let UpFlags {
        yes,
        lock: lock_flags,
        resume,
    } = flags;
    let first = prepare(config, clients, code, resume).await?;
    let (names, desired, pool_id) = if up_to_date(&first).is_some() {
        converge(cli, config, clients, progress, first, yes).await?
    } else {
        // Something to write: under the stack's lock, from reads made under it
        // (another run may have changed the stack since the first reads).
        let names = first.names.clone();
        lock::hold(clients, progress, &names, "up", lock_flags, || async {
            let again = prepare(config, clients, first.code, resume).await?;
            converge(cli, config, clients, progress, again, yes).await
        })
        .await?
    };
    let mut summary = Summary {
        project: config.project.clone(),
        stage: config.stage.clone(),
        region: clients.region.clone(),
        function_name: names.function.clone(),
        function_arn: desired.function_arn.clone(),
        alias: desired.alias.clone(),
        alias_arn: desired.alias_arn.clone(),
        identity_pool_id: pool_id,
        execution_role_arn: plan::role_arn(&desired, &names.exec_role),
        unauthenticated_role_arn: plan::role_arn(&desired, &names.unauth_role),
        timeout_s: config.timeout_s,
        app_config: config
            .app_config_path
            .as_ref()
            .map(|p| p.display().to_string()),
    };
    if let Some(path) = &config.app_config_path {
        if outputs::write_app_config(path, &summary)? {
            progress.done(&format!("wrote {}", path.display()));
        }
    } else {
        summary.app_config = None;
    }
    match cli.output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        ),
        Output::Text => print!("{}", summary.text()),
    }
    Ok(())
}

pub async fn teardown(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    yes: bool,
    lock_flags: &LockFlags,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let nothing = |plan: &Plan| plan.is_noop() || plan.steps.is_empty();
    let observed = observe(clients, &names, &config.alias, Reads::ForTeardown).await?;
    let mut plan = plan::teardown(&names, &observed).map_err(ownership)?;
    if nothing(&plan) {
        progress.done("nothing to delete");
    } else {
        // Under the lock, from reads made under it.
        plan = lock::hold(
            clients,
            progress,
            &names,
            "teardown",
            lock_flags,
            || async {
                let observed = observe(clients, &names, &config.alias, Reads::ForTeardown).await?;
                let plan = plan::teardown(&names, &observed).map_err(ownership)?;
                if nothing(&plan) {
                    progress.done("nothing to delete");
                    return Ok(plan);
                }
                if !yes || cli.output == Output::Text {
                    eprintln!("{}\n{plan}", heading(config, clients, "Teardown"));
                }
                confirm(yes, "teardown")?;
                apply::teardown(clients, progress, &names, &observed, &plan).await?;
                progress.done("everything is deleted");
                Ok(plan)
            },
        )
        .await?;
    }
    let (_, _, deleted) = plan.counts();
    match cli.output {
        Output::Json => println!("{}", json!({"deleted": deleted, "plan": plan.to_json()})),
        Output::Text => println!(
            "deleted {deleted} resources of {} (stage {})",
            config.project, config.stage
        ),
    }
    Ok(())
}
