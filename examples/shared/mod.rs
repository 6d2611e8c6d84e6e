//! What the benchmarks share: the emulator they start, and the environment
//! every measured command gets (dummy credentials, no profile, the project's
//! PyPI tools first on PATH).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The emulator, stopped when dropped; `url` is its endpoint.
pub struct Emulator {
    pub url: String,
    child: Child,
}

impl Emulator {
    pub fn start() -> Emulator {
        let mut child = Command::new(repo().join(".venv/bin/python"))
            .arg(repo().join("emulator/launch.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the emulator (run scripts/setup-venv.sh)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("emulator endpoint");
        Emulator {
            url: line.trim().to_string(),
            child,
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `program` with dummy credentials pointed at `endpoint`, no profile, and
/// `.venv/bin` (cargo-lambda, cargo-zigbuild, zig) first on PATH; `home`
/// holds the empty AWS config files.
pub fn aws_command(program: &Path, endpoint: &str, home: &Path) -> Command {
    let empty = home.join("empty");
    let _ = std::fs::write(&empty, "");
    let mut path = vec![repo().join(".venv/bin")];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let mut cmd = Command::new(program);
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("PATH", std::env::join_paths(path).expect("PATH"))
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null());
    cmd
}
