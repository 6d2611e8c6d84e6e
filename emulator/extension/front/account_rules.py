"""Per-account IAM denials and disabled regions, enforced before a request reaches moto.

account.settings keeps, per account, ``deny`` (IAM actions
"<service>:<Action>", case-insensitive, ``*`` and ``?`` as in IAM) and
``disabled_regions``. They apply to SigV4-signed requests (unsigned calls,
such as Cognito's GetId, are not authorized by IAM). The service and region
come from the Authorization header's credential scope
(``Credential=AKID/date/region/service/aws4_request``); the account is
moto's (MOTO_ACCOUNT_ID, else the ``x-moto-account-id`` header, else the
access key's IAM account, else 123456789012); the action from X-Amz-Target
(JSON protocols), the ``Action`` parameter (query protocol: IAM, STS), or
the method and path (REST: Lambda, through moto's router of the botocore model;
Invoke is ``lambda:InvokeFunction``).

A request in a disabled region answers as AWS does for a region that is not
enabled: query protocol HTTP 403 InvalidClientTokenId, JSON protocols HTTP
400 UnrecognizedClientException, REST HTTP 403 UnrecognizedClientException,
each "The security token included in the request is invalid.".

A denied action answers AccessDenied in the service's own format: query
(IAM, STS) HTTP 403 ``<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied
</Code><Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>``;
REST (Lambda) HTTP 403, ``x-amzn-ErrorType: AccessDeniedException``,
``{"Message": ".."}``; JSON (cognito-identity, logs) HTTP 400
``{"__type": "AccessDeniedException", "message": ".."}``. The message is AWS's:
"User: arn:aws:iam::<account>:user/testing is not authorized to perform:
<action> on resource: <resource> because no identity-based policy allows the
<action> action", the resource being the function, role, log group or
identity pool the request names (else "*").
"""

import fnmatch
import io
import json
import os
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from moto.core.request import Request as MotoRequest
from moto.core.routing import get_service_router
from moto.iam.models import get_account_id_from
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Response

from extension.account import settings as account_settings

SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
XMLNS = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
         "sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction"}
INVALID_TOKEN = "The security token included in the request is invalid."


# A service's signing name, where it is not its IAM prefix.
IAM_PREFIX = {"monitoring": "cloudwatch"}


def _protocol(environ: dict[str, Any], service: str) -> str:
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if service in XMLNS or (environ.get("CONTENT_TYPE") or "").startswith(
            "application/x-www-form-urlencoded"):
        return "query"
    return "rest"


def _account(environ: dict[str, Any], access_key: str) -> str:
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    return environ.get("HTTP_X_MOTO_ACCOUNT_ID") or get_account_id_from(access_key)


def read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body, leaving an equal stream for moto."""
    stream, length = environ.get("wsgi.input"), environ.get("CONTENT_LENGTH")
    if stream is None:
        return b""
    if length:
        data = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        data = stream.read()
    else:
        data = b""
    environ["wsgi.input"] = io.BytesIO(data)
    return data


def _json(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _action(environ: dict[str, Any], service: str, protocol: str) -> tuple[str | None, dict]:
    """The API action a request calls, and its parameters (body and path)."""
    if protocol == "json":
        return environ["HTTP_X_AMZ_TARGET"].rsplit(".", 1)[-1], _json(read_body(environ))
    if protocol == "query":
        params = dict(parse_qsl(environ.get("QUERY_STRING") or ""))
        params.update(parse_qsl(read_body(environ).decode("utf-8", "replace")))
        return params.get("Action"), params
    try:
        operation, uri_params = get_service_router(service).match(MotoRequest(environ))
    except Exception:  # noqa: BLE001 - an unknown service or path: nothing to deny
        return None, {}
    params = _json(read_body(environ)) if (environ.get("CONTENT_TYPE") or "").endswith("json") else {}
    params.update(uri_params)
    name = operation.name
    return (LAMBDA_ACTIONS.get(name, name) if service == "lambda" else name), params


def _resource(service: str, region: str, account: str, params: dict) -> str:
    partition = get_partition(region)
    if service == "lambda" and isinstance(params.get("FunctionName"), str):
        name = params["FunctionName"]
        return name if name.startswith("arn:") else (
            f"arn:{partition}:lambda:{region}:{account}:function:{name}")
    if service == "iam":
        if params.get("RoleName"):
            return f"arn:{partition}:iam::{account}:role{params.get('Path') or '/'}{params['RoleName']}"
        if params.get("PolicyArn"):
            return params["PolicyArn"]
        if params.get("UserName"):
            return f"arn:{partition}:iam::{account}:user/{params['UserName']}"
    if service == "sts" and params.get("RoleArn"):
        return params["RoleArn"]
    if service == "logs" and isinstance(params.get("logGroupName"), str):
        return f"arn:{partition}:logs:{region}:{account}:log-group:{params['logGroupName']}"
    if service == "cognito-identity" and isinstance(params.get("IdentityPoolId"), str):
        return f"arn:{partition}:cognito-identity:{region}:{account}:identitypool/{params['IdentityPoolId']}"
    return "*"


def _error(service: str, protocol: str, code: str, message: str) -> Response:
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "query":
        xmlns = f' xmlns="{XMLNS[service]}"' if service in XMLNS else ""
        body = (f"<ErrorResponse{xmlns}><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{escape(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        return Response(body, 403, headers, content_type="text/xml")
    headers["x-amzn-ErrorType"] = code
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        return Response(body, 400, headers, content_type="application/x-amz-json-1.1")
    key = "Message" if code == "AccessDeniedException" else "message"
    return Response(json.dumps({key: message}), 403, headers, content_type="application/json")


def _denied(deny: tuple[str, ...], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in deny)


def refusal(environ: dict[str, Any]) -> Response | None:
    """The answer to a request that its account's settings refuse, else None."""
    if not account_settings.any_configured():
        return None
    match = SCOPE.search(environ.get("HTTP_AUTHORIZATION") or "")
    if not match:
        return None
    access_key, region, service = match.groups()
    account = _account(environ, access_key)
    if not account_settings.configured(account):
        return None
    settings = account_settings.settings_for(account)
    protocol = _protocol(environ, service)
    if region in settings.disabled_regions:
        code = "InvalidClientTokenId" if protocol == "query" else "UnrecognizedClientException"
        return _error(service, protocol, code, INVALID_TOKEN)
    if not settings.deny:
        return None
    action, params = _action(environ, service, protocol)
    if not action or not _denied(settings.deny, f"{IAM_PREFIX.get(service, service)}:{action}"):
        return None
    iam_action = f"{IAM_PREFIX.get(service, service)}:{action}"
    partition = get_partition(region)
    message = (f"User: arn:{partition}:iam::{account}:user/testing is not authorized to perform: "
               f"{iam_action} on resource: {_resource(service, region, account, params)} "
               f"because no identity-based policy allows the {iam_action} action")
    code = "AccessDenied" if protocol == "query" else "AccessDeniedException"
    return _error(service, protocol, code, message)

