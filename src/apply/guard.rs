//! Carrying out the guard's steps: the topic first (the alarms name it),
//! then the subscription and the alarms at once; deletions (teardown, or
//! `[alarms]` gone from the config) in one round, the alarms with the topic.

use crate::aws::{alarm, topic, Clients};
use crate::desired::Desired;
use crate::error::Error;
use crate::observed::Observed;
use crate::plan::{Action, Kind, Plan};
use crate::progress::Progress;

fn names_of(plan: &Plan, kind: Kind, action: &Action) -> Vec<String> {
    plan.steps
        .iter()
        .filter(|s| s.kind == kind && &s.action == action)
        .map(|s| s.name.clone())
        .collect()
}

/// The first round: the topic made (its ARN returned), or the guard's
/// resources deleted.
pub async fn level0(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
    observed: &Observed,
    desired: Option<&Desired>,
) -> Result<Option<String>, Error> {
    let gone = names_of(plan, Kind::Alarm, &Action::Delete);
    let deletions = async {
        if !gone.is_empty() {
            progress.step(&format!("deleting CloudWatch alarms {}", gone.join(", ")));
        }
        let alarms = alarm::delete(&clients.cloudwatch, &gone);
        let topic = async {
            match (&observed.topic, plan.action(Kind::Topic)) {
                (Some(t), Action::Delete) => {
                    progress.step(&format!(
                        "deleting SNS topic {} and its subscriptions",
                        t.arn
                    ));
                    topic::delete(&clients.sns, &t.arn).await
                }
                _ => Ok(()),
            }
        };
        let (a, b) = tokio::join!(alarms, topic);
        Error::collect(vec![a.map_err(Error::from), b.map_err(Error::from)]).map(drop)
    };
    let made = async {
        let Some(desired) = desired.filter(|d| d.guard.is_some()) else {
            return Ok(None);
        };
        match (&observed.topic, plan.action(Kind::Topic)) {
            (Some(t), _) => Ok(Some(t.arn.clone())),
            (None, Action::Create) => {
                progress.step(&format!("creating SNS topic {}", desired.names.topic));
                let arn = topic::create(&clients.sns, &desired.names.topic, &desired.names.tags())
                    .await?;
                Ok(Some(arn))
            }
            _ => Ok(None),
        }
    };
    let (deleted, made) = tokio::join!(deletions, made);
    deleted?;
    made
}

/// The second round: the subscription, old addresses removed, the alarms put.
pub async fn level1(
    clients: &Clients,
    progress: &Progress,
    plan: &Plan,
    desired: &Desired,
    topic_arn: Option<&str>,
) -> Result<(), Error> {
    let (Some(guard), Some(arn)) = (&desired.guard, topic_arn) else {
        return Ok(());
    };
    let subscribe = async {
        if plan.action(Kind::Subscription) == &Action::Create {
            progress.step(&format!("subscribing {} to the alarms", guard.email));
            topic::subscribe(&clients.sns, arn, &guard.email).await?;
        }
        Ok::<_, Error>(())
    };
    let old = names_of(plan, Kind::OldSubscription, &Action::Delete);
    let unsubscribe = futures::future::join_all(old.iter().map(|sub| async move {
        progress.step(&format!("removing the alarms' old subscription {sub}"));
        topic::unsubscribe(&clients.sns, sub)
            .await
            .map_err(Error::from)
    }));
    let tags = desired.names.tags();
    let puts = futures::future::join_all(guard.alarms.iter().map(|spec| {
        let tags = &tags;
        async move {
            let action = plan
                .steps
                .iter()
                .find(|s| s.kind == Kind::Alarm && s.name == spec.name)
                .map(|s| &s.action);
            if matches!(action, Some(Action::Create) | Some(Action::Update(_))) {
                progress.step(&format!(
                    "putting CloudWatch alarm {} ({} ≥ {} in 5 minutes)",
                    spec.name, spec.metric, spec.threshold
                ));
                alarm::put(&clients.cloudwatch, spec, arn, tags).await?;
            }
            Ok::<_, Error>(())
        }
    }));
    let (a, b, c) = tokio::join!(subscribe, unsubscribe, puts);
    let mut results = vec![a];
    results.extend(b);
    results.extend(c);
    Error::collect(results).map(drop)
}
