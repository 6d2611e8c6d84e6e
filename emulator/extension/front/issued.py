"""Calls signed with credentials the emulator issued, authenticated and authorized as AWS does, on every service.

A request to any service the emulator serves (its credential scope's
service: lambda, iam, sts, cognito-identity, logs, sns, monitoring ...)
signed with credentials that GetCredentialsForIdentity issued
(cognito.identities) is checked in AWS's order, each refusal in the
service's own error format (wire.error):

1. ``X-Amz-Security-Token`` must be the session token issued with the key:
   UnrecognizedClientException (JSON, REST; InvalidClientTokenId for query
   services) "The security token included in the request is invalid.";
2. the credentials must not have expired: ExpiredTokenException (ExpiredToken
   for query services) "The security token included in the request is expired";
3. the SigV4 signature is recomputed with the issued secret over the request
   as received (sigv4; an RPC v2 CBOR call as it was signed, before front.cbor
   translated it): InvalidSignatureException (SignatureDoesNotMatch for query
   services), AWS's message;
4. the call's action on its resource (front.authorization.resources: Invoke is
   ``lambda:InvokeFunction`` on the function's ARN, qualified when the call
   names a qualifier; a List call without a resource type on ``*``), and its
   dependent actions, are evaluated (front.authorization.policy) against, in
   turn: the role's identity-based policies (inline, and attached managed
   ones), its permissions boundary if set, and for an unauthenticated
   identity Cognito's scope-down session policy (SCOPE_DOWN: the services the
   Cognito Developer Guide, "IAM roles", lists as those "unauthenticated
   enhanced flow users can access"; IAM and STS are not among them, so a
   guest role widened to ``iam:ListRoles`` is still refused). The first that
   does not allow answers the service's authorization failure
   (AccessDeniedException; AccessDenied for query services, AuthorizationError
   for SNS): "User: arn:aws:sts::<account>:assumed-role/<role>/
   CognitoIdentityCredentials is not authorized to perform: <action> on
   resource: <arn> because no identity-based policy allows the <action>
   action" (or "no permissions boundary", "no session policy", or "with an
   explicit deny in an identity-based policy"). sts:GetCallerIdentity needs no
   permission.

The policies are the ones IAM has propagated: while front.switches'
``iam_propagation_seconds`` is on for a scope prefixing the role's name, a
PutRolePolicy, DeleteRolePolicy, AttachRolePolicy or DetachRolePolicy of the
role is seen N seconds after it is made (iam.propagation), and a role created
less than N seconds ago has no permissions at all.

An allowed call goes on to moto in the credentials' account (the role's,
unless MOTO_ACCOUNT_ID or ``x-moto-account-id`` says otherwise); an allowed
Lambda call carries the caller's identity (``{"cognitoIdentityId",
"cognitoIdentityPoolId"}``) in the WSGI environ under IDENTITY_KEY, where
Invoke finds it for the runtime API's ``Lambda-Runtime-Cognito-Identity``
header.

An Invoke (``/functions/<name>/invocations``, ``invoke-async``,
``response-streaming-invocations``) with no signature at all (no
Authorization header, no presigned query) answers 403
MissingAuthenticationTokenException ``{"message": "Missing Authentication
Token"}``. Requests signed with any other key (the deployer's, the tests'
``testing``) are left to the checks after this one.
"""

import io
import json
import os
import re
import time
from datetime import datetime, timezone
from typing import Any

from moto.iam.models import iam_backends
from werkzeug.wrappers import Response

from extension.cognito import identities
from extension.cognito.identities import Issued
from extension.front import sigv4, wire
from extension.front.authorization import checks, resources
from extension.iam import propagation

IDENTITY_KEY = "backend_ctl.cognito_identity"
SESSION_NAME = "CognitoIdentityCredentials"
AMR = ("unauthenticated",)  # what every identity the emulator issues credentials to is, for now
INVOKE_PATH = re.compile(
    r"/\d{4}-\d{2}-\d{2}/functions/[^/]+/(invocations|invoke-async|response-streaming-invocations)/?")
ROLE_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):role/(?:.*/)?([^/]+)")
# Cognito's scope-down session policy for unauthenticated identities (enhanced
# flow): the services, and the few actions of others, a guest may ever use.
SCOPE_DOWN_SERVICES = (
    "appsync", "cloudwatch", "codewhisperer", "cognito-identity", "cognito-idp", "cognito-sync",
    "comprehend", "dynamodb", "execute-api", "firehose", "gamelift", "geo", "iot",
    "kinesisanalytics", "lambda", "lex", "logs", "machinelearning", "mobileanalytics",
    "personalize", "polly", "rekognition", "s3", "sdb", "ses", "sns", "sqs", "transcribe",
    "translate")
SCOPE_DOWN_ACTIONS = (
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
    "sagemaker:InvokeEndpoint", "textract:DetectDocumentText", "textract:AnalyzeDocument",
    "sumerian:View*", "rum:PutRumEvents")
SCOPE_DOWN = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Resource": "*",
    "Action": [f"{service}:*" for service in SCOPE_DOWN_SERVICES] + list(SCOPE_DOWN_ACTIONS)}]})


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
        "cognito-identity.amazonaws.com:amr": list(AMR),
    }


def _account(environ: dict[str, Any], issued: Issued) -> str:
    """The account the call goes to: moto's choice, else the credentials' (the role's) account."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if not environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = _role_account(issued)
    return environ["HTTP_X_MOTO_ACCOUNT_ID"]


def _policies(role: Any, issued: Issued) -> list[tuple[str, list[str]]]:
    """Each kind of policy that must allow the call, in the order AWS names them."""
    policies = [("identity-based policy", _documents(role))]
    if role is not None and role.permissions_boundary_arn:
        policies.append(("permissions boundary", _documents(role, boundary=True)))
    if "unauthenticated" in AMR:
        policies.append(("session policy", [SCOPE_DOWN]))
    return policies


def authorize(environ: dict[str, Any], issued: Issued, service: str, protocol: str,
              region: str, query: str) -> Response | None:
    """Evaluate the call and its dependent actions for the role's session; None when allowed."""
    try:
        action, params = wire.action(environ, service, protocol)
    finally:
        environ["wsgi.input"] = io.BytesIO(wire.read_body(environ))
    if not action:
        return None  # not an operation of the service: moto answers it
    account = _account(environ, issued)
    call = resources.call(service, action, params, sigv4.query_pairs(query), region, account)
    partition, role_account, role_name, role = _role(issued)
    principal = f"arn:{partition}:sts::{role_account}:assumed-role/{role_name}/{SESSION_NAME}"
    refused = checks.first_refused(_policies(role, issued), checks.required(call, service, params),
                                   context(issued, environ, region, role))
    if refused is None:
        return None
    action, resource, decision, kind = refused
    return wire.error(service, protocol, wire.denied_code(service, protocol),
                      wire.denial(principal, action, resource, decision, kind))


def refusal(environ: dict[str, Any]) -> Response | None:
    """The answer to a call the emulator's issued credentials may not make, else None."""
    environ.pop(IDENTITY_KEY, None)  # only this check may say who the caller is
    method, path, query, headers, signed_body = wire.signed_request(environ)
    signed = sigv4.parse(headers, query)
    if signed is None:
        unsigned = "authorization" not in headers and "X-Amz-Signature=" not in query
        if unsigned and INVOKE_PATH.fullmatch(environ.get("PATH_INFO") or ""):
            return wire.error("lambda", "rest", "MissingAuthenticationTokenException",
                              "Missing Authentication Token")
        return None
    issued = identities.lookup(signed.access_key)
    if issued is None:
        return None
    service = signed.service
    protocol = wire.protocol(environ, service)
    query_service = protocol == "query"
    token = headers.get("x-amz-security-token") or dict(sigv4.query_pairs(query)).get(
        "X-Amz-Security-Token")
    if token != issued.session_token:
        code = "InvalidClientTokenId" if query_service else "UnrecognizedClientException"
        return wire.error(service, protocol, code, wire.INVALID_TOKEN)
    if issued.expired():
        code = "ExpiredToken" if query_service else "ExpiredTokenException"
        return wire.error(service, protocol, code, wire.EXPIRED_TOKEN)
    body = wire.read_body(environ)
    request = sigv4.Request(method, path, query, headers,
                            body if signed_body is None else signed_body)
    if not sigv4.verify(signed, issued.secret, request):
        code = "SignatureDoesNotMatch" if query_service else "InvalidSignatureException"
        return wire.error(service, protocol, code, wire.BAD_SIGNATURE)
    refused = authorize(environ, issued, service, protocol, signed.region, query)
    if refused is None and service == "lambda":
        environ[IDENTITY_KEY] = {"cognitoIdentityId": issued.identity_id,
                                 "cognitoIdentityPoolId": issued.pool_id}
    return refused
