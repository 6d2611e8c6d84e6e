"""Tests of iam.policy_size: IAM's policy-size quotas, whitespace excluded.

Each limit: a document (or aggregate) of exactly the limit passes, one
character more is refused with IAM's code, status and message, and nothing
is stored. Run: .venv/bin/python -m pytest emulator -q
"""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from botocore.exceptions import ClientError

from server import clients, error_of, unique
from stacks import TRUST

MANAGED = "Cannot exceed quota for PolicySize: 6144"


def document(size: int) -> str:
    """A valid policy of exactly ``size`` characters, none of them whitespace."""
    def text(padding: int) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b" + "x" * padding}]}, separators=(",", ":"))
    padding = size - len(text(0))
    assert padding >= 0
    doc = text(padding)
    assert len(doc) == size
    return doc


def spaced(size: int) -> str:
    """The same policy pretty-printed: far longer, the same size for IAM."""
    doc = json.dumps(json.loads(document(size)), indent=4).replace("    ", "\t \r\n ")
    assert len(doc) > size + 50
    return doc


def refused(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


# --- inline policies: user, role, group ------------------------------------------------


def user_message(name: str) -> str:
    return f"Maximum policy size of 2048 bytes exceeded for user {name}"


def test_user_limit_is_2048(iam):
    name = unique("user")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document(2048))
    assert refused(lambda: iam.put_user_policy(
        UserName=name, PolicyName="q", PolicyDocument=document(2049))
    ) == ("LimitExceeded", 409, user_message(name))
    other = unique("user")
    iam.create_user(UserName=other)
    assert refused(lambda: iam.put_user_policy(
        UserName=other, PolicyName="p", PolicyDocument=document(2049))
    ) == ("LimitExceeded", 409, user_message(other))
    assert iam.list_user_policies(UserName=other)["PolicyNames"] == []  # nothing stored


def test_whitespace_does_not_count(iam):
    name = unique("user")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=spaced(2048))
    stored = iam.get_user_policy(UserName=name, PolicyName="p")["PolicyDocument"]
    assert stored == json.loads(document(2048))
    assert refused(lambda: iam.put_user_policy(
        UserName=name, PolicyName="p", PolicyDocument=spaced(2049))
    ) == ("LimitExceeded", 409, user_message(name))


def test_user_aggregate_counts_the_other_policies(iam):
    name = unique("user")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="a", PolicyDocument=spaced(1000))
    assert refused(lambda: iam.put_user_policy(
        UserName=name, PolicyName="b", PolicyDocument=document(1049))
    ) == ("LimitExceeded", 409, user_message(name))
    assert iam.list_user_policies(UserName=name)["PolicyNames"] == ["a"]
    iam.put_user_policy(UserName=name, PolicyName="b", PolicyDocument=document(1048))
    assert sorted(iam.list_user_policies(UserName=name)["PolicyNames"]) == ["a", "b"]
    code = refused(lambda: iam.put_user_policy(
        UserName=name, PolicyName="c", PolicyDocument=document(200)))[0]
    assert code == "LimitExceeded"  # full: any third policy is refused


def test_replacing_a_policy_counts_only_the_new_one(iam):
    name = unique("user")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="a", PolicyDocument=document(2000))
    iam.put_user_policy(UserName=name, PolicyName="a", PolicyDocument=document(2048))
    iam.put_user_policy(UserName=name, PolicyName="a", PolicyDocument=document(200))
    iam.put_user_policy(UserName=name, PolicyName="b", PolicyDocument=document(1848))
    assert refused(lambda: iam.put_user_policy(
        UserName=name, PolicyName="a", PolicyDocument=document(201))
    ) == ("LimitExceeded", 409, user_message(name))
    assert iam.get_user_policy(UserName=name, PolicyName="a")["PolicyDocument"] == json.loads(
        document(200))  # the refused one did not replace it


def test_role_limit_is_10240_in_all(iam):
    name = unique("role")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    message = f"Maximum policy size of 10240 bytes exceeded for role {name}"
    iam.put_role_policy(RoleName=name, PolicyName="a", PolicyDocument=spaced(6000))
    assert refused(lambda: iam.put_role_policy(
        RoleName=name, PolicyName="b", PolicyDocument=document(4241))
    ) == ("LimitExceeded", 409, message)
    iam.put_role_policy(RoleName=name, PolicyName="b", PolicyDocument=document(4240))
    iam.put_role_policy(RoleName=name, PolicyName="a", PolicyDocument=document(6000))  # same
    alone = unique("role")
    iam.create_role(RoleName=alone, AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName=alone, PolicyName="a", PolicyDocument=document(10240))
    assert refused(lambda: iam.put_role_policy(
        RoleName=alone, PolicyName="a", PolicyDocument=document(10241))
    ) == ("LimitExceeded", 409, f"Maximum policy size of 10240 bytes exceeded for role {alone}")


def test_group_limit_is_5120_in_all(iam):
    name = unique("group")
    iam.create_group(GroupName=name)
    message = f"Maximum policy size of 5120 bytes exceeded for group {name}"
    iam.put_group_policy(GroupName=name, PolicyName="a", PolicyDocument=document(5120))
    assert refused(lambda: iam.put_group_policy(
        GroupName=name, PolicyName="a", PolicyDocument=document(5121))
    ) == ("LimitExceeded", 409, message)
    iam.put_group_policy(GroupName=name, PolicyName="a", PolicyDocument=document(4900))
    assert refused(lambda: iam.put_group_policy(
        GroupName=name, PolicyName="b", PolicyDocument=document(221))
    ) == ("LimitExceeded", 409, message)
    iam.put_group_policy(GroupName=name, PolicyName="b", PolicyDocument=spaced(220))


def test_other_errors_come_first(iam):
    assert refused(lambda: iam.put_user_policy(
        UserName=unique("nobody"), PolicyName="p", PolicyDocument=document(3000))
    )[:2] == ("NoSuchEntity", 404)
    name = unique("user")
    iam.create_user(UserName=name)
    assert refused(lambda: iam.put_user_policy(
        UserName=name, PolicyName="p", PolicyDocument="{" + "x" * 3000)
    )[:2] == ("MalformedPolicyDocument", 400)


# --- managed policies -----------------------------------------------------------------


def test_managed_policy_limit_is_6144(iam):
    name = unique("policy")
    arn = iam.create_policy(PolicyName=name, PolicyDocument=document(6144))["Policy"]["Arn"]
    assert refused(lambda: iam.create_policy(
        PolicyName=unique("policy"), PolicyDocument=document(6145))
    ) == ("LimitExceeded", 409, MANAGED)
    iam.create_policy(PolicyName=unique("policy"), PolicyDocument=spaced(6144))

    iam.create_policy_version(PolicyArn=arn, PolicyDocument=spaced(6144))
    assert refused(lambda: iam.create_policy_version(
        PolicyArn=arn, PolicyDocument=document(6145), SetAsDefault=True)
    ) == ("LimitExceeded", 409, MANAGED)
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert len(versions) == 2 and [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == [
        "v1"]
    assert refused(lambda: iam.create_policy_version(
        PolicyArn=arn.replace(name, unique("gone")), PolicyDocument=document(6145))
    )[:2] == ("NoSuchEntity", 404)


def test_the_error_is_iam_query_xml(endpoint):
    """The raw answer: HTTP 409, IAM's <ErrorResponse>, as moto's other IAM errors."""
    iam = clients(endpoint)("iam")
    name = unique("user")
    iam.create_user(UserName=name)
    form = urllib.parse.urlencode({
        "Action": "PutUserPolicy", "Version": "2010-05-08", "UserName": name,
        "PolicyName": "p", "PolicyDocument": document(2049)}).encode()
    request = urllib.request.Request(endpoint + "/", data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": ("AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/iam/"
                          "aws4_request, SignedHeaders=host, Signature=0")})
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=5)
    body = excinfo.value.read().decode()
    assert excinfo.value.code == 409
    assert "<ErrorResponse" in body and "<Code>LimitExceeded</Code>" in body
    assert f"<Message>{user_message(name)}</Message>" in body
