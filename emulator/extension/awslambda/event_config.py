"""Asynchronous invocation's settings, per function, version or alias, as Lambda keeps them.

moto 5.2.6 keeps one list of configs per function, ignores the Qualifier,
appends on every Put (a second Put never shows) and makes Update a Put. As
the Lambda API reference describes the five actions
(``/2019-09-25/functions/{FunctionName}/event-invoke-config``):

* PutFunctionEventInvokeConfig (PUT, ``?Qualifier=``: $LATEST, a version
  or an alias; none is $LATEST) "overwrites" the configuration of that
  qualifier: "If you exclude any settings, they are removed";
  UpdateFunctionEventInvokeConfig (POST) changes only the settings it
  names, and answers 404 when there is none yet. Both answer the
  configuration: ``FunctionArn`` (qualified), ``LastModified`` (epoch
  seconds), ``MaximumRetryAttempts``, ``MaximumEventAgeInSeconds``,
  ``DestinationConfig`` ``{OnSuccess: {Destination}, OnFailure:
  {Destination}}``, each only when set.
* GetFunctionEventInvokeConfig and DeleteFunctionEventInvokeConfig (204)
  answer 404 ResourceNotFoundException "The function <qualified ARN>
  doesn't have an EventInvokeConfig" when there is none;
  ListFunctionEventInvokeConfigs (``.../event-invoke-config/list``) gives
  every qualifier's, with MaxItems (1-50) and Marker.
* An unknown function or qualifier: 404 "Function not found: <ARN>".
* A destination is the ARN of an SQS queue, an SNS topic, a Lambda
  function, an EventBridge bus, or (on failure only) an S3 bucket; anything
  else answers InvalidParameterValueException. For an SQS queue or an SNS
  topic, Lambda checks that the function's execution role may send to it,
  as IAM has propagated the role's policies (iam.propagation): "The
  provided execution role does not have permissions to call SendMessage on
  SQS" (or "Publish on SNS"), the error Serverless, Amplify and
  functionbeat users met when the policy was put just before
  (functionalone/serverless-iam-roles-per-function#5, elastic/beats#13963).
* Deleting the function, the version or the alias deletes its configuration.

``effective`` gives awslambda.events the settings an event invoked through
a qualifier runs under: that qualifier's, else Lambda's defaults (2 retries,
6 hours, no destination).
"""

import json
import time
from typing import Any

from moto.awslambda.models import LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition

from extension.awslambda.aliases import named
from extension.awslambda.versions import (JSON, LATEST, arn, entry, invalid, json_body, lock, not_found,
                                          page, query, split_name)
from extension.front.authorization.policy import evaluate
from extension.iam import propagation

MAX_RETRY_ATTEMPTS = 2
MAX_EVENT_AGE = 21600
KEY = "_bc_event_invoke_configs"  # on moto's function record: {qualifier: config}
SENDS = {"sqs": ("sqs:SendMessage", "SendMessage on SQS"),
         "sns": ("sns:Publish", "Publish on SNS")}
DESTINATION_SERVICES = ("sqs", "sns", "lambda", "events", "s3")


def _names(self: Any, depth: int = 2) -> tuple[str, str]:
    """The function name and the qualifier ($LATEST when none) of the request."""
    name, qualifier = split_name(self.path.rstrip("/").split("/")[-depth], query(self, "Qualifier"))
    return name, qualifier or LATEST


def _absent(storage: Any, name: str, qualifier: str) -> Exception:
    return not_found(f"The function {arn(storage, name, qualifier)} doesn't have an "
                     "EventInvokeConfig")


def role_may(fn: Any, action: str, resource: str) -> bool:
    """Whether the function's execution role may ``action`` on ``resource``, as IAM has
    propagated its policies (asked again on each delivery, awslambda.events)."""
    partition = get_partition(fn.region)
    role = next((r for r in iam_backends[fn.account_id][partition].roles.values()
                 if r.arn == fn.role), None)
    if role is None:
        return False
    inline, managed = propagation.visible_permissions(role)
    documents = inline + [v.document for p in managed for v in p.versions if v.is_default]
    return evaluate(documents, action, resource) == "Allow"


def _check_destinations(fn: Any, config: dict[str, Any]) -> None:
    destinations = config.get("DestinationConfig") or {}
    for side in ("OnSuccess", "OnFailure"):
        target = (destinations.get(side) or {}).get("Destination")
        if not target:
            continue
        parts = target.split(":")
        service = parts[2] if len(parts) >= 6 and parts[0] == "arn" else None
        if service not in DESTINATION_SERVICES or (service == "s3" and side == "OnSuccess"):
            raise invalid(f"The destination ARN {target} is invalid.")
        if service in SENDS:
            action, words = SENDS[service]
            if not role_may(fn, action, target):
                raise invalid(f"The provided execution role does not have permissions to call "
                              f"{words}")


def _settings(config: dict[str, Any]) -> dict[str, Any]:
    kept = {}
    for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if config.get(key) is not None:
            kept[key] = config[key]
    destinations = {side: {"Destination": target["Destination"]}
                    for side, target in (config.get("DestinationConfig") or {}).items()
                    if side in ("OnSuccess", "OnFailure") and isinstance(target, dict)
                    and target.get("Destination")}
    kept["DestinationConfig"] = destinations
    return kept


def _answer(storage: Any, name: str, qualifier: str, stored: dict[str, Any]) -> dict[str, Any]:
    document = {"FunctionArn": arn(storage, name, qualifier), **stored}
    document["DestinationConfig"] = {side: stored["DestinationConfig"].get(side, {})
                                     for side in ("OnSuccess", "OnFailure")}
    return document


def _store(self: Any, merge: bool) -> tuple[int, dict[str, str], str]:
    storage = self.backend._lambdas
    name, qualifier = _names(self)
    body = json_body(self)
    with lock:
        found, fn = named(storage, name, qualifier, route=False)
        configs = found.setdefault(KEY, {})
        current = configs.get(qualifier)
        if merge and current is None:
            raise _absent(storage, name, qualifier)
        given = _settings(body)
        if merge:
            destinations = {**current["DestinationConfig"], **given["DestinationConfig"]}
            given = {**current, **given, "DestinationConfig": destinations}
        _check_destinations(fn, given)
        given["LastModified"] = round(time.time(), 3)
        configs[qualifier] = given
        return 200, dict(JSON), json.dumps(_answer(storage, name, qualifier, given))


def put_function_event_invoke_config(self: Any) -> tuple[int, dict[str, str], str]:
    """PUT /2019-09-25/functions/{FunctionName}/event-invoke-config?Qualifier="""
    return _store(self, merge=False)


def update_function_event_invoke_config(self: Any) -> tuple[int, dict[str, str], str]:
    """POST /2019-09-25/functions/{FunctionName}/event-invoke-config?Qualifier="""
    return _store(self, merge=True)


def get_function_event_invoke_config(self: Any) -> tuple[int, dict[str, str], str]:
    """GET /2019-09-25/functions/{FunctionName}/event-invoke-config?Qualifier="""
    storage = self.backend._lambdas
    name, qualifier = _names(self)
    with lock:
        found, _ = named(storage, name, qualifier, route=False)
        stored = found.get(KEY, {}).get(qualifier)
        if stored is None:
            raise _absent(storage, name, qualifier)
        return 200, dict(JSON), json.dumps(_answer(storage, name, qualifier, stored))


def delete_function_event_invoke_config(self: Any) -> tuple[int, dict[str, str], str]:
    """DELETE /2019-09-25/functions/{FunctionName}/event-invoke-config?Qualifier="""
    storage = self.backend._lambdas
    name, qualifier = _names(self)
    with lock:
        found, _ = named(storage, name, qualifier, route=False)
        if found.get(KEY, {}).pop(qualifier, None) is None:
            raise _absent(storage, name, qualifier)
    return 204, {"status": "204"}, ""


def list_function_event_invoke_configs(self: Any) -> tuple[int, dict[str, str], str]:
    """GET /2019-09-25/functions/{FunctionName}/event-invoke-config/list?Marker=&MaxItems="""
    storage = self.backend._lambdas
    name, _ = split_name(self.path.rstrip("/").split("/")[-3])
    with lock:
        found = entry(storage, name)
        items = sorted(found.get(KEY, {}).items())
        chosen, marker = page(items, lambda item: item[0], query(self, "Marker"),
                              query(self, "MaxItems"))
        result: dict[str, Any] = {"FunctionEventInvokeConfigs": [
            _answer(storage, name, qualifier, stored) for qualifier, stored in chosen]}
    if marker:
        result["NextMarker"] = marker
    return 200, dict(JSON), json.dumps(result)


def effective(storage: Any, name: str, qualifier: str | None) -> dict[str, Any]:
    """The settings an event invoked through ``qualifier`` runs under, Lambda's defaults filled in."""
    with lock:
        found = storage._functions.get(name) or {}
        stored = (found.get(KEY) or {}).get(qualifier or LATEST) or {}
    return {"MaximumRetryAttempts": stored.get("MaximumRetryAttempts", MAX_RETRY_ATTEMPTS),
            "MaximumEventAgeInSeconds": stored.get("MaximumEventAgeInSeconds", MAX_EVENT_AGE),
            "OnSuccess": (stored.get("DestinationConfig", {}).get("OnSuccess") or {}).get(
                "Destination"),
            "OnFailure": (stored.get("DestinationConfig", {}).get("OnFailure") or {}).get(
                "Destination")}


def install() -> None:
    """Patch moto in-process (after awslambda.versions and awslambda.aliases)."""
    delete_alias, delete_function = LambdaResponse.delete_alias, LambdaBackend.delete_function

    def delete_alias_and_config(self: Any) -> Any:
        answer = delete_alias(self)
        storage = self.backend._lambdas
        function, _ = split_name(self.path.rstrip("/").split("/")[-3])
        alias = self.path.rstrip("/").split("/")[-1]
        with lock:
            (storage._functions.get(function) or {}).get(KEY, {}).pop(alias, None)
        return answer

    def delete_function_and_config(self: Any, name_or_arn: str, qualifier: Any = None) -> Any:
        answer = delete_function(self, name_or_arn, qualifier)
        name, number = split_name(name_or_arn, qualifier)
        if number:
            with lock:
                (self._lambdas._functions.get(name) or {}).get(KEY, {}).pop(number, None)
        return answer

    LambdaResponse.delete_alias = delete_alias_and_config
    LambdaBackend.delete_function = delete_function_and_config
    LambdaResponse.put_function_event_invoke_config = put_function_event_invoke_config
    LambdaResponse.update_function_event_invoke_config = update_function_event_invoke_config
    LambdaResponse.get_function_event_invoke_config = get_function_event_invoke_config
    LambdaResponse.delete_function_event_invoke_config = delete_function_event_invoke_config
    LambdaResponse.list_function_event_invoke_configs = list_function_event_invoke_configs
