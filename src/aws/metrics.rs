//! The function's `AWS/Lambda` metrics: every query of `status` in one
//! `GetMetricData` call (its pages followed).

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use aws_sdk_cloudwatch::Client;

use crate::error::AwsError;
use crate::status::Query;

/// The answers, by query id: (timestamp in seconds, value), oldest first.
pub async fn fetch(
    cloudwatch: &Client,
    function: &str,
    queries: &[Query],
    start: i64,
    end: i64,
) -> Result<BTreeMap<usize, Vec<(i64, f64)>>, AwsError> {
    let action = format!("reading the metrics of Lambda Function ({function})");
    let dimension = Dimension::builder()
        .name("FunctionName")
        .value(function)
        .build();
    let mut built = Vec::new();
    for q in queries {
        let (metric, stat) = q.figure.metric();
        let stat = MetricStat::builder()
            .metric(
                Metric::builder()
                    .namespace("AWS/Lambda")
                    .metric_name(metric)
                    .dimensions(dimension.clone())
                    .build(),
            )
            .period(i32::try_from(q.period).unwrap_or(i32::MAX))
            .stat(stat)
            .build();
        built.push(
            MetricDataQuery::builder()
                .id(format!("q{}", q.id))
                .metric_stat(stat)
                .return_data(true)
                .build(),
        );
    }
    let mut answers: BTreeMap<usize, Vec<(i64, f64)>> = BTreeMap::new();
    let mut pages = cloudwatch
        .get_metric_data()
        .set_metric_data_queries(Some(built))
        .start_time(DateTime::from_secs(start))
        .end_time(DateTime::from_secs(end))
        .scan_by(ScanBy::TimestampAscending)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| super::failed(action.clone(), e))?;
        for result in page.metric_data_results() {
            let Some(id) = result
                .id()
                .and_then(|id| id.strip_prefix('q'))
                .and_then(|n| n.parse().ok())
            else {
                continue;
            };
            let points = answers.entry(id).or_default();
            for (t, v) in result.timestamps().iter().zip(result.values()) {
                points.push((t.secs(), *v));
            }
        }
    }
    for points in answers.values_mut() {
        points.sort_by_key(|(t, _)| *t);
    }
    Ok(answers)
}
