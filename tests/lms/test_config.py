"""Configuration is validated at start-up with messages that name the variable."""

import pytest

from lms.app import create_app
from lms.config import ConfigError


def build(tmp_path, **overrides):
    config = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}
    config.update(overrides)
    return create_app(config)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("DATABASE_URL", "not a url", "DATABASE_URL='not a url' is not a database URL"),
        ("DATABASE_URL", "mysql://root@localhost/x", "supports sqlite and postgresql"),
        ("CELERY_BROKER_URL", "ftp://broker", "CELERY_BROKER_URL='ftp://broker' is not a broker URL"),
        ("BASE_URL", "learn.example.com", "BASE_URL='learn.example.com' is not an absolute http(s) URL"),
        ("MAIL_PORT", "smtp", "MAIL_PORT='smtp' is not a whole number"),
        ("MAIL_PORT", "70000", "MAIL_PORT=70000 is out of range"),
        ("MAIL_USE_TLS", "maybe", "MAIL_USE_TLS='maybe' is not a boolean"),
        ("MAIL_DEFAULT_SENDER", "nobody", "MAIL_DEFAULT_SENDER='nobody' is not an e-mail address"),
        ("ENV", "staging", "FASTHOLD_ENV='staging' is not one of"),
    ],
)
def test_bad_configuration_value_stops_startup_naming_the_variable(tmp_path, key, value, message):
    with pytest.raises(ConfigError) as excinfo:
        build(tmp_path, **{key: value})
    assert message in str(excinfo.value)


def test_environment_variables_are_read_and_validated(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="MAIL_PORT='not-a-port'"):
        build(tmp_path)
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "yes")
    app = build(tmp_path)
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["MAIL_USE_TLS"] is True


def test_production_without_secret_key_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        build(tmp_path, ENV="production")


def test_production_with_short_secret_key_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="production needs at least 32"):
        build(tmp_path, ENV="production", SECRET_KEY="short")


def test_production_with_good_secret_uses_secure_cookies(tmp_path):
    app = build(tmp_path, ENV="production", SECRET_KEY="s" * 48)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_development_secret_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = build(tmp_path, ENV="development").config["SECRET_KEY"]
    second = build(tmp_path, ENV="development").config["SECRET_KEY"]
    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_plain_postgresql_url_uses_the_installed_psycopg_driver(tmp_path):
    app = build(tmp_path, DATABASE_URL="postgresql://fasthold@db.example.com/fasthold")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_celery_uses_the_configured_broker_and_json_only(tmp_path):
    app = build(tmp_path, CELERY_BROKER_URL=f"sqla+sqlite:///{tmp_path}/b.sqlite")
    celery = app.extensions["celery"]
    assert celery.conf.broker_url == f"sqla+sqlite:///{tmp_path}/b.sqlite"
    assert celery.conf.task_serializer == "json"
    assert celery.conf.accept_content == ["json"]


def test_links_follow_the_port_make_run_serves_on(tmp_path, monkeypatch):
    monkeypatch.setenv("PORT", "5055")
    assert build(tmp_path).config["BASE_URL"] == "http://127.0.0.1:5055"
    monkeypatch.setenv("BASE_URL", "https://learn.example.com")
    assert build(tmp_path).config["BASE_URL"] == "https://learn.example.com"
