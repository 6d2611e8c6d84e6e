"""Unit tests of sigv4: requests signed by botocore's SigV4 signer verify; changed ones do not.

No server. Run: .venv/bin/python -m pytest emulator/test_sigv4.py -q
"""

import hashlib
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from extension.front import sigv4

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CREDENTIALS = Credentials("ASIAEXAMPLEEXAMPLE01", SECRET, "session-token")
HOST = "127.0.0.1:4566"
ARN_PATH = ("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction"
            "%3Agreeter%3Alive/invocations")
BODY = b'{"firstName": "Ada"}'


def signed_request(path: str = "/2015-03-31/functions/greeter/invocations", query: str = "",
                   body: bytes = BODY, **headers: str) -> sigv4.Request:
    """A request as botocore signs it for Lambda, then as the emulator receives it."""
    url = f"http://{HOST}{path}" + (f"?{query}" if query else "")
    request = AWSRequest("POST", url, data=body, headers={
        "Content-Type": "application/json", "X-Amz-Invocation-Type": "RequestResponse", **headers})
    SigV4Auth(CREDENTIALS, "lambda", "us-east-1").add_auth(request)
    received = {name.lower(): value for name, value in request.headers.items()}
    received["host"] = HOST
    return sigv4.Request("POST", path, query, received, body)


def check(request: sigv4.Request, secret: str = SECRET) -> bool:
    signed = sigv4.parse(request.headers, request.raw_query)
    assert signed is not None
    return sigv4.verify(signed, secret, request)


def changed(request: sigv4.Request, **fields) -> sigv4.Request:
    values = {"method": request.method, "raw_path": request.raw_path,
              "raw_query": request.raw_query, "headers": dict(request.headers), "body": request.body}
    values.update(fields)
    return sigv4.Request(**values)


@pytest.mark.parametrize("path, query", [
    ("/2015-03-31/functions/greeter/invocations", ""),
    ("/2015-03-31/functions/greeter/invocations", "Qualifier=%24LATEST"),
    (ARN_PATH, ""),  # an ARN in the path: signed URI-encoded twice
    ("/2015-03-31/functions/greeter/invocations", "b=2&a=1&a=0&empty="),
])
def test_a_botocore_signed_request_verifies(path, query):
    assert check(signed_request(path, query))


def test_the_parsed_scope():
    request = signed_request()
    signed = sigv4.parse(request.headers)
    assert (signed.access_key, signed.region, signed.service) == (
        "ASIAEXAMPLEEXAMPLE01", "us-east-1", "lambda")
    assert "host" in signed.signed_headers and "x-amz-security-token" in signed.signed_headers
    assert signed.scope.endswith("/us-east-1/lambda/aws4_request")


def test_another_secret_does_not_verify():
    assert not check(signed_request(), SECRET[:-1] + "X")


@pytest.mark.parametrize("change", [
    {"body": b'{"firstName": "Eve"}'},
    {"body": BODY + b" "},
    {"raw_path": "/2015-03-31/functions/other/invocations"},
    {"raw_query": "Qualifier=live"},
    {"method": "PUT"},
])
def test_a_request_changed_after_signing_does_not_verify(change):
    assert not check(changed(signed_request(), **change))


def test_a_signed_header_is_covered_and_an_unsigned_one_is_not():
    request = signed_request()
    headers = dict(request.headers)
    assert not check(changed(request, headers={**headers, "x-amz-invocation-type": "Event"}))
    assert not check(changed(request, headers={**headers, "host": "127.0.0.1:9999"}))
    assert check(changed(request, headers={**headers, "x-moto-account-id": "111111111111"}))


def test_header_values_are_trimmed_and_collapsed():
    request = signed_request()
    headers = {**request.headers, "content-type": "  application/json  "}
    assert check(changed(request, headers=headers))


def test_a_sent_content_hash_must_be_the_bodys():
    digest = hashlib.sha256(BODY).hexdigest()
    request = signed_request(**{"X-Amz-Content-SHA256": digest})
    assert check(request)
    # the signature covers the declared hash, not the bytes: a changed body is still caught
    assert not check(changed(request, body=b'{"firstName": "Eve"}'))


def test_a_presigned_url_verifies():
    url = f"http://{HOST}/2015-03-31/functions/greeter?Qualifier=live"
    request = AWSRequest("GET", url)
    SigV4QueryAuth(CREDENTIALS, "lambda", "us-east-1", expires=300).add_auth(request)
    parts = urlsplit(request.url)
    received = sigv4.Request("GET", parts.path, parts.query, {"host": HOST}, b"")
    signed = sigv4.parse(received.headers, received.raw_query)
    assert signed.presigned and signed.access_key == "ASIAEXAMPLEEXAMPLE01"
    assert sigv4.verify(signed, SECRET, received)
    assert not sigv4.verify(signed, SECRET, changed(received, raw_query=parts.query.replace(
        "Qualifier=live", "Qualifier=dead")))


def test_requests_without_a_signature():
    assert sigv4.parse({}) is None
    assert sigv4.parse({"authorization": "Bearer abc"}) is None
    assert sigv4.parse({"authorization": "AWS4-HMAC-SHA256 Credential=broken"}) is None
    assert sigv4.parse({}, "X-Amz-Credential=a%2F20240101%2Fus-east-1%2Flambda%2Faws4_request") \
        is None  # no algorithm, no signature


@pytest.mark.parametrize("raw, canonical", [
    ("/2015-03-31/functions/fn%3Alive/invocations", "/2015-03-31/functions/fn%253Alive/invocations"),
    ("/a/./b/../c", "/a/c"),
    ("//a//b/", "/a/b/"),
    ("", "/"),
    ("/a b~", "/a%20b~"),
])
def test_canonical_uri(raw, canonical):
    assert sigv4.canonical_uri(raw) == canonical
