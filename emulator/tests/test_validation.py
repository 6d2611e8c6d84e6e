"""Tests of front.validation: AWS's request model at the door, one refused request per rule and protocol.

Each request is one AWS refuses before it acts (the botocore clients' own
checks are off, as a client of another SDK would not make them), answered
with the service's code and AWS's wording; the requests beside them that
keep within the model are served. The CBOR path is in test_cbor.py.
Run: .venv/bin/python -m pytest emulator -q
"""

import pytest
from botocore.exceptions import ClientError

from server import ACCOUNT, REGION, error_of, unique
from stacks import TRUST, make_function

OPEN = {"parameter_validation": False}


@pytest.fixture(scope="module")
def lam(make):
    return make("lambda", **OPEN)


@pytest.fixture(scope="module")
def iam(make):
    return make("iam", **OPEN)


@pytest.fixture(scope="module")
def logs(make):
    return make("logs", **OPEN)


@pytest.fixture(scope="module")
def cw(make):
    return make("cloudwatch", **OPEN)


@pytest.fixture(scope="module")
def pools(make):
    return make("cognito-identity", **OPEN)


def refused(call, **params) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


def one(path: str, value: str, constraint: str) -> str:
    return (f"1 validation error detected: {value} at '{path}' failed to satisfy constraint: "
            f"{constraint}")


def test_rest_json_labels_and_body(lam, role):
    # A URI label (REST-JSON): a function name with a space.
    assert refused(lam.get_function, FunctionName="my fn") == (
        "ValidationException", 400,
        one("functionName", "Value 'my fn'", "Member must satisfy regular expression pattern: "
            + lam.meta.service_model.shape_for("NamespacedFunctionName").metadata["pattern"]))
    # Body members: an unknown runtime (enum), a memory size under 128 (range).
    name = unique("fn")
    code, status, message = refused(
        lam.create_function, FunctionName=name, Runtime="cobol", Role=role,
        Handler="h", Code={"ZipFile": b"x"}, MemorySize=64)
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("2 validation errors detected: Value 'cobol' at 'runtime' failed "
                              "to satisfy constraint: Member must satisfy enum value set: [")
    assert message.endswith("; Value '64' at 'memorySize' failed to satisfy constraint: "
                            "Member must have value greater than or equal to 128")
    # Refused before moto: nothing was made.
    assert refused(lam.get_function, FunctionName=name)[0] == "ResourceNotFoundException"


def test_an_alias_description_over_256_characters(lam, role):
    name = make_function(lam, role, unique("val"))
    version = lam.publish_version(FunctionName=name)["Version"]
    assert refused(lam.create_alias, FunctionName=name, Name="live",
                   FunctionVersion=version, Description="d" * 257) == (
        "ValidationException", 400,
        one("description", f"Value '{'d' * 257}'",
            "Member must have length less than or equal to 256"))
    # Exactly 256 is within the model, and served.
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version,
                     Description="d" * 256)
    assert lam.get_alias(FunctionName=name, Name="live")["Description"] == "d" * 256


def test_map_keys_and_a_sensitive_value_not_shown(lam, role):
    code, status, message = refused(
        lam.create_function, FunctionName=unique("fn"), Runtime="provided.al2023", Role=role,
        Handler="h", Code={"ZipFile": b"x"}, Environment={"Variables": {"1BAD": "secret"}})
    assert (code, status) == ("ValidationException", 400)
    assert message == one(
        "environment.variables", "Value",
        "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
        "[a-zA-Z]([a-zA-Z0-9_])+]")
    assert "secret" not in message


def test_query_required_length_and_lists(iam):
    name = unique("val-role")
    # Required (query): no trust policy.
    assert refused(iam.create_role, RoleName=name) == (
        "ValidationError", 400,
        one("assumeRolePolicyDocument", "Value null", "Member must not be null"))
    # A description of 1,001 characters.
    assert refused(iam.create_role, RoleName=name, AssumeRolePolicyDocument=TRUST,
                   Description="x" * 1001)[2].endswith(
        "at 'description' failed to satisfy constraint: "
        "Member must have length less than or equal to 1000")
    # A list over its length (51 tags), and an item's member in it.
    tags = [{"Key": f"k{n}", "Value": "v"} for n in range(51)]
    assert refused(iam.create_role, RoleName=name, AssumeRolePolicyDocument=TRUST,
                   Tags=tags)[2].endswith("Member must have length less than or equal to 50")
    code, _, message = refused(iam.create_role, RoleName=name,
                               AssumeRolePolicyDocument=TRUST,
                               Tags=[{"Key": "k" * 129, "Value": "v"}])
    assert code == "ValidationError"
    assert "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less " \
           "than or equal to 128" in message
    # Nothing was made by the refused calls; the valid one is served.
    with pytest.raises(ClientError):
        iam.get_role(RoleName=name)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    iam.delete_role(RoleName=name)


def test_query_ranges_and_enums_of_cloudwatch(cw):
    alarm = {"MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "Sum",
             "Period": 60, "EvaluationPeriods": 1, "Threshold": 1.0,
             "ComparisonOperator": "GreaterThanThreshold"}
    assert refused(cw.put_metric_alarm, **{**alarm, "AlarmName": "a" * 256}) == (
        "ValidationError", 400,
        one("alarmName", f"Value '{'a' * 256}'",
            "Member must have length less than or equal to 255"))
    assert refused(cw.put_metric_alarm, **{**alarm, "AlarmName": unique("val"),
                                           "EvaluationPeriods": 0})[2] == one(
        "evaluationPeriods", "Value '0'", "Member must have value greater than or equal to 1")
    assert refused(cw.put_metric_alarm, **{**alarm, "AlarmName": unique("val"),
                                           "ComparisonOperator": "Bigger"})[2].startswith(
        "1 validation error detected: Value 'Bigger' at 'comparisonOperator' failed to satisfy "
        "constraint: Member must satisfy enum value set: [GreaterThanOrEqualToThreshold, ")


def test_json_patterns_and_lengths(logs, pools):
    assert refused(logs.create_log_group, logGroupName="") == (
        "InvalidParameterException", 400,
        "2 validation errors detected: Value '' at 'logGroupName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+; Value '' at "
        "'logGroupName' failed to satisfy constraint: Member must have length greater than or "
        "equal to 1")
    assert refused(pools.create_identity_pool, IdentityPoolName="bad/name",
                   AllowUnauthenticatedIdentities=True) == (
        "ValidationException", 400,
        one("identityPoolName", "Value 'bad/name'",
            "Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+"))


def test_an_unsigned_json_call_is_checked_too(pools, make):
    from botocore import UNSIGNED
    unsigned = make("cognito-identity", signature_version=UNSIGNED, **OPEN)
    assert refused(unsigned.get_id, IdentityPoolId="nope") == (
        "ValidationException", 400,
        one("identityPoolId", "Value 'nope'",
            "Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"))
    pool = pools.create_identity_pool(IdentityPoolName=unique("val_pool"),
                                      AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    assert unsigned.get_id(IdentityPoolId=pool, AccountId=ACCOUNT)["IdentityId"].startswith(
        f"{REGION}:")


def test_a_trust_policy_is_parsed_as_iam_parses_it(iam):
    name = unique("val-trust")
    assert refused(iam.create_role, RoleName=name, AssumeRolePolicyDocument="not json") == (
        "MalformedPolicyDocument", 400, "Syntax errors in policy.")
    resource = TRUST.replace('"Action"', '"Resource": "*", "Action"')
    assert refused(iam.create_role, RoleName=name, AssumeRolePolicyDocument=resource) == (
        "MalformedPolicyDocument", 400, "Has prohibited field Resource.")
    with pytest.raises(ClientError):
        iam.get_role(RoleName=name)


def test_an_alarm_period_aws_refuses(cw):
    alarm = {"AlarmName": unique("val-period"), "MetricName": "Errors", "Namespace": "AWS/Lambda",
             "Statistic": "Sum", "EvaluationPeriods": 2, "Threshold": 1.0,
             "ComparisonOperator": "GreaterThanThreshold"}
    assert refused(cw.put_metric_alarm, Period=90, **alarm) == (
        "ValidationError", 400, "Period must be 10, 20, 30 or a multiple of 60")
    assert refused(cw.put_metric_alarm, Period=60, DatapointsToAlarm=3, **alarm) == (
        "ValidationError", 400, "DatapointsToAlarm must be less than or equal to EvaluationPeriods")
    assert cw.describe_alarms(AlarmNames=[alarm["AlarmName"]])["MetricAlarms"] == []
    for period in (10, 20, 30, 120):
        cw.put_metric_alarm(Period=period, **alarm)
    assert cw.describe_alarms(AlarmNames=[alarm["AlarmName"]])["MetricAlarms"][0]["Period"] == 120


def _alias(**extra):
    return {"FunctionName": "some-fn", "Name": "live", "FunctionVersion": "1", **extra}


def _role(**extra):
    return {"RoleName": "some-role", "AssumeRolePolicyDocument": TRUST, **extra}


# Each rule on each protocol: (client, operation, parameters, code, path, constraint).
MATRIX = [
    # REST-JSON: Lambda.
    ("lam", "create_alias", {"FunctionName": "some-fn", "Name": "live"}, "ValidationException",
     "functionVersion", "Member must not be null"),
    ("lam", "create_alias", _alias(Description="d" * 257), "ValidationException",
     "description", "Member must have length less than or equal to 256"),
    ("lam", "create_alias", _alias(FunctionVersion=""), "ValidationException",
     "functionVersion", "Member must have length greater than or equal to 1"),
    # The model's bound (5,400 s); Lambda's 900 s for a plain function is its own check.
    ("lam", "update_function_configuration", {"FunctionName": "some-fn", "Timeout": 5401},
     "ValidationException", "timeout", "Member must have value less than or equal to 5400"),
    ("lam", "update_function_configuration", {"FunctionName": "some-fn", "Timeout": 0},
     "ValidationException", "timeout", "Member must have value greater than or equal to 1"),
    ("lam", "get_function", {"FunctionName": "my fn"}, "ValidationException", "functionName",
     "Member must satisfy regular expression pattern: "),
    ("lam", "update_function_configuration", {"FunctionName": "some-fn", "Runtime": "cobol"},
     "ValidationException", "runtime", "Member must satisfy enum value set: ["),
    # JSON: CloudWatch Logs.
    ("logs", "create_log_group", {}, "InvalidParameterException", "logGroupName",
     "Member must not be null"),
    ("logs", "create_log_group", {"logGroupName": "g" * 513}, "InvalidParameterException",
     "logGroupName", "Member must have length less than or equal to 512"),
    ("logs", "describe_log_groups", {"limit": 51}, "InvalidParameterException", "limit",
     "Member must have value less than or equal to 50"),
    ("logs", "describe_log_groups", {"limit": 0}, "InvalidParameterException", "limit",
     "Member must have value greater than or equal to 1"),
    ("logs", "describe_log_streams", {"logGroupName": "g", "orderBy": "Sideways"},
     "InvalidParameterException", "orderBy", "Member must satisfy enum value set: ["),
    ("logs", "create_log_group", {"logGroupName": "bad name"}, "InvalidParameterException",
     "logGroupName", "Member must satisfy regular expression pattern: "),
    # Query: IAM.
    ("iam", "create_role", {"RoleName": "some-role"}, "ValidationError",
     "assumeRolePolicyDocument", "Member must not be null"),
    ("iam", "create_role", _role(RoleName=""), "ValidationError", "roleName",
     "Member must have length greater than or equal to 1"),
    ("iam", "create_role", _role(RoleName="r" * 65), "ValidationError", "roleName",
     "Member must have length less than or equal to 64"),
    ("iam", "create_role", _role(MaxSessionDuration=3599), "ValidationError",
     "maxSessionDuration", "Member must have value greater than or equal to 3600"),
    ("iam", "create_role", _role(MaxSessionDuration=43201), "ValidationError",
     "maxSessionDuration", "Member must have value less than or equal to 43200"),
    ("iam", "create_role", _role(RoleName="bad name"), "ValidationError", "roleName",
     "Member must satisfy regular expression pattern: "),
    ("iam", "list_policies", {"Scope": "Nowhere"}, "ValidationError", "scope",
     "Member must satisfy enum value set: ["),
]


@pytest.mark.parametrize("client, operation, params, code, path, constraint", MATRIX,
                         ids=[f"{m[0]}-{m[1]}-{m[4]}-{m[5][:24]}" for m in MATRIX])
def test_each_rule_on_each_protocol(request, client, operation, params, code, path, constraint):
    caller = getattr(request.getfixturevalue(client), operation)
    got, status, message = refused(caller, **params)
    assert (got, status) == (code, 400), message
    assert message.startswith("1 validation error detected: ") or \
        message.startswith("2 validation errors detected: "), message
    assert f"at '{path}' failed to satisfy constraint: {constraint}" in message, message
