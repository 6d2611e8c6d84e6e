"""Unit tests of front.authorization.policy and front.authorization.conditions: IAM's evaluation of identity-based policies.

No server. Run: .venv/bin/python -m pytest emulator/tests/test_iam_policy.py -q
"""

import json
from urllib.parse import quote

import pytest

from extension.front.authorization.conditions import holds, normalize
from extension.front.authorization.policy import action_matches, evaluate, resource_matches

FN = "arn:aws:lambda:us-east-1:123456789012:function:greeter"
INVOKE = "lambda:InvokeFunction"


def doc(*statements: dict, version: str = "2012-10-17") -> dict:
    return {"Version": version, "Statement": list(statements)}


def allow(resource, action=INVOKE, **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(resource, action=INVOKE, **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# --- decisions ----------------------------------------------------------------------------


def test_allow_on_the_function_arn():
    assert evaluate([doc(allow(FN))], INVOKE, FN) == "Allow"


def test_nothing_allows_is_an_implicit_deny():
    assert evaluate([], INVOKE, FN) == "ImplicitDeny"
    assert evaluate([doc(allow(FN + "-other"))], INVOKE, FN) == "ImplicitDeny"
    assert evaluate([doc(allow(FN, action="lambda:GetFunction"))], INVOKE, FN) == "ImplicitDeny"


def test_explicit_deny_wins_over_any_allow_in_any_document():
    documents = [doc(allow("*", action="*")), doc(deny(FN))]
    assert evaluate(documents, INVOKE, FN) == "ExplicitDeny"
    assert evaluate(list(reversed(documents)), INVOKE, FN) == "ExplicitDeny"
    assert evaluate(documents, "lambda:GetFunction", FN) == "Allow"


def test_documents_as_json_text_url_encoded_text_or_dicts():
    text = json.dumps(doc(allow(FN)))
    assert evaluate([text], INVOKE, FN) == "Allow"
    assert evaluate([quote(text)], INVOKE, FN) == "Allow"  # as GetRolePolicy returns it
    assert evaluate(["not a policy", "{}", json.dumps([1])], INVOKE, FN) == "ImplicitDeny"


def test_a_single_statement_object_and_lists_of_actions_and_resources():
    single = {"Version": "2012-10-17", "Statement": allow([FN + "-a", FN], action=["s3:*", INVOKE])}
    assert evaluate([single], INVOKE, FN) == "Allow"


def test_statements_need_an_effect_an_action_and_a_resource():
    assert evaluate([doc({"Effect": "Allow", "Action": INVOKE})], INVOKE, FN) == "ImplicitDeny"
    assert evaluate([doc({"Effect": "Allow", "Resource": FN})], INVOKE, FN) == "ImplicitDeny"
    assert evaluate([doc({"Effect": "Maybe", "Action": INVOKE, "Resource": FN})], INVOKE, FN) == \
        "ImplicitDeny"


def test_not_action_and_not_resource():
    not_action = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    assert evaluate([doc(not_action)], INVOKE, FN) == "Allow"
    assert evaluate([doc(not_action)], "iam:CreateRole", "*") == "ImplicitDeny"
    not_resource = {"Effect": "Deny", "Action": "lambda:*", "NotResource": FN}
    documents = [doc(allow("*", action="lambda:*"), not_resource)]
    assert evaluate(documents, INVOKE, FN) == "Allow"
    assert evaluate(documents, INVOKE, FN + "-other") == "ExplicitDeny"


# --- actions and resources ----------------------------------------------------------------


@pytest.mark.parametrize("pattern, action, matches", [
    ("lambda:InvokeFunction", "lambda:InvokeFunction", True),
    ("LAMBDA:invokefunction", "lambda:InvokeFunction", True),  # actions ignore case
    ("lambda:Invoke*", "lambda:InvokeFunction", True),
    ("lambda:*", "lambda:InvokeFunction", True),
    ("*", "lambda:InvokeFunction", True),
    ("lambda:Invoke?unction", "lambda:InvokeFunction", True),
    ("lambda:Invoke", "lambda:InvokeFunction", False),
    ("lambda:Get*", "lambda:InvokeFunction", False),
    ("s3:*", "lambda:InvokeFunction", False),
])
def test_action_matching(pattern, action, matches):
    assert action_matches(pattern, action) is matches


@pytest.mark.parametrize("pattern, resource, matches", [
    (FN, FN, True),
    (FN.upper(), FN, False),  # resources are case-sensitive
    ("*", FN + ":live", True),
    # aws-cdk#19273: the bare ARN does not cover a qualified one, nor the reverse
    (FN, FN + ":live", False),
    (FN, FN + ":$LATEST", False),
    (FN + ":live", FN + ":live", True),
    (FN + ":live", FN, False),
    (FN + ":live", FN + ":1", False),
    (FN + ":*", FN + ":live", True),
    (FN + ":*", FN + ":$LATEST", True),
    (FN + ":*", FN, False),
    (FN + "*", FN + ":live", True),  # a * that ends a segment expands beyond colons
    ("arn:aws:lambda:*:123456789012:function:greeter", FN, True),
    ("arn:aws:lambda:us-east-1:123456789012:function:gr*er", FN, True),
    # a * inside a segment stays in it
    ("arn:aws:lambda:us-east-1:123456789012:function:gr*er", FN[:-len("greeter")] + "gr:x:er", False),
    ("arn:aws:lambda:us-east-1:123456789012:function:gr*", FN[:-len("greeter")] + "gr:x:er", True),
    ("arn:aws:lambda:us-east-1:12345678901?:function:greeter", FN, True),
    ("arn:aws:lambda:us-east-1:123456789012:function:greeter.", FN + "x", False),
])
def test_resource_matching(pattern, resource, matches):
    assert resource_matches(pattern, resource) is matches


def test_qualified_and_unqualified_invocations():
    bare, live = doc(allow(FN)), doc(allow(FN + ":live"))
    assert evaluate([bare], INVOKE, FN) == "Allow"
    assert evaluate([bare], INVOKE, FN + ":live") == "ImplicitDeny"
    assert evaluate([bare], INVOKE, FN + ":$LATEST") == "ImplicitDeny"
    assert evaluate([live], INVOKE, FN + ":live") == "Allow"
    assert evaluate([live], INVOKE, FN) == "ImplicitDeny"
    assert evaluate([live], INVOKE, FN + ":staging") == "ImplicitDeny"
    assert evaluate([doc(allow([FN, FN + ":*"]))], INVOKE, FN + ":staging") == "Allow"


# --- policy variables ---------------------------------------------------------------------


def test_policy_variables_resolve_from_the_context():
    context = {"cognito-identity.amazonaws.com:sub": "us-east-1:abc"}
    statement = allow("arn:aws:s3:::bucket/${cognito-identity.amazonaws.com:sub}/*",
                      action="s3:GetObject")
    assert evaluate([doc(statement)], "s3:GetObject", "arn:aws:s3:::bucket/us-east-1:abc/x",
                    context) == "Allow"
    assert evaluate([doc(statement)], "s3:GetObject", "arn:aws:s3:::bucket/us-east-1:other/x",
                    context) == "ImplicitDeny"
    assert evaluate([doc(statement)], "s3:GetObject", "arn:aws:s3:::bucket/us-east-1:abc/x",
                    {}) == "ImplicitDeny"  # no value: no match
    # 2008-10-17 documents know no variables: the text is literal
    literal = doc(statement, version="2008-10-17")
    assert evaluate([literal], "s3:GetObject",
                    "arn:aws:s3:::bucket/${cognito-identity.amazonaws.com:sub}/x", context) == "Allow"


def test_special_and_default_variables():
    assert resource_matches("arn:aws:s3:::a${*}b", "arn:aws:s3:::a*b", {})
    assert not resource_matches("arn:aws:s3:::a${*}b", "arn:aws:s3:::axxb", {})
    assert resource_matches("arn:aws:s3:::${aws:username, 'nobody'}", "arn:aws:s3:::nobody", {})


# --- conditions ---------------------------------------------------------------------------


def test_conditions_gate_a_statement():
    statement = allow(FN, Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})
    assert evaluate([doc(statement)], INVOKE, FN, {"aws:RequestedRegion": "us-east-1"}) == "Allow"
    assert evaluate([doc(statement)], INVOKE, FN, {"aws:requestedregion": "eu-west-1"}) == \
        "ImplicitDeny"
    assert evaluate([doc(statement)], INVOKE, FN, {}) == "ImplicitDeny"


def test_a_condition_that_cannot_be_evaluated_fails_closed():
    unknown = {"StringSoundsLike": {"aws:RequestedRegion": "us-east-1"}}
    assert evaluate([doc(allow(FN, Condition=unknown))], INVOKE, FN,
                    {"aws:RequestedRegion": "us-east-1"}) == "ImplicitDeny"
    documents = [doc(allow(FN), deny(FN, Condition=unknown))]
    assert evaluate(documents, INVOKE, FN) == "ExplicitDeny"


@pytest.mark.parametrize("condition, expected", [
    ({"StringEquals": {"aws:PrincipalType": "AssumedRole"}}, True),
    ({"StringEquals": {"AWS:PRINCIPALTYPE": "AssumedRole"}}, True),  # keys ignore case
    ({"StringEquals": {"aws:PrincipalType": "assumedrole"}}, False),
    ({"StringEqualsIgnoreCase": {"aws:PrincipalType": "assumedrole"}}, True),
    ({"StringNotEquals": {"aws:PrincipalType": ["User", "Root"]}}, True),
    ({"StringNotEquals": {"aws:PrincipalType": ["User", "AssumedRole"]}}, False),
    ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}}, True),
    ({"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}}, False),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}}, True),
    ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/other"}}, False),
    ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/other*"}}, True),
    ({"Bool": {"aws:SecureTransport": "false"}}, True),
    ({"Bool": {"aws:SecureTransport": True}}, False),
    ({"NumericLessThan": {"aws:EpochTime": 2000000000}}, True),
    ({"NumericGreaterThanEquals": {"aws:EpochTime": "2000000000"}}, False),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, True),
    ({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, False),
    ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, True),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, False),
    ({"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauth*"}}, True),
    ({"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}, False),
    ({"ForAllValues:StringEquals": {"cognito-identity.amazonaws.com:amr": ["unauthenticated"]}}, True),
    ({"Null": {"aws:username": "true"}}, True),
    ({"Null": {"aws:PrincipalType": "true"}}, False),
    ({"Null": {"aws:PrincipalType": "false"}}, True),
    # several operators and keys: all must hold
    ({"StringEquals": {"aws:PrincipalType": "AssumedRole", "aws:RequestedRegion": "us-east-1"},
      "Bool": {"aws:SecureTransport": "false"}}, True),
    ({"StringEquals": {"aws:PrincipalType": "AssumedRole", "aws:RequestedRegion": "eu-west-1"}},
     False),
    # a value may use policy variables
    ({"StringEquals": {"aws:userid": "${aws:PrincipalType}"}}, False),
    ({"StringEquals": {"aws:PrincipalType": "${aws:PrincipalType}"}}, True),
])
def test_condition_operators(condition, expected):
    context = normalize({
        "aws:PrincipalType": "AssumedRole",
        "aws:PrincipalArn": "arn:aws:iam::123456789012:role/app-unauth",
        "aws:SecureTransport": "false", "aws:EpochTime": "1700000000",
        "aws:CurrentTime": "2023-11-14T22:13:20Z", "aws:SourceIp": "127.0.0.1",
        "aws:RequestedRegion": "us-east-1", "aws:userid": "AROAEXAMPLE:CognitoIdentityCredentials",
        "cognito-identity.amazonaws.com:amr": ["unauthenticated"],
    })
    assert holds(condition, context) is expected


@pytest.mark.parametrize("condition, expected", [
    ({"StringEquals": {"aws:username": "x"}}, False),  # a positive operator: false
    ({"StringNotEquals": {"aws:username": "x"}}, True),  # a negated operator: true
    ({"StringEqualsIfExists": {"aws:username": "x"}}, True),
    ({"ForAnyValue:StringEquals": {"aws:username": "x"}}, False),
    ({"ForAllValues:StringEquals": {"aws:username": "x"}}, True),
])
def test_a_key_missing_from_the_request(condition, expected):
    assert holds(condition, {}) is expected


@pytest.mark.parametrize("condition", [
    {"StringSoundsLike": {"k": "v"}},
    {"SomeValue:StringEquals": {"k": "v"}},
    {"NumericLessThan": {"k": "not a number"}},
    {"DateLessThan": {"k": "yesterday"}},
    {"IpAddress": {"k": "not-an-ip/99"}},
    {"Null": {"k": "perhaps"}},
    {"StringEquals": {"k": {"nested": "object"}}},
    "not a block",
])
def test_conditions_that_cannot_be_evaluated(condition):
    assert holds(condition, normalize({"k": "5"})) is None
