"""AWS's request model at the door: a request's parameters checked against its operation's model before moto sees them.

AWS validates every request against the operation's API model before it
acts on it: required members, ``min``/``max`` lengths of strings, lists,
maps and blobs, ``min``/``max`` values of numbers, patterns and enums. moto
checks few of these, so a call AWS refuses would pass here unseen. This
check parses each request of the services backend-ctl calls with moto's own
parsers of botocore's model (query: IAM, STS, SNS, CloudWatch; JSON: Logs,
Cognito Identity; REST-JSON: Lambda; CloudWatch's RPC v2 CBOR calls arrive
as the query calls front.cbor translates them to, and their refusals go
back as CBOR), walks the operation's input shape and answers the
violations, in the order the members are modelled, as AWS words them:

    1 validation error detected: Value 'my fn' at 'functionName' failed to
    satisfy constraint: Member must satisfy regular expression pattern: ...
    2 validation errors detected: Value ...; Value ...

A member's path is its name with a lower-case first letter, nested with
dots (``environment.variables``); a list's items are ``<path>.<n>.member``;
the items of a list of strings or numbers, and a map's keys and values,
are judged at the list or map, which then lists every constraint of its
items ("Member must satisfy constraint: [...]", "Map keys must satisfy
constraint: [...]", "Map value must satisfy constraint: [...]", a member and
a value ending on "Member must not be null"). A pattern must match the whole value (AWS's validators match, they do
not search), read as Java reads it (``\\p{L}``); a string's length counts
UTF-16 code units, as Java's does. A sensitive member's value is not shown.

The error is the service's own for a model violation, HTTP 400:
``ValidationException`` (Lambda, REST: ``x-amzn-ErrorType`` and
``{"message": ..}``; Cognito Identity, JSON), ``InvalidParameterException``
(Logs), ``ValidationError`` (IAM, STS, CloudWatch: query XML) and
``InvalidParameter`` (SNS). A request whose service or operation the model
does not know, or that moto's parser cannot read, passes on: moto answers it.

With ``BACKEND_CTL_VALIDATION_LOG`` set to a file, each refusal is appended
to it as a JSON line (service, operation, message), and each request of a
known operation that the parser could not read (service, operation,
unread): what a whole test run met, for whoever reads what AWS would have
refused.
"""

import functools
import io
import json
import os
from typing import Any, Iterator

import regex
from moto.core.model import OperationModel, Shape
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import Request as MotoRequest, determine_request_protocol
from moto.core.routing import get_service_router
from moto.core.utils import get_service_model
from werkzeug.wrappers import Response

from extension.front import wire

# A signing name (the credential scope's service) and the botocore model's name.
MODELS = {"lambda": "lambda", "iam": "iam", "sts": "sts", "sns": "sns", "logs": "logs",
          "monitoring": "cloudwatch", "cognito-identity": "cognito-identity"}
# An X-Amz-Target's prefix, for unsigned JSON calls (Cognito's GetId).
TARGETS = {"AWSCognitoIdentityService": "cognito-identity", "Logs_20140328": "logs"}
CODES = {"logs": "InvalidParameterException", "iam": "ValidationError",
         "sts": "ValidationError", "monitoring": "ValidationError", "sns": "InvalidParameter"}
DEFAULT_CODE = "ValidationException"


def _service(environ: dict[str, Any]) -> str | None:
    match = wire.SCOPE.search(environ.get("HTTP_AUTHORIZATION") or "")
    if match:
        return match.group(3)
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    return TARGETS.get(target.split(".", 1)[0])


def _operation(environ: dict[str, Any], service: str,
               request: MotoRequest) -> tuple[OperationModel, dict[str, Any]] | None:
    """The operation a request calls, and its URI labels, if the model has it."""
    model = get_service_model(MODELS[service])
    try:
        if environ.get("HTTP_X_AMZ_TARGET"):
            return model.operation_model(environ["HTTP_X_AMZ_TARGET"].rsplit(".", 1)[-1]), {}
        if model.protocol == "query":
            name = request.values.get("Action")
            return (model.operation_model(name), {}) if name else None
        return get_service_router(MODELS[service]).match(request)
    except Exception:  # noqa: BLE001 - not an operation of the model: moto answers it
        return None


def parameters(environ: dict[str, Any]) -> tuple[str, OperationModel, dict[str, Any]] | None:
    """(service, operation, its parameters as the model names them) of a request, if known."""
    service = _service(environ)
    if service not in MODELS:
        return None
    body = wire.read_body(environ)
    copy = dict(environ)
    copy["wsgi.input"] = io.BytesIO(body)
    request = MotoRequest(copy)
    found = _operation(environ, service, request)
    if found is None:
        return None
    operation, labels = found
    try:
        protocol = determine_request_protocol(operation.service_model, request)
        parsed = PROTOCOL_PARSERS[protocol](operation).parse({
            "method": request.method, "values": request.values, "headers": request.headers,
            "body": body, "url_path": request.path, "url_params": labels,
        })
    except Exception as err:  # noqa: BLE001 - a body the parser cannot read: moto answers it
        _log({"service": service, "operation": operation.name, "unread": repr(err)})
        return None
    return service, operation, parsed


def _log(entry: dict[str, str]) -> None:
    log = os.environ.get("BACKEND_CTL_VALIDATION_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


@functools.lru_cache(maxsize=None)
def _pattern(source: str) -> Any:
    return regex.compile(source, regex.V0)


def _length(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-16-le")) // 2
    return len(value)


def _shown(shape: Shape, value: Any) -> str:
    if shape.metadata.get("sensitive"):
        return "Value"
    if isinstance(value, bool):
        return f"Value '{str(value).lower()}'"
    if isinstance(value, (bytes, bytearray)):
        return "Value 'java.nio.HeapByteBuffer'"
    if isinstance(value, list):
        return f"Value '[{', '.join(map(str, value))}]'"
    if isinstance(value, dict):
        return "Value '{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}'"
    return f"Value '{value}'"


def _bounds(shape: Shape, value: Any, unit: str) -> Iterator[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        yield f"Member must have {unit} greater than or equal to {low}"
    if high is not None and value > high:
        yield f"Member must have {unit} less than or equal to {high}"


def _scalar(shape: Shape, value: Any) -> list[str]:
    """What a string, number or blob breaks of its own constraints."""
    kind = shape.type_name
    if kind == "string" and isinstance(value, str):
        broken = []
        if shape.enum and value not in shape.enum:
            broken.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = shape.metadata.get("pattern")
        if pattern and not _pattern(pattern).fullmatch(value):
            broken.append(f"Member must satisfy regular expression pattern: {pattern}")
        return broken + list(_bounds(shape, _length(value), "length"))
    if kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        return list(_bounds(shape, value, "value"))
    if kind == "blob" and isinstance(value, (bytes, bytearray, str)):
        return list(_bounds(shape, len(value), "length"))
    return []


def _is_scalar(shape: Shape) -> bool:
    return shape.type_name not in ("structure", "list", "map")


def _every(shape: Shape, value: bool) -> str:
    """Every constraint of a list's member, a map's key or value, as AWS lists them
    when one item breaks any (a value's and a member's end on not null)."""
    meta, unit = shape.metadata, ("value" if shape.type_name in (
        "integer", "long", "float", "double") else "length")
    every = []
    if shape.type_name == "string" and shape.enum:
        every.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    if meta.get("max") is not None:
        every.append(f"Member must have {unit} less than or equal to {meta['max']}")
    if meta.get("min") is not None:
        every.append(f"Member must have {unit} greater than or equal to {meta['min']}")
    if meta.get("pattern"):
        every.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    if value:
        every.append("Member must not be null")
    return ", ".join(every)


def _path(parent: str, name: str) -> str:
    name = name[:1].lower() + name[1:]
    return f"{parent}.{name}" if parent else name


def violations(shape: Shape, value: Any, path: str = "") -> Iterator[str]:
    """Each constraint of ``shape`` that ``value`` breaks, in AWS's words."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                yield f"Value null at '{_path(path, name)}' failed to satisfy constraint: " \
                      "Member must not be null"
        for name, member in shape.members.items():
            if value.get(name) is not None:
                yield from violations(member, value[name], _path(path, name))
        return
    if kind == "list" and isinstance(value, list):
        for broken in _bounds(shape, len(value), "length"):
            yield f"{_shown(shape, value)} at '{path}' failed to satisfy constraint: {broken}"
        if _is_scalar(shape.member):
            if any(_scalar(shape.member, item) for item in value):
                yield f"{_shown(shape, value)} at '{path}' failed to satisfy constraint: " \
                      f"Member must satisfy constraint: [{_every(shape.member, True)}]"
            return
        for n, item in enumerate(value, 1):
            yield from violations(shape.member, item, f"{path}.{n}.member")
        return
    if kind == "map" and isinstance(value, dict):
        for broken in _bounds(shape, len(value), "length"):
            yield f"{_shown(shape, value)} at '{path}' failed to satisfy constraint: {broken}"
        if any(_scalar(shape.key, key) for key in value):
            yield f"{_shown(shape, value)} at '{path}' failed to satisfy constraint: " \
                  f"Map keys must satisfy constraint: [{_every(shape.key, False)}]"
        if not _is_scalar(shape.value):
            for key, item in value.items():
                yield from violations(shape.value, item, f"{path}.{key}")
        elif any(_scalar(shape.value, item) for item in value.values()):
            yield f"{_shown(shape, value)} at '{path}' failed to satisfy constraint: " \
                  f"Map value must satisfy constraint: [{_every(shape.value, True)}]"
        return
    for broken in _scalar(shape, value):
        yield f"{_shown(shape, value)} at '{path}' failed to satisfy constraint: {broken}"


def message(broken: list[str]) -> str:
    count = len(broken)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(broken)


def refusal(environ: dict[str, Any]) -> Response | None:
    """AWS's answer to a request that breaks its operation's model, else None."""
    found = parameters(environ)
    if found is None:
        return None
    service, operation, params = found
    shape = operation.input_shape
    broken = list(violations(shape, params)) if shape is not None else []
    if not broken:
        return None
    said = message(broken)
    _log({"service": service, "operation": operation.name, "message": said})
    return wire.error(service, wire.protocol(environ, service),
                      CODES.get(service, DEFAULT_CODE), said, status=400)
