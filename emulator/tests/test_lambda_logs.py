"""Tests of awslambda.logs: the invocations' logs, in moto's CloudWatch Logs.

Run: .venv/bin/python -m pytest emulator -q
"""

import base64
import re
import time
from datetime import datetime, timedelta, timezone


from server import unique
from stacks import call, make_function

REPORT = re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: (?P<memory>\d+) MB\tMax Memory Used: (?P<used>\d+) MB"
    r"(?P<init>\tInit Duration: \d+\.\d\d ms)?(?P<rest>.*)", re.S)


def messages(logs, name: str, stream: str | None = None) -> list[str]:
    kwargs = {"logStreamNames": [stream]} if stream else {}
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", **kwargs)["events"]
    return [event["message"] for event in events]


def test_group_created_untagged_without_retention(make, role):
    lam, logs = make("lambda"), make("logs")
    name = make_function(lam, role)
    call(lam, name)
    group = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
    assert [g["logGroupName"] for g in group] == [f"/aws/lambda/{name}"]
    assert "retentionInDays" not in group[0]
    assert logs.list_tags_log_group(logGroupName=f"/aws/lambda/{name}")["tags"] == {}


def test_existing_group_is_used_as_it_is(make, role):
    lam, logs = make("lambda"), make("logs")
    name = unique("fn")
    logs.create_log_group(logGroupName=f"/aws/lambda/{name}", tags={"owner": "us"})
    logs.put_retention_policy(logGroupName=f"/aws/lambda/{name}", retentionInDays=7)
    make_function(lam, role, name=name)
    call(lam, name)
    group = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"][0]
    assert group["retentionInDays"] == 7
    assert logs.list_tags_log_group(logGroupName=f"/aws/lambda/{name}")["tags"] == {"owner": "us"}
    assert any(m.startswith("REPORT ") for m in messages(logs, name))


def test_lines_of_an_invocation(make, role):
    lam, logs = make("lambda"), make("logs")
    name = make_function(lam, role, MemorySize=512, Environment={"Variables": {"INIT_PRINT": "warming up"}})
    days = {f"{datetime.now(timezone.utc) + timedelta(seconds=s):%Y/%m/%d}" for s in (-5, 5)}
    cold, _ = call(lam, name, {"action": "print", "stdout": ["out one", "out two"], "stderr": ["err one"]})
    warm, _ = call(lam, name)
    cold_id, warm_id = (r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] for r in (cold, warm))

    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert len(streams) == 1  # one execution environment
    stream = streams[0]["logStreamName"]
    day, _, rest = stream.rpartition("/")
    assert day in days and re.fullmatch(r"\[\$LATEST\][0-9a-f]{32}", rest)

    lines = messages(logs, name, stream)
    assert lines[:6] == [
        "warming up\n",  # init, before the first START
        f"START RequestId: {cold_id} Version: $LATEST\n",
        "out one\n", "out two\n", "err one\n",
        f"END RequestId: {cold_id}\n",
    ]
    first = REPORT.fullmatch(lines[6])
    assert first and first["id"] == cold_id and first["init"] and first["rest"] == "\t\n"
    assert (first["memory"], int(first["used"]) > 0) == ("512", True)
    assert lines[7:9] == [f"START RequestId: {warm_id} Version: $LATEST\n", f"END RequestId: {warm_id}\n"]
    second = REPORT.fullmatch(lines[9])
    assert second and second["id"] == warm_id and not second["init"]  # warm: no init
    assert len(lines) == 10
    events = logs.get_log_events(logGroupName=f"/aws/lambda/{name}", logStreamName=stream,
                                 startFromHead=True)["events"]
    assert [e["message"] for e in events] == lines
    assert all(abs(e["timestamp"] / 1000 - time.time()) < 60 for e in events)


def test_timeout_and_crash_lines(make, role):
    lam, logs = make("lambda"), make("logs")
    name = make_function(lam, role, Timeout=1)
    timed_out, _ = call(lam, name, {"action": "sleep", "seconds": 30})
    crashed, _ = call(lam, name, {"action": "exit", "status": 1})
    timeout_id, crash_id = (r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
                            for r in (timed_out, crashed))
    lines = messages(logs, name)
    at = lines.index(f"START RequestId: {timeout_id} Version: $LATEST\n")
    assert lines[at + 1] == "sleeping\n"
    assert re.fullmatch(rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {timeout_id} "
                        r"Task timed out after 1\.00 seconds\n\n", lines[at + 2])
    assert lines[at + 3] == f"END RequestId: {timeout_id}\n"
    report = REPORT.fullmatch(lines[at + 4])
    assert report and report["init"] and report["rest"] == "\tStatus: timeout\n"
    assert "Duration: 1000.00 ms" in lines[at + 4]

    at = lines.index(f"START RequestId: {crash_id} Version: $LATEST\n")
    assert lines[at + 1:at + 4] == [
        "exiting\n",
        f"RequestId: {crash_id} Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n",
        f"END RequestId: {crash_id}\n",
    ]
    report = REPORT.fullmatch(lines[at + 4])
    assert report and report["init"]  # a new environment: a cold start
    assert report["rest"] == "\tStatus: error\tError Type: Runtime.ExitError\n"
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert len(streams) == 2


def test_log_type_tail(make, role):
    lam = make("lambda")
    name = make_function(lam, role)
    response, _ = call(lam, name, {"action": "print", "stdout": ["tail me"]}, LogType="Tail")
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    text = base64.b64decode(response["LogResult"]).decode()
    assert text.startswith(f"START RequestId: {request_id} Version: $LATEST\ntail me\nEND RequestId: ")
    assert REPORT.fullmatch(text.split("END RequestId: " + request_id + "\n")[1])
    assert "LogResult" not in call(lam, name)[0]  # only when asked

    big = ["x" * 1000] * 10
    response, _ = call(lam, name, {"action": "print", "stdout": big}, LogType="Tail")
    text = base64.b64decode(response["LogResult"])
    assert len(text) == 4096 and text.endswith(b"\t\n")  # the last 4 KB


def test_a_deleted_groups_tags_go_with_it(make):
    # As in AWS: a group made again under the same name starts untagged.
    logs = make("logs")
    name = f"/aws/lambda/{unique('tagsgone')}"
    logs.create_log_group(logGroupName=name, tags={"owner": "someone"})
    arn = next(g["logGroupArn"] for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"owner": "someone"}
    logs.delete_log_group(logGroupName=name)
    logs.create_log_group(logGroupName=name)
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {}
