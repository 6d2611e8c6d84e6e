//! Whose is what: a resource with one of our names is ours only with our
//! tags (the log group also when Lambda made it for our function), and any
//! other stops the command before it writes anything.

use crate::desired::Names;
use crate::error::OwnershipError;
use crate::observed::{FunctionState, LogGroupState, Observed, PoolState, Tags};

fn foreign(kind: &'static str, name: &str, names: &Names, tags: &Tags) -> OwnershipError {
    let found = if tags.is_empty() {
        "are none".to_string()
    } else {
        let list: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("are {}", list.join(", "))
    };
    OwnershipError::Foreign {
        kind,
        name: name.to_string(),
        project: names.project.clone(),
        stage: names.stage.clone(),
        found,
    }
}

/// The error for a same-named function that is not ours.
pub fn foreign_function(names: &Names, function: &FunctionState) -> Option<OwnershipError> {
    (!names.owns(&function.tags))
        .then(|| foreign("Lambda function", &names.function, names, &function.tags))
}

/// Checks that everything found under our names is ours, and returns our
/// pool and any other pools of ours (see `choose_pool`). Any foreign
/// resource stops the command before it writes anything.
pub fn check_ownership<'a>(
    names: &Names,
    observed: &'a Observed,
) -> Result<(Option<&'a PoolState>, Vec<&'a PoolState>), Vec<OwnershipError>> {
    let mut errors = Vec::new();
    for (kind, name, role) in [
        ("IAM role", &names.exec_role, &observed.exec_role),
        ("IAM role", &names.unauth_role, &observed.unauth_role),
    ] {
        if let Some(role) = role {
            if !names.owns(&role.tags) {
                errors.push(foreign(kind, name, names, &role.tags));
            }
        }
    }
    if let Some(function) = &observed.function {
        errors.extend(foreign_function(names, function));
    }
    if let Some(group) = &observed.log_group {
        if !log_group_is_ours(names, observed, group) {
            errors.push(foreign(
                "CloudWatch log group",
                &names.log_group,
                names,
                &group.tags,
            ));
        }
    }
    if let Some(topic) = observed.topic.as_ref().filter(|t| !names.owns(&t.tags)) {
        errors.push(foreign("SNS topic", &names.topic, names, &topic.tags));
    }
    if let Some(queue) = observed.queue.as_ref().filter(|q| !names.owns(&q.tags)) {
        errors.push(foreign(
            "SQS queue",
            &names.failed_queue,
            names,
            &queue.tags,
        ));
    }
    for alarm in observed.alarms.iter().filter(|a| !names.owns(&a.tags)) {
        errors.push(foreign("CloudWatch alarm", &alarm.name, names, &alarm.tags));
    }
    let trusted = observed
        .unauth_role
        .as_ref()
        .filter(|r| names.owns(&r.tags))
        .and_then(|r| trusted_pool(&r.trust));
    match choose_pool(names, &observed.pools, trusted.as_deref()) {
        Ok(pools) if errors.is_empty() => Ok(pools),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

/// The pool id a trust policy's `…:aud` condition names.
pub fn trusted_pool(trust: &serde_json::Value) -> Option<String> {
    let statements = match &trust["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    statements.iter().find_map(|s| {
        let equals = s["Condition"]["StringEquals"].as_object()?;
        equals
            .iter()
            .find(|(key, _)| key.ends_with(":aud"))
            .and_then(|(_, v)| v.as_str().map(str::to_string))
    })
}

/// Our pool, and the other pools of ours beside it. Two runs at once made
/// two pools before the stack's lock existed; the rule that repairs such a
/// stack: keep the pool the unauthenticated role trusts (its `aud`), which
/// the app's config names too, else the one with the lowest id; the others
/// are deleted by `up`, and every one by `teardown`. A pool with our name but
/// not our tags is someone else's: an error.
pub fn choose_pool<'a>(
    names: &Names,
    pools: &'a [PoolState],
    trusted: Option<&str>,
) -> Result<(Option<&'a PoolState>, Vec<&'a PoolState>), Vec<OwnershipError>> {
    let (mut ours, theirs): (Vec<&PoolState>, Vec<&PoolState>) =
        pools.iter().partition(|p| names.owns(&p.tags));
    let errors: Vec<OwnershipError> = theirs
        .into_iter()
        .map(|pool| {
            let name = format!("{} ({})", pool.name, pool.id);
            foreign("identity pool", &name, names, &pool.tags)
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    ours.sort_by(|a, b| a.id.cmp(&b.id));
    let keep = ours
        .iter()
        .position(|p| Some(p.id.as_str()) == trusted)
        .unwrap_or(0);
    if ours.is_empty() {
        return Ok((None, Vec::new()));
    }
    let keeper = ours.remove(keep);
    Ok((Some(keeper), ours))
}

/// Whether the log group is ours: tagged as ours, or untagged while a
/// resource of ours stands (Lambda made it at our function's first
/// invocation, before backend-ctl made the group itself; `up` adopts it).
/// The function alone would not do: a teardown cut after deleting it, or a
/// function deleted in the console, would leave the stack's own group
/// looking foreign, and every later command stuck on it.
fn log_group_is_ours(names: &Names, observed: &Observed, group: &LogGroupState) -> bool {
    let ours_stand = observed
        .function
        .as_ref()
        .is_some_and(|f| names.owns(&f.tags))
        || [&observed.exec_role, &observed.unauth_role]
            .into_iter()
            .flatten()
            .any(|r| names.owns(&r.tags))
        || observed.pools.iter().any(|p| names.owns(&p.tags));
    names.owns(&group.tags) || (group.tags.is_empty() && ours_stand)
}

/// Our pool among the pools with our name, for the commands that only use
/// it (`invoke`, `policy deployer`): none, or exactly one with our tags and
/// no foreign one beside it; two of ours are for `up` to repair.
pub fn our_pool<'a>(
    names: &Names,
    pools: &'a [PoolState],
) -> Result<Option<&'a PoolState>, Vec<OwnershipError>> {
    let mut errors = Vec::new();
    let (ours, theirs): (Vec<&PoolState>, Vec<&PoolState>) =
        pools.iter().partition(|p| names.owns(&p.tags));
    for pool in theirs {
        let name = format!("{} ({})", pool.name, pool.id);
        errors.push(foreign("identity pool", &name, names, &pool.tags));
    }
    if ours.len() > 1 {
        errors.push(OwnershipError::DuplicatePools {
            name: names.pool.clone(),
            count: ours.len(),
            ids: ours
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if errors.is_empty() {
        Ok(ours.first().copied())
    } else {
        Err(errors)
    }
}
