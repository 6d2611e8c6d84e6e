"""Shared fixtures of the emulator's tests (helpers: server, handlers, stacks, apps, metric_queries).

``endpoint``: the one launched server that most test modules share (each
works with names and accounts of its own), started with a variable the
function processes must not see (BACKEND_CTL_LEAK_MARKER); a module that
needs a server of its own (its switches are global, or it stops it) defines
``endpoint`` itself. ``make``: a factory of its clients; ``lam``, ``iam``,
``logs``, ``cw``: clients of it; ``role``: an execution role for a module's
functions (stacks.make_function makes one of the handler zip).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the extension package

from server import clients, launched, stop  # noqa: E402
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
def role(make):
    return make_role(make("iam"))

