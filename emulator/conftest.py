"""Shared fixtures of the emulator's tests.

``lambda_server``: one launched server for the Lambda and account test
modules (each works with names and accounts of its own), started with a
variable the function processes must not see (BACKEND_CTL_LEAK_MARKER).
"""

import pytest

from lambda_testing import launched, stop


@pytest.fixture(scope="session")
def lambda_server():
    proc, url = launched(BACKEND_CTL_LEAK_MARKER="emulator-only")
    yield url
    stop(proc)
