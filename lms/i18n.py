"""Which language a page speaks: the user's saved choice, the session's, then Accept-Language."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    languages = list(current_app.config["LANGUAGES"])
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.preferred_language in languages:
        return current_user.preferred_language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def format_moment(value) -> str:
    """A moment as the day (medium) and the time without seconds, in the reader's locale and the
    configured time zone. Babel's patterns are applied directly: through flask_babel's helpers
    each call cost a quarter of a millisecond, which a list of 200 forums turned into 50 ms."""
    from datetime import datetime

    from flask_babel import get_locale, get_timezone

    if not value:
        return ""
    locale = get_locale()
    if isinstance(value, datetime):
        value = value.astimezone(get_timezone())
    return f"{locale.date_formats['medium'].apply(value, locale)}, {locale.time_formats['short'].apply(value, locale)}"
