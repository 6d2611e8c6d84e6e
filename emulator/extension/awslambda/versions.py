"""Lambda function versions as AWS keeps them, patched into moto 5.2.6.

Faithful to the Lambda API reference (PublishVersion, DeleteFunction,
ListVersionsByFunction, GetFunction) and, where the reference is silent, to
what the live service answers: LocalStack's AWS-recorded snapshots
(tests/aws/services/lambda_/test_lambda_api.snapshot.json: test_version_lifecycle,
test_function_revisions_version_and_alias, test_publish_with_wrong_sha256),
moto PR #8379 (checked against AWS), floci-io/floci #2819 / #2824 (DeleteFunction
measured against AWS) and users' reports of AWS's messages
(karl-cardenas-coding/go-lambda-cleanup #45, cloud-custodian #6739).

* Every function configuration carries a ``RevisionId``. $LATEST gets a new
  one on CreateFunction, on every (non-DryRun) UpdateFunctionCode and
  UpdateFunctionConfiguration, and on every PublishVersion that publishes; a
  version gets its own when published and keeps it. UpdateFunctionCode /
  UpdateFunctionConfiguration / PublishVersion with a ``RevisionId`` that is
  not $LATEST's answer 412 PreconditionFailedException "The Revision Id
  provided does not match the latest Revision Id. Call the GetFunction/GetAlias
  API to retrieve the latest Revision Id".
* PublishVersion (201): ``CodeSha256`` other than $LATEST's answers 400
  InvalidParameterValueException "CodeSHA256 (<given>) is different from
  current CodeSHA256 in $LATEST (<current>). Please try again with the
  CodeSHA256 in $LATEST."; a function being created or updated (the switches'
  Pending / InProgress) answers 409 ResourceConflictException. A version is
  published when $LATEST was updated (any UpdateFunctionCode /
  UpdateFunctionConfiguration call: AWS does not compare the contents) since
  the most recent version was published, or when that version was deleted;
  otherwise that version is answered again, its Description unchanged. The
  number is the highest ever published for the function + 1 (never reused
  after DeleteFunction Qualifier=N; a function deleted whole and created
  again starts at 1). The version is a snapshot: its own copy of the code,
  environment, layers, VPC and tracing settings, architecture, memory,
  timeout, role; no resource policy, event invoke config or URL of its own;
  FunctionArn qualified ``:N``, Version "N", Description given (else
  $LATEST's), LastModified its publish time; its reserved concurrency is the
  function's. UpdateFunctionCode ``Publish`` publishes once, from the updated
  $LATEST, and answers the version; CreateFunction ``Publish``, version 1.
  (Replaced from moto: its code_or_config_updated flag, which a DryRun set;
  its len(versions)+1; its copy.copy, sharing the code dict an update
  rewrites; its UpdateFunctionCode Publish, which updated the version too.)
* DeleteFunction (204): without a qualifier, the function, its versions and
  aliases (all environments retired); ``Qualifier=N`` (or ``name:N``, a
  qualified ARN) only version N and its environments (an absent version:
  204, nothing changes); 400 InvalidParameterValueException "$LATEST version
  cannot be deleted without deleting the function." / "Deletion of aliases is
  not currently supported."; 409 ResourceConflictException "Unable to delete
  version because the following aliases reference it: [live]" when aliases
  name the version (FunctionVersion or routing weights).
* ListVersionsByFunction: $LATEST (FunctionArn ``:$LATEST``) then the
  versions ascending, without State / LastUpdateStatus fields, MaxItems
  (1-10000, never over 50) a page, NextMarker when more.
* GetFunction / GetFunctionConfiguration of an alias: its version, FunctionArn
  the alias's. Errors: AWS's ``Type: User`` body and ``X-Amzn-ErrorType``.
"""

import base64
import copy
import json
import re
import threading
import uuid
from typing import Any, Callable
from urllib.parse import unquote

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.policy import Policy
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.utils import make_function_arn

from extension.awslambda import runtime
from extension.awslambda import states

LATEST = "$LATEST"
JSON = {"Content-Type": "application/json"}
PAGE_LIMIT = 50  # "returns a maximum of 50 items in each response"
STALE_REVISION = ("The Revision Id provided does not match the latest Revision Id. "
                  "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
QUALIFIED = re.compile(r"arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([^:]+)(?::(.+))?")
NOT_IN_LISTS = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus",
                "LastUpdateStatusReason", "LastUpdateStatusReasonCode", "RuntimeVersionConfig")
lock = threading.RLock()  # versions and aliases change under it


class LambdaError(LambdaClientError):
    """A Lambda error: ``{"__type", "Type": "User", key: message}``, ``X-Amzn-ErrorType``."""

    def __init__(self, error_type: str, message: str, status: int = 400, user: bool = True,
                 key: str = "message"):
        super().__init__(error_type, message)
        self.code = status
        body = {"__type": error_type, key: message}
        if user:
            body["Type"] = "User"
        self.description = json.dumps(body)


def invalid(message: str, user: bool = True) -> LambdaError:
    return LambdaError("InvalidParameterValueException", message, user=user)


def not_found(message: str) -> LambdaError:
    return LambdaError("ResourceNotFoundException", message, 404, key="Message")


def validation(errors: list[str]) -> None:
    """AWS's model validation: "N validation error(s) detected: A; B"."""
    if errors:
        plural = "s" if len(errors) > 1 else ""
        raise LambdaError("ValidationException",
                          f"{len(errors)} validation error{plural} detected: {'; '.join(errors)}",
                          user=False)


# --- names ------------------------------------------------------------------------------


def split_name(name_or_arn: str, qualifier: str | None = None) -> tuple[str, str | None]:
    """The function name and qualifier of ``name``, ``name:q``, ``acct:function:name[:q]``, an ARN."""
    name_or_arn = unquote(name_or_arn or "")
    match = QUALIFIED.fullmatch(name_or_arn)
    parts = name_or_arn.split(":")
    if match:
        name, derived = match[1], match[2]
    elif len(parts) >= 3 and parts[1] == "function":
        name, derived = parts[2], (parts[3] if len(parts) > 3 else None)
    elif len(parts) == 2:
        name, derived = parts
    else:
        name, derived = name_or_arn, None
    if derived and qualifier and derived != qualifier:
        raise invalid("The derived qualifier from the function name does not match the "
                      "specified qualifier.")
    return name, derived or qualifier or None


def arn(storage: Any, name: str, qualifier: str | None = None) -> str:
    unqualified = make_function_arn(storage.region_name, storage.account_id, name)
    return f"{unqualified}:{qualifier}" if qualifier else unqualified


def entry(storage: Any, name: str, qualifier: str | None = None) -> dict[str, Any]:
    """The function's record in moto's storage ({"latest", "versions", ...}); 404 when absent."""
    found = storage._functions.get(name)
    if not found or found.get("latest") is None:
        raise not_found(f"Function not found: {arn(storage, name, qualifier)}")
    return found


def version_of(found: dict[str, Any], number: str) -> Any:
    return next((v for v in found["versions"] if str(v.version) == str(number)), None)


def page(items: list[Any], key: Callable[[Any], str], marker: str | None,
         max_items: Any, limit: int = PAGE_LIMIT) -> tuple[list[Any], str | None]:
    """One page of ``items`` after ``marker`` (from a previous page), and the next marker."""
    size = min(int(max_items), limit) if max_items not in (None, "") else limit
    start = 0
    if marker:
        try:
            after = json.loads(base64.urlsafe_b64decode(marker.encode()))["next"]
        except (ValueError, KeyError, TypeError):
            raise invalid("Invalid pagination marker.") from None
        start = next((i for i, item in enumerate(items) if key(item) == after), len(items))
    chosen, rest = items[start:start + size], items[start + size:]
    if not rest:
        return chosen, None
    return chosen, base64.urlsafe_b64encode(json.dumps({"next": key(rest[0])}).encode()).decode()


def check_max_items(value: Any) -> None:
    if value in (None, ""):
        return
    number = int(value) if str(value).lstrip("-").isdigit() else 0
    if not 1 <= number <= 10000:
        bound = "greater than or equal to 1" if number < 1 else "less than or equal to 10000"
        validation([f"Value '{value}' at 'maxItems' failed to satisfy constraint: "
                    f"Member must have value {bound}"])


# --- revisions and snapshots ----------------------------------------------------------------


def revision(fn: Any) -> str:
    if not getattr(fn, "_bc_revision", None):
        fn._bc_revision = str(uuid.uuid4())
    return fn._bc_revision


def touch(fn: Any) -> None:
    """$LATEST changed: a new RevisionId."""
    fn._bc_revision = str(uuid.uuid4())


def check_revision(fn: Any, given: Any) -> None:
    if given and given != revision(fn):
        raise LambdaError("PreconditionFailedException", STALE_REVISION, 412)


def _reserved(self: Any) -> Any:
    """LambdaFunction.reserved_concurrency: a version's is its function's ($LATEST's)."""
    latest = self.__dict__.get("_bc_latest")
    return latest.reserved_concurrency if latest is not None else self.__dict__.get("_bc_reserved")


def _reserve(self: Any, value: Any) -> None:
    latest = self.__dict__.get("_bc_latest")
    if latest is not None:
        latest.reserved_concurrency = value
    else:
        self.__dict__["_bc_reserved"] = value


def _snapshot(latest: Any, number: int, description: str | None) -> Any:
    version = copy.copy(latest)
    for name in ("code", "environment_vars", "layers", "_vpc_config", "tracing_config",
                 "_architectures", "image_config"):
        if hasattr(latest, name):
            setattr(version, name, copy.deepcopy(getattr(latest, name)))
    version._bc_latest = latest
    version._bc_create = version._bc_update = None  # a version is Active from the start
    version.policy = Policy(version)
    version.event_invoke_config, version.url_config = [], None
    version.set_version(number)  # qualified ARN, Version, LastModified: now
    if description is not None:
        version.description = description
    version._bc_revision = str(uuid.uuid4())
    return version


def publish(storage: Any, name_or_arn: str, description: str | None = None,
            code_sha: str | None = None, revision_id: str | None = None,
            check_idle: bool = False) -> Any:
    """PublishVersion: the new version, or the most recent one when $LATEST is unchanged."""
    name, _ = split_name(name_or_arn)
    with lock:
        found = entry(storage, name)
        latest = found["latest"]
        check_revision(latest, revision_id)
        if code_sha and code_sha != latest.code_sha_256:
            raise invalid(f"CodeSHA256 ({code_sha}) is different from current CodeSHA256 in "
                          f"$LATEST ({latest.code_sha_256}). Please try again with the "
                          "CodeSHA256 in $LATEST.")
        if check_idle:
            states.check_idle(latest)
        highest = found.setdefault(
            "bc_highest", max((int(v.version) for v in found["versions"]), default=0))
        newest = version_of(found, str(highest))
        if newest is not None and newest._bc_source == revision(latest):
            return newest
        touch(latest)  # publishing gives $LATEST a new RevisionId too
        version = _snapshot(latest, highest + 1, description)
        version._bc_source = revision(latest)
        found["bc_highest"] = highest + 1
        found["versions"].append(version)
        storage._arns[version.function_arn] = version
        return version


def delete(backend: Any, name_or_arn: str, qualifier: str | None) -> None:
    """DeleteFunction, whole or one version."""
    storage = backend._lambdas
    name, qualifier = split_name(name_or_arn, qualifier)
    if qualifier == LATEST:
        raise invalid("$LATEST version cannot be deleted without deleting the function.")
    if qualifier and not qualifier.isdigit():
        raise invalid("Deletion of aliases is not currently supported.")
    with lock:
        found = entry(storage, name)
        if qualifier is None:
            storage.del_function(name)  # its versions and aliases with it
            runtime.retire(backend.account_id, backend.region_name, name)
            return
        version = version_of(found, qualifier)
        if version is None:
            return  # AWS: 204, nothing to delete
        users = sorted(alias.name for alias in storage._aliases[arn(storage, name)].values()
                       if qualifier == alias.function_version
                       or qualifier in (alias.routing_config or {}))
        if users:
            raise LambdaError("ResourceConflictException", "Unable to delete version because the "
                              f"following aliases reference it: [{', '.join(users)}]", 409)
        found["versions"].remove(version)
        storage._arns.pop(version.function_arn, None)
    runtime.retire(backend.account_id, backend.region_name, name, str(version.version))


def listing(fn: Any) -> dict[str, Any]:
    """A ListVersionsByFunction item: $LATEST's ARN qualified, no state fields."""
    config = fn.get_configuration()
    if str(fn.version) == LATEST:
        config["FunctionArn"] = f"{fn.function_arn}:{LATEST}"
    return {key: value for key, value in config.items() if key not in NOT_IN_LISTS}


# --- the actions --------------------------------------------------------------------------


def json_body(self: Any) -> dict[str, Any]:
    """A request's JSON object ({} when it is none)."""
    try:
        body = json.loads(self.body or "{}")
    except ValueError:
        body = {}
    return body if isinstance(body, dict) else {}


def query(self: Any, name: str) -> str | None:
    return (self.querystring.get(name) or [None])[0]


def publish_version(self: Any) -> tuple[int, dict[str, str], str]:
    """POST /2015-03-31/functions/{FunctionName}/versions"""
    body = json_body(self)
    version = publish(self.backend._lambdas, self.path.rstrip("/").split("/")[-2],
                      body.get("Description"), body.get("CodeSha256"), body.get("RevisionId"),
                      check_idle=True)
    return 201, {"status": "201", **JSON}, json.dumps(version.get_configuration())


def list_versions_by_function(self: Any) -> tuple[int, dict[str, str], str]:
    """GET /2015-03-31/functions/{FunctionName}/versions?Marker=&MaxItems="""
    storage = self.backend._lambdas
    check_max_items(query(self, "MaxItems"))
    name, _ = split_name(self.path.rstrip("/").split("/")[-2])
    with lock:
        found = entry(storage, name)
        items = [found["latest"]] + sorted(found["versions"], key=lambda v: int(v.version))
        chosen, marker = page(items, lambda fn: str(fn.version), query(self, "Marker"),
                              query(self, "MaxItems"))
        result: dict[str, Any] = {"Versions": [listing(fn) for fn in chosen]}
    if marker:
        result["NextMarker"] = marker
    return 200, dict(JSON), json.dumps(result)


def delete_function(self: Any) -> tuple[int, dict[str, str], str]:
    """DELETE /2015-03-31/functions/{FunctionName}?Qualifier="""
    self.backend.delete_function(unquote(self.path.rsplit("/", 1)[-1]), query(self, "Qualifier"))
    return 204, {"status": "204"}, ""


def _alias_arn(original: Callable) -> Callable:
    """GetFunction / GetFunctionConfiguration of an alias: FunctionArn is the alias's ARN."""
    def action(self: Any) -> str:
        answer = original(self)
        document = json.loads(answer)
        segment = -1 if original.__name__ == "get_function" else -2
        _, qualifier = split_name(unquote(self.path.rstrip("/").split("/")[segment]),
                                  query(self, "Qualifier"))
        config = document.get("Configuration", document)
        if qualifier and qualifier != LATEST and not qualifier.isdigit():
            config["FunctionArn"] = arn(self.backend._lambdas, config["FunctionName"], qualifier)
        return json.dumps(document)

    action.__name__ = original.__name__
    return action


# --- installing ---------------------------------------------------------------------------


def install() -> None:
    """Patch moto in-process (after awslambda.api and front.switches)."""
    config, update_config = LambdaFunction.get_configuration, LambdaFunction.update_configuration
    update_code = LambdaFunction.update_function_code
    backend_code = LambdaBackend.update_function_code
    backend_config = LambdaBackend.update_function_configuration

    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        document = config(self, on_create=on_create)
        document["RevisionId"] = revision(self)
        return document

    def update_configuration(self: Any, updates: dict[str, Any]) -> dict[str, Any]:
        update_config(self, updates)
        touch(self)
        return self.get_configuration()

    def update_function_code(self: Any, spec: dict[str, Any]) -> dict[str, Any]:
        update_code(self, spec)
        if not spec.get("DryRun"):
            touch(self)
        return self.get_configuration()

    def backend_update_code(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        check_revision(self.get_function(name), body.get("RevisionId"))
        wanted = body.get("Publish") and not body.get("DryRun")
        result = backend_code(self, name, qualifier, {k: v for k, v in body.items() if k != "Publish"})
        return publish(self._lambdas, name).get_configuration() if wanted else result

    def backend_update_config(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        check_revision(self.get_function(name), body.get("RevisionId"))
        return backend_config(self, name, qualifier, body)

    def backend_publish(self: Any, function_name: str, description: str = "") -> Any:
        return publish(self._lambdas, function_name, description or None)

    def backend_delete(self: Any, function_name: str, qualifier: str | None = None) -> None:
        delete(self, function_name, qualifier)

    LambdaFunction.reserved_concurrency = property(_reserved, _reserve)
    LambdaFunction.get_configuration = get_configuration
    LambdaFunction.update_configuration = update_configuration
    LambdaFunction.update_function_code = update_function_code
    LambdaBackend.update_function_code = backend_update_code
    LambdaBackend.update_function_configuration = backend_update_config
    LambdaBackend.publish_version = backend_publish
    LambdaBackend.delete_function = backend_delete
    LambdaResponse.publish_version = publish_version
    LambdaResponse.list_versions_by_function = list_versions_by_function
    LambdaResponse.delete_function = delete_function
    LambdaResponse.get_function = _alias_arn(LambdaResponse.get_function)
    LambdaResponse.get_function_configuration = _alias_arn(LambdaResponse.get_function_configuration)
