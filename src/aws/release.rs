//! The function's versions and aliases: read them all, publish a version,
//! create or move an alias (guarded by its `RevisionId`), delete a version.

use std::collections::HashMap;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::types::{AliasConfiguration, AliasRoutingConfiguration, FunctionConfiguration};
use aws_sdk_lambda::Client;

use crate::error::AwsError;
use crate::observed::{AliasState, Releases, VersionState};

fn version_of(c: &FunctionConfiguration) -> Option<VersionState> {
    Some(VersionState {
        number: c.version()?.parse().ok()?,
        config: super::function::configuration_state(c),
        description: c.description().unwrap_or_default().to_string(),
        last_modified: c.last_modified().unwrap_or_default().to_string(),
    })
}

fn alias_of(a: &AliasConfiguration) -> AliasState {
    AliasState {
        name: a.name().unwrap_or_default().to_string(),
        function_version: a.function_version().unwrap_or_default().to_string(),
        description: a.description().unwrap_or_default().to_string(),
        revision_id: a.revision_id().unwrap_or_default().to_string(),
        weights: a
            .routing_config()
            .and_then(|r| r.additional_version_weights())
            .map(|w| w.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default(),
    }
}

fn missing<E: ProvideErrorMetadata>(
    e: &aws_sdk_lambda::error::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> bool {
    e.code() == Some("ResourceNotFoundException")
}

/// Every published version (oldest first) and every alias, read at once;
/// a missing function has none.
pub async fn find(lambda: &Client, name: &str) -> Result<Releases, AwsError> {
    let versions = async {
        let mut pages = lambda
            .list_versions_by_function()
            .function_name(name)
            .max_items(50)
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => found.extend(page.versions().iter().filter_map(version_of)),
                Err(e) if missing(&e) => return Ok(Vec::new()),
                Err(e) => {
                    return Err(super::failed(
                        format!("listing Lambda Function ({name}) versions"),
                        e,
                    ))
                }
            }
        }
        found.sort_by_key(|v| v.number);
        Ok(found)
    };
    let aliases = async {
        let mut pages = lambda
            .list_aliases()
            .function_name(name)
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => found.extend(page.aliases().iter().map(alias_of)),
                Err(e) if missing(&e) => return Ok(Vec::new()),
                Err(e) => {
                    return Err(super::failed(
                        format!("listing Lambda Function ({name}) aliases"),
                        e,
                    ))
                }
            }
        }
        Ok(found)
    };
    let (versions, aliases) = tokio::join!(versions, aliases);
    Ok(Releases {
        versions: versions?,
        aliases: aliases?,
    })
}

/// Publishes `$LATEST` as a version, only if it still holds `code_sha256`
/// (Lambda checks it); returns the version's number. Lambda gives back the
/// last version, not a new one, when nothing changed since it.
pub async fn publish(
    lambda: &Client,
    name: &str,
    code_sha256: &str,
    description: &str,
) -> Result<u64, AwsError> {
    let action = format!("publishing a version of Lambda Function ({name})");
    let out = lambda
        .publish_version()
        .function_name(name)
        .code_sha256(code_sha256)
        .description(description)
        .send()
        .await
        .map_err(|e| super::failed(action.clone(), e))?;
    out.version()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AwsError {
            action,
            cause: format!(
                "Lambda answered without a version number ({:?})",
                out.version()
            ),
            hint: None,
            denied: None,
        })
}

/// How an alias is to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasWrite<'a> {
    pub function: &'a str,
    pub alias: &'a str,
    pub version: u64,
    pub description: &'a str,
    /// `None`: create the alias. `Some`: move it, only if it still has
    /// this revision.
    pub revision_id: Option<&'a str>,
    /// A canary: this version gets this share (0.0 to 1.0) of the calls;
    /// `None` clears any split.
    pub canary: Option<(u64, f64)>,
}

/// Creates the alias, or moves it in one `UpdateAlias` guarded by the
/// `RevisionId` read before (with the canary's split, or none). A concurrent
/// change (`PreconditionFailedException`, or an alias created meanwhile)
/// is reported, never overwritten.
pub async fn put_alias(lambda: &Client, w: &AliasWrite<'_>) -> Result<(), AwsError> {
    let AliasWrite {
        function,
        alias,
        version,
        description,
        revision_id,
        canary,
    } = w;
    let action =
        format!("pointing alias {alias} of Lambda Function ({function}) at version {version}");
    let moved = |code: Option<&str>| {
        matches!(
            code,
            Some("PreconditionFailedException") | Some("ResourceConflictException")
        )
    };
    let hint = format!(
        "the alias {alias} changed since it was read (another release or a rollback ran at the same time), so nothing was overwritten; `backend-ctl versions` shows where it points now, and running the command again starts from there"
    );
    let result = match revision_id {
        None => lambda
            .create_alias()
            .function_name(*function)
            .name(*alias)
            .function_version(version.to_string())
            .description(*description)
            .send()
            .await
            .map(drop)
            .map_err(|e| (moved(e.code()), super::failed(action.clone(), e))),
        Some(revision) => lambda
            .update_alias()
            .function_name(*function)
            .name(*alias)
            .function_version(version.to_string())
            .description(*description)
            .revision_id(*revision)
            .routing_config(
                AliasRoutingConfiguration::builder()
                    .set_additional_version_weights(Some(
                        canary
                            .iter()
                            .map(|(v, w)| (v.to_string(), *w))
                            .collect::<HashMap<_, _>>(),
                    ))
                    .build(),
            )
            .send()
            .await
            .map(drop)
            .map_err(|e| (moved(e.code()), super::failed(action.clone(), e))),
    };
    match result {
        Ok(()) => Ok(()),
        // A conflict may be this very write: its first attempt went through,
        // its answer was lost, and the SDK's retry met the alias it had just
        // written (409 from CreateAlias, 412 from UpdateAlias, whose
        // RevisionId the first attempt changed). Then it holds exactly what
        // was asked, and that is success.
        Err((true, mut error)) => match holds(lambda, w).await {
            Ok(true) => Ok(()),
            Ok(false) | Err(_) => {
                error.hint = Some(hint);
                Err(error)
            }
        },
        Err((false, error)) => Err(error),
    }
}

/// Whether the alias now holds exactly what `w` asks: its version, its
/// description and its split.
async fn holds(lambda: &Client, w: &AliasWrite<'_>) -> Result<bool, AwsError> {
    let now = lambda
        .get_alias()
        .function_name(w.function)
        .name(w.alias)
        .send()
        .await
        .map_err(|e| {
            super::failed(
                format!(
                    "reading alias {} of Lambda Function ({})",
                    w.alias, w.function
                ),
                e,
            )
        })?;
    let read = AliasConfiguration::builder()
        .set_name(now.name)
        .set_function_version(now.function_version)
        .set_description(now.description)
        .set_revision_id(now.revision_id)
        .set_routing_config(now.routing_config)
        .build();
    Ok(matches_write(&alias_of(&read), w))
}

/// Whether an alias as read holds what `w` asks.
fn matches_write(a: &AliasState, w: &AliasWrite<'_>) -> bool {
    let split: HashMap<String, f64> = w
        .canary
        .iter()
        .map(|(v, share)| (v.to_string(), *share))
        .collect();
    a.function_version == w.version.to_string()
        && a.description == w.description
        && a.weights.len() == split.len()
        && a.weights
            .iter()
            .all(|(v, share)| split.get(v).is_some_and(|want| (want - share).abs() < 1e-9))
}

/// Deletes one published version; one already gone is success.
pub async fn delete_version(lambda: &Client, name: &str, version: u64) -> Result<(), AwsError> {
    match lambda
        .delete_function()
        .function_name(name)
        .qualifier(version.to_string())
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if missing(&e) => Ok(()),
        Err(e) => Err(super::failed(
            format!("deleting version {version} of Lambda Function ({name})"),
            e,
        )),
    }
}
