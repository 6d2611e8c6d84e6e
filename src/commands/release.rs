//! `update-code`, `rollback` and `versions`: a new release of the code
//! alone, the alias moved back in one guarded write, and the published
//! versions with the aliases that point at them.

use serde_json::json;

use super::lock;
use crate::apply;
use crate::aws::{function, release, Clients};
use crate::cli::{Cli, LockFlags, Output};
use crate::config::Config;
use crate::desired::{Code, Names};
use crate::error::{Error, InputError};
use crate::observed::{FunctionState, Releases};
use crate::plan::{self, release::ReleasePlan};
use crate::progress::Progress;

/// Our function, which these commands need deployed, and its releases.
async fn deployed(clients: &Clients, names: &Names) -> Result<(FunctionState, Releases), Error> {
    let (found, releases) = tokio::join!(
        super::deployed::deployed_function(clients, names),
        release::find(&clients.lambda, &names.function)
    );
    Ok((found?, releases?))
}

/// What `update-code` does from what it read: whether the code goes up,
/// and the release (its configuration is `$LATEST`'s, as found).
fn plan_code(
    config: &Config,
    code: &Code,
    found: &FunctionState,
    releases: &Releases,
    canary: Option<u8>,
) -> (bool, ReleasePlan) {
    let upload =
        found.code_sha256 != code.sha256 || found.architecture != config.architecture.as_str();
    let expected = FunctionState {
        code_sha256: code.sha256.clone(),
        architecture: config.architecture.as_str().to_string(),
        ..found.clone()
    };
    let release = plan::release::plan(
        releases,
        &config.alias,
        config.keep_versions,
        &expected,
        !upload,
        canary,
    );
    (upload, release)
}

/// A canary shares the calls with the version that is live: there must be one.
fn check_canary(config: &Config, releases: &Releases, canary: Option<u8>) -> Result<(), Error> {
    let live = releases.alias(&config.alias).and_then(|a| a.version());
    match (canary, live) {
        (Some(pct), None) => Err(InputError::Flag {
            flag: "--canary",
            message: format!(
                "{pct}% of the calls would go to the new version and the rest to the live one, but the alias {} has no live version yet\n  hint: make the first release with `backend-ctl up` (or `update-code` without --canary)",
                config.alias
            ),
        }
        .into()),
        _ => Ok(()),
    }
}

fn nothing(upload: bool, release: &ReleasePlan) -> bool {
    !upload && release.release.is_none() && release.prune.is_empty()
}

pub async fn update_code(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    code: Code,
    lock_flags: &LockFlags,
    canary: Option<u8>,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let (found, releases) = deployed(clients, &names).await?;
    check_canary(config, &releases, canary)?;
    let (upload, release) = plan_code(config, &code, &found, &releases, canary);
    let (updated, version) = if nothing(upload, &release) {
        progress.done("code unchanged; nothing uploaded or released");
        (false, None)
    } else {
        // Under the lock, from reads made under it.
        lock::hold(
            clients,
            progress,
            &names,
            "update-code",
            lock_flags,
            || async {
                let (found, releases) = deployed(clients, &names).await?;
                check_canary(config, &releases, canary)?;
                let (upload, release) = plan_code(config, &code, &found, &releases, canary);
                if nothing(upload, &release) {
                    progress.done("code unchanged; nothing uploaded or released");
                    return Ok((false, None));
                }
                if upload {
                    upload_code(config, clients, progress, &names, &code).await?;
                }
                let version =
                    apply::release::run(clients, progress, &names.function, &release, &code)
                        .await?;
                Ok((upload, version))
            },
        )
        .await?
    };
    let arn = found.arn;
    match cli.output {
        Output::Json => println!(
            "{}",
            json!({"function_arn": arn, "code_sha256": code.sha256, "updated": updated,
                   "alias": config.alias, "released_version": version})
        ),
        Output::Text => {
            let what = match version {
                Some(v) => format!("released version {v} as {}", config.alias),
                None => "no new release".into(),
            };
            println!(
                "{} {arn}: {what} (CodeSha256 {})",
                if updated { "updated" } else { "unchanged" },
                code.sha256
            )
        }
    }
    Ok(())
}

/// Uploads the code and waits for Lambda to finish updating.
async fn upload_code(
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    names: &Names,
    code: &Code,
) -> Result<(), Error> {
    progress.step(&format!(
        "uploading code to Lambda function {}",
        names.function
    ));
    function::update_code(
        &clients.lambda,
        progress,
        &clients.limits,
        &names.function,
        code,
        config.architecture,
    )
    .await?;
    progress.note(&format!(
        "waiting for Lambda function {} to finish updating",
        names.function
    ));
    function::wait(
        &clients.lambda,
        progress,
        &names.function,
        function::Wait::Updated,
        clients.limits.wait_limit,
    )
    .await?;
    progress.done("code deployed");
    Ok(())
}

/// `rollback [--to N]`: one `UpdateAlias`, guarded by the alias's
/// `RevisionId`, after one round of reads. It takes no lock: the guard
/// already refuses to overwrite a release that moved the alias meanwhile,
/// and a rollback is what one reaches for when things are on fire.
pub async fn rollback(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    to: Option<u64>,
    dry_run: bool,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let (_, releases) = deployed(clients, &names).await?;
    let canary = releases
        .alias(&config.alias)
        .is_some_and(|a| !a.weights.is_empty());
    let m = plan::release::rollback(&releases, &config.alias, to)
        .map_err(|why| InputError::Rollback(why.to_string()))?;
    let what = if canary && to.is_none() {
        "the canary called off: every call back on"
    } else {
        "rolled back to"
    };
    move_alias(cli, clients, progress, &names, &m, dry_run, what).await?;
    if !dry_run {
        progress.done(&format!(
            "the app's calls go to version {} now; $LATEST and your source may still hold the newer code: fix it before the next `up` or `update-code` releases it again",
            m.to
        ));
    }
    Ok(())
}

/// `promote`: a canary's version gets every call, in one guarded write.
pub async fn promote(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let (_, releases) = deployed(clients, &names).await?;
    let m = plan::release::promote(&releases, &config.alias)
        .map_err(|why| InputError::Rollback(why.to_string()))?;
    move_alias(cli, clients, progress, &names, &m, false, "promoted to").await
}

/// Moves the alias as `m` says (every call to `m.to`), or says where it
/// would go.
async fn move_alias(
    cli: &Cli,
    clients: &Clients,
    progress: &Progress,
    names: &Names,
    m: &plan::release::Move,
    dry_run: bool,
    what: &str,
) -> Result<(), Error> {
    let summary = json!({"alias": m.alias, "from": m.from, "to": m.to,
                         "history": m.history, "dry_run": dry_run});
    if dry_run {
        match cli.output {
            Output::Json => println!("{summary}"),
            Output::Text => println!(
                "would point alias {} at version {} (from version {}); nothing was changed",
                m.alias, m.to, m.from
            ),
        }
        return Ok(());
    }
    progress.step(&format!(
        "pointing alias {} at version {} (from version {})",
        m.alias, m.to, m.from
    ));
    let description = plan::release::history_description(&m.history);
    release::put_alias(
        &clients.lambda,
        &release::AliasWrite {
            function: &names.function,
            alias: &m.alias,
            version: m.to,
            description: &description,
            revision_id: Some(&m.revision_id),
            canary: None,
        },
    )
    .await?;
    match cli.output {
        Output::Json => println!("{summary}"),
        Output::Text => println!(
            "alias {} {what} version {} (was version {})",
            m.alias, m.to, m.from
        ),
    }
    Ok(())
}

/// `versions`: every published version, newest first, and the aliases.
pub async fn versions(cli: &Cli, config: &Config, clients: &Clients) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let (_, releases) = deployed(clients, &names).await?;
    let aliases_of = |n: u64| -> Vec<String> {
        let mut names: Vec<String> = releases
            .aliases
            .iter()
            .filter_map(|a| {
                if a.version() == Some(n) {
                    Some(a.name.clone())
                } else {
                    a.weights
                        .get(&n.to_string())
                        .map(|w| format!("{} ({:.0}%)", a.name, w * 100.0))
                }
            })
            .collect();
        names.sort();
        names
    };
    let ours = releases.alias(&config.alias);
    let rollback_to = ours
        .map(|a| plan::release::parse_history(&a.description))
        .unwrap_or_default()
        .into_iter()
        .find(|n| releases.version(*n).is_some() && Some(*n) != ours.and_then(|a| a.version()));
    let mut list: Vec<_> = releases.versions.iter().collect();
    list.sort_by_key(|v| std::cmp::Reverse(v.number));
    match cli.output {
        Output::Json => {
            let versions: Vec<_> = list
                .iter()
                .map(|v| {
                    json!({"version": v.number, "last_modified": v.last_modified,
                           "code_sha256": v.config.code_sha256, "code_size": v.config.code_size,
                           "description": v.description, "aliases": aliases_of(v.number)})
                })
                .collect();
            let aliases: Vec<_> = releases
                .aliases
                .iter()
                .map(|a| {
                    json!({"name": a.name, "function_version": a.function_version,
                                "weights": a.weights})
                })
                .collect();
            println!(
                "{}",
                json!({"function": names.function, "alias": config.alias,
                       "rollback_to": rollback_to, "versions": versions, "aliases": aliases})
            );
        }
        Output::Text => {
            // Lambda's `LastModified` to the second.
            let published = |v: &crate::observed::VersionState| {
                let t = &v.last_modified;
                t.split_once('.').map_or(t.clone(), |(s, _)| s.to_string())
            };
            println!(
                "{:>7}  {:<19}  {:<12}  {:>8}  {:<14}  DESCRIPTION",
                "VERSION", "PUBLISHED", "CODE", "SIZE", "ALIASES"
            );
            for v in &list {
                let mut aliases = aliases_of(v.number).join(", ");
                if Some(v.number) == rollback_to {
                    aliases = if aliases.is_empty() {
                        "(rollback)".into()
                    } else {
                        format!("{aliases}, (rollback)")
                    };
                }
                println!(
                    "{:>7}  {:<19}  {:<12}  {:>7}K  {:<14}  {}",
                    v.number,
                    published(v),
                    v.config.code_sha256.chars().take(12).collect::<String>(),
                    v.config.code_size / 1024,
                    aliases,
                    v.description
                );
            }
            if list.is_empty() {
                println!("(no published versions yet: `backend-ctl up` makes the first release)");
            }
        }
    }
    Ok(())
}
