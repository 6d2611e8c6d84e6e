"""The CloudWatch Logs of the Lambda runtime (awslambda.runtime), in moto's own backend.

Each execution environment writes one log stream of the group
``/aws/lambda/<function>``, in ``logs_backends[account][region]``, so that
``logs.filter_log_events`` / ``get_log_events`` against the emulator see it.
A missing group is created the way Lambda does (untagged, no retention) when
it is first written; an existing one is used as it is. The stream is named
``YYYY/MM/DD/[<version>]<32 lowercase hex>`` (UTC date), as Lambda names it.

Every line the function's process writes on stdout or stderr (one pipe, so
their order is kept) is one event, timestamped when it is read, its newline
kept. Lambda's own lines follow real CloudWatch events (checked with the
search tool: captured events in the Datadog forwarder's test fixtures, users'
timeout and crash reports, AWS's Lambda logging pages). Each ends with a
newline; a REPORT line without a status has a tab before it:

    START RequestId: <id> Version: $LATEST\n
    END RequestId: <id>\n
    REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB\tInit Duration: 4.56 ms\t\n
    2020-06-09T15:02:26.150Z <id> Task timed out after 3.00 seconds\n\n      (a timeout, before END)
    RequestId: <id> Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n   (a crash, before END)
    REPORT ...\tStatus: timeout\n     REPORT ...\tStatus: error\tError Type: Runtime.ExitError\n

``Init Duration`` appears on a cold start only. Duration runs from the event's
delivery to the runtime's answer (the timeout itself on a timeout); Billed
Duration rounds it up to the millisecond and, as Lambda bills OS-only
runtimes, adds the init duration. Max Memory Used is the process's VmHWM
(/proc/<pid>/status), in MB rounded up: the environment's peak, as Lambda's.
Lambda's INIT_START / INIT_REPORT lines are not written.

``install()`` also mends moto's DeleteLogGroup, which kept the group's tags:
in AWS a group's tags go with it, so a group made again later under the same
name starts untagged (as Lambda's own groups are).
"""

import math
import threading
import time
import uuid
from datetime import datetime, timezone

from moto.logs.exceptions import ResourceNotFoundException
from moto.logs.models import LogsBackend, logs_backends

_lock = threading.Lock()  # moto's logs backend is not thread-safe


def stream_name(version: str) -> str:
    return f"{datetime.now(timezone.utc):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def timeout_line(request_id: str, seconds: float) -> str:
    now = datetime.now(timezone.utc)
    stamp = f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z"
    return f"{stamp} {request_id} Task timed out after {seconds:.2f} seconds\n\n"


def crash_line(request_id: str, message: str, error_type: str) -> str:
    return f"RequestId: {request_id} Error: {message}\n{error_type}\n"


def report_line(request_id: str, duration_ms: float, init_ms: float | None, memory_mb: int,
                used_mb: int, status: str | None = None, error_type: str | None = None) -> str:
    billed = math.ceil(duration_ms + (init_ms or 0.0))
    line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {memory_mb} MB\t"
            f"Max Memory Used: {used_mb} MB")
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    if status is None:
        return line + "\t\n"
    line += f"\tStatus: {status}"
    if error_type:
        line += f"\tError Type: {error_type}"
    return line + "\n"


class LogStream:
    """One environment's stream; ``capture`` collects one invocation's lines (LogType Tail)."""

    def __init__(self, account_id: str, region: str, function_name: str, version: str):
        self.account_id, self.region = account_id, region
        self.group = f"/aws/lambda/{function_name}"
        self.name = stream_name(version)
        self.capture: list[str] | None = None
        self.muted = False  # set when the server resets: later lines are dropped
        with _lock:
            self._ensure()

    def _ensure(self) -> None:
        backend = logs_backends[self.account_id][self.region]
        backend.ensure_log_group(self.group)  # untagged, no retention
        backend.ensure_log_stream(self.group, self.name)

    def write(self, message: str) -> None:
        event = {"timestamp": int(time.time() * 1000), "message": message}
        with _lock:
            if self.muted:
                return
            backend = logs_backends[self.account_id][self.region]
            try:
                backend.put_log_events(self.group, self.name, [event])
            except ResourceNotFoundException:  # the group or stream was deleted
                self._ensure()
                backend.put_log_events(self.group, self.name, [event])
            if self.capture is not None:
                self.capture.append(message)

    def start_capture(self) -> None:
        with _lock:
            self.capture = []

    def end_capture(self) -> str:
        with _lock:
            lines, self.capture = self.capture or [], None
        return "".join(lines)


def install() -> None:
    """Patch moto in-process: DeleteLogGroup drops the group's tags too."""
    if getattr(LogsBackend, "_bc_tags_go_with_group", False):
        return
    LogsBackend._bc_tags_go_with_group = True
    delete = LogsBackend.delete_log_group

    def delete_log_group(self: "LogsBackend", log_group_name: str) -> None:
        group = self.groups.get(log_group_name)
        delete(self, log_group_name)
        if group is not None:
            for arn in (group.arn, f"{group.arn}:*"):
                self.tagger.delete_all_tags_for_resource(arn)

    LogsBackend.delete_log_group = delete_log_group
