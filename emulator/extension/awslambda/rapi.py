"""The Lambda Runtime API (2018-06-01) of one execution environment.

awslambda.runtime starts one ``RuntimeApi`` per execution environment, on
127.0.0.1 and a free port (the process finds it in AWS_LAMBDA_RUNTIME_API),
and hands it invocations one at a time. It serves, as Lambda's runtime API
reference and aws-lambda-runtime-interface-emulator (RIE) do:

* ``GET  /2018-06-01/runtime/invocation/next`` -- a long poll: 200, the event
  as body, headers Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms,
  Lambda-Runtime-Invoked-Function-Arn, Lambda-Runtime-Trace-Id, and, when
  the invocation was signed with Cognito credentials,
  Lambda-Runtime-Cognito-Identity ``{"cognitoIdentityId": ..., "cognitoIdentityPoolId": ...}``
  (the keys AWS's runtime clients read; the Rust lambda_runtime crate
  accepts them as aliases of its ``identityId`` / ``identityPoolId``);
* ``POST /2018-06-01/runtime/invocation/{id}/response`` and ``.../{id}/error``
  (error type in the Lambda-Runtime-Function-Error-Type header) -- 202
  ``{"status": "OK"}``; an id that is not the invocation in flight -> 400
  ``{"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}``;
  a response larger than 6291556 bytes -> 413 (RequestEntityTooLarge) and the
  invocation ends with Function.ResponseSizeTooLarge;
* ``POST /2018-06-01/runtime/init/error`` -- only before the first ``next``.

A call the runtime's state does not allow (RIE's state machine: Started ->
Ready -> InvocationResponse / InvocationErrorResponse ->
RuntimeResponseSentState -> Ready; InitError is final) answers 403
InvalidStateTransition "State transition from <state> to <state> failed for
runtime. Error: State transition is not allowed".
"""

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

PREFIX = "/2018-06-01/runtime"
MAX_PAYLOAD = 6 * 1024 * 1024 + 100  # RIE's interop.MaxPayloadSize
TOO_LARGE = {
    "errorMessage": f"Response payload size exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes).",
    "errorType": "Function.ResponseSizeTooLarge",
}
STARTED, READY, INIT_ERROR = "Started", "Ready", "InitError"
RESPONSE, ERROR_RESPONSE = "InvocationResponse", "InvocationErrorResponse"
RESPONSE_SENT = "RuntimeResponseSentState"
_ANSWER = re.compile(rf"{PREFIX}/invocation/([^/]+)/(response|error)")


class Invocation:
    """One invocation: the event in, and what the runtime answered (``outcome``)."""

    def __init__(self, payload: bytes, function_arn: str, timeout: float,
                 cognito_identity: dict[str, str] | None = None):
        self.request_id = str(uuid.uuid4())
        self.payload = payload
        self.function_arn = function_arn
        self.timeout = timeout
        self.cognito_identity = cognito_identity  # the caller's, when Cognito credentials signed
        self.trace_id = (f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};"
                         f"Parent={uuid.uuid4().hex[:16]};Sampled=0")
        self.delivered_at: float | None = None  # monotonic clock
        self.deadline_ms = 0
        self.start_logged = False
        self.outcome: tuple[str, bytes, str | None] | None = None  # kind, body, error type
        self.answered_at: float | None = None

    def deliver(self) -> None:
        self.delivered_at = time.monotonic()
        self.deadline_ms = int((time.time() + self.timeout) * 1000)


class RuntimeApi:
    """The runtime API server of one environment, and the invocation hand-over."""

    def __init__(self, on_deliver: Callable[[Invocation], None]):
        self.cond = threading.Condition()
        self.state = STARTED
        self.pending: Invocation | None = None  # waiting for the runtime's next
        self.current: Invocation | None = None  # delivered, not answered yet
        self.init_error: tuple[bytes, str | None] | None = None
        self.ready_at: float | None = None  # the first next: the end of init
        self.closed = False
        self._on_deliver = on_deliver
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def submit(self, invocation: Invocation) -> None:
        with self.cond:
            self.pending = invocation
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None) -> Any:
        with self.cond:
            return self.cond.wait_for(predicate, None if timeout is None else max(timeout, 0))

    def wake(self) -> None:
        with self.cond:
            self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # --- the runtime's side ----------------------------------------------------

    def next(self) -> Invocation | tuple[int, dict] | None:
        with self.cond:
            if self.state == INIT_ERROR:
                return 403, _transition(self.state, READY)
            if self.ready_at is None:
                self.ready_at = time.monotonic()
            self.state = READY
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.pending is not None or self.closed)
            if self.closed:
                return None
            invocation, self.pending = self.pending, None
            self.current = invocation
            invocation.deliver()
            self._on_deliver(invocation)
            self.cond.notify_all()
            return invocation

    def answer(self, request_id: str, kind: str, body: bytes, error_type: str | None) -> tuple[int, dict]:
        target = RESPONSE if kind == "response" else ERROR_RESPONSE
        with self.cond:
            if self.state != READY:
                return 403, _transition(self.state, target)
            invocation = self.current
            if invocation is None or invocation.request_id != request_id:
                return 400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            status, reply = 202, {"status": "OK"}
            if len(body) > MAX_PAYLOAD:
                kind, body, error_type = "error", json.dumps(TOO_LARGE).encode(), TOO_LARGE["errorType"]
                status, reply = 413, {
                    "errorMessage": f"Exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes).",
                    "errorType": "RequestEntityTooLarge",
                }
            invocation.outcome = (kind, body, error_type)
            invocation.answered_at = time.monotonic()
            self.current, self.state = None, RESPONSE_SENT
            self.cond.notify_all()
            return status, reply

    def fail_init(self, body: bytes, error_type: str | None) -> tuple[int, dict]:
        with self.cond:
            if self.state != STARTED:
                return 403, _transition(self.state, INIT_ERROR)
            self.state, self.init_error = INIT_ERROR, (body, error_type)
            self.cond.notify_all()
            return 202, {"status": "OK"}


def _transition(source: str, target: str) -> dict:
    return {
        "errorType": "InvalidStateTransition",
        "errorMessage": f"State transition from {source} to {target} failed for runtime. "
                        "Error: State transition is not allowed",
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: RuntimeApi


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the emulator's stderr is not the function's log

    def do_GET(self) -> None:
        if self.path.split("?")[0] != f"{PREFIX}/invocation/next":
            return self._send(404, b"404 page not found\n", "text/plain; charset=utf-8")
        result = self.server.api.next()
        if result is None:  # the environment stopped
            self.close_connection = True
            return None
        if isinstance(result, tuple):
            return self._json(*result)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": result.request_id,
            "Lambda-Runtime-Deadline-Ms": str(result.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": result.function_arn,
            "Lambda-Runtime-Trace-Id": result.trace_id,
        }
        if result.cognito_identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(
                result.cognito_identity, separators=(",", ":"))
        return self._send(200, result.payload, "application/json", headers)

    def do_POST(self) -> None:
        body = self._body()
        path = self.path.split("?")[0]
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        api = self.server.api
        if path == f"{PREFIX}/init/error":
            return self._json(*api.fail_init(body, error_type))
        match = _ANSWER.fullmatch(path)
        if not match:
            return self._send(404, b"404 page not found\n", "text/plain; charset=utf-8")
        return self._json(*api.answer(match[1], match[2], body, error_type))

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _json(self, status: int, body: dict) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True  # the runtime went away
