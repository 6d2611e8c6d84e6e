//! Progress for people: one line per step on stderr (stdout carries results),
//! prefixed with the elapsed time when stderr is not a terminal.

use std::io::IsTerminal;
use std::time::Instant;

/// Where progress goes; quiet in `--output json` runs unless verbose.
#[derive(Debug)]
pub struct Progress {
    start: Instant,
    quiet: bool,
    terminal: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress {
            start: Instant::now(),
            quiet,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// A step that starts now ("creating IAM role x").
    pub fn step(&self, what: &str) {
        self.line("•", what);
    }

    /// Something worth knowing that is not a step (a wait, a skip).
    pub fn note(&self, what: &str) {
        self.line("…", what);
    }

    /// A step that finished.
    pub fn done(&self, what: &str) {
        self.line("✓", what);
    }

    fn line(&self, mark: &str, what: &str) {
        if self.quiet {
            return;
        }
        if self.terminal {
            eprintln!("{mark} {what}");
        } else {
            eprintln!(
                "[{:>6.2}s] {mark} {what}",
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}
