"""The front door: the one patch of moto's WSGI app, and what every request meets before moto.

moto's server hands each request to ``DomainDispatcherApplication.__call__``,
which finds the service and dispatches it. The door replaces that method
once, and runs, in the order ``install`` is given them:

1. the wrappers, outermost first: a wrapper sees the request as the caller
   sent it and may hand on another (``cbor``: an RPC v2 CBOR call becomes
   the query call moto serves, and the answer goes back as CBOR);
2. the checks, in AWS's own order (authenticate, then authorize): each looks
   at the request and answers a refusal in the service's own error format,
   or None to let it pass;
3. the emulator's own endpoints (``/backend-ctl/...``), by exact path, then
   by prefix;
4. moto.

``POST /moto-api/reset`` runs every reset given here, then moto's own.
"""

import functools
from typing import Any, Callable, Iterable, Mapping

from moto.moto_api._internal.models import MotoAPIBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

App = Callable[[dict[str, Any], Callable], Any]
Check = Callable[[dict[str, Any]], Any]  # environ -> a werkzeug Response, or None
Wrapper = Callable[[dict[str, Any], Callable, App], Any]  # (environ, start_response, inner)


def install(*, wrappers: Iterable[Wrapper], checks: Iterable[Check],
            routes: Mapping[str, App], prefixes: Mapping[str, App],
            resets: Iterable[Callable[[], None]]) -> None:
    """Put the door in front of moto; call once, before the server serves."""
    if getattr(DomainDispatcherApplication, "_bc_door", False):
        raise RuntimeError("the front door is installed already")
    DomainDispatcherApplication._bc_door = True
    wrappers, checks, resets = list(wrappers), list(checks), list(resets)
    routes, prefixes = dict(routes), sorted(prefixes.items(), key=lambda kv: -len(kv[0]))
    moto_call, moto_reset = DomainDispatcherApplication.__call__, MotoAPIBackend.reset

    def serve(moto: Any, environ: dict[str, Any], start_response: Callable) -> Any:
        for check in checks:
            refused = check(environ)
            if refused is not None:
                return refused(environ, start_response)
        path = environ.get("PATH_INFO") or ""
        app = routes.get(path) or next((a for p, a in prefixes if path.startswith(p)), None)
        if app is not None:
            return app(environ, start_response)
        return moto_call(moto, environ, start_response)

    def __call__(self: Any, environ: dict[str, Any], start_response: Callable) -> Any:
        inner: App = functools.partial(serve, self)
        for wrap in reversed(wrappers):
            inner = functools.partial(_wrapped, wrap, inner)
        return inner(environ, start_response)

    def reset(self: Any) -> None:
        for forget in resets:
            forget()
        moto_reset(self)

    DomainDispatcherApplication.__call__ = __call__
    MotoAPIBackend.reset = reset


def _wrapped(wrap: Wrapper, inner: App, environ: dict[str, Any], start_response: Callable) -> Any:
    return wrap(environ, start_response, inner)
