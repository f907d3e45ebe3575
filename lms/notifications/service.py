"""Notify people: register message kinds, add notifications, read and count them, e-mail choice.

Other packages call `register_kind` when their service module is imported and `notify` inside
their own transaction; the e-mail goes out by Celery after that transaction commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import LazyString, format_date, gettext as _
from sqlalchemy import distinct, func, or_, select, update
from sqlalchemy.orm import selectinload

from ..core.pagination import Page, paginate_rows
from ..extensions import db
from ..people.models import User, utcnow
from ..queue import enqueue
from .models import DEFAULT_EMAIL_MODE, EmailMode, Notification, NotificationSetting

#: kind -> message with %(name)s placeholders; "actor" is filled with the actor's full name
_KINDS: dict[str, LazyString | str] = {}

#: a digest carries unread notifications not e-mailed yet, from at most this far back
DIGEST_WINDOW = timedelta(days=2)


def register_kind(kind: str, message: LazyString | str) -> None:
    """Declare a kind of notification and its (lazily translated) message."""
    _KINDS[kind] = message


def registered_kinds() -> frozenset[str]:
    return frozenset(_KINDS)


class _Params(dict):
    """Placeholders for a message; one that is missing renders empty instead of failing."""

    def __missing__(self, key: str) -> str:
        return ""


def render(notification: Notification) -> str:
    """The notification's text in the current locale (use flask_babel.force_locale for e-mails)."""
    message = _KINDS.get(notification.kind)
    if message is None:  # a kind whose code is gone: still show something useful
        return _("You have a new notification.")
    params = _Params(notification.params or {})
    for key in filter(None, params.pop(_DATES_KEY, "").split(",")):
        try:
            params[key] = format_date(date.fromisoformat(params[key]), "medium")
        except (KeyError, ValueError):
            pass
    params["actor"] = notification.actor.full_name if notification.actor else _("Fasthold")
    return str(message) % params


#: params key listing which other params are dates, shown in the reader's format
_DATES_KEY = "_dates"


def _stored_params(params: dict) -> dict:
    """Params as strings; dates kept as ISO text and named, so each reader sees them in their locale."""
    stored = {key: value.isoformat() if isinstance(value, date) else str(value) for key, value in params.items()}
    dates = sorted(key for key, value in params.items() if isinstance(value, date) and not isinstance(value, datetime))
    if dates:
        stored[_DATES_KEY] = ",".join(dates)
    return stored


def _is_local_path(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


def _new_notification(recipient: User, kind: str, url: str, actor: User | None, params: dict) -> Notification | None:
    """The checked, unsaved notification; None when nobody is to be told (one's own action, or an
    inactive recipient)."""
    if kind not in _KINDS:
        raise ValueError(f"unregistered notification kind {kind!r}")
    if not _is_local_path(url):
        raise ValueError(f"notification url must be a path on this site, got {url!r}")
    if actor is not None and actor.id == recipient.id:
        return None
    if not recipient.is_active:
        return None
    return Notification(recipient=recipient, actor=actor, kind=kind, url=url, params=_stored_params(params))


def notify(recipient: User, kind: str, *, url: str, actor: User | None = None, **params) -> Notification | None:
    """Add a notification for `recipient` (flush, no commit) and ask for its e-mail after commit.

    Nobody is notified of their own action, and inactive people get nothing (returns None).
    """
    notification = _new_notification(recipient, kind, url, actor, params)
    if notification is None:
        return None
    db.session.add(notification)
    db.session.flush()
    if email_mode(recipient) is EmailMode.immediate:
        from .tasks import send_notification_email  # tasks import this module

        enqueue(send_notification_email, notification.id)
    return notification


def notify_many(items) -> list[Notification]:
    """notify() for many people at once, `items` being (recipient, kind, url, params): one flush
    and one query for the e-mail settings instead of two round trips each (a batch of badges
    awarded by the rules)."""
    made = [n for n in (_new_notification(recipient, kind, url, None, params) for recipient, kind, url, params in items)
            if n is not None]
    if not made:
        return []
    db.session.add_all(made)
    db.session.flush()
    modes = dict(db.session.execute(
        select(NotificationSetting.user_id, NotificationSetting.email_mode)
        .where(NotificationSetting.user_id.in_({n.recipient_id for n in made}))).tuples().all())
    from .tasks import send_notification_email  # tasks import this module

    for notification in made:
        if modes.get(notification.recipient_id, DEFAULT_EMAIL_MODE) is EmailMode.immediate:
            enqueue(send_notification_email, notification.id)
    return made


# --- reading -----------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return db.session.execute(
        select(func.count()).select_from(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def unread_count_this_request(user: User) -> int:
    """`unread_count`, counted once per request (the header, the home page's panel and its cache key ask)."""
    from flask import g

    cached = g.get("unread_notification_count")
    if cached is None or cached[0] != user.id:
        cached = g.unread_notification_count = (user.id, unread_count(user))
    return cached[1]


def notifications_page(user: User, page: int, per_page: int = 30, *, unread_only: bool = False) -> Page:
    """A page of the user's notifications, newest first, actors loaded in one query."""
    query = (
        select(Notification)
        .where(Notification.recipient_id == user.id)
        .options(selectinload(Notification.actor))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    result = paginate_rows(query, page, per_page)
    result.items = [row[0] for row in result.items]
    return result


def recent_unread(user: User, limit: int = 5) -> list[Notification]:
    return list(db.session.execute(
        select(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .options(selectinload(Notification.actor))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).scalars())


def mark_read(notification: Notification, at: datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = at or utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def mark_read_for_path(user: User, path: str) -> int:
    """Mark read the user's unread notifications that lead to `path` (or an anchor or query on it):
    opening a page is reading what pointed there."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.recipient_id == user.id,
            Notification.read_at.is_(None),
            or_(Notification.url == path, Notification.url.startswith(path + "#", autoescape=True),
                Notification.url.startswith(path + "?", autoescape=True)),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def mark_all_emailed() -> int:
    """Treat every notification not e-mailed yet as e-mailed (for seeded history); returns how many."""
    return db.session.execute(
        update(Notification).where(Notification.emailed_at.is_(None)).values(emailed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


# --- e-mail choice -----------------------------------------------------------------------------


def email_mode(user: User) -> EmailMode:
    setting = db.session.get(NotificationSetting, user.id)
    return setting.email_mode if setting else DEFAULT_EMAIL_MODE


def set_email_mode(user: User, mode: EmailMode | str) -> NotificationSetting:
    mode = EmailMode(mode)
    setting = db.session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id, email_mode=mode)
        db.session.add(setting)
    setting.email_mode = mode
    db.session.flush()
    return setting


# --- digests -----------------------------------------------------------------------------------


def _digest_pending(now: datetime):
    return (
        Notification.emailed_at.is_(None),
        Notification.read_at.is_(None),
        Notification.created_at >= now - DIGEST_WINDOW,
    )


def digest_recipient_ids(now: datetime | None = None) -> list[int]:
    """Active people who chose the digest and have unread notifications not e-mailed yet."""
    now = now or utcnow()
    return list(db.session.execute(
        select(distinct(Notification.recipient_id))
        .join(NotificationSetting, NotificationSetting.user_id == Notification.recipient_id)
        .join(User, User.id == Notification.recipient_id)
        .where(NotificationSetting.email_mode == EmailMode.digest, User.is_active.is_(True), *_digest_pending(now))
        .order_by(Notification.recipient_id)
    ).scalars())


def digest_pending_ids(user: User, now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(db.session.execute(
        select(Notification.id).where(Notification.recipient_id == user.id, *_digest_pending(now))
        .order_by(Notification.created_at, Notification.id)
    ).scalars())
