//! A replay's journal: what it did to each message it held, written before
//! the step it announces, so that a replay cut short (`kill -9`) is finished
//! by the next (`recover`): what it saw succeed is removed, never run again;
//! what it held is given back.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::aws::queue::{self, Held};
use crate::aws::Clients;
use crate::config::Config;
use crate::error::Error;
use crate::progress::Progress;

/// What a replay's journal says of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    /// Held by the run, to be given back at its end.
    Held,
    /// Its new run was started: the answer was not seen yet.
    Invoking,
    /// Its new run succeeded: it is removed, never run again.
    Succeeded,
    /// Removed, or given back.
    Done,
}

impl Mark {
    fn as_str(self) -> &'static str {
        match self {
            Mark::Held => "held",
            Mark::Invoking => "invoking",
            Mark::Succeeded => "succeeded",
            Mark::Done => "done",
        }
    }

    fn parse(text: &str) -> Option<Mark> {
        [Mark::Held, Mark::Invoking, Mark::Succeeded, Mark::Done]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// The journal of a replay: one JSON line per change, flushed to disk
/// before the step it announces.
pub(super) struct Journal {
    path: PathBuf,
}

impl Journal {
    pub(super) fn new(config: &Config) -> Journal {
        let dir = config
            .path
            .parent()
            .unwrap_or(Path::new(""))
            .join(".backend-ctl");
        Journal {
            path: dir.join(format!("replay-{}.jsonl", config.stage)),
        }
    }

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io {
            action,
            path: self.path.clone(),
            source,
        }
    }

    pub(super) fn mark(&self, held: &Held, mark: Mark) -> Result<(), Error> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(self.io("creating the folder of"))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(self.io("writing the replay journal"))?;
        let line =
            json!({"message_id": held.message_id, "receipt": held.receipt, "mark": mark.as_str()});
        writeln!(file, "{line}").map_err(self.io("writing the replay journal"))?;
        file.sync_data()
            .map_err(self.io("writing the replay journal"))
    }

    /// The last mark of each message a run cut short left, with its receipt.
    pub(super) fn left(&self) -> Result<Vec<(Held, Mark)>, Error> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io("reading the replay journal")(e)),
        };
        let mut last: Vec<(Held, Mark)> = Vec::new();
        // A line cut short by the kill is the only one that may not parse.
        for entry in text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        {
            let (Some(id), Some(receipt), Some(mark)) = (
                entry["message_id"].as_str(),
                entry["receipt"].as_str(),
                entry["mark"].as_str().and_then(Mark::parse),
            ) else {
                continue;
            };
            let held = Held {
                message_id: id.to_string(),
                receipt: receipt.to_string(),
                body: String::new(),
            };
            match last.iter_mut().find(|(h, _)| h.message_id == id) {
                Some(slot) => *slot = (held, mark),
                None => last.push((held, mark)),
            }
        }
        Ok(last)
    }

    pub(super) fn clear(&self) -> Result<(), Error> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("removing the replay journal")(e)),
        }
    }
}

/// Finishes what a replay cut short left: an event whose new run succeeded
/// is removed (not run again); what it held is given back to the queue (an
/// event whose run had started but whose answer it never saw is replayed
/// again: Lambda may have run it, so the handler should be idempotent).
pub(super) async fn recover(
    clients: &Clients,
    progress: &Progress,
    url: &str,
    journal: &Journal,
) -> Result<(), Error> {
    let left = journal.left()?;
    if left.is_empty() {
        return journal.clear();
    }
    let mut removed = 0;
    let mut back = Vec::new();
    for (held, mark) in &left {
        match mark {
            Mark::Succeeded => {
                queue::delete_message(&clients.sqs, url, &held.receipt).await?;
                removed += 1;
            }
            Mark::Held | Mark::Invoking => back.push(held),
            Mark::Done => {}
        }
    }
    // A receipt that is no longer valid: the hold ended, it is back already.
    for held in &back {
        let _ = queue::release(&clients.sqs, url, &[*held]).await;
    }
    progress.note(&format!(
        "an earlier replay was cut short: {removed} events it had replayed are removed now, {} it held are back in the queue",
        back.len()
    ));
    journal.clear()
}
