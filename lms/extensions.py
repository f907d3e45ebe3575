"""The extension objects, created unbound; `init_extensions` in the app factory binds them."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, has_app_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are stable and SQLite batch mode can alter tables.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app whose tasks run inside the Flask app context (Flask's pattern)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            # Called eagerly from code that already has a context (tests, CLI): reuse it, so
            # the task sees the same session rather than a second connection.
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                    db.session.commit()  # one commit per task, at the boundary
                    return result
                except Exception:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def configure_postgresql(engine: Engine) -> None:
    """No JIT: our queries are short OLTP lookups, and PostgreSQL's JIT spent 0.5 s compiling
    a 5 ms statement query whose cost it overestimated (bench/README.md)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def configure_sqlite(engine: Engine) -> None:
    """Make the app's SQLite engine transactional, strict and concurrent.

    Let SQLAlchemy, not the pysqlite driver, decide where transactions begin (the driver otherwise
    defers BEGIN and breaks SAVEPOINTs), enforce foreign keys, and use WAL so the web process reads
    while the Celery worker writes (SQLAlchemy's "Serializable isolation / Savepoints /
    Transactional DDL" notes for pysqlite). Only our engine: kombu's broker engine manages its own.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        # SQLite's lower() only folds A-Z; Å, Æ, Ø, Ä, Ö must match case-insensitively too.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes fails at once with "database is locked" when another writer is active, whereas
        # this one waits (busy_timeout) for its turn.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
