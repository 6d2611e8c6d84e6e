"""Opt-in, scoped AWS behaviours that moto 5.2.6 lacks (DESIGN.md §4-§5).

A test turns them on for its own resources, by name prefix, over HTTP:

    POST   /backend-ctl/switches   {"scope": "<name prefix>",
                                    "lambda_pending_seconds": 1.0,
                                    "lambda_update_seconds": 1.0,
                                    "iam_propagation_seconds": 1.0,
                                    "lambda_fail_reason": "...",
                                    "identity_pool_list_lag_seconds": 1.0,
                                    "lambda_event_retry_seconds": 0.5,
                                    "sqs_metrics_seconds": 1.0,
                                    "sqs_deleted_recently_seconds": 60,
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
names behave as plain moto, but for Lambda's states: a function no scope
covers is Pending after CreateFunction and InProgress after each update for
STATE_SECONDS (0.1 s; BACKEND_CTL_EMULATOR_STATE_SECONDS at launch, 0 = off),
so that every caller meets them, as on AWS. Settings are read when a change
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
  as the app's authorization sees them (front.issued): after
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
  AWS's eventually consistent list does;
* lambda_event_retry_seconds shortens Lambda's wait before retrying an Event
  that failed (awslambda.events): the first retry after that many seconds,
  the second after twice it (0 = Lambda's own 1 and 2 minutes); the retries
  are never skipped;
* sqs_metrics_seconds shortens the minute between a queue's AWS/SQS
  datapoints (sqs.metrics; 0 = SQS's one minute);
* sqs_deleted_recently_seconds: for that long after DeleteQueue, CreateQueue
  of the same name answers QueueDeletedRecently (sqs.recreate; AWS: 60 s).

The last three refuse a change made too soon after another change, for a
number of calls and/or seconds (front.refusals: their JSON shape, the
rules, the ``/produced`` counts); the IAM ones are ``iam.conflicts``
(role names), the Logs one ``logs.conflicts`` (log group names,
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
import os
import math
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable

from werkzeug.wrappers import Request, Response

from extension.front import refusals as front_refusals
from extension.front.refusals import Refusal

PATH = "/backend-ctl/switches"


@dataclass(frozen=True)
class Switches:
    """One scope's settings; every delay is in seconds, 0 = off."""

    lambda_pending_seconds: float = 0.0
    lambda_update_seconds: float = 0.0
    iam_propagation_seconds: float = 0.0
    lambda_fail_reason: str | None = None
    identity_pool_list_lag_seconds: float = 0.0
    lambda_event_retry_seconds: float = 0.0
    sqs_metrics_seconds: float = 0.0
    sqs_deleted_recently_seconds: float = 0.0
    iam_delete_conflict: Refusal | None = None
    iam_concurrent_modification: Refusal | None = None
    logs_operation_aborted: Refusal | None = None


# Lambda's states for the names no scope covers: a function is Pending after
# CreateFunction and InProgress after each update for this long, so that every
# caller meets them, as on AWS (BACKEND_CTL_EMULATOR_STATE_SECONDS; 0 = off).
STATE_SECONDS = float(os.environ.get("BACKEND_CTL_EMULATOR_STATE_SECONDS", "0.1"))
# And their Events' first retry (BACKEND_CTL_EMULATOR_EVENT_RETRY_SECONDS; 0 = Lambda's 60 s),
# so that the demo need not wait minutes.
EVENT_RETRY_SECONDS = float(os.environ.get("BACKEND_CTL_EMULATOR_EVENT_RETRY_SECONDS", "0"))
UNSCOPED = Switches(lambda_pending_seconds=STATE_SECONDS, lambda_update_seconds=STATE_SECONDS,
                    lambda_event_retry_seconds=EVENT_RETRY_SECONDS)

DELAYS = ("lambda_pending_seconds", "lambda_update_seconds", "iam_propagation_seconds",
          "identity_pool_list_lag_seconds", "lambda_event_retry_seconds", "sqs_metrics_seconds",
          "sqs_deleted_recently_seconds")
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
        return scope, (_scopes[scope] if scope is not None else UNSCOPED)


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
    refusals = {name: front_refusals.parse(name, body.get(name))
                for name in front_refusals.SWITCHES}
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
        front_refusals.restart(scope)
    elif request.method == "DELETE":
        with _lock:
            if "scope" in request.args:
                _scopes.pop(request.args["scope"], None)
            else:
                _scopes.clear()
    elif request.method != "GET":
        return Response("", 405, {"Allow": "GET, POST, DELETE"})(environ, start_response)
    return _listing()(environ, start_response)


def produced_app(environ: dict[str, Any], start_response: Callable) -> Any:
    """GET /backend-ctl/switches/produced: how many errors each scope produced."""
    return front_refusals.produced_app(environ, start_response)


ROUTES = {PATH: switches_app, PATH + "/produced": produced_app}
