"""AWS Signature Version 4 verification of one HTTP request, with no moto in it.

``parse(headers, query)`` reads a request's signature: the ``Authorization``
header (``AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
SignedHeaders=..., Signature=...``) or a presigned URL's ``X-Amz-Credential``,
``X-Amz-SignedHeaders``, ``X-Amz-Signature`` and ``X-Amz-Date``. It returns
None for a request that carries neither.

``signature(signed, secret, request)`` recomputes what the client should have
sent, as the SigV4 reference defines it for services other than S3:

* canonical URI: the path as sent on the request line (still URL-encoded),
  its ``.`` / ``..`` / empty segments removed, URI-encoded once more (Lambda's
  ``/functions/arn%3A...`` signs as ``arn%253A...``);
* canonical query: every parameter (but ``X-Amz-Signature``) decoded,
  re-encoded (RFC 3986 unreserved characters kept), sorted by name then value;
* canonical headers: the signed headers, lower-case, values trimmed with
  inner runs of spaces collapsed;
* payload hash: ``X-Amz-Content-SHA256`` when sent, else the SHA-256 of the
  body as received (a presigned URL too: ``UNSIGNED-PAYLOAD`` is S3's alone).

``body_matches(request)``: a sent ``X-Amz-Content-SHA256`` must be the hash of
the body received, so a body changed in transit never passes with the
signature of another.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
CREDENTIAL = re.compile(r"([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
FIELD = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]*)")


@dataclass(frozen=True)
class Signed:
    """A request's signature and its scope."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    presigned: bool = False

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


@dataclass(frozen=True)
class Request:
    """What the signature covers: method, the raw path and query, headers (lower-case names), body."""

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, str]
    body: bytes


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in raw_query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def parse(headers: Mapping[str, str], raw_query: str = "") -> Signed | None:
    """The request's SigV4 signature (header or presigned URL), or None when it has none."""
    authorization = headers.get("authorization") or ""
    if authorization.startswith(ALGORITHM):
        fields = dict(FIELD.findall(authorization))
        credential = CREDENTIAL.fullmatch(fields.get("Credential", ""))
        if not credential or "Signature" not in fields:
            return None
        amz_date = headers.get("x-amz-date") or headers.get("date") or ""
        return Signed(*credential.groups(), tuple(fields.get("SignedHeaders", "").split(";")),
                      fields["Signature"], amz_date)
    query = dict(query_pairs(raw_query))
    credential = CREDENTIAL.fullmatch(query.get("X-Amz-Credential", ""))
    if query.get("X-Amz-Algorithm") != ALGORITHM or not credential or "X-Amz-Signature" not in query:
        return None
    return Signed(*credential.groups(), tuple(query.get("X-Amz-SignedHeaders", "").split(";")),
                  query["X-Amz-Signature"], query.get("X-Amz-Date", ""), presigned=True)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, and empty segments dropped, as AWS's signers normalize a path."""
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment and segment != ".":
            kept.append(segment)
    trailing = "/" if path.endswith("/") and kept else ""
    return "/" + "/".join(kept) + trailing


def canonical_uri(raw_path: str) -> str:
    return quote(remove_dot_segments(raw_path or "/"), safe="/~")


def canonical_query(raw_query: str, presigned: bool) -> str:
    pairs = [(quote(name, safe="-_.~"), quote(value, safe="-_.~"))
             for name, value in query_pairs(raw_query)
             if not (presigned and name == "X-Amz-Signature")]
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def canonical_headers(signed: Signed, headers: Mapping[str, str]) -> str:
    lines = []
    for name in signed.signed_headers:
        value = re.sub(r"\s+", " ", (headers.get(name) or "").strip())
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def payload_hash(request: Request) -> str:
    return request.headers.get("x-amz-content-sha256") or hashlib.sha256(request.body).hexdigest()


def canonical_request(signed: Signed, request: Request) -> str:
    return "\n".join([
        request.method.upper(),
        canonical_uri(request.raw_path),
        canonical_query(request.raw_query, signed.presigned),
        canonical_headers(signed, request.headers),
        ";".join(signed.signed_headers),
        payload_hash(request),
    ])


def string_to_sign(signed: Signed, request: Request) -> str:
    digest = hashlib.sha256(canonical_request(signed, request).encode()).hexdigest()
    return "\n".join([ALGORITHM, signed.amz_date, signed.scope, digest])


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signature(signed: Signed, secret: str, request: Request) -> str:
    """The signature the request should carry, signed with ``secret``."""
    key = _hmac(f"AWS4{secret}".encode(), signed.date)
    for part in (signed.region, signed.service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign(signed, request).encode(), hashlib.sha256).hexdigest()


def body_matches(request: Request) -> bool:
    """Whether a sent X-Amz-Content-SHA256 is the hash of the body received (true when none is)."""
    sent = request.headers.get("x-amz-content-sha256")
    return not sent or sent == hashlib.sha256(request.body).hexdigest()


def verify(signed: Signed, secret: str, request: Request) -> bool:
    """Whether the request's signature is right for ``secret`` and covers the body received."""
    if not signed.amz_date or not body_matches(request):
        return False
    return hmac.compare_digest(signature(signed, secret, request), signed.signature)
