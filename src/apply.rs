//! Carrying out a plan: steps by dependency level, the independent ones at
//! once. `up`: {execution role, log group, identity pool} → {execution
//! policy, function (Active, then its reservation), unauthenticated role} →
//! {its policy, pool roles}; `teardown` the other way round.

use crate::aws::function::{self, Wait};
use crate::aws::{identity_pool, log_group, pool_roles, role, role_policy, Clients};
use crate::desired::{Code, Desired, Names};
use crate::error::Error;
use crate::observed::{FunctionState, Observed};
use crate::plan::{self, Action, Change, Kind, Plan};
use crate::progress::Progress;

/// What `up` converged to that was not known before: the pool's id.
#[derive(Debug, Clone)]
pub struct Applied {
    pub pool_id: String,
}

fn say(progress: &Progress, plan: &Plan, kind: Kind) {
    if let Some(step) = plan.step(kind) {
        let verb = match &step.action {
            Action::Create => "creating",
            Action::Update(_) => "updating",
            Action::Delete => "deleting",
            Action::Keep => return,
        };
        let mut line = format!("{verb} {} {}", kind.label(), step.name);
        if let Action::Update(changes) = &step.action {
            let text: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
            line.push_str(&format!(" ({})", text.join("; ")));
        }
        progress.step(&line);
    }
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
    match plan.action(kind) {
        Action::Create => drop(role::create(&clients.iam, name, trust, tags).await?),
        Action::Update(changes) => {
            for change in changes {
                match change {
                    Change::TrustPolicy => role::update(&clients.iam, name, trust).await?,
                    Change::ExtraPolicies(extra) => {
                        role_policy::remove(&clients.iam, name, extra).await?
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
        role_policy::put(&clients.iam, role, name, doc).await?;
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
    let pool = observed.pools.iter().find(|p| names.owns(&p.tags));
    let exec_role_arn = plan::role_arn(desired, &names.exec_role);
    let unauth_role_arn = plan::role_arn(desired, &names.unauth_role);

    // Level 0: the execution role and the identity pool.
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
    let (exec_role, group, pool_id) = tokio::join!(exec_role, group, pool_id);
    let level0 = Error::collect(vec![
        exec_role.map(|()| None),
        group.map(|()| None),
        pool_id.map(Some).map_err(Error::from),
    ])?;
    let pool_id = level0.into_iter().flatten().next().unwrap_or_default();

    // Level 1: the execution policy, the function (with its concurrency cap)
    // and the unauthenticated role, at once.
    let exec_policy = policy_step(
        clients,
        progress,
        plan,
        Kind::ExecPolicy,
        &names.exec_role,
        &names.exec_policy,
        &desired.exec_policy,
    );
    let function = function_chain(
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
    let (a, b, c) = tokio::join!(exec_policy, function, unauth_role);
    Error::collect(vec![a, b, c])?;

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
    let (a, b) = tokio::join!(invoke_policy, roles);
    Error::collect(vec![a, b])?;
    Ok(Applied { pool_id })
}

/// Creates the log group, puts its retention back, or adopts the untagged
/// group Lambda made for our function.
async fn log_group_step(
    clients: &Clients,
    progress: &Progress,
    desired: &Desired,
    observed: &Observed,
    plan: &Plan,
) -> Result<(), Error> {
    let name = &desired.names.log_group;
    let days = desired.log_retention_days;
    say(progress, plan, Kind::LogGroup);
    match (plan.action(Kind::LogGroup), &observed.log_group) {
        (Action::Create, _) | (Action::Update(_), None) => {
            log_group::create(&clients.logs, name, days, &desired.names.tags()).await?
        }
        (Action::Update(changes), Some(found)) => {
            for change in changes {
                match change {
                    Change::AdoptLogGroup => {
                        log_group::tag(&clients.logs, &found.arn, &desired.names.tags()).await?;
                        progress.done(&format!(
                            "adopted log group {name}: Lambda made it for our function before backend-ctl made log groups; it now carries our tags"
                        ));
                    }
                    Change::Retention(..) => {
                        log_group::set_retention(&clients.logs, name, days).await?
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether Lambda is still busy with an earlier change (say, from an
/// interrupted run), which must finish before the next update.
fn busy(found: &FunctionState) -> Option<Wait> {
    if found.state == "Pending" {
        Some(Wait::Active)
    } else if found.last_update_status == "InProgress" {
        Some(Wait::Updated)
    } else {
        None
    }
}

async fn function_chain(
    clients: &Clients,
    progress: &Progress,
    desired: &Desired,
    observed: &Observed,
    plan: &Plan,
    code: &Code,
    role_arn: &str,
) -> Result<(), Error> {
    let name = &desired.names.function;
    let spec = &desired.function;
    let lambda = &clients.lambda;
    say(progress, plan, Kind::Function);
    match (plan.action(Kind::Function), &observed.function) {
        (Action::Create, _) | (_, None) => {
            function::create(
                lambda,
                progress,
                &clients.limits,
                name,
                spec,
                role_arn,
                code,
                &desired.names.tags(),
            )
            .await?;
            progress.note(&format!(
                "waiting for Lambda function {name} to become Active"
            ));
            function::wait(
                lambda,
                progress,
                name,
                Wait::Active,
                clients.limits.wait_limit,
            )
            .await?;
            // Once Active: Lambda refuses changes to a Pending function.
            if let Some(reserved) = plan.reserve_on_create {
                reserve(clients, progress, name, reserved).await?;
            }
        }
        (action, Some(found)) => {
            let changes: &[Change] = match action {
                Action::Update(c) => c,
                _ => &[],
            };
            if let Some(w) = busy(found) {
                progress.note(&format!(
                    "waiting for Lambda function {name} to finish an earlier change"
                ));
                function::wait(lambda, progress, name, w, clients.limits.wait_limit).await?;
            }
            if changes.iter().any(Change::is_function_config) {
                function::update_config(lambda, progress, &clients.limits, name, spec, role_arn)
                    .await?;
                function::wait(
                    lambda,
                    progress,
                    name,
                    Wait::Updated,
                    clients.limits.wait_limit,
                )
                .await?;
            }
            if changes.iter().any(Change::is_function_code) {
                function::update_code(
                    lambda,
                    progress,
                    &clients.limits,
                    name,
                    code,
                    spec.architecture,
                )
                .await?;
                function::wait(
                    lambda,
                    progress,
                    name,
                    Wait::Updated,
                    clients.limits.wait_limit,
                )
                .await?;
            }
            for change in changes {
                match change {
                    Change::Concurrency(_, Some(reserved)) => {
                        reserve(clients, progress, name, *reserved).await?
                    }
                    Change::Concurrency(_, None) => {
                        function::delete_concurrency(lambda, name).await?
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Puts the reservation; when the account turns out unable to spare it (a
/// race with another function's reservation since the plan read the
/// account), goes on without it and says so, as the plan would have.
async fn reserve(
    clients: &Clients,
    progress: &Progress,
    name: &str,
    reserved: u32,
) -> Result<(), Error> {
    match function::put_concurrency(&clients.lambda, name, reserved).await? {
        function::Reserved::Done => Ok(()),
        function::Reserved::AccountCannotSpare(message) => {
            let account = crate::aws::account::concurrency(&clients.lambda).await.ok();
            match account {
                Some(account) => progress.note(&format!(
                    "{}",
                    plan::Note::NoReservation {
                        wanted: reserved,
                        account
                    }
                )),
                None => progress.note(&format!(
                    "reserved concurrency {reserved} is not possible on this account ({message}); the function goes on without a reservation"
                )),
            }
            Ok(())
        }
    }
}

/// Runs a delete step if the plan has it.
async fn delete_step<F>(
    progress: &Progress,
    plan: &Plan,
    kind: Kind,
    delete: F,
) -> Result<(), Error>
where
    F: std::future::Future<Output = Result<(), crate::error::AwsError>>,
{
    if matches!(plan.action(kind), Action::Delete) {
        say(progress, plan, kind);
        delete.await?;
    }
    Ok(())
}

/// Removes the policies someone else put on a role of ours that is to be deleted.
async fn remove_extras(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
    kind: Kind,
    name: &str,
    found: Option<&crate::observed::RoleState>,
) -> Result<(), Error> {
    match found {
        Some(role) if matches!(plan.action(kind), Action::Delete) && !role.extra.is_empty() => {
            let list: Vec<String> = role.extra.iter().map(|e| e.to_string()).collect();
            progress.step(&format!(
                "removing {} from IAM role {name}",
                list.join(", ")
            ));
            role_policy::remove(&clients.iam, name, &role.extra).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Applies the plan of `teardown`: policies, function and pool at once, then the roles.
pub async fn teardown(
    clients: &Clients,
    progress: &Progress,
    names: &Names,
    observed: &Observed,
    plan: &Plan,
) -> Result<(), Error> {
    let iam = &clients.iam;
    let pool_id = observed
        .pools
        .iter()
        .find(|p| names.owns(&p.tags))
        .map(|p| p.id.as_str())
        .unwrap_or_default();
    // Policies someone else put on our roles were read with them: they go in
    // the first round too, so that IAM lets the roles go in the next.
    let (a, b, c, d, e, f) = tokio::join!(
        delete_step(
            progress,
            plan,
            Kind::UnauthPolicy,
            role_policy::delete(iam, &names.unauth_role, &names.unauth_policy)
        ),
        delete_step(
            progress,
            plan,
            Kind::ExecPolicy,
            role_policy::delete(iam, &names.exec_role, &names.exec_policy)
        ),
        delete_step(
            progress,
            plan,
            Kind::Function,
            function::delete(&clients.lambda, &names.function)
        ),
        delete_step(
            progress,
            plan,
            Kind::IdentityPool,
            identity_pool::delete(&clients.cognito, pool_id)
        ),
        remove_extras(
            clients,
            progress,
            plan,
            Kind::ExecRole,
            &names.exec_role,
            observed.exec_role.as_ref()
        ),
        remove_extras(
            clients,
            progress,
            plan,
            Kind::UnauthRole,
            &names.unauth_role,
            observed.unauth_role.as_ref()
        ),
    );
    Error::collect(vec![a, b, c, d, e, f])?;
    // The log group after the function, which would otherwise make it again.
    let (a, b, c) = tokio::join!(
        delete_step(
            progress,
            plan,
            Kind::UnauthRole,
            role::delete(iam, &names.unauth_role)
        ),
        delete_step(
            progress,
            plan,
            Kind::ExecRole,
            role::delete(iam, &names.exec_role)
        ),
        delete_step(
            progress,
            plan,
            Kind::LogGroup,
            log_group::delete(&clients.logs, &names.log_group)
        ),
    );
    Error::collect(vec![a, b, c]).map(|_| ())
}
