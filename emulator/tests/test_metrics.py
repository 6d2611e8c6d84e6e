"""Tests of awslambda.metrics / cloudwatch.metric_data: the AWS/Lambda metrics of real
invocations, throttling, and GetMetricData's statistics.

Functions run handlers.BOOTSTRAP; every figure is read back with
GetMetricData. Run: .venv/bin/python -m pytest emulator -q
"""

import json
import os
import threading
import time
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from server import error_of, unique
from stacks import call, make_function, wait_logged
from metric_queries import client, lambda_dims, query, results, series, total, utcnow, wait_total


@pytest.fixture(scope="module")
def lam(endpoint):
    return client(endpoint, "lambda")


def throttled(lam, name: str, **kwargs) -> None:
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=b"{}", **kwargs)
    assert error_of(excinfo) == ("TooManyRequestsException", 429, "Rate Exceeded.")
    assert excinfo.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_a_known_series_of_invocations(lam, cw, role):
    """3 successes (0.2, 0.4, 0.6 s), 1 function error, 2 throttles."""
    name = make_function(lam, role)
    dims = lambda_dims(name)
    for seconds in (0.2, 0.4, 0.6):
        assert "FunctionError" not in call(lam, name, {"action": "sleep", "seconds": seconds})[0]
    assert call(lam, name, {"action": "fail", "message": "no"})[0]["FunctionError"] == "Unhandled"
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    throttled(lam, name)
    throttled(lam, name)

    start = utcnow() - timedelta(minutes=10)
    got = results(cw, [
        query("inv", "Invocations", "Sum", dims), query("err", "Errors", "Sum", dims),
        query("errn", "Errors", "SampleCount", dims), query("thr", "Throttles", "Sum", dims),
        query("dmax", "Duration", "Maximum", dims), query("dmin", "Duration", "Minimum", dims),
        query("p99", "Duration", "p99", dims), query("p50", "Duration", "p50", dims),
        query("davg", "Duration", "Average", dims), query("dn", "Duration", "SampleCount", dims),
        query("conc", "ConcurrentExecutions", "Maximum", dims, Label="concurrency"),
    ], start=start, end=start + timedelta(minutes=30))
    values = {qid: r["Values"] for qid, r in got.items()}
    assert values["inv"] == [4.0] and values["err"] == [1.0] and values["errn"] == [4.0]
    assert values["thr"] == [2.0] and values["dn"] == [4.0] and values["conc"] == [1.0]
    assert 600 <= values["dmax"][0] < 1500
    assert values["p99"] == values["dmax"]  # nearest rank: the largest of 4
    assert 200 <= values["p50"][0] < 400  # the second smallest: the 0.2 s sleep
    assert values["dmin"][0] < 200  # the error returned at once
    assert values["davg"][0] == pytest.approx(total(cw, "Duration", dims) / 4)
    # one period from the StartTime rounded down to the minute, labelled as asked or by metric
    period_start = start.replace(second=0, microsecond=0)
    assert got["inv"]["Timestamps"] == [period_start]
    assert (got["inv"]["Label"], got["conc"]["Label"]) == ("Invocations", "concurrency")
    assert all(r["StatusCode"] == "Complete" for r in got.values())


def test_throttled_request_runs_nothing_and_counts(lam, cw, role, tmp_path):
    name = make_function(lam, role)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    marker = str(tmp_path / "ran")
    throttled(lam, name)
    with pytest.raises(ClientError):
        lam.invoke(FunctionName=name, Payload=json.dumps({"action": "record", "path": marker}))
    assert not os.path.exists(marker)
    assert total(cw, "Throttles", lambda_dims(name)) == 2
    assert series(cw, "Invocations", "Sum", lambda_dims(name)) == []
    assert series(cw, "Errors", "Sum", lambda_dims(name)) == []


def test_timeout_and_exit_are_errors(lam, cw, role):
    name = make_function(lam, role, Timeout=1)
    assert call(lam, name, {"action": "sleep", "seconds": 5})[1]["errorType"] == "Sandbox.Timedout"
    assert call(lam, name, {"action": "exit", "status": 2})[1]["errorType"] == "Runtime.ExitError"
    dims = lambda_dims(name)
    assert total(cw, "Errors", dims) == 2 and total(cw, "Invocations", dims) == 2
    assert series(cw, "Duration", "Maximum", dims) == [1000.0]  # the timeout's length


def test_dimension_sets_of_versions_and_aliases(lam, cw, role):
    name = make_function(lam, role)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    for _ in range(2):
        assert call(lam, name, Qualifier="live")[0]["ExecutedVersion"] == "1"
    call(lam, f"{name}:1")
    call(lam, name)
    call(lam, name, Qualifier="$LATEST")
    live = f"{name}:live"
    counts = {
        "fn": lambda_dims(name), "live": lambda_dims(name, live),
        "live1": lambda_dims(name, live, "1"), "v1": lambda_dims(name, f"{name}:1"),
        "v1exec": lambda_dims(name, f"{name}:1", "1"),
        "latest": lambda_dims(name, f"{name}:$LATEST"),
        "live2": lambda_dims(name, live, "2"),
    }
    got = results(cw, [query(key, "Invocations", "Sum", dims) for key, dims in counts.items()]
                  + [query("conc", "ConcurrentExecutions", "Maximum", counts["live1"]),
                     query("thr", "Throttles", "Sum", counts["live"])])
    sums = {key: sum(r["Values"]) for key, r in got.items()}
    assert sums == {"fn": 5, "live": 2, "live1": 2, "v1": 1, "v1exec": 0, "latest": 1,
                    "live2": 0, "conc": 1, "thr": 0}

    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    throttled(lam, name, Qualifier="live")
    assert total(cw, "Throttles", counts["live1"]) == 1
    assert total(cw, "Throttles", counts["fn"]) == 1
    assert total(cw, "Invocations", counts["fn"]) == 5


def test_list_metrics_lists_each_metric_once(lam, cw, role):
    name = make_function(lam, role)
    for _ in range(3):
        call(lam, name, Qualifier="$LATEST")
    listed = cw.list_metrics(Namespace="AWS/Lambda",
                             Dimensions=[{"Name": "FunctionName", "Value": name}])["Metrics"]
    shown = sorted((m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
                   for m in listed)
    function, resource = ("FunctionName", name), ("Resource", f"{name}:$LATEST")
    assert shown == sorted((metric, dims) for metric in ("ConcurrentExecutions", "Duration",
                                                         "Errors", "Invocations")
                           for dims in ((function,), (function, resource)))


def test_concurrent_executions_count_what_runs_at_once(lam, cw, role, make, tmp_path):
    name = make_function(lam, role, Timeout=10)
    gate, waiting = str(tmp_path / "gate"), []
    thread = threading.Thread(target=lambda: waiting.append(
        call(lam, name, {"action": "wait", "path": gate})))
    thread.start()
    try:
        wait_logged(make("logs"), name, "waiting\n")
        call(lam, name, {"action": "release", "path": gate})
    finally:
        open(gate, "w").close()
        thread.join()
    call(lam, name)  # alone again
    dims = lambda_dims(name)
    got = results(cw, [query("max", "ConcurrentExecutions", "Maximum", dims),
                       query("n", "ConcurrentExecutions", "SampleCount", dims),
                       query("sum", "ConcurrentExecutions", "Sum", dims)])
    assert sum(got["max"]["Values"]) == 2  # one period: the waiting one and the releasing one
    assert sum(got["n"]["Values"]) == 3 and sum(got["sum"]["Values"]) == 1 + 2 + 1
    everyone = series(cw, "ConcurrentExecutions", "Maximum", [])  # across all functions
    assert everyone and max(everyone) >= 2


def test_event_invocations_count_and_paused_events_are_dropped(lam, cw, role, tmp_path):
    name = make_function(lam, role)
    dims = lambda_dims(name)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    wait_total(cw, "Invocations", dims, 1)

    # Reserved concurrency 0: the event is throttled once and, with no
    # destination, discarded; it does not run when the function resumes.
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    marker = str(tmp_path / "ran")
    event = lam.invoke(FunctionName=name, InvocationType="Event",
                       Payload=json.dumps({"action": "record", "path": marker}))
    assert event["StatusCode"] == 202  # accepted into the queue
    wait_total(cw, "AsyncEventsDropped", dims, 1)
    assert total(cw, "Throttles", dims) == 1
    lam.delete_function_concurrency(FunctionName=name)
    time.sleep(0.5)
    assert not os.path.exists(marker) and total(cw, "Invocations", dims) == 1
    assert total(cw, "AsyncEventsReceived", dims) == 2


# --- GetMetricData over datapoints of known times ---------------------------------------------


@pytest.fixture(scope="module")
def known(cw):
    """A custom metric: values at t0+10s (1, 2), t0+70s (3), t0+130s (10), where t0 is a
    minute 30 minutes ago; plus datapoints of the same name with other dimensions."""
    namespace = unique("Test")
    t0 = (utcnow() - timedelta(minutes=30)).replace(second=0, microsecond=0)
    dims = [{"Name": "Service", "Value": "api"}]

    def put(seconds: int, value: float, dimensions=dims, unit="Count") -> None:
        cw.put_metric_data(Namespace=namespace, MetricData=[{
            "MetricName": "Requests", "Dimensions": dimensions, "Value": value, "Unit": unit,
            "Timestamp": t0 + timedelta(seconds=seconds)}])

    for seconds, value in ((10, 1), (10, 2), (70, 3), (130, 10)):
        put(seconds, value)
    put(10, 100, dims + [{"Name": "Stage", "Value": "prod"}])  # another metric
    put(10, 1000, [])
    put(10, 500, unit="Seconds")
    return namespace, t0, dims


def test_get_metric_data_periods_and_order(cw, known):
    namespace, t0, dims = known
    minute = timedelta(minutes=1)
    start, end = t0 + timedelta(seconds=25), t0 + timedelta(minutes=5)  # rounded down to t0

    def ask(stat: str, scan_by: str | None = None, **kwargs):
        extra = {"ScanBy": scan_by} if scan_by else {}
        q = query("q", "Requests", stat, dims, period=60, namespace=namespace, **kwargs)
        return results(cw, [q], start=start, end=end, **extra)["q"]

    descending = ask("Sum")  # the default: newest first
    assert descending["Timestamps"] == [t0 + 2 * minute, t0 + minute, t0]
    assert descending["Values"] == [10.0, 3.0, 503.0]  # the Seconds datapoint too
    counted = ask("Sum", "TimestampAscending", Label="requests")
    assert (counted["Label"], counted["Values"]) == ("requests", [503.0, 3.0, 10.0])
    q = query("q", "Requests", "Sum", dims, period=60, namespace=namespace)
    q["MetricStat"]["Unit"] = "Count"
    only_counts = results(cw, [q], start=start, end=end, ScanBy="TimestampAscending")["q"]
    assert only_counts["Values"] == [3.0, 3.0, 10.0]
    for stat, first in (("Maximum", 500.0), ("Minimum", 1.0), ("SampleCount", 3.0),
                        ("Average", 503.0 / 3), ("p50", 2.0), ("p99", 500.0)):
        assert ask(stat, "TimestampAscending")["Values"][0] == pytest.approx(first), stat
    # EndTime is exclusive, several queries answer by Id, other dimension sets are apart
    got = results(cw, [query("a", "Requests", "Sum", dims, period=120, namespace=namespace),
                       query("b", "Requests", "Sum", dims + [{"Name": "Stage", "Value": "prod"}],
                             period=60, namespace=namespace),
                       query("c", "Requests", "Sum", [], period=60, namespace=namespace),
                       query("d", "Requests", "Sum", dims, period=60, namespace=namespace,
                             ReturnData=False)],
                  start=t0, end=t0 + timedelta(seconds=130), ScanBy="TimestampAscending")
    assert set(got) == {"a", "b", "c"}
    assert (got["a"]["Timestamps"], got["a"]["Values"]) == ([t0], [506.0])
    assert got["b"]["Values"] == [100.0] and got["c"]["Values"] == [1000.0]


def test_get_metric_data_refuses_unknown_statistics(cw, known):
    namespace, t0, dims = known
    with pytest.raises(ClientError) as excinfo:
        results(cw, [query("q", "Requests", "Median", dims, namespace=namespace)])
    assert error_of(excinfo)[:2] == ("ValidationError", 400)
    assert "MetricStat.Stat" in error_of(excinfo)[2]


def test_get_metric_statistics_matches_exact_dimensions(cw, known):
    namespace, t0, dims = known
    answer = cw.get_metric_statistics(Namespace=namespace, MetricName="Requests", Dimensions=dims,
                                      StartTime=t0, EndTime=t0 + timedelta(minutes=5), Period=60,
                                      Statistics=["Sum", "SampleCount"])
    points = sorted(answer["Datapoints"], key=lambda p: p["Timestamp"])
    assert [(p["Timestamp"], p["Sum"], p["SampleCount"]) for p in points] == [
        (t0, 503.0, 3.0), (t0 + timedelta(minutes=1), 3.0, 1.0),
        (t0 + timedelta(minutes=2), 10.0, 1.0)]
