"""Tests of cloudwatch.alarms: metric alarms evaluated as CloudWatch documents, notifying SNS.

The decision rule is checked against every row of the tables of "Configuring how
CloudWatch alarms treat missing data" (CloudWatch User Guide); the rest drives a
launched server: alarms on the AWS/Lambda metrics of real invocations (functions
run handlers.BOOTSTRAP) and on custom metrics put at known times, read back
with DescribeAlarms, DescribeAlarmHistory and /backend-ctl/sns/published.
Run: .venv/bin/python -m pytest emulator -q
"""

import json
import time
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from extension.cloudwatch.alarms import decide
from server import ACCOUNT, REGION, error_of, unique
from stacks import call, make_function
from metric_queries import client, lambda_dims, published, utcnow

# The guide's tables: 5 datapoints retrieved (oldest first: 0 not breaching, X breaching,
# - missing), the states for TreatMissingData missing / ignore / breaching / notBreaching
# ("keep": the current state is retained).
TABLE_3_OF_3 = [
    ("0-X-X", "OK", "OK", "OK", "OK"),
    ("0----", "OK", "OK", "OK", "OK"),
    ("-----", "INSUFFICIENT_DATA", "keep", "ALARM", "OK"),
    ("0XX-X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("----X", "INSUFFICIENT_DATA", "keep", "ALARM", "OK"),
    ("X----", "ALARM", "keep", "ALARM", "OK"),
]
TABLE_2_OF_3 = [
    ("0-X-X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("00X0X", "ALARM", "ALARM", "ALARM", "ALARM"),
    ("0-X--", "OK", "OK", "ALARM", "OK"),
    ("----0", "OK", "OK", "ALARM", "OK"),
    ("----X", "INSUFFICIENT_DATA", "keep", "ALARM", "OK"),
]
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")


@pytest.mark.parametrize("m, row", [(3, row) for row in TABLE_3_OF_3]
                         + [(2, row) for row in TABLE_2_OF_3])
def test_the_guides_missing_data_tables(m, row):
    points = [{"0": False, "X": True, "-": None}[c] for c in row[0]]
    for treatment, expected in zip(TREATMENTS, row[1:]):
        for current in ("OK", "ALARM", "INSUFFICIENT_DATA"):
            state = decide(points, 3, m, treatment, current).state
            assert state == (current if expected == "keep" else expected), (row[0], treatment)


@pytest.fixture(scope="module")
def lam(endpoint):
    return client(endpoint, "lambda")


@pytest.fixture(scope="module")
def sns(make):
    return make("sns")


def away_from_a_minute_boundary() -> None:
    """Wait, if need be, so that the next seconds stay in one 60 s period."""
    second = utcnow().second
    if second >= 50:
        time.sleep(61 - second)


def alarm(cw, name: str) -> dict:
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def history(cw, name: str, kind: str = "StateUpdate") -> list[str]:
    items = cw.describe_alarm_history(AlarmName=name, HistoryItemType=kind,
                                      ScanBy="TimestampAscending")["AlarmHistoryItems"]
    return [item["HistorySummary"] for item in items]


def errors_alarm(cw, name: str, function: str, topic: str, **kwargs) -> None:
    cw.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors",
                        Dimensions=lambda_dims(function), Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="GreaterThanOrEqualToThreshold",
                        AlarmActions=[topic], OKActions=[topic], **kwargs)


def test_lambda_errors_raise_the_alarm_and_notify_once(cw, sns, lam, role, endpoint):
    function = make_function(lam, role)
    topic = sns.create_topic(Name=unique("alarms"))["TopicArn"]
    name = unique("errors")
    errors_alarm(cw, name, function, topic, AlarmDescription="guard the endpoint",
                 TreatMissingData="notBreaching")
    assert alarm(cw, name)["StateValue"] == "OK"  # no data, treated as not breaching
    assert [m["Subject"] for m in published(endpoint, topic)] == [
        f'OK: "{name}" in US East (N. Virginia)']

    assert call(lam, function)[0]["StatusCode"] == 200  # Errors 0: still OK
    assert alarm(cw, name)["StateValue"] == "OK"
    call(lam, function, {"action": "fail", "message": "boom"})
    state = alarm(cw, name)
    assert state["StateValue"] == "ALARM"  # at once: the current period counts
    assert state["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [1.0 (")
    assert state["StateReason"].endswith(")] was greater than or equal to the threshold (1.0) "
                                         "(minimum 1 datapoint for OK -> ALARM transition).")
    data = json.loads(state["StateReasonData"])
    assert (data["statistic"], data["period"], data["recentDatapoints"]) == ("Sum", 60, [1.0])
    assert state["StateTransitionedTimestamp"] == state["StateUpdatedTimestamp"]

    call(lam, function, {"action": "fail", "message": "again"})
    time.sleep(1.5)  # the background evaluator ran too
    assert alarm(cw, name)["StateValue"] == "ALARM"
    messages = published(endpoint, topic)
    assert [m["Subject"] for m in messages] == [f'OK: "{name}" in US East (N. Virginia)',
                                                f'ALARM: "{name}" in US East (N. Virginia)']
    body = json.loads(messages[1]["Message"])
    assert {key: body[key] for key in ("AlarmName", "AlarmDescription", "AWSAccountId",
                                       "NewStateValue", "OldStateValue", "Region", "AlarmArn",
                                       "AlarmActions", "OKActions", "InsufficientDataActions")} == {
        "AlarmName": name, "AlarmDescription": "guard the endpoint", "AWSAccountId": ACCOUNT,
        "NewStateValue": "ALARM", "OldStateValue": "OK", "Region": "US East (N. Virginia)",
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}",
        "AlarmActions": [topic], "OKActions": [topic], "InsufficientDataActions": []}
    assert body["NewStateReason"] == state["StateReason"]
    assert body["Trigger"] == {
        "MetricName": "Errors", "Namespace": "AWS/Lambda", "StatisticType": "Statistic",
        "Statistic": "SUM", "Unit": None,
        "Dimensions": [{"value": function, "name": "FunctionName"}], "Period": 60,
        "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1.0,
        "TreatMissingData": "notBreaching", "EvaluateLowSampleCountPercentile": ""}
    assert body["StateChangeTime"].endswith("+0000")
    assert history(cw, name) == ["Alarm updated from INSUFFICIENT_DATA to OK",
                                 "Alarm updated from OK to ALARM"]
    assert history(cw, name, "Action") == [f"Successfully executed action {topic}"] * 2
    assert history(cw, name, "ConfigurationUpdate") == [f'Alarm "{name}" created']


def test_throttles_alarm_and_disabled_actions(cw, sns, lam, role, endpoint):
    function = make_function(lam, role)
    topic = sns.create_topic(Name=unique("alarms"))["TopicArn"]
    name = unique("throttles")
    cw.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="Throttles",
                        Dimensions=lambda_dims(function), Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=2, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[topic], ActionsEnabled=False)
    assert alarm(cw, name)["StateValue"] == "INSUFFICIENT_DATA"  # missing data: unknown
    assert alarm(cw, name)["StateReason"] == "Unchecked: Initial alarm creation"
    lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)
    away_from_a_minute_boundary()
    for count in (1, 2, 3):
        with pytest.raises(ClientError):
            lam.invoke(FunctionName=function, Payload=b"{}")
        assert alarm(cw, name)["StateValue"] == ("ALARM" if count == 3 else "OK"), count
    assert published(endpoint, topic) == []  # ActionsEnabled false: no notification
    cw.enable_alarm_actions(AlarmNames=[name])
    cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="testing")
    assert alarm(cw, name)["StateValue"] == "OK"
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing")
    assert [json.loads(m["Message"])["NewStateReason"] for m in published(endpoint, topic)] == [
        "testing"]  # SetAlarmState notifies its ALARM action (no OKActions)


def test_missing_data_treatments_without_data(cw):
    namespace = unique("Test")
    states = {}
    for treatment in ("missing", "ignore", "breaching", "notBreaching"):
        name = unique(treatment)
        cw.put_metric_alarm(AlarmName=name, Namespace=namespace, MetricName="Latency",
                            Statistic="Average", Period=60, EvaluationPeriods=3,
                            DatapointsToAlarm=2, Threshold=10, TreatMissingData=treatment,
                            ComparisonOperator="GreaterThanThreshold")
        states[treatment] = name
    time.sleep(1.5)
    got = {t: alarm(cw, n) for t, n in states.items()}
    assert {t: a["StateValue"] for t, a in got.items()} == {
        "missing": "INSUFFICIENT_DATA", "ignore": "INSUFFICIENT_DATA", "breaching": "ALARM",
        "notBreaching": "OK"}
    assert got["breaching"]["StateReason"] == (
        "Threshold Crossed: no datapoints were received for 3 periods and 3 missing "
        "datapoints were treated as [Breaching].")


def test_m_out_of_n_over_datapoints_at_known_times(cw, sns, endpoint):
    namespace, name = unique("Test"), unique("latency")
    topic = sns.create_topic(Name=unique("alarms"))["TopicArn"]
    cw.put_metric_alarm(AlarmName=name, Namespace=namespace, MetricName="Latency",
                        Statistic="Maximum", Period=60, EvaluationPeriods=3, DatapointsToAlarm=2,
                        Threshold=10, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[topic], InsufficientDataActions=[topic])
    now = utcnow()

    def put(minutes_ago: int, value: float) -> None:
        cw.put_metric_data(Namespace=namespace, MetricData=[{
            "MetricName": "Latency", "Value": value,
            "Timestamp": now - timedelta(minutes=minutes_ago)}])

    put(0, 50)  # X: 1 breaching of the 2 needed, the rest missing
    assert alarm(cw, name)["StateValue"] == "INSUFFICIENT_DATA"
    put(1, 5)  # 0 X: a non-breaching datapoint decides
    state = alarm(cw, name)
    assert state["StateValue"] == "OK"
    assert state["StateReason"].startswith("Threshold Crossed: 1 out of the last 3 datapoints [5.0 (")
    assert "(minimum 2 datapoints for INSUFFICIENT_DATA -> OK transition)" in state["StateReason"]
    put(2, 20)  # X 0 X: 2 out of 3
    state = alarm(cw, name)
    assert state["StateValue"] == "ALARM"
    assert "2 out of the last 3 datapoints [50.0 (" in state["StateReason"]
    assert "] were greater than the threshold (10.0)" in state["StateReason"]
    assert [m["Subject"][:6] for m in published(endpoint, topic)] == ["ALARM:"]  # no OKActions


def test_percentile_alarm_on_duration(cw, sns, lam, role, endpoint):
    function = make_function(lam, role)
    topic = sns.create_topic(Name=unique("alarms"))["TopicArn"]
    name = unique("p99")
    cw.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="Duration",
                        Dimensions=lambda_dims(function), ExtendedStatistic="p99", Period=60,
                        EvaluationPeriods=1, Threshold=300, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[topic])
    call(lam, function)
    assert alarm(cw, name)["StateValue"] == "OK"
    call(lam, function, {"action": "sleep", "seconds": 0.5})
    assert alarm(cw, name)["StateValue"] == "ALARM"
    trigger = json.loads(published(endpoint, topic)[0]["Message"])["Trigger"]
    assert (trigger["StatisticType"], trigger["ExtendedStatistic"]) == ("ExtendedStatistic", "p99")
    assert "Statistic" not in trigger


def test_update_keeps_state_and_tags(cw, sns, lam, role, endpoint):
    function = make_function(lam, role)
    topic = sns.create_topic(Name=unique("alarms"))["TopicArn"]
    name = unique("update")
    errors_alarm(cw, name, function, topic, Tags=[{"Key": "team", "Value": "ops"}])
    call(lam, function, {"action": "fail", "message": "boom"})
    before = alarm(cw, name)
    assert before["StateValue"] == "ALARM"
    errors_alarm(cw, name, function, topic, AlarmDescription="changed")
    after = alarm(cw, name)
    assert (after["StateValue"], after["StateUpdatedTimestamp"], after["AlarmDescription"]) == (
        "ALARM", before["StateUpdatedTimestamp"], "changed")
    assert after["AlarmConfigurationUpdatedTimestamp"] > before["AlarmConfigurationUpdatedTimestamp"]
    assert len(published(endpoint, topic)) == 1
    assert history(cw, name, "ConfigurationUpdate") == [f'Alarm "{name}" created',
                                                        f'Alarm "{name}" updated']
    arn = after["AlarmArn"]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "tier", "Value": "1"}])
    tags = cw.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("team", "ops"), ("tier", "1")]
    cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "tier", "Value": "1"}]
    cw.delete_alarms(AlarmNames=[name])
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []
    with pytest.raises(ClientError) as excinfo:
        cw.list_tags_for_resource(ResourceARN=arn)
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)
    cw.put_metric_alarm(AlarmName=name, Namespace="Test", MetricName="m", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="GreaterThanThreshold")
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == []  # the old tags went
    assert history(cw, name)  # history outlives the alarm
