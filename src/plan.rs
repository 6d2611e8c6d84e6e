//! The plan: what `up` or `teardown` must do, as the difference between the
//! desired and the observed state. Pure; printed by `plan`, executed by `apply`.

pub mod events;
pub mod guard;
mod model;
mod ownership;
pub mod release;

pub use model::{Action, Change, Kind, Note, Plan, Step};
pub use ownership::{check_ownership, foreign_function, our_pool};

use std::collections::BTreeMap;

use serde_json::Value;

use crate::desired::{Code, Desired, FunctionSpec, Names};
use crate::error::OwnershipError;
use crate::observed::{AccountConcurrency, FunctionState, LogGroupState, Observed, RoleState};
use crate::policy;

fn role_step(kind: Kind, name: &str, role: Option<&RoleState>, trust: Option<&Value>) -> Step {
    let action = match role {
        None => Action::Create,
        Some(r) => {
            let mut changes = Vec::new();
            // No trust to compare with: the pool it names is about to be created.
            if trust.is_none_or(|t| !policy::same(&r.trust, t)) {
                changes.push(Change::TrustPolicy);
            }
            if !r.extra.is_empty() {
                changes.push(Change::ExtraPolicies(r.extra.clone()));
            }
            Action::update(changes)
        }
    };
    Step {
        kind,
        name: name.to_string(),
        action,
    }
}

fn policy_step(kind: Kind, name: &str, role: Option<&RoleState>, doc: &Value) -> Step {
    let action = match role.and_then(|r| r.policy.as_ref()) {
        None => Action::Create,
        Some(found) if !policy::same(found, doc) => Action::Update(vec![Change::PolicyDocument]),
        Some(_) => Action::Keep,
    };
    Step {
        kind,
        name: name.to_string(),
        action,
    }
}

/// What to do about the reservation: a change, or a note that the account
/// cannot spare it (AWS keeps min(100, limit) unreserved, so on a new
/// account with a limit of 10 no reservation is possible at all).
pub fn concurrency_change(
    wanted: Option<u32>,
    found: Option<i32>,
    account: Option<AccountConcurrency>,
) -> Result<Option<Change>, Note> {
    let Some(w) = wanted else {
        return Ok(found.map(|f| Change::Concurrency(Some(f), None)));
    };
    if found.map(i64::from) == Some(i64::from(w)) {
        return Ok(None);
    }
    if let Some(account) = account {
        // Our own current reservation is freed by the change.
        let left = i64::from(account.unreserved) + i64::from(found.unwrap_or(0)) - i64::from(w);
        if left < i64::from(Note::floor(account.limit)) {
            return Err(Note::NoReservation {
                wanted: w,
                kept: found,
                account,
            });
        }
    }
    Ok(Some(Change::Concurrency(found, Some(w))))
}

/// What differs between the function as found and as desired (its
/// reservation aside: see `concurrency_change`).
pub fn function_changes(
    spec: &FunctionSpec,
    role_arn: &str,
    found: &FunctionState,
    code: Option<&Code>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    if found.runtime != spec.runtime {
        changes.push(Change::Runtime(found.runtime.clone()));
    }
    if found.handler != spec.handler {
        changes.push(Change::Handler(found.handler.clone()));
    }
    if found.role != role_arn {
        changes.push(Change::Role(found.role.clone()));
    }
    if i64::from(found.memory_mb) != i64::from(spec.memory_mb) {
        changes.push(Change::Memory(found.memory_mb, spec.memory_mb));
    }
    if i64::from(found.timeout_s) != i64::from(spec.timeout_s) {
        changes.push(Change::Timeout(found.timeout_s, spec.timeout_s));
    }
    let env_keys = differing_keys(&found.environment, &spec.environment);
    if !env_keys.is_empty() {
        changes.push(Change::Environment(env_keys));
    }
    if found.architecture != spec.architecture.as_str() {
        changes.push(Change::Architecture(
            found.architecture.clone(),
            spec.architecture.as_str(),
        ));
    }
    if code.is_some_and(|c| c.sha256 != found.code_sha256) {
        changes.push(Change::Code);
    }
    changes
}

/// Keys added, removed or changed (never the values: they may be secrets).
fn differing_keys(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let mut keys: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The IAM ARN of a role of ours, known without asking IAM.
pub fn role_arn(desired: &Desired, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:role/{name}",
        desired.account.partition, desired.account.account_id
    )
}

/// The plan of `up`: every resource, created, updated or kept; a paused
/// function stays paused.
#[cfg(test)]
pub fn up(
    desired: &Desired,
    observed: &Observed,
    code: &Code,
) -> Result<Plan, Vec<OwnershipError>> {
    up_with(desired, observed, code, false)
}

/// The plan of `up`; with `resume`, a paused function gets its reservation back.
pub fn up_with(
    desired: &Desired,
    observed: &Observed,
    code: &Code,
    resume: bool,
) -> Result<Plan, Vec<OwnershipError>> {
    let names = &desired.names;
    let (pool, extra_pools) = check_ownership(names, observed)?;
    let mut notes = Vec::new();
    let mut steps = vec![role_step(
        Kind::ExecRole,
        &names.exec_role,
        observed.exec_role.as_ref(),
        Some(&desired.exec_trust),
    )];
    steps.push(log_group_step(desired, observed.log_group.as_ref()));
    steps.push(Step {
        kind: Kind::IdentityPool,
        name: names.pool.clone(),
        action: match pool {
            None => Action::Create,
            Some(p) => {
                let mut changes = Vec::new();
                if !p.allow_unauthenticated {
                    changes.push(Change::AllowUnauthenticated(p.allow_unauthenticated));
                }
                if p.allow_classic_flow {
                    changes.push(Change::ClassicFlow(p.allow_classic_flow));
                }
                Action::update(changes)
            }
        },
    });
    steps.push(policy_step(
        Kind::ExecPolicy,
        &names.exec_policy,
        observed.exec_role.as_ref(),
        &desired.exec_policy,
    ));
    let exec_role_arn = role_arn(desired, &names.exec_role);
    let found = observed.function.as_ref();
    let paused = found.and_then(|f| f.reserved_concurrency) == Some(0);
    let concurrency = if paused && !resume {
        notes.push(Note::Paused {
            function: names.function.clone(),
        });
        Ok(None)
    } else {
        concurrency_change(
            desired.function.reserved_concurrency,
            found.and_then(|f| f.reserved_concurrency),
            observed.concurrency,
        )
    };
    let concurrency = match concurrency {
        Ok(change) => change,
        Err(note) => {
            notes.push(note);
            None
        }
    };
    let mut reserve_on_create = None;
    steps.push(Step {
        kind: Kind::Function,
        name: names.function.clone(),
        action: match found {
            None => {
                reserve_on_create = match concurrency {
                    Some(Change::Concurrency(_, wanted)) => wanted,
                    _ => None,
                };
                Action::Create
            }
            Some(found) => {
                let mut changes =
                    function_changes(&desired.function, &exec_role_arn, found, Some(code));
                changes.extend(concurrency);
                Action::update(changes)
            }
        },
    });
    let latest_unchanged = found.is_some() && plan_keeps_function(&steps);
    let release = release::plan(
        &observed.releases,
        &desired.alias,
        desired.keep_versions,
        &release::expected(&desired.function, &exec_role_arn, &code.sha256),
        latest_unchanged,
        None,
    );
    if let Some(alias) = observed.releases.alias(&desired.alias) {
        let split = alias
            .weights
            .iter()
            .find_map(|(v, w)| v.parse::<u64>().ok().map(|v| (v, release::percent(*w))));
        if let (Some((canary, percent)), None) = (split, &release.release) {
            notes.push(Note::Canary {
                alias: desired.alias.clone(),
                live: alias.function_version.clone(),
                canary,
                percent,
            });
        }
    }
    steps.extend(release::steps(&release, &desired.alias));
    // A pool about to be created has no id yet: the role's trust will change.
    let trust = pool.map(|p| desired.unauth_trust(&p.id));
    steps.push(role_step(
        Kind::UnauthRole,
        &names.unauth_role,
        observed.unauth_role.as_ref(),
        trust.as_ref(),
    ));
    steps.push(policy_step(
        Kind::UnauthPolicy,
        &names.unauth_policy,
        observed.unauth_role.as_ref(),
        &desired.invoke_policy,
    ));
    let unauth_arn = role_arn(desired, &names.unauth_role);
    steps.push(Step {
        kind: Kind::PoolRoles,
        name: names.pool.clone(),
        action: match pool.and_then(|p| p.roles.as_ref()) {
            None => Action::Create,
            Some(r) => match r.roles.get("unauthenticated") {
                Some(arn) if *arn == unauth_arn => Action::Keep,
                other => Action::Update(vec![Change::UnauthenticatedRole(other.cloned())]),
            },
        },
    });
    // The repair of a stack with two pools of ours: the others go.
    for extra in &extra_pools {
        steps.push(Step {
            kind: Kind::ExtraPool,
            name: extra.id.clone(),
            action: Action::Delete,
        });
    }
    steps.extend(guard::up_steps(desired, observed));
    steps.extend(events::up_steps(desired, observed, &mut notes));
    if let Some(email) = guard::awaiting_confirmation(desired, observed) {
        notes.push(Note::ConfirmEmail { email });
    }
    if let (Some(kept), false) = (pool, extra_pools.is_empty()) {
        notes.push(Note::ExtraPools {
            kept: kept.id.clone(),
            deleted: extra_pools.iter().map(|p| p.id.clone()).collect(),
        });
    }
    Ok(Plan {
        steps,
        reserve_on_create,
        release,
        notes,
    })
}

/// Whether the plan leaves `$LATEST`'s code and configuration as they are
/// (a change of the reservation alone does not touch them).
fn plan_keeps_function(steps: &[Step]) -> bool {
    steps
        .iter()
        .filter(|s| s.kind == Kind::Function)
        .all(|s| match &s.action {
            Action::Keep => true,
            Action::Update(changes) => changes
                .iter()
                .all(|c| !c.is_function_config() && !c.is_function_code()),
            _ => false,
        })
}

/// The log group: created with our tags and retention, its retention put
/// back, or the untagged one Lambda made for our function adopted (ownership
/// is checked before).
fn log_group_step(desired: &Desired, found: Option<&LogGroupState>) -> Step {
    let want = desired.log_retention_days;
    let action = match found {
        None => Action::Create,
        Some(g) => {
            let mut changes = Vec::new();
            if !desired.names.owns(&g.tags) {
                changes.push(Change::AdoptLogGroup);
            }
            if g.retention_days.map(i64::from) != Some(i64::from(want)) {
                changes.push(Change::Retention(g.retention_days, want));
            }
            Action::update(changes)
        }
    };
    Step {
        kind: Kind::LogGroup,
        name: desired.names.log_group.clone(),
        action,
    }
}

/// The plan of `teardown`: delete what exists, in reverse dependency order.
pub fn teardown(names: &Names, observed: &Observed) -> Result<Plan, Vec<OwnershipError>> {
    let (pool, extra_pools) = check_ownership(names, observed)?;
    // The guard first: the alarms would otherwise alarm on the teardown.
    let mut steps = guard::teardown_steps(names, observed);
    let notes = events::teardown_notes(names, observed);
    let mut delete = |kind, name: &str, exists: bool| {
        if exists {
            steps.push(Step {
                kind,
                name: name.to_string(),
                action: Action::Delete,
            });
        }
    };
    let policy_of = |r: &Option<RoleState>| r.as_ref().is_some_and(|r| r.policy.is_some());
    delete(
        Kind::UnauthPolicy,
        &names.unauth_policy,
        policy_of(&observed.unauth_role),
    );
    delete(Kind::Function, &names.function, observed.function.is_some());
    // After the function: no Event call of it is sent there any more.
    delete(
        Kind::FailedQueue,
        &names.failed_queue,
        observed.queue.is_some(),
    );
    // After the function: Lambda would make the group again for a running one.
    delete(
        Kind::LogGroup,
        &names.log_group,
        observed.log_group.is_some(),
    );
    delete(
        Kind::ExecPolicy,
        &names.exec_policy,
        policy_of(&observed.exec_role),
    );
    delete(
        Kind::UnauthRole,
        &names.unauth_role,
        observed.unauth_role.is_some(),
    );
    delete(Kind::IdentityPool, &names.pool, pool.is_some());
    for extra in &extra_pools {
        delete(Kind::ExtraPool, &extra.id, true);
    }
    delete(
        Kind::ExecRole,
        &names.exec_role,
        observed.exec_role.is_some(),
    );
    Ok(Plan {
        steps,
        notes,
        ..Plan::default()
    })
}

#[cfg(test)]
mod tests;
