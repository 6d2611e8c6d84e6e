//! The plan: what `up` or `teardown` must do, as the difference between the
//! desired and the observed state. Pure; printed by `plan`, executed by `apply`.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{json, Value};

use crate::desired::{Code, Desired, FunctionSpec, Names};
use crate::error::OwnershipError;
use crate::observed::{FunctionState, Observed, PoolState, RoleState, Tags};
use crate::policy;

/// The resources, in the dependency order of `up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    ExecRole,
    IdentityPool,
    ExecPolicy,
    Function,
    UnauthRole,
    UnauthPolicy,
    PoolRoles,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::ExecRole => "IAM role",
            Kind::ExecPolicy => "IAM role policy",
            Kind::Function => "Lambda function",
            Kind::IdentityPool => "Cognito identity pool",
            Kind::UnauthRole => "IAM role",
            Kind::UnauthPolicy => "IAM role policy",
            Kind::PoolRoles => "identity pool roles",
        }
    }
}

/// One difference that an update puts right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    TrustPolicy,
    PolicyDocument,
    Runtime(String),
    Handler(String),
    Role(String),
    Memory(i32, u32),
    Timeout(i32, u32),
    Environment(Vec<String>),
    Architecture(String, &'static str),
    Code,
    Concurrency(Option<i32>, u32),
    AllowUnauthenticated(bool),
    ClassicFlow(bool),
    UnauthenticatedRole(Option<String>),
}

impl Change {
    /// Changes made by `UpdateFunctionConfiguration`.
    pub fn is_function_config(&self) -> bool {
        matches!(
            self,
            Change::Runtime(_)
                | Change::Handler(_)
                | Change::Role(_)
                | Change::Memory(..)
                | Change::Timeout(..)
                | Change::Environment(_)
        )
    }

    /// Changes made by `UpdateFunctionCode` (the architecture travels with the code).
    pub fn is_function_code(&self) -> bool {
        matches!(self, Change::Code | Change::Architecture(..))
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::TrustPolicy => write!(f, "trust policy differs"),
            Change::PolicyDocument => write!(f, "policy document differs"),
            Change::Runtime(from) => write!(f, "runtime {from} → {}", crate::desired::RUNTIME),
            Change::Handler(from) => write!(f, "handler {from} → {}", crate::desired::HANDLER),
            Change::Role(from) => write!(f, "execution role {from} → ours"),
            Change::Memory(a, b) => write!(f, "memory {a} → {b} MB"),
            Change::Timeout(a, b) => write!(f, "timeout {a} → {b} s"),
            Change::Environment(keys) => write!(f, "environment changed ({})", keys.join(", ")),
            Change::Architecture(a, b) => write!(f, "architecture {a} → {b}"),
            Change::Code => write!(f, "code changed"),
            Change::Concurrency(a, b) => match a {
                Some(a) => write!(f, "reserved concurrency {a} → {b}"),
                None => write!(f, "reserved concurrency none → {b}"),
            },
            Change::AllowUnauthenticated(_) => write!(f, "unauthenticated identities → allowed"),
            Change::ClassicFlow(_) => write!(f, "classic flow → off"),
            Change::UnauthenticatedRole(from) => match from {
                Some(arn) => write!(f, "unauthenticated role {arn} → ours"),
                None => write!(f, "unauthenticated role not set"),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    Update(Vec<Change>),
    Delete,
    Keep,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: Kind,
    pub name: String,
    pub action: Action,
}

/// The ordered steps of one command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn step(&self, kind: Kind) -> Option<&Step> {
        self.steps.iter().find(|s| s.kind == kind)
    }

    pub fn action(&self, kind: Kind) -> &Action {
        self.step(kind).map(|s| &s.action).unwrap_or(&Action::Keep)
    }

    /// Whether applying the plan writes nothing.
    pub fn is_noop(&self) -> bool {
        self.steps.iter().all(|s| s.action == Action::Keep)
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&Action) -> bool| self.steps.iter().filter(|s| f(&s.action)).count();
        (
            count(|a| matches!(a, Action::Create)),
            count(|a| matches!(a, Action::Update(_))),
            count(|a| matches!(a, Action::Delete)),
        )
    }

    pub fn to_json(&self) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| {
                let (action, changes) = match &s.action {
                    Action::Create => ("create", vec![]),
                    Action::Update(c) => ("update", c.iter().map(|c| c.to_string()).collect()),
                    Action::Delete => ("delete", vec![]),
                    Action::Keep => ("keep", vec![]),
                };
                json!({"resource": s.kind.label(), "name": s.name, "action": action, "changes": changes})
            })
            .collect();
        let (create, update, delete) = self.counts();
        json!({"steps": steps, "create": create, "update": update, "delete": delete})
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            let (mark, verb) = match &s.action {
                Action::Create => ("+", "create"),
                Action::Update(_) => ("~", "update"),
                Action::Delete => ("-", "delete"),
                Action::Keep => ("=", "keep  "),
            };
            write!(f, "  {mark} {verb} {} {}", s.kind.label(), s.name)?;
            if let Action::Update(changes) = &s.action {
                let text: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
                write!(f, ": {}", text.join("; "))?;
            }
            writeln!(f)?;
        }
        let (create, update, delete) = self.counts();
        write!(
            f,
            "{create} to create, {update} to update, {delete} to delete."
        )
    }
}

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

/// Checks that everything found under our names is ours, and returns our pool.
/// Any foreign resource stops the command before it writes anything.
pub fn check_ownership<'a>(
    names: &Names,
    observed: &'a Observed,
) -> Result<Option<&'a PoolState>, Vec<OwnershipError>> {
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
    match our_pool(names, &observed.pools) {
        Ok(pool) if errors.is_empty() => Ok(pool),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

/// Our pool among the pools with our name: none, or exactly one with our
/// tags and no foreign one beside it.
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

fn role_step(kind: Kind, name: &str, role: Option<&RoleState>, trust: &Value) -> Step {
    let action = match role {
        None => Action::Create,
        Some(r) if !policy::same(&r.trust, trust) => Action::Update(vec![Change::TrustPolicy]),
        Some(_) => Action::Keep,
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

/// What differs between the function as found and as desired.
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
    if found.reserved_concurrency.map(i64::from) != Some(i64::from(spec.reserved_concurrency)) {
        changes.push(Change::Concurrency(
            found.reserved_concurrency,
            spec.reserved_concurrency,
        ));
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

/// The plan of `up`: every resource, created, updated or kept.
pub fn up(
    desired: &Desired,
    observed: &Observed,
    code: &Code,
) -> Result<Plan, Vec<OwnershipError>> {
    let names = &desired.names;
    let pool = check_ownership(names, observed)?;
    let mut steps = vec![role_step(
        Kind::ExecRole,
        &names.exec_role,
        observed.exec_role.as_ref(),
        &desired.exec_trust,
    )];
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
                if changes.is_empty() {
                    Action::Keep
                } else {
                    Action::Update(changes)
                }
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
    steps.push(Step {
        kind: Kind::Function,
        name: names.function.clone(),
        action: match &observed.function {
            None => Action::Create,
            Some(found) => {
                let changes =
                    function_changes(&desired.function, &exec_role_arn, found, Some(code));
                if changes.is_empty() {
                    Action::Keep
                } else {
                    Action::Update(changes)
                }
            }
        },
    });
    // A pool about to be created has no id yet: the role's trust will change.
    let trust = pool.map(|p| desired.unauth_trust(&p.id));
    steps.push(match (&observed.unauth_role, &trust) {
        (Some(_), None) => Step {
            kind: Kind::UnauthRole,
            name: names.unauth_role.clone(),
            action: Action::Update(vec![Change::TrustPolicy]),
        },
        (role, Some(trust)) => {
            role_step(Kind::UnauthRole, &names.unauth_role, role.as_ref(), trust)
        }
        (None, None) => role_step(Kind::UnauthRole, &names.unauth_role, None, &Value::Null),
    });
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
    Ok(Plan { steps })
}

/// The plan of `teardown`: delete what exists, in reverse dependency order.
pub fn teardown(names: &Names, observed: &Observed) -> Result<Plan, Vec<OwnershipError>> {
    let pool = check_ownership(names, observed)?;
    let mut steps = Vec::new();
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
    delete(
        Kind::ExecRole,
        &names.exec_role,
        observed.exec_role.is_some(),
    );
    Ok(Plan { steps })
}

#[cfg(test)]
mod tests;
