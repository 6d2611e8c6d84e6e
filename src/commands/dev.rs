//! `dev`: the Lambda Invoke API on localhost with the local handler kept
//! warm, rebuilt and restarted when its sources change.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::invoke::{staged, start_local};
use crate::cli::Cli;
use crate::config::Config;
use crate::desired::Names;
use crate::error::{Error, InputError};
use crate::local::identity::CallerIdentity;
use crate::local::{invoke_api, LocalFunction};
use crate::progress::Progress;

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl Fn(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// `dev`: the Invoke API on 127.0.0.1:`port`, the handler warm, rebuilt on change.
pub async fn dev(
    cli: &Cli,
    config: &Config,
    progress: Progress,
    port: u16,
    identity: Option<CallerIdentity>,
) -> Result<(), Error> {
    let progress = Arc::new(progress);
    // Taken before the build, so that no change made after it starts is missed.
    // The port first: a taken port is reported before any build.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| InputError::Flag {
            flag: "--port",
            message: format!("cannot listen on 127.0.0.1:{port}: {e}\n  hint: pick another port, e.g. --port 9002"),
        })?;
    let sources = fingerprint(&config.handler_path);
    let staged = staged(config, &progress)?;
    let function = start_local(cli, config, &staged, identity, &progress).await?;
    let address = listener
        .local_addr()
        .map_err(io_error("cannot listen for", &staged.binary))?;
    let name = Arc::new(Names::new(&config.project, &config.stage).function);
    println!("http://{address}");
    progress.done(&format!(
        "serving the Lambda Invoke API for {name} at http://{address} (from an Android emulator: http://10.0.2.2:{}); Ctrl-C stops",
        address.port()
    ));
    tokio::spawn(watch(
        config.clone(),
        sources,
        function.clone(),
        progress.clone(),
    ));
    let handler = {
        let (function, name, progress) = (function.clone(), name.clone(), progress.clone());
        move |req| {
            let (function, name, progress) = (function.clone(), name.clone(), progress.clone());
            async move {
                Ok::<_, std::convert::Infallible>(
                    invoke_api::handle(function, name, progress, req).await,
                )
            }
        }
    };
    tokio::select! {
        _ = invoke_api::serve(listener, handler) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    function.shutdown().await;
    progress.done("stopped");
    Ok(())
}

/// A fingerprint of the handler's sources: every file's path, size and mtime
/// (build output and hidden folders aside).
fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(path),
                Ok(m) => out.push((path, m.len(), m.modified().ok())),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

/// How often `dev` looks at the handler's sources: a save is noticed within
/// this, so the rebuild (under a second) starts at once.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// Rebuilds and restarts the handler when its sources change; a failed
/// build keeps the last good binary running.
async fn watch(
    config: Config,
    mut last: Vec<(PathBuf, u64, Option<SystemTime>)>,
    function: Arc<LocalFunction>,
    progress: Arc<Progress>,
) {
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let now = fingerprint(&config.handler_path);
        if now == last {
            continue;
        }
        progress.step("handler sources changed: rebuilding");
        // Edits that land during the build trigger the next one.
        last = now;
        let (cfg, p) = (config.clone(), progress.clone());
        match tokio::task::spawn_blocking(move || staged(&cfg, &p)).await {
            Ok(Ok(staged)) => {
                function.replace_binary(staged.binary).await;
                progress.done("rebuilt; the next invocation starts the new handler");
            }
            Ok(Err(e)) => progress.note(&format!(
                "rebuild failed, still serving the last good build: {e}"
            )),
            Err(e) => progress.note(&format!("rebuild failed: {e}")),
        }
    }
}
