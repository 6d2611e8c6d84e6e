"""QueueDeletedRecently: a queue's name is not free again at once after DeleteQueue (moto 5.2.6 frees it at once).

The DeleteQueue API reference: "When you delete a queue, you must wait at
least 60 seconds before creating a queue with the same name." CreateQueue
of that name meanwhile answers ``QueueDeletedRecently`` (HTTP 400, query
code ``AWS.SimpleQueueService.QueueDeletedRecently``): "You must wait 60
seconds after deleting a queue before you can create another queue with the
same name." The wait is the switch ``sqs_deleted_recently_seconds``
(front.switches, by queue name; 0 = off, as the other refusals are: a test
turns on AWS's 60 s, or less, for its own queues).
"""

import threading
import time
from typing import Any

from moto.sqs.exceptions import SQSException
from moto.sqs.models import SQSBackend

from extension.front.switches import switches_for

_lock = threading.Lock()
_deleted: dict[tuple[str, str, str], float] = {}  # (account, region, name) -> monotonic time


class QueueDeletedRecently(SQSException):
    def __init__(self) -> None:
        super().__init__(
            "AWS.SimpleQueueService.QueueDeletedRecently",
            "You must wait 60 seconds after deleting a queue before you can create another "
            "queue with the same name.",
        )


def install() -> None:
    if getattr(SQSBackend, "_bc_recreate", False):
        return
    SQSBackend._bc_recreate = True
    create, delete = SQSBackend.create_queue, SQSBackend.delete_queue

    def create_queue(self: Any, name: str, tags: Any = None, **kwargs: Any) -> Any:
        wait = switches_for(name).sqs_deleted_recently_seconds
        with _lock:
            at = _deleted.get((self.account_id, self.region_name, name))
        if wait > 0 and at is not None and time.monotonic() - at < wait:
            raise QueueDeletedRecently()
        return create(self, name, tags, **kwargs)

    def delete_queue(self: Any, queue_name: str) -> None:
        delete(self, queue_name)
        with _lock:
            _deleted[(self.account_id, self.region_name, queue_name)] = time.monotonic()

    SQSBackend.create_queue = create_queue
    SQSBackend.delete_queue = delete_queue


def reset() -> None:
    """POST /moto-api/reset."""
    with _lock:
        _deleted.clear()
