"""Tests of front.issued: the app's Invoke, authenticated and authorized as AWS does.

The app's path for real: unsigned GetId and GetCredentialsForIdentity, then
Invoke signed (by botocore) with the issued credentials, of a function
running handlers.BOOTSTRAP. Run: .venv/bin/python -m pytest emulator -q
"""

import json
import time

import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError

from apps import (allow, app_credentials, app_lambda, app_stack, denied, lifetime,
                             policy, request)
from server import REGION, clients, error_of, unique
from stacks import call, make_role

BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. "
                 "Check your AWS Secret Access Key and signing method. Consult the service "
                 "documentation for details.")
INVALID_TOKEN = "The security token included in the request is invalid."


@pytest.fixture(scope="module")
def exec_role(make):
    return make_role(make("iam"))


@pytest.fixture(scope="module")
def stack(make, exec_role):
    return app_stack(make, exec_role)


@pytest.fixture
def app(endpoint, stack):
    """The app's Lambda client, with a new identity's credentials, and those credentials."""
    credentials = app_credentials(endpoint, stack.pool_id)
    return app_lambda(endpoint, credentials), credentials


def refused(request) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        request()
    return error_of(excinfo)


# --- allowed, and the caller's identity -----------------------------------------------------


def test_the_stacks_own_credentials_invoke_and_the_function_sees_the_identity(make, stack, app):
    lam, credentials = app
    assert credentials["AccessKeyId"].startswith("ASIA")
    response, payload = call(lam, stack.function, {"action": "env"})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    header = payload["headers"]["Lambda-Runtime-Cognito-Identity"]
    assert json.loads(header) == {"cognitoIdentityId": credentials["IdentityId"],
                                  "cognitoIdentityPoolId": stack.pool_id}
    # The deployer's keys (any other key) keep moto's behaviour, and carry no identity.
    response, payload = call(make("lambda"), stack.function, {"action": "env"})
    assert response["StatusCode"] == 200
    assert "Lambda-Runtime-Cognito-Identity" not in payload["headers"]


def test_each_identity_reaches_the_function_as_itself(endpoint, stack):
    seen = []
    for _ in range(2):
        credentials = app_credentials(endpoint, stack.pool_id)
        headers = call(app_lambda(endpoint, credentials), stack.function, {"action": "env"})[1]["headers"]
        seen.append(json.loads(headers["Lambda-Runtime-Cognito-Identity"])["cognitoIdentityId"])
        assert seen[-1] == credentials["IdentityId"]
    assert seen[0] != seen[1]


def test_an_event_invocation_carries_the_identity(stack, app, tmp_path):
    lam, credentials = app
    path = tmp_path / "headers.json"
    response = lam.invoke(FunctionName=stack.function, InvocationType="Event",
                          Payload=json.dumps({"action": "record", "path": str(path)}))
    assert response["StatusCode"] == 202
    deadline = time.monotonic() + 15
    while not path.exists():
        assert time.monotonic() < deadline, "the Event invocation never ran"
        time.sleep(0.02)
    headers = json.loads(path.read_text())
    assert json.loads(headers["Lambda-Runtime-Cognito-Identity"]) == {
        "cognitoIdentityId": credentials["IdentityId"], "cognitoIdentityPoolId": stack.pool_id}


def test_the_function_arn_as_function_name(stack, app):
    lam, _ = app
    assert call(lam, stack.function_arn)[0]["StatusCode"] == 200


def test_an_attached_managed_policy_allows_too(make, exec_role, endpoint):
    other = app_stack(make, exec_role, statements=[allow("arn:aws:s3:::nothing", "s3:GetObject")])
    iam = make("iam")
    arn = iam.create_policy(PolicyName=f"{other.role_name}-managed",
                            PolicyDocument=policy(allow(other.function_arn)))["Policy"]["Arn"]
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    assert refused(lambda: lam.invoke(FunctionName=other.function))[:2] == (
        "AccessDeniedException", 403)
    iam.attach_role_policy(RoleName=other.role_name, PolicyArn=arn)
    assert call(lam, other.function)[0]["StatusCode"] == 200


def test_the_credentials_account_is_the_roles(exec_role, endpoint):
    """Without x-moto-account-id, the app's call goes to its credentials' account."""
    account = "400000000001"
    make = clients(endpoint, account)
    other = app_stack(make, make_role(make("iam")))
    credentials = app_credentials(endpoint, other.pool_id, account)
    assert call(app_lambda(endpoint, credentials), other.function)[0]["StatusCode"] == 200


# --- authentication ------------------------------------------------------------------------


def test_a_wrong_secret_is_refused(endpoint, stack, app):
    _, credentials = app
    lam = app_lambda(endpoint, credentials, secret=credentials["SecretKey"][:-2] + "xx")
    assert refused(lambda: lam.invoke(FunctionName=stack.function, Payload=b"{}")) == (
        "InvalidSignatureException", 403, BAD_SIGNATURE)


def test_a_body_changed_after_signing_is_refused(stack, app):
    lam, _ = app

    def tamper(request, **_):
        request.body = b'{"action": "greet", "name": "Mallory"}'
        request.headers["Content-Length"] = str(len(request.body))

    lam.meta.events.register("before-send.lambda.Invoke", tamper)
    assert refused(lambda: lam.invoke(FunctionName=stack.function,
                                      Payload=b'{"action": "greet", "name": "Ada"}')) == (
        "InvalidSignatureException", 403, BAD_SIGNATURE)


@pytest.mark.parametrize("token", [None, "not-the-issued-token"])
def test_a_missing_or_foreign_session_token_is_refused(endpoint, stack, app, token):
    _, credentials = app
    lam = app_lambda(endpoint, credentials, token=token)
    assert refused(lambda: lam.invoke(FunctionName=stack.function, Payload=b"{}")) == (
        "UnrecognizedClientException", 403, INVALID_TOKEN)


@pytest.fixture
def short_lived(endpoint):
    """Sets the credentials' lifetime; the default comes back after the test."""
    yield lambda seconds: lifetime(endpoint, seconds)
    lifetime(endpoint, 3600)


def test_expired_credentials_are_refused(endpoint, stack, short_lived):
    warm = app_lambda(endpoint, app_credentials(endpoint, stack.pool_id))
    assert call(warm, stack.function)[0]["StatusCode"] == 200
    short_lived(0)
    expired = app_credentials(endpoint, stack.pool_id)
    expected = ("ExpiredTokenException", 403, "The security token included in the request is expired")
    assert refused(lambda: app_lambda(endpoint, expired).invoke(FunctionName=stack.function)) == expected
    # the token is checked before the signature, as AWS does
    wrong = app_lambda(endpoint, expired, secret="wrong")
    assert refused(lambda: wrong.invoke(FunctionName=stack.function)) == expected
    short_lived(2)
    soon = app_credentials(endpoint, stack.pool_id)
    lam = app_lambda(endpoint, soon)
    assert call(lam, stack.function)[0]["StatusCode"] == 200
    time.sleep(max(0.0, soon["Expiration"].timestamp() - time.time()) + 0.1)
    assert refused(lambda: lam.invoke(FunctionName=stack.function)) == expected
    assert call(warm, stack.function)[0]["StatusCode"] == 200  # the others still work


def test_an_unsigned_invoke_is_refused(endpoint, stack):
    lam = clients(endpoint)("lambda", signature_version=UNSIGNED)
    assert refused(lambda: lam.invoke(FunctionName=stack.function, Payload=b"{}")) == (
        "MissingAuthenticationTokenException", 403, "Missing Authentication Token")
    assert refused(lambda: lam.invoke(FunctionName=stack.function, InvocationType="Event"))[:2] == (
        "MissingAuthenticationTokenException", 403)


# --- authorization -------------------------------------------------------------------------


def test_another_pools_credentials_may_not_invoke_this_function(make, exec_role, endpoint, stack):
    other = app_stack(make, exec_role)
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    assert call(lam, other.function)[0]["StatusCode"] == 200
    assert refused(lambda: lam.invoke(FunctionName=stack.function)) == (
        "AccessDeniedException", 403, denied(other.role_name, stack.function_arn))


def test_a_role_whose_policy_lacks_the_function_is_refused(make, exec_role, endpoint):
    other = app_stack(make, exec_role, resources=[f"arn:aws:lambda:{REGION}:123456789012:function:x"])
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    assert refused(lambda: lam.invoke(FunctionName=other.function)) == (
        "AccessDeniedException", 403, denied(other.role_name, other.function_arn))
    # once the policy names it, the same credentials are allowed: policies are read per call
    make("iam").put_role_policy(RoleName=other.role_name, PolicyName="invoke",
                                PolicyDocument=policy(allow(other.function_arn)))
    assert call(lam, other.function)[0]["StatusCode"] == 200
    make("iam").delete_role_policy(RoleName=other.role_name, PolicyName="invoke")
    assert refused(lambda: lam.invoke(FunctionName=other.function))[:2] == ("AccessDeniedException", 403)


def test_an_explicit_deny_wins(make, exec_role, endpoint):
    other = app_stack(make, exec_role, statements=[allow("*", "lambda:*")])
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    assert call(lam, other.function)[0]["StatusCode"] == 200
    make("iam").put_role_policy(RoleName=other.role_name, PolicyName="deny", PolicyDocument=policy(
        {"Effect": "Deny", "Action": "lambda:Invoke*", "Resource": other.function_arn}))
    assert refused(lambda: lam.invoke(FunctionName=other.function)) == (
        "AccessDeniedException", 403, denied(other.role_name, other.function_arn, explicit=True))


def test_the_bare_arn_does_not_cover_a_qualified_invoke(stack, app):
    lam, _ = app
    latest = f"{stack.function_arn}:$LATEST"
    expected = ("AccessDeniedException", 403, denied(stack.role_name, latest))
    assert refused(lambda: lam.invoke(FunctionName=stack.function, Qualifier="$LATEST")) == expected
    assert refused(lambda: lam.invoke(FunctionName=f"{stack.function}:$LATEST")) == expected
    assert refused(lambda: lam.invoke(FunctionName=latest)) == expected
    assert call(lam, stack.function)[0]["StatusCode"] == 200


def test_an_alias_is_authorized_against_its_qualified_arn(make, exec_role, endpoint):
    other = app_stack(make, exec_role)
    deployer = make("lambda")
    version = deployer.publish_version(FunctionName=other.function)["Version"]
    deployer.create_alias(FunctionName=other.function, Name="live", FunctionVersion=version)
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    live = f"{other.function_arn}:live"
    assert refused(lambda: lam.invoke(FunctionName=other.function, Qualifier="live")) == (
        "AccessDeniedException", 403, denied(other.role_name, live))
    make("iam").put_role_policy(RoleName=other.role_name, PolicyName="invoke",
                                PolicyDocument=policy(allow(live)))
    assert call(lam, other.function, Qualifier="live")[0]["ExecutedVersion"] == version
    assert call(lam, f"{other.function}:live")[0]["StatusCode"] == 200
    assert refused(lambda: lam.invoke(FunctionName=other.function)) == (
        "AccessDeniedException", 403, denied(other.role_name, other.function_arn))
    assert refused(lambda: lam.invoke(FunctionName=other.function, Qualifier=version))[:2] == (
        "AccessDeniedException", 403)


def test_other_lambda_actions_are_authorized_too(stack, app):
    lam, _ = app
    code, status, message = refused(lambda: lam.get_function(FunctionName=stack.function))
    assert (code, status) == ("AccessDeniedException", 403)
    assert "is not authorized to perform: lambda:GetFunction on resource: " \
           f"{stack.function_arn} because" in message


def test_reserved_concurrency_zero_throttles_the_app(make, exec_role, endpoint):
    other = app_stack(make, exec_role)
    make("lambda").put_function_concurrency(FunctionName=other.function, ReservedConcurrentExecutions=0)
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=other.function, Payload=b"{}")
    assert error_of(excinfo) == ("TooManyRequestsException", 429, "Rate Exceeded.")
    assert excinfo.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_a_deleted_role_allows_nothing(make, exec_role, endpoint):
    other = app_stack(make, exec_role)
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    iam = make("iam")
    iam.delete_role_policy(RoleName=other.role_name, PolicyName="invoke")
    iam.delete_role(RoleName=other.role_name)
    assert refused(lambda: lam.invoke(FunctionName=other.function)) == (
        "AccessDeniedException", 403, denied(other.role_name, other.function_arn))


# --- IAM propagation (front.switches' iam_propagation_seconds) ------------------------

WINDOW = 1.5


@pytest.fixture
def propagating(switched):
    """A fresh scope whose IAM changes propagate in WINDOW seconds; cleared after the test."""
    return switched("prop", iam_propagation_seconds=WINDOW)


def invoke_outcome(lam, function: str) -> str:
    try:
        return f"allowed {call(lam, function)[0]['StatusCode']}"
    except ClientError as err:
        return err.response["Error"]["Code"]


def after_window(since: float) -> None:
    time.sleep(max(0.0, since + WINDOW - time.monotonic()) + 0.1)


def test_a_just_put_invoke_policy_is_refused_until_it_propagates(make, exec_role, endpoint,
                                                                 propagating):
    # A role created within the window has no permissions yet (its policy is put with it).
    start = time.monotonic()
    other = app_stack(make, exec_role, role_prefix=propagating)
    created = time.monotonic()  # after its last change (the policy)
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    assert refused(lambda: lam.invoke(FunctionName=other.function)) == (
        "AccessDeniedException", 403, denied(other.role_name, other.function_arn))
    assert time.monotonic() < start + WINDOW, "the checks took longer than the window"
    after_window(created)
    assert call(lam, other.function)[0]["StatusCode"] == 200
    # On the role, now propagated, a newly put policy for an alias is not seen for the window.
    live = f"{other.function_arn}:live"
    version = make("lambda").publish_version(FunctionName=other.function)["Version"]
    make("lambda").create_alias(FunctionName=other.function, Name="live", FunctionVersion=version)
    iam = make("iam")  # made before the clock starts: a client takes a while to make
    put = time.monotonic()
    iam.put_role_policy(RoleName=other.role_name, PolicyName="live",
                        PolicyDocument=policy(allow(live)))
    assert iam.get_role_policy(RoleName=other.role_name, PolicyName="live")  # IAM: at once
    assert refused(lambda: lam.invoke(FunctionName=other.function, Qualifier="live")) == (
        "AccessDeniedException", 403, denied(other.role_name, live))
    assert call(lam, other.function)[0]["StatusCode"] == 200  # the older policy still allows
    assert time.monotonic() < put + WINDOW, "the checks took longer than the window"
    after_window(put)
    assert call(lam, other.function, Qualifier="live")[0]["StatusCode"] == 200


def test_a_role_outside_the_scope_is_allowed_at_once(make, exec_role, endpoint, propagating):
    other = app_stack(make, exec_role, statements=[allow("arn:aws:s3:::nothing", "s3:GetObject")])
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    assert invoke_outcome(lam, other.function) == "AccessDeniedException"
    make("iam").put_role_policy(RoleName=other.role_name, PolicyName="later",
                                PolicyDocument=policy(allow(other.function_arn)))
    assert call(lam, other.function)[0]["StatusCode"] == 200
    make("iam").delete_role_policy(RoleName=other.role_name, PolicyName="later")
    assert invoke_outcome(lam, other.function) == "AccessDeniedException"


def test_a_just_deleted_invoke_policy_still_allows_until_it_propagates(make, exec_role, endpoint,
                                                                       propagating):
    other = app_stack(make, exec_role, role_prefix=propagating)
    created = time.monotonic()  # after its last change (the policy)
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    after_window(created)
    assert call(lam, other.function)[0]["StatusCode"] == 200
    iam = make("iam")  # made before the clock starts: a client takes a while to make
    deleted = time.monotonic()
    iam.delete_role_policy(RoleName=other.role_name, PolicyName="invoke")
    assert call(lam, other.function)[0]["StatusCode"] == 200
    assert time.monotonic() < deleted + WINDOW, "the check took longer than the window"
    after_window(deleted)
    assert refused(lambda: lam.invoke(FunctionName=other.function)) == (
        "AccessDeniedException", 403, denied(other.role_name, other.function_arn))


def test_attaching_and_detaching_a_managed_policy_propagate_too(make, exec_role, endpoint,
                                                                propagating):
    other = app_stack(make, exec_role, role_prefix=propagating,
                      statements=[allow("arn:aws:s3:::nothing", "s3:GetObject")])
    created = time.monotonic()
    iam = make("iam")
    arn = iam.create_policy(PolicyName=f"{other.role_name}-managed",
                            PolicyDocument=policy(allow(other.function_arn)))["Policy"]["Arn"]
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    after_window(created)
    attached = time.monotonic()
    iam.attach_role_policy(RoleName=other.role_name, PolicyArn=arn)
    assert invoke_outcome(lam, other.function) == "AccessDeniedException"
    assert time.monotonic() < attached + WINDOW
    after_window(attached)
    assert invoke_outcome(lam, other.function) == "allowed 200"
    detached = time.monotonic()
    iam.detach_role_policy(RoleName=other.role_name, PolicyArn=arn)
    assert invoke_outcome(lam, other.function) == "allowed 200"
    assert time.monotonic() < detached + WINDOW
    after_window(detached)
    assert invoke_outcome(lam, other.function) == "AccessDeniedException"


def test_overlapping_changes_of_one_policy_show_the_latest_propagated(make, exec_role, endpoint,
                                                                     propagating):
    other = app_stack(make, exec_role, role_prefix=propagating)
    created = time.monotonic()  # after its last change (the policy)
    lam = app_lambda(endpoint, app_credentials(endpoint, other.pool_id))
    iam = make("iam")
    after_window(created)
    changed = time.monotonic()
    iam.delete_role_policy(RoleName=other.role_name, PolicyName="invoke")
    iam.put_role_policy(RoleName=other.role_name, PolicyName="invoke",
                        PolicyDocument=policy(allow(other.function_arn)))
    assert invoke_outcome(lam, other.function) == "allowed 200"  # as before both
    # Switched off, a change is seen at once, superseding the pending ones.
    request(endpoint, f"/backend-ctl/switches?scope={propagating}", "DELETE")
    iam.delete_role_policy(RoleName=other.role_name, PolicyName="invoke")
    assert invoke_outcome(lam, other.function) == "AccessDeniedException"
    assert time.monotonic() < changed + WINDOW
    after_window(changed)
    assert invoke_outcome(lam, other.function) == "AccessDeniedException"


def test_a_role_created_within_the_window_has_no_permissions(make, exec_role, endpoint, stack):
    """Its policy put with the switch at 0: only the role's creation is still propagating."""
    scope = unique("prop")
    iam = make("iam")
    switches = "/backend-ctl/switches"
    on = {"scope": scope, "iam_propagation_seconds": WINDOW}
    assert request(endpoint, switches, "POST", on)[0] == 200
    try:
        created = time.monotonic()
        role_arn = make_role(iam, unique(scope))
        role_name = role_arn.rsplit("/", 1)[1]
        assert request(endpoint, switches, "POST", {"scope": scope})[0] == 200  # off from here
        iam.put_role_policy(RoleName=role_name, PolicyName="invoke",
                            PolicyDocument=policy(allow(stack.function_arn)))
        pool = make("cognito-identity").create_identity_pool(
            IdentityPoolName=unique("pool"), AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        make("cognito-identity").set_identity_pool_roles(IdentityPoolId=pool,
                                                         Roles={"unauthenticated": role_arn})
        lam = app_lambda(endpoint, app_credentials(endpoint, pool))
        assert refused(lambda: lam.invoke(FunctionName=stack.function)) == (
            "AccessDeniedException", 403, denied(role_name, stack.function_arn))
        assert time.monotonic() < created + WINDOW, "the checks took longer than the window"
        after_window(created)
        assert call(lam, stack.function)[0]["StatusCode"] == 200
    finally:
        request(endpoint, f"{switches}?scope={scope}", "DELETE")
