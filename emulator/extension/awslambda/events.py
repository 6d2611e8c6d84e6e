"""Asynchronous invocation: Lambda's own queue, its retries, and the records it sends to destinations.

As the Lambda developer guide describes it ("How Lambda handles errors and
retries with asynchronous invocation", "Capturing records of Lambda
asynchronous invocations"):

* Invoke with ``InvocationType: Event`` answers 202 at once (payloads up to
  1 MB, 1,048,576 bytes, since October 2025; larger: 413
  RequestTooLargeException); the event waits in the function's queue and
  runs later, one thread per event here. Every accepted event counts one
  ``AsyncEventsReceived``.
* A function error (the code's, a timeout, the runtime's exit): "Lambda
  attempts to run it two more times, with a one-minute wait between the
  first two attempts, and two minutes between the second and third" (the
  qualifier's ``MaximumRetryAttempts``, 0-2, awslambda.event_config). The
  switch ``lambda_event_retry_seconds`` (front.switches) shortens the first
  wait for a test, the second staying twice it; the retries themselves
  are never skipped. A retry keeps the event's request id.
* A throttle (concurrency exhausted): the event goes back to the queue and
  is tried again after 1 s, 2 s, 4 s, ... at most 5 minutes, until it is
  older than ``MaximumEventAgeInSeconds`` (60-21600, 6 hours by default).
* "When you set reserved concurrency to zero for an asynchronously invoked
  function, Lambda begins sending new events to the configured dead-letter
  queue or the on-failure event destination, without any retries": the
  event is throttled once (one ``Throttles``) and its record sent at once.
  The guide names no condition for this case: the record says
  ``RetriesExhausted`` with ``approximateInvokeCount`` 0.
* An event that fails all its attempts (``RetriesExhausted``) or grows too
  old (``EventAgeExceeded``) goes to the on-failure destination, if any,
  else is discarded (``AsyncEventsDropped``); a successful one goes to the
  on-success destination, if any (``Success``). The record, Lambda's JSON::

    {"version": "1.0", "timestamp": "2026-12-07T18:16:05.568Z",
     "requestContext": {"requestId", "functionArn" (as invoked; $LATEST
                        when unqualified), "condition", "approximateInvokeCount"},
     "requestPayload": <the event>,
     "responseContext": {"statusCode": 200, "executedVersion": "3",
                         "functionError": "Unhandled"},
     "responsePayload": <what the function answered>}

  (no responseContext nor responsePayload when the function never ran).
* Delivery: an SQS queue gets the record as a message (moto's SQS), an SNS
  topic as a published message (moto's SNS); the execution role must be
  allowed ``sqs:SendMessage`` / ``sns:Publish`` on it at delivery time, the
  queue must exist and be a standard one, the record at most 1 MiB (SQS)
  or 256 KB (SNS). A record that cannot be delivered counts one
  ``DestinationDeliveryFailures`` and is lost. Lambda, EventBridge and S3
  destinations are accepted by event_config but deliver nothing here.
* POST /moto-api/reset drops every queued event (awslambda.runtime.stop_all).
"""

import json
import threading
import time
from datetime import datetime, timezone
from typing import Any

from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

from extension.awslambda import event_config, metrics, runtime
from extension.awslambda.rapi import Invocation
from extension.front.switches import switches_for

MAX_EVENT_PAYLOAD = 1048576
FIRST_RETRY_SECONDS = 60.0
THROTTLE_RETRY_MAX = 300.0
SQS_MAX_MESSAGE = 1048576
SNS_MAX_MESSAGE = 262144


def _qualifier(invoked_arn: str) -> str | None:
    parts = invoked_arn.split(":")
    return parts[7] if len(parts) > 7 and parts[7] else None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return body.decode("utf-8", "replace")


def _timestamp() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def record(invocation: Invocation, fn: Any, condition: str, attempts: int,
           result: runtime.Result | None) -> dict[str, Any]:
    """The invocation record Lambda sends to a destination."""
    arn = invocation.function_arn
    if _qualifier(arn) is None:
        arn = f"{arn}:$LATEST"
    document: dict[str, Any] = {
        "version": "1.0", "timestamp": _timestamp(),
        "requestContext": {"requestId": invocation.request_id, "functionArn": arn,
                           "condition": condition, "approximateInvokeCount": attempts},
        "requestPayload": _json(invocation.payload)}
    if result is not None:
        context: dict[str, Any] = {"statusCode": 200, "executedVersion": str(fn.version)}
        if result.kind == "error":
            context["functionError"] = "Unhandled"
        document["responseContext"] = context
        document["responsePayload"] = _json(result.body)
    return document


def _deliver(fn: Any, invoked_arn: str, destination: str, document: dict[str, Any]) -> bool:
    """Send the record; False (and one DestinationDeliveryFailures) when it cannot go."""
    parts = destination.split(":")
    service, region, account, name = parts[2], parts[3], parts[4], ":".join(parts[5:])
    body = json.dumps(document)
    delivered = False
    try:
        if service == "sqs" and event_config.role_may(fn, "sqs:SendMessage", destination):
            backend = sqs_backends[account][region]
            queue = backend.queues.get(name)
            if queue is not None and not queue.fifo_queue and len(body.encode()) <= SQS_MAX_MESSAGE:
                backend.send_message(name, body)
                delivered = True
        elif service == "sns" and event_config.role_may(fn, "sns:Publish", destination):
            backend = sns_backends[account][region]
            if destination in backend.topics and len(body.encode()) <= SNS_MAX_MESSAGE:
                backend.publish(body, arn=destination)
                delivered = True
    except Exception:  # a destination that refuses is a delivery failure, never a crash
        delivered = False
    if not delivered:
        metrics.counted(fn, invoked_arn, "DestinationDeliveryFailures")
    return delivered


def _end(fn: Any, invocation: Invocation, settings: dict[str, Any], condition: str,
         attempts: int, result: runtime.Result | None) -> None:
    side = "OnSuccess" if condition == "Success" else "OnFailure"
    destination = settings[side]
    if destination:
        _deliver(fn, invocation.function_arn, destination,
                 record(invocation, fn, condition, attempts, result))
    elif side == "OnFailure":
        metrics.counted(fn, invocation.function_arn, "AsyncEventsDropped")


def _retry_seconds(fn: Any, retry: int) -> float:
    first = switches_for(fn.function_name).lambda_event_retry_seconds or FIRST_RETRY_SECONDS
    return first * retry  # 1 minute, then 2


def _attempt(invocation: Invocation, fn: Any) -> Invocation:
    """A new attempt of the same event: the runtime hands it out afresh, same request id."""
    again = Invocation(invocation.payload, invocation.function_arn, float(fn.timeout),
                       invocation.cognito_identity)
    again.request_id = invocation.request_id
    return again


def _process(storage: Any, resolve: Any, invocation: Invocation, generation: int) -> None:
    """One event, from the queue to its end."""
    received = time.monotonic()
    fn = resolve()
    settings = event_config.effective(storage, fn.function_name,
                                      _qualifier(invocation.function_arn))
    max_age, retries = settings["MaximumEventAgeInSeconds"], settings["MaximumRetryAttempts"]
    attempts, throttle_delay, result = 0, 1.0, None
    while generation == runtime.generation():
        fn = resolve()  # the qualifier's current code: an alias may have moved
        if fn.reserved_concurrency is not None and int(fn.reserved_concurrency) == 0:
            metrics.throttled(fn, invocation.function_arn)
            _end(fn, invocation, settings, "RetriesExhausted", attempts, result)
            return
        age = time.monotonic() - received
        if age > max_age:
            _end(fn, invocation, settings, "EventAgeExceeded", attempts, result)
            return
        try:
            result = runtime.run_event(fn, _attempt(invocation, fn))
        except runtime.Throttled:
            time.sleep(max(0.0, min(throttle_delay, max_age - age + 0.001)))
            throttle_delay = min(throttle_delay * 2, THROTTLE_RETRY_MAX)
            continue
        attempts += 1
        if result.kind != "error":
            _end(fn, invocation, settings, "Success", attempts, result)
            return
        if attempts > retries:
            _end(fn, invocation, settings, "RetriesExhausted", attempts, result)
            return
        wait = _retry_seconds(fn, attempts)
        if time.monotonic() - received + wait > max_age:
            time.sleep(max(0.0, max_age - (time.monotonic() - received)))
            if generation == runtime.generation():
                _end(fn, invocation, settings, "EventAgeExceeded", attempts, result)
            return
        time.sleep(wait)


def enqueue(storage: Any, fn: Any, payload: bytes, invoked_arn: str, resolve: Any,
            cognito_identity: dict[str, str] | None = None) -> str:
    """Accept one Event into the queue; its request id. ``storage``: moto's Lambda storage
    of the function; ``resolve()`` gives the function object the invoked qualifier names
    at each attempt (an alias may move between attempts)."""
    invocation = Invocation(payload, invoked_arn, float(fn.timeout), cognito_identity)
    metrics.counted(fn, invoked_arn, "AsyncEventsReceived")
    threading.Thread(target=_process,
                     args=(storage, resolve, invocation, runtime.generation()),
                     daemon=True).start()
    return invocation.request_id
