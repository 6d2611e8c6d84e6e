"""Tests of front.issued beyond Lambda: a guest's credentials on every service the emulator serves.

The app's credentials are public in effect (anyone with the pool id gets
them), so AWS evaluates every call made with them against the guest role's
policies and Cognito's scope-down session policy for guests. These tests take
the app's path (GetId, GetCredentialsForIdentity) and call each service with
what it got. Run: .venv/bin/python -m pytest emulator/tests/test_guest_scope.py -q
"""

import pytest
from botocore.exceptions import ClientError

from apps import allow, app_client, app_credentials, app_stack
from server import ACCOUNT, error_of, unique
from stacks import call


@pytest.fixture(scope="module")
def stack(make, role):
    return app_stack(make, role, role_prefix="guest")


@pytest.fixture
def guest(endpoint, stack):
    """A factory of clients that sign with a new guest identity's credentials."""
    credentials = app_credentials(endpoint, stack.pool_id)
    return lambda service, **overrides: app_client(endpoint, credentials, service, **overrides)


def refused(request) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        request()
    return error_of(excinfo)


def principal(stack) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{stack.role_name}/CognitoIdentityCredentials"


# (service, call, IAM action, the service's code for it, HTTP status)
DENIED = [
    ("iam", lambda c: c.list_roles(), "iam:ListRoles", "AccessDenied", 403),
    ("cognito-identity", lambda c: c.list_identity_pools(MaxResults=10),
     "cognito-identity:ListIdentityPools", "AccessDeniedException", 400),
    ("logs", lambda c: c.describe_log_groups(), "logs:DescribeLogGroups",
     "AccessDeniedException", 400),
    ("sns", lambda c: c.list_topics(), "sns:ListTopics", "AuthorizationError", 403),
    ("lambda", lambda c: c.list_functions(), "lambda:ListFunctions", "AccessDeniedException", 403),
]


@pytest.mark.parametrize("service, send, action, code, status", DENIED,
                         ids=[d[0] for d in DENIED])
def test_a_guest_is_refused_what_its_role_does_not_allow(stack, guest, service, send, action,
                                                         code, status):
    got_code, got_status, message = refused(lambda: send(guest(service)))
    assert (got_code, got_status) == (code, status)
    assert message.startswith(f"User: {principal(stack)} is not authorized to perform: {action} "
                              "on resource: ")
    assert message.endswith(f"because no identity-based policy allows the {action} action")


def test_the_apps_invoke_is_allowed_beside_the_refusals(stack, guest):
    response, payload = call(guest("lambda"), stack.function, {"action": "echo"})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert refused(lambda: guest("iam").list_roles())[0] == "AccessDenied"


def test_a_refused_write_changes_nothing(make, guest):
    name = unique("guest-topic")
    assert refused(lambda: guest("sns").create_topic(Name=name))[0] == "AuthorizationError"
    topics = [t["TopicArn"] for t in make("sns").list_topics()["Topics"]]
    assert not any(arn.endswith(f":{name}") for arn in topics)
    group = f"/guest/{name}"
    assert refused(lambda: guest("logs").create_log_group(logGroupName=group))[0] == \
        "AccessDeniedException"
    assert not make("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]


def test_a_role_widened_by_hand_allows_what_it_names(make, role, endpoint):
    stack = app_stack(make, role, role_prefix="widened", statements=[
        {"Effect": "Allow", "Action": "sns:ListTopics", "Resource": "*"}])
    credentials = app_credentials(endpoint, stack.pool_id)
    sns = app_client(endpoint, credentials, "sns")
    assert "Topics" in sns.list_topics()
    # Only what it names: the invoke it no longer has, and another SNS action, are refused.
    assert refused(lambda: sns.create_topic(Name=unique("t")))[0] == "AuthorizationError"
    lam = app_client(endpoint, credentials, "lambda")
    assert refused(lambda: lam.invoke(FunctionName=stack.function))[0] == "AccessDeniedException"


def test_cognitos_scope_down_refuses_iam_to_a_guest_whatever_its_role_says(make, role, endpoint):
    stack = app_stack(make, role, role_prefix="iam-guest", statements=[
        allow("*", "iam:ListRoles"), allow("*", "logs:DescribeLogGroups")])
    credentials = app_credentials(endpoint, stack.pool_id)
    code, status, message = refused(lambda: app_client(endpoint, credentials, "iam").list_roles())
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("because no session policy allows the iam:ListRoles action")
    # CloudWatch Logs is a service guests may use: the role's word is enough.
    assert "logGroups" in app_client(endpoint, credentials, "logs").describe_log_groups()


def test_an_explicit_deny_wins_over_the_roles_allow(make, role, endpoint):
    stack = app_stack(make, role, role_prefix="deny", statements=[
        allow("*", "sns:*"), {"Effect": "Deny", "Action": "sns:ListTopics", "Resource": "*"}])
    credentials = app_credentials(endpoint, stack.pool_id)
    code, _, message = refused(lambda: app_client(endpoint, credentials, "sns").list_topics())
    assert code == "AuthorizationError"
    assert message.endswith("with an explicit deny in an identity-based policy")


@pytest.mark.parametrize("service, send, code, status", [
    ("sns", lambda c: c.list_topics(), "SignatureDoesNotMatch", 403),
    ("logs", lambda c: c.describe_log_groups(), "InvalidSignatureException", 400),
], ids=["query", "json"])
def test_a_guests_wrong_secret_is_refused_in_each_services_format(guest, service, send, code,
                                                                 status):
    assert refused(lambda: send(guest(service, secret="wrong")))[:2] == (code, status)


def test_a_guests_wrong_token_is_refused_before_its_policies(guest):
    got = refused(lambda: guest("iam", token="forged").list_roles())
    assert got[:2] == ("InvalidClientTokenId", 403)


def test_sts_get_caller_identity_needs_no_permission(guest):
    assert guest("sts").get_caller_identity()["Account"]


def test_the_deployers_keys_keep_passing(make):
    assert "Roles" in make("iam").list_roles()
    assert "Topics" in make("sns").list_topics()
