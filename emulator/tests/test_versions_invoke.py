"""Tests of what an Invoke of a qualifier runs (awslambda.aliases.resolve, awslambda.runtime).

A version or an alias runs that version's own code and configuration, in
environments of its own, logs under its number, routes by its weights,
shares the function's reserved concurrency, and is authorized against its
qualified ARN. Functions run handlers.BOOTSTRAP.
Run: .venv/bin/python -m pytest emulator -q
"""

import base64
import json
import os
import re
import threading
from collections import Counter

import pytest
from botocore.exceptions import ClientError

from apps import allow, app_credentials, app_lambda, app_stack, denied, policy
from handlers import BOOTSTRAP, FOREIGN_ARCH, function_zip
from server import ACCOUNT, REGION, error_of
from stacks import call, make_function, wait_logged

MARKED_ZIP = function_zip({"bootstrap": (BOOTSTRAP, 0o755), "marker.txt": ("v2", 0o644)})


@pytest.fixture
def released(lam, role):
    """Version 1 (V=1, 128 MB, 3 s), version 2 (V=2, 256 MB, 5 s, marked code), $LATEST
    (V=3, 512 MB, 7 s, marked code); alias live -> 1."""
    name = make_function(lam, role, MemorySize=128, Timeout=3, Environment={"Variables": {"MARK": "1"}})
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=MARKED_ZIP)
    lam.update_function_configuration(FunctionName=name, MemorySize=256, Timeout=5,
                                      Environment={"Variables": {"MARK": "2"}})
    lam.publish_version(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, MemorySize=512, Timeout=7,
                                      Environment={"Variables": {"MARK": "3"}})
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return name


def arn(name: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def refused(request) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        request()
    return error_of(excinfo)


@pytest.mark.parametrize("target, qualifier, expected", [
    ("{name}", None, ("$LATEST", "3", 512, 7, True, None)),
    ("{name}", "$LATEST", ("$LATEST", "3", 512, 7, True, "$LATEST")),
    ("{name}", "1", ("1", "1", 128, 3, False, "1")),
    ("{name}:2", None, ("2", "2", 256, 5, True, "2")),
    ("{arn}:1", None, ("1", "1", 128, 3, False, "1")),
    ("{name}", "live", ("1", "1", 128, 3, False, "live")),
    ("{arn}:live", None, ("1", "1", 128, 3, False, "live")),
])
def test_a_qualifier_runs_that_versions_code_and_configuration(lam, released, target, qualifier,
                                                               expected):
    version, value, memory, timeout, marked, invoked = expected
    extra = {"Qualifier": qualifier} if qualifier else {}
    response, payload = call(lam, target.format(name=released, arn=arn(released)),
                             {"action": "env"}, **extra)
    env, headers = payload["env"], payload["headers"]
    assert "FunctionError" not in response, payload
    assert response["ExecutedVersion"] == version
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == version
    assert env["MARK"] == value
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == str(memory)
    deadline = int(headers["Lambda-Runtime-Deadline-Ms"]) / 1000
    assert abs(deadline - payload["received"] - timeout) < 0.5
    assert os.path.exists(os.path.join(payload["cwd"], "marker.txt")) == marked
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == arn(released, invoked)
    stream = re.escape(f"[{version}]")
    assert re.fullmatch(rf"\d{{4}}/\d\d/\d\d/{stream}[0-9a-f]{{32}}",
                        env["AWS_LAMBDA_LOG_STREAM_NAME"])


def test_each_version_has_environments_of_its_own(lam, released):
    pids = {q: call(lam, released, Qualifier=q)[1]["pid"] for q in ("1", "2", "$LATEST")}
    assert len(set(pids.values())) == 3
    assert call(lam, released, Qualifier="live")[1]["pid"] == pids["1"]  # the alias's version
    assert call(lam, released, Qualifier="2")[1]["pid"] == pids["2"]  # warm
    assert call(lam, released)[1]["pid"] == pids["$LATEST"]


def test_a_version_runs_on_its_own_architecture(lam, role):
    name = make_function(lam, role)
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=function_zip(), Architectures=[FOREIGN_ARCH])
    response, payload = call(lam, name, Qualifier="1")  # the Python bootstrap, on the host
    assert ("FunctionError" not in response, response["ExecutedVersion"]) == (True, "1"), payload
    assert "FunctionError" in call(lam, name)[0]  # $LATEST: the script is no foreign program


def test_lambdas_log_lines_name_the_version(lam, make, released):
    logs = make("logs")
    response = lam.invoke(FunctionName=released, Qualifier="live", LogType="Tail",
                          Payload=json.dumps({"action": "print", "stdout": ["from v1"]}))
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"START RequestId: {request_id} Version: 1\n" in tail
    wait_logged(logs, released, f"START RequestId: {request_id} Version: 1\n")
    group = f"/aws/lambda/{released}"
    streams = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]]
    ones = [s for s in streams if re.fullmatch(r"\d{4}/\d\d/\d\d/\[1\][0-9a-f]{32}", s)]
    assert len(ones) == 1
    events = logs.get_log_events(logGroupName=group, logStreamName=ones[0])["events"]
    assert "from v1\n" in [e["message"] for e in events]
    latest = lam.invoke(FunctionName=released, LogType="Tail", Payload=b"{}")
    assert "Version: $LATEST\n" in base64.b64decode(latest["LogResult"]).decode()


def test_a_weighted_alias_routes_each_invocation_by_its_weight(lam, released):
    lam.create_alias(FunctionName=released, Name="canary", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    pids = {q: call(lam, released, Qualifier=q)[1]["pid"] for q in ("1", "2")}

    def run(times: int) -> Counter:
        seen: Counter = Counter()
        for _ in range(times):
            response, payload = call(lam, released, Qualifier="canary")
            executed = response["ExecutedVersion"]
            assert payload["pid"] == pids[executed]  # the header names the version that ran
            seen[executed] += 1
        return seen

    half = run(200)
    assert set(half) == {"1", "2"}
    assert 60 <= half["2"] <= 140  # 0.5 of 200: ~6 standard deviations either side
    lam.update_alias(FunctionName=released, Name="canary",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.0}})
    assert run(100) == Counter({"1": 100})
    lam.update_alias(FunctionName=released, Name="canary",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    assert run(50) == Counter({"2": 50})


def test_reserved_concurrency_is_the_functions_across_versions(lam, make, released, tmp_path):
    lam.put_function_concurrency(FunctionName=released, ReservedConcurrentExecutions=1)
    config = lam.get_function(FunctionName=released, Qualifier="2")
    assert config["Concurrency"] == {"ReservedConcurrentExecutions": 1}
    gate = str(tmp_path / "gate")
    waiting = []
    thread = threading.Thread(target=lambda: waiting.append(
        call(lam, released, {"action": "wait", "path": gate}, Qualifier="1")))
    thread.start()
    try:
        wait_logged(make("logs"), released, "waiting\n")
        for qualifier in ("$LATEST", "2", "live"):
            with pytest.raises(ClientError) as excinfo:
                lam.invoke(FunctionName=released, Qualifier=qualifier, Payload=b"{}")
            assert error_of(excinfo) == ("TooManyRequestsException", 429, "Rate Exceeded.")
            assert excinfo.value.response["Reason"] == \
                "ReservedFunctionConcurrentInvocationLimitExceeded"
    finally:
        open(gate, "w").close()
        thread.join()
    assert waiting[0][0]["ExecutedVersion"] == "1"
    assert call(lam, released, Qualifier="2")[0]["StatusCode"] == 200
    lam.put_function_concurrency(FunctionName=released, ReservedConcurrentExecutions=0)
    assert refused(lambda: lam.invoke(FunctionName=released, Qualifier="live"))[:2] == (
        "TooManyRequestsException", 429)
    lam.delete_function_concurrency(FunctionName=released)
    assert "Concurrency" not in lam.get_function(FunctionName=released, Qualifier="1")
    assert call(lam, released, Qualifier="live")[0]["StatusCode"] == 200


def test_unknown_and_contradicting_qualifiers(lam, released):
    assert refused(lambda: lam.invoke(FunctionName=f"{released}:1", Qualifier="2")) == (
        "InvalidParameterValueException", 400,
        "The derived qualifier from the function name does not match the specified qualifier.")
    for qualifier in ("9", "nope"):
        assert refused(lambda: lam.invoke(FunctionName=released, Qualifier=qualifier)) == (
            "ResourceNotFoundException", 404, f"Function not found: {arn(released, qualifier)}")
    assert call(lam, f"{released}:2", Qualifier="2")[0]["ExecutedVersion"] == "2"


def test_the_apps_role_may_invoke_only_the_alias_it_is_allowed(make, role, endpoint):
    """Allowed on ``function:NAME:live`` only: as AWS, the qualified ARN is its own resource
    (aws/aws-cdk#19273), so neither the bare function nor another qualifier is allowed."""
    stack = app_stack(make, role)
    deployer = make("lambda")
    deployer.publish_version(FunctionName=stack.function)
    deployer.update_function_configuration(FunctionName=stack.function, Timeout=4)
    deployer.publish_version(FunctionName=stack.function)
    deployer.create_alias(FunctionName=stack.function, Name="live", FunctionVersion="2")
    live = f"{stack.function_arn}:live"
    make("iam").put_role_policy(RoleName=stack.role_name, PolicyName="invoke",
                                PolicyDocument=policy(allow(live)))
    lam = app_lambda(endpoint, app_credentials(endpoint, stack.pool_id))
    for target, extra in ((stack.function, {"Qualifier": "live"}), (f"{stack.function}:live", {}),
                          (live, {})):
        response, payload = call(lam, target, {"action": "env"}, **extra)
        assert (response["StatusCode"], response["ExecutedVersion"]) == (200, "2")
        assert payload["headers"]["Lambda-Runtime-Invoked-Function-Arn"] == live
    for qualifier, resource in ((None, stack.function_arn),
                                ("$LATEST", f"{stack.function_arn}:$LATEST"),
                                ("1", f"{stack.function_arn}:1")):
        extra = {"Qualifier": qualifier} if qualifier else {}
        assert refused(lambda: lam.invoke(FunctionName=stack.function, **extra)) == (
            "AccessDeniedException", 403, denied(stack.role_name, resource))
