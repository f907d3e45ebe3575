"""Celery tasks: the immediate e-mail of one notification and the daily digest.

Both are idempotent: a notification is claimed for e-mail with a conditional UPDATE (only one
run wins), and a digest row is unique per person and day.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from celery.schedules import crontab
from flask import current_app, render_template
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..mail import external_url, send_mail
from ..people.models import User, utcnow
from ..queue import enqueue
from . import service
from .models import EmailMode, Notification, NotificationDigest


def _language(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.preferred_language if user.preferred_language in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


@shared_task(name="notifications.send_email", ignore_result=True)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification to its recipient in their language, once; returns whether it was sent.

    Skipped when it is already read or e-mailed, the person is inactive, or they no longer want
    immediate e-mails (then a digest may carry it).
    """
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.emailed_at is not None or notification.read_at is not None:
        return False
    recipient = notification.recipient
    if not recipient.is_active or service.email_mode(recipient) is not EmailMode.immediate:
        return False
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.emailed_at.is_(None))
        .values(emailed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return False
    with force_locale(_language(recipient)):
        text = service.render(notification)
        body = render_template(
            "lms/notifications/email.txt", user=recipient, text=text, link=_absolute(notification.url),
            settings_link=external_url("notifications.settings"),
        )
        send_mail(recipient.email, _("Fasthold: %(text)s", text=text), body)
    return True


@shared_task(name="notifications.send_digests", ignore_result=True)
def send_digests(day: str | None = None) -> int:
    """The daily run: one digest task per person waiting for one; returns how many were asked for."""
    day = day or utcnow().date().isoformat()
    user_ids = service.digest_recipient_ids()
    for user_id in user_ids:
        enqueue(send_digest, user_id, day)
    return len(user_ids)


@shared_task(name="notifications.send_digest", ignore_result=True)
def send_digest(user_id: int, day: str) -> bool:
    """E-mail one person's digest for `day` (ISO date): at most one per person and day, and each
    notification in at most one e-mail."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or service.email_mode(user) is not EmailMode.digest:
        return False
    sent_on = date.fromisoformat(day)
    pending = service.digest_pending_ids(user)
    if not pending:
        return False
    digest = NotificationDigest(user_id=user.id, sent_on=sent_on)
    try:
        with db.session.begin_nested():
            db.session.add(digest)
    except IntegrityError:  # this day's digest is out already (or another worker is sending it)
        return False
    now = utcnow()
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(pending), Notification.emailed_at.is_(None))
        .values(emailed_at=now, digest_id=digest.id)
        .execution_options(synchronize_session=False)
    )
    items = list(db.session.execute(
        select(Notification).where(Notification.digest_id == digest.id)
        .options(selectinload(Notification.actor))
        .order_by(Notification.created_at, Notification.id)
    ).scalars())
    if not items:
        return False
    with force_locale(_language(user)):
        entries = [(service.render(n), _absolute(n.url)) for n in items]
        body = render_template(
            "lms/notifications/digest.txt", user=user, entries=entries,
            centre_link=external_url("notifications.index"), settings_link=external_url("notifications.settings"),
        )
        subject = _("Fasthold: your daily summary (%(n)d new)", n=len(entries))
        send_mail(user.email, subject, body)
    return True


BEAT_SCHEDULE = {
    "notification-digests": {"task": "notifications.send_digests", "schedule": crontab(hour=6, minute=0)},
}
