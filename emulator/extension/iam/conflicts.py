"""IAM's conflicts while a change of a role propagates, as opt-in switches.

Two switches of front.switches, scoped by role name, shaped and
counted as front.refusals says:

* ``iam_delete_conflict``: the DeleteRolePolicy that leaves a role with no
  inline policy marks it; DeleteRole of that role, while it still has none,
  then answers DeleteConflict (HTTP 409) "Cannot delete entity, must delete
  policies first." (moto's and IAM's text for a role that still has inline
  policies), as IAM does for a while after the deletion (hashicorp/terraform
  #3222; terraform-provider-aws retries it, #40059). A role that never had an
  inline policy is not refused. A refusal that moto makes itself (policies
  still there) is not the switch's and is not counted.
* ``iam_concurrent_modification``: every change of a role marks it:
  CreateRole, PutRolePolicy, DeleteRolePolicy, UpdateAssumeRolePolicy,
  TagRole, UntagRole. The next of these changes (CreateRole aside) and
  DeleteRole then answer ConcurrentModification (HTTP 409) "The request was
  rejected because multiple requests to change this object were submitted
  simultaneously. Wait a few minutes and submit your request again.", the
  error's text in the IAM API reference (AWS's own answers, as reported in
  hashicorp/terraform-provider-aws#39421 and cloud-custodian#11000, show the
  code and status; the first shows no message). botocore's IAM model lists
  ConcurrentModification for CreateRole, DeleteRole, TagRole and UntagRole
  only: an SDK generated from it surfaces the others as an unmodelled error
  with code "ConcurrentModification".

On DeleteRole, ConcurrentModification is checked before DeleteConflict; both
come after NoSuchEntity. Each refusal is a ServiceException that moto
serializes as IAM's query-protocol XML error, with the model's HTTP status.
"""

from typing import Any, Callable

from moto.iam.exceptions import DeleteConflictException, IAMException
from moto.iam.models import IAMBackend

from extension.front import switches
from extension.front.refusals import Mark, refuse

MUST_DELETE_POLICIES = "Cannot delete entity, must delete policies first."
CONCURRENT = ("The request was rejected because multiple requests to change this object "
              "were submitted simultaneously. Wait a few minutes and submit your request again.")
CHANGES = ("put_role_policy", "delete_role_policy", "update_assume_role_policy", "tag_role",
           "untag_role")


class ConcurrentModification(IAMException):
    code = "ConcurrentModification"


def _check_concurrent(role: Any) -> None:
    scope, settings = switches.matching(role.name)
    if refuse("iam_concurrent_modification", scope, settings.iam_concurrent_modification,
              getattr(role, "_bc_changed", None)):
        raise ConcurrentModification(CONCURRENT)


def _check_deletion_propagated(role: Any) -> None:
    if role.policies or role.managed_policies:
        return  # moto refuses it itself
    scope, settings = switches.matching(role.name)
    if refuse("iam_delete_conflict", scope, settings.iam_delete_conflict,
              getattr(role, "_bc_policies_deleted", None)):
        raise DeleteConflictException(MUST_DELETE_POLICIES)


def _change(name: str, original: Callable) -> Callable:
    def change(self: Any, role_name: str, *args: Any, **kwargs: Any) -> Any:
        role = self.get_role(role_name)  # NoSuchEntity first
        _check_concurrent(role)
        had_policies = bool(role.policies)
        result = original(self, role_name, *args, **kwargs)
        role._bc_changed = Mark()
        if name == "delete_role_policy" and had_policies and not role.policies:
            role._bc_policies_deleted = Mark()
        elif name == "put_role_policy":
            role._bc_policies_deleted = None
        return result

    change.__name__ = name
    return change


def install() -> None:
    """Patch moto's IAMBackend in-process (over the patches already there)."""
    if getattr(IAMBackend, "_bc_conflicts", False):
        return
    IAMBackend._bc_conflicts = True
    create_role, delete_role = IAMBackend.create_role, IAMBackend.delete_role

    def create_role_marked(self: Any, *args: Any, **kwargs: Any) -> Any:
        role = create_role(self, *args, **kwargs)
        role._bc_changed = Mark()
        return role

    def delete_role_checked(self: Any, role_name: str) -> None:
        role = self.get_role(role_name)
        _check_concurrent(role)
        _check_deletion_propagated(role)
        delete_role(self, role_name)

    for name in CHANGES:
        setattr(IAMBackend, name, _change(name, getattr(IAMBackend, name)))
    IAMBackend.create_role = create_role_marked
    IAMBackend.delete_role = delete_role_checked
