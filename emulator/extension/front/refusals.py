"""Switches that refuse a change made too soon after another: settings, marks, counts.

AWS answers some changes with an error while an earlier change of the same
resource is still propagating (DESIGN.md §4 "More eventual consistency"). The
switches of front.switches that reproduce this (``iam_delete_conflict``,
``iam_concurrent_modification``, ``logs_operation_aborted``) share one shape:

    {"calls": N, "seconds": T}     either key may be left out (or 0); not both

A resource's triggering change leaves a ``Mark`` on it (its time, and how
many calls were refused since). While its scope's switch is on, a later call
that the switch covers is refused if

* ``calls`` > 0: fewer than ``calls`` calls were refused since the mark, and
* ``seconds`` > 0: fewer than ``seconds`` seconds passed since the mark;

so with both, the refusals end with whichever runs out first. A refused call
changes nothing and leaves the mark as it was; each change that succeeds
leaves a new mark (where its switch says so). Marks are made whether or not a
switch is on, so a switch turned on later applies to the last change before
it. Marks live on moto's own objects (the role, the log group), so they go
with them, on delete and on POST /moto-api/reset.

Every refusal is counted for the scope that produced it:

    GET    /backend-ctl/switches/produced[?scope=<prefix>]
           -> {"produced": {"<prefix>": {"iam_delete_conflict": 2,
                                         "iam_concurrent_modification": 0,
                                         "logs_operation_aborted": 1}}}
    DELETE /backend-ctl/switches/produced[?scope=<prefix>]  zeroes one scope, or all

A scope is listed once it has produced something or been POSTed (asked for
by name, it is listed with zeros); POSTing a
scope's switches starts its counts again at 0. Deleting a scope's switches
keeps its counts, so a test can read them after switching off.
"""

import json
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.wrappers import Request, Response

SWITCHES = ("iam_delete_conflict", "iam_concurrent_modification", "logs_operation_aborted")


@dataclass(frozen=True)
class Refusal:
    """How long a change blocks the next ones: a number of calls, seconds, or both."""

    calls: int = 0
    seconds: float = 0.0


class Mark:
    """One change of a resource: when it happened; how many calls were refused since."""

    __slots__ = ("at", "refused")

    def __init__(self) -> None:
        self.at = time.monotonic()
        self.refused = 0


_lock = threading.Lock()
_produced: dict[str, dict[str, int]] = {}


def parse(name: str, value: Any) -> Refusal | None:
    """A switch's JSON value as a Refusal (None = off); ValueError if malformed."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"calls", "seconds"}:
        raise ValueError(f'{name} must be null or an object with "calls" and/or "seconds"')
    calls, seconds = value.get("calls", 0), value.get("seconds", 0)
    if isinstance(calls, bool) or not isinstance(calls, int) or calls < 0:
        raise ValueError(f"{name}.calls must be an integer >= 0")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (
        math.isfinite(seconds) and seconds >= 0
    ):
        raise ValueError(f"{name}.seconds must be a number >= 0")
    if not calls and not seconds:
        raise ValueError(f"{name} needs calls > 0 or seconds > 0 (null turns it off)")
    return Refusal(calls=calls, seconds=float(seconds))


def refuse(switch: str, scope: str | None, refusal: Refusal | None, mark: Mark | None) -> bool:
    """Whether ``switch`` refuses a call on the resource ``mark`` is on; counts it if so."""
    if scope is None or refusal is None or mark is None:
        return False
    with _lock:
        if refusal.calls and mark.refused >= refusal.calls:
            return False
        if refusal.seconds and time.monotonic() - mark.at >= refusal.seconds:
            return False
        mark.refused += 1
        counts = _produced.setdefault(scope, dict.fromkeys(SWITCHES, 0))
        counts[switch] += 1
    return True


def restart(scope: str) -> None:
    """Start ``scope``'s counts again at 0 (its switches were just set)."""
    with _lock:
        _produced[scope] = dict.fromkeys(SWITCHES, 0)


def produced_app(environ: dict[str, Any], start_response: Callable) -> Any:
    """WSGI app serving ``/backend-ctl/switches/produced`` (GET, DELETE)."""
    request = Request(environ)
    scope = request.args.get("scope")
    with _lock:
        if request.method == "DELETE":
            for name in [scope] if scope is not None else list(_produced):
                if name in _produced:
                    _produced[name] = dict.fromkeys(SWITCHES, 0)
        elif request.method != "GET":
            return Response("", 405, {"Allow": "GET, DELETE"})(environ, start_response)
        if scope is None:
            listed = {name: dict(counts) for name, counts in _produced.items()}
        else:
            listed = {scope: dict(_produced.get(scope) or dict.fromkeys(SWITCHES, 0))}
    body = json.dumps({"produced": listed})
    return Response(body, mimetype="application/json")(environ, start_response)
