"""Points ledger and its leaderboard buckets, badges and Open Badges awards, certificates and
what the statement stream has taught us about each person (facts the badge rules count)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, UTCDateTime, string_enum, utcnow
from xapi.models import BigKey


class PointsRule(db.Model):
    """An admin's rule: statements with this verb (and activity type, if given) earn points,
    at most `daily_cap` points per person per day (the statement's own day, UTC)."""

    __tablename__ = "points_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    verb_id: Mapped[str] = mapped_column(String(2048))
    #: None matches any activity type
    activity_type: Mapped[str | None] = mapped_column(String(2048))
    points: Mapped[int] = mapped_column(Integer)
    #: None: no cap
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("daily_cap IS NULL OR daily_cap >= points", name="cap_allows_one"),
    )

    def __repr__(self) -> str:
        return f"<PointsRule {self.id} {self.name!r} {self.points}>"


class PointsEntry(db.Model):
    """One award in the append-only ledger, with the statement that earned it. The unique key
    makes a redelivered statement earn nothing the second time."""

    __tablename__ = "points_entries"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("points_rules.id"))
    #: the xAPI statement's seq and id (no foreign key: the LRS is append-only and large)
    statement_seq: Mapped[int] = mapped_column(BigKey)
    statement_id: Mapped[str] = mapped_column(String(36))
    points: Mapped[int] = mapped_column(Integer)
    #: what was done, for the person's history (the activity's name or IRI)
    reason: Mapped[str] = mapped_column(String(300))
    #: the statement's timestamp, and its day (what the daily cap counts)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    earned_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rule: Mapped[PointsRule] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "rule_id", "statement_seq", name="uq_points_entries_award"),
        Index("ix_points_entries_cap", "user_id", "rule_id", "earned_on"),
        Index("ix_points_entries_history", "user_id", "earned_at"),
        #: redelivery check: which of these statements have earned already
        Index("ix_points_entries_statement", "statement_seq"),
    )

    def __repr__(self) -> str:
        return f"<PointsEntry {self.id} user={self.user_id} +{self.points}>"


class PointsTotal(db.Model):
    """A person's points in one bucket: `all`, a month `2026-11` or an ISO week `2026-W47`,
    updated in the same transaction as the ledger. Leaderboards read these, never the ledger."""

    __tablename__ = "points_totals"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)

    #: (period, points, user_id): the top of a board and "how many are ahead of me" are walks of
    #: this index alone (user_id in it for the opt-out check)
    __table_args__ = (Index("ix_points_totals_board", "period", "points", "user_id"),)

    def __repr__(self) -> str:
        return f"<PointsTotal {self.period} user={self.user_id} {self.points}>"


class PointsGroupTotal(db.Model):
    """A team's (manager's direct reports) or department's points in one bucket, counted when
    they were earned, for the member's team and department at that time. The per-capita boards
    divide these by the current head-count."""

    __tablename__ = "points_group_totals"

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: team (group_id: the manager's user id) or department (group_id: the department's id)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<PointsGroupTotal {self.period} {self.kind} {self.group_id} {self.points}>"


class GamificationProfile(db.Model):
    """A person's choices: hidden from leaderboards, and what their public profile shows."""

    __tablename__ = "gamification_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: not shown to others on leaderboards (they still see their own rank)
    is_hidden_from_boards: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the profile page can be opened by anyone with its link
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    shows_points: Mapped[bool] = mapped_column(Boolean, default=True)
    shows_badges: Mapped[bool] = mapped_column(Boolean, default=True)
    shows_certificates: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the unguessable part of the public profile's URL
    public_key: Mapped[str] = mapped_column(String(32), unique=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<GamificationProfile user={self.user_id}>"


class FactKind(str, enum.Enum):
    """What badge rules count, learnt from statements (each once per person and object)."""

    course_completed = "course_completed"
    onboarding_by_day_90 = "onboarding_by_day_90"
    helpful_answer = "helpful_answer"
    goal_completed = "goal_completed"
    mentored_session = "mentored_session"


class StreamFact(db.Model):
    """A fact about a person taken from a statement: a set, so redelivery and order do not matter."""

    __tablename__ = "gamification_facts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[FactKind] = mapped_column(string_enum(FactKind, 30), primary_key=True)
    #: the object's IRI (a course, a forum reply, a goal, a session)
    object_id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    statement_seq: Mapped[int] = mapped_column(BigKey)
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<StreamFact {self.user_id} {self.kind.value} {self.object_id}>"


class LearningWeek(db.Model):
    """A week (its Monday) in which the person learnt something: the streak badge counts runs."""

    __tablename__ = "gamification_learning_weeks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    week_on: Mapped[date] = mapped_column(Date, primary_key=True)

    def __repr__(self) -> str:
        return f"<LearningWeek {self.user_id} {self.week_on}>"


class StreamCursor(db.Model):
    """The highest statement seq the periodic catch-up has processed (one row per consumer)."""

    __tablename__ = "gamification_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigKey, default=0)

    def __repr__(self) -> str:
        return f"<StreamCursor {self.name} {self.last_seq}>"


class RuleKind(str, enum.Enum):
    """The machine rule of a badge."""

    manual = "manual"
    course = "course"
    category = "category"
    onboarding = "onboarding"
    helpful_answers = "helpful_answers"
    first_goal = "first_goal"
    mentor_sessions = "mentor_sessions"
    learning_streak = "learning_streak"


class BadgeClass(db.Model):
    """A badge definition (an Open Badges BadgeClass)."""

    __tablename__ = "badge_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    #: what a person has to do, in words (the BadgeClass criteria narrative)
    criteria: Mapped[str] = mapped_column(Text)
    rule_kind: Mapped[RuleKind] = mapped_column(string_enum(RuleKind, 30))
    #: course id for `course`, category name for `category`
    rule_param: Mapped[str | None] = mapped_column(String(120))
    #: N for the counting rules
    rule_count: Mapped[int | None] = mapped_column(Integer)
    #: PNG bytes (uploaded, or generated when none was given)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<BadgeClass {self.id} {self.name!r}>"


class BadgeAward(db.Model):
    """A badge awarded to a person: an Open Badges hosted Assertion at /badges/assertions/<uid>."""

    __tablename__ = "badge_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the public, unguessable id in the assertion's URL
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badge_classes.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the recipient's e-mail hashed with the salt: sha256$<hex>; kept so a later e-mail
    #: change does not change what was asserted
    recipient_hash: Mapped[str] = mapped_column(String(80))
    salt: Mapped[str] = mapped_column(String(32))
    #: the statement that completed the rule (None: awarded by hand)
    statement_seq: Mapped[int | None] = mapped_column(BigKey)
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: why HR awarded it by hand (the assertion's narrative)
    reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    badge: Mapped[BadgeClass] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    awarded_by: Mapped[User | None] = relationship(foreign_keys=[awarded_by_id])

    __table_args__ = (UniqueConstraint("badge_id", "user_id", name="uq_badge_awards_once"),)

    def __repr__(self) -> str:
        return f"<BadgeAward {self.id} badge={self.badge_id} user={self.user_id}>"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Certificate(db.Model):
    """A course certificate, issued once per person and course; the PDF is made on request."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_iri: Mapped[str] = mapped_column(String(2048))
    #: as they were when it was issued
    course_title: Mapped[str] = mapped_column(String(255))
    recipient_name: Mapped[str] = mapped_column(String(210))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    statement_seq: Mapped[int] = mapped_column(BigKey)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "course_iri", name="uq_certificates_once"),)

    def __repr__(self) -> str:
        return f"<Certificate {self.id} user={self.user_id} {self.course_title!r}>"
