"""Helpers for the metrics, alarms and SNS tests: GetMetricData queries, published messages.

``lambda_dims(name, resource=None, executed=None)``: the dimensions Lambda
publishes for a function (and its ``name:qualifier`` resource, and the version
an alias ran). ``series`` asks GetMetricData for one statistic of one metric
over one period covering the test (unless told otherwise) and answers its
values; ``published`` reads /backend-ctl/sns/published; ``client`` makes a client
that never retries.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import boto3
from botocore.config import Config

from server import REGION, settling

NAMESPACE = "AWS/Lambda"


def client(endpoint: str, service: str):
    """A client that sends every request once: a throttled Invoke is one Throttles datapoint
    (botocore retries TooManyRequestsException otherwise)."""
    made = boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        config=Config(retries={"total_max_attempts": 1}))
    if service == "lambda":
        settling(made)
    return made


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def lambda_dims(name: str, resource: str | None = None,
                executed: str | None = None) -> list[dict[str, str]]:
    dims = [{"Name": "FunctionName", "Value": name}]
    if resource:
        dims.append({"Name": "Resource", "Value": resource})
    if executed:
        dims.append({"Name": "ExecutedVersion", "Value": executed})
    return dims


def query(qid: str, metric: str, stat: str, dims: list[dict[str, str]], period: int = 3600,
          namespace: str = NAMESPACE, **extra) -> dict:
    return {"Id": qid, "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": metric,
                                                 "Dimensions": dims},
                                      "Period": period, "Stat": stat}, **extra}


def results(cw, queries: list[dict], start: datetime | None = None, end: datetime | None = None,
            **kwargs) -> dict[str, dict]:
    """GetMetricData's MetricDataResults by Id (the default window: the last 30 minutes
    and the next 30)."""
    now = utcnow()
    answer = cw.get_metric_data(MetricDataQueries=queries,
                                StartTime=start or now - timedelta(minutes=30),
                                EndTime=end or now + timedelta(minutes=30), **kwargs)
    return {r["Id"]: r for r in answer["MetricDataResults"]}


def series(cw, metric: str, stat: str, dims: list[dict[str, str]], **kwargs) -> list[float]:
    return results(cw, [query("q", metric, stat, dims, **kwargs)])["q"]["Values"]


def total(cw, metric: str, dims: list[dict[str, str]]) -> float:
    """The metric's Sum over the window (0 without data)."""
    return sum(series(cw, metric, "Sum", dims))


def wait_total(cw, metric: str, dims: list[dict[str, str]], expected: float,
               timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while total(cw, metric, dims) != expected:
        assert time.monotonic() < deadline, (
            f"{metric} of {dims} stayed {total(cw, metric, dims)}, expected {expected}")
        time.sleep(0.1)


def published(endpoint: str, topic: str) -> list[dict]:
    """The messages published to ``topic`` (GET /backend-ctl/sns/published)."""
    url = f"{endpoint}/backend-ctl/sns/published?topic={urllib.parse.quote(topic, safe='')}"
    with urllib.request.urlopen(url) as reply:
        return json.loads(reply.read())["Messages"]


def post(server: str, path: str, **params: str) -> tuple[int, dict]:
    """POST ``server + path`` with the query ``params``: the status and the JSON body."""
    url = f"{server}{path}?{urllib.parse.urlencode(params)}"
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
