"""Tests of the conflict switches: iam_delete_conflict, iam_concurrent_modification,
logs_operation_aborted (front.refusals, iam.conflicts,
logs.conflicts).

Each: produced while on, not outside its scope, not after its count or time,
and the call then succeeds; every refusal is counted under
/backend-ctl/switches/produced. Each test uses a scope of its own.
Run: .venv/bin/python -m pytest emulator -q
"""

import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from handlers import function_zip
from server import ACCOUNT, REGION, clients, error_of, unique
from stacks import TRUST, call, make_function, make_role

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}]})
MUST_DELETE = ("DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
CONCURRENT = ("ConcurrentModification", 409,
              "The request was rejected because multiple requests to change this object were "
              "submitted simultaneously. Wait a few minutes and submit your request again.")
ABORTED = ("OperationAbortedException", 400, "A conflicting operation is currently in progress "
           "against this resource. Please try again.")


def api(endpoint: str, method: str, path: str, body: object = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def switch(endpoint: str, scope: str, **settings) -> None:
    status, body = api(endpoint, "POST", "/backend-ctl/switches", {"scope": scope, **settings})
    assert status == 200, body


def produced(endpoint: str, scope: str) -> dict[str, int]:
    status, body = api(endpoint, "GET", f"/backend-ctl/switches/produced?scope={scope}")
    assert status == 200
    return body["produced"][scope]


def refused(action) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        action()
    return error_of(excinfo)


def until_accepted(action, error: tuple[str, int, str], timeout: float = 5.0) -> int:
    """Repeat ``action`` while it answers ``error``; how many times it did."""
    start, refusals = time.monotonic(), 0
    while True:
        try:
            action()
            return refusals
        except ClientError as err:
            assert error_of_client(err) == error
            refusals += 1
            assert time.monotonic() - start < timeout, "never accepted"
            time.sleep(0.05)


def error_of_client(err: ClientError) -> tuple[str, int, str]:
    response = err.response
    return (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"]["Message"])


@pytest.fixture
def scope(endpoint):
    prefix = unique("cf") + "-"
    yield prefix
    api(endpoint, "DELETE", f"/backend-ctl/switches?scope={prefix}")


def role_with_policy(iam, name: str) -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=POLICY)


# --- the settings and the counts ------------------------------------------------------


def test_settings_and_counts_contract(endpoint, scope):
    switch(endpoint, scope, iam_delete_conflict={"calls": 2},
           logs_operation_aborted={"seconds": 1.5},
           iam_concurrent_modification={"calls": 1, "seconds": 3})
    listed = api(endpoint, "GET", "/backend-ctl/switches")[1]["scopes"][scope]
    assert listed["iam_delete_conflict"] == {"calls": 2, "seconds": 0.0}
    assert listed["logs_operation_aborted"] == {"calls": 0, "seconds": 1.5}
    assert listed["iam_concurrent_modification"] == {"calls": 1, "seconds": 3.0}
    assert listed["lambda_pending_seconds"] == 0.0  # the older switches are untouched

    for bad in ({"calls": -1}, {"calls": 1.5}, {"calls": True}, {"seconds": "1"}, {},
                {"calls": 0, "seconds": 0}, {"calls": 1, "typo": 1}, 3, [1]):
        status, body = api(endpoint, "POST", "/backend-ctl/switches",
                           {"scope": scope, "iam_delete_conflict": bad})
        assert status == 400 and "iam_delete_conflict" in body["message"], bad
    assert api(endpoint, "GET", "/backend-ctl/switches")[1]["scopes"][scope] == listed

    zeros = {"iam_delete_conflict": 0, "iam_concurrent_modification": 0,
             "logs_operation_aborted": 0}
    assert produced(endpoint, scope) == zeros
    assert api(endpoint, "GET", "/backend-ctl/switches/produced")[1]["produced"][scope] == zeros
    never = unique("never")
    assert api(endpoint, "GET", f"/backend-ctl/switches/produced?scope={never}") == (
        200, {"produced": {never: zeros}})
    assert api(endpoint, "POST", "/backend-ctl/switches/produced", {})[0] == 405


def test_counts_survive_switching_off_and_restart_on_post(endpoint, iam, scope):
    switch(endpoint, scope, iam_concurrent_modification={"calls": 1})
    name = scope + "role"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    assert until_accepted(lambda: iam.tag_role(RoleName=name, Tags=[{"Key": "k", "Value": "v"}]),
                          CONCURRENT) == 1
    api(endpoint, "DELETE", f"/backend-ctl/switches?scope={scope}")
    assert produced(endpoint, scope)["iam_concurrent_modification"] == 1
    iam.untag_role(RoleName=name, TagKeys=["k"])  # off: nothing refused
    assert api(endpoint, "DELETE", f"/backend-ctl/switches/produced?scope={scope}")[0] == 200
    assert produced(endpoint, scope)["iam_concurrent_modification"] == 0
    switch(endpoint, scope, iam_concurrent_modification={"calls": 1})
    assert refused(lambda: iam.delete_role(RoleName=name)) == CONCURRENT  # the untag's mark
    switch(endpoint, scope, iam_concurrent_modification={"calls": 1})
    assert produced(endpoint, scope)["iam_concurrent_modification"] == 0


# --- iam_delete_conflict --------------------------------------------------------------


def test_delete_conflict_for_a_number_of_calls(endpoint, iam, scope):
    switch(endpoint, scope, iam_delete_conflict={"calls": 2})
    name = scope + "role"
    role_with_policy(iam, name)
    assert refused(lambda: iam.delete_role(RoleName=name)) == MUST_DELETE  # moto's own
    assert produced(endpoint, scope)["iam_delete_conflict"] == 0  # ... not the switch's
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    assert refused(lambda: iam.delete_role(RoleName=name)) == MUST_DELETE
    assert refused(lambda: iam.delete_role(RoleName=name)) == MUST_DELETE
    iam.delete_role(RoleName=name)
    assert produced(endpoint, scope)["iam_delete_conflict"] == 2

    never_had_one = scope + "bare"
    iam.create_role(RoleName=never_had_one, AssumeRolePolicyDocument=TRUST)
    iam.delete_role(RoleName=never_had_one)
    assert produced(endpoint, scope)["iam_delete_conflict"] == 2


def test_delete_conflict_for_a_time(endpoint, iam, scope):
    switch(endpoint, scope, iam_delete_conflict={"seconds": 1.0})
    name = scope + "role"
    role_with_policy(iam, name)
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    start = time.monotonic()
    assert until_accepted(lambda: iam.delete_role(RoleName=name), MUST_DELETE) >= 1
    assert time.monotonic() - start >= 0.95
    assert produced(endpoint, scope)["iam_delete_conflict"] >= 1


def test_delete_conflict_until_the_first_bound_runs_out(endpoint, iam, scope):
    switch(endpoint, scope + "time-", iam_delete_conflict={"calls": 1000, "seconds": 1.0})
    switch(endpoint, scope + "count-", iam_delete_conflict={"calls": 1, "seconds": 60})
    role_with_policy(iam, scope + "time-role")
    iam.delete_role_policy(RoleName=scope + "time-role", PolicyName="inline")
    start = time.monotonic()
    refusals = until_accepted(lambda: iam.delete_role(RoleName=scope + "time-role"), MUST_DELETE)
    assert time.monotonic() - start >= 0.95 and 1 <= refusals < 1000
    role_with_policy(iam, scope + "count-role")
    iam.delete_role_policy(RoleName=scope + "count-role", PolicyName="inline")
    assert until_accepted(lambda: iam.delete_role(RoleName=scope + "count-role"),
                          MUST_DELETE) == 1
    api(endpoint, "DELETE", f"/backend-ctl/switches?scope={scope}time-")
    api(endpoint, "DELETE", f"/backend-ctl/switches?scope={scope}count-")


def test_delete_conflict_outside_its_scope(endpoint, iam, scope):
    switch(endpoint, scope, iam_delete_conflict={"calls": 5, "seconds": 60})
    switch(endpoint, scope + "quiet-")  # a longer scope, all off, wins for its names
    for name in (unique("other"), scope + "quiet-role"):
        role_with_policy(iam, name)
        iam.delete_role_policy(RoleName=name, PolicyName="inline")
        iam.delete_role(RoleName=name)
    assert produced(endpoint, scope)["iam_delete_conflict"] == 0
    api(endpoint, "DELETE", f"/backend-ctl/switches?scope={scope}quiet-")


# --- iam_concurrent_modification ------------------------------------------------------


def role_changes(iam, name: str):
    """Every call the switch covers, in an order that ends with the role deleted."""
    return [
        lambda: iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=POLICY),
        lambda: iam.tag_role(RoleName=name, Tags=[{"Key": "stage", "Value": "dev"}]),
        lambda: iam.untag_role(RoleName=name, TagKeys=["stage"]),
        lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=TRUST),
        lambda: iam.delete_role_policy(RoleName=name, PolicyName="inline"),
        lambda: iam.delete_role(RoleName=name),
    ]


def test_concurrent_modification_for_a_number_of_calls(endpoint, iam, scope):
    switch(endpoint, scope, iam_concurrent_modification={"calls": 1})
    name = scope + "role"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)  # a change: marks it
    for change in role_changes(iam, name):
        assert refused(change) == CONCURRENT
        iam.get_role(RoleName=name)  # reads are never refused
        iam.list_role_policies(RoleName=name)
        change()  # the count has run out; and this change marks the role again
    assert produced(endpoint, scope)["iam_concurrent_modification"] == 6


def test_concurrent_modification_for_a_time(endpoint, iam, scope):
    switch(endpoint, scope, iam_concurrent_modification={"seconds": 1.0})
    name = scope + "role"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    start = time.monotonic()
    put = role_changes(iam, name)[0]
    assert until_accepted(put, CONCURRENT) >= 1
    assert time.monotonic() - start >= 0.95
    time.sleep(1.05)  # the put's window has passed too
    for change in role_changes(iam, name)[1:2]:
        change()


def test_concurrent_modification_outside_its_scope(endpoint, iam, scope):
    switch(endpoint, scope, iam_concurrent_modification={"calls": 3, "seconds": 60})
    name = unique("other")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    for change in role_changes(iam, name):
        change()
    assert produced(endpoint, scope)["iam_concurrent_modification"] == 0


def test_delete_role_checks_concurrency_then_deletion(endpoint, iam, scope):
    switch(endpoint, scope, iam_concurrent_modification={"calls": 1},
           iam_delete_conflict={"calls": 1})
    name = scope + "role"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    assert until_accepted(role_changes(iam, name)[0], CONCURRENT) == 1
    assert until_accepted(role_changes(iam, name)[4], CONCURRENT) == 1
    assert refused(lambda: iam.delete_role(RoleName=name)) == CONCURRENT
    assert refused(lambda: iam.delete_role(RoleName=name)) == MUST_DELETE
    iam.delete_role(RoleName=name)
    assert produced(endpoint, scope) == {"iam_concurrent_modification": 3,
                                         "iam_delete_conflict": 1, "logs_operation_aborted": 0}
    assert refused(lambda: iam.delete_role(RoleName=name))[:2] == ("NoSuchEntity", 404)


# --- logs_operation_aborted -----------------------------------------------------------


def group_changes(logs, group: str):
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    return [
        lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=7),
        lambda: logs.tag_resource(resourceArn=arn, tags={"stage": "dev"}),
        lambda: logs.untag_resource(resourceArn=arn, tagKeys=["stage"]),
        lambda: logs.tag_log_group(logGroupName=group, tags={"stage": "dev"}),
        lambda: logs.untag_log_group(logGroupName=group, tags=["stage"]),
        lambda: logs.delete_retention_policy(logGroupName=group),
        lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=14),
        lambda: logs.delete_log_group(logGroupName=group),
    ]


def test_operation_aborted_for_a_number_of_calls(endpoint, logs, scope):
    switch(endpoint, scope, logs_operation_aborted={"calls": 1})
    group = f"/aws/lambda/{scope}fn"  # the function's scope covers its group
    logs.create_log_group(logGroupName=group)
    for change in group_changes(logs, group):
        assert refused(change) == ABORTED
        logs.describe_log_groups(logGroupNamePrefix=group)  # reads are never refused
        change()
    assert produced(endpoint, scope)["logs_operation_aborted"] == 8
    assert refused(group_changes(logs, group)[0])[0] == "ResourceNotFoundException"
    logs.create_log_group(logGroupName=group)  # made again: its creation marks it
    assert refused(group_changes(logs, group)[0]) == ABORTED


def test_operation_aborted_for_a_time(endpoint, logs, scope):
    switch(endpoint, scope, logs_operation_aborted={"seconds": 1.0})
    group = scope + "group"  # matched by its full name too
    logs.create_log_group(logGroupName=group)
    start = time.monotonic()
    assert until_accepted(group_changes(logs, group)[0], ABORTED) >= 1
    assert time.monotonic() - start >= 0.95
    assert refused(group_changes(logs, group)[1]) == ABORTED  # the retention's own window


def test_operation_aborted_outside_its_scope(endpoint, logs, scope):
    switch(endpoint, scope, logs_operation_aborted={"calls": 3, "seconds": 60})
    for group in (f"/aws/lambda/{unique('other')}", f"/custom/{scope}group"):
        logs.create_log_group(logGroupName=group)
        for change in group_changes(logs, group):
            change()
    assert produced(endpoint, scope)["logs_operation_aborted"] == 0


def test_operation_aborted_is_the_json_protocol_error(endpoint, logs, scope):
    switch(endpoint, scope, logs_operation_aborted={"calls": 1})
    group = f"/aws/lambda/{scope}fn"
    logs.create_log_group(logGroupName=group)
    request = urllib.request.Request(
        endpoint + "/", method="POST",
        data=json.dumps({"logGroupName": group, "retentionInDays": 7}).encode(),
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "Logs_20140328.PutRetentionPolicy",
                 "Authorization": ("AWS4-HMAC-SHA256 Credential=testing/20250101/"
                                   f"{REGION}/logs/aws4_request, SignedHeaders=host, "
                                   "Signature=0")})
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=5)
    assert excinfo.value.code == 400
    assert json.loads(excinfo.value.read()) == {"__type": ABORTED[0], "message": ABORTED[2]}


def test_lambda_creating_its_group_is_a_change(endpoint, logs, scope):
    switch(endpoint, scope, logs_operation_aborted={"calls": 1})
    make = clients(endpoint)
    lam = make("lambda")
    name = make_function(lam, make_role(make("iam")), name=scope + "fn", code=function_zip())
    assert call(lam, name)[0]["StatusCode"] == 200  # Lambda creates /aws/lambda/<name>
    group = f"/aws/lambda/{name}"
    assert refused(group_changes(logs, group)[0]) == ABORTED
    group_changes(logs, group)[0]()
    lam.delete_function(FunctionName=name)
