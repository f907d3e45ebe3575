"""Typed configuration: defaults overridden by environment variables, validated at start-up.

Every value comes from the environment (or a `config` mapping given to `create_app`) and is
parsed here once. A bad value stops the app with a message that names the variable, what it got
and what it expects, in the manner of Redash's `settings/helpers.py`.
"""

from __future__ import annotations

import os
import secrets
from email.utils import parseaddr
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlparse

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from xapi import jsonutil

ENVIRONMENTS = ("development", "production", "testing")
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """A configuration value is missing or malformed; the message says which and how to fix it."""


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use true or false.")


def _parse_int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is out of range; expected {low} to {high}.")
    return value


def _check_database_url(name: str, raw: str) -> str:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"{name}={raw!r} is not a database URL; expected for example "
            "postgresql+psycopg://user@host:5432/fasthold or sqlite:///instance/fasthold.sqlite."
        ) from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"{name} uses {url.get_backend_name()!r}; Fasthold supports sqlite and postgresql."
        )
    if url.get_backend_name() == "postgresql" and url.drivername in {"postgresql", "postgres"}:
        # psycopg (3) is what we install; the bare scheme would look for psycopg2.
        raw = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return raw


def _check_broker_url(name: str, raw: str) -> str:
    scheme = urlparse(raw).scheme
    allowed = {"redis", "rediss", "amqp", "amqps", "pyamqp", "memory"}
    if scheme.startswith("sqla+") or scheme in allowed:
        return raw
    raise ConfigError(
        f"{name}={raw!r} is not a broker URL Fasthold supports; expected redis://host:6379/0, "
        "amqp://user:password@host// or sqla+sqlite:///path/to/broker.sqlite."
    )


def _check_base_url(name: str, raw: str) -> str:
    parsed = urlparse(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ConfigError(f"{name}={raw!r} is not an absolute http(s) URL, e.g. https://learn.example.com.")
    return raw.rstrip("/")


def _check_email(name: str, raw: str) -> str:
    """An address, optionally with a display name: `Fasthold <noreply@example.com>`."""
    _display, address = parseaddr(raw)
    try:
        validate_email(address or raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ConfigError(f"{name}={raw!r} is not an e-mail address: {exc}") from None
    return raw


@dataclass
class Settings:
    """Every setting Fasthold reads, with its type and default."""

    ENV: str = "development"
    SECRET_KEY: str = ""
    DATABASE_URL: str = ""
    CELERY_BROKER_URL: str = ""
    #: none by default: Fasthold's tasks record their effects in the database, not as results
    CELERY_RESULT_BACKEND: str = ""
    BASE_URL: str = "http://127.0.0.1:5000"
    MAIL_SERVER: str = ""
    MAIL_PORT: int = 25
    MAIL_USE_TLS: bool = False
    MAIL_USE_SSL: bool = False
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_DEFAULT_SENDER: str = "Fasthold <noreply@fasthold.example>"
    #: failed logins for one account within LOGIN_THROTTLE_MINUTES before it is paused
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_THROTTLE_MINUTES: int = 15
    PASSWORD_RESET_MAX_AGE_MINUTES: int = 60
    #: how many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none)
    TRUSTED_PROXIES: int = 0
    #: how long a home-page panel is reused for its person (0: always computed; 0 in tests unless set)
    DASHBOARD_CACHE_SECONDS: int = 60
    #: Redis for those panels, shared by all server processes (empty: a cache in each process)
    DASHBOARD_CACHE_URL: str = ""
    instance_path: Path = field(default=Path("instance"))

    @property
    def is_production(self) -> bool:
        return self.ENV == "production"


def load_settings(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read settings from the environment and `overrides`, validate them, fill defaults."""
    source: dict[str, Any] = {k: v for k, v in os.environ.items() if k.startswith(_PREFIXES)}
    if "FASTHOLD_ENV" in os.environ:
        source["ENV"] = os.environ["FASTHOLD_ENV"]
    source.update(overrides or {})
    s = Settings(instance_path=instance_path)

    env = str(source.get("ENV", s.ENV)).strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"FASTHOLD_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}.")
    s.ENV = env

    for f in fields(Settings):
        if f.name in {"ENV", "instance_path"} or f.name not in source:
            continue
        raw = source[f.name]
        if f.type in ("int", int):
            value = raw if isinstance(raw, int) else _parse_int(f.name, str(raw), 0, 65535)
        elif f.type in ("bool", bool):
            value = raw if isinstance(raw, bool) else _parse_bool(f.name, str(raw))
        else:
            value = str(raw)
        setattr(s, f.name, value)

    if s.ENV == "testing" and "DASHBOARD_CACHE_SECONDS" not in source:
        s.DASHBOARD_CACHE_SECONDS = 0  # a test that changes data behind a person's back sees it at once
    if s.TRUSTED_PROXIES > 5:
        raise ConfigError(f"TRUSTED_PROXIES={s.TRUSTED_PROXIES} is implausible; give the number of proxies in front of the app (0 to 5).")
    if s.LOGIN_MAX_FAILURES < 1 or s.LOGIN_THROTTLE_MINUTES < 1:
        raise ConfigError("LOGIN_MAX_FAILURES and LOGIN_THROTTLE_MINUTES must be at least 1.")
    if s.MAIL_USE_TLS and s.MAIL_USE_SSL:
        raise ConfigError("MAIL_USE_TLS and MAIL_USE_SSL cannot both be true; choose one.")

    s.DATABASE_URL = _check_database_url(
        "DATABASE_URL", s.DATABASE_URL or f"sqlite:///{(instance_path / 'fasthold.sqlite').resolve()}"
    )
    s.CELERY_BROKER_URL = _check_broker_url(
        "CELERY_BROKER_URL",
        s.CELERY_BROKER_URL or f"sqla+sqlite:///{(instance_path / 'celery-broker.sqlite').resolve()}",
    )
    if "BASE_URL" not in source and os.environ.get("PORT", "").isdigit():
        s.BASE_URL = f"http://127.0.0.1:{os.environ['PORT']}"  # `PORT=8000 make run`: links follow
    s.BASE_URL = _check_base_url("BASE_URL", s.BASE_URL)
    if s.DASHBOARD_CACHE_URL and urlparse(s.DASHBOARD_CACHE_URL).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"DASHBOARD_CACHE_URL={s.DASHBOARD_CACHE_URL!r} is not a Redis URL, e.g. redis://host:6379/1.")
    s.MAIL_DEFAULT_SENDER = _check_email("MAIL_DEFAULT_SENDER", s.MAIL_DEFAULT_SENDER)
    s.SECRET_KEY = _resolve_secret(s)
    return s


_PREFIXES = ("SECRET_KEY", "DATABASE_URL", "CELERY_", "BASE_URL", "MAIL_", "LOGIN_", "PASSWORD_", "TRUSTED_PROXIES", "DASHBOARD_")


def _resolve_secret(s: Settings) -> str:
    """Use the configured secret; in development generate one once into instance/."""
    if s.SECRET_KEY:
        if s.is_production and len(s.SECRET_KEY) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"SECRET_KEY is {len(s.SECRET_KEY)} characters; production needs at least "
                f"{MIN_SECRET_LENGTH}. Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return s.SECRET_KEY
    if s.is_production:
        raise ConfigError(
            "SECRET_KEY is not set. Production needs a secret of at least "
            f"{MIN_SECRET_LENGTH} characters: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    path = s.instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    s.instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def flask_config(s: Settings) -> dict[str, Any]:
    """The Flask and extension settings derived from validated `Settings`."""
    secure = s.is_production or s.BASE_URL.startswith("https://")
    broker = s.CELERY_BROKER_URL
    celery: dict[str, Any] = {
        "broker_url": broker,
        "result_backend": s.CELERY_RESULT_BACKEND or None,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
        "timezone": "UTC",
    }
    # JSON columns (statements, documents, stored results) are read through orjson: several
    # times faster than the standard library, which jsonutil keeps for what orjson gets wrong.
    engine_options: dict[str, Any] = {"pool_pre_ping": True, "json_deserializer": jsonutil.loads}
    if s.DATABASE_URL.startswith("sqlite"):
        engine_options["connect_args"] = {"timeout": 30}
    return {
        "FASTHOLD_ENV": s.ENV,
        "TESTING": s.ENV == "testing",
        "SECRET_KEY": s.SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": s.DATABASE_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "CELERY": celery,
        "BASE_URL": s.BASE_URL,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "MAIL_SERVER": s.MAIL_SERVER,
        "MAIL_PORT": s.MAIL_PORT,
        "MAIL_USE_TLS": s.MAIL_USE_TLS,
        "MAIL_USE_SSL": s.MAIL_USE_SSL,
        "MAIL_USERNAME": s.MAIL_USERNAME,
        "MAIL_PASSWORD": s.MAIL_PASSWORD,
        "MAIL_DEFAULT_SENDER": s.MAIL_DEFAULT_SENDER,
        "MAIL_OUTBOX": str(s.instance_path / "outbox"),
        "LOGIN_MAX_FAILURES": s.LOGIN_MAX_FAILURES,
        "LOGIN_THROTTLE_MINUTES": s.LOGIN_THROTTLE_MINUTES,
        "PASSWORD_RESET_MAX_AGE_MINUTES": s.PASSWORD_RESET_MAX_AGE_MINUTES,
        "TRUSTED_PROXIES": s.TRUSTED_PROXIES,
        "DASHBOARD_CACHE_SECONDS": s.DASHBOARD_CACHE_SECONDS,
        "DASHBOARD_CACHE_URL": s.DASHBOARD_CACHE_URL,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": 60 * 60 * 8,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
        "LANGUAGES": {"en": "English", "da": "Dansk", "sv": "Svenska"},
    }
