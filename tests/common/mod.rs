//! Test harness: one emulator (moto + our extension) per test binary, a
//! recording proxy and a project folder per test, and SDK clients that read
//! the emulator's state directly (their calls are not recorded).
#![allow(dead_code)]

pub mod proxy;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

pub use proxy::Recorder;

pub const REGION: &str = "us-east-1";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The emulator process; it exits when its stdin closes, that is when the
/// test binary exits.
pub struct Emulator {
    pub url: String,
    _child: Child,
}

pub fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| {
        let python = repo().join(".venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/setup-venv.sh (scripts/test.sh does)",
            python.display()
        );
        let mut child = Command::new(python)
            .arg(repo().join("emulator/launch.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the emulator");
        let stdout = child.stdout.take().expect("emulator stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the emulator's endpoint");
        assert!(line.starts_with("http://"), "emulator said {line:?}");
        Emulator {
            url: line.trim().to_string(),
            _child: child,
        }
    })
}

/// Sets the emulator's switches for resources named `{scope}...` (see
/// emulator/backend_ctl_switches.py): Lambda's slow states, IAM propagation.
pub fn emulator_switches(scope: &str, settings: serde_json::Value) {
    let mut body = settings;
    body["scope"] = serde_json::Value::String(scope.to_string());
    emulator_post("/backend-ctl/switches", &body.to_string());
}

/// Sets an emulator account's limits (see emulator/backend_ctl_account.py):
/// concurrency, memory, denied actions, regions not enabled.
pub fn emulator_account(settings: serde_json::Value) {
    emulator_post("/backend-ctl/account", &settings.to_string());
}

fn emulator_post(path: &str, body: &str) {
    emulator_request("POST", path, body);
}

/// Has the emulator evaluate the IAM user `name`'s calls against its own
/// policies (see emulator/backend_ctl_iam/authorization).
pub fn emulator_authorize(name: &str) {
    emulator_post(
        "/backend-ctl/authorize",
        &serde_json::json!({"users": [name]}).to_string(),
    );
}

/// How many refusals each conflict switch of `scope` produced (see
/// emulator/backend_ctl_refusals.py): `iam_delete_conflict`,
/// `iam_concurrent_modification`, `logs_operation_aborted`.
pub fn emulator_produced(scope: &str) -> serde_json::Value {
    let answer = emulator_request(
        "GET",
        &format!("/backend-ctl/switches/produced?scope={scope}"),
        "",
    );
    let doc: serde_json::Value = serde_json::from_str(&answer).expect("produced counts JSON");
    doc["produced"][scope].clone()
}

/// Every credential Cognito issued for identities of `pool`, oldest first,
/// secrets included (see emulator/backend_ctl_identities.py).
pub fn issued_credentials(pool: &str) -> Vec<serde_json::Value> {
    let answer = emulator_request(
        "GET",
        &format!("/backend-ctl/cognito-identity/issued?IdentityPoolId={pool}&IncludeSecrets=true"),
        "",
    );
    let doc: serde_json::Value = serde_json::from_str(&answer).expect("issued credentials JSON");
    doc["Credentials"].as_array().cloned().unwrap_or_default()
}

/// What was published to an SNS topic (see emulator/backend_ctl_sns.py):
/// each message's `Subject` and `Message`, in publish order.
pub fn sns_published(topic_arn: &str) -> Vec<serde_json::Value> {
    let answer = emulator_request(
        "GET",
        &format!("/backend-ctl/sns/published?topic={topic_arn}"),
        "",
    );
    let doc: serde_json::Value = serde_json::from_str(&answer).expect("published JSON");
    doc["Messages"].as_array().cloned().unwrap_or_default()
}

/// The owner of `email` clicks the link SNS mailed: the subscription is confirmed.
pub fn sns_confirm(topic_arn: &str, email: &str) {
    emulator_post(
        &format!("/backend-ctl/sns/confirm?topic={topic_arn}&endpoint={email}"),
        "",
    );
}

/// One request to the emulator's own API; its body, which must come with 200.
fn emulator_request(method: &str, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let address = emulator().url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect to the emulator");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
        "{path} refused: {answer}"
    );
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}

/// A project of its own for one test: a config file in a temp folder, a
/// unique project name, and a recording proxy in front of the emulator.
pub struct Project {
    pub name: String,
    pub dir: tempfile::TempDir,
    pub recorder: Recorder,
    pub handler: PathBuf,
}

/// Settings a test may change in the generated config file.
#[derive(Clone)]
pub struct Settings {
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub environment: BTreeMap<String, String>,
    pub extra_statements: String,
    /// `None` leaves `reserved_concurrency` out of the config.
    pub reserved_concurrency: Option<u32>,
    pub architecture: &'static str,
    /// `None` leaves `log_retention_days` out (CloudWatch's default of ours: 30).
    pub log_retention_days: Option<u32>,
    pub keep_versions: Option<u32>,
    /// `[alarms]`: the email, and the invocations threshold (per 5 minutes).
    pub alarms: Option<(&'static str, Option<u32>)>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            memory_mb: 128,
            timeout_s: 10,
            environment: BTreeMap::from([("GREETING_STYLE".into(), "friendly".into())]),
            extra_statements: "[]".into(),
            reserved_concurrency: Some(10),
            architecture: "x86_64",
            log_retention_days: None,
            keep_versions: None,
            alarms: None,
        }
    }
}

impl Project {
    /// `name` must be unique across the test binary (it names the resources).
    pub fn new(name: &str) -> Project {
        Project::with_faults(name, proxy::Faults::default())
    }

    /// A project whose calls go through a fault-injecting proxy.
    pub fn with_faults(name: &str, faults: proxy::Faults) -> Project {
        let emu = emulator();
        let project = Project {
            name: name.to_string(),
            dir: tempfile::tempdir().expect("temp dir"),
            recorder: Recorder::with_faults(&emu.url, faults),
            handler: repo().join("handler"),
        };
        project.write_config(&Settings::default());
        project
    }

    /// Uses a copy of the example handler, so that the test may change it.
    pub fn with_handler_copy(self) -> Project {
        self.with_handler_copy_of("handler")
    }

    /// Uses a copy of the handler crate at `crate_dir` (relative to the repository).
    pub fn with_handler_copy_of(mut self, crate_dir: &str) -> Project {
        let dest = self.dir.path().join("handler");
        std::fs::create_dir_all(dest.join("src")).unwrap();
        for file in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
            std::fs::copy(repo().join(crate_dir).join(file), dest.join(file)).unwrap();
        }
        // A package name of its own. Copies share one target folder, and cargo
        // tells two packages of one name and version apart by the mtimes of
        // their files alone: a copy edited before another copy's build would
        // be taken as fresh, and the other copy's binary deployed.
        let manifest = std::fs::read_to_string(dest.join("Cargo.toml")).unwrap();
        let package = manifest
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap()
            .to_string();
        for file in ["Cargo.toml", "Cargo.lock"] {
            let path = dest.join(file);
            let text = std::fs::read_to_string(&path).unwrap().replacen(
                &format!("name = \"{package}\""),
                &format!("name = \"{package}-{}\"", self.name),
                1,
            );
            std::fs::write(&path, text).unwrap();
        }
        self.handler = dest;
        self.write_config(&Settings::default());
        self
    }

    /// Uses another handler crate (e.g. a test fixture) in place.
    pub fn with_handler_at(mut self, path: PathBuf) -> Project {
        self.handler = path;
        self.write_config(&Settings::default());
        self
    }

    /// The misbehaving test handler of tests/fixtures.
    pub fn misbehaving(name: &str) -> Project {
        Project::new(name).with_handler_at(repo().join("tests/fixtures/misbehaving"))
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn app_config_path(&self) -> PathBuf {
        self.dir.path().join("app/res/raw/awsconfiguration.json")
    }

    pub fn write_config(&self, s: &Settings) {
        let env: String = s
            .environment
            .iter()
            .map(|(k, v)| format!("{k} = \"{v}\"\n"))
            .collect();
        let mut function = format!(
            "architecture = \"{}\"\nmemory_mb = {}\ntimeout_s = {}\n",
            s.architecture, s.memory_mb, s.timeout_s
        );
        if let Some(r) = s.reserved_concurrency {
            function.push_str(&format!("reserved_concurrency = {r}\n"));
        }
        if let Some(days) = s.log_retention_days {
            function.push_str(&format!("log_retention_days = {days}\n"));
        }
        if let Some(keep) = s.keep_versions {
            function.push_str(&format!("keep_versions = {keep}\n"));
        }
        let mut text = format!(
            "project = \"{}\"\n\n[handler]\npath = \"{}\"\n\n[function]\n{function}\n[function.environment]\n{env}\n[app]\nconfig_path = \"app/res/raw/awsconfiguration.json\"\n",
            self.name,
            self.handler.display(),
        );
        if let Some((email, invocations)) = s.alarms {
            text.push_str(&format!("\n[alarms]\nemail = \"{email}\"\n"));
            if let Some(n) = invocations {
                text.push_str(&format!("invocations_per_5min = {n}\n"));
            }
        }
        self.write_raw_config(&text);
        std::fs::create_dir_all(self.dir.path().join("policies")).unwrap();
        std::fs::write(
            self.dir.path().join("policies/execution.json"),
            format!("{{\"Statement\": {}}}", s.extra_statements),
        )
        .unwrap();
    }

    pub fn write_raw_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).unwrap();
    }

    /// The command line of backend-ctl for this project, through the proxy.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_backend-ctl"));
        if !args.contains(&"--config") {
            cmd.arg("--config").arg(self.config_path());
        }
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .env_remove("AWS_PROFILE")
            .env("AWS_ENDPOINT_URL", &self.recorder.url)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            // The build tools the setup installs (cargo-zigbuild, and python3
            // with ziglang) come first, whatever this machine has.
            .env("PATH", tools_path())
            .env("AWS_CONFIG_FILE", self.empty_file("aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.empty_file("aws-credentials"),
            )
            // Handler copies share one target folder, so their dependencies build once.
            .env("CARGO_TARGET_DIR", handler_target_dir(&self.handler));
        cmd
    }

    /// Runs backend-ctl through the recording proxy, stdin closed.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// Runs with extra environment: `Some` sets a variable, `None` removes it.
    pub fn run_with(&self, args: &[&str], env: &[(&str, Option<&str>)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        Run(cmd.output().expect("run backend-ctl"))
    }

    fn empty_file(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if !path.exists() {
            std::fs::write(&path, "").unwrap();
        }
        path
    }

    /// `up --yes`, which must succeed.
    pub fn up(&self) -> Run {
        self.run(&["up", "--yes"]).ok()
    }

    pub fn names(&self) -> Names {
        Names::new(&self.name)
    }
}

/// `PATH` with the project's `.venv/bin` (cargo-zigbuild, ziglang) first.
pub fn tools_path() -> std::ffi::OsString {
    let mut dirs = vec![repo().join(".venv/bin")];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// An executable on `tools_path()`.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&tools_path())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn handler_target_dir(handler: &Path) -> PathBuf {
    if handler == repo().join("handler") {
        repo().join("handler/target")
    } else if handler.starts_with(repo().join("tests/fixtures")) {
        repo().join("target/test-fixtures")
    } else {
        repo().join("target/test-handlers")
    }
}

/// The names the CLI derives for stage `dev`.
pub struct Names {
    pub exec_role: String,
    pub exec_policy: String,
    pub function: String,
    pub pool: String,
    pub unauth_role: String,
    pub unauth_policy: String,
    pub log_group: String,
    pub topic: String,
    pub alarms: [String; 3],
}

impl Names {
    pub fn new(project: &str) -> Names {
        let base = format!("{project}-dev");
        Names {
            topic: format!("{base}-alarms"),
            alarms: ["invocations", "errors", "throttles"].map(|s| format!("{base}-{s}")),
            exec_role: format!("{base}-exec"),
            exec_policy: format!("{base}-exec"),
            function: base.clone(),
            pool: base.clone(),
            unauth_role: format!("{base}-unauth"),
            unauth_policy: format!("{base}-invoke"),
            log_group: format!("/aws/lambda/{base}"),
        }
    }
}

/// A finished run of the CLI.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Asserts success and returns self.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code(),
            0,
            "backend-ctl failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
    /// Asserts the exit code and that stderr holds `fragment`.
    pub fn fails(self, code: i32, fragment: &str) -> Run {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        assert!(
            self.stderr().contains(fragment),
            "stderr lacks {fragment:?}:\n{}",
            self.stderr()
        );
        self
    }
}

/// Short timeouts and back-offs, so that stalls, cuts and retries are quick.
pub const FAST: &[(&str, Option<&str>)] = &[
    ("BACKEND_CTL_RETRY_BACKOFF_MS", Some("10")),
    ("BACKEND_CTL_ATTEMPT_TIMEOUT_MS", Some("1000")),
];

/// SDK clients straight to the emulator, for reading and changing state
/// behind the CLI's back.
pub struct Aws {
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub cognito: aws_sdk_cognitoidentity::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sns: aws_sdk_sns::Client,
    rt: tokio::runtime::Runtime,
}

impl Aws {
    pub fn new() -> Aws {
        Aws::in_account(None)
    }

    /// Clients for the emulator's account `id` (moto's `x-moto-account-id`).
    pub fn for_account(id: &str) -> Aws {
        Aws::in_account(Some(id))
    }

    fn in_account(account: Option<&str>) -> Aws {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let creds =
            aws_credential_types::Credentials::new("testing", "testing", None, None, "tests");
        // Through a proxy of its own that only adds the account header.
        let url = match account {
            Some(id) => {
                let recorder = Recorder::start(&emulator().url);
                recorder.set_account(id);
                let url = recorder.url.clone();
                std::mem::forget(recorder);
                url
            }
            None => emulator().url.clone(),
        };
        let conf = rt.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .http_client(https_client())
                .region(aws_config::Region::new(REGION))
                .endpoint_url(&url)
                .credentials_provider(creds)
                .load(),
        );
        Aws {
            iam: aws_sdk_iam::Client::new(&conf),
            lambda: aws_sdk_lambda::Client::new(&conf),
            cognito: aws_sdk_cognitoidentity::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
            sns: aws_sdk_sns::Client::new(&conf),
            rt,
        }
    }

    /// The log group with this exact name: its retention and tags.
    pub fn log_group(&self, name: &str) -> Option<(Option<i32>, BTreeMap<String, String>)> {
        let out = self
            .block(
                self.logs
                    .describe_log_groups()
                    .log_group_name_prefix(name)
                    .send(),
            )
            .unwrap();
        let group = out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))?
            .clone();
        let arn = group
            .log_group_arn()
            .map(str::to_string)
            .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()))
            .unwrap();
        let tags = self
            .block(self.logs.list_tags_for_resource().resource_arn(arn).send())
            .unwrap()
            .tags()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        Some((group.retention_in_days(), tags))
    }

    /// Every message in the log group, in time order.
    pub fn log_messages(&self, name: &str) -> Vec<String> {
        let pages: Vec<_> = self
            .block(
                self.logs
                    .filter_log_events()
                    .log_group_name(name)
                    .into_paginator()
                    .send()
                    .try_collect(),
            )
            .unwrap_or_default();
        let mut events: Vec<(i64, String)> = pages
            .iter()
            .flat_map(|p| p.events())
            .map(|e| {
                (
                    e.timestamp().unwrap_or(0),
                    e.message().unwrap_or("").to_string(),
                )
            })
            .collect();
        events.sort_by_key(|(ts, _)| *ts);
        events.into_iter().map(|(_, m)| m).collect()
    }

    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn role(&self, name: &str) -> Option<aws_sdk_iam::types::Role> {
        self.block(self.iam.get_role().role_name(name).send())
            .ok()
            .and_then(|o| o.role)
    }

    pub fn role_policy(&self, role: &str, name: &str) -> Option<serde_json::Value> {
        let out = self
            .block(
                self.iam
                    .get_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send(),
            )
            .ok()?;
        Some(decode(out.policy_document()))
    }

    pub fn function(
        &self,
        name: &str,
    ) -> Option<aws_sdk_lambda::operation::get_function::GetFunctionOutput> {
        self.block(self.lambda.get_function().function_name(name).send())
            .ok()
    }

    /// Every pool with this name.
    pub fn pools(
        &self,
        name: &str,
    ) -> Vec<aws_sdk_cognitoidentity::operation::describe_identity_pool::DescribeIdentityPoolOutput>
    {
        let listed = self
            .block(
                self.cognito
                    .list_identity_pools()
                    .max_results(60)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
            .unwrap();
        listed
            .iter()
            .filter(|p| p.identity_pool_name() == Some(name))
            .map(|p| {
                self.block(
                    self.cognito
                        .describe_identity_pool()
                        .identity_pool_id(p.identity_pool_id().unwrap())
                        .send(),
                )
                .unwrap()
            })
            .collect()
    }
}

/// The SDK's HTTP client as backend-ctl builds it (rustls on ring; the SDK
/// crates are built without their default TLS).
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// Decodes a URL-encoded policy document.
pub fn decode(doc: &str) -> serde_json::Value {
    let text = percent_encoding::percent_decode_str(doc)
        .decode_utf8()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

impl Aws {
    /// Everything we own for `project` (stage dev), in a form that does not
    /// depend on the project's name or the pool's id: two projects converged
    /// to the same config have equal snapshots.
    pub fn snapshot(&self, project: &str) -> serde_json::Value {
        use serde_json::json;
        let n = Names::new(project);
        let role = |name: &str| {
            self.role(name).map(|r| {
                let mut tags: Vec<(String, String)> = r.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
                tags.sort();
                json!({"trust": decode(r.assume_role_policy_document().unwrap_or("{}")), "tags": tags})
            })
        };
        let function = self.function(&n.function).map(|f| {
            let c = f.configuration().unwrap();
            let mut tags: Vec<(String, String)> = f.tags().map(|t| t.clone().into_iter().collect()).unwrap_or_default();
            tags.sort();
            let env: BTreeMap<String, String> = c
                .environment()
                .and_then(|e| e.variables())
                .map(|v| v.clone().into_iter().collect())
                .unwrap_or_default();
            json!({
                "runtime": c.runtime().map(|r| r.as_str().to_string()),
                "handler": c.handler(),
                "architectures": c.architectures().iter().map(|a| a.as_str().to_string()).collect::<Vec<_>>(),
                "memory": c.memory_size(),
                "timeout": c.timeout(),
                "environment": env,
                "role": c.role(),
                "code_sha256": c.code_sha256(),
                "concurrency": f.concurrency().and_then(|c| c.reserved_concurrent_executions()),
                "tags": tags,
            })
        });
        let pools: Vec<serde_json::Value> = self
            .pools(&n.pool)
            .iter()
            .map(|p| {
                let roles = self
                    .block(
                        self.cognito
                            .get_identity_pool_roles()
                            .identity_pool_id(p.identity_pool_id())
                            .send(),
                    )
                    .ok()
                    .and_then(|r| r.roles().cloned())
                    .map(|r| r.into_iter().collect::<BTreeMap<_, _>>());
                let mut tags: Vec<(String, String)> = p
                    .identity_pool_tags()
                    .map(|t| t.clone().into_iter().collect())
                    .unwrap_or_default();
                tags.sort();
                json!({
                    "id": p.identity_pool_id(),
                    "unauthenticated": p.allow_unauthenticated_identities(),
                    "classic": p.allow_classic_flow(),
                    "tags": tags,
                    "roles": roles,
                })
            })
            .collect();
        let group = self.log_group(&n.log_group).map(|(retention, tags)| {
            let mut tags: Vec<(String, String)> = tags.into_iter().collect();
            tags.sort();
            json!({"retention": retention, "tags": tags})
        });
        let (versions, aliases) = self.releases(&n.function);
        let snapshot = json!({
            "versions": versions,
            "aliases": aliases,
            "log_group": group,
            "exec_role": role(&n.exec_role),
            "exec_policy": self.role_policy(&n.exec_role, &n.exec_policy),
            "function": function,
            "pools": pools,
            "unauth_role": role(&n.unauth_role),
            "unauth_policy": self.role_policy(&n.unauth_role, &n.unauth_policy),
        });
        let mut text = snapshot.to_string();
        for p in &pools {
            if let Some(id) = p["id"].as_str() {
                text = text.replace(id, "POOL-ID");
            }
        }
        text = text.replace(&format!("{project}-dev"), "PROJECT-dev");
        text = text.replace(&format!("\"{project}\""), "\"PROJECT\"");
        serde_json::from_str(&text).unwrap()
    }

    /// The function's published versions (number and code hash, oldest
    /// first) and its aliases (name → version and description).
    pub fn releases(
        &self,
        function: &str,
    ) -> (Vec<serde_json::Value>, BTreeMap<String, serde_json::Value>) {
        use serde_json::json;
        let versions = self
            .block(
                self.lambda
                    .list_versions_by_function()
                    .function_name(function)
                    .send(),
            )
            .map(|out| {
                out.versions()
                    .iter()
                    .filter(|v| v.version() != Some("$LATEST"))
                    .map(|v| json!({"version": v.version(), "code_sha256": v.code_sha256()}))
                    .collect()
            })
            .unwrap_or_default();
        let aliases = self
            .block(self.lambda.list_aliases().function_name(function).send())
            .map(|out| {
                out.aliases()
                    .iter()
                    .map(|a| {
                        let weights = a
                            .routing_config()
                            .and_then(|r| r.additional_version_weights())
                            .map(|w| w.clone().into_iter().collect::<BTreeMap<_, _>>());
                        (
                            a.name().unwrap_or_default().to_string(),
                            json!({"version": a.function_version(), "description": a.description(), "weights": weights}),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        (versions, aliases)
    }

    /// The version an alias points at.
    pub fn alias_version(&self, function: &str, alias: &str) -> Option<String> {
        self.block(
            self.lambda
                .get_alias()
                .function_name(function)
                .name(alias)
                .send(),
        )
        .ok()
        .and_then(|a| a.function_version().map(str::to_string))
    }

    /// Whether nothing of `project` is left.
    pub fn nothing_left(&self, project: &str) -> bool {
        let n = Names::new(project);
        self.role(&n.exec_role).is_none()
            && self.role(&n.unauth_role).is_none()
            && self.function(&n.function).is_none()
            && self.pools(&n.pool).is_empty()
            && self.log_group(&n.log_group).is_none()
            && self.guard_left(project).is_empty()
    }

    /// The guard's topic and alarms of `project` that exist.
    pub fn guard_left(&self, project: &str) -> Vec<String> {
        let n = Names::new(project);
        let mut left: Vec<String> = self
            .block(
                self.cloudwatch
                    .describe_alarms()
                    .set_alarm_names(Some(n.alarms.to_vec()))
                    .send(),
            )
            .map(|out| {
                out.metric_alarms()
                    .iter()
                    .filter_map(|a| a.alarm_name().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let suffix = format!(":{}", n.topic);
        let topics = self.block(self.sns.list_topics().send());
        left.extend(
            topics
                .iter()
                .flat_map(|out| out.topics())
                .filter_map(|t| t.topic_arn())
                .filter(|arn| arn.ends_with(&suffix))
                .map(str::to_string),
        );
        left
    }
}
