"""moto's choice of a backend for each request, without listing its own package every time.

moto 5.2.6's ``DomainDispatcherApplication.get_backend_for_host`` asks
``moto.backends.list_of_moto_modules()`` on every request, under the
dispatcher's lock, and that lists moto's package directory and stats each
of its ~160 entries: under the test suite's load it was 45% of the
emulator's CPU (py-spy), and every request waited on it in turn. The
modules cannot change while the server runs, so the list is read once.
"""

from functools import lru_cache
from typing import Iterable

from moto import backends

_listed = backends.list_of_moto_modules


@lru_cache(maxsize=1)
def _modules() -> frozenset[str]:
    return frozenset(_listed())


def list_of_moto_modules() -> Iterable[str]:
    """The same names as moto's, read from its package once."""
    return _modules()


def install() -> None:
    backends.list_of_moto_modules = list_of_moto_modules
