"""front.dispatch: moto picks a request's backend without listing its package each time."""

import os

from moto import backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from extension.front import dispatch


def test_the_backend_of_a_request_is_found_without_listing_motos_package(monkeypatch):
    original = set(dispatch._listed())
    dispatch.install()
    assert set(backends.list_of_moto_modules()) == original
    assert {"awslambda", "iam", "logs", "cognitoidentity"} <= original

    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(path) or real_listdir(path))
    app = DomainDispatcherApplication(create_backend_app)
    environ = {"PATH_INFO": "/2015-03-31/functions/", "HTTP_HOST": "lambda.us-east-1.amazonaws.com",
               "REQUEST_METHOD": "GET", "wsgi.input": None}
    first, second = app.get_application(dict(environ)), app.get_application(dict(environ))
    assert first is second
    assert len(app.app_instances) == 1, f"one backend app, made once: {list(app.app_instances)}"
    assert listed == [], f"moto's package was listed {len(listed)} times"
