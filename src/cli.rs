//! The command line: global flags and the commands, parsed by clap. Parsing
//! only; what each command does lives in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Provision and maintain the AWS backend of a mobile app: a Lambda function
/// the app invokes with temporary credentials from a Cognito identity pool.
#[derive(Debug, Parser)]
#[command(name = "backend-ctl", version, about, long_about = None)]
pub struct Cli {
    /// The project's config file; paths inside it are relative to it.
    #[arg(
        long,
        global = true,
        default_value = "config.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,
    /// The stage (environment) to act on; part of every resource name.
    #[arg(long, global = true, default_value = "dev", value_name = "NAME")]
    pub stage: String,
    /// The AWS region (else AWS_REGION or the profile's region).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// The AWS profile to take credentials and region from.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (a local emulator); AWS_ENDPOINT_URL also works.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// How results are printed on stdout.
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// More detail on stderr (-v: backend-ctl's debug log, -vv: the AWS SDK's too).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what `up` would create, update or delete, and why; changes nothing.
    Plan,
    /// Build the handler, then create or converge every resource and write the app's config.
    Up {
        /// Apply without asking (needed when stdin is not a terminal).
        #[arg(short, long)]
        yes: bool,
        #[command(flatten)]
        lock: LockFlags,
        /// Let calls in again if the function is paused (`up` otherwise leaves a pause alone).
        #[arg(long)]
        resume: bool,
    },
    /// Build and release the function's code only; uploads and publishes
    /// nothing when it did not change.
    UpdateCode {
        #[command(flatten)]
        lock: LockFlags,
        /// Release to this share of the calls only (1-99 %), the rest staying
        /// on the live version; `promote` finishes it, `rollback` undoes it.
        #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(1..=99))]
        canary: Option<u8>,
    },
    /// Finish a canary: its version gets every call, in one write.
    Promote,
    /// The kill switch: every call of the function is throttled at once, at
    /// no cost (its reserved concurrency becomes 0); `Event` calls go to the
    /// failed events, untried.
    Pause,
    /// Let calls in again after `pause` (the reservation the config asks for).
    Resume {
        /// Then replay the failed events (those sent while paused among them).
        #[arg(long)]
        replay: bool,
    },
    /// List the `Event` calls Lambda gave up on (oldest first): when, why,
    /// the error, the version that ran, the tries, the payload. Removes nothing.
    Failed,
    /// Run failed events again on the alias the app calls, one at a time;
    /// each is removed once its new run succeeds, kept if it fails again.
    Replay {
        /// The events to replay (their ids, as `failed` shows them).
        #[arg(
            value_name = "ID",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        ids: Vec<String>,
        /// Replay every failed event.
        #[arg(long)]
        all: bool,
        /// Show what would be replayed; run nothing, remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// What is deployed and how it is used: settings, release, alarms, and
    /// the function's numbers (one GetMetricData call).
    Status {
        /// The window: 1h, 1d or 7d (default: the last hour and the last day).
        #[arg(long, value_enum, value_name = "WINDOW")]
        since: Option<crate::status::Window>,
    },
    /// Point the alias the app calls back at the release before (or at
    /// --to VERSION), in one write that a concurrent release cannot be lost to.
    Rollback {
        /// The published version to go to (default: the one the alias
        /// pointed at before the last release).
        #[arg(long, value_name = "VERSION")]
        to: Option<u64>,
        /// Show where the alias would go; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the function's published versions (number, date, code hash,
    /// size, description) and the aliases that point at them.
    Versions,
    /// Delete everything this project and stage owns, and nothing else.
    Teardown {
        /// Delete without asking (needed when stdin is not a terminal).
        #[arg(short, long)]
        yes: bool,
        #[command(flatten)]
        lock: LockFlags,
    },
    /// Invoke the function the way the app does: a Cognito identity, its
    /// temporary credentials, then Lambda Invoke (or, with --local, the real
    /// handler on this machine).
    Invoke {
        /// Run the handler built from the local crate, with no AWS at all.
        #[arg(long)]
        local: bool,
        /// With --local: the caller's Cognito identity id the handler sees
        /// (default: a stand-in, REGION:00000000-0000-0000-0000-000000000001;
        /// `none`: a caller without one).
        #[arg(long, value_name = "ID", requires = "local")]
        identity: Option<String>,
        #[command(flatten)]
        payload: Payload,
    },
    /// Serve the Lambda Invoke API on localhost with the local handler kept
    /// warm, rebuilt and restarted when its sources change.
    Dev {
        /// The port (an Android emulator reaches the host's 127.0.0.1 as 10.0.2.2).
        #[arg(long, default_value_t = 9001)]
        port: u16,
        /// The caller's Cognito identity id the handler sees (default: a
        /// stand-in, REGION:00000000-0000-0000-0000-000000000001; `none`: a
        /// caller without one).
        #[arg(long, value_name = "ID")]
        identity: Option<String>,
    },
    /// Show the function's log lines (all its log streams, in time order).
    Logs {
        /// From how long ago (10m, 2h, 1d) or since when (RFC 3339, e.g. 2026-11-25T09:00:00Z).
        #[arg(long, default_value = "10m", value_name = "WHEN")]
        since: String,
        /// Keep printing new lines as they arrive (about once a second); Ctrl-C stops.
        #[arg(short, long)]
        follow: bool,
        /// Only lines matching this CloudWatch Logs filter pattern (e.g. ERROR, or "Task timed out").
        #[arg(long, value_name = "PATTERN")]
        filter: Option<String>,
    },
    /// Print an IAM policy document for the people and machines that run backend-ctl.
    Policy {
        #[command(subcommand)]
        which: PolicyKind,
    },
    /// Start a backend in your app: the handler crate, config.toml and
    /// policies/ (in an Android project, under backend/, wired to the app module).
    Init {
        /// Where to start (default: the current folder).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The project name (default: the Gradle rootProject.name, else the folder's name).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Check what the commands need on this machine (cargo, the Rust
    /// target, zig, qemu, AWS credentials and region): each found, or how to
    /// install it; exit 3 when a tool is missing.
    Doctor,
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyKind {
    /// The least-privilege policy that runs every command for this project
    /// and stage; attach it to a deployer user or a CI role.
    Deployer {
        /// The account to scope the ARNs to (default: the caller's, from STS).
        #[arg(long, value_name = "ID")]
        account_id: Option<String>,
        /// The partition (aws, aws-us-gov, aws-cn), when --account-id is given.
        #[arg(long, default_value = "aws", requires = "account_id")]
        partition: String,
        /// Pin the pool statements to this identity pool (default: ours, when it exists).
        #[arg(long, value_name = "ID")]
        pool_id: Option<String>,
    },
}

/// The stack's lock, which `up`, `update-code` and `teardown` hold while they write.
#[derive(Debug, Clone, Default, Args)]
pub struct LockFlags {
    /// When another run is changing this stack, wait for it to finish instead of stopping.
    #[arg(long)]
    pub wait: bool,
    /// Break the stack's lock first (when the run that took it died; it also expires after 30 minutes).
    #[arg(long)]
    pub force_unlock: bool,
}

/// The event to send.
#[derive(Debug, Clone, Args)]
pub struct Payload {
    /// The event, as JSON (default `{}`).
    #[arg(long, value_name = "JSON", conflicts_with = "payload_file")]
    pub payload: Option<String>,
    /// Read the event from a file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub payload_file: Option<PathBuf>,
    /// Fire and forget (invocation type `Event`): no answer is awaited.
    #[arg(long = "async")]
    pub asynchronous: bool,
    /// Print the end of the invocation's log on stderr (its REPORT line:
    /// duration, memory, init); needs only lambda:InvokeFunction.
    #[arg(long, conflicts_with = "asynchronous")]
    pub logs: bool,
}
