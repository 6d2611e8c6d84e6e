"""IAM policy ``Condition`` blocks and wildcard patterns, for front.authorization.policy.

``holds(condition, context, variables)`` is True, False, or None when the
block cannot be evaluated (an operator this module does not know, a value it
cannot parse). Every operator of a block, every key of an operator must hold
(AND); a key holds when the request's value matches any of the policy's
values (OR), or, for a negated operator (``StringNotEquals``, ``ArnNotLike``,
``NotIpAddress`` ...), matches none of them.

Operators: String(Not)Equals, String(Not)EqualsIgnoreCase, String(Not)Like,
Numeric(Not)Equals / LessThan(Equals) / GreaterThan(Equals), Date(Not)Equals /
LessThan(Equals) / GreaterThan(Equals) (ISO 8601 or epoch seconds),
Bool, BinaryEquals, (Not)IpAddress, Arn(Not)Equals, Arn(Not)Like, Null; the
``...IfExists`` suffix and the ``ForAnyValue:`` / ``ForAllValues:`` prefixes.

A key missing from the request context, as the IAM reference says: a
positive operator is false, a negated one true, ``...IfExists`` true,
``ForAnyValue`` false, ``ForAllValues`` true, ``Null: true`` true.
Condition keys are case-insensitive; string values may use policy variables
(2012-10-17 documents).
"""

import ipaddress
import re
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

Context = Mapping[str, list[str]]  # lower-case key -> values
VARIABLE = re.compile(r"\$\{([^}]*)\}")
SPECIAL = {"*": "*", "?": "?", "$": "$"}
NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
           "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"}


class Unknown(Exception):
    """A condition this module cannot evaluate."""


def normalize(context: Mapping[str, str | list[str]]) -> dict[str, list[str]]:
    """Lower-case keys, list values."""
    return {key.lower(): [str(v) for v in (value if isinstance(value, list) else [value])]
            for key, value in context.items()}


def holds(condition: Any, context: Context, variables: bool = True) -> bool | None:
    """Whether a Condition block holds for this request context (None: cannot tell)."""
    if not isinstance(condition, Mapping):
        return None
    try:
        return all(_operator_holds(operator, block, context, variables)
                   for operator, block in condition.items())
    except Unknown:
        return None


def _operator_holds(operator: str, block: Any, context: Context, variables: bool) -> bool:
    if not isinstance(block, Mapping):
        raise Unknown(operator)
    qualifier, _, name = operator.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise Unknown(operator)
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name[: -len("IfExists")] if if_exists else name
    results = []
    for key, wanted in block.items():
        values = context.get(str(key).lower())
        policy = [_text(v) for v in (wanted if isinstance(wanted, list) else [wanted])]
        if base == "Null":
            results.append(_null(policy, values))
            continue
        compare, negated = _comparison(base)
        policy = [v for v in (_substitute(p, context) if variables else p for p in policy)
                  if v is not None]
        results.append(_key_holds(qualifier, if_exists, negated, compare, policy, values))
    return all(results)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise Unknown(repr(value))


def _null(policy: list[str], values: list[str] | None) -> bool:
    if len(policy) != 1 or policy[0].lower() not in ("true", "false"):
        raise Unknown("Null")
    return (policy[0].lower() == "true") == (not values)


def _key_holds(qualifier: str, if_exists: bool, negated: bool, compare: Callable[[str, str], bool],
               policy: list[str], values: list[str] | None) -> bool:
    def one(value: str) -> bool:
        matched = any(compare(p, value) for p in policy)
        return not matched if negated else matched

    if not values:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or negated
    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    if negated and not qualifier:
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def _comparison(base: str) -> tuple[Callable[[str, str], bool], bool]:
    """The comparison of an operator (policy value, request value), and whether it is negated."""
    negated = base in NEGATED
    positive = base.replace("Not", "", 1) if negated else base
    if positive not in COMPARISONS:
        raise Unknown(base)
    return COMPARISONS[positive], negated


def _like(pattern: str, value: str) -> bool:
    return pattern_regex(pattern, None, arn=False).fullmatch(value) is not None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise Unknown(text) from None


def _date(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Unknown(text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _ip(network: str, address: str) -> bool:
    try:
        block = ipaddress.ip_network(network, strict=False)
    except ValueError:
        raise Unknown(network) from None
    try:
        return ipaddress.ip_address(address) in block
    except ValueError:
        return False


def _arn_like(pattern: str, arn: str) -> bool:
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return pattern == arn
    return all(pattern_regex(w, None, arn=False).fullmatch(a) is not None
               for w, a in zip(wanted, actual))


def _bool(policy: str, value: str) -> bool:
    if policy.lower() not in ("true", "false"):
        raise Unknown(policy)
    return policy.lower() == value.lower()


COMPARISONS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringLike": _like,
    "NumericEquals": lambda p, v: _number(v) == _number(p),
    "NumericLessThan": lambda p, v: _number(v) < _number(p),
    "NumericLessThanEquals": lambda p, v: _number(v) <= _number(p),
    "NumericGreaterThan": lambda p, v: _number(v) > _number(p),
    "NumericGreaterThanEquals": lambda p, v: _number(v) >= _number(p),
    "DateEquals": lambda p, v: _date(v) == _date(p),
    "DateLessThan": lambda p, v: _date(v) < _date(p),
    "DateLessThanEquals": lambda p, v: _date(v) <= _date(p),
    "DateGreaterThan": lambda p, v: _date(v) > _date(p),
    "DateGreaterThanEquals": lambda p, v: _date(v) >= _date(p),
    "Bool": _bool,
    "BinaryEquals": lambda p, v: p == v,
    "IpAddress": _ip,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
}


def _substitute(text: str, context: Context) -> str | None:
    """A condition value with its policy variables resolved; None when one has no value."""
    missing = False

    def value(match: re.Match) -> str:
        nonlocal missing
        resolved = resolve_variable(match[1], context)
        missing = missing or resolved is None
        return resolved or ""

    result = VARIABLE.sub(value, text)
    return None if missing else result


def resolve_variable(body: str, context: Context) -> str | None:
    """The value of ``${body}``: a special character, a single-valued key, or the default."""
    name, _, default = body.partition(",")
    name = name.strip()
    if name in SPECIAL:
        return SPECIAL[name]
    values = context.get(name.lower())
    if values is not None and len(values) == 1:
        return values[0]
    default = default.strip()
    if len(default) >= 2 and default[0] == default[-1] == "'":
        return default[1:-1]
    return None


def pattern_regex(pattern: str, context: Context | None, arn: bool) -> re.Pattern | None:
    """The regex of an IAM wildcard pattern; None when a policy variable has no value.

    With ``arn``, a ``*`` stays within its colon-separated segment unless it ends
    one (or the pattern). With ``context``, ``${...}`` variables are resolved.
    """
    parts: list[str] = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        match = VARIABLE.match(pattern, position) if context is not None and char == "$" else None
        if match:
            value = resolve_variable(match[1], context)
            if value is None:
                return None
            parts.append(re.escape(value))
            position = match.end()
            continue
        if char == "*":
            ends_segment = position + 1 == len(pattern) or pattern[position + 1] == ":"
            parts.append(".*" if not arn or ends_segment else "[^:]*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
        position += 1
    return re.compile("".join(parts), re.DOTALL)
