"""Shared fixtures: one schema per test session (built by the real migrations), one rolled-back
transaction per test, factories as fixtures, and captured Celery messages.

By default the suite runs on SQLite. With FASTHOLD_TEST_DATABASE_URL (PostgreSQL) and
FASTHOLD_TEST_BROKER_URL (Redis) it runs against those services; with
FASTHOLD_REQUIRE_SERVICES=1 (what `make test` sets in CI) a missing service fails the run.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from datetime import date, timedelta
from itertools import count

import pytest
from celery.signals import before_task_publish
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.serving import make_server

TEST_DATABASE_URL = os.environ.get("FASTHOLD_TEST_DATABASE_URL", "")
TEST_BROKER_URL = os.environ.get("FASTHOLD_TEST_BROKER_URL", "")
REQUIRE_SERVICES = os.environ.get("FASTHOLD_REQUIRE_SERVICES") == "1"
PASSWORD = "correct horse battery"


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def pytest_report_header(config):
    return (
        f"fasthold: database={make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else 'sqlite'}"
        f" broker={TEST_BROKER_URL.split(':')[0] if TEST_BROKER_URL else 'sqlalchemy/sqlite'}"
        f" require_services={REQUIRE_SERVICES}"
    )


def pytest_sessionstart(session):
    """In CI the PostgreSQL and Redis run must not quietly fall back to SQLite or skip."""
    if not REQUIRE_SERVICES:
        return
    problems = []
    if not TEST_DATABASE_URL.startswith("postgresql"):
        problems.append("FASTHOLD_TEST_DATABASE_URL must point at PostgreSQL")
    else:
        try:
            with create_engine(TEST_DATABASE_URL).connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001
            problems.append(f"PostgreSQL at {TEST_DATABASE_URL} is unreachable: {exc}")
    if not TEST_BROKER_URL.startswith("redis"):
        problems.append("FASTHOLD_TEST_BROKER_URL must point at Redis")
    else:
        import redis

        try:
            redis.Redis.from_url(TEST_BROKER_URL, socket_connect_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"Redis at {TEST_BROKER_URL} is unreachable: {exc}")
    if problems:
        raise pytest.UsageError("Required test services are missing:\n  " + "\n  ".join(problems))


def database_url_for(name: str, tmp_dir) -> str:
    """A database of our own: a schema in PostgreSQL, a file with SQLite."""
    if TEST_DATABASE_URL:
        schema = f"t_{name}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{tmp_dir}/{name}.sqlite"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        schema = make_url(url).query["options"].split("=", 1)[1]
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def make_test_app(tmp_dir, database_url: str, **extra):
    from lms.app import create_app

    config = {
        "ENV": "testing",
        "INSTANCE_PATH": str(tmp_dir),
        "SECRET_KEY": "test-secret-" + "x" * 40,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "",
        "BASE_URL": "http://fasthold.test.example",
        "WTF_CSRF_ENABLED": False,
        "LOGIN_MAX_FAILURES": 5,
    }
    config.update(extra)
    return create_app(config)


@contextlib.contextmanager
def serve(app):
    """Serve `app` over real HTTP on a free localhost port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def migrate_schema(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"app-{_worker_id()}")
    url = database_url_for(f"suite_{_worker_id()}", tmp)
    application = make_test_app(tmp, url)
    migrate_schema(application)
    application.test_client_class = Client
    yield application
    from lms.extensions import db as _db

    with application.app_context():
        _db.engine.dispose()
    drop_database(url)


class Client(FlaskClient):
    """A test client whose every request gets a fresh `g`, as in a real server.

    The test's app context stays pushed (so the test and its requests share one connection whose
    outer transaction is rolled back after the test); Flask would otherwise reuse its `g` for the
    request and cache the signed-in user.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            from lms.extensions import db as _db

            # What the test set up is "already in the database" when a request arrives, so a
            # request that rolls back its own work cannot roll back the test's setup.
            _db.session.commit()
            g.__dict__.clear()
            response = super().open(*args, **kwargs)
            # What the request did not commit is lost, as it would be in a real server: a view
            # that forgets its commit fails its tests.
            _db.session.rollback()
            return response
        return super().open(*args, **kwargs)


@pytest.fixture
def db(app):
    """An app context whose session runs inside a transaction rolled back after the test."""
    from lms.extensions import db as _db

    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=lambda: 0,
        )
        original = _db.session
        _db.session = session
        try:
            yield _db
        finally:
            session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def sent_tasks():
    """Celery messages published during the test: a list of (task name, args, kwargs)."""
    sent: list[tuple[str, tuple, dict]] = []

    def record(sender=None, body=None, **_kwargs):
        args, kwargs, _embed = body
        sent.append((sender, tuple(args), dict(kwargs)))

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)


_seq = count(1)


@pytest.fixture(scope="session")
def password_hash():
    from lms.auth.service import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def create_department(db):
    from lms.people.service import create_department as make

    def factory(name: str | None = None, parent=None):
        dept = make(name or f"Department {next(_seq)}", parent)
        return dept

    return factory


@pytest.fixture
def create_user(db, password_hash, create_department):
    """create_user(role="hr", manager=..., hire_date=...) -> User with password PASSWORD."""
    from lms.people.models import EndType, Role
    from lms.people.service import SpellData, add_spell, create_user as make

    def factory(role: str | tuple[str, ...] = "employee", *, email: str | None = None, first_name: str = "Test",
                last_name: str | None = None, department=None, manager=None, hire_date: date | None = None,
                end_date: date | None = None, language: str | None = None, with_spell: bool = True,
                is_mentor: bool = False):
        n = next(_seq)
        roles = {Role(r) for r in ((role,) if isinstance(role, str) else role)}
        user = make(email=email or f"person{n}@example.com", first_name=first_name,
                    last_name=last_name or f"Person{n}", roles=roles, preferred_language=language,
                    is_mentor=is_mentor)
        user.password_hash = password_hash
        if with_spell:
            add_spell(user, SpellData(
                hire_date=hire_date or date.today() - timedelta(days=400), end_date=end_date,
                end_type=None if end_date is None else EndType.voluntary,
                is_regretted=False, department_id=(department or create_department()).id,
                manager_id=manager.id if manager else None, job_title="Analyst",
            ))
        db.session.flush()
        return user

    return factory


@pytest.fixture
def login(client):
    """login(user) signs the test client in through the real form."""

    def do(user, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do


@pytest.fixture
def count_queries(db):
    """`with count_queries() as queries: ...` then `len(queries)`: the SQL statements run inside,
    for catching N+1 regressions on list pages."""
    from sqlalchemy import event

    @contextlib.contextmanager
    def counting():
        statements: list[str] = []
        engine = db.session.get_bind()

        def listener(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", listener)

    return counting
