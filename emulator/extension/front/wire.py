"""The wire of a request, whatever its service: its headers, body, protocol and action, and AWS's error answers.

``protocol`` tells JSON (X-Amz-Target), query (IAM, STS, SNS, CloudWatch's form
bodies) and REST (Lambda) apart; ``action`` reads the API action and its
parameters; ``error`` answers in the service's own format: query HTTP 403
``<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message>
</Error><RequestId>..</RequestId></ErrorResponse>``; REST HTTP 403 with
``x-amzn-ErrorType`` and ``{"Message": ".."}`` (AccessDeniedException) or
``{"message": ".."}``; JSON HTTP 400 ``{"__type": "..", "message": ".."}``.
An authorization failure's code is the service's: ``AccessDenied`` (query),
``AuthorizationError`` (SNS), ``AccessDeniedException`` (JSON, REST).
"""

import io
import json
import os
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from moto.core.request import Request as MotoRequest
from moto.core.routing import get_service_router
from moto.iam.models import get_account_id_from
from werkzeug.wrappers import Response

XMLNS = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
         "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
         "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
         "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/"}
LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction"}
DENIED = {"sns": "AuthorizationError"}  # a service's own code for an authorization failure
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. "
                 "Check your AWS Secret Access Key and signing method. Consult the service "
                 "documentation for details.")

# An Authorization header's credential scope: (access key, region, signing name).
SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")

# A service's signing name, where it is not its IAM prefix.
IAM_PREFIX = {"monitoring": "cloudwatch"}


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


def protocol(environ: dict[str, Any], service: str) -> str:
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if service in XMLNS or (environ.get("CONTENT_TYPE") or "").startswith(
            "application/x-www-form-urlencoded"):
        return "query"
    return "rest"


def account(environ: dict[str, Any], access_key: str) -> str:
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    return environ.get("HTTP_X_MOTO_ACCOUNT_ID") or get_account_id_from(access_key)


def action(environ: dict[str, Any], service: str, protocol: str) -> tuple[str | None, dict]:
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


def error(service: str, protocol: str, code: str, message: str,
          status: int | None = None) -> Response:
    """AWS's error answer in the service's format; ``status`` replaces the
    protocol's usual one (403 for query and REST denials, 400 for JSON)."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "query":
        xmlns = f' xmlns="{XMLNS[service]}"' if service in XMLNS else ""
        body = (f"<ErrorResponse{xmlns}><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{escape(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        return Response(body, status or 403, headers, content_type="text/xml")
    headers["x-amzn-ErrorType"] = code
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        return Response(body, status or 400, headers, content_type="application/x-amz-json-1.1")
    key = "Message" if code == "AccessDeniedException" else "message"
    return Response(json.dumps({key: message}), status or 403, headers,
                    content_type="application/json")


def denial(principal: str, action: str, resource: str, decision: str, kind: str) -> str:
    """AWS's AccessDenied message for an implicit or explicit deny by a kind of policy."""
    head = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
    if decision == "ExplicitDeny":
        article = "an" if kind[0] in "aeiou" else "a"
        return f"{head} with an explicit deny in {article} {kind}"
    return f"{head} because no {kind} allows the {action} action"


def denied_code(service: str, protocol: str) -> str:
    """The code of an authorization failure in this service's answers."""
    if service in DENIED:
        return DENIED[service]
    return "AccessDenied" if protocol == "query" else "AccessDeniedException"


# The environ key of the request as the caller signed it, when a wrapper of the
# door (front.cbor) hands on another: (method, raw path, raw query, headers, body).
SIGNED = "backend_ctl.signed_request"


def signed_request(environ: dict[str, Any]) -> tuple[str, str, str, dict[str, str], bytes | None]:
    """(method, path, query, headers, body) as signed; body None: the one in the environ."""
    original = environ.get(SIGNED)
    if original is not None:
        return original
    path, query = raw_target(environ)
    return environ.get("REQUEST_METHOD") or "GET", path, query, headers_of(environ), None
