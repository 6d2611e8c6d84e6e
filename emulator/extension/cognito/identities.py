"""Cognito identities and the temporary credentials GetCredentialsForIdentity issues.

Each identity pool keeps its identities (``pool.identities``: id -> creation
time, in creation order). Faithful to the Cognito Identity API reference:

* ListIdentities: ``MaxResults`` required (1-60, else ValidationException),
  ``NextToken`` paging, ``HideDisabled`` (identities here are never
  disabled); ``{"IdentityPoolId", "Identities": [{"IdentityId",
  "CreationDate", "LastModifiedDate"}], "NextToken"?}``; an unknown pool:
  ResourceNotFoundException;
* DeleteIdentities: ``IdentityIdsToDelete`` (1-60 ids); an id that does not
  exist is skipped; ``{"UnprocessedIdentityIds": []}``. Credentials already
  issued to a deleted identity stay valid until they expire, as STS's do;
  GetCredentialsForIdentity for it answers ResourceNotFoundException;
* DescribeIdentity: the identity's description, or ResourceNotFoundException
  "Identity '<id>' not found.".

GetCredentialsForIdentity issues fresh credentials on every call, as the
pool's role would through STS: AccessKeyId ``ASIA...`` (moto's encoding of the
account), SecretKey, SessionToken, Expiration = now + the lifetime (3600 s
unless a test sets it). The emulator remembers each (``lookup``): secret,
token, identity, pool, role ARN, account, region, expiration and issue time;
front.issued authorizes requests signed with them.

Over HTTP, for tests:

    GET  /backend-ctl/cognito-identity/issued[?IdentityPoolId=<id>][&IncludeSecrets=true]
         -> {"Credentials": [{"AccessKeyId", "IdentityId", "IdentityPoolId",
             "RoleArn", "Expiration", "IssuedAt"}]}   (issue order; epoch seconds;
             with IncludeSecrets=true also "SecretKey" and "SessionToken")
    GET  /backend-ctl/cognito-identity/settings -> {"CredentialsLifetimeSeconds": 3600}
    POST /backend-ctl/cognito-identity/settings    {"CredentialsLifetimeSeconds": N}  (0-43200)

POST /moto-api/reset forgets every issued credential and restores the lifetime.
"""

import base64
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from moto.cognitoidentity.models import CognitoIdentityBackend, CognitoIdentityPool
from moto.cognitoidentity.responses import CognitoIdentityResponse
from moto.core.exceptions import JsonRESTError
from moto.iam.utils import generate_access_key_id_from_account_id
from werkzeug.wrappers import Request, Response

PATH = "/backend-ctl/cognito-identity/"
DEFAULT_LIFETIME = 3600
MAX_LIFETIME = 43200


@dataclass(frozen=True)
class Issued:
    """One set of temporary credentials that GetCredentialsForIdentity handed out."""

    access_key: str
    secret: str
    session_token: str
    identity_id: str
    pool_id: str
    role_arn: str
    account: str
    region: str
    expiration: float  # epoch seconds
    issued_at: float

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expiration

    def listing(self, secrets: bool = False) -> dict[str, Any]:
        listed = {"AccessKeyId": self.access_key, "IdentityId": self.identity_id,
                  "IdentityPoolId": self.pool_id, "RoleArn": self.role_arn,
                  "Expiration": self.expiration, "IssuedAt": self.issued_at}
        if secrets:
            listed.update(SecretKey=self.secret, SessionToken=self.session_token)
        return listed


_issued: dict[str, Issued] = {}  # access key -> credentials, in issue order
_lifetime = DEFAULT_LIFETIME
_lock = threading.Lock()
_sequence = itertools.count()  # identities' creation order, for paging


def _error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(error_type=code, message=message)


def identity_not_found(identity_id: str) -> JsonRESTError:
    return _error("ResourceNotFoundException", f"Identity '{identity_id}' not found.")


# --- issued credentials -----------------------------------------------------------------


def issue(account: str, region: str, identity_id: str, pool_id: str, role_arn: str) -> Issued:
    """Fresh credentials for an identity, remembered until POST /moto-api/reset."""
    now = round(time.time(), 3)
    with _lock:
        lifetime = _lifetime
    credentials = Issued(
        access_key=generate_access_key_id_from_account_id(account, prefix="ASIA", total_length=20),
        secret=base64.b64encode(secrets.token_bytes(30)).decode(),
        session_token=base64.b64encode(secrets.token_bytes(300)).decode(),
        identity_id=identity_id, pool_id=pool_id, role_arn=role_arn, account=account,
        region=region, expiration=now + lifetime, issued_at=now)
    with _lock:
        _issued[credentials.access_key] = credentials
    return credentials


def lookup(access_key: str) -> Issued | None:
    with _lock:
        return _issued.get(access_key)


def credentials_json(credentials: Issued) -> str:
    """GetCredentialsForIdentity's answer."""
    return json.dumps({"IdentityId": credentials.identity_id, "Credentials": {
        "AccessKeyId": credentials.access_key, "SecretKey": credentials.secret,
        "SessionToken": credentials.session_token, "Expiration": credentials.expiration}})


def reset() -> None:
    global _lifetime
    with _lock:
        _issued.clear()
        _lifetime = DEFAULT_LIFETIME


# --- identities -------------------------------------------------------------------------


def register(pool: CognitoIdentityPool, identity_id: str) -> None:
    """A new identity in ``pool`` (GetId)."""
    now = round(time.time(), 3)
    pool.identities[identity_id] = {"created": now, "sequence": next(_sequence)}


def describe(identity_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    return {"IdentityId": identity_id, "CreationDate": entry["created"],
            "LastModifiedDate": entry["created"]}


def owner(backend: CognitoIdentityBackend, identity_id: str) -> CognitoIdentityPool | None:
    """The pool of ``backend`` that holds the identity, if any."""
    pools = backend.identity_pools.values()
    return next((p for p in pools if identity_id in getattr(p, "identities", {})), None)


def _token(sequence: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"from": sequence}).encode()).decode()


def _from_token(token: str) -> int:
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["from"])
    except (ValueError, KeyError, TypeError):
        raise _error("InvalidParameterException", "Invalid pagination token.") from None


class _BackendPatch:
    """Methods for CognitoIdentityBackend."""

    def list_identities_page(self: Any, pool_id: str, max_results: int, token: str | None) -> str:
        pool = self.get_pool(pool_id)
        start = _from_token(token) if token else 0
        entries = [(i, e) for i, e in pool.identities.items() if e["sequence"] >= start]
        page, rest = entries[:max_results], entries[max_results:]
        result: dict[str, Any] = {"IdentityPoolId": pool_id,
                                  "Identities": [describe(i, e) for i, e in page]}
        if rest:
            result["NextToken"] = _token(rest[0][1]["sequence"])
        return json.dumps(result)

    def delete_identities(self: Any, identity_ids: list[str]) -> str:
        for identity_id in identity_ids:
            pool = owner(self, identity_id)
            if pool is not None:
                del pool.identities[identity_id]
        return json.dumps({"UnprocessedIdentityIds": []})

    def describe_identity(self: Any, identity_id: str) -> str:
        pool = owner(self, identity_id)
        if pool is None:
            raise identity_not_found(identity_id)
        return json.dumps(describe(identity_id, pool.identities[identity_id]))


class _ResponsePatch:
    """Methods for CognitoIdentityResponse, one per action (``_required`` is cognito.models's)."""

    # MaxResults (1..60) and IdentityIdsToDelete (1..60 items) are the model's
    # constraints: front.validation refuses a call outside them at the door.
    def list_identities(self: Any) -> str:
        return self.backend.list_identities_page(self._required("IdentityPoolId"),
                                                 int(self._required("MaxResults")),
                                                 self._get_param("NextToken"))

    def delete_identities(self: Any) -> str:
        ids = self._required("IdentityIdsToDelete")
        return self.backend.delete_identities([str(i) for i in ids])

    def describe_identity(self: Any) -> str:
        return self.backend.describe_identity(self._required("IdentityId"))


# --- the HTTP endpoints -----------------------------------------------------------------


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _settings(request: Request) -> Response:
    global _lifetime
    if request.method == "POST":
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        value = body.get("CredentialsLifetimeSeconds") if isinstance(body, dict) else None
        if (not isinstance(body, dict) or set(body) != {"CredentialsLifetimeSeconds"}
                or isinstance(value, bool) or not isinstance(value, int)
                or not 0 <= value <= MAX_LIFETIME):
            return _json({"message": 'body must be {"CredentialsLifetimeSeconds": <integer '
                                     f'between 0 and {MAX_LIFETIME}>}}'}, 400)
        with _lock:
            _lifetime = value
    elif request.method != "GET":
        return Response("", 405, {"Allow": "GET, POST"})
    with _lock:
        return _json({"CredentialsLifetimeSeconds": _lifetime})


def _listing(request: Request) -> Response:
    if request.method != "GET":
        return Response("", 405, {"Allow": "GET"})
    pool_id = request.args.get("IdentityPoolId")
    secrets = request.args.get("IncludeSecrets", "").lower() == "true"
    with _lock:
        issued = list(_issued.values())
    return _json({"Credentials": [c.listing(secrets) for c in issued
                                  if pool_id is None or c.pool_id == pool_id]})


def endpoint_app(environ: dict[str, Any], start_response: Callable) -> Any:
    """WSGI app serving ``/backend-ctl/cognito-identity/issued`` and ``.../settings``."""
    request = Request(environ)
    routes = {PATH + "issued": _listing, PATH + "settings": _settings}
    route = routes.get(request.path)
    response = route(request) if route else _json({"message": f"No route {request.path}"}, 404)
    return response(environ, start_response)


def _install_methods(target: type, patch: type) -> None:
    for name, attr in vars(patch).items():
        if callable(attr) and not name.startswith("__"):
            setattr(target, name, attr)


def install() -> None:
    """Patch moto in-process; call before the server serves its first request."""
    _install_methods(CognitoIdentityBackend, _BackendPatch)
    _install_methods(CognitoIdentityResponse, _ResponsePatch)
