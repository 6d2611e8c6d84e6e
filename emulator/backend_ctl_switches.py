"""Opt-in, scoped AWS behaviours that moto 5.2.5 lacks (DESIGN.md §4-§5).

A test turns them on for its own resources, by name prefix, over HTTP:

    POST   /backend-ctl/switches   {"scope": "<name prefix>",
                                    "lambda_pending_seconds": 1.0,
                                    "lambda_update_seconds": 1.0,
                                    "iam_propagation_seconds": 1.0,
                                    "lambda_fail_reason": "...",
                                    "identity_pool_list_lag_seconds": 1.0,
                                    "iam_delete_conflict": {"calls": 2},
                                    "iam_concurrent_modification": {"seconds": 0.5},
                                    "logs_operation_aborted": {"calls": 1, "seconds": 2}}
    GET    /backend-ctl/switches   -> {"scopes": {"<prefix>": {<all fields>}}}
    DELETE /backend-ctl/switches[?scope=<prefix>]   clears one scope, or all
    GET    /backend-ctl/switches/produced   -> how many errors each scope produced

Every field but ``scope`` is optional (0 / null = off); a POST replaces that
scope's settings (and starts its ``/produced`` counts again). A Lambda
function, IAM role, identity pool or log group whose name starts with a
scope gets that scope's settings (the longest matching scope wins); other
names behave as plain moto. Settings are read when a change
begins, and states are computed from the clock on every read:

* CreateFunction -> ``State: Pending`` for lambda_pending_seconds, then
  ``Active`` (``Failed`` with StateReason = lambda_fail_reason if set);
* UpdateFunctionConfiguration / UpdateFunctionCode -> ``LastUpdateStatus:
  InProgress`` for lambda_update_seconds, then ``Successful`` (or ``Failed``);
* while Pending or InProgress, UpdateFunctionConfiguration / UpdateFunctionCode
  answer ResourceConflictException (HTTP 409), as AWS does;
* CreateRole / UpdateAssumeRolePolicy -> for iam_propagation_seconds, Lambda
  CreateFunction / UpdateFunctionConfiguration naming that role answer
  InvalidParameterValueException "The role defined for the function cannot be
  assumed by Lambda.", as AWS does while IAM propagates; when the function
  has environment variables (its new ones, or the ones it keeps), Lambda's
  KMS grant for them fails first: InvalidParameterValueException "Lambda was
  unable to configure access to your environment variables because the KMS
  key is invalid for CreateGrant. Please check your KMS key settings. KMS
  Exception: InvalidArnException KMS Message: ARN does not refer to a valid
  principal: <role arn>" (the text of hashicorp/terraform-provider-aws
  issue 4633 / PR 5849, which retries on it);
* iam_propagation_seconds also delays a change of the role's permissions
  as the app's authorization sees them (backend_ctl_app_auth): after
  PutRolePolicy / DeleteRolePolicy (per inline policy name) and
  AttachRolePolicy / DetachRolePolicy (per managed policy ARN), Lambda calls
  signed with the role's Cognito credentials are evaluated, for that many
  seconds, against the policy as it was before the change (a just-put policy
  does not allow yet, a just-deleted or detached one still does); a role
  created within the window has no permissions at all. Each change is
  recorded on the role with its own end time and the value it replaced
  (``visible_permissions``); when several changes of one policy overlap, the
  latest one whose window has passed is what is seen. IAM itself (GetRolePolicy,
  ListAttachedRolePolicies, ...) answers the new state at once, as AWS does;
* CreateIdentityPool -> for identity_pool_list_lag_seconds the pool is
  missing from ListIdentityPools (DescribeIdentityPool finds it at once), as
  AWS's eventually consistent list does.

The last three refuse a change made too soon after another change, for a
number of calls and/or seconds (backend_ctl_refusals: their JSON shape, the
rules, the ``/produced`` counts); the IAM ones are ``backend_ctl_iam.conflicts``
(role names), the Logs one ``backend_ctl_logs.conflicts`` (log group names,
which also match a scope without their ``/aws/lambda/`` prefix):

* iam_delete_conflict: DeleteRole of a role whose last inline policy was
  deleted answers DeleteConflict (HTTP 409) "Cannot delete entity, must
  delete policies first.", as IAM does while the deletion propagates;
* iam_concurrent_modification: after a change of a role (CreateRole and the
  calls below), PutRolePolicy, DeleteRolePolicy, UpdateAssumeRolePolicy,
  TagRole, UntagRole and DeleteRole answer ConcurrentModification (HTTP 409);
* logs_operation_aborted: after a change of a log group (CreateLogGroup,
  Lambda creating its group, and the calls below), PutRetentionPolicy,
  DeleteRetentionPolicy, TagLogGroup, UntagLogGroup, TagResource,
  UntagResource and DeleteLogGroup answer OperationAbortedException (HTTP
  400) "A conflicting operation is currently in progress against this
  resource. Please try again.".

``lambda_fail_reason`` makes every Lambda transition of the scope whose delay
is > 0 end ``Failed`` (a 0 delay means no transition at all). POST
/moto-api/reset drops the functions and roles, their timers with them, but
keeps the switches.
"""

import json
import math
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable

from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.iam.models import IAMBackend, iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Request, Response

import backend_ctl_refusals
from backend_ctl_refusals import Refusal

PATH = "/backend-ctl/switches"
ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."
KMS_GRANT_FAILED = (
    "Lambda was unable to configure access to your environment variables because the KMS key "
    "is invalid for CreateGrant. Please check your KMS key settings. KMS Exception: "
    "InvalidArnException KMS Message: ARN does not refer to a valid principal: {}"
)
BUSY = "The operation cannot be performed at this time."


@dataclass(frozen=True)
class Switches:
    """One scope's settings; every delay is in seconds, 0 = off."""

    lambda_pending_seconds: float = 0.0
    lambda_update_seconds: float = 0.0
    iam_propagation_seconds: float = 0.0
    lambda_fail_reason: str | None = None
    identity_pool_list_lag_seconds: float = 0.0
    iam_delete_conflict: Refusal | None = None
    iam_concurrent_modification: Refusal | None = None
    logs_operation_aborted: Refusal | None = None


DELAYS = ("lambda_pending_seconds", "lambda_update_seconds", "iam_propagation_seconds",
          "identity_pool_list_lag_seconds")
_scopes: dict[str, Switches] = {}
_lock = threading.Lock()


def switches_for(name: str) -> Switches:
    """The settings of the longest scope that prefixes ``name`` (all off if none)."""
    return matching(name)[1]


def matching(*names: str) -> tuple[str | None, Switches]:
    """The longest scope that prefixes one of ``names``, and its settings."""
    with _lock:
        found = [scope for scope in _scopes if any(n.startswith(scope) for n in names)]
        scope = max(found, key=len) if found else None
        return scope, (_scopes[scope] if scope is not None else Switches())


@dataclass(frozen=True)
class Transition:
    """A timed change: running until ``ends`` (monotonic clock), then done or failed."""

    ends: float
    fail_reason: str | None

    @staticmethod
    def start(seconds: float, fail_reason: str | None) -> "Transition | None":
        return Transition(time.monotonic() + seconds, fail_reason) if seconds > 0 else None

    def running(self) -> bool:
        return time.monotonic() < self.ends


# --- the HTTP endpoint ----------------------------------------------------------


def _parse(body: Any) -> tuple[str, Switches]:
    if not isinstance(body, dict) or not isinstance(body.get("scope"), str):
        raise ValueError('body must be a JSON object with a string "scope"')
    known = {f.name for f in fields(Switches)}
    unknown = set(body) - known - {"scope"}
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    for name in DELAYS:
        value = body.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0
        ):
            raise ValueError(f"{name} must be a number >= 0")
    reason = body.get("lambda_fail_reason")
    if reason is not None and not isinstance(reason, str):
        raise ValueError("lambda_fail_reason must be a string or null")
    delays = {name: float(body.get(name, 0)) for name in DELAYS}
    refusals = {name: backend_ctl_refusals.parse(name, body.get(name))
                for name in backend_ctl_refusals.SWITCHES}
    return body["scope"], Switches(lambda_fail_reason=reason, **delays, **refusals)


def _listing() -> Response:
    with _lock:
        scopes = {scope: asdict(s) for scope, s in _scopes.items()}
    return Response(json.dumps({"scopes": scopes}), mimetype="application/json")


def switches_app(environ: dict[str, Any], start_response: Callable) -> Any:
    """WSGI app serving ``/backend-ctl/switches`` (GET, POST, DELETE)."""
    request = Request(environ)
    if request.method == "POST":
        try:
            scope, settings = _parse(json.loads(request.get_data() or b"null"))
        except ValueError as err:  # json.JSONDecodeError is a ValueError
            body = json.dumps({"message": str(err)})
            return Response(body, 400, mimetype="application/json")(environ, start_response)
        with _lock:
            _scopes[scope] = settings
        backend_ctl_refusals.restart(scope)
    elif request.method == "DELETE":
        with _lock:
            if "scope" in request.args:
                _scopes.pop(request.args["scope"], None)
            else:
                _scopes.clear()
    elif request.method != "GET":
        return Response("", 405, {"Allow": "GET, POST, DELETE"})(environ, start_response)
    return _listing()(environ, start_response)


def _route(original: Callable) -> Callable:
    def __call__(self: Any, environ: dict[str, Any], start_response: Callable) -> Any:
        if environ.get("PATH_INFO") == PATH:
            return switches_app(environ, start_response)
        if environ.get("PATH_INFO") == PATH + "/produced":
            return backend_ctl_refusals.produced_app(environ, start_response)
        return original(self, environ, start_response)

    return __call__


# --- Lambda states --------------------------------------------------------------


class ResourceConflict(LambdaClientError):
    """Lambda's ResourceConflictException: HTTP 409, AWS's ``Type: User`` body."""

    code = 409

    def __init__(self, message: str):
        super().__init__("ResourceConflictException", message)
        self.description = json.dumps(
            {"__type": "ResourceConflictException", "Type": "User", "message": message}
        )


def _create(fn: Any) -> Transition | None:
    return getattr(fn, "_bc_create", None)


def _update(fn: Any) -> Transition | None:
    return getattr(fn, "_bc_update", None)


def _check_idle(fn: Any) -> None:
    """Refuse a change while the function is Pending or an update runs."""
    create, update = _create(fn), _update(fn)
    if create and create.running():
        raise ResourceConflict(
            f"{BUSY} The function is currently in the following state: Pending"
        )
    if update and update.running():
        raise ResourceConflict(f"{BUSY} An update is in progress for resource: {fn.function_arn}")


check_idle = _check_idle  # PublishVersion refuses a busy $LATEST too (backend_ctl_versions)


def _overlay_states(config: dict[str, Any], fn: Any) -> dict[str, Any]:
    """Set State / LastUpdateStatus (and reasons) of ``config`` from fn's timers."""
    create, update = _create(fn), _update(fn)
    if create and create.running():
        config.update(State="Pending", StateReason="The function is being created.",
                      StateReasonCode="Creating")
        config.pop("LastUpdateStatus", None)  # first set once creation completes
    elif create and create.fail_reason:
        config.update(State="Failed", StateReason=create.fail_reason,
                      StateReasonCode="InternalError")
        if "LastUpdateStatus" in config:
            config.update(LastUpdateStatus="Failed", LastUpdateStatusReason=create.fail_reason,
                          LastUpdateStatusReasonCode="InternalError")
    if update and update.running():
        config.update(LastUpdateStatus="InProgress",
                      LastUpdateStatusReason="The function is being updated.",
                      LastUpdateStatusReasonCode="Creating")
    elif update and update.fail_reason:
        config.update(LastUpdateStatus="Failed", LastUpdateStatusReason=update.fail_reason,
                      LastUpdateStatusReasonCode="InternalError")
    return config


def _begin_update(fn: Any, call: Callable[[], Any]) -> Any:
    """Run moto's update ``call`` on an idle fn, starting its InProgress timer."""
    _check_idle(fn)
    previous = _update(fn)
    settings = switches_for(fn.function_name)
    fn._bc_update = Transition.start(settings.lambda_update_seconds, settings.lambda_fail_reason)
    try:
        return call()
    except BaseException:
        fn._bc_update = previous
        raise


# --- IAM propagation ------------------------------------------------------------


def _mark_role_changed(role: Any) -> None:
    seconds = switches_for(role.name).iam_propagation_seconds
    role._bc_propagated_at = time.monotonic() + seconds


def _check_role_assumable(account_id: str, region: str, role_arn: Any, variables: Any) -> None:
    """Refuse a role that was created or re-trusted too recently to be assumed."""
    if not isinstance(role_arn, str):
        return
    roles = iam_backends[account_id][get_partition(region)].roles.values()
    role = next((r for r in roles if r.arn == role_arn), None)
    if role is not None and time.monotonic() < getattr(role, "_bc_propagated_at", 0.0):
        if variables:  # the KMS grant for the environment fails before the role check
            raise InvalidParameterValueException(KMS_GRANT_FAILED.format(role_arn))
        raise InvalidParameterValueException(ROLE_NOT_ASSUMABLE)


def _variables(spec: dict[str, Any]) -> Any:
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


# --- identity pool list lag -------------------------------------------------------------


def mark_pool_created(pool: Any) -> None:
    """Hide a new pool from ListIdentityPools for its scope's lag."""
    lag = switches_for(pool.identity_pool_name).identity_pool_list_lag_seconds
    pool._bc_listed_at = time.monotonic() + lag


def pool_listed(pool: Any) -> bool:
    return time.monotonic() >= getattr(pool, "_bc_listed_at", 0.0)


# --- installing -----------------------------------------------------------------


def install() -> None:
    """Patch moto in-process; call before the server serves its first request."""
    if getattr(DomainDispatcherApplication, "_bc_switches", False):
        return  # already installed
    DomainDispatcherApplication._bc_switches = True
    fn_init, fn_config = LambdaFunction.__init__, LambdaFunction.get_configuration
    create, update_code = LambdaBackend.create_function, LambdaBackend.update_function_code
    update_config = LambdaBackend.update_function_configuration
    create_role, update_trust = IAMBackend.create_role, IAMBackend.update_assume_role_policy
    put_inline, delete_inline = IAMBackend.put_role_policy, IAMBackend.delete_role_policy
    attach, detach = IAMBackend.attach_role_policy, IAMBackend.detach_role_policy

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        fn_init(self, *args, **kwargs)
        settings = switches_for(self.function_name)
        self._bc_create = Transition.start(
            settings.lambda_pending_seconds, settings.lambda_fail_reason
        )

    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        return _overlay_states(fn_config(self, on_create=on_create), self)

    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        _check_role_assumable(self.account_id, self.region_name, spec.get("Role"), _variables(spec))
        return create(self, spec)

    def update_function_configuration(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        fn = self.get_function(name, qualifier)
        _check_idle(fn)  # a conflict is reported before a role problem
        variables = _variables(body) if "Environment" in body else fn.environment_vars
        _check_role_assumable(self.account_id, self.region_name, body.get("Role"), variables)
        return _begin_update(fn, lambda: update_config(self, name, qualifier, body))

    def update_function_code(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        fn = self.get_function(name, qualifier)
        if body.get("DryRun"):
            _check_idle(fn)
            return update_code(self, name, qualifier, body)
        return _begin_update(fn, lambda: update_code(self, name, qualifier, body))

    def create_role_marked(self: Any, role_name: str, *args: Any, **kwargs: Any) -> Any:
        role = create_role(self, role_name, *args, **kwargs)
        _mark_role_changed(role)
        _mark_role_created(role)
        return role

    def update_assume_role_policy(self: Any, role_name: str, policy_document: str) -> None:
        update_trust(self, role_name, policy_document)
        _mark_role_changed(self.get_role(role_name))

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

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaBackend.create_function = create_function
    LambdaBackend.update_function_configuration = update_function_configuration
    LambdaBackend.update_function_code = update_function_code
    IAMBackend.create_role = create_role_marked
    IAMBackend.update_assume_role_policy = update_assume_role_policy
    IAMBackend.put_role_policy = put_role_policy
    IAMBackend.delete_role_policy = delete_role_policy
    IAMBackend.attach_role_policy = attach_role_policy
    IAMBackend.detach_role_policy = detach_role_policy
    DomainDispatcherApplication.__call__ = _route(DomainDispatcherApplication.__call__)
