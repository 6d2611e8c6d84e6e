"""Tests of front.account_rules: denied IAM actions and disabled regions, per account.

Run: .venv/bin/python -m pytest emulator -q
"""

import itertools
import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from server import REGION, clients, error_of, unique
from stacks import call, make_function, make_role

_accounts = itertools.count(300000000001)  # this module's accounts (test_account: 2000...)


def configure(endpoint: str, account_id: str, **fields) -> None:
    request = urllib.request.Request(
        f"{endpoint}/backend-ctl/account", method="POST",
        data=json.dumps({"account_id": account_id, **fields}).encode(),
        headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(request, timeout=5).status == 200


def denial(account: str, action: str, resource: str) -> str:
    return (f"User: arn:aws:iam::{account}:user/testing is not authorized to perform: {action} "
            f"on resource: {resource} because no identity-based policy allows the {action} action")


def test_denied_actions_in_each_services_format(endpoint):
    account = str(next(_accounts))
    make = clients(endpoint, account)
    iam, lam, logs, cognito = make("iam"), make("lambda"), make("logs"), make("cognito-identity")
    role = make_role(iam)  # before the denial
    pool = cognito.create_identity_pool(IdentityPoolName=unique("pool"),
                                        AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    name = make_function(lam, role)
    configure(endpoint, account, deny=[
        "iam:CreateRole", "lambda:CreateFunction", "lambda:GetAccountSettings", "lambda:InvokeFunction",
        "logs:CreateLogGroup", "cognito-identity:CreateIdentityPool",
        "cognito-identity:DescribeIdentityPool"])
    fn_arn = f"arn:aws:lambda:{REGION}:{account}:function"

    cases = [
        (lambda: iam.create_role(RoleName="denied", AssumeRolePolicyDocument="{}"),
         "AccessDenied", 403, "iam:CreateRole", f"arn:aws:iam::{account}:role/denied"),
        (lambda: make_function(lam, role, name="denied-fn"),
         "AccessDeniedException", 403, "lambda:CreateFunction", f"{fn_arn}:denied-fn"),
        (lambda: lam.get_account_settings(),
         "AccessDeniedException", 403, "lambda:GetAccountSettings", "*"),
        (lambda: lam.invoke(FunctionName=name, Payload=b"{}"),
         "AccessDeniedException", 403, "lambda:InvokeFunction", f"{fn_arn}:{name}"),
        (lambda: logs.create_log_group(logGroupName="/denied"),
         "AccessDeniedException", 400, "logs:CreateLogGroup",
         f"arn:aws:logs:{REGION}:{account}:log-group:/denied"),
        (lambda: cognito.create_identity_pool(IdentityPoolName="denied", AllowUnauthenticatedIdentities=True),
         "AccessDeniedException", 400, "cognito-identity:CreateIdentityPool", "*"),
        (lambda: cognito.describe_identity_pool(IdentityPoolId=pool),
         "AccessDeniedException", 400, "cognito-identity:DescribeIdentityPool",
         f"arn:aws:cognito-identity:{REGION}:{account}:identitypool/{pool}"),
    ]
    for request, code, status, action, resource in cases:
        with pytest.raises(ClientError) as excinfo:
            request()
        assert error_of(excinfo) == (code, status, denial(account, action, resource))
        if code == "AccessDenied":
            assert excinfo.value.response["Error"]["Type"] == "Sender"

    assert iam.get_role(RoleName=role.rsplit("/", 1)[1])  # what is not denied works
    assert iam.create_policy(PolicyName=unique("p"), PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    assert lam.update_function_configuration(FunctionName=name, Timeout=7)["Timeout"] == 7
    assert logs.describe_log_groups(logGroupNamePrefix="/denied")["logGroups"] == []
    assert "denied" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    other = clients(endpoint, str(next(_accounts)))  # other accounts are not affected
    assert make_role(other("iam"), "denied")


def test_wildcards_and_case(endpoint):
    account = str(next(_accounts))
    configure(endpoint, account, deny=["IAM:create*"])
    iam = clients(endpoint, account)("iam")
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName="p", PolicyDocument="{}")
    assert error_of(excinfo)[:2] == ("AccessDenied", 403)
    assert iam.list_roles()["Roles"] == []


def test_disabled_region(endpoint):
    account = str(next(_accounts))
    configure(endpoint, account, disabled_regions=["af-south-1"])
    closed = clients(endpoint, account, region="af-south-1")
    message = "The security token included in the request is invalid."
    cases = [
        (lambda: closed("sts").get_caller_identity(), ("InvalidClientTokenId", 403, message)),
        (lambda: closed("lambda").list_functions(), ("UnrecognizedClientException", 403, message)),
        (lambda: closed("logs").describe_log_groups(), ("UnrecognizedClientException", 400, message)),
        (lambda: closed("cognito-identity").list_identity_pools(MaxResults=10),
         ("UnrecognizedClientException", 400, message)),
    ]
    for request, expected in cases:
        with pytest.raises(ClientError) as excinfo:
            request()
        assert error_of(excinfo) == expected
    open_region = clients(endpoint, account)
    assert open_region("sts").get_caller_identity()["Account"]
    assert open_region("lambda").list_functions()["Functions"] == []


def test_unsigned_calls_are_not_refused(endpoint):
    from botocore import UNSIGNED

    account = str(next(_accounts))
    make = clients(endpoint, account)
    pool = make("cognito-identity").create_identity_pool(
        IdentityPoolName=unique("pool"), AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    configure(endpoint, account, deny=["cognito-identity:*"], disabled_regions=[REGION])
    unsigned = make("cognito-identity", signature_version=UNSIGNED)
    assert unsigned.get_id(IdentityPoolId=pool)["IdentityId"]


def test_lambda_invoke_denied_but_get_function_allowed(endpoint):
    account = str(next(_accounts))
    make = clients(endpoint, account)
    lam = make("lambda")
    name = make_function(lam, make_role(make("iam")))
    assert call(lam, name)[0]["StatusCode"] == 200
    configure(endpoint, account, deny=["lambda:Invoke*"])
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert error_of(excinfo)[:2] == ("AccessDeniedException", 403)
    assert lam.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
