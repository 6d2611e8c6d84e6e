//! The guard's CloudWatch alarms: find them by name (with their tags), put
//! one (`PutMetricAlarm` creates or overwrites), delete them.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag,
};
use aws_sdk_cloudwatch::Client;

use crate::desired::{AlarmSpec, ALARM_COMPARISON, ALARM_PERIOD_S, ALARM_TREAT_MISSING};
use crate::error::AwsError;
use crate::observed::AlarmState;

fn state_of(a: &MetricAlarm) -> AlarmState {
    AlarmState {
        name: a.alarm_name().unwrap_or_default().to_string(),
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        tags: BTreeMap::new(),
        namespace: a.namespace().unwrap_or_default().to_string(),
        metric: a.metric_name().unwrap_or_default().to_string(),
        dimensions: a
            .dimensions()
            .iter()
            .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
            .collect(),
        statistic: a
            .statistic()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        period: a.period().unwrap_or_default(),
        evaluation_periods: a.evaluation_periods().unwrap_or_default(),
        datapoints_to_alarm: a.datapoints_to_alarm(),
        threshold: a.threshold().unwrap_or_default(),
        comparison: a
            .comparison_operator()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        treat_missing_data: a.treat_missing_data().unwrap_or_default().to_string(),
        alarm_actions: a.alarm_actions().to_vec(),
        ok_actions: a.ok_actions().to_vec(),
        actions_enabled: a.actions_enabled().unwrap_or_default(),
        description: a.alarm_description().unwrap_or_default().to_string(),
        state: a
            .state_value()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        state_reason: a.state_reason().unwrap_or_default().to_string(),
    }
}

/// The metric alarms with these names, each with its tags.
pub async fn find(cloudwatch: &Client, names: &[String]) -> Result<Vec<AlarmState>, AwsError> {
    let action = "reading CloudWatch alarms".to_string();
    let out = cloudwatch
        .describe_alarms()
        .set_alarm_names(Some(names.to_vec()))
        .alarm_types(AlarmType::MetricAlarm)
        .send()
        .await
        .map_err(|e| super::failed(action.clone(), e))?;
    let found: Vec<AlarmState> = out.metric_alarms().iter().map(state_of).collect();
    let tagged = found.into_iter().map(|mut alarm| {
        let action = action.clone();
        async move {
            let out = cloudwatch
                .list_tags_for_resource()
                .resource_arn(&alarm.arn)
                .send()
                .await
                .map_err(|e| super::failed(action, e))?;
            alarm.tags = out
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
            Ok::<_, AwsError>(alarm)
        }
    });
    futures::future::join_all(tagged)
        .await
        .into_iter()
        .collect()
}

/// Creates or overwrites the alarm, notifying `topic_arn` on ALARM and OK.
pub async fn put(
    cloudwatch: &Client,
    spec: &AlarmSpec,
    topic_arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let dimensions: Vec<Dimension> = spec
        .dimensions
        .iter()
        .map(|(k, v)| Dimension::builder().name(k).value(v).build())
        .collect();
    let tags: Vec<Tag> = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    cloudwatch
        .put_metric_alarm()
        .alarm_name(&spec.name)
        .alarm_description(&spec.description)
        .namespace(spec.namespace)
        .metric_name(spec.metric)
        .set_dimensions(Some(dimensions))
        .statistic(Statistic::from(spec.statistic))
        .period(ALARM_PERIOD_S)
        .evaluation_periods(1)
        .datapoints_to_alarm(1)
        .threshold(spec.threshold)
        .comparison_operator(ComparisonOperator::from(ALARM_COMPARISON))
        .treat_missing_data(ALARM_TREAT_MISSING)
        .actions_enabled(true)
        .alarm_actions(topic_arn)
        .ok_actions(topic_arn)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| super::failed(format!("putting CloudWatch alarm ({})", spec.name), e))?;
    Ok(())
}

/// Deletes the alarms (names that do not exist are ignored by CloudWatch).
pub async fn delete(cloudwatch: &Client, names: &[String]) -> Result<(), AwsError> {
    if names.is_empty() {
        return Ok(());
    }
    cloudwatch
        .delete_alarms()
        .set_alarm_names(Some(names.to_vec()))
        .send()
        .await
        .map_err(|e| super::failed("deleting CloudWatch alarms", e))?;
    Ok(())
}
