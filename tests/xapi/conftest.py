"""Fixtures for the LRS: credentials and a client that speaks xAPI."""

from __future__ import annotations

import base64
import contextlib
import json
import uuid

import pytest

VERSION = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture
def make_credential(db):
    """make_credential("statements/write", ...) -> (credential, Authorization header value)."""
    from xapi.auth import create_credential

    def factory(*scopes: str, name: str = "Test tool", **restrictions):
        credential, secret = create_credential(name, list(scopes or ("all",)), **restrictions)
        token = base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
        return credential, f"Basic {token}"

    return factory


class LRSClient:
    """A thin xAPI client over the Flask test client."""

    def __init__(self, client, auth: str):
        self.client, self.auth = client, auth

    def headers(self, extra=None):
        h = {**VERSION, "Authorization": self.auth}
        h.update(extra or {})
        return h

    def post(self, path, payload=None, headers=None, **kw):
        data = kw.pop("data", None)
        if payload is not None:
            data = json.dumps(payload)
        return self.client.post(path, data=data, headers=self.headers({"Content-Type": "application/json", **(headers or {})}), **kw)

    def put(self, path, payload=None, headers=None, **kw):
        data = kw.pop("data", None)
        if payload is not None:
            data = json.dumps(payload)
        ctype = (headers or {}).get("Content-Type", "application/json")
        return self.client.put(path, data=data, headers=self.headers({**(headers or {}), "Content-Type": ctype}), **kw)

    def get(self, path, headers=None, **kw):
        return self.client.get(path, headers=self.headers(headers), **kw)

    def delete(self, path, headers=None, **kw):
        return self.client.delete(path, headers=self.headers(headers), **kw)


@pytest.fixture
def lrs(client, make_credential):
    _credential, auth = make_credential("all")
    return LRSClient(client, auth)


def statement(**overrides):
    s = {
        "actor": {"objectType": "Agent", "name": "Liv Berg", "mbox": "mailto:liv.berg@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"id": "http://example.com/courses/gdpr", "objectType": "Activity",
                   "definition": {"name": {"en-US": "GDPR basics", "da": "GDPR grundlæggende"}}},
    }
    s.update(overrides)
    return s


def new_id() -> str:
    return str(uuid.uuid4())


@contextlib.contextmanager
def live_lrs(tmp_path_factory, name: str):
    """The app over real HTTP with its own database and an all-scope credential:
    yields (app, base URL, key, secret)."""
    from lms.extensions import db
    from tests.conftest import database_url_for, drop_database, make_test_app, migrate_schema, serve
    from xapi.auth import create_credential

    tmp = tmp_path_factory.mktemp(name)
    url = database_url_for(name, tmp)
    app = make_test_app(tmp, url)
    migrate_schema(app)
    with app.app_context():
        credential, secret = create_credential(f"{name} client", ["all"])
        key = credential.key
        db.session.commit()
        db.session.remove()
    try:
        with serve(app) as base:
            yield app, base, key, secret
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_database(url)
