//! The commands: each reads and checks its input first, then builds, then
//! talks to AWS (or runs the handler locally); only `main` turns their errors
//! into exit codes.

mod deploy;
mod invoke;

use crate::aws::{self, Connect};
use crate::cli::{Cli, Command, Output};
use crate::config;
use crate::error::Error;
use crate::progress::Progress;

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> Result<(), Error> {
    let config = config::load(&cli.config, &cli.stage)?;
    let progress = Progress::new(cli.output == Output::Json && cli.verbose == 0);
    let builds = !matches!(
        cli.command,
        Command::Teardown { .. } | Command::Invoke { local: false, .. }
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
        Command::Dev { .. } => Ok(()),
    }
}
