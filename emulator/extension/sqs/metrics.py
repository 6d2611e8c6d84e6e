"""The AWS/SQS metrics of moto's queues, into moto's CloudWatch (moto 5.2.6 publishes none).

As the Amazon SQS Developer Guide describes them ("Available CloudWatch
metrics for Amazon SQS"): "CloudWatch metrics for your Amazon SQS queues are
automatically collected and pushed to CloudWatch at one-minute intervals",
namespace ``AWS/SQS``, one dimension ``QueueName``, unit Count:

* ``ApproximateNumberOfMessagesVisible``: "The number of messages available
  for retrieval from the queue";
* ``ApproximateNumberOfMessagesNotVisible``: "The number of messages that
  are in flight" (received, not yet deleted nor visible again);
* ``ApproximateNumberOfMessagesDelayed``: "The number of messages in the
  queue that are delayed and not available for reading immediately".

Each queue's three values are sampled and published every minute (for every
queue: the guide's "active" queue, one that holds messages or was used in
the last six hours, is every queue a test makes), then the alarms on them
are evaluated at once (cloudwatch.alarms). The switch ``sqs_metrics_seconds``
(front.switches, by queue name) shortens the minute for a test's queues,
and BACKEND_CTL_EMULATOR_SQS_METRICS_SECONDS for every other queue (the
demo's). A queue's first datapoints come within a second of its creation.
"""

import logging
import os
import threading
import time
from datetime import datetime, timezone
from typing import Any

from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
from moto.sqs.models import sqs_backends

from extension.cloudwatch import alarms
from extension.front.switches import switches_for

NAMESPACE = "AWS/SQS"
INTERVAL_SECONDS = 60.0  # SQS's own
UNSCOPED_SECONDS = float(os.environ.get("BACKEND_CTL_EMULATOR_SQS_METRICS_SECONDS", "0")) or INTERVAL_SECONDS
TICK_SECONDS = 0.5
_log = logging.getLogger("sqs.metrics")
_lock = threading.Lock()
_published: dict[str, float] = {}  # queue ARN -> monotonic time of its last datapoints


def _interval(queue_name: str) -> float:
    scoped = switches_for(queue_name).sqs_metrics_seconds
    return scoped if scoped > 0 else UNSCOPED_SECONDS


def values(queue: Any) -> list[tuple[str, int]]:
    """The queue's metrics as SQS computes them now."""
    return [
        ("ApproximateNumberOfMessagesVisible", queue.approximate_number_of_messages),
        ("ApproximateNumberOfMessagesNotVisible", queue.approximate_number_of_messages_not_visible),
        ("ApproximateNumberOfMessagesDelayed", queue.approximate_number_of_messages_delayed),
    ]


def publish(account: str, region: str, queue: Any) -> None:
    """One datapoint of each metric of ``queue``, now; then its alarms are evaluated."""
    backend = cloudwatch_backends[account][region]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    dimensions = [{"Name": "QueueName", "Value": queue.name}]
    sampled = values(queue)
    for name, value in sampled:
        backend.metric_data.append(MetricDatum(NAMESPACE, name, float(value), dimensions, now, "Count"))
    alarms.datapoints_added(backend, NAMESPACE, {name for name, _ in sampled})


def publish_due() -> None:
    """One round: every queue whose interval has passed since its last datapoints."""
    try:
        backends = list(sqs_backends.iter_backends())
    except RuntimeError:  # a backend appeared while listing: next round
        return
    now, seen = time.monotonic(), set()
    for account, region, backend in backends:
        for queue in list(backend.queues.values()):
            seen.add(queue.queue_arn)
            with _lock:
                last = _published.get(queue.queue_arn)
                if last is not None and now - last < _interval(queue.name):
                    continue
                _published[queue.queue_arn] = now
            try:
                publish(account, region, queue)
            except Exception:  # metrics never break the emulator
                _log.exception("publishing the metrics of %s failed", queue.name)
    with _lock:
        for gone in set(_published) - seen:  # deleted: a queue made again starts afresh
            del _published[gone]


def _publisher() -> None:
    while True:
        time.sleep(TICK_SECONDS)
        publish_due()


def install() -> None:
    threading.Thread(target=_publisher, name="backend-ctl-sqs-metrics", daemon=True).start()


def reset() -> None:
    """POST /moto-api/reset."""
    with _lock:
        _published.clear()
