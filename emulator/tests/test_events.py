"""Asynchronous invocation (awslambda.events) and its settings (awslambda.event_config).

Each test makes its own function, queue and scope; the retry waits are
shortened by the ``lambda_event_retry_seconds`` switch, never skipped.
"""

import json
import os
import threading
import time

import pytest
from botocore.exceptions import ClientError

from metric_queries import lambda_dims, total, wait_total
from server import ACCOUNT, REGION, error_of, unique
from stacks import make_function, make_role

RETRY = 0.4  # seconds before the first retry; the second waits twice it


@pytest.fixture
def scope(switched):
    """A scope of its own whose Events are retried after RETRY and 2 x RETRY seconds."""
    return switched("ev", lambda_event_retry_seconds=RETRY)


def queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def role_sending_to(iam, name: str, *queue_arns: str) -> str:
    role = make_role(iam, name)
    if queue_arns:
        iam.put_role_policy(RoleName=name, PolicyName="send", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage",
                           "Resource": list(queue_arns)}]}))
    return role


def records(sqs, url: str, expected: int, timeout: float = 15.0) -> list[dict]:
    """Waits until the queue holds ``expected`` records; their bodies (read, not removed)."""
    deadline = time.monotonic() + timeout
    while True:
        count = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
        if count >= expected:
            break
        assert time.monotonic() < deadline, f"{count} records, not {expected}"
        time.sleep(0.05)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def attempts_at(path: str) -> list[float]:
    if not os.path.exists(path):
        return []
    with open(path) as seen:
        return [float(line) for line in seen.read().split()]


def event(lam, name: str, body: dict, **kwargs) -> dict:
    answer = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(body),
                        **kwargs)
    assert (answer["StatusCode"], answer["Payload"].read()) == (202, b"")
    return answer


# --- the settings ----------------------------------------------------------------------


def test_each_qualifier_keeps_its_own_settings(lam, iam, sqs):
    name = unique("cfg")
    _, arn = queue(sqs, name)
    function = make_function(lam, role_sending_to(iam, name, arn), name)
    lam.publish_version(FunctionName=function)
    lam.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
    unqualified = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"

    put = lam.put_function_event_invoke_config(
        FunctionName=function, Qualifier="live", MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": arn}})
    assert put["FunctionArn"] == f"{unqualified}:live"
    assert put["MaximumRetryAttempts"] == 1 and "MaximumEventAgeInSeconds" not in put
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": arn}}
    lam.put_function_event_invoke_config(FunctionName=function, MaximumEventAgeInSeconds=120)

    got = lam.get_function_event_invoke_config(FunctionName=function, Qualifier="live")
    assert (got["MaximumRetryAttempts"], got["DestinationConfig"]["OnFailure"]) == (
        1, {"Destination": arn})
    latest = lam.get_function_event_invoke_config(FunctionName=function)
    assert latest["FunctionArn"] == f"{unqualified}:$LATEST"
    assert latest["MaximumEventAgeInSeconds"] == 120 and "MaximumRetryAttempts" not in latest

    # Update changes what it names; Put removes what it leaves out.
    updated = lam.update_function_event_invoke_config(
        FunctionName=function, Qualifier="live", MaximumEventAgeInSeconds=600)
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (1, 600)
    assert updated["DestinationConfig"]["OnFailure"] == {"Destination": arn}
    replaced = lam.put_function_event_invoke_config(FunctionName=function, Qualifier="live",
                                                   MaximumRetryAttempts=0)
    assert "MaximumEventAgeInSeconds" not in replaced
    assert replaced["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}

    listed = lam.list_function_event_invoke_configs(FunctionName=function)
    assert sorted(c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]) == [
        f"{unqualified}:$LATEST", f"{unqualified}:live"]

    lam.delete_alias(FunctionName=function, Name="live")  # its settings go with it
    listed = lam.list_function_event_invoke_configs(FunctionName=function)
    assert [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]] == [
        f"{unqualified}:$LATEST"]
    lam.delete_function_event_invoke_config(FunctionName=function)
    with pytest.raises(ClientError) as excinfo:
        lam.get_function_event_invoke_config(FunctionName=function)
    assert error_of(excinfo) == (
        "ResourceNotFoundException", 404,
        f"The function {unqualified}:$LATEST doesn't have an EventInvokeConfig")
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=1)
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        lam.put_function_event_invoke_config(FunctionName=function, Qualifier="gone",
                                             MaximumRetryAttempts=1)
    assert error_of(excinfo) == ("ResourceNotFoundException", 404,
                                 f"Function not found: {unqualified}:gone")


def test_a_destination_the_role_may_not_send_to_is_refused(lam, iam, sqs):
    name = unique("perm")
    _, arn = queue(sqs, name)
    role = role_sending_to(iam, name)  # no policy yet
    function = make_function(lam, role, name)
    with pytest.raises(ClientError) as excinfo:
        lam.put_function_event_invoke_config(
            FunctionName=function, DestinationConfig={"OnFailure": {"Destination": arn}})
    assert error_of(excinfo) == (
        "InvalidParameterValueException", 400,
        "The provided execution role does not have permissions to call SendMessage on SQS")
    with pytest.raises(ClientError) as excinfo:
        lam.put_function_event_invoke_config(
            FunctionName=function,
            DestinationConfig={"OnFailure": {"Destination": f"arn:aws:ec2:{REGION}:{ACCOUNT}:x"}})
    assert error_of(excinfo)[:2] == ("InvalidParameterValueException", 400)
    with pytest.raises(ClientError) as excinfo:  # the model: at most 2 retries
        lam.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=3)
    assert error_of(excinfo)[:2] == ("ValidationException", 400)

    iam.put_role_policy(RoleName=name, PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}]}))
    lam.put_function_event_invoke_config(
        FunctionName=function, DestinationConfig={"OnFailure": {"Destination": arn}})


# --- the queue ------------------------------------------------------------------------


def test_a_failing_event_is_tried_three_times_then_recorded(lam, iam, sqs, cw, scope, tmp_path):
    name = f"{scope}-fail"
    url, arn = queue(sqs, name)
    function = make_function(lam, role_sending_to(iam, name, arn), name)
    lam.put_function_event_invoke_config(
        FunctionName=function, DestinationConfig={"OnFailure": {"Destination": arn}})
    path = str(tmp_path / "attempts")
    body = {"action": "flaky", "path": path, "failures": 5}
    answer = event(lam, function, body)
    request_id = answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

    [record] = records(sqs, url, 1)
    context = record["requestContext"]
    assert context == {"requestId": request_id, "condition": "RetriesExhausted",
                       "approximateInvokeCount": 3,
                       "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}:$LATEST"}
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestPayload"] == body
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                         "functionError": "Unhandled"}
    assert record["responsePayload"] == {"errorMessage": "attempt 3 failed",
                                         "errorType": "FlakyError"}
    tries = attempts_at(path)
    assert len(tries) == 3, tries
    assert tries[1] - tries[0] >= RETRY and tries[2] - tries[1] >= 2 * RETRY, tries
    time.sleep(3 * RETRY)  # no fourth attempt comes
    assert len(attempts_at(path)) == 3
    dims = lambda_dims(function)
    assert total(cw, "Invocations", dims) == 3 and total(cw, "Errors", dims) == 3
    assert total(cw, "AsyncEventsReceived", dims) == 1


def test_a_retry_that_succeeds_goes_to_the_success_destination(lam, iam, sqs, scope, tmp_path):
    name = f"{scope}-ok"
    ok_url, ok_arn = queue(sqs, name)
    failed_url, failed_arn = queue(sqs, f"{name}-failed")
    function = make_function(lam, role_sending_to(iam, name, ok_arn, failed_arn), name)
    lam.publish_version(FunctionName=function)
    lam.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
    lam.put_function_event_invoke_config(
        FunctionName=function, Qualifier="live", MaximumRetryAttempts=1,
        DestinationConfig={"OnSuccess": {"Destination": ok_arn},
                           "OnFailure": {"Destination": failed_arn}})
    path = str(tmp_path / "attempts")
    event(lam, function, {"action": "flaky", "path": path, "failures": 1}, Qualifier="live")
    [record] = records(sqs, ok_url, 1)
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"].endswith(f":function:{function}:live")
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "1"}
    assert record["responsePayload"]["attempts"] == 2
    assert records(sqs, failed_url, 0) == []

    # MaximumRetryAttempts 1: two attempts in all, then the failure destination.
    path = str(tmp_path / "again")
    event(lam, function, {"action": "flaky", "path": path, "failures": 9}, Qualifier="live")
    [record] = records(sqs, failed_url, 1)
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert len(attempts_at(path)) == 2


def test_with_reserved_concurrency_zero_events_go_to_the_destination_untried(
        lam, iam, sqs, cw, tmp_path):
    name = unique("paused")
    url, arn = queue(sqs, name)
    function = make_function(lam, role_sending_to(iam, name, arn), name)
    lam.put_function_event_invoke_config(
        FunctionName=function, DestinationConfig={"OnFailure": {"Destination": arn}})
    lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)
    path = str(tmp_path / "attempts")
    for n in range(2):
        event(lam, function, {"action": "flaky", "path": path, "failures": 0, "n": n})
    found = records(sqs, url, 2)
    assert sorted(r["requestPayload"]["n"] for r in found) == [0, 1]
    for record in found:
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 0
        assert "responseContext" not in record and "responsePayload" not in record
    lam.delete_function_concurrency(FunctionName=function)
    time.sleep(0.5)
    assert attempts_at(path) == []  # never run, not even after the pause
    dims = lambda_dims(function)
    assert total(cw, "Throttles", dims) == 2 and total(cw, "Invocations", dims) == 0


def test_an_event_with_nowhere_to_go_is_dropped_and_counted(lam, iam, cw, scope, tmp_path):
    function = make_function(lam, make_role(iam), f"{scope}-drop")
    lam.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=0)
    path = str(tmp_path / "attempts")
    event(lam, function, {"action": "flaky", "path": path, "failures": 1})
    wait_total(cw, "AsyncEventsDropped", lambda_dims(function), 1)
    assert len(attempts_at(path)) == 1


def test_a_record_the_role_may_no_longer_send_is_a_delivery_failure(
        lam, iam, sqs, cw, scope, tmp_path):
    name = f"{scope}-lost"
    url, arn = queue(sqs, name)
    function = make_function(lam, role_sending_to(iam, name, arn), name)
    lam.put_function_event_invoke_config(
        FunctionName=function, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": arn}})
    iam.delete_role_policy(RoleName=name, PolicyName="send")
    event(lam, function, {"action": "flaky", "path": str(tmp_path / "a"), "failures": 1})
    wait_total(cw, "DestinationDeliveryFailures", lambda_dims(function), 1)
    assert records(sqs, url, 0) == []


def test_a_throttled_event_waits_for_room(lam, iam, cw, tmp_path):
    function = make_function(lam, make_role(iam), unique("room"))
    lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=1)
    release, started = str(tmp_path / "release"), str(tmp_path / "started")
    holder = threading.Thread(target=lambda: lam.invoke(
        FunctionName=function,
        Payload=json.dumps({"action": "wait", "path": release, "started": started})))
    holder.start()
    dims = lambda_dims(function)
    deadline = time.monotonic() + 10
    ran = str(tmp_path / "ran")
    while not os.path.exists(started):  # the holder runs: the one slot is taken
        assert time.monotonic() < deadline, "the holder never ran"
        time.sleep(0.02)
    with pytest.raises(ClientError) as probe:
        lam.invoke(FunctionName=function, Payload=b"{}")
    assert error_of(probe)[0] == "TooManyRequestsException"
    event(lam, function, {"action": "record", "path": ran})
    while total(cw, "Throttles", dims) < 2:  # the probe's, then the event's first attempt
        assert time.monotonic() < deadline, "the event was never throttled"
        time.sleep(0.05)
    time.sleep(1.5)  # its retries, 1 s apart, are throttled too
    assert not os.path.exists(ran) and total(cw, "Throttles", dims) >= 3
    open(release, "w").close()
    holder.join()
    deadline = time.monotonic() + 10
    while not os.path.exists(ran):  # a later attempt ran it
        assert time.monotonic() < deadline, "the throttled event never ran"
        time.sleep(0.05)


def test_an_event_payload_over_1_mb_is_refused(lam, iam):
    function = make_function(lam, make_role(iam), unique("big"))
    big = json.dumps({"pad": "x" * (1048576 - 11)}).encode()
    assert len(big) == 1048576
    event(lam, function, {"pad": "x" * (1048576 - 11)})
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=function, InvocationType="Event", Payload=big + b" ")
    assert error_of(excinfo) == (
        "RequestTooLargeException", 413,
        "Request must be smaller than 1048576 bytes for the InvokeFunction operation")
