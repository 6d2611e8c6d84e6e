//! What the benchmarks share: the emulator they start, and the environment
//! every measured command gets (dummy credentials, no profile, the project's
//! PyPI tools first on PATH).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The benchmarks' command line: `--quick` (one round of each) and
/// `--bin PATH` (default: the release build).
pub fn args() -> (bool, PathBuf) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let bin = args
        .iter()
        .position(|a| a == "--bin")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/release/backend-ctl"));
    assert!(
        bin.exists(),
        "{} is missing: build it first (scripts/bench.sh does)",
        bin.display()
    );
    (quick, bin)
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

/// Starts `backend-ctl dev` (`cmd` ends in `dev --port 0`): the child and
/// the `host:port` it serves on.
pub fn start_dev(mut cmd: Command) -> (Child, String) {
    let mut dev = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dev");
    let mut line = String::new();
    std::io::BufReader::new(dev.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("dev url");
    let address = line.trim().trim_start_matches("http://").to_string();
    (dev, address)
}

/// One Lambda Invoke of `function` over raw HTTP at `address` (`dev`, or the
/// emulator, which reads the signature's scope, not its value): the answer.
pub fn post_invoke(address: &str, function: &str) -> String {
    use std::io::{Read, Write};
    let body = r#"{"firstName":"Ada","lastName":"Lovelace"}"#;
    let mut s = std::net::TcpStream::connect(address).expect("connect");
    write!(s, "POST /2015-03-31/functions/{function}/invocations HTTP/1.1\r\nHost: {address}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20261125/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    answer
}
