"""Requests signed with an IAM user's access key, authenticated and authorized as IAM does.

Opt-in, per user. A user is switched on by either:

* ``POST /backend-ctl/authorize {"users": ["<name>", ...]}`` (optionally
  ``"account_id": "<12 digits>"``, else any account), adding to the set;
  ``GET`` lists it (``{"users": [{"name", "account_id"}]}``), ``DELETE``
  empties it, and ``POST /moto-api/reset`` empties it too;
* or the tag ``backend-ctl:authorize`` = ``true`` on the IAM user.

A SigV4-signed request (header or presigned) whose access key is an ``AKIA``
key of such a user (moto's CreateAccessKey) is then, before moto sees it:

1. refused when the key is inactive (query: 403 InvalidClientTokenId; JSON:
   400, REST: 403 UnrecognizedClientException; "The security token included
   in the request is invalid.");
2. refused when the signature is not the one the key's secret gives over the
   request as received (``sigv4``): query 403 SignatureDoesNotMatch, JSON 400
   / REST 403 InvalidSignatureException, AWS's message;
3. evaluated (``checks``) for the call's action on its resource
   (``resources``), with the principal's keys (``aws:username``,
   ``aws:PrincipalArn`` ...), ``aws:RequestTag/<k>``, ``aws:TagKeys``,
   ``aws:ResourceTag/<k>``, then for its dependent actions
   (``iam:PassRole`` with ``iam:PassedToService`` ...); the first one not
   allowed answers AccessDenied in the service's format (front.account_rules):
   "User: arn:aws:iam::<acct>:user/<name> is not authorized to perform:
   <action> on resource: <arn> because no identity-based policy allows the
   <action> action" (or "with an explicit deny in an identity-based policy").

sts:GetCallerIdentity needs no permission. Requests signed with any other key
go on exactly as before.
"""

import io
import json
import threading
from typing import Any, Callable

from moto.iam.models import PARTITION_NAMES, iam_backends
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Request, Response

from extension.front import sigv4
from extension.front import wire

from . import checks, dependent, resources

PATH = "/backend-ctl/authorize"
TAG = "backend-ctl:authorize"
_lock = threading.Lock()
_users: set[tuple[str, str]] = set()  # (account id or "*", lower-case name)


def reset() -> None:
    with _lock:
        _users.clear()


def _key_owner(access_key: str) -> tuple[Any, Any, str] | None:
    """(key, user, partition) of an IAM user's access key, else None."""
    for account_id, account in list(iam_backends.items()):
        for partition in PARTITION_NAMES:
            backend = account[partition]
            key = backend.access_keys.get(access_key)
            if key is not None and key.user_name:
                user = backend.users.get(key.user_name)
                return (key, user, partition) if user is not None else None
    return None


def switched_on(user: Any, partition: str) -> bool:
    with _lock:
        names = {(user.account_id, user.name.lower()), ("*", user.name.lower())}
        if names & _users:
            return True
    tags = iam_backends[user.account_id][partition].tagger.list_tags_for_resource(user.arn)
    return any(t.get("Key") == TAG and str(t.get("Value")).lower() == "true"
               for t in tags.get("Tags", []))


def _answer(service: str, protocol: str, code: str, message: str) -> Response:
    return wire.error(service, protocol, code, message)


def refusal(environ: dict[str, Any]) -> Response | None:
    """The answer to a request a switched-on user may not make, else None."""
    if not environ.get("HTTP_AUTHORIZATION") and "X-Amz-Signature" not in (
            environ.get("QUERY_STRING") or ""):
        return None
    # A CloudWatch call that came as RPC v2 CBOR (front.cbor) is
    # checked against the request the caller signed, and authorized as the
    # query call it was translated to.
    method, path, query, headers, signed_body = wire.signed_request(environ)
    signed = sigv4.parse(headers, query)
    if signed is None:
        return None
    owner = _key_owner(signed.access_key)
    if owner is None or not switched_on(owner[1], owner[2]):
        return None
    key, user, partition = owner
    service, region = signed.service, signed.region
    protocol = wire.protocol(environ, service)
    if key.status != "Active":
        code = "InvalidClientTokenId" if protocol == "query" else "UnrecognizedClientException"
        return _answer(service, protocol, code, wire.INVALID_TOKEN)
    body = wire.read_body(environ)
    request = sigv4.Request(method, path, query, headers,
                            body if signed_body is None else signed_body)
    if not sigv4.verify(signed, key.secret_access_key, request):
        code = "SignatureDoesNotMatch" if protocol == "query" else "InvalidSignatureException"
        return _answer(service, protocol, code, wire.BAD_SIGNATURE)
    try:
        action, params = wire.action(environ, service, protocol)
    finally:
        environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.input"] = io.BytesIO(body)
    if not action:
        return None
    account = wire.account(environ, signed.access_key)
    call = resources.call(service, action, params, sigv4.query_pairs(query), region, account)
    principal = f"arn:{get_partition(region)}:iam::{user.account_id}:user{user.path}{user.name}"
    base = checks.principal_context(user, principal, region, environ)
    refused = checks.decide(user, partition, checks.required(call, service, params), base)
    if refused is None:
        return None
    action, resource, decision, kind = refused
    code = "AccessDenied" if protocol == "query" else "AccessDeniedException"
    return _answer(service, protocol, code, wire.denial(principal, action, resource, decision, kind))


def _switch_app(environ: dict[str, Any], start_response: Callable) -> Any:
    request = Request(environ)
    if request.method == "POST":
        try:
            body = json.loads(request.get_data() or b"null")
            names = body["users"]
            account = str(body.get("account_id") or "*")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ValueError("users must be a list of user names")
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            reply = Response(json.dumps({"message": f"expected {{\"users\": [...]}}: {err}"}), 400,
                             mimetype="application/json")
            return reply(environ, start_response)
        with _lock:
            _users.update((account, name.lower()) for name in names)
    elif request.method == "DELETE":
        reset()
    elif request.method != "GET":
        return Response("", 405, {"Allow": "GET, POST, DELETE"})(environ, start_response)
    with _lock:
        listed = [{"name": n, "account_id": a} for a, n in sorted(_users)]
    return Response(json.dumps({"users": listed}), mimetype="application/json")(
        environ, start_response)


ROUTES = {PATH: _switch_app}


def install() -> None:
    """Read the Service Authorization Reference's data (dependent actions, resource types)."""
    dependent.load()
