"""backend-ctl's extension of moto 5.2.5: fills the gaps DESIGN.md §5 lists.

Import this module before the moto server starts (launch.py does); it patches moto:

* cognito-identity, faithful to the AWS Cognito Identity API reference:
  - SetIdentityPoolRoles / GetIdentityPoolRoles (Roles, RoleMappings);
  - TagResource / UntagResource / ListTagsForResource on the pool ARN
    ``arn:aws:cognito-identity:{region}:{account}:identitypool/{id}``,
    sharing one tag map with CreateIdentityPool's ``IdentityPoolTags``;
  - ``AllowClassicFlow`` (default false) on Create/Update/Describe;
  - UpdateIdentityPool replaces the pool's settings as AWS does (renames included; an
    omitted optional setting goes back to its default), except DeveloperProviderName
    (immutable once set) and IdentityPoolTags (kept when omitted, replaced when given);
  - ListIdentityPools honours MaxResults (required, 1-60) and NextToken;
  - unknown pools and identities answer ResourceNotFoundException (HTTP 400) instead
    of HTTP 500; GetId/GetCredentialsForIdentity without logins on a pool that
    disallows unauthenticated identities answer NotAuthorizedException;
    GetCredentialsForIdentity answers InvalidIdentityPoolConfigurationException when
    the pool has no role for the identity's kind (unauthenticated, or with Logins);
  - DeleteIdentityPool drops the pool's roles, tags and identities with it;
  - ListIdentities, DeleteIdentities, DescribeIdentity; GetCredentialsForIdentity
    issues fresh ``ASIA...`` credentials for the pool's role, each remembered
    (``/backend-ctl/cognito-identity/issued``, ``.../settings``): backend_ctl_identities.
* The app's Lambda calls, authorized as AWS does (``backend_ctl_app_auth``):
  issued credentials need their session token, an unexpired lifetime, a SigV4
  signature the issued secret reproduces, and the role's policies' Allow
  (``iam_policy``) on the function's ARN, qualified when the call names a
  qualifier; an unsigned Invoke answers MissingAuthenticationTokenException.
  The function sees the caller in Lambda-Runtime-Cognito-Identity.
* Lambda runs without Docker (``{"lambda": {"use_docker": false}}``), set
  before any function exists: the setting selects a separate store.
* Opt-in, scoped AWS behaviours (Lambda Pending / InProgress states, IAM
  propagation delay, identity pool list lag, IAM and Logs conflicts in
  ``backend_ctl_iam`` / ``backend_ctl_logs``) over ``/backend-ctl/switches``:
  see ``backend_ctl_switches``.
* IAM's policy-size quotas (``backend_ctl_iam.policy_size``).
* Per-account settings (``/backend-ctl/account``): Lambda's GetAccountSettings,
  concurrency floor and memory limit (``backend_ctl_account``), denied IAM
  actions and disabled regions (``backend_ctl_access``).
* Lambda runs the function's code: Invoke, logs, Code.Location, Architectures
  on UpdateFunctionCode (``backend_ctl_lambda_api``, over ``backend_ctl_lambda``).
* Lambda versions and aliases as AWS keeps them: snapshots numbered for
  good, RevisionIds and their preconditions, DeleteFunction of one version,
  routing weights, an Invoke of a qualifier running that version
  (``backend_ctl_versions``, ``backend_ctl_aliases``).
* Observability: the AWS/Lambda metrics of the invocations that run, and
  throttling (``backend_ctl_metrics``, ``backend_ctl_lambda``); CloudWatch's
  statistics, percentiles included (``backend_ctl_metric_data``); metric
  alarms that evaluate and notify SNS (``backend_ctl_alarms``,
  ``backend_ctl_alarm_notices``); SNS email subscriptions pending
  confirmation and the published messages (``/backend-ctl/sns/...``:
  ``backend_ctl_sns``).
* CloudWatch in the Smithy RPC v2 CBOR protocol the AWS SDK for Rust speaks,
  translated to moto's query protocol and back (``backend_ctl_cbor``).

Errors are moto ``JsonRESTError``s: HTTP 400 with ``{"__type": "<Code>",
"message": "..."}``, as the AWS JSON 1.1 protocol does. moto dispatches
cognito-identity on ``X-Amz-Target: AWSCognitoIdentityService.<Action>`` to the
``CognitoIdentityResponse`` method named after the action, so a new action is
a new method on that class.
"""

import base64
import itertools
import json
import re
from typing import Any

from moto.cognitoidentity.exceptions import InvalidNameException
from moto.cognitoidentity.models import (
    CognitoIdentityBackend,
    CognitoIdentityPool,
    cognitoidentity_backends,
)
from moto.cognitoidentity.responses import CognitoIdentityResponse
from moto.cognitoidentity.utils import get_random_identity_id
from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal.models import moto_api_backend

import backend_ctl_access
import backend_ctl_account
import backend_ctl_alarms
import backend_ctl_aliases
import backend_ctl_app_auth
import backend_ctl_cbor
import backend_ctl_iam
import backend_ctl_identities
import backend_ctl_lambda_api
import backend_ctl_lambda_logs
import backend_ctl_logs
import backend_ctl_metric_data
import backend_ctl_sns
import backend_ctl_switches
import backend_ctl_versions

MAX_RESULTS_LIMIT = 60
ROLE_KINDS = ("authenticated", "unauthenticated")
ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+")
POOL_ARN = re.compile(
    r"arn:aws[\w-]*:cognito-identity:([\w-]+):(\d{12}):identitypool/(\S+)"
)
_pool_sequence = itertools.count()  # creation order, for stable paging


def _error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(error_type=code, message=message)


def _pool_not_found(pool_id: str) -> JsonRESTError:
    return _error("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")


def _invalid(message: str) -> JsonRESTError:
    return _error("InvalidParameterException", message)


def _install(target: type, patch: type) -> None:
    """Copy ``patch``'s methods onto moto's ``target`` class."""
    for name, attr in vars(patch).items():
        if callable(attr) and not name.startswith("__"):
            setattr(target, name, attr)


class _PoolPatch:
    """Methods for CognitoIdentityPool: AWS's response shape."""

    def to_json(self: Any) -> str:
        pool = {
            "IdentityPoolId": self.identity_pool_id,
            "IdentityPoolName": self.identity_pool_name,
            "AllowUnauthenticatedIdentities": bool(
                self.allow_unauthenticated_identities
            ),
            "AllowClassicFlow": self.allow_classic_flow,
        }
        optional = {
            "SupportedLoginProviders": self.supported_login_providers,
            "DeveloperProviderName": self.developer_provider_name,
            "OpenIdConnectProviderARNs": self.open_id_connect_provider_arns,
            "CognitoIdentityProviders": self.cognito_identity_providers,
            "SamlProviderARNs": self.saml_provider_arns,
        }
        pool.update({key: value for key, value in optional.items() if value})
        pool["IdentityPoolTags"] = dict(self.tags)
        return json.dumps(pool)


class _BackendPatch:
    """Methods for CognitoIdentityBackend: the state behind the new actions."""

    def get_pool(self: Any, pool_id: str) -> CognitoIdentityPool:
        pool = self.identity_pools.get(pool_id)
        if pool is None:
            raise _pool_not_found(pool_id)
        return pool

    def pool_by_arn(self: Any, arn: str) -> CognitoIdentityPool:
        match = POOL_ARN.fullmatch(arn or "")
        if not match:
            raise _invalid(f"Invalid identity pool ARN: {arn}")
        region, account, pool_id = match.groups()
        if (region, account) != (self.region_name, self.account_id):
            raise _pool_not_found(pool_id)
        return self.get_pool(pool_id)

    def create_identity_pool(self: Any, **settings: Any) -> str:
        pool = CognitoIdentityPool(self.region_name, **settings)
        pool.allow_classic_flow = bool(settings.get("allow_classic_flow"))
        pool.tags = dict(settings.get("tags") or {})
        pool.roles, pool.role_mappings = {}, {}
        pool.identities = {}  # backend_ctl_identities
        pool.sequence = next(_pool_sequence)
        backend_ctl_switches.mark_pool_created(pool)
        self.identity_pools[pool.identity_pool_id] = pool
        return pool.to_json()

    def update_identity_pool(self: Any, identity_pool_id: str, **s: Any) -> str:
        pool = self.get_pool(identity_pool_id)
        if not re.fullmatch(r"[\w\s+=,.@-]+", s["identity_pool_name"]):
            raise InvalidNameException(s["identity_pool_name"])
        pool.identity_pool_name = s["identity_pool_name"]
        pool.allow_unauthenticated_identities = bool(s["allow_unauthenticated"])
        pool.allow_classic_flow = bool(s.get("allow_classic_flow"))
        pool.supported_login_providers = s.get("login_providers") or {}
        pool.open_id_connect_provider_arns = s.get("provider_arns") or []
        pool.cognito_identity_providers = s.get("identity_providers") or []
        pool.saml_provider_arns = s.get("saml_providers") or []
        if s.get("provider_name"):
            pool.developer_provider_name = s["provider_name"]
        if s.get("tags") is not None:
            pool.tags = dict(s["tags"])
        return pool.to_json()

    def list_identity_pools_page(
        self: Any, max_results: int, next_token: str | None
    ) -> str:
        start = _decode_token(next_token) if next_token else 0
        pools = sorted(self.identity_pools.values(), key=lambda p: p.sequence)
        pools = [p for p in pools if p.sequence >= start and backend_ctl_switches.pool_listed(p)]
        page, rest = pools[:max_results], pools[max_results:]
        result: dict[str, Any] = {
            "IdentityPools": [
                {"IdentityPoolId": p.identity_pool_id, "IdentityPoolName": p.identity_pool_name}
                for p in page
            ]
        }
        if rest:
            result["NextToken"] = _encode_token(rest[0].sequence)
        return json.dumps(result)

    def delete_identity_pool(self: Any, identity_pool_id: str) -> None:
        self.get_pool(identity_pool_id)
        del self.identity_pools[identity_pool_id]  # its roles, tags, identities

    def set_identity_pool_roles(
        self: Any, pool_id: str, roles: dict[str, str], role_mappings: dict[str, Any]
    ) -> None:
        pool = self.get_pool(pool_id)
        for kind, arn in roles.items():
            if kind not in ROLE_KINDS:
                raise _invalid(f"Invalid role type '{kind}'; expected one of {ROLE_KINDS}.")
            if not ROLE_ARN.fullmatch(arn or ""):
                raise _invalid(f"Invalid role ARN '{arn}' for role type '{kind}'.")
        for provider, mapping in role_mappings.items():
            _check_role_mapping(provider, mapping)
        pool.roles, pool.role_mappings = dict(roles), dict(role_mappings)

    def get_identity_pool_roles(self: Any, pool_id: str) -> str:
        pool = self.get_pool(pool_id)
        result = {"IdentityPoolId": pool_id, "Roles": dict(pool.roles)}
        if pool.role_mappings:
            result["RoleMappings"] = dict(pool.role_mappings)
        return json.dumps(result)

    def tag_resource(self: Any, arn: str, tags: dict[str, str]) -> None:
        self.pool_by_arn(arn).tags.update(tags)

    def untag_resource(self: Any, arn: str, keys: list[str]) -> None:
        pool = self.pool_by_arn(arn)
        for key in keys:
            pool.tags.pop(key, None)

    def list_tags_for_resource(self: Any, arn: str) -> str:
        return json.dumps({"Tags": dict(self.pool_by_arn(arn).tags)})

    def get_id(self: Any, identity_pool_id: str, logins: dict | None = None) -> str:
        # Unsigned call: the pool's region is the prefix of its id.
        pool = _pool_anywhere(self.account_id, identity_pool_id)
        _check_unauthenticated_allowed(pool, logins)
        identity_id = get_random_identity_id(pool.identity_pool_id.split(":")[0])
        backend_ctl_identities.register(pool, identity_id)
        return json.dumps({"IdentityId": identity_id})

    def credentials_for_identity(
        self: Any, identity_id: str, logins: dict | None
    ) -> str:
        backend = _region_backend(self.account_id, identity_id)
        pool = backend_ctl_identities.owner(backend, identity_id) if backend else None
        if pool is None:
            raise backend_ctl_identities.identity_not_found(identity_id)
        _check_unauthenticated_allowed(pool, logins)
        role_arn = pool.roles.get("authenticated" if logins else "unauthenticated")
        if not role_arn:
            raise _error(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        issued = backend_ctl_identities.issue(backend.account_id, backend.region_name,
                                              identity_id, pool.identity_pool_id, role_arn)
        return backend_ctl_identities.credentials_json(issued)


class _ResponsePatch:
    """Methods for CognitoIdentityResponse: one per action (X-Amz-Target)."""

    def _required(self: Any, name: str) -> Any:
        value = self._get_param(name)
        if value is None:
            field = name[0].lower() + name[1:]
            raise _error(
                "ValidationException",
                f"1 validation error detected: Value null at '{field}' failed to "
                "satisfy constraint: Member must not be null",
            )
        return value

    def create_identity_pool(self: Any) -> str:
        return self.backend.create_identity_pool(
            identity_pool_name=self._required("IdentityPoolName"),
            allow_unauthenticated_identities=self._required("AllowUnauthenticatedIdentities"),
            allow_classic_flow=self._get_param("AllowClassicFlow", False),
            supported_login_providers=self._get_param("SupportedLoginProviders"),
            developer_provider_name=self._get_param("DeveloperProviderName"),
            open_id_connect_provider_arns=self._get_param("OpenIdConnectProviderARNs"),
            cognito_identity_providers=self._get_param("CognitoIdentityProviders"),
            saml_provider_arns=self._get_param("SamlProviderARNs"),
            tags=self._get_param("IdentityPoolTags"),
        )

    def update_identity_pool(self: Any) -> str:
        return self.backend.update_identity_pool(
            self._required("IdentityPoolId"),
            identity_pool_name=self._required("IdentityPoolName"),
            allow_unauthenticated=self._required("AllowUnauthenticatedIdentities"),
            allow_classic_flow=self._get_param("AllowClassicFlow", False),
            login_providers=self._get_param("SupportedLoginProviders"),
            provider_name=self._get_param("DeveloperProviderName"),
            provider_arns=self._get_param("OpenIdConnectProviderARNs"),
            identity_providers=self._get_param("CognitoIdentityProviders"),
            saml_providers=self._get_param("SamlProviderARNs"),
            tags=self._get_param("IdentityPoolTags"),
        )

    def list_identity_pools(self: Any) -> str:
        max_results = self._required("MaxResults")
        if not isinstance(max_results, int) or not 1 <= max_results <= MAX_RESULTS_LIMIT:
            raise _error(
                "ValidationException",
                f"1 validation error detected: Value '{max_results}' at 'maxResults' "
                "failed to satisfy constraint: Member must have value between 1 and "
                f"{MAX_RESULTS_LIMIT}",
            )
        return self.backend.list_identity_pools_page(max_results, self._get_param("NextToken"))

    def get_id(self: Any) -> str:
        return self.backend.get_id(self._required("IdentityPoolId"), self._get_param("Logins"))

    def get_credentials_for_identity(self: Any) -> str:
        return self.backend.credentials_for_identity(
            self._required("IdentityId"), self._get_param("Logins")
        )

    def set_identity_pool_roles(self: Any) -> str:
        self.backend.set_identity_pool_roles(
            self._required("IdentityPoolId"),
            self._required("Roles"),
            self._get_param("RoleMappings") or {},
        )
        return ""

    def get_identity_pool_roles(self: Any) -> str:
        return self.backend.get_identity_pool_roles(self._required("IdentityPoolId"))

    def tag_resource(self: Any) -> str:
        self.backend.tag_resource(self._required("ResourceArn"), self._required("Tags"))
        return "{}"

    def untag_resource(self: Any) -> str:
        self.backend.untag_resource(self._required("ResourceArn"), self._required("TagKeys"))
        return "{}"

    def list_tags_for_resource(self: Any) -> str:
        return self.backend.list_tags_for_resource(self._required("ResourceArn"))


def _encode_token(sequence: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"from": sequence}).encode()).decode()


def _decode_token(token: str) -> int:
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["from"])
    except (ValueError, KeyError, TypeError):
        raise _invalid("Invalid pagination token.") from None


def _region_backend(account_id: str, resource_id: str) -> CognitoIdentityBackend | None:
    """The backend of the region that prefixes a pool or identity id."""
    region = resource_id.split(":")[0]
    account = cognitoidentity_backends[account_id]
    return account[region] if region in account else None


def _pool_anywhere(account_id: str, pool_id: str) -> CognitoIdentityPool:
    backend = _region_backend(account_id, pool_id)
    if backend is None:
        raise _pool_not_found(pool_id)
    return backend.get_pool(pool_id)


def _check_unauthenticated_allowed(pool: CognitoIdentityPool, logins: dict | None) -> None:
    if not logins and not pool.allow_unauthenticated_identities:
        raise _error(
            "NotAuthorizedException",
            "Unauthenticated access is not supported for this identity pool.",
        )


def _check_role_mapping(provider: str, mapping: dict[str, Any]) -> None:
    kind = mapping.get("Type")
    if kind not in ("Token", "Rules"):
        raise _invalid(f"RoleMapping for '{provider}': Type must be Token or Rules.")
    if mapping.get("AmbiguousRoleResolution") not in ("AuthenticatedRole", "Deny"):
        raise _invalid(
            f"RoleMapping for '{provider}': AmbiguousRoleResolution must be "
            "AuthenticatedRole or Deny when Type is Token or Rules."
        )
    if kind == "Rules" and not (mapping.get("RulesConfiguration") or {}).get("Rules"):
        raise _invalid(f"RoleMapping for '{provider}': Rules requires RulesConfiguration.")


def install() -> None:
    """Patch moto in-process; call before the server serves its first request."""
    _install(CognitoIdentityPool, _PoolPatch)
    _install(CognitoIdentityBackend, _BackendPatch)
    _install(CognitoIdentityResponse, _ResponsePatch)
    moto_api_backend.set_config({"lambda": {"use_docker": False}})
    backend_ctl_switches.install()
    backend_ctl_iam.install()  # over the switches' role marks
    backend_ctl_logs.install()
    backend_ctl_account.install()  # validation wraps the switches' role checks
    backend_ctl_lambda_api.install()
    backend_ctl_versions.install()  # over lambda_api's and the switches' update wrappers
    backend_ctl_aliases.install()
    backend_ctl_lambda_logs.install()
    backend_ctl_identities.install()
    backend_ctl_metric_data.install()
    backend_ctl_alarms.install()  # evaluates alarms, starts the evaluator
    backend_ctl_sns.install()
    backend_ctl_access.install()  # refuses before any other route
    backend_ctl_app_auth.install()  # authenticates before access refuses
    backend_ctl_cbor.install()  # outermost: RPC v2 CBOR CloudWatch calls become query calls


install()
