"""Tests of front.cbor: CloudWatch over Smithy RPC v2 CBOR, as the AWS SDK for Rust calls it.

Every request is what an SDK sends: botocore's RpcV2CBORSerializer encodes the
input for the cloudwatch model (``POST /service/GraniteServiceVersion20100801/
operation/<Op>``, ``smithy-protocol: rpc-v2-cbor``, ``x-amzn-query-mode: true``),
SigV4-signed for ``monitoring``; every answer is decoded with botocore's
RpcV2CBORParser, which, like the Rust SDK, takes the error code from
``x-amzn-query-error`` and else from ``__type``. The raw CBOR is checked too
(tag 1 timestamps, floats for doubles), with a decoder of the test's own.
Run: .venv/bin/python -m pytest emulator -q
"""

import gzip
import struct
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import RpcV2CBORParser
from botocore.serialize import RpcV2CBORSerializer

from server import ACCOUNT, REGION, unique
from metric_queries import client

MODEL = botocore.session.get_session().get_service_model("cloudwatch")
CREDENTIALS = Credentials("testing", "testing")


def send(endpoint: str, operation: str, params: dict | None = None, *, body: bytes | None = None,
         headers: dict | None = None, region: str = REGION) -> tuple[int, dict, bytes]:
    """POST an RPC v2 CBOR request, signed; the status, headers and raw body."""
    op = MODEL.operation_model(operation)
    request = RpcV2CBORSerializer().serialize_to_request(params or {}, op)
    aws = AWSRequest(method="POST", url=endpoint + request["url_path"],
                     data=request["body"] if body is None else body,
                     headers={**request["headers"], **(headers or {})})
    SigV4Auth(CREDENTIALS, "monitoring", region).add_auth(aws)
    prepared = aws.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body or b"",
                                  headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def decoded(operation: str, status: int, headers: dict, raw: bytes) -> dict:
    shape = MODEL.operation_model(operation).output_shape
    return RpcV2CBORParser().parse({"body": raw, "headers": headers, "status_code": status},
                                   shape)


@pytest.fixture(scope="module")
def call(endpoint):
    def call(operation: str, **params) -> dict:
        status, headers, raw = send(endpoint, operation, params)
        assert headers["smithy-protocol"] == "rpc-v2-cbor"
        assert headers.get("content-type") == ("application/cbor" if raw else None)
        answer = decoded(operation, status, headers, raw)
        assert status == 200, answer
        answer.pop("ResponseMetadata")
        return answer
    return call


# A raw CBOR reader (definite lengths, as the layer writes), to see the wire types.
def cbor(data: bytes, at: int = 0):
    head, at = data[at], at + 1
    major, info = head >> 5, head & 31
    if major == 7:
        sizes = {25: (">e", 2), 26: (">f", 4), 27: (">d", 8)}
        if info in sizes:
            fmt, size = sizes[info]
            return ("float", struct.unpack(fmt, data[at:at + size])[0]), at + size
        return {20: False, 21: True, 22: None}[info], at
    if info < 24:
        arg = info
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        arg, at = int.from_bytes(data[at:at + size], "big"), at + size
    if major == 0:
        return arg, at
    if major in (2, 3):
        chunk = data[at:at + arg]
        return (chunk if major == 2 else chunk.decode()), at + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, at = cbor(data, at)
            items.append(item)
        return items, at
    if major == 5:
        items = {}
        for _ in range(arg):
            key, at = cbor(data, at)
            items[key], at = cbor(data, at)
        return items, at
    if major == 6:
        value, at = cbor(data, at)
        return ("tag", arg, value), at
    raise AssertionError(f"unexpected CBOR major type {major}")


def alarm_params(name: str, topic: str, **extra) -> dict:
    return {
        "AlarmName": name, "AlarmDescription": "p99 latency of the greeter",
        "Namespace": "Custom/CBOR", "MetricName": "Latency",
        "Dimensions": [{"Name": "FunctionName", "Value": "greeter"},
                       {"Name": "Resource", "Value": "greeter:live"}],
        "ExtendedStatistic": "p99", "Period": 60, "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2, "Threshold": 250.5,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching", "Unit": "Milliseconds",
        "AlarmActions": [topic], "OKActions": [topic + "-ok"],
        "InsufficientDataActions": [], "ActionsEnabled": True,
        "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": "test"}],
        **extra,
    }


def test_put_metric_alarm_then_describe_and_tags(call):
    name = unique("cbor-alarm")
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}-topic"
    assert call("PutMetricAlarm", **alarm_params(name, topic)) == {}

    alarms = call("DescribeAlarms", AlarmNames=[name], AlarmTypes=["MetricAlarm"])
    assert alarms.get("CompositeAlarms", []) == []
    (alarm,) = alarms["MetricAlarms"]
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"
    expected = {k: v for k, v in alarm_params(name, topic).items()
                if k not in ("Tags", "InsufficientDataActions")}
    assert {k: alarm.get(k) for k in expected} == expected
    assert alarm["AlarmArn"] == arn
    assert alarm["InsufficientDataActions"] == []
    assert alarm["StateValue"] in ("INSUFFICIENT_DATA", "OK")
    assert isinstance(alarm["AlarmConfigurationUpdatedTimestamp"], datetime)
    assert abs(alarm["StateUpdatedTimestamp"] - datetime.now(timezone.utc)) < timedelta(minutes=1)

    tags = call("ListTagsForResource", ResourceARN=arn)["Tags"]
    assert sorted(tags, key=lambda t: t["Key"]) == [{"Key": "env", "Value": "test"},
                                                     {"Key": "team", "Value": "platform"}]


def test_wire_types_of_an_alarm(endpoint, call):
    """What the Rust SDK's decoder insists on: doubles as CBOR floats, integers as
    integers, booleans as booleans, timestamps as tag 1."""
    name = unique("cbor-wire")
    call("PutMetricAlarm", **alarm_params(name, f"arn:aws:sns:{REGION}:{ACCOUNT}:t",
                                          Threshold=3.0))
    raw = send(endpoint, "DescribeAlarms", {"AlarmNames": [name]})[2]
    (alarm,) = cbor(raw)[0]["MetricAlarms"]
    assert alarm["Threshold"] == ("float", 3.0)
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["ActionsEnabled"]) == (60, 3, True)
    assert alarm["StateUpdatedTimestamp"][:2] == ("tag", 1)
    assert alarm["Dimensions"][0] == {"Name": "FunctionName", "Value": "greeter"}
    call("DeleteAlarms", AlarmNames=[name])


def test_account_and_region_follow_the_request(endpoint):
    name, other = unique("cbor-where"), "111122223333"
    params = {"AlarmName": name, "Namespace": "Custom/CBOR", "MetricName": "m",
              "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 0.0,
              "ComparisonOperator": "GreaterThanThreshold"}
    elsewhere = {"headers": {"x-moto-account-id": other}, "region": "eu-west-1"}
    assert send(endpoint, "PutMetricAlarm", params, **elsewhere)[0] == 200

    def described(**where) -> list:
        status, headers, raw = send(endpoint, "DescribeAlarms", {"AlarmNames": [name]},
                                    **where)
        return decoded("DescribeAlarms", status, headers, raw)["MetricAlarms"]

    (alarm,) = described(**elsewhere)
    assert alarm["AlarmArn"] == f"arn:aws:cloudwatch:eu-west-1:{other}:alarm:{name}"
    assert described() == []
    assert described(region="eu-west-1") == []
    assert described(headers={"x-moto-account-id": other}) == []


def test_tag_untag_and_describe_filters(call):
    prefix = unique("cbor-filter")
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:{prefix}"
    for suffix in ("a", "b"):  # hourly: SetAlarmState holds until the next period
        call("PutMetricAlarm", **alarm_params(f"{prefix}-{suffix}", topic, Period=3600))
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{prefix}-a"
    assert call("TagResource", ResourceARN=arn, Tags=[{"Key": "tier", "Value": "1"}]) == {}
    assert call("UntagResource", ResourceARN=arn, TagKeys=["env"]) == {}
    tags = {t["Key"]: t["Value"] for t in call("ListTagsForResource", ResourceARN=arn)["Tags"]}
    assert tags == {"team": "platform", "tier": "1"}

    named = call("DescribeAlarms", AlarmNamePrefix=prefix)["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in named) == [f"{prefix}-a", f"{prefix}-b"]
    call("SetAlarmState", AlarmName=f"{prefix}-b", StateValue="ALARM",
         StateReason="set by the test")
    # (moto filters on StateValue alone, not with AlarmNamePrefix or AlarmNames)
    alarming = [a for a in call("DescribeAlarms", StateValue="ALARM")["MetricAlarms"]
                if a["AlarmName"].startswith(prefix)]
    assert [a["AlarmName"] for a in alarming] == [f"{prefix}-b"]
    assert alarming[0]["StateReason"] == "set by the test"
    history = call("DescribeAlarmHistory", AlarmName=f"{prefix}-b",
                   HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert history and history[0]["AlarmName"] == f"{prefix}-b"
    assert isinstance(history[0]["Timestamp"], datetime)

    assert call("DeleteAlarms", AlarmNames=[f"{prefix}-a", f"{prefix}-b"]) == {}
    assert call("DescribeAlarms", AlarmNamePrefix=prefix)["MetricAlarms"] == []


def test_put_metric_data_then_get_metric_data(call, endpoint):
    namespace, metric = "Custom/CBOR", unique("requests")
    base = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=10)
    points = [(base, 3.0), (base + timedelta(seconds=20), 4.5), (base + timedelta(minutes=2), 7.25)]
    dims = [{"Name": "Stage", "Value": "prod"}]
    call("PutMetricData", Namespace=namespace, MetricData=[
        {"MetricName": metric, "Dimensions": dims, "Timestamp": t, "Value": v, "Unit": "Count"}
        for t, v in points])

    listed = call("ListMetrics", Namespace=namespace, MetricName=metric)["Metrics"]
    assert listed == [{"Namespace": namespace, "MetricName": metric, "Dimensions": dims}]

    def stat(qid: str, name: str) -> dict:
        return {"Id": qid, "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": metric,
                                                     "Dimensions": dims},
                                          "Period": 60, "Stat": name}}

    params = {"MetricDataQueries": [stat("total", "Sum"), stat("top", "p99")],
              "StartTime": base - timedelta(minutes=5), "EndTime": base + timedelta(minutes=5),
              "ScanBy": "TimestampAscending"}
    answer = call("GetMetricData", **params)
    by_id = {r["Id"]: r for r in answer["MetricDataResults"]}
    assert by_id["total"]["Timestamps"] == [base, base + timedelta(minutes=2)]
    assert by_id["total"]["Values"] == [7.5, 7.25]
    assert by_id["total"]["StatusCode"] == "Complete"
    assert by_id["top"]["Timestamps"] == [base, base + timedelta(minutes=2)]
    assert by_id["top"]["Values"] == [pytest.approx(4.5, abs=0.1), 7.25]

    # On the wire: timestamps CBOR tag 1 epoch seconds, values doubles.
    status, headers, raw = send(endpoint, "GetMetricData", params)
    body, end = cbor(raw)
    assert (status, end) == (200, len(raw))
    (total,) = [r for r in body["MetricDataResults"] if r["Id"] == "total"]
    assert total["Timestamps"][0][:2] == ("tag", 1)
    assert total["Timestamps"][0][2] == int(base.timestamp())
    assert total["Values"] == [("float", 7.5), ("float", 7.25)]


def test_outputs_without_members(endpoint, call):
    # No output at all (smithy.api#Unit): no body, no Content-Type (Smithy's no_output test).
    status, headers, raw = send(endpoint, "DeleteAlarms", {"AlarmNames": [unique("none")]})
    assert (status, raw) == (200, b"")
    assert "content-type" not in headers and headers["smithy-protocol"] == "rpc-v2-cbor"
    assert headers["x-amzn-requestid"]
    # An output structure without members: an empty map.
    name = unique("cbor-empty")
    call("PutMetricAlarm", AlarmName=name, Namespace="Custom/CBOR", MetricName="m",
         Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=0.0,
         ComparisonOperator="GreaterThanThreshold")
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"
    status, headers, raw = send(endpoint, "TagResource",
                                {"ResourceARN": arn, "Tags": [{"Key": "k", "Value": "v"}]})
    assert (status, raw, headers["content-type"]) == (200, b"\xa0", "application/cbor")
    call("DeleteAlarms", AlarmNames=[name])


def test_gzipped_put_metric_data(call, endpoint):
    """The SDK gzips PutMetricData bodies past 10 KiB (requestCompression)."""
    metric, when = unique("gzipped"), datetime.now(timezone.utc).replace(microsecond=0)
    data = [{"MetricName": metric, "Timestamp": when, "Value": float(i),
             "Dimensions": [{"Name": "Batch", "Value": f"{i:04d}-" + "x" * 200}]}
            for i in range(60)]
    request = RpcV2CBORSerializer().serialize_to_request(
        {"Namespace": "Custom/CBOR", "MetricData": data},
        MODEL.operation_model("PutMetricData"))
    assert len(request["body"]) > 10240
    status, _, raw = send(endpoint, "PutMetricData", body=gzip.compress(request["body"]),
                          headers={"Content-Encoding": "gzip"})
    assert (status, raw) == (200, b"")
    listed = call("ListMetrics", Namespace="Custom/CBOR", MetricName=metric)["Metrics"]
    assert len(listed) == 60


def error_body(endpoint: str, operation: str, **params) -> tuple[int, str, dict]:
    """The status, x-amzn-query-error and raw CBOR map of an error answer."""
    status, headers, raw = send(endpoint, operation, params)
    body, end = cbor(raw)
    assert end == len(raw) and headers["smithy-protocol"] == "rpc-v2-cbor"
    # botocore reads the code as the Rust SDK does: the header's, else __type's after '#'.
    assert decoded(operation, status, headers, raw)["Error"]["Code"] == \
        headers["x-amzn-query-error"].split(";")[0]
    return status, headers["x-amzn-query-error"], body


def test_unknown_resources(endpoint):
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{unique('missing')}"
    status, query_error, body = error_body(endpoint, "ListTagsForResource", ResourceARN=arn)
    assert (status, query_error) == (404, "ResourceNotFoundException;Sender")
    assert body["__type"] == "com.amazonaws.cloudwatch#ResourceNotFoundException"
    assert isinstance(body["message"], str)

    status, query_error, body = error_body(endpoint, "SetAlarmState",
                                           AlarmName=unique("missing"), StateValue="OK",
                                           StateReason="test")
    assert (status, query_error) == (404, "ResourceNotFound;Sender")
    assert body["__type"] == "com.amazonaws.cloudwatch#ResourceNotFound"


def test_invalid_parameters(endpoint):
    params = alarm_params(unique("cbor-bad"), f"arn:aws:sns:{REGION}:{ACCOUNT}:t",
                          ExtendedStatistic="q99")
    status, query_error, body = error_body(endpoint, "PutMetricAlarm", **params)
    assert (status, query_error) == (400, "InvalidParameterValue;Sender")
    assert body == {"__type": "com.amazonaws.cloudwatch#InvalidParameterValueException",
                    "message": "The value q99 for parameter ExtendedStatistic is not supported."}

    status, query_error, body = error_body(endpoint, "PutMetricData", Namespace="Custom/CBOR",
                                           MetricData=[{"MetricName": "m", "Value": float("nan")}])
    assert (status, query_error) == (400, "InvalidParameterValue;Sender")
    assert "NaN" in body["message"]

    status, query_error, body = error_body(endpoint, "DescribeAlarmHistory", MaxRecords=101)
    assert (status, query_error) == (400, "ValidationError;Sender")
    assert body["__type"] == "com.amazonaws.cloudwatch#ValidationException"


def test_a_model_violation_answers_as_cbor(endpoint):
    params = alarm_params("a" * 256, f"arn:aws:sns:{REGION}:{ACCOUNT}:t")
    status, query_error, body = error_body(endpoint, "PutMetricAlarm", **params)
    assert (status, query_error) == (400, "ValidationError;Sender")
    assert body == {"__type": "com.amazonaws.cloudwatch#ValidationException",
                    "message": "1 validation error detected: Value '" + "a" * 256 + "' at "
                    "'alarmName' failed to satisfy constraint: Member must have length less "
                    "than or equal to 255"}


@pytest.mark.parametrize("change, path, constraint", [
    ({"AlarmName": None}, "alarmName", "Member must not be null"),
    ({"Namespace": ""}, "namespace", "Member must have length greater than or equal to 1"),
    ({"EvaluationPeriods": 0}, "evaluationPeriods",
     "Member must have value greater than or equal to 1"),
    ({"Namespace": ":Custom"}, "namespace", "Member must satisfy regular expression pattern: "),
    ({"ComparisonOperator": "Bigger"}, "comparisonOperator",
     "Member must satisfy enum value set: ["),
])
def test_each_rule_answers_as_cbor(endpoint, change, path, constraint):
    params = alarm_params(unique("cbor-rule"), f"arn:aws:sns:{REGION}:{ACCOUNT}:t", **change)
    params = {k: v for k, v in params.items() if v is not None}
    status, query_error, body = error_body(endpoint, "PutMetricAlarm", **params)
    assert (status, query_error) == (400, "ValidationError;Sender")
    assert body["__type"] == "com.amazonaws.cloudwatch#ValidationException"
    assert f"at '{path}' failed to satisfy constraint: {constraint}" in body["message"]


def test_bad_cbor_and_unknown_operation(endpoint):
    status, headers, raw = send(endpoint, "DescribeAlarms", body=b"\xff\x00")
    assert status == 400
    assert cbor(raw)[0]["__type"] == "SerializationException"
    url = f"{endpoint}/service/GraniteServiceVersion20100801/operation/NoSuchThing"
    request = urllib.request.Request(url, data=b"\xa0", method="POST", headers={
        "smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"})
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request)
    assert excinfo.value.code == 404
    assert cbor(excinfo.value.read())[0]["__type"] == "UnknownOperationException"


def test_query_and_json_calls_are_unchanged(endpoint, call):
    name = unique("cbor-both")
    cw = client(endpoint, "cloudwatch")  # boto3: awsJson 1.0 for this model
    cw.put_metric_alarm(AlarmName=name, Namespace="Custom/CBOR", MetricName="Latency",
                        Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1.0,
                        ComparisonOperator="GreaterThanThreshold")
    assert [a["AlarmName"] for a in call("DescribeAlarms", AlarmNames=[name])["MetricAlarms"]] \
        == [name]
    form = urlencode({"Action": "DescribeAlarms", "Version": "2010-08-01",
                      "AlarmNames.member.1": name}).encode()
    aws = AWSRequest(method="POST", url=endpoint + "/", data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(CREDENTIALS, "monitoring", REGION).add_auth(aws)
    prepared = aws.prepare()
    request = urllib.request.Request(prepared.url, data=prepared.body,
                                     headers=dict(prepared.headers), method="POST")
    with urllib.request.urlopen(request) as reply:
        xml = reply.read().decode()
    assert reply.status == 200 and f"<AlarmName>{name}</AlarmName>" in xml
    cw.delete_alarms(AlarmNames=[name])
    assert call("DescribeAlarms", AlarmNames=[name])["MetricAlarms"] == []
