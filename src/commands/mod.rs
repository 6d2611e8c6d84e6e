//! The commands: each reads and checks its input first, then builds, then
//! talks to AWS (or runs the handler locally); only `main` turns their errors
//! into exit codes.

mod deploy;
mod init;
mod invoke;
mod logs;
mod policy;

use clap::CommandFactory;

use crate::aws::{self, Connect};
use crate::cli::{Cli, Command, Output, PolicyKind};
use crate::config;
use crate::error::Error;
use crate::progress::Progress;

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> Result<(), Error> {
    let progress = Progress::new(cli.output == Output::Json && cli.verbose == 0);
    // The commands that need no project at all.
    match &cli.command {
        Command::Init { dir, name } => {
            return init::init(&progress, dir.as_deref(), name.as_deref())
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "backend-ctl", &mut std::io::stdout());
            return Ok(());
        }
        _ => {}
    }
    let config = config::load(&cli.config, &cli.stage)?;
    let builds = matches!(
        cli.command,
        Command::Plan
            | Command::Up { .. }
            | Command::UpdateCode
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
            payload,
        } => return invoke::local(&cli, &config, &progress, payload).await,
        Command::Dev { port } => return invoke::dev(&cli, &config, progress, *port).await,
        Command::Policy {
            which:
                PolicyKind::Deployer {
                    account_id,
                    partition,
                },
        } => {
            return policy::deployer(&cli, &config, &progress, account_id.as_deref(), partition)
                .await
        }
        _ => {}
    }
    let connect = Connect {
        region: cli.region.clone(),
        profile: cli.profile.clone(),
        endpoint_url: cli.endpoint_url.clone(),
    };
    let clients = aws::connect(&connect).await?;
    match &cli.command {
        Command::Plan => deploy::plan_cmd(&cli, &config, &clients, &progress).await,
        Command::Up { yes } => deploy::up(&cli, &config, &clients, &progress, *yes).await,
        Command::UpdateCode => deploy::update_code(&cli, &config, &clients, &progress).await,
        Command::Teardown { yes } => {
            deploy::teardown(&cli, &config, &clients, &progress, *yes).await
        }
        Command::Invoke { payload, .. } => {
            invoke::remote(&cli, &config, &clients, &progress, payload).await
        }
        Command::Logs {
            since,
            follow,
            filter,
        } => {
            logs::logs(
                &cli,
                &config,
                &clients,
                &progress,
                since,
                *follow,
                filter.as_deref(),
            )
            .await
        }
        Command::Dev { .. }
        | Command::Init { .. }
        | Command::Completions { .. }
        | Command::Policy { .. } => Ok(()),
    }
}
