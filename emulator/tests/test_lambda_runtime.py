"""Tests of awslambda.runtime / awslambda.rapi: Invoke runs the function's code.

The function is handlers.BOOTSTRAP, a Python custom runtime, built for
the host's architecture. Run: .venv/bin/python -m pytest emulator -q
"""

import json
import re
import threading
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from handlers import BOOTSTRAP, function_zip
from server import ACCOUNT, REGION, clients, error_of, launched, stop, unique
from stacks import call, make_function, make_role, wait_logged

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def lam(endpoint):
    return clients(endpoint)("lambda")


@pytest.fixture(scope="module")
def role(endpoint):
    return make_role(clients(endpoint)("iam"))


def test_greeting(lam, role):
    name = make_function(lam, role)
    response, payload = call(lam, name, {"action": "greet", "name": "Ada"})
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert payload["greeting"] == "Hello, Ada!"
    assert UUID.fullmatch(response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])


def test_function_error_is_unhandled_with_the_posted_body(lam, role):
    name = make_function(lam, role)
    response, payload = call(lam, name, {"action": "fail", "message": "no name"})
    assert (response["StatusCode"], response["FunctionError"]) == (200, "Unhandled")
    assert payload == {"errorMessage": "no name", "errorType": "GreetingError", "stackTrace": []}


def test_timeout_kills_the_process(lam, role):
    name = make_function(lam, role, Timeout=1)
    first = call(lam, name)[1]["pid"]
    start = time.monotonic()
    response, payload = call(lam, name, {"action": "sleep", "seconds": 30})
    assert 1.0 <= time.monotonic() - start < 5
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert payload["errorMessage"] == f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"
    assert call(lam, name)[1]["pid"] != first  # a new process


@pytest.mark.parametrize("event, reason", [
    ({"action": "exit", "status": 3}, "Runtime exited with error: exit status 3"),
    ({"action": "exit", "status": 0}, "Runtime exited without providing a reason"),
    ({"action": "kill"}, "Runtime exited with error: signal: killed"),
])
def test_exit_during_invocation(lam, role, event, reason):
    name = make_function(lam, role)
    first = call(lam, name)[1]["pid"]
    response, payload = call(lam, name, event)
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    assert response["FunctionError"] == "Unhandled"
    assert payload == {"errorType": "Runtime.ExitError",
                       "errorMessage": f"RequestId: {request_id} Error: {reason}"}
    assert call(lam, name)[1]["pid"] != first


def test_warm_reuse_and_restarts_on_changes(lam, role):
    name = make_function(lam, role)
    pid = call(lam, name)[1]["pid"]
    assert call(lam, name)[1]["pid"] == pid  # warm

    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"MARK": "2"}})
    after_config = call(lam, name, {"action": "env"})[1]
    assert after_config["pid"] != pid and after_config["env"]["MARK"] == "2"

    lam.update_function_code(FunctionName=name, ZipFile=function_zip({
        "bootstrap": (BOOTSTRAP, 0o755), "extra.txt": ("x", 0o644)}))
    after_code = call(lam, name)[1]["pid"]
    assert after_code not in (pid, after_config["pid"])
    assert call(lam, name)[1]["pid"] == after_code


def test_concurrent_invocations_run_in_separate_environments(lam, role, endpoint, tmp_path):
    name = make_function(lam, role, Timeout=10)
    gate = str(tmp_path / "gate")
    waiting = []
    thread = threading.Thread(target=lambda: waiting.append(call(lam, name, {"action": "wait", "path": gate})))
    thread.start()
    try:
        wait_logged(clients(endpoint)("logs"), name, "waiting\n")
        # the second runs while the first waits for it: in an environment of its own
        releasing = call(lam, name, {"action": "release", "path": gate})[1]
    finally:
        open(gate, "w").close()
        thread.join()
    response, payload = waiting[0]
    assert "FunctionError" not in response, payload
    assert payload["pid"] != releasing["pid"]


def test_process_environment(lam, role):
    name = make_function(lam, role, MemorySize=256, Environment={"Variables": {"GREETING": "hi"}})
    payload = call(lam, name, {"action": "env"})[1]
    env, fn_arn = payload["env"], f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    assert env["GREETING"] == "hi"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == REGION
    assert env["_HANDLER"] == "bootstrap"
    assert (env["TZ"], env["LANG"], env["PATH"]) == (":UTC", "en_US.UTF-8", "/usr/local/bin:/usr/bin:/bin")
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert payload["cwd"] == env["LAMBDA_TASK_ROOT"]
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} <= set(env)
    assert "BACKEND_CTL_LEAK_MARKER" not in env  # set in the emulator's environment
    expected = {"GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
                "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_REGION",
                "AWS_DEFAULT_REGION", "_HANDLER", "LAMBDA_TASK_ROOT", "TZ", "LANG", "PATH",
                "AWS_LAMBDA_RUNTIME_API", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN"}
    assert set(env) - expected <= {"LC_CTYPE"}  # python3 may coerce the C locale (PEP 538)

    headers = payload["headers"]
    assert UUID.fullmatch(headers["Lambda-Runtime-Aws-Request-Id"])
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == fn_arn
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    deadline = int(headers["Lambda-Runtime-Deadline-Ms"]) / 1000
    assert abs(deadline - payload["received"] - 3) < 0.5  # the default 3 s timeout


def test_event_runs_in_the_background_and_dry_run_runs_nothing(lam, role, endpoint):
    name = make_function(lam, role)
    logs = clients(endpoint)("logs")
    dry = lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert (dry["StatusCode"], dry["Payload"].read()) == (204, b"")
    assert logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"] == []

    marker = unique("event-line")
    event = lam.invoke(FunctionName=name, InvocationType="Event",
                       Payload=json.dumps({"action": "print", "stdout": [marker]}))
    assert (event["StatusCode"], event["Payload"].read()) == (202, b"")
    wait_logged(logs, name, marker + "\n")


def test_names_arns_and_unknown_functions(lam, role):
    name = make_function(lam, role)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    assert call(lam, arn)[0]["StatusCode"] == 200
    response, payload = call(lam, name, {"action": "env"}, Qualifier="$LATEST")
    assert payload["headers"]["Lambda-Runtime-Invoked-Function-Arn"] == f"{arn}:$LATEST"
    missing = unique("missing")
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=missing, Payload=b"{}")
    assert error_of(excinfo) == (
        "ResourceNotFoundException", 404,
        f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{missing}")
    assert excinfo.value.response["Type"] == "User"


def test_payload_must_be_json(lam, role):
    name = make_function(lam, role)
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=b"{not json")
    code, status, message = error_of(excinfo)
    assert (code, status) == ("InvalidRequestContentException", 400)
    assert message.startswith("Could not parse request body into json: ")


def test_reserved_concurrency_zero_throttles(lam, role):
    name = make_function(lam, role)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert error_of(excinfo) == ("TooManyRequestsException", 429, "Rate Exceeded.")
    assert excinfo.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.delete_function_concurrency(FunctionName=name)
    assert call(lam, name)[0]["StatusCode"] == 200


def test_reserved_concurrency_zero_throttles_a_warm_function_too(lam, role):
    name = make_function(lam, role)
    assert call(lam, name)[0]["StatusCode"] == 200  # warm: an idle environment is kept
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert error_of(excinfo) == ("TooManyRequestsException", 429, "Rate Exceeded.")
    assert excinfo.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert call(lam, name)[0]["StatusCode"] == 200


@pytest.mark.parametrize("variables, error_type", [
    ({"INIT_ERROR": "bad config", "INIT_ERROR_TYPE": "Runtime.ConfigError"}, "Runtime.ConfigError"),
    ({"INIT_ERROR": "bad config"}, "Runtime.InitError"),
])
def test_init_error(lam, role, variables, error_type):
    name = make_function(lam, role, Environment={"Variables": variables})
    response, payload = call(lam, name)
    assert response["FunctionError"] == "Unhandled"
    assert payload == {"errorMessage": "bad config", "errorType": error_type}


def test_exit_during_init(lam, role):
    name = make_function(lam, role, Environment={"Variables": {"INIT_EXIT": "2"}})
    response, payload = call(lam, name)
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Error: Runtime exited with error: exit status 2")


def test_bootstrap_must_be_executable(lam, role):
    name = make_function(lam, role, code=function_zip({"bootstrap": ("#!/bin/sh\n", 0o644)}))
    response, payload = call(lam, name)
    assert (response["FunctionError"], payload["errorType"]) == ("Unhandled", "Runtime.InvalidEntrypoint")
    assert re.fullmatch(r"RequestId: \S+ Error: fork/exec /\S+/bootstrap: permission denied",
                        payload["errorMessage"])


def test_runtime_api_refuses_bad_calls(lam, role):
    name = make_function(lam, role)
    payload = call(lam, name, {"action": "probe"})[1]  # its answer came chunked
    assert payload["unknown_id"] == [400, {"errorMessage": "Invalid request ID",
                                           "errorType": "InvalidRequestID"}]
    status, body = payload["init_error"]
    assert (status, body["errorType"]) == (403, "InvalidStateTransition")
    assert body["errorMessage"] == ("State transition from Ready to InitError failed for runtime. "
                                    "Error: State transition is not allowed")


def test_reset_and_server_exit_stop_every_process():
    proc, url = launched()
    make = clients(url)
    lam = make("lambda")
    role = make_role(make("iam"))
    pids = [call(lam, make_function(lam, role))[1]["pid"] for _ in range(2)]
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    assert urllib.request.urlopen(request, timeout=5).status == 200
    assert not any(_alive(pid) for pid in pids)

    role = make_role(make("iam"))
    pid = call(lam, make_function(lam, role))[1]["pid"]
    assert _alive(pid)
    stop(proc)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read()
    except FileNotFoundError:
        return False
