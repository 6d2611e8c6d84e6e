"""Tests of cognito.models and launch.py against a real launched server.

Run: .venv/bin/python -m pytest emulator -q
"""

import json
import os
import signal
import urllib.error
import urllib.request

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from server import ACCOUNT, DUMMY_ENV, REGION, error_of, settle, spawn_launcher, unique

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/some-unauth-role"


@pytest.fixture(scope="session")
def endpoint():
    os.environ.update(DUMMY_ENV)
    proc, url = spawn_launcher()
    yield url
    proc.stdin.close()  # EOF on stdin stops the server
    assert proc.wait(timeout=10) == 0


@pytest.fixture(scope="session")
def client(endpoint):
    def make(service: str, **config):
        return boto3.client(
            service, endpoint_url=endpoint, region_name=REGION, config=Config(**config)
        )

    return make


@pytest.fixture(scope="session")
def cognito(client):
    return client("cognito-identity")


@pytest.fixture(scope="session")
def unsigned(client):
    """What the app uses: no credentials, as for GetId and GetCredentialsForIdentity."""
    return client("cognito-identity", signature_version=UNSIGNED)


def create_pool(cognito, **kwargs) -> dict:
    kwargs.setdefault("IdentityPoolName", unique())
    kwargs.setdefault("AllowUnauthenticatedIdentities", True)
    return cognito.create_identity_pool(**kwargs)


def pool_arn(pool_id: str) -> str:
    return f"arn:aws:cognito-identity:{REGION}:{ACCOUNT}:identitypool/{pool_id}"


# --- roles -----------------------------------------------------------------


def test_roles_set_and_get(cognito):
    pool_id = create_pool(cognito)["IdentityPoolId"]
    empty = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert empty["IdentityPoolId"] == pool_id
    assert empty["Roles"] == {}
    assert "RoleMappings" not in empty

    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": ROLE_ARN})
    got = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert got["Roles"] == {"unauthenticated": ROLE_ARN}
    assert "RoleMappings" not in got

    mapping = {"Type": "Token", "AmbiguousRoleResolution": "Deny"}
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={"authenticated": ROLE_ARN},
        RoleMappings={"graph.facebook.com": mapping},
    )
    got = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert got["Roles"] == {"authenticated": ROLE_ARN}  # a replace, not a merge
    assert got["RoleMappings"] == {"graph.facebook.com": mapping}


def test_roles_unknown_pool(cognito):
    missing = f"{REGION}:00000000-0000-0000-0000-000000000000"
    with pytest.raises(ClientError) as excinfo:
        cognito.set_identity_pool_roles(IdentityPoolId=missing, Roles={"unauthenticated": ROLE_ARN})
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 400)
    with pytest.raises(ClientError) as excinfo:
        cognito.get_identity_pool_roles(IdentityPoolId=missing)
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 400)


@pytest.mark.parametrize("roles, code", [
    ({"unauthenticated": f"arn:aws:iam::{ACCOUNT}:user/not-a-role"}, "InvalidParameterException"),
    ({"guest": ROLE_ARN}, "ValidationException"),  # the model's key pattern: (un)?authenticated
])
def test_roles_invalid(cognito, roles, code):
    pool_id = create_pool(cognito)["IdentityPoolId"]
    with pytest.raises(ClientError) as excinfo:
        cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles)
    assert error_of(excinfo)[:2] == (code, 400)


def test_error_body_is_aws_json(endpoint):
    """The wire shape the Rust SDK parses: 400 + {"__type", "message"}."""
    request = urllib.request.Request(
        endpoint + "/",
        data=json.dumps({"IdentityPoolId": f"{REGION}:00000000-0000-0000-0000-000000000000"}).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityService.GetIdentityPoolRoles",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20250101/{REGION}/cognito-identity/aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request)
    assert excinfo.value.code == 400
    body = json.loads(excinfo.value.read())
    assert body["__type"] == "ResourceNotFoundException"
    assert body["message"]


# --- tags --------------------------------------------------------------------


def test_tags_from_create_and_tag_untag(cognito):
    created = create_pool(cognito, IdentityPoolTags={"backend-ctl:project": "demo"})
    pool_id, arn = created["IdentityPoolId"], pool_arn(created["IdentityPoolId"])
    assert created["IdentityPoolTags"] == {"backend-ctl:project": "demo"}
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"backend-ctl:project": "demo"}

    cognito.tag_resource(ResourceArn=arn, Tags={"backend-ctl:stage": "dev", "x": "1"})
    want = {"backend-ctl:project": "demo", "backend-ctl:stage": "dev", "x": "1"}
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == want
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolTags"] == want

    cognito.untag_resource(ResourceArn=arn, TagKeys=["x", "never-set"])
    del want["x"]
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == want
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolTags"] == want


def test_tags_without_any(cognito):
    pool_id = create_pool(cognito)["IdentityPoolId"]
    assert cognito.list_tags_for_resource(ResourceArn=pool_arn(pool_id))["Tags"] == {}


@pytest.mark.parametrize(
    "arn, code",
    [
        (pool_arn(f"{REGION}:00000000-0000-0000-0000-000000000000"), "ResourceNotFoundException"),
        ("arn:aws:lambda:us-east-1:123456789012:function:f", "InvalidParameterException"),
    ],
)
def test_tags_bad_arn(cognito, arn, code):
    for call in (
        lambda: cognito.list_tags_for_resource(ResourceArn=arn),
        lambda: cognito.tag_resource(ResourceArn=arn, Tags={"a": "b"}),
        lambda: cognito.untag_resource(ResourceArn=arn, TagKeys=["a"]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo)[:2] == (code, 400)


# --- create / update / describe ------------------------------------------------


def test_classic_flow_default_false_and_update(cognito):
    created = create_pool(cognito)
    pool_id, name = created["IdentityPoolId"], created["IdentityPoolName"]
    assert created["AllowClassicFlow"] is False
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["AllowClassicFlow"] is False

    updated = cognito.update_identity_pool(
        IdentityPoolId=pool_id, IdentityPoolName=name,
        AllowUnauthenticatedIdentities=True, AllowClassicFlow=True,
    )
    assert updated["AllowClassicFlow"] is True
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["AllowClassicFlow"] is True

    cognito.update_identity_pool(  # omitted: back to the default, as in AWS
        IdentityPoolId=pool_id, IdentityPoolName=name, AllowUnauthenticatedIdentities=True
    )
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["AllowClassicFlow"] is False

    explicit = create_pool(cognito, AllowClassicFlow=True)
    assert explicit["AllowClassicFlow"] is True


def test_update_renames_and_replaces_settings(cognito):
    created = create_pool(
        cognito,
        SupportedLoginProviders={"graph.facebook.com": "123"},
        IdentityPoolTags={"keep": "me"},
    )
    pool_id, new_name = created["IdentityPoolId"], unique("renamed")
    updated = cognito.update_identity_pool(
        IdentityPoolId=pool_id, IdentityPoolName=new_name, AllowUnauthenticatedIdentities=False
    )
    described = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    for pool in (updated, described):
        assert pool["IdentityPoolName"] == new_name
        assert pool["AllowUnauthenticatedIdentities"] is False
        assert "SupportedLoginProviders" not in pool  # full replace
        assert pool["IdentityPoolTags"] == {"keep": "me"}  # tags are not settings


def test_update_unknown_pool(cognito):
    with pytest.raises(ClientError) as excinfo:
        cognito.update_identity_pool(
            IdentityPoolId=f"{REGION}:00000000-0000-0000-0000-000000000000",
            IdentityPoolName="x", AllowUnauthenticatedIdentities=True,
        )
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 400)


# --- list ------------------------------------------------------------------------


def test_list_pages_with_max_results(cognito):
    prefix = unique("paged")
    ours = [create_pool(cognito, IdentityPoolName=f"{prefix}-{i}")["IdentityPoolId"] for i in range(5)]
    seen, pages, token = [], 0, None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = cognito.list_identity_pools(MaxResults=2, **kwargs)
        pages += 1
        assert len(page["IdentityPools"]) <= 2
        for item in page["IdentityPools"]:
            assert set(item) == {"IdentityPoolId", "IdentityPoolName"}
        seen += [p["IdentityPoolId"] for p in page["IdentityPools"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages >= 3
    assert len(seen) == len(set(seen)), "a pool came back twice"
    assert [p for p in seen if p in ours] == ours  # each once, in creation order


@pytest.mark.parametrize("max_results", [None, 0, 61])
def test_list_max_results_validated(client, max_results):
    raw = client("cognito-identity", parameter_validation=False)
    kwargs = {} if max_results is None else {"MaxResults": max_results}
    with pytest.raises(ClientError) as excinfo:
        raw.list_identity_pools(**kwargs)
    assert error_of(excinfo)[:2] == ("ValidationException", 400)


def test_list_bad_token(cognito):
    with pytest.raises(ClientError) as excinfo:
        cognito.list_identity_pools(MaxResults=2, NextToken="garbage")
    assert error_of(excinfo)[:2] == ("InvalidParameterException", 400)


# --- delete ------------------------------------------------------------------------


def test_delete_drops_roles_and_tags(cognito):
    pool_id = create_pool(cognito, IdentityPoolTags={"a": "b"})["IdentityPoolId"]
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": ROLE_ARN})
    cognito.delete_identity_pool(IdentityPoolId=pool_id)
    for call in (
        lambda: cognito.describe_identity_pool(IdentityPoolId=pool_id),
        lambda: cognito.get_identity_pool_roles(IdentityPoolId=pool_id),
        lambda: cognito.list_tags_for_resource(ResourceArn=pool_arn(pool_id)),
        lambda: cognito.delete_identity_pool(IdentityPoolId=pool_id),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 400)
    listed = cognito.list_identity_pools(MaxResults=60)["IdentityPools"]
    assert pool_id not in {p["IdentityPoolId"] for p in listed}


# --- the app's calls: GetId, GetCredentialsForIdentity ----------------------------------


def test_get_id_unknown_pool(unsigned):
    with pytest.raises(ClientError) as excinfo:
        unsigned.get_id(IdentityPoolId=f"{REGION}:00000000-0000-0000-0000-000000000000")
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 400)


def test_credentials_need_unauthenticated_role(cognito, unsigned):
    pool_id = create_pool(cognito)["IdentityPoolId"]
    identity_id = unsigned.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert identity_id.startswith(f"{REGION}:")
    with pytest.raises(ClientError) as excinfo:
        unsigned.get_credentials_for_identity(IdentityId=identity_id)
    assert error_of(excinfo)[:2] == ("InvalidIdentityPoolConfigurationException", 400)

    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": ROLE_ARN})
    got = unsigned.get_credentials_for_identity(IdentityId=identity_id)
    assert got["IdentityId"] == identity_id
    assert got["Credentials"]["AccessKeyId"] and got["Credentials"]["SecretKey"]


def test_unauthenticated_disallowed(cognito, unsigned):
    pool_id = create_pool(cognito, AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    with pytest.raises(ClientError) as excinfo:
        unsigned.get_id(IdentityPoolId=pool_id)
    assert error_of(excinfo)[:2] == ("NotAuthorizedException", 400)


def test_credentials_unknown_identity(unsigned):
    with pytest.raises(ClientError) as excinfo:
        unsigned.get_credentials_for_identity(
            IdentityId=f"{REGION}:00000000-0000-0000-0000-000000000000"
        )
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 400)


# --- lambda without docker -------------------------------------------------------------


def test_lambda_create_and_invoke_without_docker(client):
    from handlers import HOST_ARCH, function_zip

    iam, lam = client("iam"), client("lambda")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(RoleName=unique("exec"), AssumeRolePolicyDocument=json.dumps(trust))
    name = unique("fn")
    created = lam.create_function(
        FunctionName=name, Runtime="provided.al2023", Handler="bootstrap",
        Role=role["Role"]["Arn"], Code={"ZipFile": function_zip()}, Architectures=[HOST_ARCH],
    )
    assert created["FunctionName"] == name
    assert settle(lam, name)["State"] == "Active"  # after its Pending moment

    answer = lam.invoke(FunctionName=name, Payload=json.dumps({"ping": 1}))
    assert answer["StatusCode"] == 200
    payload = json.loads(answer["Payload"].read())  # the bootstrap ran: no echo
    assert payload["event"] == {"ping": 1} and isinstance(payload["pid"], int)


# --- the launcher ----------------------------------------------------------------------


def test_launcher_exits_on_stdin_eof():
    proc, _ = spawn_launcher()
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0
    assert proc.stdout.read() == ""  # the endpoint line was the only output


def test_launcher_exits_on_sigterm():
    proc, url = spawn_launcher("--no-stdin-watch")
    proc.stdin.close()  # ignored with --no-stdin-watch
    urllib.request.urlopen(url + "/moto-api/data.json", timeout=5).read()  # still serving
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
