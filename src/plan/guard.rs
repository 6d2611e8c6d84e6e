//! The guard's part of a plan: the topic, the email subscription and the
//! alarms that `[alarms]` asks for, created, put right or kept; all of them
//! deleted when the config no longer asks for them, and by `teardown`. Pure.

use crate::desired::{
    AlarmSpec, Desired, Names, ALARM_COMPARISON, ALARM_PERIOD_S, ALARM_TREAT_MISSING,
};
use crate::observed::{AlarmState, Observed};

use super::model::{Action, Change, Kind, Step};

/// The topic's ARN, known without asking SNS.
pub fn topic_arn(desired: &Desired) -> String {
    format!(
        "arn:{}:sns:{}:{}:{}",
        desired.account.partition,
        desired.account.region,
        desired.account.account_id,
        desired.names.topic
    )
}

/// What differs between an alarm as found and as desired.
pub fn alarm_differences(spec: &AlarmSpec, found: &AlarmState, topic_arn: &str) -> Vec<String> {
    let mut out = Vec::new();
    if found.threshold != spec.threshold {
        out.push(format!(
            "threshold {} → {}",
            found.threshold, spec.threshold
        ));
    }
    if found.namespace != spec.namespace || found.metric != spec.metric {
        out.push(format!(
            "metric {}/{} → {}/{}",
            found.namespace, found.metric, spec.namespace, spec.metric
        ));
    }
    if found.dimensions != spec.dimensions {
        out.push("dimensions differ".into());
    }
    if found.statistic != spec.statistic
        || found.period != ALARM_PERIOD_S
        || found.evaluation_periods != 1
        || found.datapoints_to_alarm.unwrap_or(1) != 1
        || found.comparison != ALARM_COMPARISON
        || found.treat_missing_data != ALARM_TREAT_MISSING
    {
        out.push(format!(
            "evaluation differs ({} per 5 minutes, 1 of 1, ≥, missing data not breaching)",
            spec.statistic
        ));
    }
    let ours = [topic_arn.to_string()];
    if !found.actions_enabled || found.alarm_actions != ours || found.ok_actions != ours {
        out.push("actions differ (our topic, on ALARM and OK)".into());
    }
    if found.description != spec.description {
        out.push("description differs".into());
    }
    out
}

fn step(kind: Kind, name: &str, action: Action) -> Step {
    Step {
        kind,
        name: name.to_string(),
        action,
    }
}

/// The guard's steps of `up`.
pub fn up_steps(desired: &Desired, observed: &Observed) -> Vec<Step> {
    let Some(guard) = &desired.guard else {
        return teardown_steps(&desired.names, observed);
    };
    let arn = topic_arn(desired);
    let mut steps = vec![step(
        Kind::Topic,
        &guard.topic,
        if observed.topic.is_some() {
            Action::Keep
        } else {
            Action::Create
        },
    )];
    let subscriptions = observed
        .topic
        .as_ref()
        .map(|t| t.subscriptions.as_slice())
        .unwrap_or_default();
    let subscribed = subscriptions
        .iter()
        .any(|s| s.protocol == "email" && s.endpoint == guard.email);
    steps.push(step(
        Kind::Subscription,
        &guard.email,
        if subscribed {
            Action::Keep
        } else {
            Action::Create
        },
    ));
    // Another address the config no longer names: removed once confirmed
    // (SNS cannot remove a pending one; it expires on its own).
    for old in subscriptions
        .iter()
        .filter(|s| s.protocol == "email" && s.endpoint != guard.email && !s.pending())
    {
        steps.push(step(Kind::OldSubscription, &old.arn, Action::Delete));
    }
    for spec in &guard.alarms {
        let action = match observed.alarms.iter().find(|a| a.name == spec.name) {
            None => Action::Create,
            Some(found) => Action::update(
                alarm_differences(spec, found, &arn)
                    .into_iter()
                    .map(Change::Alarm)
                    .collect(),
            ),
        };
        steps.push(step(Kind::Alarm, &spec.name, action));
    }
    // Ours, but no longer asked for (the failed events no longer kept).
    for found in observed
        .alarms
        .iter()
        .filter(|a| desired.names.alarms.contains(&a.name))
        .filter(|a| !guard.alarms.iter().any(|spec| spec.name == a.name))
    {
        steps.push(step(Kind::Alarm, &found.name, Action::Delete));
    }
    steps
}

/// The guard's steps of `teardown` (and of an `up` whose config dropped
/// `[alarms]`): the alarms, then the topic with its subscriptions.
pub fn teardown_steps(names: &Names, observed: &Observed) -> Vec<Step> {
    let mut steps: Vec<Step> = names
        .alarms
        .iter()
        .filter(|n| observed.alarms.iter().any(|a| &a.name == *n))
        .map(|n| step(Kind::Alarm, n, Action::Delete))
        .collect();
    if observed.topic.is_some() {
        steps.push(step(Kind::Topic, &names.topic, Action::Delete));
    }
    steps
}

/// Whether the email subscription still waits for its owner to confirm it.
pub fn awaiting_confirmation(desired: &Desired, observed: &Observed) -> Option<String> {
    let guard = desired.guard.as_ref()?;
    let confirmed = observed.topic.as_ref().is_some_and(|t| {
        t.subscriptions
            .iter()
            .any(|s| s.endpoint == guard.email && !s.pending())
    });
    (!confirmed).then(|| guard.email.clone())
}
