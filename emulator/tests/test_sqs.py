"""SQS beyond moto: the AWS/SQS metrics of a queue (sqs.metrics) and an alarm on its depth; a deleted queue's name refused a while (sqs.recreate).

Each test makes its own queue and scope; the minute between datapoints is
shortened by the ``sqs_metrics_seconds`` switch.
"""

import time
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from server import unique

INTERVAL = 0.5


@pytest.fixture
def scope(switched):
    return switched("sqm", sqs_metrics_seconds=INTERVAL)


def samples(cw, queue: str, metric: str) -> list[float]:
    """The metric's datapoints of the last minutes, oldest first (Maximum per second)."""
    now = datetime.now(timezone.utc)
    answer = cw.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {
            "Metric": {"Namespace": "AWS/SQS", "MetricName": metric,
                       "Dimensions": [{"Name": "QueueName", "Value": queue}]},
            "Period": 1, "Stat": "Maximum"}}],
        StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1),
        ScanBy="TimestampAscending")
    return answer["MetricDataResults"][0]["Values"]


def wait_for(condition, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found


def test_the_depth_of_a_queue_is_published_as_sqs_does(sqs, cw, scope):
    name = f"{scope}-q"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    # A new, empty queue: zeros, within a second.
    wait_for(lambda: samples(cw, name, "ApproximateNumberOfMessagesVisible"), "no datapoint")
    assert set(samples(cw, name, "ApproximateNumberOfMessagesVisible")) == {0.0}
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    wait_for(lambda: 3.0 in samples(cw, name, "ApproximateNumberOfMessagesVisible"),
             "the three messages are never counted")
    # One received and held: in flight, no longer visible.
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)
    wait_for(lambda: 1.0 in samples(cw, name, "ApproximateNumberOfMessagesNotVisible"),
             "the received message is never in flight")
    wait_for(lambda: samples(cw, name, "ApproximateNumberOfMessagesVisible")[-1] == 2.0,
             "the received message is still counted as visible")
    # Another queue's metrics are its own.
    assert samples(cw, f"{scope}-other", "ApproximateNumberOfMessagesVisible") == []


def test_without_the_switch_a_queue_is_sampled_once_a_minute(sqs, cw):
    name = unique("sqm-minute")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    wait_for(lambda: samples(cw, name, "ApproximateNumberOfMessagesVisible"), "no datapoint")
    sqs.send_message(QueueUrl=url, MessageBody="m")
    time.sleep(2)  # four rounds of the publisher: the minute has not passed
    assert samples(cw, name, "ApproximateNumberOfMessagesVisible") == [0.0]


def test_an_alarm_on_the_depth_goes_off_when_a_message_waits(sqs, cw, scope):
    name = f"{scope}-failed"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    alarm = f"{scope}-depth"
    cw.put_metric_alarm(
        AlarmName=alarm, Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": name}], Statistic="Maximum", Period=300,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching")

    def state() -> str:
        return cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"]

    wait_for(lambda: state() == "OK", "an empty queue is not OK")
    sqs.send_message(QueueUrl=url, MessageBody="a failed event")
    wait_for(lambda: state() == "ALARM", "a waiting message raises no alarm")
    cw.delete_alarms(AlarmNames=[alarm])


def test_a_deleted_queues_name_is_refused_for_the_switchs_seconds(sqs, switched):
    scope = switched("sqr", sqs_deleted_recently_seconds=1.0)
    name = f"{scope}-q"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    deleted = time.monotonic()
    with pytest.raises(ClientError) as refused:
        sqs.create_queue(QueueName=name)
    error = refused.value.response
    assert error["Error"]["Code"] == "AWS.SimpleQueueService.QueueDeletedRecently", error
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "60 seconds" in error["Error"]["Message"]
    # Another name is free; the name itself once the time has passed.
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName=f"{scope}-other")["QueueUrl"])
    time.sleep(max(0.0, 1.05 - (time.monotonic() - deleted)))
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName=name)["QueueUrl"])
    # Without the switch, as moto: the name is free at once.
    plain = unique("sqr-plain")
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName=plain)["QueueUrl"])
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName=plain)["QueueUrl"])
