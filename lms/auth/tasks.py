"""Celery tasks for sign-in: the password-reset e-mail."""

from __future__ import annotations

from celery import shared_task
from flask import current_app, render_template
from flask_babel import force_locale, gettext as _

from ..extensions import db
from ..mail import external_url, send_mail
from ..people.models import User
from .service import make_reset_token


@shared_task(name="auth.send_password_reset_email", ignore_result=True)
def send_password_reset_email(user_id: int) -> bool:
    """E-mail a reset link to the person, in their language. Sends nothing for inactive users."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return False
    token = make_reset_token(user)
    with force_locale(user.preferred_language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        link = external_url("auth.reset_password", token=token)
        body = render_template(
            "lms/email/password_reset.txt",
            user=user,
            link=link,
            minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"],
        )
        send_mail(user.email, _("Reset your Fasthold password"), body)
    return True
