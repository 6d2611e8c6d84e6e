//! The commands: each reads and checks its input first, then builds, then
//! talks to AWS (or runs the handler locally); only `main` turns their errors
//! into exit codes.

mod deploy;
mod deployed;
mod dev;
mod doctor;
mod failed;
mod init;
mod invoke;
mod lock;
mod logs;
mod pause;
mod policy;
mod release;
mod status;

use clap::CommandFactory;

use crate::aws::{self, Connect};
use crate::cli::{Cli, Command, Output, PolicyKind};
use crate::config;
use crate::error::Error;
use crate::package;
use crate::progress::Progress;

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> Result<(), Error> {
    let progress = Progress::new(cli.output == Output::Json && cli.verbose == 0);
    // The commands that need no project at all.
    match &cli.command {
        Command::Init { dir, name } => {
            return init::init(&progress, dir.as_deref(), name.as_deref())
        }
        Command::Doctor => return doctor::doctor(&cli).await,
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "backend-ctl", &mut std::io::stdout());
            return Ok(());
        }
        _ => {}
    }
    let config = config::load(&cli.config, &cli.stage)?;
    crate::desired::check_exec_policy_size(&config)?;
    let builds = matches!(
        cli.command,
        Command::Plan
            | Command::Up { .. }
            | Command::UpdateCode { .. }
            | Command::Dev { .. }
            | Command::Invoke { local: true, .. }
    );
    if builds {
        config::check_handler_crate(&config)?;
    }
    // The local commands need no AWS account at all.
    match &cli.command {
        Command::Invoke {
            local: true,
            identity,
            payload,
        } => {
            let identity = invoke::local_identity(&cli, identity.as_deref())?;
            return invoke::local(&cli, &config, &progress, payload, identity).await;
        }
        Command::Dev { port, identity } => {
            let identity = invoke::local_identity(&cli, identity.as_deref())?;
            return dev::dev(&cli, &config, progress, *port, identity).await;
        }
        Command::Policy {
            which:
                PolicyKind::Deployer {
                    account_id,
                    partition,
                    pool_id,
                },
        } => {
            return policy::deployer(
                &cli,
                &config,
                &progress,
                account_id.as_deref(),
                partition,
                pool_id.as_deref(),
            )
            .await
        }
        _ => {}
    }
    // The commands that deploy build first: a missing tool, a compile error or
    // a binary Lambda cannot run stops them before any AWS call, credential
    // lookups (SSO, assume-role) included.
    let code = match cli.command {
        Command::Plan | Command::Up { .. } | Command::UpdateCode { .. } => {
            Some(package::build(&config, &progress)?)
        }
        _ => None,
    };
    // Likewise a bad --since.
    let since = match &cli.command {
        Command::Logs { since, .. } => Some(logs::parse_since(since, logs::now_ms())?),
        _ => None,
    };
    let connect = Connect {
        region: cli.region.clone(),
        profile: cli.profile.clone(),
        endpoint_url: cli.endpoint_url.clone(),
    };
    let clients = aws::connect(&connect).await?;
    match (&cli.command, code) {
        (Command::Plan, Some(code)) => deploy::plan_cmd(&cli, &config, &clients, code).await,
        (Command::Up { yes, lock, resume }, Some(code)) => {
            let flags = deploy::UpFlags {
                yes: *yes,
                lock,
                resume: *resume,
            };
            deploy::up(&cli, &config, &clients, &progress, code, flags).await
        }
        (Command::UpdateCode { lock, canary }, Some(code)) => {
            release::update_code(&cli, &config, &clients, &progress, code, lock, *canary).await
        }
        (Command::Rollback { to, dry_run }, _) => {
            release::rollback(&cli, &config, &clients, &progress, *to, *dry_run).await
        }
        (Command::Pause, _) => pause::pause(&cli, &config, &clients, &progress).await,
        (Command::Resume { replay }, _) => {
            pause::resume(&cli, &config, &clients, &progress, *replay).await
        }
        (Command::Failed, _) => failed::failed(&cli, &config, &clients, &progress).await,
        (Command::Replay { ids, all, dry_run }, _) => {
            let flags = failed::ReplayFlags {
                ids: ids.clone(),
                all: *all,
                dry_run: *dry_run,
            };
            failed::replay(&cli, &config, &clients, &progress, &flags).await
        }
        (Command::Status { since }, _) => {
            status::status(&cli, &config, &clients, &progress, *since).await
        }
        (Command::Promote, _) => release::promote(&cli, &config, &clients, &progress).await,
        (Command::Versions, _) => release::versions(&cli, &config, &clients).await,
        (Command::Teardown { yes, lock }, _) => {
            deploy::teardown(&cli, &config, &clients, &progress, *yes, lock).await
        }
        (Command::Invoke { payload, .. }, _) => {
            invoke::remote(&cli, &config, &clients, &progress, payload).await
        }
        (Command::Logs { follow, filter, .. }, _) => {
            let start = since.unwrap_or_default();
            let filter = filter.as_deref();
            logs::logs(&cli, &config, &clients, &progress, start, *follow, filter).await
        }
        // Handled above, before any AWS client exists.
        _ => Ok(()),
    }
}
