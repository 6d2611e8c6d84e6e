//! Running the real `bootstrap` the way Lambda does, with no Docker and no
//! AWS: backend-ctl serves the Lambda Runtime API on 127.0.0.1, starts the
//! binary with Lambda's variables, and hands it one event at a time.

mod http;
pub mod identity;
pub mod invoke_api;
mod outcome;
pub mod runtime_api;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, Mutex};

pub use outcome::{Outcome, Timing};
use runtime_api::{Event, RuntimeApi};

/// How to start the function locally.
#[derive(Debug, Clone)]
pub struct Settings {
    pub binary: PathBuf,
    /// What to start the binary under (qemu for the other CPU), if anything.
    pub launcher: Vec<std::ffi::OsString>,
    pub function_name: String,
    pub function_arn: String,
    pub memory_mb: u32,
    pub timeout: Duration,
    pub region: String,
    pub environment: BTreeMap<String, String>,
    pub task_root: PathBuf,
    /// The caller's Cognito identity handed to every invocation, if any.
    pub identity: Option<identity::CallerIdentity>,
}

/// Copies the built binary to a folder of this run's own, so that a later
/// build in the same target folder (another handler, another project) cannot
/// swap it while it runs or before it restarts. Lambda calls that folder
/// the task root.
pub fn stage_binary(bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static RUN: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "backend-ctl-task-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(if cfg!(windows) {
        "bootstrap.exe"
    } else {
        "bootstrap"
    });
    std::fs::write(&path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(path)
}

/// Removes a folder made by `stage_binary`.
pub fn unstage_binary(binary: &std::path::Path) {
    if let Some(dir) = binary.parent() {
        if dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("backend-ctl-task-"))
        {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// One warm execution environment: a process and the Runtime API it talks to.
/// Invocations run one at a time, as in one Lambda execution environment.
pub struct LocalFunction {
    api: Arc<RuntimeApi>,
    state: Mutex<State>,
}

struct State {
    settings: Settings,
    child: Option<Child>,
}

impl LocalFunction {
    /// Starts the Runtime API on a free loopback port; the process starts on
    /// the first invocation.
    pub async fn start(settings: Settings) -> std::io::Result<Arc<LocalFunction>> {
        let api = RuntimeApi::start().await?;
        Ok(Arc::new(LocalFunction {
            api,
            state: Mutex::new(State {
                settings,
                child: None,
            }),
        }))
    }

    /// Replaces the binary (after a rebuild): the next invocation starts it.
    pub async fn replace_binary(&self, binary: PathBuf) {
        let mut state = self.state.lock().await;
        stop(&mut state).await;
        unstage_binary(&state.settings.binary);
        state.settings.task_root = binary.parent().map(PathBuf::from).unwrap_or_default();
        state.settings.binary = binary;
    }

    /// Stops the process, if any, and removes its staged binary.
    pub async fn shutdown(&self) {
        let mut state = self.state.lock().await;
        stop(&mut state).await;
        unstage_binary(&state.settings.binary);
    }

    /// Runs one invocation to its outcome: response, function error,
    /// timeout, or a crash (after which the next invocation starts afresh).
    pub async fn invoke(&self, payload: Bytes) -> (Outcome, Timing) {
        let mut state = self.state.lock().await;
        let start = Instant::now();
        let id = request_id();
        let cold = !alive(&mut state);
        if cold {
            if let Err(e) = spawn(&mut state, &self.api) {
                return (
                    Outcome::error(
                        "Runtime.InvalidEntrypoint",
                        format!(
                            "RequestId: {id} Error: cannot start {}: {e}",
                            state.settings.binary.display()
                        ),
                    ),
                    Timing {
                        cold,
                        elapsed: start.elapsed(),
                    },
                );
            }
        }
        let timeout = state.settings.timeout;
        let deadline_ms = SystemTime::now()
            .checked_add(timeout)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default();
        let (tx, rx) = oneshot::channel();
        self.api.offer(
            Event {
                id: id.clone(),
                payload,
                deadline_ms,
                function_arn: state.settings.function_arn.clone(),
                cognito_identity: state.settings.identity.as_ref().map(|i| i.header()),
            },
            tx,
        );
        let outcome = match state.child.as_mut() {
            Some(child) => {
                // An answer that is there wins over a timeout or an exit at the same moment.
                tokio::select! {
                    biased;
                    outcome = rx => outcome.unwrap_or_else(|_| Outcome::error("Runtime.Unknown", format!("RequestId: {id} Error: the runtime dropped the invocation"))),
                    _ = tokio::time::sleep(timeout) => {
                        let _ = child.kill().await;
                        Outcome::error("Sandbox.Timedout", format!("RequestId: {id} Error: Task timed out after {:.2} seconds", timeout.as_secs_f64()))
                    }
                    status = child.wait() => {
                        let status = status.map(exit_reason).unwrap_or_else(|e| e.to_string());
                        match self.api.take_init_error() {
                            Some(init) => init,
                            None => Outcome::error("Runtime.ExitError", format!("RequestId: {id} Error: Runtime exited with error: {status}")),
                        }
                    }
                }
            }
            None => Outcome::error(
                "Runtime.Unknown",
                format!("RequestId: {id} Error: no runtime process"),
            ),
        };
        self.api.forget(&id);
        if !matches!(outcome, Outcome::Response(_)) && !alive(&mut state) {
            state.child = None;
        }
        (
            outcome,
            Timing {
                cold,
                elapsed: start.elapsed(),
            },
        )
    }
}

/// How Lambda words a runtime's end: `exit status 7`, `signal: killed`.
fn exit_reason(status: std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                6 => "aborted".to_string(),
                9 => "killed".to_string(),
                11 => "segmentation fault".to_string(),
                15 => "terminated".to_string(),
                other => other.to_string(),
            };
            return format!("signal: {name}");
        }
    }
    status.to_string()
}

fn alive(state: &mut State) -> bool {
    match state.child.as_mut() {
        Some(child) => matches!(child.try_wait(), Ok(None)),
        None => false,
    }
}

async fn stop(state: &mut State) {
    if let Some(mut child) = state.child.take() {
        let _ = child.kill().await;
    }
}

/// Starts the binary with the variables Lambda sets, and nothing of ours.
fn spawn(state: &mut State, api: &RuntimeApi) -> std::io::Result<()> {
    let s = &state.settings;
    let stream = format!("local/[$LATEST]{}", request_id().replace('-', ""));
    let mut cmd = match s.launcher.split_first() {
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(&s.binary);
            cmd
        }
        None => Command::new(&s.binary),
    };
    cmd.env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "en_US.UTF-8")
        .env("TZ", ":UTC")
        .envs(&s.environment)
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", &s.function_name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", s.memory_mb.to_string())
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", s.function_name),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", stream)
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
        .env("AWS_REGION", &s.region)
        .env("AWS_DEFAULT_REGION", &s.region)
        .env("_HANDLER", crate::desired::HANDLER)
        .env("LAMBDA_TASK_ROOT", &s.task_root)
        .current_dir(&s.task_root)
        .stdin(Stdio::null())
        // The handler's logs go to our stderr: our stdout carries results.
        .stdout(stderr_stdio())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    api.reset();
    state.child = Some(cmd.spawn()?);
    Ok(())
}

fn stderr_stdio() -> Stdio {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        match std::io::stderr().as_fd().try_clone_to_owned() {
            Ok(fd) => Stdio::from(fd),
            Err(_) => Stdio::null(),
        }
    }
    #[cfg(not(unix))]
    {
        Stdio::inherit()
    }
}

/// A request id shaped like Lambda's (a UUID), unique within this process.
fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mix =
        (t as u64) ^ (u64::from(std::process::id()) << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let h = format!("{mix:016x}{:016x}", n ^ (t >> 64) as u64);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
