"""Celery tasks for sign-in: the password-reset e-mail."""

from __future__ import annotations

from celery import shared_task
from flask import current_app, render_template
from flask_babel import force_locale, gettext as _

from ..mail import external_url, send_mail
from ..people.models import User, utcnow
from ..people.service import get_user_by_email
from .service import make_reset_token

#: at most one reset e-mail per account in this many seconds, against mail bombing
RESET_MAIL_INTERVAL_SECONDS = 60


def recently_sent(user: User) -> bool:
    sent = user.password_reset_sent_at
    return sent is not None and (utcnow() - sent).total_seconds() < RESET_MAIL_INTERVAL_SECONDS


@shared_task(name="auth.send_password_reset_email", ignore_result=True)
def send_password_reset_email(email: str, invite: bool = False) -> bool:
    """E-mail a reset link (or, with `invite`, a welcome with a link to choose a first password)
    to the account with this address, in its language.

    Sends nothing when there is no such active account (the request looked the same either way).
    """
    user = get_user_by_email(email)
    if user is None or not user.is_active or recently_sent(user):
        return False
    user.password_reset_sent_at = utcnow()
    token = make_reset_token(user)
    with force_locale(user.preferred_language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        link = external_url("auth.reset_password", token=token)
        body = render_template(
            "lms/email/invitation.txt" if invite else "lms/email/password_reset.txt",
            user=user,
            link=link,
            minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"],
        )
        subject = _("Welcome to Fasthold: choose your password") if invite else _("Reset your Fasthold password")
        send_mail(user.email, subject, body)
    return True
