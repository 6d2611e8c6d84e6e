"""Lambda's function states: Pending after create, InProgress after an update, for a while.

For ``lambda_pending_seconds`` / ``lambda_update_seconds`` (front.switches: a
scope's, else STATE_SECONDS, 0.1 s),
CreateFunction leaves ``State: Pending`` and an update leaves
``LastUpdateStatus: InProgress`` for that long, then ``Active`` /
``Successful`` (``Failed`` with ``lambda_fail_reason``); meanwhile
UpdateFunctionConfiguration, UpdateFunctionCode and PublishVersion answer
ResourceConflictException (HTTP 409), as AWS does (Lambda developer guide,
"Lambda function states"). CreateFunction and UpdateFunctionConfiguration also
refuse a role IAM has not propagated yet (iam.propagation).
"""

import json
from typing import Any, Callable

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction

from extension.front.switches import Transition, switches_for
from extension.iam import propagation

BUSY = "The operation cannot be performed at this time."



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


check_idle = _check_idle  # PublishVersion refuses a busy $LATEST too (versions)


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


def install() -> None:
    """Patch moto's Lambda function and backend; call before the server serves."""
    fn_init, fn_config = LambdaFunction.__init__, LambdaFunction.get_configuration
    create, update_code = LambdaBackend.create_function, LambdaBackend.update_function_code
    update_config = LambdaBackend.update_function_configuration

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        fn_init(self, *args, **kwargs)
        settings = switches_for(self.function_name)
        self._bc_create = Transition.start(
            settings.lambda_pending_seconds, settings.lambda_fail_reason
        )

    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        return _overlay_states(fn_config(self, on_create=on_create), self)

    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        propagation.check_role_assumable(self.account_id, self.region_name, spec.get("Role"),
                                         propagation.variables(spec))
        return create(self, spec)

    def update_function_configuration(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        fn = self.get_function(name, qualifier)
        _check_idle(fn)  # a conflict is reported before a role problem
        variables = propagation.variables(body) if "Environment" in body else fn.environment_vars
        propagation.check_role_assumable(self.account_id, self.region_name, body.get("Role"),
                                         variables)
        return _begin_update(fn, lambda: update_config(self, name, qualifier, body))

    def update_function_code(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        fn = self.get_function(name, qualifier)
        if body.get("DryRun"):
            _check_idle(fn)
            return update_code(self, name, qualifier, body)
        return _begin_update(fn, lambda: update_code(self, name, qualifier, body))

    LambdaFunction.__init__ = __init__
    LambdaFunction.get_configuration = get_configuration
    LambdaBackend.create_function = create_function
    LambdaBackend.update_function_configuration = update_function_configuration
    LambdaBackend.update_function_code = update_function_code
