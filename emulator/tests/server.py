"""The emulator's server for tests: launch it, stop it, and clients of it.

``spawn_launcher`` starts ``launch.py`` as a real server process (its first
line is its URL); ``launched`` does so with extra environment; ``clients``
makes boto3 clients that send each request once; ``error_of`` reads a
ClientError as (code, HTTP status, message).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

LAUNCH = Path(__file__).resolve().parent.parent / "launch.py"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def spawn_launcher(*args: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, **DUMMY_ENV}
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCH), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("http://127.0.0.1:"), f"unexpected first line {line!r}"
    return proc, line


def launched(**env: str):
    """A module-scoped fixture body: a launched server (extra environment ``env``)."""
    os.environ.update(DUMMY_ENV)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        proc, url = spawn_launcher()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return proc, url


def stop(proc) -> None:
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0


def unique(prefix: str = "pool") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# Lambda's calls after which a function is Pending or InProgress for a while.
CHANGES = ("CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration")


def settle(client, name: str, timeout: float = 15.0) -> dict:
    """Wait until function ``name`` is neither Pending nor InProgress, as a caller on
    AWS must before its next change; its configuration then."""
    deadline = time.monotonic() + timeout
    while True:
        config = client.get_function_configuration(FunctionName=name)
        if config.get("State") != "Pending" and config.get("LastUpdateStatus") != "InProgress":
            return config
        assert time.monotonic() < deadline, f"{name} still busy: {config.get('State')}, " \
            f"{config.get('LastUpdateStatus')}"
        time.sleep(0.05)


def settling(client) -> None:
    """Make a Lambda client wait out the states its own changes begin."""
    def remember(params, context, **_):
        context["settle"] = params.get("FunctionName")

    def wait(http_response, context, **_):
        if http_response.status_code < 300 and context.get("settle"):
            settle(client, context["settle"])

    for operation in CHANGES:
        client.meta.events.register(f"before-parameter-build.lambda.{operation}", remember)
        client.meta.events.register(f"after-call.lambda.{operation}", wait)


def clients(url: str, account: str | None = None, region: str = REGION):
    """A factory of boto3 clients for ``url``, in ``account`` (x-moto-account-id). A
    Lambda client waits out the Pending and InProgress states its changes begin
    (``settle=False``: it does not, for the tests of those states)."""
    def make(service: str, settle: bool = True, **config):
        client = boto3.client(service, endpoint_url=url, region_name=region,
                              config=Config(retries={"max_attempts": 1}, **config))
        if account:
            def add_header(request, **_):
                request.headers["x-moto-account-id"] = account
            client.meta.events.register("before-sign.*.*", add_header)
        if service == "lambda" and settle:
            settling(client)
        return client
    return make


def error_of(excinfo: pytest.ExceptionInfo) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"]["Message"])
