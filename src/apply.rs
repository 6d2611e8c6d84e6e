//! Carrying out a plan: steps by dependency level, the independent ones at
//! once. `up`: {execution role, identity pool} → {execution policy, function,
//! unauthenticated role} → {its policy, pool roles, function waits};
//! `teardown` the other way round.

use crate::aws::function::{self, Wait};
use crate::aws::{identity_pool, pool_roles, role, role_policy, Clients};
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
    let exec_role = async {
        say(progress, plan, Kind::ExecRole);
        match plan.action(Kind::ExecRole) {
            Action::Create => {
                role::create(&clients.iam, &names.exec_role, &desired.exec_trust, &tags)
                    .await
                    .map(|_| ())
            }
            Action::Update(_) => {
                role::update(&clients.iam, &names.exec_role, &desired.exec_trust).await
            }
            _ => Ok(()),
        }
    };
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
    let (exec_role, pool_id) = tokio::join!(exec_role, pool_id);
    let level0 = Error::collect(vec![
        exec_role.map(|()| None).map_err(Error::from),
        pool_id.map(Some).map_err(Error::from),
    ])?;
    let pool_id = level0.into_iter().flatten().next().unwrap_or_default();

    // Levels 1 and 2, as three independent chains.
    let exec_policy = async {
        say(progress, plan, Kind::ExecPolicy);
        match plan.action(Kind::ExecPolicy) {
            Action::Keep => Ok(()),
            _ => {
                role_policy::put(
                    &clients.iam,
                    &names.exec_role,
                    &names.exec_policy,
                    &desired.exec_policy,
                )
                .await
            }
        }
        .map_err(Error::from)
    };
    let function = function_chain(
        clients,
        progress,
        desired,
        observed,
        plan,
        code,
        &exec_role_arn,
    );
    let unauth = async {
        say(progress, plan, Kind::UnauthRole);
        let trust = desired.unauth_trust(&pool_id);
        match plan.action(Kind::UnauthRole) {
            Action::Create => role::create(&clients.iam, &names.unauth_role, &trust, &tags)
                .await
                .map(|_| ())?,
            Action::Update(_) => role::update(&clients.iam, &names.unauth_role, &trust).await?,
            _ => {}
        }
        let policy = async {
            say(progress, plan, Kind::UnauthPolicy);
            match plan.action(Kind::UnauthPolicy) {
                Action::Keep => Ok(()),
                _ => {
                    role_policy::put(
                        &clients.iam,
                        &names.unauth_role,
                        &names.unauth_policy,
                        &desired.invoke_policy,
                    )
                    .await
                }
            }
            .map_err(Error::from)
        };
        let roles = async {
            say(progress, plan, Kind::PoolRoles);
            match plan.action(Kind::PoolRoles) {
                Action::Keep => Ok(()),
                _ => {
                    let current = pool.and_then(|p| p.roles.as_ref());
                    pool_roles::set(&clients.cognito, &pool_id, current, &unauth_role_arn).await
                }
            }
            .map_err(Error::from)
        };
        let (a, b) = tokio::join!(policy, roles);
        Error::collect(vec![a, b]).map(|_| ())
    };
    let (a, b, c) = tokio::join!(exec_policy, function, unauth);
    Error::collect(vec![a, b, c])?;
    Ok(Applied { pool_id })
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
            function::put_concurrency(lambda, name, spec.reserved_concurrency).await?;
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
            if changes.iter().any(|c| matches!(c, Change::Concurrency(..))) {
                function::put_concurrency(lambda, name, spec.reserved_concurrency).await?;
            }
        }
    }
    Ok(())
}

/// Applies the plan of `teardown`: policies, function and pool at once, then the roles.
pub async fn teardown(
    clients: &Clients,
    progress: &Progress,
    names: &Names,
    observed: &Observed,
    plan: &Plan,
) -> Result<(), Error> {
    let has = |kind| matches!(plan.action(kind), Action::Delete);
    let pool = observed.pools.iter().find(|p| names.owns(&p.tags));
    let first = async {
        let unauth_policy = async {
            if has(Kind::UnauthPolicy) {
                say(progress, plan, Kind::UnauthPolicy);
                role_policy::delete(&clients.iam, &names.unauth_role, &names.unauth_policy).await?;
            }
            Ok::<(), Error>(())
        };
        let exec_policy = async {
            if has(Kind::ExecPolicy) {
                say(progress, plan, Kind::ExecPolicy);
                role_policy::delete(&clients.iam, &names.exec_role, &names.exec_policy).await?;
            }
            Ok(())
        };
        let function = async {
            if has(Kind::Function) {
                say(progress, plan, Kind::Function);
                function::delete(&clients.lambda, &names.function).await?;
            }
            Ok(())
        };
        let pool = async {
            if let (true, Some(p)) = (has(Kind::IdentityPool), pool) {
                say(progress, plan, Kind::IdentityPool);
                identity_pool::delete(&clients.cognito, &p.id).await?;
            }
            Ok(())
        };
        let (a, b, c, d) = tokio::join!(unauth_policy, exec_policy, function, pool);
        Error::collect(vec![a, b, c, d])
    };
    first.await?;
    let unauth = async {
        if has(Kind::UnauthRole) {
            say(progress, plan, Kind::UnauthRole);
            role::delete(&clients.iam, &names.unauth_role).await?;
        }
        Ok::<(), Error>(())
    };
    let exec = async {
        if has(Kind::ExecRole) {
            say(progress, plan, Kind::ExecRole);
            role::delete(&clients.iam, &names.exec_role).await?;
        }
        Ok(())
    };
    let (a, b) = tokio::join!(unauth, exec);
    Error::collect(vec![a, b]).map(|_| ())
}
