"""What a CloudWatch alarm says about its state: reasons, history items, SNS notifications.

Formats of the CloudWatch User Guide ("Using Amazon CloudWatch alarms",
"Alarm events and EventBridge", DescribeAlarmHistory) and of the
notifications AWS sends (aws/aws-lambda-go
events/testdata/cloudwatch-alarm-sns-payload-single-metric.json and
notifications as delivered):

* StateReason: "Threshold Crossed: 2 out of the last 3 datapoints [5.0
  (06/03/15 17:43:00), 3.0 (06/03/15 17:42:00)] were greater than or equal
  to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition)."
  (the datapoints that decided, newest first; "not greater than ..." for
  OK); without any datapoint: "Threshold Crossed: no datapoints were
  received for 3 periods and 3 missing datapoints were treated as
  [Breaching]."; INSUFFICIENT_DATA: "Insufficient Data: 1 datapoint was
  unknown.".
* StateReasonData: ``{"version": "1.0", "queryDate", "startDate",
  "statistic", "period", "recentDatapoints", "threshold",
  "evaluatedDatapoints": [{"timestamp", "sampleCount", "value"}]}``.
* The SNS message (JSON): AlarmName, AlarmDescription, AWSAccountId,
  AlarmConfigurationUpdatedTimestamp, NewStateValue, NewStateReason,
  StateChangeTime, Region (its long name), AlarmArn, OldStateValue,
  OKActions, AlarmActions, InsufficientDataActions, Trigger {MetricName,
  Namespace, StatisticType ("Statistic", Statistic "SUM" / "AVERAGE" /
  "SAMPLE_COUNT" / "MINIMUM" / "MAXIMUM"; or "ExtendedStatistic",
  ExtendedStatistic "p99"), Unit, Dimensions [{value, name}], Period,
  EvaluationPeriods, DatapointsToAlarm, ComparisonOperator, Threshold,
  TreatMissingData, EvaluateLowSampleCountPercentile}; Subject
  ``ALARM: "<name>" in US East (N. Virginia)``.
* History items (DescribeAlarmHistory): ConfigurationUpdate 'Alarm "<name>"
  created' / 'updated', StateUpdate "Alarm updated from OK to ALARM",
  Action "Successfully executed action <arn>" (or "Failed to execute action
  <arn>" when the topic does not exist).
"""

import json
from datetime import datetime
from typing import Any

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"
EPOCH = datetime(1970, 1, 1)
OPERATORS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
STATISTIC_NAMES = {"Sum": "SUM", "Average": "AVERAGE", "SampleCount": "SAMPLE_COUNT",
                   "Minimum": "MINIMUM", "Maximum": "MAXIMUM"}
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
    "af-south-1": "Africa (Cape Town)", "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-south-1": "Asia Pacific (Mumbai)", "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-northeast-1": "Asia Pacific (Tokyo)", "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)", "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)", "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)", "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)", "eu-central-1": "EU (Frankfurt)",
    "eu-central-2": "EU (Zurich)", "eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)", "eu-north-1": "EU (Stockholm)", "eu-south-1": "EU (Milan)",
    "eu-south-2": "EU (Spain)", "il-central-1": "Israel (Tel Aviv)",
    "me-south-1": "Middle East (Bahrain)", "me-central-1": "Middle East (UAE)",
    "sa-east-1": "South America (Sao Paulo)",
}


def region_name(region: str) -> str:
    return REGION_NAMES.get(region, region)


def iso(moment: datetime) -> str:
    """2015-06-03T17:43:27.123+0000 (naive UTC in)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def number(value: float) -> str:
    return repr(float(value))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


def _shown(point: tuple[datetime, float, float]) -> str:
    return f"{number(point[1])} ({point[0].strftime('%d/%m/%y %H:%M:%S')})"


def reason(alarm: Any, old: str, new: str, evaluated: list[tuple[datetime, float, float]],
           breaching: list[bool], fills: int, fill_kind: str | None, unknown: int) -> str:
    """The StateReason of a transition; ``evaluated``: the real datapoints that were
    evaluated (oldest first) and ``breaching`` their verdicts; ``fills`` missing datapoints
    treated as ``fill_kind`` ("Breaching" / "NonBreaching")."""
    if new == INSUFFICIENT:
        return f"Insufficient Data: {_plural(unknown, 'datapoint')} {_was(unknown)} unknown."
    n, m = int(alarm.evaluation_periods), int(alarm.datapoints_to_alarm or alarm.evaluation_periods)
    if not evaluated:
        return (f"Threshold Crossed: no datapoints were received for {_plural(n, 'period')} and "
                f"{_plural(fills, 'missing datapoint')} {_was(fills)} treated as [{fill_kind}].")
    wanted = new == ALARM
    listed = [p for p, verdict in zip(evaluated, breaching) if verdict == wanted][::-1]
    count = len(listed) + (fills if fill_kind == ("Breaching" if wanted else "NonBreaching") else 0)
    minimum = m if wanted else n - m + 1
    phrase = OPERATORS.get(alarm.comparison_operator, alarm.comparison_operator)
    text = (f"Threshold Crossed: {count} out of the last {n} datapoints "
            f"[{', '.join(_shown(p) for p in listed)}] {_was(count)} "
            f"{'' if wanted else 'not '}{phrase} the threshold ({number(alarm.threshold)}) "
            f"(minimum {_plural(minimum, 'datapoint')} for {old} -> {new} transition)")
    if fills:
        text += f" and {_plural(fills, 'missing datapoint')} {_was(fills)} treated as [{fill_kind}]"
    return text + "."


def reason_data(alarm: Any, now: datetime, start: datetime,
                evaluated: list[tuple[datetime, float, float]]) -> str:
    data: dict[str, Any] = {"version": "1.0", "queryDate": iso(now), "startDate": iso(start),
                            "statistic": alarm.statistic or alarm.extended_statistic}
    if alarm.unit:
        data["unit"] = alarm.unit
    data.update({"period": int(alarm.period),
                 "recentDatapoints": [value for _, value, _ in evaluated],
                 "threshold": float(alarm.threshold),
                 "evaluatedDatapoints": [{"timestamp": iso(when), "sampleCount": count,
                                          "value": value}
                                         for when, value, count in reversed(evaluated)]})
    return json.dumps(data)


def message(alarm: Any, account: str, old: str) -> tuple[str, str]:
    """The Subject and the JSON Message CloudWatch publishes to an action's topic."""
    trigger: dict[str, Any] = {"MetricName": alarm.metric_name, "Namespace": alarm.namespace}
    if alarm.extended_statistic:
        trigger.update(StatisticType="ExtendedStatistic", ExtendedStatistic=alarm.extended_statistic)
    else:
        trigger.update(StatisticType="Statistic",
                       Statistic=STATISTIC_NAMES.get(alarm.statistic, str(alarm.statistic).upper()))
    trigger.update({
        "Unit": alarm.unit,
        "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
        "Period": int(alarm.period), "EvaluationPeriods": int(alarm.evaluation_periods),
        "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
        "ComparisonOperator": alarm.comparison_operator, "Threshold": float(alarm.threshold),
        "TreatMissingData": alarm.treat_missing_data or "missing",
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
    })
    body = {
        "AlarmName": alarm.name, "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": iso(alarm.configuration_updated_timestamp),
        "NewStateValue": alarm.state_value, "NewStateReason": alarm.state_reason,
        "StateChangeTime": iso(alarm.state_updated_timestamp),
        "Region": region_name(alarm.region_name), "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old, "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions), "Trigger": trigger,
    }
    subject = f'{alarm.state_value}: "{alarm.name}" in {region_name(alarm.region_name)}'
    return subject, json.dumps(body)


def history_item(alarm: Any, kind: str, summary: str, data: dict[str, Any],
                 when: datetime) -> dict[str, Any]:
    return {"AlarmName": alarm.name, "AlarmType": "MetricAlarm", "Timestamp": when,
            "HistoryItemType": kind, "HistorySummary": summary, "HistoryData": json.dumps(data)}


def state_history(alarm: Any, old: dict[str, Any]) -> dict[str, Any]:
    new = {"stateValue": alarm.state_value, "stateReason": alarm.state_reason}
    try:
        new["stateReasonData"] = json.loads(alarm.state_reason_data or "{}")
    except ValueError:
        pass
    return history_item(alarm, "StateUpdate",
                        f"Alarm updated from {old['stateValue']} to {alarm.state_value}",
                        {"version": "1.0", "oldState": old, "newState": new},
                        alarm.state_updated_timestamp)


def config_history(alarm: Any, created: bool) -> dict[str, Any]:
    verb = "created" if created else "updated"
    return history_item(alarm, "ConfigurationUpdate", f'Alarm "{alarm.name}" {verb}',
                        {"version": "1.0", "type": "Create" if created else "Update",
                         "alarmName": alarm.name, "alarmArn": alarm.alarm_arn},
                        alarm.configuration_updated_timestamp)


def action_history(alarm: Any, arn: str, ok: bool, published: str, when: datetime) -> dict[str, Any]:
    summary = f"{'Successfully executed' if ok else 'Failed to execute'} action {arn}"
    data: dict[str, Any] = {"actionState": "Succeeded" if ok else "Failed",
                            "stateUpdateTimestamp": int(
                                (alarm.state_updated_timestamp - EPOCH).total_seconds() * 1000),
                            "notificationResource": arn, "publishedMessage": published}
    if not ok:
        data["error"] = "Resource not found."
    return history_item(alarm, "Action", summary, data, when)
