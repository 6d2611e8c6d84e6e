"""Stacks for the Lambda tests: an execution role, a function of a handler zip, its calls and logs."""

import json
import time

from handlers import HOST_ARCH, function_zip
from server import unique

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


def make_role(iam, name: str | None = None) -> str:
    return iam.create_role(RoleName=name or unique("role"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def make_function(lam, role_arn: str, name: str | None = None, code: bytes | None = None,
                  **kwargs) -> str:
    name = name or unique("fn")
    kwargs.setdefault("Architectures", [HOST_ARCH])
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
                        Role=role_arn, Code={"ZipFile": code or function_zip()}, **kwargs)
    return name


def call(lam, name: str, event: dict | None = None, **kwargs) -> tuple[dict, dict | bytes]:
    """Invoke; the response and its payload (JSON when it parses)."""
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}), **kwargs)
    raw = response["Payload"].read()
    try:
        return response, json.loads(raw)
    except ValueError:
        return response, raw


def logged(logs, name: str, message: str) -> bool:
    """Whether the function's log group holds an event ``message``."""
    group = f"/aws/lambda/{name}"
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        return False
    return message in [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]


def wait_logged(logs, name: str, message: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not logged(logs, name, message):
        assert time.monotonic() < deadline, f"{message!r} never reached the logs of {name}"
        time.sleep(0.02)
