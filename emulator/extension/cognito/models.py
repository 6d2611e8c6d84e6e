"""Cognito identity pools' state as AWS keeps it: moto's pool and backend, completed.

Faithful to the AWS Cognito Identity API reference:

* pools in AWS's response shape, ``AllowClassicFlow`` (default false);
* SetIdentityPoolRoles / GetIdentityPoolRoles (Roles, RoleMappings);
* TagResource / UntagResource / ListTagsForResource on the pool ARN
  ``arn:aws:cognito-identity:{region}:{account}:identitypool/{id}``, sharing
  one tag map with CreateIdentityPool's ``IdentityPoolTags``;
* UpdateIdentityPool replaces the pool's settings as AWS does (renames
  included; an omitted optional setting goes back to its default), except
  DeveloperProviderName (immutable once set) and IdentityPoolTags (kept when
  omitted, replaced when given);
* ListIdentityPools pages by MaxResults and NextToken, in creation order;
* unknown pools and identities answer ResourceNotFoundException (HTTP 400);
  GetId / GetCredentialsForIdentity without logins on a pool that disallows
  unauthenticated identities answer NotAuthorizedException;
  GetCredentialsForIdentity answers InvalidIdentityPoolConfigurationException
  when the pool has no role for the identity's kind;
* DeleteIdentityPool drops the pool's roles, tags and identities with it;
* GetCredentialsForIdentity issues credentials through ``identities``.

The wire side (one method per action) is ``responses``.
"""

import base64
import itertools
import json
import re
import time
from typing import Any

from moto.cognitoidentity.exceptions import InvalidNameException
from moto.cognitoidentity.models import (
    CognitoIdentityBackend,
    CognitoIdentityPool,
    cognitoidentity_backends,
)
from moto.cognitoidentity.utils import get_random_identity_id
from moto.core.exceptions import JsonRESTError

from extension.cognito import identities
from extension.front.switches import switches_for

ROLE_KINDS = ("authenticated", "unauthenticated")
ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+")
POOL_ARN = re.compile(
    r"arn:aws[\w-]*:cognito-identity:([\w-]+):(\d{12}):identitypool/(\S+)"
)
_pool_sequence = itertools.count()  # creation order, for stable paging


def error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(error_type=code, message=message)


def _pool_not_found(pool_id: str) -> JsonRESTError:
    return error("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")


def _invalid(message: str) -> JsonRESTError:
    return error("InvalidParameterException", message)


class PoolPatch:
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


class BackendPatch:
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
        pool.identities = {}  # cognito.identities
        pool.sequence = next(_pool_sequence)
        mark_pool_created(pool)
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
        pools = [p for p in pools if p.sequence >= start and pool_listed(p)]
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
        identities.register(pool, identity_id)
        return json.dumps({"IdentityId": identity_id})

    def credentials_for_identity(
        self: Any, identity_id: str, logins: dict | None
    ) -> str:
        backend = _region_backend(self.account_id, identity_id)
        pool = identities.owner(backend, identity_id) if backend else None
        if pool is None:
            raise identities.identity_not_found(identity_id)
        _check_unauthenticated_allowed(pool, logins)
        role_arn = pool.roles.get("authenticated" if logins else "unauthenticated")
        if not role_arn:
            raise error(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        issued = identities.issue(backend.account_id, backend.region_name,
                                              identity_id, pool.identity_pool_id, role_arn)
        return identities.credentials_json(issued)


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
        raise error(
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


# The identity_pool_list_lag_seconds switch: ListIdentityPools is eventually consistent.


def mark_pool_created(pool: Any) -> None:
    """Hide a new pool from ListIdentityPools for its scope's lag."""
    lag = switches_for(pool.identity_pool_name).identity_pool_list_lag_seconds
    pool._bc_listed_at = time.monotonic() + lag


def pool_listed(pool: Any) -> bool:
    return time.monotonic() >= getattr(pool, "_bc_listed_at", 0.0)
