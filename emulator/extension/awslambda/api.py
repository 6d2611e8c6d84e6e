"""Lambda's API around the runtime (awslambda.runtime), patched into moto.

* Invoke (``POST /2015-03-31/functions/{FunctionName}/invocations``; a name
  or an ARN, Qualifier $LATEST, a version, an alias, or none) runs the code
  and configuration of what the qualifier names (awslambda.aliases.resolve:
  an alias with routing weights picks its version per invocation); moto's
  echo is gone:
  - unknown function: 404 ResourceNotFoundException "Function not found:
    arn:aws:lambda:<region>:<account>:function:<name>"; a payload that is not
    JSON: 400 InvalidRequestContentException "Could not parse request body
    into json: Could not parse payload into json: <reason>"; over 6 MB: 413
    RequestTooLargeException; past a concurrency limit (a reserved
    concurrency of 0 included): 429 TooManyRequestsException "Rate
    Exceeded." with its Reason, having run nothing and counted one Throttles
    datapoint (Lambda errors: ``x-amzn-ErrorType`` and ``{"__type", "Type":
    "User", "message"}``);
  - RequestResponse: 200, ``X-Amz-Executed-Version`` (the version that ran), ``x-amzn-RequestId``
    = the invocation's request id (moto's generator of that header now keeps
    an id a response already set), the body the runtime posted; a function
    error adds ``X-Amz-Function-Error: Unhandled``; ``X-Amz-Log-Type: Tail``
    adds ``X-Amz-Log-Result``, base64 of the last 4 KB of the invocation's
    log (START ... REPORT);
  - Event: 202, empty body, queued, retried and recorded to its
    destinations by awslambda.events (payloads up to 1 MB); DryRun: 204,
    runs nothing;
  - signed with Cognito credentials (authorized by front.issued), the
    invocation hands the function the caller's identity (runtime API header
    Lambda-Runtime-Cognito-Identity), RequestResponse and Event alike;
  - InvokeAsync (the deprecated API): 202 ``{"Status": 202}``, as Event.
  moto's own callers (event source mappings, SNS) run the code too.
* GetFunction's ``Code.Location`` is served by the emulator:
  ``GET /backend-ctl/lambda-code/<account>/<region>/<function>[?Qualifier=<q>]``
  answers the stored .zip (application/zip); and ``Concurrency`` shows a
  reservation of 0 too.
* CreateFunction and UpdateFunctionCode refuse a ZipFile that does not unzip
  (InvalidParameterValueException "Could not unzip uploaded file. Please
  check your file, then try to upload again.") and validate ``Architectures``
  (ValidationException: exactly one of x86_64, arm64); UpdateFunctionCode
  stores it (moto 5.2.6 ignores it), so GetFunction reports it and the next
  process runs on it.
* UpdateFunctionCode and UpdateFunctionConfiguration retire $LATEST's
  environments (DeleteFunction retires in awslambda.versions); POST
  /moto-api/reset and the server's exit stop every process.
"""

import atexit
import base64
import binascii
import io
import json
import zipfile
from typing import Any, Callable
from urllib.parse import parse_qs, quote, unquote

from moto.awslambda.exceptions import (InvalidParameterValueException, LambdaClientError,
                                       ValidationException)
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.utils import get_backend
from moto.awslambda_simple.models import LambdaSimpleBackend
import moto.core.responses as core_responses
from moto.core.exceptions import JsonRESTError
from werkzeug.wrappers import Request, Response

from extension.awslambda import events, runtime
from extension.awslambda.aliases import resolve
from extension.front.issued import IDENTITY_KEY

CODE_PATH = "/backend-ctl/lambda-code/"
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
MAX_SYNC_PAYLOAD = 6291456
NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
ARCHITECTURES = ("x86_64", "arm64")


class UserError(LambdaClientError):
    """A Lambda error with AWS's ``Type: User`` body and the given HTTP status."""

    def __init__(self, error_type: str, message: str, status: int = 400, **extra: Any):
        super().__init__(error_type, message)
        self.code = status
        self.description = json.dumps(
            {"__type": error_type, "Type": "User", "message": message, **extra})


def _run(fn: Any, payload: bytes, arn: str, identity: dict[str, str] | None = None) -> runtime.Result:
    try:
        return runtime.invoke(fn, payload, arn, cognito_identity=identity)
    except runtime.Throttled as err:
        raise UserError("TooManyRequestsException", "Rate Exceeded.", 429, Reason=err.reason) from None


def _qualifier(self: Any) -> str | None:
    return (parse_qs(self.parsed_url.query).get("Qualifier") or [None])[0]


def _caller_identity(self: Any) -> dict[str, str] | None:
    """The Cognito identity front.issued authorized this request with, if any."""
    request = getattr(self, "normalized_request", None)
    return getattr(request, "environ", {}).get(IDENTITY_KEY)


def invoke(self: Any) -> tuple[int, dict[str, str], bytes]:
    """Invoke: POST /2015-03-31/functions/{FunctionName}/invocations."""
    name, qualifier = unquote(self.path.rsplit("/", 2)[-2]), _qualifier(self)
    fn, arn = resolve(self.backend, name, qualifier)
    invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    if invocation_type not in INVOCATION_TYPES:
        raise ValidationException(invocation_type, "invocationType",
                                  "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
    payload = self.raw_body or b""
    payload = payload.encode() if isinstance(payload, str) else payload
    limit = events.MAX_EVENT_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD
    if len(payload) > limit:
        raise UserError("RequestTooLargeException", f"Request must be smaller than {limit} "
                        "bytes for the InvokeFunction operation", 413)
    if payload.strip():
        try:
            json.loads(payload)
        except ValueError as err:
            raise UserError("InvalidRequestContentException", "Could not parse request body into json: "
                            f"Could not parse payload into json: {err}") from None
    else:
        payload = b"{}"
    if invocation_type == "DryRun":
        return 204, {"status": "204"}, b""
    identity = _caller_identity(self)
    if invocation_type == "Event":
        request_id = events.enqueue(self.backend._lambdas, fn, payload, arn,
                                    lambda: resolve(self.backend, name, qualifier)[0], identity)
        return 202, {"status": "202", "x-amzn-requestid": request_id}, b""
    result = _run(fn, payload, arn, identity)
    headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": str(fn.version),
               "x-amzn-requestid": result.request_id}
    if result.kind == "error":
        headers["X-Amz-Function-Error"] = "Unhandled"
    if self.headers.get("X-Amz-Log-Type") == "Tail":
        tail = result.log_text.encode()[-4096:]
        headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
    return 200, headers, result.body


def invoke_async(self: Any) -> tuple[int, dict[str, str], str]:
    """InvokeAsync (deprecated): POST /2014-11-13/functions/{FunctionName}/invoke-async/."""
    name = unquote(self.path.rstrip("/").rsplit("/", 2)[-2])
    fn, arn = resolve(self.backend, name, None)
    payload = self.raw_body or b"{}"
    events.enqueue(self.backend._lambdas, fn,
                   payload.encode() if isinstance(payload, str) else payload, arn,
                   lambda: resolve(self.backend, name, None)[0], _caller_identity(self))
    return 202, {"status": "202"}, json.dumps({"Status": 202})


def _backend_invoke(self: Any, function_name: str, qualifier: str | None, body: Any,
                    headers: Any, response_headers: Any) -> bytes:
    """LambdaBackend.invoke, for moto's own callers (event sources, SNS, ...)."""
    return _function_invoke(resolve(self, function_name, qualifier)[0], body, headers,
                            response_headers)


def _function_invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    payload = body.encode() if isinstance(body, str) else (body or b"{}")
    if (request_headers or {}).get("x-amz-invocation-type") == "Event":
        storage = get_backend(self.account_id, self.region)._lambdas
        events.enqueue(storage, self, payload, self.function_arn, lambda: self)
        return b""
    result = _run(self, payload, self.function_arn)
    if result.kind == "error":
        response_headers["x-amz-function-error"] = "Unhandled"
    return result.body


# --- the code: Code.Location, zips, Architectures -------------------------------------------


def _patch_get_function(original: Callable) -> Callable:
    def get_function(self: Any) -> str:
        document = json.loads(original(self))
        name, qualifier = unquote(self.path.rsplit("/", 1)[-1]), self._get_param("Qualifier", None)
        fn = self.backend.get_function(name, qualifier)
        if fn.package_type == "Zip" and fn.code_bytes:
            url = (f"http://{self.headers.get('Host')}{CODE_PATH}{self.current_account}/"
                   f"{fn.region}/{quote(fn.function_name)}")
            if qualifier:
                url += f"?Qualifier={quote(qualifier)}"
            document["Code"] = {"RepositoryType": "S3", "Location": url}
        if fn.reserved_concurrency is not None:
            document["Concurrency"] = {"ReservedConcurrentExecutions": fn.reserved_concurrency}
        return json.dumps(document)

    return get_function


def code_app(environ: dict[str, Any], start_response: Callable) -> Any:
    """GET /backend-ctl/lambda-code/<account>/<region>/<function>[?Qualifier=]: the .zip."""
    request = Request(environ)
    parts = request.path[len(CODE_PATH):].split("/")
    if request.method != "GET":
        return Response("", 405, {"Allow": "GET"})(environ, start_response)
    try:
        account, region, name = parts
        fn = get_backend(account, region).get_function(name, request.args.get("Qualifier"))
        body, status = fn.code_bytes, 200
    except (ValueError, KeyError, JsonRESTError):
        body, status = b"", 404
    if not body:
        message = json.dumps({"message": f"No code stored at {request.path}"})
        return Response(message, 404, mimetype="application/json")(environ, start_response)
    return Response(body, status, mimetype="application/zip")(environ, start_response)


def _check_zip(encoded: Any) -> None:
    if not isinstance(encoded, (str, bytes)):
        return
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameterValueException(NOT_A_ZIP) from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidParameterValueException(NOT_A_ZIP)


def check_architectures(value: Any) -> None:
    if value is None:
        return
    items = value if isinstance(value, list) else [value]
    shown = "[" + ", ".join(str(item) for item in items) + "]"
    if not items:
        raise ValidationException(shown, "architectures", "Member must have length greater than or equal to 1")
    if len(items) > 1:
        raise ValidationException(shown, "architectures", "Member must have length less than or equal to 1")
    if items[0] not in ARCHITECTURES:
        raise ValidationException(shown, "architectures", "Member must satisfy constraint: [Member must "
                                  "satisfy enum value set: [x86_64, arm64], Member must not be null]")


# --- installing -------------------------------------------------------------------------


def install() -> None:
    """Patch moto in-process; call before the server serves its first request."""
    create, update_code = LambdaBackend.create_function, LambdaBackend.update_function_code
    update_config = LambdaBackend.update_function_configuration

    def create_function(self: Any, spec: dict[str, Any]) -> Any:
        check_architectures(spec.get("Architectures"))
        _check_zip((spec.get("Code") or {}).get("ZipFile"))
        return create(self, spec)

    def update_function_code(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        check_architectures(body.get("Architectures"))
        _check_zip(body.get("ZipFile"))
        fn = self.get_function(name, qualifier)
        previous = fn.architectures
        if body.get("Architectures") and not body.get("DryRun"):
            fn.architectures = body["Architectures"]
        try:
            result = update_code(self, name, qualifier, body)
        except BaseException:
            fn.architectures = previous
            raise
        if not body.get("DryRun"):
            runtime.retire(self.account_id, self.region_name, fn.function_name, "$LATEST")
        return result

    def update_function_configuration(self: Any, name: str, qualifier: Any, body: dict) -> Any:
        result = update_config(self, name, qualifier, body)
        runtime.retire(self.account_id, self.region_name, self.get_function(name).function_name,
                       "$LATEST")
        return result

    LambdaBackend.create_function = create_function
    LambdaBackend.update_function_code = update_function_code
    LambdaBackend.update_function_configuration = update_function_configuration
    LambdaBackend.invoke = _backend_invoke
    LambdaSimpleBackend.invoke = _backend_invoke
    LambdaFunction.invoke = _function_invoke
    LambdaResponse.invoke = invoke
    LambdaResponse.invoke_async = invoke_async
    LambdaResponse.get_function = _patch_get_function(LambdaResponse.get_function)
    new_request_id = core_responses.gen_amzn_requestid_long

    def request_id(headers: Any = None) -> str:  # Invoke's is the invocation's request id
        if isinstance(headers, dict) and headers.get("x-amzn-requestid"):
            return headers["x-amzn-requestid"]
        return new_request_id(headers)

    core_responses.gen_amzn_requestid_long = request_id
    atexit.register(runtime.stop_all)
