"""Forums, their threads and posts, subscriptions and reports of posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..people.models import User, UTCDateTime, utcnow

#: forum kinds; "course" and "cohort" forums belong to a course or cohort (scope_id)
FORUM_KINDS = ("course", "cohort", "group")


class Forum(db.Model):
    """A place for threads: a course's or a cohort's forum, or an open group anyone may join."""

    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: course, cohort or group; who may see and post is decided by the kind's registered scope
    kind: Mapped[str] = mapped_column(String(20))
    #: the course or cohort id for scoped kinds; None for open groups
    scope_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "scope_id", name="uq_forums_kind_scope"),)

    def __repr__(self) -> str:
        return f"<Forum {self.id} {self.kind}:{self.scope_id} {self.title!r}>"

    def _described(self) -> tuple[str, str] | None:
        """The scope's (title, description) in the current language, asked once per loaded forum
        and language (a list shows both, and each can cost the scope a query)."""
        from flask_babel import get_locale

        from .permissions import scope_for

        cache = self.__dict__.setdefault("_described_by_locale", {})
        locale = str(get_locale())
        if locale not in cache:
            scope = scope_for(self.kind)
            cache[locale] = scope.describe(self.scope_id) if scope and scope.describe else None
        return cache[locale]

    @property
    def display_title(self) -> str:
        """The title to show: the scope's, in the reader's language, where it gives one."""
        described = self._described()
        return described[0] if described else self.title

    @property
    def display_description(self) -> str:
        described = self._described()
        return described[1] if described else self.description


class ForumThread(db.Model):
    """A conversation in a forum; its first post is the question or opening message."""

    __tablename__ = "forum_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: pinned threads are listed first
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a locked thread takes no new replies (moderators still may)
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: some reply is marked as a helpful answer
    is_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    #: visible replies (not counting the opening post or removed ones), kept by the service
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the last post's time; lists sort by it
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    forum: Mapped[Forum] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    last_post_author: Mapped[User | None] = relationship(foreign_keys=[last_post_author_id])

    __table_args__ = (
        # the forum page: pinned first, then latest activity
        Index("ix_forum_threads_forum_pinned_activity", "forum_id", "is_pinned", "last_post_at", "id"),
        # recent activity across several forums (dashboard)
        Index("ix_forum_threads_last_post_at", "last_post_at"),
    )

    def __repr__(self) -> str:
        return f"<ForumThread {self.id} forum={self.forum_id} {self.title!r}>"


class ForumPost(db.Model):
    """One message in a thread, in Markdown; removed posts stay as a placeholder."""

    __tablename__ = "forum_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: the post this one answers (a reply to a reply); None for replies to the thread
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: the opening post of its thread
    is_first: Mapped[bool] = mapped_column(Boolean, default=False)
    #: marked as a helpful answer by the thread's author or a moderator
    is_helpful: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: soft delete: the post shows as removed, its text is kept for moderators' records
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    thread: Mapped[ForumThread] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reply_to: Mapped[ForumPost | None] = relationship(remote_side=[id])

    __table_args__ = (
        # a thread's posts in order, paged
        Index("ix_forum_posts_thread_id_id", "thread_id", "id"),
    )

    def __repr__(self) -> str:
        return f"<ForumPost {self.id} thread={self.thread_id}>"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ForumSubscription(db.Model):
    """A person follows a forum (for a group: is a member); told about new threads."""

    __tablename__ = "forum_subscriptions"

    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ForumSubscription forum={self.forum_id} user={self.user_id}>"


class ThreadSubscription(db.Model):
    """A person follows a thread; told about its replies. Authors and repliers follow by default."""

    __tablename__ = "forum_thread_subscriptions"

    thread_id: Mapped[int] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ThreadSubscription thread={self.thread_id} user={self.user_id}>"


class PostReport(db.Model):
    """Someone asks the moderators to look at a post; open until a moderator resolves it."""

    __tablename__ = "forum_post_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: removed (the post was removed) or dismissed (nothing wrong)
    resolution: Mapped[str | None] = mapped_column(String(20))

    post: Mapped[ForumPost] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (
        # one report per person and post
        UniqueConstraint("post_id", "reporter_id", name="uq_forum_post_reports_post_reporter"),
        # the moderators' queue: open reports, oldest first
        Index("ix_forum_post_reports_resolved_created", "resolved_at", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<PostReport {self.id} post={self.post_id} {self.resolution or 'open'}>"
