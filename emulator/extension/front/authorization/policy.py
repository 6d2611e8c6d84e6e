"""IAM identity-based policy evaluation, as IAM's evaluation logic does it, with no moto in it.

``evaluate(documents, action, resource, context)`` decides one request (an
action such as ``lambda:InvokeFunction`` on one resource ARN) against a
principal's identity-based policies (inline and attached documents, as JSON
text, URL-encoded JSON text, or parsed dicts):

* ``"ExplicitDeny"`` when a ``Deny`` statement applies (it wins over any Allow);
* ``"Allow"`` when an ``Allow`` statement applies and no Deny does;
* ``"ImplicitDeny"`` otherwise.

A statement applies when its ``Action`` matches (or its ``NotAction`` does
not), its ``Resource`` matches (or its ``NotResource`` does not) and its
``Condition`` holds. Actions match case-insensitively, resources
case-sensitively, both with ``*`` and ``?``. In a resource ARN a ``*`` inside
a colon-separated segment stays in that segment; a ``*`` that ends a segment
(or the ARN) may expand beyond colons, as the IAM reference says. So a
statement on ``arn:...:function:fn`` does not cover ``arn:...:function:fn:live``
(aws-cdk#19273), while ``arn:...:function:fn:*`` and ``...:function:fn*`` do.
Policy variables (``${aws:username}``, ``${cognito-identity.amazonaws.com:sub}``,
``${*}``, ``${?}``, ``${$}``, ``${key, 'default'}``) are resolved from the
context in ``Version: 2012-10-17`` documents; a variable with no value makes
its pattern match nothing.

Conditions: see ``front.authorization.conditions``. A condition this module cannot evaluate
(an unknown operator, an unparsable value) makes an ``Allow`` statement not
apply and a ``Deny`` statement apply: the emulator fails closed both ways.

``context`` maps condition keys (case-insensitive) to a string or a list of
strings, e.g. ``{"aws:PrincipalArn": "...", "cognito-identity.amazonaws.com:amr":
["unauthenticated"]}``.
"""

import json
import re
from typing import Any, Iterable, Literal, Mapping
from urllib.parse import unquote

from extension.front.authorization import conditions
from extension.front.authorization.conditions import Context

Decision = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]


def evaluate(documents: Iterable[str | Mapping[str, Any]], action: str, resource: str,
             context: Mapping[str, str | list[str]] | None = None) -> Decision:
    """The decision on ``action`` over ``resource`` under these identity-based policies."""
    values = conditions.normalize(context or {})
    allowed = False
    for document in documents:
        parsed = parse_document(document)
        variables = parsed.get("Version") == "2012-10-17"
        for statement in statements(parsed):
            effect = statement.get("Effect")
            if effect not in ("Allow", "Deny"):
                continue
            if not _applies(statement, action, resource, values, variables, effect == "Deny"):
                continue
            if effect == "Deny":
                return "ExplicitDeny"
            allowed = True
    return "Allow" if allowed else "ImplicitDeny"


def parse_document(document: str | Mapping[str, Any]) -> dict[str, Any]:
    """A policy document as a dict ({} when it is not one): JSON, URL-encoded JSON, or a dict."""
    if isinstance(document, Mapping):
        return dict(document)
    for text in (document, unquote(document)):
        try:
            parsed = json.loads(text)
        except (TypeError, ValueError):
            continue
        return parsed if isinstance(parsed, dict) else {}
    return {}


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = document.get("Statement")
    items = found if isinstance(found, list) else [found]
    return [item for item in items if isinstance(item, dict)]


def _as_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: Context,
             variables: bool, deny: bool) -> bool:
    if "Action" in statement:
        if not any(action_matches(p, action) for p in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(action_matches(p, action) for p in _as_list(statement["NotAction"])):
            return False
    else:
        return False
    ctx = context if variables else None
    if "Resource" in statement:
        if not any(resource_matches(p, resource, ctx) for p in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(resource_matches(p, resource, ctx) for p in _as_list(statement["NotResource"])):
            return False
    else:
        return False
    if "Condition" not in statement:
        return True
    holds = conditions.holds(statement["Condition"], context, variables)
    return deny if holds is None else holds


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, action, re.IGNORECASE | re.DOTALL) is not None


def resource_matches(pattern: str, resource: str, context: Context | None = None) -> bool:
    """IAM resource matching: case-sensitive; ``*`` stays in its ARN segment unless it ends one.

    With ``context`` (a 2012-10-17 document), policy variables are resolved from it.
    """
    if pattern == "*":
        return True
    regex = conditions.pattern_regex(pattern, context, arn=True)
    return regex is not None and regex.fullmatch(resource) is not None
