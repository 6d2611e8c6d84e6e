"""IAM's eventual consistency, switched on per scope: a new role, or a new permission, is not seen at once.

With ``iam_propagation_seconds`` (front.switches), for that long after
CreateRole / UpdateAssumeRolePolicy Lambda cannot assume the role
(``check_role_assumable``: InvalidParameterValueException "The role defined
for the function cannot be assumed by Lambda.", or the KMS grant message when
the function has environment variables, the text of
hashicorp/terraform-provider-aws issue 4633), and after PutRolePolicy /
DeleteRolePolicy / AttachRolePolicy / DetachRolePolicy the role's sessions
are evaluated against the policy as it was (``visible_permissions``), as IAM
documents ("Changes that I make are not always immediately visible").
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.iam.models import IAMBackend, iam_backends
from moto.utilities.utils import get_partition

from extension.front.switches import switches_for

ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."
KMS_GRANT_FAILED = (
    "Lambda was unable to configure access to your environment variables because the KMS key "
    "is invalid for CreateGrant. Please check your KMS key settings. KMS Exception: "
    "InvalidArnException KMS Message: ARN does not refer to a valid principal: {}"
)



def mark_role_changed(role: Any) -> None:
    seconds = switches_for(role.name).iam_propagation_seconds
    role._bc_propagated_at = time.monotonic() + seconds


def check_role_assumable(account_id: str, region: str, role_arn: Any, variables: Any) -> None:
    """Refuse a role that was created or re-trusted too recently to be assumed."""
    if not isinstance(role_arn, str):
        return
    roles = iam_backends[account_id][get_partition(region)].roles.values()
    role = next((r for r in roles if r.arn == role_arn), None)
    if role is not None and time.monotonic() < getattr(role, "_bc_propagated_at", 0.0):
        if variables:  # the KMS grant for the environment fails before the role check
            raise InvalidParameterValueException(KMS_GRANT_FAILED.format(role_arn))
        raise InvalidParameterValueException(ROLE_NOT_ASSUMABLE)


def variables(spec: dict[str, Any]) -> Any:
    environment = spec.get("Environment")
    return environment.get("Variables") if isinstance(environment, dict) else None


# --- IAM permission propagation (what authorization sees) -------------------------
#
# role._bc_permissions: {("inline", policy name) | ("managed", policy arn): _Pending}
# role._bc_created_visible_at: monotonic time from which the role has any permissions


@dataclass
class _Pending:
    """One policy's changes not yet all visible: its value before them, and each change."""

    before: Any  # the document (inline) / ManagedPolicy (managed) seen before; None = absent
    changes: list[tuple[float, Any]]  # (visible from, new value), in the order they were made


_permissions_lock = threading.Lock()


def _record_permission(role: Any, key: tuple[str, str], before: Any, after: Any) -> None:
    """Note a change of one of the role's policies, if its scope delays propagation."""
    seconds = switches_for(role.name).iam_propagation_seconds
    with _permissions_lock:
        pending = role.__dict__.setdefault("_bc_permissions", {})
        if seconds <= 0 and key not in pending:
            return  # switched off: seen at once (a change still pending is superseded now)
        if key not in pending:
            pending[key] = _Pending(before, [])
        pending[key].changes.append((time.monotonic() + seconds, after))


def _seen(pending: _Pending, now: float) -> tuple[Any, bool]:
    """The value seen at ``now``, and whether every change is visible (nothing pending)."""
    for index in range(len(pending.changes) - 1, -1, -1):
        visible_from, value = pending.changes[index]
        if visible_from <= now:  # later changes supersede the earlier ones
            pending.before, pending.changes = value, pending.changes[index + 1:]
            break
    return pending.before, not pending.changes


def visible_permissions(role: Any) -> tuple[list[str], list[Any]]:
    """The role's inline documents and attached ManagedPolicy objects as IAM has propagated them.

    Without the iam_propagation_seconds switch (no change recorded), these are
    simply ``role.policies`` and ``role.managed_policies``.
    """
    now = time.monotonic()
    if now < getattr(role, "_bc_created_visible_at", 0.0):
        return [], []
    inline, managed = dict(role.policies), dict(role.managed_policies)
    with _permissions_lock:
        pending = getattr(role, "_bc_permissions", {})
        for key in list(pending):
            kind, name = key
            value, done = _seen(pending[key], now)
            target = inline if kind == "inline" else managed
            if done:
                del pending[key]
                continue  # moto's own state is what is seen
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
    return list(inline.values()), list(managed.values())


def _mark_role_created(role: Any) -> None:
    seconds = switches_for(role.name).iam_propagation_seconds
    if seconds > 0:
        role._bc_created_visible_at = time.monotonic() + seconds


def install() -> None:
    """Patch moto's IAM backend to mark each change of a role; call before the server serves."""
    create_role, update_trust = IAMBackend.create_role, IAMBackend.update_assume_role_policy
    put_inline, delete_inline = IAMBackend.put_role_policy, IAMBackend.delete_role_policy
    attach, detach = IAMBackend.attach_role_policy, IAMBackend.detach_role_policy

    def create_role_marked(self: Any, role_name: str, *args: Any, **kwargs: Any) -> Any:
        role = create_role(self, role_name, *args, **kwargs)
        mark_role_changed(role)
        _mark_role_created(role)
        return role

    def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
        update_trust(self, role_name, policy_document)
        mark_role_changed(self.get_role(role_name))

    def put_role_policy(self: Any, role_name: str, policy_name: str, policy_json: str) -> None:
        role = self.get_role(role_name)
        before = role.policies.get(policy_name)
        put_inline(self, role_name, policy_name, policy_json)
        _record_permission(role, ("inline", policy_name), before, role.policies.get(policy_name))

    def delete_role_policy(self: Any, role_name: str, policy_name: str) -> None:
        role = self.get_role(role_name)
        before = role.policies.get(policy_name)
        delete_inline(self, role_name, policy_name)
        _record_permission(role, ("inline", policy_name), before, None)

    def attach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
        role = self.get_role(role_name)
        before = role.managed_policies.get(policy_arn)
        attach(self, policy_arn, role_name)
        _record_permission(role, ("managed", policy_arn), before,
                           role.managed_policies.get(policy_arn))

    def detach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
        role = self.get_role(role_name)
        before = role.managed_policies.get(policy_arn)
        detach(self, policy_arn, role_name)
        _record_permission(role, ("managed", policy_arn), before, None)

    IAMBackend.create_role = create_role_marked
    IAMBackend.update_assume_role_policy = update_assume_role_policy
    IAMBackend.put_role_policy = put_role_policy
    IAMBackend.delete_role_policy = delete_role_policy
    IAMBackend.attach_role_policy = attach_role_policy
    IAMBackend.detach_role_policy = detach_role_policy
