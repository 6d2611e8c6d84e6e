//! The guard of the public endpoint against the emulator: alarms on the
//! metrics of the alias the app calls, sent to an email through SNS; the
//! kill switch (`pause`, `resume`), which `up` respects; and `status`, with
//! the numbers of a known series of calls.

mod common;

use std::time::{Duration, Instant};

use common::{emulator_switches, sns_confirm, sns_published, Aws, Project, Settings};
use serde_json::Value;

const ADA: &str = r#"{"firstName": "Ada", "lastName": "Lovelace"}"#;
const EMAIL: &str = "ops@example.com";

fn topic_arn(p: &Project) -> String {
    format!("arn:aws:sns:us-east-1:123456789012:{}-dev-alarms", p.name)
}

fn guarded(p: &Project, invocations: Option<u32>) {
    p.write_config(&Settings {
        alarms: Some((EMAIL, invocations)),
        ..Settings::default()
    });
}

/// The alarm as CloudWatch holds it.
fn alarm(aws: &Aws, name: &str) -> Option<aws_sdk_cloudwatch::types::MetricAlarm> {
    aws.block(aws.cloudwatch.describe_alarms().alarm_names(name).send())
        .unwrap()
        .metric_alarms()
        .first()
        .cloned()
}

fn state(aws: &Aws, name: &str) -> String {
    alarm(aws, name)
        .and_then(|a| a.state_value().map(|s| s.as_str().to_string()))
        .unwrap_or_default()
}

/// Waits (up to 30 s) until the alarm is in ALARM.
fn wait_for_alarm(aws: &Aws, name: &str) {
    let start = Instant::now();
    while state(aws, name) != "ALARM" {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no ALARM: {:?}",
            alarm(aws, name)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The ALARM notifications CloudWatch sent to the project's topic.
fn alarm_messages(p: &Project) -> Vec<Value> {
    sns_published(&topic_arn(p))
        .into_iter()
        .filter_map(|m| serde_json::from_str::<Value>(m["Message"].as_str()?).ok())
        .filter(|m| m["NewStateValue"] == "ALARM")
        .collect()
}

fn json(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}: {}", run.stdout()))
}

#[test]
fn calls_past_the_threshold_raise_the_alarm_and_one_email_goes_out() {
    let p = Project::new("abuse");
    let aws = Aws::new();
    guarded(&p, Some(3));
    let run = p.up();
    assert!(
        run.stderr().contains("once its owner confirms"),
        "{}",
        run.stderr()
    );
    sns_confirm(&topic_arn(&p), EMAIL);
    let name = "abuse-dev-invocations";
    assert_ne!(state(&aws, name), "ALARM");
    for _ in 0..3 {
        p.run(&["invoke", "--payload", ADA]).ok();
    }
    wait_for_alarm(&aws, name);
    // One notification of the ALARM, in the form CloudWatch sends.
    let alarms = alarm_messages(&p);
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert_eq!(alarms[0]["AlarmName"], name);
    assert_eq!(alarms[0]["Trigger"]["MetricName"], "Invocations");
    // `status` shows it, and the confirmed address.
    let status = json(&p.run(&["status", "--output", "json"]).ok());
    let shown: Vec<(&str, &str)> = status["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["state"].as_str().unwrap()))
        .collect();
    assert!(shown.contains(&(name, "ALARM")), "{shown:?}");
    assert_eq!(
        status["subscriptions"],
        serde_json::json!([{"email": EMAIL, "confirmed": true}])
    );
    p.run(&["teardown", "--yes"]).ok();
}

#[test]
fn a_failed_event_raises_the_failed_events_alarm_and_one_email_goes_out() {
    let p = Project::new("evalarm");
    let aws = Aws::new();
    guarded(&p, None);
    p.up();
    sns_confirm(&topic_arn(&p), EMAIL);
    // Lambda's retries a tenth of a second apart, and the queue's depth
    // published every half second rather than every minute.
    emulator_switches(
        &p.names().function,
        serde_json::json!({"lambda_event_retry_seconds": 0.1, "sqs_metrics_seconds": 0.5}),
    );
    let waiting = "evalarm-dev-failed-events";
    let queue_alarm = alarm(&aws, waiting).expect("the failed events' alarm");
    assert_eq!(queue_alarm.namespace(), Some("AWS/SQS"));
    assert_eq!(
        queue_alarm.metric_name(),
        Some("ApproximateNumberOfMessagesVisible")
    );
    assert_eq!(queue_alarm.statistic().map(|s| s.as_str()), Some("Maximum"));
    assert_eq!(queue_alarm.threshold(), Some(1.0));
    let dims: Vec<(Option<&str>, Option<&str>)> = queue_alarm
        .dimensions()
        .iter()
        .map(|d| (d.name(), d.value()))
        .collect();
    assert_eq!(dims, [(Some("QueueName"), Some("evalarm-dev-failed"))]);
    let lost = alarm(&aws, "evalarm-dev-delivery-failures").expect("the lost events' alarm");
    assert_eq!(lost.metric_name(), Some("DestinationDeliveryFailures"));
    assert_ne!(state(&aws, waiting), "ALARM");

    p.run(&[
        "invoke",
        "--async",
        "--payload",
        r#"{"firstName": "Grace"}"#,
    ])
    .ok();
    wait_for_alarm(&aws, waiting);
    let sent = alarm_messages(&p);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["AlarmName"], waiting);
    assert_eq!(
        sent[0]["Trigger"]["MetricName"],
        "ApproximateNumberOfMessagesVisible"
    );
    // The record reached the queue: nothing was lost on the way.
    assert_ne!(state(&aws, "evalarm-dev-delivery-failures"), "ALARM");
    p.run(&["teardown", "--yes"]).ok();
    assert!(alarm(&aws, waiting).is_none());
}

#[test]
fn pause_throttles_the_app_at_once_up_respects_it_and_resume_lets_it_back() {
    let p = Project::new("pause");
    let aws = Aws::new();
    let names = p.names();
    p.up();
    p.recorder.clear();
    p.run(&["pause"]).ok();
    assert_eq!(p.recorder.writes(), ["lambda:PutFunctionConcurrency"]);
    let reserved = |aws: &Aws| {
        aws.function(&names.function).and_then(|f| {
            f.concurrency()
                .and_then(|c| c.reserved_concurrent_executions())
        })
    };
    assert_eq!(reserved(&aws), Some(0));
    p.run(&["invoke", "--payload", ADA])
        .fails(1, "TooManyRequestsException")
        .fails(1, "is paused");

    // A plain `up` leaves the pause, and says so.
    p.recorder.clear();
    let run = p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    assert!(run.stderr().contains("is paused"), "{}", run.stderr());
    assert_eq!(reserved(&aws), Some(0));

    p.recorder.clear();
    p.run(&["resume"]).ok();
    assert_eq!(p.recorder.writes(), ["lambda:PutFunctionConcurrency"]);
    assert_eq!(reserved(&aws), Some(10));
    p.run(&["invoke", "--payload", ADA]).ok();

    // `up --resume` does the same.
    p.run(&["pause"]).ok();
    p.recorder.clear();
    p.run(&["up", "--yes", "--resume"]).ok();
    assert_eq!(p.recorder.writes(), ["lambda:PutFunctionConcurrency"]);
    assert_eq!(reserved(&aws), Some(10));
}

/// The `Duration` of each REPORT line of the function's log, in ms.
fn reported_durations(aws: &Aws, group: &str) -> Vec<f64> {
    aws.log_messages(group)
        .iter()
        .filter_map(|m| {
            let rest = m.strip_prefix("REPORT ")?.split("\tDuration: ").nth(1)?;
            rest.split(' ').next()?.parse().ok()
        })
        .collect()
}

#[test]
fn status_shows_the_stack_and_the_numbers_of_a_known_series_of_calls() {
    let p = Project::new("status");
    let aws = Aws::new();
    guarded(&p, Some(1000));
    p.up();
    for _ in 0..3 {
        p.run(&["invoke", "--payload", ADA]).ok();
    }
    p.run(&["invoke", "--payload", r#"{"firstName": "Ada"}"#])
        .fails(6, "BadRequest");
    p.run(&["pause"]).ok();
    for _ in 0..2 {
        p.run(&["invoke", "--payload", ADA])
            .fails(1, "TooManyRequestsException");
    }
    p.run(&["resume"]).ok();

    p.recorder.clear();
    let status = json(&p.run(&["status", "--output", "json"]).ok());
    let calls: Vec<String> = p
        .recorder
        .calls()
        .iter()
        .map(|c| format!("{}:{}", c.service, c.action))
        .collect();
    assert_eq!(
        calls
            .iter()
            .filter(|c| *c == "cloudwatch:GetMetricData")
            .count(),
        1,
        "{calls:?}"
    );
    assert!(p.recorder.writes().is_empty(), "{calls:?}");
    // As docs/BENCHMARKS.md says.
    assert_eq!(calls.len(), 20, "{calls:?}");

    let hour = &status["numbers"][0];
    assert_eq!(hour["window"], "1h");
    let total = |figure: &str| {
        hour["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["figure"] == figure)
            .map(|l| l["total"].as_f64().unwrap_or(f64::NAN))
            .unwrap()
    };
    assert_eq!(total("Invocations"), 4.0, "{hour}");
    assert_eq!(total("Errors"), 1.0, "{hour}");
    assert_eq!(total("Throttles"), 2.0, "{hour}");
    assert!(total("Concurrency") >= 1.0, "{hour}");
    let durations = reported_durations(&aws, &p.names().log_group);
    assert_eq!(durations.len(), 4, "{durations:?}");
    let (low, high) = durations
        .iter()
        .fold((f64::MAX, 0.0_f64), |(l, h), d| (l.min(*d), h.max(*d)));
    let p99 = total("DurationP99");
    assert!(
        p99 >= low - 0.01 && p99 <= high + 0.01,
        "p99 {p99} outside {low}..{high}"
    );
    assert!((total("DurationMax") - high).abs() < 0.01, "{hour}");
    assert_eq!(status["function"]["paused"], false);
    assert_eq!(status["alias"]["version"], "1");
    // The alias's three, and the failed events' two.
    assert_eq!(status["alarms"].as_array().unwrap().len(), 5);
    assert_eq!(
        status["subscriptions"],
        serde_json::json!([{"email": EMAIL, "confirmed": false}])
    );
    // The text: sparklines and the pending address.
    let text = p.run(&["status"]).ok().stdout();
    assert!(text.contains("waiting for its owner to confirm"), "{text}");
    assert!(text.contains('█'), "{text}");
    p.run(&["teardown", "--yes"]).ok();
}

#[test]
fn alarms_topic_and_subscription_are_made_kept_put_back_and_removed() {
    let p = Project::new("alarms");
    let aws = Aws::new();
    guarded(&p, None);
    p.up();
    let topic = topic_arn(&p);
    let tags = aws
        .block(aws.sns.list_tags_for_resource().resource_arn(&topic).send())
        .unwrap();
    assert_eq!(tags.tags().len(), 2, "{tags:?}");
    let subs = aws
        .block(
            aws.sns
                .list_subscriptions_by_topic()
                .topic_arn(&topic)
                .send(),
        )
        .unwrap();
    let sub = &subs.subscriptions()[0];
    assert_eq!(
        (sub.protocol(), sub.endpoint()),
        (Some("email"), Some(EMAIL))
    );
    assert_eq!(sub.subscription_arn(), Some("PendingConfirmation"));
    let invocations = alarm(&aws, "alarms-dev-invocations").unwrap();
    // 10 at once (the reservation), each at most 10 s: 300 calls in 5 minutes.
    assert_eq!(invocations.threshold(), Some(300.0));
    assert_eq!(invocations.alarm_actions(), std::slice::from_ref(&topic));
    let dims: Vec<(String, String)> = invocations
        .dimensions()
        .iter()
        .map(|d| {
            (
                d.name().unwrap().to_string(),
                d.value().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        dims.contains(&("Resource".into(), "alarms-dev:live".into())),
        "{dims:?}"
    );
    for name in ["alarms-dev-errors", "alarms-dev-throttles"] {
        assert!(alarm(&aws, name).is_some(), "{name}");
    }

    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());

    // Drift: the threshold raised in the console.
    aws.block(
        aws.cloudwatch
            .put_metric_alarm()
            .alarm_name("alarms-dev-errors")
            .namespace("AWS/Lambda")
            .metric_name("Errors")
            .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
            .period(300)
            .evaluation_periods(1)
            .threshold(999.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
            )
            .send(),
    )
    .unwrap();
    let plan = p.run(&["plan"]).ok().stdout();
    assert!(plan.contains("threshold 999 → 5"), "{plan}");
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), ["cloudwatch:PutMetricAlarm"]);
    assert_eq!(
        alarm(&aws, "alarms-dev-errors").unwrap().threshold(),
        Some(5.0)
    );

    // `[alarms]` gone from the config: the guard goes.
    p.write_config(&Settings::default());
    p.recorder.clear();
    p.up();
    let mut writes = p.recorder.writes();
    writes.sort();
    assert_eq!(writes, ["cloudwatch:DeleteAlarms", "sns:DeleteTopic"]);
    assert!(alarm(&aws, "alarms-dev-invocations").is_none());

    // Back, then teardown takes everything.
    guarded(&p, None);
    p.up();
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left("alarms"));
    assert!(alarm(&aws, "alarms-dev-throttles").is_none());
    let topics = aws.block(aws.sns.list_topics().send()).unwrap();
    assert!(
        !topics
            .topics()
            .iter()
            .any(|t| t.topic_arn() == Some(topic.as_str())),
        "{topics:?}"
    );
}
