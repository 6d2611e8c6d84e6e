"""CloudWatch Logs' OperationAbortedException on back-to-back changes, as an opt-in switch.

``logs_operation_aborted`` (front.switches; shaped and counted as
front.refusals says) is scoped by log group name: a group matches a
scope by its full name or by its name without ``/aws/lambda/``, so the scope
of a function (``greeter-dev-``) covers its group ``/aws/lambda/greeter-dev-fn``.

Every change of a log group marks it: CreateLogGroup, Lambda creating the
group of a function at its first log line (awslambda.logs, through
moto's ``ensure_log_group``), and the calls below. The next change of an
existing group (PutRetentionPolicy, DeleteRetentionPolicy, TagLogGroup,
UntagLogGroup, TagResource / UntagResource on the group's ARN, with or
without ``:*``, DeleteLogGroup) then answers, with HTTP 400 and the JSON
protocol's body ``{"__type": "OperationAbortedException", "message": ...}``:

    A conflicting operation is currently in progress against this resource. Please try again.

That is the text AWS answered in aws/aws-cdk#15709 (PutRetentionPolicy racing
Lambda's creation of the group) and #17546 (fixed by retries in #16083 and
#17688). botocore's Logs model lists OperationAbortedException for
CreateLogGroup, DeleteLogGroup, PutRetentionPolicy and DeleteRetentionPolicy;
an SDK generated from it surfaces the tagging calls' one as an unmodelled
error with that code. A call on a group that does not exist is not refused
(ResourceNotFoundException, as before). The mark lives on moto's LogGroup, so
a group deleted and made again starts with its new creation's mark.
"""

import re
from typing import Any, Callable

from moto.logs.exceptions import LogsClientError
from moto.logs.models import LogsBackend
from moto.logs.responses import LogsResponse

from extension.front import switches
from extension.front.refusals import Mark, refuse

CONFLICT = ("A conflicting operation is currently in progress against this resource. "
            "Please try again.")
LAMBDA_PREFIX = "/aws/lambda/"
GROUP_ARN = re.compile(r"arn:[\w-]+:logs:([\w-]+):(\d{12}):log-group:([^:]+)(?::\*)?")
CHANGES = ("put_retention_policy", "delete_retention_policy", "tag_log_group",
           "untag_log_group", "tag_resource", "untag_resource", "delete_log_group")


class OperationAborted(LogsClientError):
    def __init__(self) -> None:
        self.code = 400
        super().__init__("OperationAbortedException", CONFLICT)


def scope_names(group_name: str) -> tuple[str, ...]:
    """The names a log group matches scopes by."""
    if group_name.startswith(LAMBDA_PREFIX):
        return group_name, group_name[len(LAMBDA_PREFIX):]
    return (group_name,)


def _group_name(response: Any) -> str | None:
    """The log group a request changes, in the request's account and region."""
    name = response._get_param("logGroupName")
    if isinstance(name, str):
        return name
    match = GROUP_ARN.fullmatch(response._get_param("resourceArn") or "")
    backend = response.logs_backend
    if match and match.group(1, 2) == (backend.region_name, backend.account_id):
        return match.group(3)
    return None


def _check(group: Any) -> None:
    scope, settings = switches.matching(*scope_names(group.name))
    if refuse("logs_operation_aborted", scope, settings.logs_operation_aborted,
              getattr(group, "_bc_changed", None)):
        raise OperationAborted()


def _guarded(original: Callable) -> Callable:
    def change(self: Any) -> Any:
        name = _group_name(self)
        group = self.logs_backend.groups.get(name) if name is not None else None
        if group is None:
            return original(self)  # not a log group, or none: moto answers
        _check(group)
        result = original(self)
        group._bc_changed = Mark()
        return result

    change.__name__ = original.__name__
    return change


def install() -> None:
    """Patch moto's Logs response and backend in-process."""
    if getattr(LogsResponse, "_bc_conflicts", False):
        return
    LogsResponse._bc_conflicts = True
    create, ensure = LogsBackend.create_log_group, LogsBackend.ensure_log_group

    def create_log_group(self: Any, log_group_name: str, *args: Any, **kwargs: Any) -> Any:
        group = create(self, log_group_name, *args, **kwargs)
        self.groups[log_group_name]._bc_changed = Mark()
        return group

    def ensure_log_group(self: Any, log_group_name: str) -> None:
        created = log_group_name not in self.groups
        ensure(self, log_group_name)
        if created:
            self.groups[log_group_name]._bc_changed = Mark()

    for name in CHANGES:
        setattr(LogsResponse, name, _guarded(getattr(LogsResponse, name)))
    LogsBackend.create_log_group = create_log_group
    LogsBackend.ensure_log_group = ensure_log_group
