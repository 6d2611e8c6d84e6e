//! `doctor`: what the commands need on this machine, each found (with its
//! version or path) or missing (with why and the command that installs it):
//! cargo and rustup, the function's Rust target, the linker its build takes
//! (cc, or cargo-zigbuild and zig), qemu where local runs need it, and the
//! AWS side (region, credentials, the endpoint). Exits 3 when a tool is
//! missing, as `up` does.

use serde_json::json;

use crate::aws::{self, Connect};
use crate::cli::{Cli, Output};
use crate::config::{self, Architecture, Linker};
use crate::error::{BuildError, Error};
use crate::package::toolchain::{self, Found, Host};

/// One line of the report.
struct Line {
    what: String,
    found: Found,
    /// Missing, but only worth a note (nothing the commands need now).
    optional: bool,
}

fn tool(what: &str, program: &str, fix: &str, why: &str) -> Line {
    let found = toolchain::which(program)
        .map(|p| {
            toolchain::version_of(&p, &["--version"]).unwrap_or_else(|| p.display().to_string())
        })
        .ok_or_else(|| BuildError::MissingTool {
            needed: program.to_string(),
            why: why.to_string(),
            fix: fix.to_string(),
        });
    Line {
        what: what.to_string(),
        found,
        optional: false,
    }
}

/// The checks of the tools, for a function of `arch` built as `linker` says.
fn tool_lines(arch: Architecture, linker: Linker, host: Host) -> Vec<Line> {
    let mut lines = vec![tool(
        "cargo",
        "cargo",
        "install Rust with rustup: https://rustup.rs",
        "every command that deploys builds the handler with cargo",
    )];
    let way = toolchain::build_way(linker, arch, host);
    let build = toolchain::build_checks(&way);
    let target_missing = build.first().is_some_and(|(_, found)| found.is_err());
    let mut rustup = tool(
        "rustup",
        "rustup",
        "install Rust with rustup: https://rustup.rs",
        "it adds the Rust target the function's build needs",
    );
    rustup.optional = !target_missing;
    lines.push(rustup);
    lines.extend(build.into_iter().map(|(what, found)| Line {
        what,
        found,
        optional: false,
    }));
    lines.push(Line {
        what: "local runs (invoke --local, dev)".into(),
        found: toolchain::launcher(arch, host).map(|l| l.how),
        optional: false,
    });
    lines
}

/// A missing tool as the report says it: why it is needed, and the fix.
fn missing_text(missing: &BuildError) -> String {
    match missing {
        BuildError::MissingTool { why, fix, .. } => {
            format!("missing ({why})\n      install: {fix}")
        }
        other => other.to_string(),
    }
}

fn print_text(heading: &str, lines: &[Line], aws: &Result<String, Error>) {
    println!("{heading}");
    for line in lines {
        match &line.found {
            Ok(found) => println!("  ✓ {}: {found}", line.what),
            Err(_) if line.optional => println!("  - {}: not found (not needed now)", line.what),
            Err(missing) => println!("  ✗ {}: {}", line.what, missing_text(missing)),
        }
    }
    match aws {
        Ok(found) => println!("  ✓ AWS: {found}"),
        Err(e) => println!("  ✗ AWS: {e}"),
    }
}

fn print_json(heading: &str, lines: &[Line], aws: &Result<String, Error>, ok: bool) {
    let mut checks: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| match &line.found {
            Ok(found) => json!({"check": line.what, "ok": true, "found": found}),
            Err(missing) => {
                let fix = match missing {
                    BuildError::MissingTool { fix, .. } => Some(fix.clone()),
                    _ => None,
                };
                json!({"check": line.what, "ok": line.optional, "optional": line.optional,
                       "missing": missing_text(missing), "fix": fix})
            }
        })
        .collect();
    checks.push(match aws {
        Ok(found) => json!({"check": "AWS", "ok": true, "found": found}),
        Err(e) => json!({"check": "AWS", "ok": false, "missing": e.to_string()}),
    });
    println!("{}", json!({"for": heading, "ok": ok, "checks": checks}));
}

/// Region, credentials and endpoint, proven by one `GetCallerIdentity`.
async fn aws_line(cli: &Cli) -> Result<String, Error> {
    let clients = aws::connect(&Connect {
        region: cli.region.clone(),
        profile: cli.profile.clone(),
        endpoint_url: cli.endpoint_url.clone(),
    })
    .await?;
    let account = aws::account::find(&clients.sts, &clients.region).await?;
    let endpoint = cli
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| "AWS's own".into());
    Ok(format!(
        "account {} in {} (partition {}), endpoint {endpoint}",
        account.account_id, account.region, account.partition
    ))
}

pub async fn doctor(cli: &Cli) -> Result<(), Error> {
    let host = Host::this();
    let (arch, linker, about) = match config::load(&cli.config, &cli.stage) {
        Ok(c) => (c.architecture, c.linker, format!("project {}", c.project)),
        Err(_) if !cli.config.exists() => (
            Architecture::X86_64,
            Linker::Auto,
            format!("no {}: the defaults", cli.config.display()),
        ),
        Err(e) => return Err(e.into()),
    };
    let heading = format!(
        "what backend-ctl needs on this {} {} machine, for a {} function ({about})",
        host.os,
        host.arch,
        toolchain::machine(arch)
    );
    let lines = tool_lines(arch, linker, host);
    let aws = aws_line(cli).await;
    let missing: Vec<String> = lines
        .iter()
        .filter(|l| l.found.is_err() && !l.optional)
        .map(|l| l.what.clone())
        .collect();
    let ok = missing.is_empty() && aws.is_ok();
    match cli.output {
        Output::Json => print_json(&heading, &lines, &aws, ok),
        Output::Text => print_text(&heading, &lines, &aws),
    }
    // A missing tool first (exit 3, as `up`'s); the AWS side's error was
    // printed above with the rest.
    if !missing.is_empty() {
        return Err(Error::Build(BuildError::Missing(missing)));
    }
    aws.map(drop)
}
