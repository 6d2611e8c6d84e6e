//! What `up` leaves the user: a summary (text or JSON on stdout) and the
//! Android app's `awsconfiguration.json`, merged into any existing file.
//!
//! One file serves two clients: the `BackendCtl` section is read by the
//! Kotlin client that `init` writes into the app (`clients/kotlin`), and the
//! legacy `CredentialsProvider` / `LambdaInvoker` sections by apps still on
//! the AWS SDK for Android (end of support 2026-08-01).

use std::path::Path;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::Error;

/// The facts an app or a script needs after `up`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub project: String,
    pub stage: String,
    pub region: String,
    pub function_name: String,
    pub function_arn: String,
    /// The alias the app calls (its qualifier) and its ARN.
    pub alias: String,
    pub alias_arn: String,
    pub identity_pool_id: String,
    pub execution_role_arn: String,
    pub unauthenticated_role_arn: String,
    /// The function's timeout: the app's client waits that long (and a
    /// little more) for an answer before it gives up.
    pub timeout_s: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_config: Option<String>,
}

impl Summary {
    pub fn text(&self) -> String {
        let mut out = format!(
            "project            {} (stage {})\nregion             {}\nfunction           {}\nthe app calls      {} (alias {})\nidentity pool      {}\nexecution role     {}\nunauthenticated    {}\n",
            self.project,
            self.stage,
            self.region,
            self.function_arn,
            self.alias_arn,
            self.alias,
            self.identity_pool_id,
            self.execution_role_arn,
            self.unauthenticated_role_arn
        );
        if let Some(path) = &self.app_config {
            out.push_str(&format!("app config         {path}\n"));
        }
        out
    }
}

/// The section of the app config that the Kotlin client reads.
pub const CLIENT_SECTION: &str = "BackendCtl";

/// Sets our keys in an app config document, keeping every other key.
pub fn merge_app_config(existing: Option<Value>, summary: &Summary) -> Value {
    let mut doc = match existing {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    doc.entry("Version").or_insert_with(|| json!("1.0"));
    set_path(
        &mut doc,
        &["CredentialsProvider", "CognitoIdentity", "Default"],
        &[
            ("PoolId", json!(summary.identity_pool_id)),
            ("Region", json!(summary.region)),
        ],
    );
    // The legacy section has no qualifier of its own: the name carries the
    // alias (`name:alias`, which Lambda's Invoke accepts as FunctionName).
    set_path(
        &mut doc,
        &["LambdaInvoker", "Default"],
        &[
            ("Region", json!(summary.region)),
            (
                "FunctionName",
                json!(format!("{}:{}", summary.function_name, summary.alias)),
            ),
        ],
    );
    set_path(
        &mut doc,
        &[CLIENT_SECTION],
        &[
            ("Region", json!(summary.region)),
            ("IdentityPoolId", json!(summary.identity_pool_id)),
            ("FunctionName", json!(summary.function_name)),
            ("Qualifier", json!(summary.alias)),
            ("TimeoutSeconds", json!(summary.timeout_s)),
            ("Project", json!(summary.project)),
            ("Stage", json!(summary.stage)),
        ],
    );
    Value::Object(doc)
}

fn set_path(doc: &mut Map<String, Value>, path: &[&str], values: &[(&str, Value)]) {
    let mut node = doc;
    for key in path {
        let entry = node.entry(key.to_string()).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        let Value::Object(next) = entry else { return };
        node = next;
    }
    for (k, v) in values {
        node.insert(k.to_string(), v.clone());
    }
}

/// Writes the app config atomically, only when its content changes.
pub fn write_app_config(path: &Path, summary: &Summary) -> Result<bool, Error> {
    let io = |action: &'static str| {
        move |source| Error::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    };
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(serde_json::from_str::<Value>(&text).map_err(|e| Error::Io {
            action: "cannot merge into",
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("it is not valid JSON ({e}); fix or remove it"),
            ),
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io("cannot read")(e)),
    };
    let merged = merge_app_config(existing.clone(), summary);
    if existing.as_ref() == Some(&merged) {
        return Ok(false);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io("cannot create the folder of"))?;
    }
    let mut text = serde_json::to_string_pretty(&merged).unwrap_or_default();
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(io("cannot write"))?;
    std::fs::rename(&tmp, path).map_err(io("cannot write"))?;
    Ok(true)
}

#[cfg(test)]
mod tests;
