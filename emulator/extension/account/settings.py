"""Per-account settings of the emulated AWS accounts, and the Lambda limits they set.

A test configures an account (moto separates accounts by the
``x-moto-account-id`` request header, or the access key's IAM account) over HTTP:

    POST   /backend-ctl/account   {"account_id": "<12 digits>",
                                   "concurrent_executions": 10,
                                   "max_memory_mb": 3008,
                                   "deny": ["lambda:CreateFunction", ...],
                                   "disabled_regions": ["af-south-1"]}
    GET    /backend-ctl/account   -> {"accounts": {"<id>": {<all fields>}},
                                      "defaults": {<all fields>}}
    DELETE /backend-ctl/account[?account_id=<id>]   drops one account, or all

Every field but ``account_id`` is optional; a POST replaces that account's
settings. Defaults: concurrent_executions = int(MOTO_LAMBDA_CONCURRENCY_QUOTA)
if that variable is set, else 1000; max_memory_mb = 10240; deny = [];
disabled_regions = []. POST /moto-api/reset keeps them.

Lambda, per account and region, as AWS does:

* GetAccountSettings (``GET /2016-08-19/account-settings/``, missing from
  moto): AccountLimit {TotalCodeSize 80530636800, CodeSizeUnzipped
  262144000, CodeSizeZipped 52428800, ConcurrentExecutions,
  UnreservedConcurrentExecutions = limit - all reservations}, AccountUsage
  {TotalCodeSize (every version's code and layer), FunctionCount};
* PutFunctionConcurrency keeps min(100, limit) unreserved, else
  InvalidParameterValueException "Specified ReservedConcurrentExecutions for
  function decreases account's UnreservedConcurrentExecution below its
  minimum value of [<min(100, limit)>]." (with limit 10, no reservation fits);
* CreateFunction / UpdateFunctionConfiguration with a MemorySize above
  max_memory_mb: ValidationException "'MemorySize' value failed to
  satisfy constraint: Member must have value less than or equal to <max>".

``deny`` and ``disabled_regions`` are enforced by front.account_rules.
"""

import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import moto.awslambda.urls as lambda_urls
from moto.awslambda.exceptions import (
    InvalidParameterValueException,
    LambdaClientError,
    ValidationException,
)
from moto.awslambda.models import LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.utils import get_backend
from werkzeug.wrappers import Request, Response

PATH = "/backend-ctl/account"
MAX_MEMORY = 10240
CODE_LIMITS = {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
               "CodeSizeZipped": 52428800}
FLOOR_MESSAGE = ("Specified ReservedConcurrentExecutions for function decreases account's "
                 "UnreservedConcurrentExecution below its minimum value of [{}].")
ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")


def _default_concurrency() -> int:
    quota = os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA")
    return int(quota) if quota else 1000


@dataclass(frozen=True)
class AccountSettings:
    concurrent_executions: int = field(default_factory=_default_concurrency)
    max_memory_mb: int = MAX_MEMORY
    deny: tuple[str, ...] = ()
    disabled_regions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document.update(deny=list(self.deny), disabled_regions=list(self.disabled_regions))
        return document


_accounts: dict[str, AccountSettings] = {}
_lock = threading.Lock()


def settings_for(account_id: str) -> AccountSettings:
    with _lock:
        settings = _accounts.get(account_id)
    return settings if settings is not None else AccountSettings()


def configured(account_id: str) -> bool:
    with _lock:
        return account_id in _accounts


def any_configured() -> bool:
    with _lock:
        return bool(_accounts)


# --- the HTTP endpoint -------------------------------------------------------------


def _number(body: dict, name: str, low: int, high: int | None, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (
            high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {bound}")
    return value


def _strings(body: dict, name: str, pattern: re.Pattern) -> tuple[str, ...]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(
            isinstance(item, str) and pattern.fullmatch(item) for item in value):
        raise ValueError(f"{name} must be a list of strings like {pattern.pattern}")
    return tuple(value)


def _parse(body: Any) -> tuple[str, AccountSettings]:
    if not isinstance(body, dict) or not isinstance(body.get("account_id"), str) or not re.fullmatch(
            r"\d{12}", body["account_id"]):
        raise ValueError('body must be a JSON object with "account_id" (12 digits)')
    unknown = set(body) - {f for f in AccountSettings.__dataclass_fields__} - {"account_id"}
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    return body["account_id"], AccountSettings(
        concurrent_executions=_number(body, "concurrent_executions", 1, None, _default_concurrency()),
        max_memory_mb=_number(body, "max_memory_mb", 128, MAX_MEMORY, MAX_MEMORY),
        deny=_strings(body, "deny", ACTION),
        disabled_regions=_strings(body, "disabled_regions", REGION),
    )


def _listing() -> Response:
    with _lock:
        accounts = {account: s.to_json() for account, s in _accounts.items()}
    body = {"accounts": accounts, "defaults": AccountSettings().to_json()}
    return Response(json.dumps(body), mimetype="application/json")


def account_app(environ: dict[str, Any], start_response: Callable) -> Any:
    """WSGI app serving ``/backend-ctl/account`` (GET, POST, DELETE)."""
    request = Request(environ)
    if request.method == "POST":
        try:
            account_id, settings = _parse(json.loads(request.get_data() or b"null"))
        except ValueError as err:
            body = json.dumps({"message": str(err)})
            return Response(body, 400, mimetype="application/json")(environ, start_response)
        with _lock:
            _accounts[account_id] = settings
    elif request.method == "DELETE":
        with _lock:
            if "account_id" in request.args:
                _accounts.pop(request.args["account_id"], None)
            else:
                _accounts.clear()
    elif request.method != "GET":
        return Response("", 405, {"Allow": "GET, POST, DELETE"})(environ, start_response)
    return _listing()(environ, start_response)


# --- Lambda ---------------------------------------------------------------------------


def _reservations(backend: Any, except_name: str | None = None) -> int:
    return sum(int(fn.reserved_concurrency) for fn in backend._lambdas.latest()
               if fn.reserved_concurrency is not None and fn.function_name != except_name)


def unreserved_concurrency(account_id: str, region: str) -> int:
    """The account's concurrency left to functions without a reservation, in a region."""
    limit = settings_for(account_id).concurrent_executions
    return limit - _reservations(get_backend(account_id, region))


def account_settings(backend: Any) -> dict[str, Any]:
    groups = list(backend._lambdas._functions.values())
    functions = [fn for group in groups for fn in [group["latest"], *group["versions"]] if fn]
    layers = [lv for layer in backend._layers._layers.values()
              for lv in layer.layer_versions.values()]
    limit = settings_for(backend.account_id).concurrent_executions
    return {
        "AccountLimit": {**CODE_LIMITS, "ConcurrentExecutions": limit,
                         "UnreservedConcurrentExecutions": limit - _reservations(backend)},
        "AccountUsage": {
            "TotalCodeSize": sum(fn.code_size for fn in functions) + sum(lv.code_size for lv in layers),
            "FunctionCount": sum(1 for group in groups if group["latest"] is not None),
        },
    }


def check_memory(account_id: str, memory: Any) -> None:
    if memory is None or isinstance(memory, bool) or not isinstance(memory, int):
        return
    if memory < 128:
        raise ValidationException(str(memory), "memorySize",
                                  "Member must have value greater than or equal to 128")
    if memory > MAX_MEMORY:
        raise ValidationException(str(memory), "memorySize",
                                  f"Member must have value less than or equal to {MAX_MEMORY}")
    maximum = settings_for(account_id).max_memory_mb
    if memory > maximum:
        # AWS answers an account's own cap as a ValidationException (HTTP 400),
        # not with the "1 validation error detected" wording of model limits
        # (seen in public logs, e.g. ubc-cirrus-lab/parrotfish#38).
        raise LambdaClientError(
            "ValidationException",
            "'MemorySize' value failed to satisfy constraint: Member must have value less "
            f"than or equal to {maximum}")


def _put_function_concurrency(self: Any, function_name: str, reserved: Any) -> int:
    fn = self.get_function(function_name)
    if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
        raise ValidationException(str(reserved).replace("None", "null"), "reservedConcurrentExecutions",
                                  "Member must have value greater than or equal to 0")
    limit = settings_for(self.account_id).concurrent_executions
    floor = min(100, limit)
    if limit - _reservations(self, fn.function_name) - reserved < floor:
        raise InvalidParameterValueException(FLOOR_MESSAGE.format(floor))
    fn.reserved_concurrency = reserved
    return reserved


def _get_account_settings(self: Any) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/json"}, json.dumps(account_settings(self.backend))


def install() -> None:
    """Patch moto in-process; call before the server serves its first request."""
    lambda_urls.url_paths[r"{0}/(?P<api_version>[^/]+)/account-settings/?$"] = LambdaResponse.dispatch
    LambdaResponse.get_account_settings = _get_account_settings
    LambdaBackend.put_function_concurrency = _put_function_concurrency
    create, update = LambdaBackend.create_function, LambdaBackend.update_function_configuration

    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        check_memory(self.account_id, spec.get("MemorySize"))
        return create(self, spec)

    def update_function_configuration(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        check_memory(self.account_id, body.get("MemorySize"))
        return update(self, name, qualifier, body)

    LambdaBackend.create_function = create_function
    LambdaBackend.update_function_configuration = update_function_configuration


ROUTES = {PATH: account_app}
