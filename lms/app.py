"""The application factory: a short list of named steps."""

from __future__ import annotations

import logging
import os
from dataclasses import fields
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, g, jsonify, render_template, request
from flask_babel import format_date, format_datetime, format_decimal, gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .config import Settings, flask_config, load_settings
from .extensions import babel, celery_init_app, configure_postgresql, configure_sqlite, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Fasthold app. `config` overrides environment variables (tests use it)."""
    app = Flask(
        "fasthold",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(Path(
            (config or {}).get("INSTANCE_PATH") or os.environ.get("FASTHOLD_INSTANCE_PATH") or ROOT / "instance"
        ).resolve()),
    )
    configure_config(app, config)
    configure_proxies(app)
    init_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    return app


def configure_config(app: Flask, config: Mapping[str, Any] | None) -> None:
    overrides = {k: v for k, v in (config or {}).items() if k != "INSTANCE_PATH"}
    settings = load_settings(Path(app.instance_path), overrides)
    app.config.update(flask_config(settings))
    # Plain Flask keys given explicitly (e.g. WTF_CSRF_ENABLED in a test) are applied as given.
    setting_names = {f.name for f in fields(Settings)}
    app.config.update({k: v for k, v in overrides.items() if k not in setting_names})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # fontTools (fpdf2's font subsetting) logs ~40 INFO lines per font for every PDF made
    # (certificates, HR exports): noise in the server's log, and time spent formatting it.
    logging.getLogger("fontTools").setLevel(logging.WARNING)


def configure_proxies(app: Flask) -> None:
    """Behind N trusted reverse proxies, take the client address and scheme from their headers
    (login throttling counts per client address, so it must be the real one)."""
    n = app.config["TRUSTED_PROXIES"]
    if n:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def init_extensions(app: Flask) -> None:
    from . import queue  # noqa: F401  registers the after-commit task sender
    from .i18n import select_locale
    from .people import audit  # noqa: F401  registers the audit listener
    from sqlalchemy.orm import selectinload

    from .people.models import EmploymentSpell, User

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # creating the engine does not connect
            configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine)
    from .core import dashboard

    with app.app_context():
        dashboard.init_app(app, db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "lms" / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, _stamp = session_id.partition(".")
        if not user_id.isdigit():
            return None
        # Every page's header asks about the roles and the latest spell (is_preboarding); the home
        # page also shows the spell's department and manager: all in two queries.
        spells = selectinload(User.spells)
        user = db.session.get(User, int(user_id), options=[
            selectinload(User.role_rows), spells.joinedload(EmploymentSpell.department),
            spells.joinedload(EmploymentSpell.manager)])
        if user is None or not user.is_active or user.get_id() != session_id:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, url_for

        if _wants_json():
            return jsonify(error="authentication required"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    celery_app = celery_init_app(app)
    # Import task modules so the worker knows them.
    from plans.competencies import models as _competency_models  # noqa: F401
    from plans.checkins import models as _checkin_models  # noqa: F401
    from plans.checkins import tasks as checkin_tasks
    from plans.mentoring import models as _mentoring_models  # noqa: F401
    from plans.mentoring import tasks as _mentoring_tasks  # noqa: F401
    from plans.devplans import models as _devplan_models  # noqa: F401
    from plans.devplans import tasks as _devplan_tasks  # noqa: F401  subscribes to the statement stream
    from analytics import models as _analytics_models  # noqa: F401
    from gamification import models as _gamification_models  # noqa: F401
    from gamification import tasks as gamification_tasks
    from xapi import models as _xapi_models  # noqa: F401
    from xapi import tasks as _xapi_tasks  # noqa: F401

    from .auth import tasks as _auth_tasks  # noqa: F401
    from .core import tasks as core_tasks
    from .courses import tasks as course_tasks

    from analytics import tasks as analytics_tasks

    celery_app.conf.beat_schedule = {
        **core_tasks.BEAT_SCHEDULE, **course_tasks.BEAT_SCHEDULE, **checkin_tasks.BEAT_SCHEDULE,
        **gamification_tasks.BEAT_SCHEDULE, **analytics_tasks.BEAT_SCHEDULE,
    }


def register_blueprints(app: Flask) -> None:
    from .auth.views import bp as auth_bp
    from .core.views import bp as core_bp
    from .onboarding.views import bp as onboarding_bp
    from .people.views import bp as people_bp
    from .notifications.views import bp as notifications_bp
    from .forums.views import bp as forums_bp
    from .courses.views import bp as courses_bp
    from plans.checkins.views import bp as checkins_bp
    from plans.mentoring.views import bp as mentoring_bp
    from plans.competencies.views import bp as competencies_bp
    from plans.devplans.views import bp as devplans_bp
    from xapi.admin import bp as lrs_admin_bp
    from xapi.admin import content_bp
    from xapi.views import bp as xapi_bp
    from analytics.views import bp as analytics_bp
    from gamification.views import bp as gamification_bp, public_bp as badges_public_bp

    app.register_blueprint(xapi_bp)
    app.register_blueprint(lrs_admin_bp)
    app.register_blueprint(content_bp)
    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(forums_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(onboarding_bp)
    app.register_blueprint(checkins_bp)
    app.register_blueprint(mentoring_bp)
    app.register_blueprint(competencies_bp)
    app.register_blueprint(devplans_bp)
    app.register_blueprint(analytics_bp)
    app.register_blueprint(gamification_bp)
    app.register_blueprint(badges_public_bp)


def register_cli(app: Flask) -> None:
    from .cli import demo_command, users_cli

    from xapi.cli import xapi_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(xapi_cli)
    app.cli.add_command(demo_command)
    from analytics.cli import hris_cli

    app.cli.add_command(hris_cli)
    from analytics.cli import analytics_cli

    app.cli.add_command(analytics_cli)
    from gamification.cli import badges_cli

    app.cli.add_command(badges_cli)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith(("/xapi/", "/api/")) or (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def register_error_handlers(app: Flask) -> None:
    messages = {
        400: lambda: (_("Bad request"), _("The request could not be understood. Check what you sent and try again.")),
        403: lambda: (_("Not allowed"), _("You do not have access to this page. If you think you should, ask HR or an administrator.")),
        404: lambda: (_("Page not found"), _("This page does not exist, or it has moved.")),
        405: lambda: (_("Method not allowed"), _("This page cannot be used that way.")),
        413: lambda: (_("Too large"), _("What you sent is larger than the platform accepts.")),
        429: lambda: (_("Too many requests"), _("Please wait a little and try again.")),
        500: lambda: (_("Something went wrong"), _("An unexpected error occurred. It has been logged; please try again later.")),
    }

    def render_error(code: int, detail: str | None = None):
        title, text = messages.get(code, messages[500])()
        if _wants_json():
            return jsonify(error=detail or title), code
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_error(400, _("Your form expired or was sent from elsewhere. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        detail = exc.description if exc.code == 400 and exc.description != exc.__class__.description else None
        return render_error(exc.code, detail)

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)


def register_template_helpers(app: Flask) -> None:
    from .people import permissions

    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["number"] = lambda n: format_decimal(n) if n is not None else ""
    # A moment in a list or a post: the day as elsewhere on the page, and the time without seconds.
    from .i18n import format_moment

    app.jinja_env.filters["when"] = format_moment
    from .core.markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    from xapi.admin import can_manage_lrs

    app.jinja_env.globals["perm"] = permissions
    app.jinja_env.globals["can_manage_lrs"] = can_manage_lrs
    from xapi.admin import can_manage_content

    app.jinja_env.globals["can_manage_content"] = can_manage_content

    @app.context_processor
    def inject_language():
        from flask_babel import get_locale

        from datetime import date

        return {
            "current_language": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "today": date.today(),
        }


def register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    @app.after_request
    def headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", csp)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if getattr(g, "no_store", False) or request.endpoint in {"auth.login", "auth.reset_password"}:
            h["Cache-Control"] = "no-store"
        return response
