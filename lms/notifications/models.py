"""Notifications: one row per message to one person, and the e-mail choice of each person."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..people.models import User, UTCDateTime, utcnow


class EmailMode(str, enum.Enum):
    """How a person wants notifications by e-mail."""

    immediate = "immediate"
    digest = "digest"
    off = "off"


#: what a person gets until they choose
DEFAULT_EMAIL_MODE = EmailMode.immediate


class NotificationSetting(db.Model):
    """A person's e-mail choice; no row means DEFAULT_EMAIL_MODE."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_mode: Mapped[EmailMode] = mapped_column(Enum(EmailMode, native_enum=False, length=20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<NotificationSetting user={self.user_id} {self.email_mode.value}>"


class NotificationDigest(db.Model):
    """One daily digest e-mail to one person; the unique day makes a second run a no-op."""

    __tablename__ = "notification_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: the day the digest is for (the worker's UTC date)
    sent_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "sent_on", name="uq_notification_digests_user_day"),)

    def __repr__(self) -> str:
        return f"<NotificationDigest {self.id} user={self.user_id} {self.sent_on}>"


class Notification(db.Model):
    """Something that happened which one person should know about.

    The text is not stored: it is rendered at display time from the registered message of
    `kind` and `params`, so each reader sees it in their own language.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: who caused it; None for the system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: a kind registered with service.register_kind, e.g. "forum.reply"
    kind: Mapped[str] = mapped_column(String(60))
    #: placeholders of the kind's message (strings)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: where the notification leads: a path on this site, starting with "/"
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when it went out by e-mail (immediately or in a digest); never sent twice
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_digests.id", ondelete="SET NULL"), index=True
    )

    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    __table_args__ = (
        # the centre lists newest first; the header counts unread ones
        Index("ix_notifications_recipient_created", "recipient_id", "created_at"),
        Index("ix_notifications_recipient_read", "recipient_id", "read_at"),
        # the digest run looks for unsent ones of the last days
        Index("ix_notifications_emailed_created", "emailed_at", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to={self.recipient_id}>"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
