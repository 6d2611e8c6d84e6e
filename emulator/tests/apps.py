"""Helpers for the tests of the app's path: a stack, the app's credentials, its Lambda client.

``app_stack`` builds what backend-ctl deploys, in little: a function running
handlers.BOOTSTRAP, an unauthenticated role with an inline policy, and
an identity pool handing out that role. ``app_credentials`` takes the app's
path (unsigned GetId, then GetCredentialsForIdentity), ``app_lambda`` signs
with what it got. ``issued`` and ``lifetime`` use the emulator's
``/backend-ctl/cognito-identity/`` endpoints.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from server import REGION, unique
from stacks import make_function, make_role

INVOKE = "lambda:InvokeFunction"


@dataclass(frozen=True)
class AppStack:
    function: str
    function_arn: str
    pool_id: str
    role_name: str
    role_arn: str


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(resource, action=INVOKE) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def app_stack(make, exec_role: str, resources: list[str] | None = None,
              statements: list[dict] | None = None, role_prefix: str = "unauth") -> AppStack:
    """A function, a role allowed ``statements`` (default: invoke ``resources``, default: it).

    The role's name is ``role_prefix`` and a unique suffix.
    """
    iam, lam, cognito = make("iam"), make("lambda"), make("cognito-identity")
    function = make_function(lam, exec_role)
    arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    role_arn = make_role(iam, unique(role_prefix))
    role_name = role_arn.rsplit("/", 1)[1]
    if statements is None:
        statements = [allow(resources if resources is not None else arn)]
    iam.put_role_policy(RoleName=role_name, PolicyName="invoke", PolicyDocument=policy(*statements))
    pool = cognito.create_identity_pool(IdentityPoolName=unique("pool"),
                                        AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    cognito.set_identity_pool_roles(IdentityPoolId=pool, Roles={"unauthenticated": role_arn})
    return AppStack(function, arn, pool, role_name, role_arn)


def app_cognito(endpoint: str, account: str | None = None):
    """Cognito as the app calls it: no credentials at all."""
    client = boto3.client("cognito-identity", endpoint_url=endpoint, region_name=REGION,
                          config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    if account:
        client.meta.events.register(
            "before-sign.*.*", lambda request, **_: request.headers.__setitem__(
                "x-moto-account-id", account))
    return client


def app_credentials(endpoint: str, pool_id: str, account: str | None = None) -> dict:
    """A new identity's temporary credentials: GetId, then GetCredentialsForIdentity."""
    cognito = app_cognito(endpoint, account)
    identity = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    answer = cognito.get_credentials_for_identity(IdentityId=identity)
    return {**answer["Credentials"], "IdentityId": answer["IdentityId"]}


def app_lambda(endpoint: str, credentials: dict, **overrides):
    """A Lambda client signing with the app's credentials (``overrides``: secret / token)."""
    return app_client(endpoint, credentials, "lambda", **overrides)


def app_client(endpoint: str, credentials: dict, service: str, **overrides):
    """A client of ``service`` signing with the app's credentials (``overrides``: secret / token)."""
    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=overrides.get("secret", credentials["SecretKey"]),
        aws_session_token=overrides.get("token", credentials["SessionToken"]),
        config=Config(retries={"max_attempts": 1}))


def denied(role_name: str, resource: str, account: str = "123456789012",
           explicit: bool = False) -> str:
    principal = f"arn:aws:sts::{account}:assumed-role/{role_name}/CognitoIdentityCredentials"
    head = f"User: {principal} is not authorized to perform: {INVOKE} on resource: {resource}"
    if explicit:
        return f"{head} with an explicit deny in an identity-based policy"
    return f"{head} because no identity-based policy allows the {INVOKE} action"


def request(endpoint: str, path: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    call = urllib.request.Request(f"{endpoint}{path}", data=data, method=method,
                                  headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(call, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def issued(endpoint: str, pool_id: str | None = None) -> list[dict]:
    query = f"?IdentityPoolId={pool_id}" if pool_id else ""
    status, body = request(endpoint, f"/backend-ctl/cognito-identity/issued{query}")
    assert status == 200, body
    return body["Credentials"]


def lifetime(endpoint: str, seconds: int | None = None) -> int:
    """Set the credentials' lifetime (when given); the lifetime in force."""
    if seconds is None:
        status, body = request(endpoint, "/backend-ctl/cognito-identity/settings")
    else:
        status, body = request(endpoint, "/backend-ctl/cognito-identity/settings", "POST",
                               {"CredentialsLifetimeSeconds": seconds})
    assert status == 200, body
    return body["CredentialsLifetimeSeconds"]
