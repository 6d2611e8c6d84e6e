"""The AWS/Lambda metrics of the invocations the emulator runs, into moto's CloudWatch.

awslambda.runtime calls ``throttled`` for every throttled request and
``started`` / ``finished`` around every invocation that runs (synchronous or
Event). Each datapoint goes into the CloudWatch backend of the function's
account and region, namespace ``AWS/Lambda``, timestamped with the time the
invocation started (Lambda: "The timestamp on a metric reflects when the
function was invoked"), before Invoke answers; the alarms on it are then
evaluated at once (cloudwatch.alarms). As the Lambda developer guide
describes them ("Types of metrics for Lambda functions", "Monitoring
concurrency", "Viewing metrics ... dimensions"):

* ``Invocations`` (Count): 1 per invocation that ran, successful or ending
  in a function error; none for a throttled request.
* ``Errors`` (Count): invocation metrics are binary indicators, one sample
  per invocation that ran: 1 when it ended in a function error (the code's
  error, a timeout, the runtime's exit or init error), else 0 (so Sum counts
  errors and Average is the error rate).
* ``Throttles`` (Count): 1 per throttled request (a retried Event counts
  once per throttled attempt).
* Asynchronous invocation (awslambda.events): ``AsyncEventsReceived`` (1 per
  Event accepted into the queue), ``AsyncEventsDropped`` (1 per event
  discarded with no on-failure destination to take it) and
  ``DestinationDeliveryFailures`` (1 per record a destination refused:
  missing, not permitted to the execution role, or too large).
* ``Duration`` (Milliseconds): the time the code spent on the event, as the
  REPORT line says (the timeout's full length for a timeout).
* ``ConcurrentExecutions`` (Count), "emitted for all functions, versions, and
  aliases", viewed with Maximum: one sample per invocation, the number of
  invocations of the dimension set's scope running when it started, itself
  included (the function's, the resource's, the alias-and-version's, or all
  functions' of the Region).

Dimension sets ("By Function Name", "By Resource", "By Executed Version",
"Across All Functions"): every metric is published with no dimensions and
with ``{FunctionName}``; when the call named a qualifier (version, alias or
$LATEST: Qualifier, ``name:q`` or a qualified ARN) also with
``{FunctionName, Resource: "name:q"}``; when that qualifier is an alias also
with ``{FunctionName, Resource, ExecutedVersion: "N"}`` (the version the
alias ran).
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from moto.cloudwatch.models import MetricDatum, cloudwatch_backends

from extension.cloudwatch import alarms

NAMESPACE = "AWS/Lambda"
_log = logging.getLogger("awslambda.metrics")
_lock = threading.Lock()
_running: list["Running"] = []
_generation = 0  # reset's count: an invocation cut short by a reset publishes nothing


@dataclass
class Running:
    """One invocation in flight, and the dimension sets its datapoints go to."""

    account: str
    region: str
    function: str
    resource: str | None
    executed_version: str | None
    started: float  # epoch seconds
    concurrency: list[int]  # per dimension set, at start
    generation: int = 0


def _scope(fn: Any, invoked_arn: str) -> tuple[str | None, str | None]:
    """The Resource and ExecutedVersion dimensions of a call (None: not published)."""
    parts = (invoked_arn or "").split(":")
    qualifier = parts[7] if len(parts) > 7 and parts[7] else None
    if qualifier is None:
        return None, None
    resource = f"{fn.function_name}:{qualifier}"
    alias = qualifier != "$LATEST" and not qualifier.isdigit()
    return resource, str(fn.version) if alias else None


def _dimension_sets(function: str, resource: str | None,
                    executed: str | None) -> list[list[dict[str, str]]]:
    sets: list[list[dict[str, str]]] = [[], [{"Name": "FunctionName", "Value": function}]]
    if resource:
        sets.append(sets[1] + [{"Name": "Resource", "Value": resource}])
        if executed:
            sets.append(sets[2] + [{"Name": "ExecutedVersion", "Value": executed}])
    return sets


def _same_scope(level: int, a: Running, b: Running) -> bool:
    if (a.account, a.region) != (b.account, b.region):
        return False
    if level == 0:
        return True
    if a.function != b.function:
        return False
    if level == 1:
        return True
    if a.resource != b.resource:
        return False
    return level == 2 or a.executed_version == b.executed_version


def _timestamp(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def _publish(account: str, region: str, when: float, dimension_sets: list[list[dict[str, str]]],
             values: list[tuple[str, str, Any]]) -> None:
    """values: (metric name, unit, value or a value per dimension set)."""
    try:
        backend = cloudwatch_backends[account][region]
        timestamp, names = _timestamp(when), set()
        for name, unit, value in values:
            for index, dimensions in enumerate(dimension_sets):
                sample = value[index] if isinstance(value, list) else value
                backend.metric_data.append(MetricDatum(NAMESPACE, name, float(sample), dimensions,
                                                       timestamp, unit))
            names.add(name)
    except Exception:  # metrics never break an invocation
        _log.exception("publishing %s failed", [name for name, _, _ in values])
        return
    alarms.datapoints_added(backend, NAMESPACE, names)


def throttled(fn: Any, invoked_arn: str, when: float | None = None) -> None:
    """A request refused with TooManyRequestsException: one Throttles datapoint."""
    counted(fn, invoked_arn, "Throttles", when)


def counted(fn: Any, invoked_arn: str, name: str, when: float | None = None) -> None:
    """One datapoint of 1 of the Count metric ``name`` (Throttles, AsyncEventsReceived,
    AsyncEventsDropped, DestinationDeliveryFailures)."""
    resource, executed = _scope(fn, invoked_arn)
    _publish(fn.account_id, fn.region, time.time() if when is None else when,
             _dimension_sets(fn.function_name, resource, executed), [(name, "Count", 1)])


def started(fn: Any, invoked_arn: str, when: float) -> Running:
    """An invocation begins to run: count what runs with it."""
    resource, executed = _scope(fn, invoked_arn)
    running = Running(fn.account_id, fn.region, fn.function_name, resource, executed, when, [])
    levels = len(_dimension_sets(fn.function_name, resource, executed))
    with _lock:
        running.generation = _generation
        _running.append(running)
        running.concurrency = [sum(1 for other in _running if _same_scope(level, running, other))
                               for level in range(levels)]
    return running


def finished(running: Running, result: Any) -> None:
    """The invocation ended (``result``: its awslambda.runtime.Result, None if it never
    produced one): publish its Invocations, Errors, Duration and ConcurrentExecutions."""
    with _lock:
        if running in _running:
            _running.remove(running)
        current = running.generation == _generation
    if result is None or not current:
        return
    error = 1 if result.kind == "error" else 0
    _publish(running.account, running.region, running.started,
             _dimension_sets(running.function, running.resource, running.executed_version),
             [("Invocations", "Count", 1), ("Errors", "Count", error),
              ("Duration", "Milliseconds", round(result.duration_ms, 2)),
              ("ConcurrentExecutions", "Count", list(running.concurrency))])


def reset() -> None:
    """POST /moto-api/reset (awslambda.runtime.stop_all)."""
    global _generation
    with _lock:
        _generation += 1
        _running.clear()
