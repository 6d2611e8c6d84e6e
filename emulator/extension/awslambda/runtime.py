"""Lambda execution environments: Invoke runs the function's real code.

An environment is one process of the function (awslambda.process)
with its own runtime API (awslambda.rapi) and log stream
(awslambda.logs). Environments start on demand, stay warm between
invocations and take one invocation at a time; when all of a function's
environments are busy, another one starts. An environment whose process
crashed, timed out or posted an init error is dropped, as is one whose
function changed (each keeps its function's fingerprint: code, architecture,
memory, timeout, handler, runtime, environment, role). Environments are per
version: a published version (awslambda.versions) runs its own snapshot of
code and configuration in environments of its own, never shared with $LATEST
or another version; reserved concurrency is the function's, counted over all
its versions. ``retire`` drops a function's environments at once (a busy one
after its invocation): $LATEST's on UpdateFunctionCode and
UpdateFunctionConfiguration, one version's on DeleteFunction Qualifier=N,
all of them on DeleteFunction; and
``stop_all`` ends every process (server stop, POST /moto-api/reset).

The process sees only Lambda's variables (AWS_LAMBDA_RUNTIME_API,
AWS_LAMBDA_FUNCTION_NAME / _VERSION / _MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME
/ _STREAM_NAME, AWS_LAMBDA_INITIALIZATION_TYPE, AWS_REGION,
AWS_DEFAULT_REGION, _HANDLER, LAMBDA_TASK_ROOT, TZ, LANG, PATH, dummy
execution-role credentials) and the function's own, never the emulator's;
its working directory is the task root.

An invocation ends with what the runtime posted, or as Lambda ends it:
Sandbox.Timedout "RequestId: <id> Error: Task timed out after 3.00 seconds"
(the process is killed), Runtime.ExitError "RequestId: <id> Error: Runtime
exited with error: exit status 1" (or "signal: killed", or "Runtime exited
without providing a reason" for status 0), Runtime.InvalidEntrypoint when
the process cannot start, or the error of ``/runtime/init/error``. A
synchronous invocation past the function's reserved concurrency (a
reservation of 0 throttles every one), or (for an unreserved function) past
the account's unreserved concurrency, is ``Throttled`` instead and runs
nothing; awslambda.api makes Invoke's answer. Events are queued, retried
and recorded by awslambda.events, each attempt run here (``run_event``).
Every throttled attempt and every invocation that runs publishes its
AWS/Lambda metrics (awslambda.metrics).
"""

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any

from extension.account import settings
from extension.awslambda import logs
from extension.awslambda import process
from extension.awslambda import metrics
from extension.awslambda.rapi import Invocation, RuntimeApi

INIT_LIMIT = 10.0  # seconds: Lambda's limit of an on-demand init phase
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass
class Result:
    """What an invocation produced: ``kind`` "response" or "error" (a function error)."""

    request_id: str
    kind: str
    body: bytes
    log_text: str  # START ... REPORT, for LogType Tail
    duration_ms: float = 0.0  # the REPORT line's Duration


class Throttled(Exception):
    """A concurrency limit is reached; ``reason`` as in Lambda's TooManyRequestsException."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def fingerprint(fn: Any) -> str:
    return json.dumps([fn.code_sha_256, fn.architectures, fn.memory_size, fn.timeout,
                       fn.handler, fn.run_time, fn.package_type, fn.environment_vars, fn.role],
                      sort_keys=True, default=str)


def _key(fn: Any) -> tuple[str, str, str, str]:
    return fn.account_id, fn.region, fn.function_name, str(fn.version)


def _error_body(request_id: str, error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type,
                       "errorMessage": f"RequestId: {request_id} Error: {message}"}).encode()


class Environment:
    """One execution environment: a process, its runtime API and its log stream."""

    def __init__(self, fn: Any):
        self.key, self.fingerprint = _key(fn), fingerprint(fn)
        self.reserved = fn.reserved_concurrency is not None
        self.version, self.memory_mb = str(fn.version), int(fn.memory_size)
        self.timeout = float(fn.timeout)
        self.busy, self.retired, self.stopped, self.warm = True, False, False, False
        self.exited = False
        self.spawn_error: str | None = None
        self.proc: subprocess.Popen | None = None
        self.output: process.Output | None = None
        self.api: RuntimeApi | None = None
        self.stream: logs.LogStream | None = None
        self.used_mb = 0
        self.started_at = time.monotonic()

    @property
    def dead(self) -> bool:
        return self.exited or self.stopped

    def start(self, fn: Any) -> None:
        self.stream = logs.LogStream(fn.account_id, fn.region, fn.function_name, self.version)
        self.api = RuntimeApi(self._on_deliver)
        try:
            task_root = str(process.code_dir(fn.code_bytes))
            command = process.command(fn, task_root)
        except process.SpawnError as err:
            self.spawn_error, self.exited = str(err), True
            return
        try:
            self.proc = process.popen(
                command, cwd=task_root, env=self._variables(fn, task_root),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as err:  # Lambda's wording: Go's fork/exec error
            reason = os.strerror(err.errno or 0)
            self.spawn_error = f"fork/exec {command[-1]}: {reason[0].lower()}{reason[1:]}"
            self.exited = True
            return
        self.started_at = time.monotonic()
        self.output = process.Output(self.proc, self.stream.write)
        threading.Thread(target=self._watch, daemon=True).start()
        if self.stopped:  # stop_all ran while the process started
            self._kill()

    def _variables(self, fn: Any, task_root: str) -> dict[str, str]:
        variables = {"PATH": BASE_PATH, "LANG": "en_US.UTF-8", "TZ": ":UTC"}
        variables.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
        variables.update({
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": self.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": self.stream.group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.stream.name,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "_HANDLER": fn.handler or "",
            "LAMBDA_TASK_ROOT": task_root,
            "AWS_ACCESS_KEY_ID": "ASIAEMULATEDLAMBDA01",
            "AWS_SECRET_ACCESS_KEY": "backend-ctl-emulator-execution-role-secret",
            "AWS_SESSION_TOKEN": "backend-ctl-emulator-execution-role-session",
        })
        return variables

    def _watch(self) -> None:
        self.proc.wait()
        self.exited = True
        self.api.wake()

    def _on_deliver(self, invocation: Invocation) -> None:
        """The runtime took the event (runtime API thread): START, after init's lines."""
        if self.output is not None:
            self.output.drain(flush=False)
        self._sample()
        self._log_start(invocation)

    def _log_start(self, invocation: Invocation) -> None:
        self.stream.start_capture()
        self.stream.write(logs.start_line(invocation.request_id, self.version))
        invocation.start_logged = True

    def _sample(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.used_mb = max(self.used_mb, process.max_memory_mb(self.proc.pid))

    def _kill(self) -> None:
        proc = self.proc
        if proc is not None and proc.returncode is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()

    def stop(self, mute: bool = False) -> None:
        """Kill the process; with ``mute``, its invocation in flight logs nothing more."""
        self.stopped = True
        if mute and self.stream is not None:
            self.stream.muted = True
        self._kill()
        if self.api is not None:
            self.api.close()

    # --- one invocation ------------------------------------------------------------

    def run(self, invocation: Invocation) -> Result:
        cold, self.warm = not self.warm, True
        rid = invocation.request_id
        if self.spawn_error is not None:
            return self._finish(invocation, cold, _error_body(rid, "Runtime.InvalidEntrypoint", self.spawn_error),
                                "error", "Runtime.InvalidEntrypoint",
                                logs.crash_line(rid, self.spawn_error, "Runtime.InvalidEntrypoint"))
        api = self.api
        api.submit(invocation)
        api.wait_for(lambda: invocation.delivered_at is not None or self.exited
                     or api.init_error is not None,
                     INIT_LIMIT + self.timeout if cold else self.timeout)
        if invocation.delivered_at is not None:
            remaining = self.timeout - (time.monotonic() - invocation.delivered_at)
            api.wait_for(lambda: invocation.outcome is not None or self.exited, remaining)
        with api.cond:
            outcome, init_error = invocation.outcome, api.init_error
        if outcome is not None:
            kind, body, error_type = outcome
            if kind == "error" and not body:
                body = json.dumps({"errorMessage": "", "errorType": error_type or "Unhandled"}).encode()
            return self._finish(invocation, cold, body, kind=kind)
        if init_error is not None:
            self._kill()
            body, error_type = _init_error(*init_error)
            return self._finish(invocation, cold, body, "error", error_type)
        if self.exited:
            if self.output is not None:
                self.output.finished.wait(0.5)
            message = process.describe_exit(self.proc.returncode)
            return self._finish(invocation, cold, _error_body(rid, "Runtime.ExitError", message),
                                "error", "Runtime.ExitError",
                                logs.crash_line(rid, message, "Runtime.ExitError"))
        self._kill()
        if self.output is not None:
            self.output.finished.wait(0.5)
        message = f"Task timed out after {self.timeout:.2f} seconds"
        return self._finish(invocation, cold, _error_body(rid, "Sandbox.Timedout", message),
                            "timeout", None, logs.timeout_line(rid, self.timeout))

    def _finish(self, invocation: Invocation, cold: bool, body: bytes, status: str | None = None,
                error_type: str | None = None, line: str | None = None,
                kind: str = "error") -> Result:
        now, rid = time.monotonic(), invocation.request_id
        if self.output is not None:
            self.output.drain(flush=True)
        if not invocation.start_logged:
            self._log_start(invocation)
        if line:
            self.stream.write(line)
        self.stream.write(logs.end_line(rid))
        self._sample()
        if status == "timeout":
            duration = self.timeout * 1000
        elif invocation.delivered_at is None:
            duration = 0.0
        else:
            duration = ((invocation.answered_at or now) - invocation.delivered_at) * 1000
        init = None
        if cold:
            ready = self.api.ready_at if self.api and self.api.ready_at else now
            init = (ready - self.started_at) * 1000
        self.stream.write(logs.report_line(rid, duration, init, self.memory_mb, self.used_mb,
                                           status, error_type))
        return Result(rid, kind, body, self.stream.end_capture(), duration)


def _init_error(body: bytes, header_type: str | None) -> tuple[bytes, str]:
    """The invocation's answer to /runtime/init/error, and its error type."""
    try:
        document = json.loads(body or b"null")
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("errorType"), str):
        return body, document["errorType"]
    error_type = header_type or "Runtime.InitError"
    message = body.decode("utf-8", "replace") if document is None else (
        document.get("errorMessage", "") if isinstance(document, dict) else json.dumps(document))
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode(), error_type


# --- the pool ------------------------------------------------------------------------

_pools: dict[tuple[str, str, str, str], list[Environment]] = {}
_lock = threading.Lock()
_generation = 0  # stop_all's count: Events queued before it are dropped


def _check_capacity(fn: Any) -> None:
    """Refuse a synchronous invocation past a concurrency limit (caller holds _lock)."""
    region = fn.account_id, fn.region
    busy = [env for key, envs in _pools.items() if key[:2] == region for env in envs if env.busy]
    if fn.reserved_concurrency is not None:
        running = sum(1 for env in busy if env.key[2] == fn.function_name)
        if running >= int(fn.reserved_concurrency):
            raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
    elif sum(1 for env in busy if not env.reserved) >= settings.unreserved_concurrency(*region):
        raise Throttled("ConcurrentInvocationLimitExceeded")


def _acquire(fn: Any, throttle: bool) -> Environment:
    key, current = _key(fn), fingerprint(fn)
    stale, chosen = [], None
    with _lock:
        envs = _pools.setdefault(key, [])
        for env in list(envs):
            if env.dead or env.fingerprint != current:
                if env.busy:
                    env.retired = True
                else:
                    envs.remove(env)
                    stale.append(env)
        # Lambda counts concurrency per request, warm environment or not:
        # a reservation of 0 throttles a warm function too.
        if throttle:
            _check_capacity(fn)
        chosen = next((env for env in envs if not (env.busy or env.retired or env.dead)), None)
        if chosen is not None:
            chosen.busy = True
        else:
            chosen = Environment(fn)
            envs.append(chosen)
    for env in stale:
        env.stop()
    return chosen


def _release(env: Environment) -> None:
    with _lock:
        env.busy = False
        drop = env.retired or env.dead
        if drop and env in _pools.get(env.key, []):
            _pools[env.key].remove(env)
    if drop:
        env.stop()


def _run(fn: Any, invocation: Invocation, throttle: bool) -> Result:
    when = time.time()
    try:
        env = _acquire(fn, throttle)
    except Throttled:
        metrics.throttled(fn, invocation.function_arn, when)
        raise
    running, result = metrics.started(fn, invocation.function_arn, when), None
    try:
        if env.api is None:  # a new environment: start it outside the pool's lock
            env.start(fn)
        result = env.run(invocation)
        return result
    except BaseException:
        env.exited = True  # never reuse an environment in an unknown state
        raise
    finally:
        _release(env)
        metrics.finished(running, result)


def run_event(fn: Any, invocation: Invocation) -> Result:
    """One attempt of a queued Event (awslambda.events): runs it, or raises Throttled."""
    return _run(fn, invocation, True)


def generation() -> int:
    """stop_all's count: an Event queued before the last stop is dropped (awslambda.events)."""
    return _generation


def invoke(fn: Any, payload: bytes, invoked_arn: str,
           cognito_identity: dict[str, str] | None = None) -> Result:
    """Run one synchronous invocation of ``fn`` to its end.

    ``cognito_identity``: the caller's, for the runtime API's Lambda-Runtime-Cognito-Identity.
    """
    invocation = Invocation(payload, invoked_arn, float(fn.timeout), cognito_identity)
    return _run(fn, invocation, True)


def retire(account_id: str, region: str, function_name: str, version: str | None = None) -> None:
    """Drop a function's environments (of one ``version`` only, when given: "$LATEST", "3"):
    idle ones now, busy ones after their invocation."""
    stale = []
    with _lock:
        for key, envs in _pools.items():
            if key[:3] == (account_id, region, function_name) and version in (None, key[3]):
                for env in list(envs):
                    if env.busy:
                        env.retired = True
                    else:
                        envs.remove(env)
                        stale.append(env)
    for env in stale:
        env.stop()


def stop_all() -> None:
    """End every process (server stop, POST /moto-api/reset); queued Events are dropped."""
    global _generation
    _generation += 1
    metrics.reset()
    with _lock:
        envs = [env for group in _pools.values() for env in group]
        _pools.clear()
    for env in envs:
        env.stop()

