"""Tests of account.settings: per-account settings and the Lambda limits they set.

Each test works in accounts of its own (the x-moto-account-id header).
Run: .venv/bin/python -m pytest emulator -q
"""

import itertools
import json
import threading
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from server import clients, error_of
from stacks import call, make_function, make_role, wait_logged

FLOOR = ("Specified ReservedConcurrentExecutions for function decreases account's "
         "UnreservedConcurrentExecution below its minimum value of [{}].")
_accounts = itertools.count(200000000001)  # this module's accounts (test_access: 3000...)
DEFAULTS = {"concurrent_executions": 1000, "max_memory_mb": 10240, "deny": [], "disabled_regions": []}


def settings(endpoint: str, method: str, body: dict | None = None, query: str = "") -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{endpoint}/backend-ctl/account{query}", data=data,
                                     method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def account(endpoint):
    """A fresh account id; its settings go with it."""
    account_id = str(next(_accounts))
    yield account_id
    settings(endpoint, "DELETE", query=f"?account_id={account_id}")


def configure(endpoint: str, account_id: str, **fields) -> None:
    assert settings(endpoint, "POST", {"account_id": account_id, **fields})[0] == 200


def test_endpoint_contract(endpoint, account):
    status, listed = settings(endpoint, "POST", {"account_id": account, "max_memory_mb": 3008})
    assert status == 200
    assert listed["accounts"][account] == {**DEFAULTS, "max_memory_mb": 3008}
    assert listed["defaults"] == DEFAULTS
    assert settings(endpoint, "GET")[1] == listed
    full = {"account_id": account, "concurrent_executions": 10, "max_memory_mb": 128,
            "deny": ["lambda:CreateFunction", "iam:*"], "disabled_regions": ["af-south-1"]}
    assert settings(endpoint, "POST", full)[1]["accounts"][account] == {
        k: v for k, v in full.items() if k != "account_id"}

    for bad in ({}, {"account_id": "123"}, {"account_id": account, "typo": 1},
                {"account_id": account, "concurrent_executions": 0},
                {"account_id": account, "max_memory_mb": 10241},
                {"account_id": account, "deny": "lambda:CreateFunction"},
                {"account_id": account, "deny": ["CreateFunction"]},
                {"account_id": account, "disabled_regions": ["mars"]}):
        status, body = settings(endpoint, "POST", bad)
        assert status == 400 and body["message"]
    assert settings(endpoint, "GET")[1]["accounts"][account]["max_memory_mb"] == 128

    status, listed = settings(endpoint, "DELETE", query=f"?account_id={account}")
    assert status == 200 and account not in listed["accounts"]


def test_get_account_settings(endpoint, account):
    default_account = str(next(_accounts))
    configure(endpoint, account, concurrent_executions=10)
    lam = clients(endpoint, account)("lambda")
    assert lam.get_account_settings()["AccountLimit"] == {
        "TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
        "ConcurrentExecutions": 10, "UnreservedConcurrentExecutions": 10,
    }
    assert lam.get_account_settings()["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}

    other = clients(endpoint, default_account)("lambda")  # no settings: the defaults
    limit = other.get_account_settings()["AccountLimit"]
    assert (limit["ConcurrentExecutions"], limit["UnreservedConcurrentExecutions"]) == (1000, 1000)
    role = make_role(clients(endpoint, default_account)("iam"))
    names = [make_function(other, role) for _ in range(2)]
    other.put_function_concurrency(FunctionName=names[0], ReservedConcurrentExecutions=200)
    usage = other.get_account_settings()
    assert usage["AccountLimit"]["UnreservedConcurrentExecutions"] == 800
    sizes = [other.get_function(FunctionName=n)["Configuration"]["CodeSize"] for n in names]
    assert usage["AccountUsage"] == {"TotalCodeSize": sum(sizes), "FunctionCount": 2}


def test_concurrency_floor_with_limit_10(endpoint, account):
    configure(endpoint, account, concurrent_executions=10)
    make = clients(endpoint, account)
    lam = make("lambda")
    name = make_function(lam, make_role(make("iam")))
    with pytest.raises(ClientError) as excinfo:
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, FLOOR.format(10))
    assert "Concurrency" not in lam.get_function(FunctionName=name)


def test_concurrency_floor_with_limit_1000(endpoint, account):
    configure(endpoint, account)
    make = clients(endpoint, account)
    lam = make("lambda")
    role = make_role(make("iam"))
    first, second = make_function(lam, role), make_function(lam, role)
    assert lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=850)[
        "ReservedConcurrentExecutions"] == 850
    with pytest.raises(ClientError) as excinfo:
        lam.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=51)
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, FLOOR.format(100))
    lam.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=50)
    lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=850)  # its own
    assert lam.get_function(FunctionName=first)["Concurrency"] == {"ReservedConcurrentExecutions": 850}

    lam.delete_function_concurrency(FunctionName=first)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=first)
    assert "Concurrency" not in lam.get_function(FunctionName=first)
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 950


def test_memory_limit(endpoint, account):
    configure(endpoint, account, max_memory_mb=3008)
    make = clients(endpoint, account)
    lam = make("lambda")
    role = make_role(make("iam"))
    message = ("'MemorySize' value failed to satisfy constraint: Member must have value less than "
               "or equal to 3008")
    with pytest.raises(ClientError) as excinfo:
        make_function(lam, role, MemorySize=3009)
    assert error_of(excinfo) == ("ValidationException", 400, message)
    name = make_function(lam, role, MemorySize=3008)
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_configuration(FunctionName=name, MemorySize=4096)
    assert error_of(excinfo) == ("ValidationException", 400, message)
    assert lam.update_function_configuration(FunctionName=name, MemorySize=1024)["MemorySize"] == 1024
    assert make_function(clients(endpoint)("lambda"), make_role(clients(endpoint)("iam")),
                         MemorySize=4096)  # other accounts: up to 10240


def test_account_concurrency_throttles_invocations(endpoint, account, tmp_path):
    configure(endpoint, account, concurrent_executions=1)
    make = clients(endpoint, account)
    lam, logs = make("lambda"), make("logs")
    name = make_function(lam, make_role(make("iam")), Timeout=10)
    gate, outcomes = str(tmp_path / "gate"), []
    thread = threading.Thread(target=lambda: outcomes.append(
        call(lam, name, {"action": "wait", "path": gate})[0]))
    thread.start()
    try:
        wait_logged(logs, name, "waiting\n")  # the first one holds the only slot
        with pytest.raises(ClientError) as excinfo:
            lam.invoke(FunctionName=name, Payload=b"{}")
        assert error_of(excinfo) == ("TooManyRequestsException", 429, "Rate Exceeded.")
        assert excinfo.value.response["Reason"] == "ConcurrentInvocationLimitExceeded"
    finally:
        open(gate, "w").close()
        thread.join()
    assert outcomes[0]["StatusCode"] == 200 and "FunctionError" not in outcomes[0]
    assert call(lam, name)[0]["StatusCode"] == 200  # the slot is free again

