"""Lambda aliases as AWS keeps them, and what a qualifier invokes, patched into moto 5.2.6.

Faithful to the Lambda API reference (CreateAlias, UpdateAlias, GetAlias,
DeleteAlias, ListAliases, AliasRoutingConfiguration, Invoke) and to the
answers LocalStack recorded from AWS (test_lambda_api.snapshot.json:
test_alias_lifecycle, test_notfound_and_invalid_routingconfigs,
test_alias_naming, test_non_existent_alias_deletion / _update,
test_function_revisions_version_and_alias):

* An alias is ``{AliasArn, Name, FunctionVersion, Description, RevisionId}``
  plus ``RoutingConfig: {"AdditionalVersionWeights": {"N": w}}`` when it
  routes. CreateAlias answers 201, GetAlias and UpdateAlias 200, DeleteAlias
  204 (an absent alias too). Every UpdateAlias gives the alias a new
  RevisionId, even one that changes nothing; an UpdateAlias whose
  ``RevisionId`` is not the alias's answers 412 PreconditionFailedException
  "The Revision Id provided does not match the latest Revision Id. Call the
  GetFunction/GetAlias API to retrieve the latest Revision Id".
* Model validation first (ValidationException, "1 validation error detected:
  Value '<v>' at '<field>' failed to satisfy constraint: ..."): Name
  1-128 characters of pattern ``(?!^[0-9]+$)([a-zA-Z0-9-_]+)``;
  FunctionVersion ``(\\$LATEST|[0-9]+)``; Description at most 256;
  AdditionalVersionWeights keys ``[0-9]+`` and values 0.0-1.0 (the value
  shown Java's way, ``'{2=2.0}'``).
* Then the resources: an unknown function or FunctionVersion answers 404
  ResourceNotFoundException "Function not found: <function ARN>:<version>";
  GetAlias of an unknown alias "Cannot find alias arn: <alias ARN>",
  UpdateAlias "Alias not found: <alias ARN>"; CreateAlias of an existing
  name 409 ResourceConflictException "Alias already exists: <alias ARN>".
* Routing (InvalidParameterValueException): "Number of items in
  AdditionalVersionWeights cannot be greater than 1", "Invalid function
  version N. Function version N is already included in routing
  configuration.", "$LATEST is not supported for an alias pointing to more
  than 1 version"; the additional version must be published (404 as above).
  An empty ``AdditionalVersionWeights`` removes the routing.
* ListAliases: sorted by name, ``FunctionVersion`` filter, MaxItems / Marker
  pages (NextMarker), at most 50 a page.
* ``resolve`` (Invoke): ``?Qualifier=``, ``name:qualifier`` or a qualified
  ARN (a qualifier in both that differ: 400 InvalidParameterValueException
  "The derived qualifier from the function name does not match the
  specified qualifier.") names $LATEST, a version or an alias; an alias
  runs its FunctionVersion, or the additional version with the probability
  of its weight (``random``, drawn per invocation); unknown: 404 "Function
  not found: <qualified ARN>". The invoked ARN (what the runtime API hands
  the function) is qualified as the call was.
"""

import json
import random
import re
import uuid
from typing import Any

from moto.awslambda.models import LambdaAlias
from moto.awslambda.responses import LambdaResponse

from extension.awslambda.versions import (JSON, LATEST, STALE_REVISION, LambdaError, arn, check_max_items,
                                  entry, invalid, lock, not_found, page, query, split_name,
                                  validation, version_of)

ALIAS_NAME = re.compile(r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)")
VERSION = re.compile(r"(\$LATEST|[0-9]+)")
WEIGHT_VALUE = ("Map value must satisfy constraint: [Member must have value less than or equal "
                "to 1.0, Member must have value greater than or equal to 0.0, Member must not "
                "be null]")
WEIGHT_KEY = ("Map keys must satisfy constraint: [Member must have length less than or equal "
              "to 1024, Member must have length greater than or equal to 1, Member must satisfy "
              "regular expression pattern: [0-9]+]")
_random = random.Random()  # seeded from the OS, per process


def alias_json(alias: Any) -> dict[str, Any]:
    document = {"AliasArn": alias.arn, "Description": alias.description or "",
                "FunctionVersion": alias.function_version, "Name": alias.name,
                "RevisionId": alias.revision_id}
    if alias.routing_config:
        document["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.routing_config)}
    return document


# --- validation -------------------------------------------------------------------------


def _field(value: Any, field: str, constraint: str) -> str:
    return f"Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"


def _name_errors(name: Any) -> list[str]:
    if name is None:
        return ["Value null at 'name' failed to satisfy constraint: Member must not be null"]
    errors = []
    if not ALIAS_NAME.fullmatch(str(name)):
        errors.append(_field(name, "name", "Member must satisfy regular expression pattern: "
                                           "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"))
    if len(str(name)) > 128:
        errors.append(_field(name, "name", "Member must have length less than or equal to 128"))
    return errors


def _version_errors(version: Any, required: bool) -> list[str]:
    if version is None:
        return ["Value null at 'functionVersion' failed to satisfy constraint: Member must not "
                "be null"] if required else []
    if not VERSION.fullmatch(str(version)) or len(str(version)) > 1024:
        return [_field(version, "functionVersion",
                       r"Member must satisfy regular expression pattern: (\$LATEST|[0-9]+)")]
    return []


def _description_errors(description: Any) -> list[str]:
    if description is not None and len(str(description)) > 256:
        return [_field(description, "description",
                       "Member must have length less than or equal to 256")]
    return []


def _shown(weights: dict[str, Any]) -> str:
    def number(value: Any) -> str:
        return repr(float(value)) if isinstance(value, (int, float)) else str(value)
    return "{" + ", ".join(f"{key}={number(value)}" for key, value in weights.items()) + "}"


def _weights(routing: Any) -> dict[str, Any] | None:
    """The AdditionalVersionWeights of a RoutingConfig (None: no RoutingConfig given)."""
    if routing is None:
        return None
    weights = routing.get("AdditionalVersionWeights") if isinstance(routing, dict) else None
    return dict(weights) if isinstance(weights, dict) else {}


def _weight_errors(weights: dict[str, Any] | None) -> list[str]:
    if not weights:
        return []
    field = "routingConfig.additionalVersionWeights"
    if any(isinstance(w, bool) or not isinstance(w, (int, float)) or not 0.0 <= w <= 1.0
           for w in weights.values()):
        return [_field(_shown(weights), field, WEIGHT_VALUE)]
    if any(not re.fullmatch(r"[0-9]{1,1024}", str(key)) for key in weights):
        return [_field(_shown(weights), field, WEIGHT_KEY)]
    return []


def _target(storage: Any, found: dict[str, Any], name: str, version: str) -> None:
    """404 unless ``version`` ($LATEST or a published number) exists."""
    if version != LATEST and version_of(found, version) is None:
        raise not_found(f"Function not found: {arn(storage, name, version)}")


def _routing(storage: Any, found: dict[str, Any], name: str, version: str,
             weights: dict[str, Any] | None) -> dict[str, float] | None:
    """The alias's checked routing weights (None: it routes nowhere else)."""
    if not weights:
        return None
    if len(weights) > 1:
        raise invalid("Number of items in AdditionalVersionWeights cannot be greater than 1")
    (extra, weight), = weights.items()
    if extra == version:
        raise invalid(f"Invalid function version {version}. Function version {version} is "
                      "already included in routing configuration.")
    if version == LATEST:
        raise invalid("$LATEST is not supported for an alias pointing to more than 1 version",
                      user=False)
    _target(storage, found, name, extra)
    return {extra: float(weight)}


def _names(self: Any) -> tuple[str, str]:
    """The function and alias of ``/functions/{FunctionName}/aliases/{Name}``."""
    parts = self.path.rstrip("/").split("/")
    return split_name(parts[-3])[0], parts[-1]


# --- the actions ------------------------------------------------------------------------


def create_alias(self: Any) -> tuple[int, dict[str, str], str]:
    """POST /2015-03-31/functions/{FunctionName}/aliases"""
    storage, body = self.backend._lambdas, json.loads(self.body or "{}")
    function, _ = split_name(self.path.rstrip("/").split("/")[-2])
    name, version = body.get("Name"), body.get("FunctionVersion")
    description, weights = body.get("Description") or "", _weights(body.get("RoutingConfig"))
    validation(_name_errors(name) + _version_errors(version, True)
               + _description_errors(description) + _weight_errors(weights))
    with lock:
        found = storage._functions.get(function)
        if not found or found.get("latest") is None:
            raise not_found(f"Function not found: {arn(storage, function, version)}")
        _target(storage, found, function, version)
        aliases = storage._aliases[arn(storage, function)]
        if name in aliases:
            raise LambdaError("ResourceConflictException",
                              f"Alias already exists: {arn(storage, function, name)}", 409)
        routing = _routing(storage, found, function, version, weights)
        alias = LambdaAlias(storage.account_id, storage.region_name, name, function, version,
                            description, routing)
        aliases[name] = alias
        return 201, {"status": "201", **JSON}, json.dumps(alias_json(alias))


def get_alias(self: Any) -> tuple[int, dict[str, str], str]:
    """GET /2015-03-31/functions/{FunctionName}/aliases/{Name}"""
    storage = self.backend._lambdas
    function, name = _names(self)
    validation(_name_errors(name))
    with lock:
        found = storage._functions.get(function)
        alias = storage._aliases[arn(storage, function)].get(name) if found else None
        if alias is None:
            raise not_found(f"Cannot find alias arn: {arn(storage, function, name)}")
        return 200, dict(JSON), json.dumps(alias_json(alias))


def update_alias(self: Any) -> tuple[int, dict[str, str], str]:
    """PUT /2015-03-31/functions/{FunctionName}/aliases/{Name}"""
    storage, body = self.backend._lambdas, json.loads(self.body or "{}")
    function, name = _names(self)
    version, description = body.get("FunctionVersion"), body.get("Description")
    weights = _weights(body.get("RoutingConfig"))
    validation(_name_errors(name) + _version_errors(version, False)
               + _description_errors(description) + _weight_errors(weights))
    with lock:
        found = entry(storage, function)
        alias = storage._aliases[arn(storage, function)].get(name)
        if alias is None:
            raise not_found(f"Alias not found: {arn(storage, function, name)}")
        if body.get("RevisionId") and body["RevisionId"] != alias.revision_id:
            raise LambdaError("PreconditionFailedException", STALE_REVISION, 412)
        target = alias.function_version if version is None else version
        _target(storage, found, function, target)
        routing = _routing(storage, found, function, target,
                           alias.routing_config if weights is None else weights)
        alias.function_version, alias.routing_config = target, routing
        if description is not None:
            alias.description = description
        alias.revision_id = str(uuid.uuid4())  # every update, even one that changes nothing
        return 200, dict(JSON), json.dumps(alias_json(alias))


def delete_alias(self: Any) -> tuple[int, dict[str, str], str]:
    """DELETE /2015-03-31/functions/{FunctionName}/aliases/{Name}"""
    storage = self.backend._lambdas
    function, name = _names(self)
    validation(_name_errors(name))
    with lock:
        entry(storage, function)
        storage._aliases[arn(storage, function)].pop(name, None)
    return 204, {"status": "204"}, ""


def list_aliases(self: Any) -> tuple[int, dict[str, str], str]:
    """GET /2015-03-31/functions/{FunctionName}/aliases?FunctionVersion=&Marker=&MaxItems="""
    storage = self.backend._lambdas
    function, _ = split_name(self.path.rstrip("/").split("/")[-2])
    version, max_items = query(self, "FunctionVersion"), query(self, "MaxItems")
    validation(_version_errors(version, False))
    check_max_items(max_items)
    with lock:
        entry(storage, function)
        aliases = sorted(storage._aliases[arn(storage, function)].values(), key=lambda a: a.name)
        aliases = [a for a in aliases if version is None or a.function_version == version]
        chosen, marker = page(aliases, lambda a: a.name, query(self, "Marker"), max_items)
        result: dict[str, Any] = {"Aliases": [alias_json(a) for a in chosen]}
    if marker:
        result["NextMarker"] = marker
    return 200, dict(JSON), json.dumps(result)


# --- what an invocation runs ----------------------------------------------------------------


def named(storage: Any, name: str, qualifier: str | None, route: bool) -> tuple[dict[str, Any], Any]:
    """The function's record and the function object ($LATEST or a version) that the
    qualifier names: an alias's version, or with ``route`` the one its routing picks for
    this call; 404 when absent. Call it holding ``lock``."""
    found = entry(storage, name, qualifier)
    if qualifier in (None, LATEST):
        return found, found["latest"]
    missing = not_found(f"Function not found: {arn(storage, name, qualifier)}")
    number = qualifier
    if not qualifier.isdigit():
        alias = storage._aliases[arn(storage, name)].get(qualifier)
        if alias is None:
            raise missing
        number = alias.function_version
        for extra, weight in (alias.routing_config or {}).items() if route else ():
            if _random.random() < weight:
                number = extra
    fn = found["latest"] if number == LATEST else version_of(found, number)
    if fn is None:
        raise missing
    return found, fn


def resolve(backend: Any, name_or_arn: str, qualifier: str | None) -> tuple[Any, str]:
    """The function object an Invoke runs ($LATEST or a version) and the ARN it was invoked by."""
    storage = backend._lambdas
    name, qualifier = split_name(name_or_arn, qualifier)
    with lock:
        return named(storage, name, qualifier, route=True)[1], arn(storage, name, qualifier)


def install() -> None:
    """Patch moto in-process; call before the server serves its first request."""
    LambdaAlias.to_json = alias_json
    LambdaResponse.create_alias = create_alias
    LambdaResponse.get_alias = get_alias
    LambdaResponse.update_alias = update_alias
    LambdaResponse.delete_alias = delete_alias
    LambdaResponse.list_aliases = list_aliases
