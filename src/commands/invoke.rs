//! `invoke`: the app's path through Cognito to the alias, or the local
//! handler with `--local` (whose build and start `dev` shares).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::aws::{identity_pool, invoke, pool_roles, role_policy, Clients};
use crate::cli::{Cli, Payload};
use crate::config::Config;
use crate::desired::Names;
use crate::error::{Error, InputError, OwnershipError};
use crate::local::identity::{self, CallerIdentity};
use crate::local::{self, LocalFunction, Outcome};
use crate::package;
use crate::plan;
use crate::progress::Progress;

/// The event to send: `--payload`, `--payload-file` (or `-` for stdin), else `{}`.
fn read_payload(p: &Payload) -> Result<Vec<u8>, Error> {
    let (flag, bytes) = match (&p.payload, &p.payload_file) {
        (Some(text), _) => ("--payload", text.clone().into_bytes()),
        (None, Some(path)) if path == Path::new("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| InputError::Flag {
                    flag: "--payload-file",
                    message: format!("cannot read stdin: {e}"),
                })?;
            ("--payload-file", buf)
        }
        (None, Some(path)) => (
            "--payload-file",
            std::fs::read(path).map_err(|e| InputError::Flag {
                flag: "--payload-file",
                message: format!("cannot read {}: {e}", path.display()),
            })?,
        ),
        (None, None) => ("--payload", b"{}".to_vec()),
    };
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        return Err(InputError::Flag {
            flag,
            message: format!("the event is not valid JSON ({e})\n  hint: e.g. --payload '{{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}}'"),
        }
        .into());
    }
    Ok(bytes)
}

fn print_answer(payload: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(payload);
    let _ = out.write_all(b"\n");
}

/// The app's path: an unauthenticated identity, its credentials, then Invoke.
pub async fn remote(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    payload: &Payload,
) -> Result<(), Error> {
    let body = read_payload(payload)?;
    let _ = cli;
    let names = Names::new(&config.project, &config.stage);
    let pools = identity_pool::find(&clients.cognito, &names.pool, false).await?;
    let pool = plan::our_pool(&names, &pools)
        .map_err(super::deploy::ownership)?
        .ok_or(OwnershipError::NotDeployed {
            kind: "Cognito identity pool",
            name: names.pool.clone(),
        })?;
    progress.step(&format!(
        "getting an unauthenticated identity from pool {}",
        pool.id
    ));
    let identity = invoke::identity(&clients.cognito, &pool.id).await?;
    let propagation = clients.limits.propagation_timeout;
    let credentials =
        invoke::credentials(&clients.cognito, progress, &identity, propagation).await?;
    // The app's path: the alias it calls, never $LATEST.
    let qualified = format!("{}:{}", names.function, config.alias);
    progress.step(&format!(
        "invoking {qualified} as identity {identity} (its temporary credentials, not yours)"
    ));
    let request = invoke::Request {
        function: qualified.clone(),
        payload: body,
        asynchronous: payload.asynchronous,
        tail_logs: payload.logs,
        function_timeout: Duration::from_secs(u64::from(config.timeout_s)),
        propagation: Duration::ZERO,
    };
    // A refusal is waited out only while a change may still be propagating:
    // when the stack's permission is wrong, it is reported at once.
    let out = match invoke::invoke(&clients.conf, progress, credentials.clone(), &request).await {
        Err(mut refused) if refused.denied.is_some() => {
            if let Some(why) = permission_drift(clients, &names, &config.alias, &pool.id).await? {
                refused.hint = Some(format!(
                    "{why}, so nothing is propagating: the app's identity may not invoke {qualified}. `backend-ctl plan` shows the drift; `backend-ctl up` puts it back"
                ));
                return Err(refused.into());
            }
            let request = invoke::Request {
                propagation,
                ..request
            };
            invoke::invoke(&clients.conf, progress, credentials, &request).await?
        }
        other => other?,
    };
    if let Some(tail) = &out.log_tail {
        eprintln!("--- the end of this invocation's log ---");
        eprint!("{tail}");
        if !tail.ends_with('\n') {
            eprintln!();
        }
        eprintln!("---");
    }
    if payload.asynchronous {
        println!(
            "accepted (status {}): the function runs on its own",
            out.status
        );
        return Ok(());
    }
    match out.function_error {
        Some(kind) => {
            let _ = std::io::stderr().write_all(&out.payload);
            eprintln!();
            Err(Error::Function(kind))
        }
        None => {
            print_answer(&out.payload);
            Ok(())
        }
    }
}

/// Why the app's identity is refused for good, if the stack says so: the
/// pool's unauthenticated role is not ours, or our invoke policy is missing
/// or not the one `up` puts (read with the caller's own credentials, as
/// `plan` reads them). `None`: the stack is right, so a refusal is IAM
/// still propagating a recent change.
async fn permission_drift(
    clients: &Clients,
    names: &Names,
    alias: &str,
    pool_id: &str,
) -> Result<Option<String>, Error> {
    let (roles, policy) = tokio::join!(
        pool_roles::find(&clients.cognito, pool_id),
        role_policy::find(&clients.iam, &names.unauth_role, &names.unauth_policy),
    );
    let suffix = format!(":role/{}", names.unauth_role);
    let role_arn = roles?.roles.get("unauthenticated").cloned();
    let Some(role_arn) = role_arn.filter(|arn| arn.ends_with(&suffix)) else {
        return Ok(Some(format!(
            "identity pool {pool_id} does not give unauthenticated identities the role {}",
            names.unauth_role
        )));
    };
    let Some(policy) = policy? else {
        return Ok(Some(format!(
            "the role {} has no invoke policy {}",
            names.unauth_role, names.unauth_policy
        )));
    };
    // arn:{partition}:iam::{account}:role/{name} gives the function's ARN.
    let parts: Vec<&str> = role_arn.split(':').collect();
    let (partition, account) = (parts.get(1), parts.get(4));
    let alias_arn = format!(
        "arn:{}:lambda:{}:{}:function:{}:{alias}",
        partition.unwrap_or(&"aws"),
        clients.region,
        account.unwrap_or(&""),
        names.function
    );
    if !crate::policy::same(&policy, &crate::policy::invoke_policy(&alias_arn)) {
        return Ok(Some(format!(
            "the invoke policy {} of role {} was changed",
            names.unauth_policy, names.unauth_role
        )));
    }
    Ok(None)
}

/// The region local runs report to the handler (no AWS call is made).
fn local_region(cli: &Cli) -> String {
    cli.region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .unwrap_or_else(|| "us-east-1".into())
}

/// `--identity` of the local runs, checked before any build.
pub fn local_identity(cli: &Cli, flag: Option<&str>) -> Result<Option<CallerIdentity>, Error> {
    identity::from_flag(flag, &local_region(cli)).map_err(|message| {
        InputError::Flag {
            flag: "--identity",
            message,
        }
        .into()
    })
}

fn settings(
    cli: &Cli,
    config: &Config,
    staged: &Staged,
    identity: Option<CallerIdentity>,
) -> local::Settings {
    let (binary, launcher) = (staged.binary.to_path_buf(), staged.launcher.clone());
    let names = Names::new(&config.project, &config.stage);
    let region = local_region(cli);
    local::Settings {
        function_arn: format!(
            "arn:aws:lambda:{region}:000000000000:function:{}",
            names.function
        ),
        function_name: names.function,
        memory_mb: config.memory_mb,
        timeout: Duration::from_secs(u64::from(config.timeout_s)),
        region,
        environment: config.environment.clone(),
        task_root: binary.parent().map(Path::to_path_buf).unwrap_or_default(),
        binary,
        launcher,
        identity,
    }
}

/// A staged copy of the binary a local run starts, and how.
pub(super) struct Staged {
    pub(super) binary: PathBuf,
    launcher: Vec<std::ffi::OsString>,
}

/// Builds the handler as `up` does (for this machine where Linux binaries
/// cannot run), says which binary runs and how, and stages it for this run.
pub(super) fn staged(config: &Config, progress: &Progress) -> Result<Staged, Error> {
    let local = package::local_binary(config, progress)?;
    progress.note(&format!("running {}", local.what));
    let binary = local::stage_binary(&local.bytes).map_err(|source| Error::Io {
        action: "cannot stage a copy of",
        path: local.path,
        source,
    })?;
    Ok(Staged {
        binary,
        launcher: local.launcher.prefix,
    })
}

/// Starts the local Runtime API for a staged binary (removed again if that fails).
pub(super) async fn start_local(
    cli: &Cli,
    config: &Config,
    staged: &Staged,
    identity: Option<CallerIdentity>,
    progress: &Progress,
) -> Result<Arc<LocalFunction>, Error> {
    let binary = &staged.binary;
    progress.note(&match &identity {
        Some(id) if *id == CallerIdentity::stand_in(&local_region(cli)) => format!(
            "the caller's identity is a stand-in, {} (--identity chooses one)",
            id.identity_id
        ),
        Some(id) => format!("the caller's identity is {}", id.identity_id),
        None => "the caller has no Cognito identity (--identity none)".to_string(),
    });
    LocalFunction::start(settings(cli, config, staged, identity))
        .await
        .map_err(|source| {
            local::unstage_binary(binary);
            Error::Io {
                action: "cannot start the local Runtime API for",
                path: binary.to_path_buf(),
                source,
            }
        })
}

/// `invoke --local`: one invocation of the real handler, built as `up` builds it.
pub async fn local(
    cli: &Cli,
    config: &Config,
    progress: &Progress,
    payload: &Payload,
    identity: Option<CallerIdentity>,
) -> Result<(), Error> {
    let body = read_payload(payload)?;
    let staged = staged(config, progress)?;
    let function = start_local(cli, config, &staged, identity, progress).await?;
    let (outcome, timing) = function.invoke(Bytes::from(body)).await;
    function.shutdown().await;
    progress.note(&format!(
        "local {} start to answer: {} ms",
        if timing.cold { "cold" } else { "warm" },
        timing.elapsed.as_millis()
    ));
    match outcome {
        Outcome::Response(answer) if !payload.asynchronous => {
            print_answer(&answer);
            Ok(())
        }
        Outcome::Response(_) => {
            println!("accepted: the handler ran and its answer was discarded (--async)");
            Ok(())
        }
        Outcome::Error { error_type, body } => {
            let _ = std::io::stderr().write_all(&body);
            eprintln!();
            Err(Error::Function(error_type))
        }
    }
}
