"""The app's Lambda calls, authenticated and authorized as AWS does, before moto dispatches them.

A Lambda request (credential scope service ``lambda``) signed with credentials
that GetCredentialsForIdentity issued (cognito.identities) is checked in
AWS's order, each refusal HTTP 403 with ``x-amzn-ErrorType`` and a JSON body:

1. ``X-Amz-Security-Token`` must be the session token issued with the key:
   UnrecognizedClientException "The security token included in the request
   is invalid.";
2. the credentials must not have expired: ExpiredTokenException "The
   security token included in the request is expired";
3. the SigV4 signature is recomputed with the issued secret over the request
   as received (sigv4: method, path, query, signed headers, body hash):
   InvalidSignatureException "The request signature we calculated does not
   match the signature you provided. Check your AWS Secret Access Key and
   signing method. Consult the service documentation for details.";
4. the role's identity-based policies (inline, and attached managed ones; a
   permissions boundary, if set, must allow too) are evaluated by front.authorization.policy
   for ``lambda:<Action>`` (Invoke and InvokeWithResponseStream are
   ``lambda:InvokeFunction``) on the function's ARN, qualified when the call
   names a qualifier (``?Qualifier=``, ``name:qualifier`` or a qualified ARN):
   AccessDeniedException ``{"Message": "User: arn:aws:sts::<account>:assumed-role/
   <role>/CognitoIdentityCredentials is not authorized to perform:
   lambda:InvokeFunction on resource: <arn> because no identity-based policy
   allows the lambda:InvokeFunction action"}`` (or "with an explicit deny in
   an identity-based policy"). The policies are the ones IAM has propagated:
   while front.switches' ``iam_propagation_seconds`` is on for a scope
   prefixing the role's name (``POST /backend-ctl/switches {"scope": "<prefix>",
   "iam_propagation_seconds": N}``), a PutRolePolicy, DeleteRolePolicy,
   AttachRolePolicy or DetachRolePolicy of the role is seen N seconds after
   it is made: until then the call is evaluated against that policy as it
   was before (a just-put invoke policy answers AccessDeniedException, a
   just-deleted one still allows), and a role created less than N seconds
   ago has no permissions at all. Without the switch, the role's policies
   are read as they are on every call.

An allowed call goes on to moto in the credentials' account (the role's,
unless MOTO_ACCOUNT_ID or ``x-moto-account-id`` says otherwise) and carries
the caller's identity (``{"cognitoIdentityId", "cognitoIdentityPoolId"}``)
in the WSGI environ under IDENTITY_KEY, where Invoke finds it for the
runtime API's ``Lambda-Runtime-Cognito-Identity`` header.

An Invoke (``/functions/<name>/invocations``, ``invoke-async``,
``response-streaming-invocations``) with no signature at all (no
Authorization header, no presigned query) answers 403
MissingAuthenticationTokenException ``{"message": "Missing Authentication
Token"}``. Requests signed with any other key (or an Authorization header
this module cannot read) are left to moto as before.
"""

import functools
import io
import json
import os
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from moto.core.request import Request as MotoRequest
from moto.core.routing import ServiceOperationRouter, get_service_router
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Response

from extension.front import account_rules
from extension.cognito import identities
from extension.iam import propagation
from extension.front.authorization import policy
from extension.front import sigv4
from extension.cognito.identities import Issued

IDENTITY_KEY = "backend_ctl.cognito_identity"
SESSION_NAME = "CognitoIdentityCredentials"
INVOKE_PATH = re.compile(
    r"/\d{4}-\d{2}-\d{2}/functions/[^/]+/(invocations|invoke-async|response-streaming-invocations)/?")
ROLE_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):role/(?:.*/)?([^/]+)")
IAM_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction"}
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. "
                 "Check your AWS Secret Access Key and signing method. Consult the service "
                 "documentation for details.")


def _error(code: str, message: str, key: str = "message") -> Response:
    """Lambda's error answer: 403, ``x-amzn-ErrorType``, ``{"message"}`` (``Message`` for AccessDenied)."""
    headers = {"x-amzn-RequestId": str(uuid.uuid4()), "x-amzn-ErrorType": code}
    return Response(json.dumps({key: message}), 403, headers, content_type="application/json")


def headers_of(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers, lower-case names, as WSGI holds them."""
    headers = {key[5:].replace("_", "-").lower(): value
               for key, value in environ.items() if key.startswith("HTTP_")}
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        if environ.get(key):
            headers[name] = environ[key]
    return headers


def raw_target(environ: dict[str, Any]) -> tuple[str, str]:
    """The path and query as sent on the request line (still URL-encoded)."""
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not uri:
        return quote(environ.get("PATH_INFO") or "/", safe="/~!$&'()*+,;=:@%"), \
            environ.get("QUERY_STRING") or ""
    if "://" in uri.split("?", 1)[0]:
        uri = "/" + uri.split("://", 1)[1].partition("/")[2]
    path, _, query = uri.partition("?")
    return path, query


def function_arn(name: str, qualifier: str | None, partition: str, region: str, account: str) -> str:
    """The ARN a call on ``name`` is authorized against: qualified when it names a qualifier."""
    parts = name.split(":")
    if name.startswith("arn:") and len(parts) >= 7:
        partition, region, account, name = parts[1], parts[3], parts[4], parts[6]
        qualifier = parts[7] if len(parts) > 7 else qualifier
    elif len(parts) >= 3 and parts[1] == "function":
        account, name = parts[0], parts[2]
        qualifier = parts[3] if len(parts) > 3 else qualifier
    elif len(parts) == 2:
        name, qualifier = parts
    arn = f"arn:{partition}:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


@functools.lru_cache(maxsize=1)
def _router() -> ServiceOperationRouter:
    return get_service_router("lambda")


def action_and_resource(environ: dict[str, Any], region: str, account: str) -> tuple[str, str] | None:
    """The IAM action and resource ARN of a Lambda request (None: a path Lambda does not have)."""
    try:
        operation, params = _router().match(MotoRequest(environ))
    except Exception:  # noqa: BLE001 - not a Lambda operation: moto answers it
        return None
    action = f"lambda:{IAM_ACTIONS.get(operation.name, operation.name)}"
    name = params.get("FunctionName")
    if not isinstance(name, str):
        return action, "*"
    query = dict(sigv4.query_pairs(environ.get("QUERY_STRING") or ""))
    return action, function_arn(name, query.get("Qualifier"), get_partition(region), region, account)


def _role(issued: Issued) -> tuple[str, str, str, Any]:
    """The role's partition, account, name, and moto's Role (None when it is gone)."""
    match = ROLE_ARN.fullmatch(issued.role_arn)
    partition, account, name = match.groups() if match else ("aws", issued.account, issued.role_arn)
    backend = iam_backends[account][partition]
    role = next((r for r in backend.get_roles() if r.name.lower() == name.lower()), None)
    return partition, account, role.name if role else name, role


def _documents(role: Any, boundary: bool = False) -> list[str]:
    if role is None:
        return []
    backend = iam_backends[role.account_id][role.partition]
    if boundary:
        arns = [role.permissions_boundary_arn] if role.permissions_boundary_arn else []
        policies = [backend.managed_policies.get(arn) for arn in arns]
        return [v.document for p in policies if p for v in p.versions if v.is_default]
    inline, managed = propagation.visible_permissions(role)
    return inline + [v.document for p in managed for v in p.versions if v.is_default]


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _role_account(issued: Issued) -> str:
    match = ROLE_ARN.fullmatch(issued.role_arn)
    return match[2] if match else issued.account


def context(issued: Issued, environ: dict[str, Any], region: str, role: Any) -> dict[str, Any]:
    """The request context keys a role session from Cognito has."""
    now = time.time()
    return {
        "aws:PrincipalArn": issued.role_arn,
        "aws:PrincipalAccount": _role_account(issued),
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": f"{role.id if role else 'AROA'}:{SESSION_NAME}",
        "aws:CurrentTime": _iso(now), "aws:EpochTime": str(int(now)),
        "aws:TokenIssueTime": _iso(issued.issued_at),
        "aws:SecureTransport": "true" if environ.get("wsgi.url_scheme") == "https" else "false",
        "aws:SourceIp": environ.get("REMOTE_ADDR") or "127.0.0.1",
        "aws:RequestedRegion": region,
        "aws:FederatedProvider": "cognito-identity.amazonaws.com",
        "cognito-identity.amazonaws.com:aud": issued.pool_id,
        "cognito-identity.amazonaws.com:sub": issued.identity_id,
        "cognito-identity.amazonaws.com:amr": ["unauthenticated"],
    }


def _account(environ: dict[str, Any], issued: Issued) -> str:
    """The account the call goes to: moto's choice, else the credentials' (the role's) account."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if not environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = _role_account(issued)
    return environ["HTTP_X_MOTO_ACCOUNT_ID"]


def denial(principal: str, action: str, resource: str, decision: str, kind: str) -> str:
    """AWS's AccessDenied message for an implicit or explicit deny by a kind of policy."""
    head = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
    if decision == "ExplicitDeny":
        article = "an" if kind[0] in "aeiou" else "a"
        return f"{head} with an explicit deny in {article} {kind}"
    return f"{head} because no {kind} allows the {action} action"


def authorize(environ: dict[str, Any], issued: Issued, region: str) -> Response | None:
    """Evaluate the role's policies for the call; None when allowed."""
    found = action_and_resource(environ, region, _account(environ, issued))
    if found is None:
        return None
    action, resource = found
    partition, account, role_name, role = _role(issued)
    values = context(issued, environ, region, role)
    principal = f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{SESSION_NAME}"
    checks = [("identity-based policy", _documents(role))]
    if role is not None and role.permissions_boundary_arn:
        checks.append(("permissions boundary", _documents(role, boundary=True)))
    for kind, documents in checks:
        decision = policy.evaluate(documents, action, resource, values)
        if decision != "Allow":
            return _error("AccessDeniedException",
                          denial(principal, action, resource, decision, kind), key="Message")
    return None


def refusal(environ: dict[str, Any]) -> Response | None:
    """The answer to a Lambda call the app's credentials may not make, else None."""
    environ.pop(IDENTITY_KEY, None)  # only this check may say who the caller is
    headers = headers_of(environ)
    path, query = raw_target(environ)
    signed = sigv4.parse(headers, query)
    if signed is None:
        unsigned = "authorization" not in headers and "X-Amz-Signature=" not in query
        if unsigned and INVOKE_PATH.fullmatch(environ.get("PATH_INFO") or ""):
            return _error("MissingAuthenticationTokenException", "Missing Authentication Token")
        return None
    issued = identities.lookup(signed.access_key) if signed.service == "lambda" else None
    if issued is None:
        return None
    token = headers.get("x-amz-security-token") or dict(sigv4.query_pairs(query)).get(
        "X-Amz-Security-Token")
    if token != issued.session_token:
        return _error("UnrecognizedClientException", INVALID_TOKEN)
    if issued.expired():
        return _error("ExpiredTokenException", EXPIRED_TOKEN)
    body = account_rules.read_body(environ)
    request = sigv4.Request(environ.get("REQUEST_METHOD") or "GET", path, query, headers, body)
    if not sigv4.verify(signed, issued.secret, request):
        return _error("InvalidSignatureException", BAD_SIGNATURE)
    refused = authorize(environ, issued, signed.region)
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
    if refused is None:
        environ[IDENTITY_KEY] = {"cognitoIdentityId": issued.identity_id,
                                 "cognitoIdentityPoolId": issued.pool_id}
    return refused

