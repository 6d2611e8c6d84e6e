//! The release history an alias keeps in its own description ("backend-ctl release;
//! rollback to: 4 3 1"): read and written. Pure.

/// What starts an alias description that holds our history.
pub const HISTORY_PREFIX: &str = "backend-ctl release; rollback to:";
/// Lambda's limit on an alias description.
pub const DESCRIPTION_LIMIT: usize = 256;

/// The history an alias description holds (empty when it holds none).
pub fn parse_history(description: &str) -> Vec<u64> {
    description
        .strip_prefix(HISTORY_PREFIX)
        .map(|rest| {
            rest.split_whitespace()
                .map_while(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The alias description that holds this history, the oldest entries
/// dropped to fit Lambda's 256 characters.
pub fn history_description(history: &[u64]) -> String {
    let mut text = HISTORY_PREFIX.to_string();
    for n in history {
        let next = format!(" {n}");
        if text.len() + next.len() > DESCRIPTION_LIMIT {
            break;
        }
        text.push_str(&next);
    }
    text
}
