"""Shared fixtures of the emulator's tests (helpers: server, handlers, stacks, apps, metric_queries).

``endpoint``: the one launched server that most test modules share (each
works with names and accounts of its own), started with a variable the
function processes must not see (BACKEND_CTL_LEAK_MARKER); a module that
needs a server of its own (its switches are global, or it stops it) defines
``endpoint`` itself. ``make``: a factory of its clients; ``lam``, ``iam``,
``logs``, ``cw``, ``sqs``: clients of it; ``role``: an execution role for a module's
functions (stacks.make_function makes one of the handler zip); ``switched``:
switches (front.switches) on a scope of the test's own, cleared after it.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the extension package

from apps import request  # noqa: E402
from server import clients, launched, stop, unique  # noqa: E402
from stacks import make_role  # noqa: E402


@pytest.fixture(scope="session")
def endpoint():
    proc, url = launched(BACKEND_CTL_LEAK_MARKER="emulator-only")
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def make(endpoint):
    return clients(endpoint)


@pytest.fixture(scope="module")
def lam(make):
    return make("lambda")


@pytest.fixture(scope="module")
def iam(make):
    return make("iam")


@pytest.fixture(scope="module")
def logs(make):
    return make("logs")


@pytest.fixture(scope="module")
def cw(make):
    return make("cloudwatch")


@pytest.fixture(scope="module")
def sqs(make):
    return make("sqs")


@pytest.fixture(scope="module")
def role(make):
    return make_role(make("iam"))



@pytest.fixture
def switched(endpoint):
    """``switched(prefix, **settings)``: a new scope named after ``prefix`` with those
    switches on, its name returned; every scope made is cleared after the test."""
    made: list[str] = []

    def switch_on(prefix: str, **settings) -> str:
        scope = unique(prefix)
        status, body = request(endpoint, "/backend-ctl/switches", "POST",
                               {"scope": scope, **settings})
        assert status == 200, body
        made.append(scope)
        return scope

    yield switch_on
    for scope in made:
        request(endpoint, f"/backend-ctl/switches?scope={scope}", "DELETE")
