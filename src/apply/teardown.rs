//! Carrying out `teardown`: the policies (ours and any others on our
//! roles), the function, the pool and the guard's alarms and topic at once;
//! then the roles, the failed events' queue, and the log group after the
//! function that would otherwise make it again.

use crate::aws::function;
use crate::aws::retry::Patience;
use crate::aws::{identity_pool, log_group, role, role_policy, Clients};
use crate::desired::Names;
use crate::error::Error;
use crate::observed::Observed;
use crate::plan::{Action, Kind, Plan};
use crate::progress::Progress;

use super::steps::say;

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
            let patience = Patience::new(progress, &clients.limits);
            role_policy::remove(&clients.iam, name, &role.extra, patience).await?;
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
    let patience = Patience::new(progress, &clients.limits);
    let extra_pools = super::steps::extra_pool_ids(plan);
    let pool_id = observed
        .pools
        .iter()
        .find(|p| names.owns(&p.tags) && !extra_pools.contains(&p.id.as_str()))
        .map(|p| p.id.as_str())
        .unwrap_or_default();
    // Policies someone else put on our roles were read with them: they go in
    // the first round too, so that IAM lets the roles go in the next.
    // An untagged group Lambda made for our function gets our tags first, so
    // that a teardown cut short still finds it ours next time.
    let adopt = async {
        match &observed.log_group {
            Some(g)
                if g.tags.is_empty() && matches!(plan.action(Kind::LogGroup), Action::Delete) =>
            {
                log_group::tag(&clients.logs, &g.arn, &names.tags(), patience).await
            }
            _ => Ok(()),
        }
    };
    let guard = super::guard::level0(clients, progress, plan, observed, None);
    let (a, b, c, d, e, f, g, extras, guard) = tokio::join!(
        delete_step(
            progress,
            plan,
            Kind::UnauthPolicy,
            role_policy::delete(iam, &names.unauth_role, &names.unauth_policy, patience)
        ),
        delete_step(
            progress,
            plan,
            Kind::ExecPolicy,
            role_policy::delete(iam, &names.exec_role, &names.exec_policy, patience)
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
        adopt,
        super::steps::delete_extra_pools(clients, progress, plan),
        guard,
    );
    Error::collect(vec![
        a,
        b,
        c,
        d,
        e,
        f,
        g.map_err(Error::from),
        extras,
        guard.map(drop),
    ])?;
    // The log group after the function, which would otherwise make it
    // again; the failed events' queue once the function sends no more.
    let (a, b, c, d) = tokio::join!(
        delete_step(
            progress,
            plan,
            Kind::UnauthRole,
            role::delete(iam, &names.unauth_role, patience)
        ),
        delete_step(
            progress,
            plan,
            Kind::ExecRole,
            role::delete(iam, &names.exec_role, patience)
        ),
        delete_step(
            progress,
            plan,
            Kind::LogGroup,
            log_group::delete(&clients.logs, &names.log_group, patience)
        ),
        super::events::delete(clients, progress, plan, observed),
    );
    Error::collect(vec![a, b, c, d]).map(|_| ())
}
