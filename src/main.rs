//! backend-ctl: parse the command line, run the command, and turn its error
//! (if any) into a message and a documented exit code; only here.

mod apply;
mod aws;
mod cli;
mod commands;
mod config;
mod desired;
mod error;
mod failed_event;
mod local;
mod observed;
mod outputs;
mod package;
mod plan;
mod policy;
mod progress;
mod scaffold;
mod status;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(commands::run(cli)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}

fn init_logging(verbose: u8) {
    let filter = match verbose {
        0 => "warn",
        1 => "warn,backend_ctl=debug",
        _ => "info,backend_ctl=debug,aws_config=debug,aws_smithy_runtime=debug",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .init();
}
