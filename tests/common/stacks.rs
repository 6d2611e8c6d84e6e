//! A project per test: its folder and config file, the names the CLI derives
//! from it, and backend-ctl run on it through the recording proxy.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use super::handlers::handler_target_dir;
use super::{emulator, proxy, repo, tools_path, Recorder, REGION};

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
    /// `[function.async] keep_failed` (`None`: not written, on by default).
    pub keep_failed: Option<bool>,
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
            keep_failed: None,
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
        let asynchronous = s
            .keep_failed
            .map(|k| format!("[function.async]\nkeep_failed = {k}\n\n"))
            .unwrap_or_default();
        let mut text = format!(
            "project = \"{}\"\n\n[handler]\npath = \"{}\"\n\n[function]\n{function}\n[function.environment]\n{env}\n{asynchronous}[app]\nconfig_path = \"app/res/raw/awsconfiguration.json\"\n",
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
    pub failed_queue: String,
}

impl Names {
    pub fn new(project: &str) -> Names {
        let base = format!("{project}-dev");
        Names {
            topic: format!("{base}-alarms"),
            failed_queue: format!("{base}-failed"),
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

/// Short back-offs, and an attempt timeout no loaded machine reaches: for the
/// tests that count calls, where a call timed out by a busy emulator would be
/// one more. A lost answer (the proxy stalls, then drops the connection) is
/// then a dropped connection, not a timeout: lost all the same.
pub const COUNTED: &[(&str, Option<&str>)] = &[
    ("BACKEND_CTL_RETRY_BACKOFF_MS", Some("10")),
    ("BACKEND_CTL_ATTEMPT_TIMEOUT_MS", Some("10000")),
];
