//! Carrying out a plan: steps by dependency level, the independent ones at
//! once. `up`: {execution role, log group, identity pool, alarms' topic,
//! failed events' queue} → {execution policy, function (Active, then its
//! reservation and release), unauthenticated role, alarms and subscription}
//! → {its policy, pool roles, the alias's event-invoke settings};
//! `teardown` the other way round.

mod events;
mod function;
mod guard;
pub mod release;
mod steps;
mod teardown;

use steps::say;
pub use teardown::teardown;

use crate::aws::retry::Patience;
use crate::aws::{identity_pool, log_group, pool_roles, role, role_policy, Clients};
use crate::desired::{Code, Desired};
use crate::error::Error;
use crate::observed::Observed;
use crate::plan::{self, Action, Change, Kind, Plan};
use crate::progress::Progress;

/// What `up` converged to that was not known before: the pool's id.
#[derive(Debug, Clone)]
pub struct Applied {
    pub pool_id: String,
}

/// Puts a role (and its trust policy) as the plan says.
async fn role_step(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
    kind: Kind,
    name: &str,
    trust: &serde_json::Value,
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<(), Error> {
    say(progress, plan, kind);
    let patience = Patience::new(progress, &clients.limits);
    match plan.action(kind) {
        Action::Create => drop(role::create(&clients.iam, name, trust, tags, patience).await?),
        Action::Update(changes) => {
            for change in changes {
                match change {
                    Change::TrustPolicy => {
                        role::update(&clients.iam, name, trust, patience).await?
                    }
                    Change::ExtraPolicies(extra) => {
                        role_policy::remove(&clients.iam, name, extra, patience).await?
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Puts an inline policy as the plan says.
async fn policy_step(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
    kind: Kind,
    role: &str,
    name: &str,
    doc: &serde_json::Value,
) -> Result<(), Error> {
    say(progress, plan, kind);
    if !matches!(plan.action(kind), Action::Keep) {
        role_policy::put(
            &clients.iam,
            role,
            name,
            doc,
            Patience::new(progress, &clients.limits),
        )
        .await?;
    }
    Ok(())
}

/// Applies the plan of `up`.
pub async fn up(
    clients: &Clients,
    progress: &Progress,
    desired: &Desired,
    observed: &Observed,
    plan: &Plan,
    code: &Code,
) -> Result<Applied, Error> {
    let names = &desired.names;
    let tags = names.tags();
    let extra_pools = steps::extra_pool_ids(plan);
    let pool = observed
        .pools
        .iter()
        .find(|p| names.owns(&p.tags) && !extra_pools.contains(&p.id.as_str()));
    let exec_role_arn = plan::role_arn(desired, &names.exec_role);
    let unauth_role_arn = plan::role_arn(desired, &names.unauth_role);

    // Level 0: the execution role, the log group and the identity pool.
    let exec_role = role_step(
        clients,
        progress,
        plan,
        Kind::ExecRole,
        &names.exec_role,
        &desired.exec_trust,
        &tags,
    );
    let pool_id = async {
        say(progress, plan, Kind::IdentityPool);
        match (plan.action(Kind::IdentityPool), pool) {
            (Action::Update(_), Some(p)) => identity_pool::update(&clients.cognito, p)
                .await
                .map(|()| p.id.clone()),
            (_, Some(p)) => Ok(p.id.clone()),
            (_, None) => identity_pool::create(&clients.cognito, &names.pool, &tags).await,
        }
    };
    let group = log_group_step(clients, progress, desired, observed, plan);
    let extras = steps::delete_extra_pools(clients, progress, plan);
    let topic = guard::level0(clients, progress, plan, observed, Some(desired));
    let queue = events::level0(clients, progress, plan, desired, observed);
    let (exec_role, group, pool_id, extras, topic, queue) =
        tokio::join!(exec_role, group, pool_id, extras, topic, queue);
    let level0 = Error::collect(vec![
        exec_role.map(|()| None),
        group.map(|()| None),
        pool_id.map(Some).map_err(Error::from),
        extras.map(|()| None),
        queue.map(|()| None),
    ]);
    let (level0, topic_arn) = match (level0, topic) {
        (Ok(level0), Ok(arn)) => (level0, arn),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => return Err(e),
        (Err(a), Err(b)) => return Err(Error::all(vec![a, b])),
    };
    let pool_id = level0.into_iter().flatten().next().unwrap_or_default();

    // Level 1: the execution policy, the function (with its concurrency cap),
    // the unauthenticated role and the log retention, at once.
    let exec_policy = policy_step(
        clients,
        progress,
        plan,
        Kind::ExecPolicy,
        &names.exec_role,
        &names.exec_policy,
        &desired.exec_policy,
    );
    let function = function::chain(
        clients,
        progress,
        desired,
        observed,
        plan,
        code,
        &exec_role_arn,
    );
    let trust = desired.unauth_trust(&pool_id);
    let unauth_role = role_step(
        clients,
        progress,
        plan,
        Kind::UnauthRole,
        &names.unauth_role,
        &trust,
        &tags,
    );
    let retention = retention_step(clients, progress, desired, plan);
    let alarms = guard::level1(clients, progress, plan, desired, topic_arn.as_deref());
    let (a, b, c, d, e) = tokio::join!(exec_policy, function, unauth_role, retention, alarms);
    Error::collect(vec![a, b, c, d, e])?;

    // Level 2: anonymous callers get access only now, once the function
    // stands with its concurrency cap.
    let invoke_policy = policy_step(
        clients,
        progress,
        plan,
        Kind::UnauthPolicy,
        &names.unauth_role,
        &names.unauth_policy,
        &desired.invoke_policy,
    );
    let roles = async {
        say(progress, plan, Kind::PoolRoles);
        if !matches!(plan.action(Kind::PoolRoles), Action::Keep) {
            let current = pool.and_then(|p| p.roles.as_ref());
            pool_roles::set(&clients.cognito, &pool_id, current, &unauth_role_arn).await?;
        }
        Ok(())
    };
    let event_config = events::level2(clients, progress, plan, desired, observed);
    let (a, b, c) = tokio::join!(invoke_policy, roles, event_config);
    Error::collect(vec![a, b, c])?;
    Ok(Applied { pool_id })
}

/// Level 0 of the log group: creates it with our tags, or adopts the
/// untagged group Lambda made for our function.
async fn log_group_step(
    clients: &Clients,
    progress: &Progress,
    desired: &Desired,
    observed: &Observed,
    plan: &Plan,
) -> Result<(), Error> {
    let name = &desired.names.log_group;
    let tags = desired.names.tags();
    say(progress, plan, Kind::LogGroup);
    match (plan.action(Kind::LogGroup), &observed.log_group) {
        (Action::Create, _) | (Action::Update(_), None) => {
            log_group::create(&clients.logs, name, &tags).await?
        }
        (Action::Update(changes), Some(found)) if changes.contains(&Change::AdoptLogGroup) => {
            let patience = Patience::new(progress, &clients.limits);
            log_group::tag(&clients.logs, &found.arn, &tags, patience).await?;
            progress.done(&format!(
                "adopted log group {name}: Lambda made it for our function before backend-ctl made log groups; it now carries our tags"
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Level 1 of the log group: its retention, on a new group or put back (in
/// the same round as the function, rather than a round of its own).
async fn retention_step(
    clients: &Clients,
    progress: &Progress,
    desired: &Desired,
    plan: &Plan,
) -> Result<(), Error> {
    let set = match plan.action(Kind::LogGroup) {
        Action::Create => true,
        Action::Update(changes) => changes.iter().any(|c| matches!(c, Change::Retention(..))),
        _ => false,
    };
    if set {
        let (name, days) = (&desired.names.log_group, desired.log_retention_days);
        let patience = Patience::new(progress, &clients.limits);
        log_group::set_retention(&clients.logs, name, days, patience).await?;
    }
    Ok(())
}
