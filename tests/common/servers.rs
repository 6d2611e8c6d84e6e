//! The emulator process (moto + our extension): one per test binary, started
//! on first use, and where this repository is.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

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
