"""Tests of front.switches: scoped Lambda states and IAM propagation.

Each test switches behaviours on for its own name prefix (a unique scope), so
the tests stay independent on one server. Delays are 0.5-1.0 s.

Run: .venv/bin/python -m pytest emulator -q
"""

import io
import json
import time
import urllib.error
import urllib.request
import zipfile

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError

import os

from server import DUMMY_ENV, REGION, settle, spawn_launcher, unique

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."
KMS_GRANT = ("Lambda was unable to configure access to your environment variables because the KMS "
             "key is invalid for CreateGrant. Please check your KMS key settings. KMS Exception: "
             "InvalidArnException KMS Message: ARN does not refer to a valid principal: {}")
BUSY = "The operation cannot be performed at this time."
FAST_WAITER = {"Delay": 0.1, "MaxAttempts": 40}


@pytest.fixture(scope="module")
def endpoint():
    os.environ.update(DUMMY_ENV)
    proc, url = spawn_launcher()
    yield url
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0


@pytest.fixture(scope="module")
def iam(endpoint):
    return boto3.client("iam", endpoint_url=endpoint, region_name=REGION)


@pytest.fixture(scope="module")
def lam(endpoint):
    # No SDK retries: a 409 must reach the test, not be retried away.
    return boto3.client("lambda", endpoint_url=endpoint, region_name=REGION,
                        config=Config(retries={"max_attempts": 1}))


def call(endpoint: str, method: str, body: dict | None = None, query: str = "") -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{endpoint}/backend-ctl/switches{query}", data=data, method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def switch(endpoint: str, scope: str, **settings) -> None:
    assert call(endpoint, "POST", {"scope": scope, **settings})[0] == 200


def zip_bytes(text: str = "v1") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", f"#!/bin/sh\necho {text}\n")
    return buffer.getvalue()


def make_role(iam, name: str) -> str:
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def make_function(lam, name: str, role_arn: str, **kwargs) -> dict:
    return lam.create_function(
        FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
        Role=role_arn, Code={"ZipFile": zip_bytes()}, **kwargs,
    )


def config_of(lam, name: str) -> dict:
    return lam.get_function(FunctionName=name)["Configuration"]


def wait_until(predicate, timeout: float = 5.0) -> float:
    """Poll ``predicate`` every 50 ms; the seconds it took to become true."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - start


def error_of(excinfo) -> tuple[str, int, str]:
    response = excinfo.value.response
    return (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"]["Message"])


@pytest.fixture
def scope(endpoint):
    """A fresh name prefix for one test's resources; its switches go with it."""
    prefix = unique("sw") + "-"
    yield prefix
    call(endpoint, "DELETE", query=f"?scope={prefix}")


@pytest.fixture(scope="module")
def plain_role(iam):
    return make_role(iam, unique("plain-role"))


# --- the endpoint ------------------------------------------------------------------


def test_endpoint_contract(endpoint):
    a, b = unique("a") + "-", unique("b") + "-"
    assert call(endpoint, "POST", {"scope": a, "lambda_pending_seconds": 2})[0] == 200
    status, listed = call(endpoint, "POST", {"scope": b, "iam_propagation_seconds": 3.5,
                                             "lambda_fail_reason": "boom"})
    assert status == 200
    assert listed["scopes"][a] == {
        "lambda_pending_seconds": 2.0, "lambda_update_seconds": 0.0,
        "iam_propagation_seconds": 0.0, "lambda_fail_reason": None,
        "identity_pool_list_lag_seconds": 0.0, "iam_delete_conflict": None,
        "iam_concurrent_modification": None, "logs_operation_aborted": None,
        "lambda_event_retry_seconds": 0.0, "sqs_metrics_seconds": 0.0,
        "sqs_deleted_recently_seconds": 0.0,
    }
    assert listed["scopes"][b]["iam_propagation_seconds"] == 3.5
    assert call(endpoint, "GET")[1] == listed

    for bad in ({}, {"scope": 1}, {"scope": a, "lambda_pending_seconds": -1},
                {"scope": a, "lambda_pending_seconds": "2"}, {"scope": a, "typo": 1}):
        status, body = call(endpoint, "POST", bad)
        assert status == 400 and body["message"]
    assert call(endpoint, "GET")[1] == listed  # a bad POST changes nothing

    status, listed = call(endpoint, "DELETE", query=f"?scope={a}")
    assert status == 200 and a not in listed["scopes"] and b in listed["scopes"]
    assert call(endpoint, "DELETE") == (200, {"scopes": {}})


# --- Lambda states -------------------------------------------------------------------


def test_pending_then_active(endpoint, lam, scope, plain_role):
    switch(endpoint, scope, lambda_pending_seconds=1.0)
    name = scope + "fn"
    start = time.monotonic()
    created = make_function(lam, name, plain_role)
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    assert created["StateReason"] == "The function is being created."
    assert config_of(lam, name)["State"] == "Pending"
    configuration = lam.get_function_configuration(FunctionName=name)
    assert configuration["State"] == "Pending"
    assert "LastUpdateStatus" not in configuration  # set once creation completes

    for update in (
        lambda: lam.update_function_configuration(FunctionName=name, Timeout=9),
        lambda: lam.update_function_code(FunctionName=name, ZipFile=zip_bytes("v2")),
    ):
        with pytest.raises(ClientError) as excinfo:
            update()
        assert error_of(excinfo) == (
            "ResourceConflictException", 409,
            f"{BUSY} The function is currently in the following state: Pending",
        )
        headers = excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]
        assert headers["x-amzn-errortype"] == "ResourceConflictException"
        assert excinfo.value.response["Type"] == "User"

    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=FAST_WAITER)
    assert time.monotonic() - start >= 0.9
    active = config_of(lam, name)
    assert (active["State"], active["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReason" not in active
    assert lam.update_function_configuration(FunctionName=name, Timeout=9)["Timeout"] == 9


def test_update_in_progress_then_successful(endpoint, lam, scope, plain_role):
    switch(endpoint, scope, lambda_update_seconds=1.0)
    name = scope + "fn"
    function_arn = make_function(lam, name, plain_role)["FunctionArn"]
    assert config_of(lam, name)["State"] == "Active"  # no pending delay in this scope

    start = time.monotonic()
    updated = lam.update_function_configuration(FunctionName=name, Timeout=7)
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["LastUpdateStatusReason"] == "The function is being updated."
    assert config_of(lam, name)["LastUpdateStatus"] == "InProgress"
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_code(FunctionName=name, ZipFile=zip_bytes("v2"))
    assert error_of(excinfo) == (
        "ResourceConflictException", 409,
        f"{BUSY} An update is in progress for resource: {function_arn}",
    )

    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=FAST_WAITER)
    assert time.monotonic() - start >= 0.9
    done = config_of(lam, name)
    assert (done["LastUpdateStatus"], done["Timeout"]) == ("Successful", 7)
    assert "LastUpdateStatusReason" not in done

    code = lam.update_function_code(FunctionName=name, ZipFile=zip_bytes("v2"))
    assert code["LastUpdateStatus"] == "InProgress"  # UpdateFunctionCode starts one too


def test_failed_transitions(endpoint, lam, scope, plain_role):
    creating, updating = scope + "create-", scope + "update-"
    switch(endpoint, creating, lambda_pending_seconds=0.5, lambda_fail_reason="no ENI")
    switch(endpoint, updating, lambda_update_seconds=0.5, lambda_fail_reason="bad zip")

    make_function(lam, creating + "fn", plain_role)
    with pytest.raises(WaiterError) as excinfo:
        lam.get_waiter("function_active_v2").wait(
            FunctionName=creating + "fn", WaiterConfig=FAST_WAITER)
    assert "terminal failure" in str(excinfo.value)
    failed = config_of(lam, creating + "fn")
    assert (failed["State"], failed["StateReason"]) == ("Failed", "no ENI")

    assert make_function(lam, updating + "fn", plain_role)["State"] == "Active"
    lam.update_function_code(FunctionName=updating + "fn", ZipFile=zip_bytes("v2"))
    with pytest.raises(WaiterError):
        lam.get_waiter("function_updated_v2").wait(
            FunctionName=updating + "fn", WaiterConfig=FAST_WAITER)
    failed = config_of(lam, updating + "fn")
    assert (failed["LastUpdateStatus"], failed["LastUpdateStatusReason"]) == ("Failed", "bad zip")
    assert failed["State"] == "Active"
    call(endpoint, "DELETE", query=f"?scope={creating}")
    call(endpoint, "DELETE", query=f"?scope={updating}")


# --- IAM propagation -------------------------------------------------------------------


def test_iam_propagation_window(endpoint, iam, lam, scope):
    switch(endpoint, scope, iam_propagation_seconds=1.0)
    role_name, name = scope + "role", scope + "fn"
    start = time.monotonic()
    role_arn = make_role(iam, role_name)
    with pytest.raises(ClientError) as excinfo:
        make_function(lam, name, role_arn)
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, NOT_ASSUMABLE)

    def created() -> bool:
        try:
            return bool(make_function(lam, name, role_arn))
        except ClientError as err:
            assert err.response["Error"]["Code"] == "InvalidParameterValueException"
            return False

    wait_until(created)
    assert time.monotonic() - start >= 0.9

    start = time.monotonic()
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=TRUST)
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_configuration(FunctionName=name, Role=role_arn)
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, NOT_ASSUMABLE)
    lam.update_function_configuration(FunctionName=name, Timeout=5)  # no Role: not affected

    def updated() -> bool:
        try:
            return bool(lam.update_function_configuration(FunctionName=name, Role=role_arn))
        except ClientError:
            return False

    wait_until(updated)
    assert time.monotonic() - start >= 0.9


def test_iam_propagation_with_environment_variables_fails_the_kms_grant(endpoint, iam, lam, scope):
    switch(endpoint, scope, iam_propagation_seconds=5.0)
    role_arn = make_role(iam, scope + "role")
    variables = {"Variables": {"STAGE": "dev"}}
    with pytest.raises(ClientError) as excinfo:
        make_function(lam, scope + "fn", role_arn, Environment=variables)
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, KMS_GRANT.format(role_arn))
    with pytest.raises(ClientError) as excinfo:
        make_function(lam, scope + "fn", role_arn, Environment={"Variables": {}})
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, NOT_ASSUMABLE)

    make_function(lam, scope + "fn", make_role(iam, unique("settled")), Environment=variables)
    with pytest.raises(ClientError) as excinfo:  # the function keeps its variables
        lam.update_function_configuration(FunctionName=scope + "fn", Role=role_arn)
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, KMS_GRANT.format(role_arn))
    with pytest.raises(ClientError) as excinfo:  # ... unless the update drops them
        lam.update_function_configuration(FunctionName=scope + "fn", Role=role_arn,
                                          Environment={"Variables": {}})
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, NOT_ASSUMABLE)


def test_identity_pool_list_lag(endpoint, scope):
    cognito = boto3.client("cognito-identity", endpoint_url=endpoint, region_name=REGION)
    switch(endpoint, scope + "slow-", identity_pool_list_lag_seconds=300)
    switch(endpoint, scope + "quick-", identity_pool_list_lag_seconds=0.5)

    def create(name: str) -> str:
        return cognito.create_identity_pool(IdentityPoolName=name,
                                            AllowUnauthenticatedIdentities=True)["IdentityPoolId"]

    def listed() -> set[str]:
        pools, token = set(), None
        while True:
            page = cognito.list_identity_pools(MaxResults=60, **({"NextToken": token} if token else {}))
            pools |= {p["IdentityPoolId"] for p in page["IdentityPools"]}
            token = page.get("NextToken")
            if not token:
                return pools

    slow, prompt = create(scope + "slow-pool"), create(unique("prompt"))
    assert cognito.describe_identity_pool(IdentityPoolId=slow)["IdentityPoolName"] == scope + "slow-pool"
    pools = listed()
    assert prompt in pools and slow not in pools

    start = time.monotonic()
    quick = create(scope + "quick-pool")
    wait_until(lambda: quick in listed())
    assert time.monotonic() - start >= 0.5  # hidden for its scope's lag, then listed
    call(endpoint, "DELETE", query=f"?scope={scope}slow-")
    call(endpoint, "DELETE", query=f"?scope={scope}quick-")


# --- scoping -------------------------------------------------------------------------


def test_scope_isolation(endpoint, iam, lam, scope):
    everything = dict(lambda_pending_seconds=5, lambda_update_seconds=5, iam_propagation_seconds=5)
    switch(endpoint, scope, **everything)
    switch(endpoint, scope + "quiet-")  # longer scope, all off: wins for its names
    quiet = scope + "quiet-"
    created = make_function(lam, quiet + "fn", make_role(iam, quiet + "role"))
    assert created["State"] == "Active"
    lam.update_function_configuration(FunctionName=quiet + "fn", Timeout=5)
    again = lam.update_function_configuration(FunctionName=quiet + "fn", Timeout=6)
    assert again["LastUpdateStatus"] == "Successful"
    # A name no scope covers: the default states (STATE_SECONDS, 0.1 s), not the scope's 5 s.
    other = unique("other") + "-"
    assert make_function(lam, other + "fn", make_role(iam, other + "role"))["State"] == "Pending"
    start = time.monotonic()
    settle(lam, other + "fn")
    busy = lam.update_function_configuration(FunctionName=other + "fn", Timeout=5)
    assert busy["LastUpdateStatus"] == "InProgress"
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_configuration(FunctionName=other + "fn", Timeout=6)
    assert excinfo.value.response["Error"]["Code"] == "ResourceConflictException"
    assert settle(lam, other + "fn")["LastUpdateStatus"] == "Successful"
    assert time.monotonic() - start < 2
    call(endpoint, "DELETE", query=f"?scope={scope}quiet-")


def test_delete_clears(endpoint, iam, lam, scope):
    switch(endpoint, scope, lambda_pending_seconds=5, iam_propagation_seconds=5)
    assert call(endpoint, "DELETE") == (200, {"scopes": {}})
    role_arn = make_role(iam, scope + "role")
    start = time.monotonic()
    make_function(lam, scope + "fn", role_arn)  # no propagation refusal: the role is usable
    assert settle(lam, scope + "fn")["State"] == "Active"
    assert time.monotonic() - start < 2  # the default states, not the cleared 5 s


def test_reset_keeps_switches_and_works(endpoint, lam, scope, iam):
    switch(endpoint, scope, lambda_pending_seconds=0.5)
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    assert urllib.request.urlopen(request, timeout=5).status == 200
    assert scope in call(endpoint, "GET")[1]["scopes"]
    role_arn = make_role(iam, unique("after-reset"))
    assert make_function(lam, scope + "fn", role_arn)["State"] == "Pending"
    assert lam.invoke(FunctionName=scope + "fn", Payload=b"{}")["StatusCode"] == 200
