"""CloudWatch over Smithy RPC v2 CBOR, as the AWS SDK for Rust speaks it, in front of moto's.

The Rust SDK's CloudWatch client (aws-sdk-cloudwatch 1.140) sends every call as
``POST /service/GraniteServiceVersion20100801/operation/<Operation>`` with
``smithy-protocol: rpc-v2-cbor`` and a CBOR body holding the operation's input
structure (timestamps CBOR tag 1 epoch seconds, blobs byte strings). moto
5.2.6 serves this protocol itself, but not as AWS does: an operation without
output answers ``Content-Type: text/html``, a body that is not CBOR a 500, an
unknown operation an empty 404; and the checks of the front door (account
rules, IAM users' calls) read JSON, query and REST requests only. So this
layer, the door's outermost, still translates, generically over botocore's
cloudwatch model (any operation of it), and every check and moto see the
query call:

1. the CBOR input (gunzipped first under ``Content-Encoding: gzip``, which
   the SDK uses for large PutMetricData bodies) is decoded for the
   operation's input shape (botocore's RpcV2CBORParser) and re-encoded as
   the awsQuery form body botocore's QuerySerializer makes
   (``Action=<Operation>&Version=2010-08-01&...``);
2. that request goes down the server's own WSGI chain (this layer is the
   outermost: the extension's other layers, then moto) as ``POST /``, with
   the caller's headers (Authorization, whose credential scope
   ``monitoring`` and region pick moto's backend; ``x-moto-account-id``;
   X-Amz-Date ...) minus the CBOR protocol's own;
   moto's normal CloudWatchResponse handling, with every patch made to it,
   answers;
3. moto's XML answer is read with botocore's QueryParser for the operation's
   output shape and re-encoded as CBOR (botocore's CBOR serializer, driven by
   the shape: timestamps tag 1, doubles as floats, an output structure
   without members an empty map) with ``smithy-protocol: rpc-v2-cbor``,
   ``Content-Type: application/cbor`` and moto's request id as
   ``x-amzn-RequestId``. An operation without output (PutMetricAlarm,
   PutMetricData, DeleteAlarms, SetAlarmState ...) answers no body and no
   Content-Type (Smithy's RPC v2 CBOR protocol test ``no_output``).

Errors keep moto's HTTP status (the ``httpStatusCode`` of the model's error)
and answer as a query-compatible RPC v2 CBOR service does (Smithy's
awsQueryCompatible protocol tests ``QueryCompatibleRpcV2CborCustomCodeError``):
body ``{"__type": "com.amazonaws.cloudwatch#<ErrorShape>", "message": ".."}``
(the shape whose awsQueryError code is the query error's Code, looked up in the
operation's errors first), header ``x-amzn-query-error: <Code>;<Sender|Receiver>``.
The Rust SDK takes the error code from that header when present (else from
``__type`` past its ``#``) and matches the query codes:
``ResourceNotFound``, ``InvalidParameterValue``, ``LimitExceeded`` ... A code
no CloudWatch error shape declares (AccessDenied from front.account_rules, say)
is sent bare in ``__type``. A body that is not CBOR for the input shape answers
400 ``SerializationException``; an operation the model lacks 404
``UnknownOperationException``.
"""

import functools
import gzip
import io
import re
import uuid
from http import HTTPStatus
from typing import Any, Callable, Iterable
from urllib.parse import urlencode

import botocore.session
from botocore.model import OperationNotFoundError, ServiceModel, ShapeResolver
from botocore.parsers import QueryParser, RpcV2CBORParser
from botocore.serialize import QuerySerializer, RpcV2CBORSerializer

from extension.front.wire import SIGNED, headers_of, raw_target

SERVICE = "cloudwatch"
TARGET = "GraniteServiceVersion20100801"
NAMESPACE = "com.amazonaws.cloudwatch"
PATH = re.compile(rf"/service/{TARGET}/operation/([A-Za-z0-9_]+)")
PROTOCOL = "rpc-v2-cbor"
# Headers of the CBOR request that are not the query request's (WSGI names).
DROPPED = ("HTTP_SMITHY_PROTOCOL", "HTTP_ACCEPT", "HTTP_X_AMZN_QUERY_MODE",
           "HTTP_X_AMZ_TARGET", "HTTP_CONTENT_ENCODING", "HTTP_TRANSFER_ENCODING")
_STRING_MAP = ShapeResolver({
    "StringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
    "String": {"type": "string"},
}).get_shape_by_name("StringMap")


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE)


class Failure(Exception):
    """A request this layer refuses before moto sees it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def encode(value: Any, shape: Any) -> bytes:
    """``value`` as CBOR, typed by the botocore ``shape`` (the SDK's own encoder)."""
    body = bytearray()
    RpcV2CBORSerializer()._serialize_data_item(body, value, shape)
    return bytes(body)


def decode_input(body: bytes, operation: Any) -> dict[str, Any]:
    """The operation's input parameters from a CBOR body (empty: none)."""
    shape = operation.input_shape
    if shape is None or not body:
        return {}
    try:
        parsed = RpcV2CBORParser().parse(
            {"body": body, "headers": {}, "status_code": 200}, shape)
    except Exception as err:  # noqa: BLE001 - not CBOR, or not a map for the shape
        raise Failure(400, "SerializationException",
                      f"Could not decode the CBOR body as {shape.name}: {err}") from None
    parsed.pop("ResponseMetadata", None)
    return parsed


def request_body(environ: dict[str, Any]) -> bytes:
    """The request's body, gunzipped when the SDK compressed it (PutMetricData's
    requestCompression: ``Content-Encoding: gzip`` past 10 KiB)."""
    stream, length = environ.get("wsgi.input"), int(environ.get("CONTENT_LENGTH") or 0)
    if stream is None:
        raw = b""
    elif length:
        raw = stream.read(length)
    else:
        raw = stream.read() if environ.get("wsgi.input_terminated") else b""
    encodings = [e.strip().lower() for e in (environ.get("HTTP_CONTENT_ENCODING") or "").split(",")]
    for encoding in reversed([e for e in encodings if e and e != "identity"]):
        if encoding != "gzip":
            raise Failure(415, "UnsupportedMediaTypeException",
                          f"Unsupported Content-Encoding: {encoding}")
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise Failure(400, "SerializationException", f"Invalid gzip body: {err}") from None
    return raw


def query_body(params: dict[str, Any], operation: Any) -> bytes:
    try:
        form = QuerySerializer().serialize_to_request(params, operation)["body"]
    except Exception as err:  # noqa: BLE001 - a value of the wrong type for its member
        raise Failure(400, "SerializationException",
                      f"Invalid value in {operation.name} input: {err}") from None
    return urlencode(form, doseq=True).encode("utf-8")


def query_environ(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ of the awsQuery request for ``body``, as the caller sent it."""
    inner = {key: value for key, value in environ.items()
             if key not in DROPPED and key != "werkzeug.request"}
    inner.update({
        "REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "",
        "RAW_URI": "/", "REQUEST_URI": "/",
        "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
    })
    inner.pop("wsgi.input_terminated", None)
    return inner


def call(app: Callable, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """Run the WSGI ``app``: its status, headers (lower-case names) and body."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        answer["status"], answer["headers"] = int(status.split()[0]), headers
        return lambda data: None

    chunks: Iterable[bytes] = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return answer["status"], {k.lower(): v for k, v in answer["headers"]}, body


def error_shape(code: str, operation: Any) -> Any:
    """The model's error shape whose awsQueryError code is ``code`` (None: unmodelled)."""
    for shape in list(operation.error_shapes) + list(service_model().error_shapes):
        if shape.error_code == code:
            return shape
    return None


def error_answer(status: int, code: str, message: str, fault: str | None,
                 operation: Any = None, details: dict | None = None) -> tuple[int, dict, bytes]:
    shape = error_shape(code, operation) if operation is not None else None
    body = {"__type": f"{NAMESPACE}#{shape.name}" if shape is not None else code}
    members = shape.members if shape is not None else {}
    body["Message" if "Message" in members and "message" not in members else "message"] = message
    for name, member in members.items():  # modelled string members the query error carried
        value = (details or {}).get(name)
        if member.type_name == "string" and isinstance(value, str) and name not in body:
            body[name] = value
    fault = fault or ("Receiver" if status >= 500 else "Sender")
    headers = {"x-amzn-query-error": f"{code};{fault}"}
    return status, headers, encode(body, _STRING_MAP)


def translate(app: Callable, environ: dict[str, Any], name: str) -> tuple[int, dict, bytes]:
    """The CBOR answer to a CBOR request for operation ``name``."""
    try:
        operation = service_model().operation_model(name)
    except OperationNotFoundError:
        return error_answer(404, "UnknownOperationException",
                            f"Unknown operation {name} for service {TARGET}.", "Sender")
    try:
        params = decode_input(request_body(environ), operation)
        body = query_body(params, operation)
    except Failure as failure:
        return error_answer(failure.status, failure.code, failure.message, "Sender")
    status, headers, xml = call(app, query_environ(environ, body))
    request_id = headers.get("x-amzn-requestid") or headers.get("x-amz-request-id")
    answer = {"body": xml, "headers": headers, "status_code": status}
    if status >= 300:
        try:
            error = QueryParser().parse(answer, operation.output_shape)
        except Exception:  # noqa: BLE001 - not a query error document
            error = {}
        details = dict(error.get("Error") or {})
        if not details.get("Code") or details["Code"].isdigit():  # moto's HTML page, say
            details["Code"] = "InternalServiceError" if status >= 500 else str(status)
            details["Message"] = xml.decode("utf-8", "replace")[:1000]
        result = error_answer(status, details["Code"], details.get("Message") or "",
                              details.get("Type"), operation, details)
        request_id = request_id or (error.get("ResponseMetadata") or {}).get("RequestId")
    else:
        output = operation.output_shape
        parsed = QueryParser().parse(answer, output) if output is not None else {}
        metadata = parsed.pop("ResponseMetadata", None) or {}
        request_id = request_id or metadata.get("RequestId")
        result = status, {}, encode(parsed, output) if output is not None else b""
    status, extra, body = result
    extra["x-amzn-RequestId"] = request_id or str(uuid.uuid4())
    return status, extra, body


def respond(status: int, headers: dict[str, str], body: bytes,
            start_response: Callable) -> list[bytes]:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    fixed = [("smithy-protocol", PROTOCOL), ("Content-Length", str(len(body)))]
    if body:  # an operation without output answers no body, and no Content-Type
        fixed.append(("Content-Type", "application/cbor"))
    start_response(f"{status} {reason}", [*fixed, *headers.items()])
    return [body]


def is_cbor_call(environ: dict[str, Any]) -> str | None:
    """The operation an RPC v2 CBOR CloudWatch request calls, else None."""
    match = PATH.fullmatch(environ.get("PATH_INFO") or "")
    if match is None or environ.get("REQUEST_METHOD") != "POST":
        return None
    if (environ.get("HTTP_SMITHY_PROTOCOL") or "").strip().lower() != PROTOCOL:
        return None
    return match[1]


def wrapper(environ: dict[str, Any], start_response: Callable, inner: Callable) -> Any:
    """Serve an RPC v2 CBOR CloudWatch call as the query call it translates to; the
    outermost layer of the door, so the translated request meets every check, and
    moto, as any query call does."""
    name = is_cbor_call(environ)
    if name is None:
        return inner(environ, start_response)
    # The request as signed, for the checks that verify the signature
    # (front.authorization.users): the translated one is not signed.
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) \
        if environ.get("wsgi.input") is not None else b""
    path, query = raw_target(environ)
    environ[SIGNED] = (environ.get("REQUEST_METHOD") or "POST", path, query,
                       headers_of(environ), raw)
    environ["wsgi.input"] = io.BytesIO(raw)
    return respond(*translate(inner, environ, name), start_response)
