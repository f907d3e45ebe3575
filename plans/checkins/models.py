"""1:1 check-ins: a manager–report pair with a cadence, its meetings, the employee's prep, the
shared agenda and the agreements that carry from one meeting to the next.

(Onboarding's day-30/60/90 questions are `lms.onboarding.models.CheckIn`; these are the regular
one-on-ones, hence the `one_on_one*` tables.)
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, UTCDateTime, string_enum, utcnow


class Cadence(str, enum.Enum):
    """How often a pair meets."""

    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"
    six_weeks = "six_weeks"


class MeetingStatus(str, enum.Enum):
    """A meeting is scheduled until the manager marks it held (missed is a date, not a state)."""

    scheduled = "scheduled"
    held = "held"


class AgreementOwner(str, enum.Enum):
    """Who in the pair does what was agreed."""

    employee = "employee"
    manager = "manager"


class AgreementStatus(str, enum.Enum):
    open = "open"
    done = "done"
    dropped = "dropped"


class OneOnOnePair(db.Model):
    """A manager and one report who meet regularly; made from the report's current spell."""

    __tablename__ = "one_on_one_pairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cadence: Mapped[Cadence] = mapped_column(string_enum(Cadence), default=Cadence.monthly)
    #: False once the report no longer reports to this manager; the pair keeps its history
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    report: Mapped[User] = relationship(foreign_keys=[report_id])
    meetings: Mapped[list[OneOnOne]] = relationship(
        back_populates="pair", cascade="all, delete-orphan", order_by="OneOnOne.scheduled_on"
    )
    agreements: Mapped[list[OneOnOneAgreement]] = relationship(
        back_populates="pair", cascade="all, delete-orphan", order_by="OneOnOneAgreement.id"
    )

    __table_args__ = (
        UniqueConstraint("manager_id", "report_id", name="uq_one_on_one_pairs_manager_report"),
        CheckConstraint("manager_id <> report_id", name="one_on_one_not_self"),
    )

    def __repr__(self) -> str:
        return f"<OneOnOnePair {self.id} manager={self.manager_id} report={self.report_id} {self.cadence.value}>"

    def is_participant(self, user: User) -> bool:
        return user.id in (self.manager_id, self.report_id)


class OneOnOne(db.Model):
    """One check-in of a pair. At most one is open (scheduled) per pair at a time."""

    __tablename__ = "one_on_ones"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("one_on_one_pairs.id", ondelete="CASCADE"))
    status: Mapped[MeetingStatus] = mapped_column(string_enum(MeetingStatus), default=MeetingStatus.scheduled)
    #: the day it is planned for (from the cadence, or as the manager set it)
    scheduled_on: Mapped[date] = mapped_column(Date)
    #: optional local time of day the manager set
    scheduled_time: Mapped[time | None] = mapped_column(Time)
    #: shared notes the manager writes when marking it held (Markdown)
    notes: Mapped[str] = mapped_column(Text, default="")
    held_on: Mapped[date | None] = mapped_column(Date)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the day the meeting passed its grace period unheld; kept after a late meeting, so misses count
    missed_on: Mapped[date | None] = mapped_column(Date)
    #: reminders already sent for this date (reset when the date moves)
    prep_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    eve_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pair: Mapped[OneOnOnePair] = relationship(back_populates="meetings")
    prep: Mapped[OneOnOnePrep | None] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                     uselist=False)
    agenda: Mapped[list[OneOnOneAgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="OneOnOneAgendaItem.id"
    )

    __table_args__ = (
        # one open meeting per pair, so scheduling twice (two tabs, two task runs) finds the first
        Index("uq_one_on_ones_open_pair", "pair_id", unique=True,
              sqlite_where=text("status = 'scheduled'"), postgresql_where=text("status = 'scheduled'")),
        Index("ix_one_on_ones_pair_scheduled", "pair_id", "scheduled_on"),
        Index("ix_one_on_ones_status_scheduled", "status", "scheduled_on"),
        CheckConstraint("status <> 'held' OR held_on IS NOT NULL", name="one_on_one_held_on"),
    )

    def __repr__(self) -> str:
        return f"<OneOnOne {self.id} pair={self.pair_id} {self.scheduled_on} {self.status.value}>"

    @property
    def is_held(self) -> bool:
        return self.status == MeetingStatus.held

    @property
    def is_prepared(self) -> bool:
        return self.prep is not None and self.prep.submitted_at is not None


#: the 1–5 answers of the prep form
SCALE_MIN, SCALE_MAX = 1, 5


class OneOnOnePrep(db.Model):
    """The employee's preparation for one meeting; only the pair reads it."""

    __tablename__ = "one_on_one_preps"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("one_on_ones.id", ondelete="CASCADE"), unique=True)
    went_well: Mapped[str] = mapped_column(Text, default="")
    could_be_better: Mapped[str] = mapped_column(Text, default="")
    #: 1 (far too little) … 3 (right) … 5 (far too much)
    workload: Mapped[int] = mapped_column(SmallInteger)
    #: 1 (constantly interrupted) … 5 (deep focus)
    flow: Mapped[int] = mapped_column(SmallInteger)
    learning: Mapped[str] = mapped_column(Text, default="")
    #: 1 (poor) … 5 (very good)
    wellbeing: Mapped[int] = mapped_column(SmallInteger)
    wellbeing_comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[OneOnOne] = relationship(back_populates="prep")

    __table_args__ = tuple(
        CheckConstraint(f"{col} BETWEEN {SCALE_MIN} AND {SCALE_MAX}", name=f"one_on_one_prep_{col}")
        for col in ("workload", "flow", "wellbeing")
    )

    def __repr__(self) -> str:
        return f"<OneOnOnePrep {self.id} meeting={self.meeting_id}>"


class OneOnOneAgendaItem(db.Model):
    """A topic either participant puts on a meeting's shared agenda."""

    __tablename__ = "one_on_one_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("one_on_ones.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    is_discussed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[OneOnOne] = relationship(back_populates="agenda")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<OneOnOneAgendaItem {self.id} meeting={self.meeting_id}>"


class OneOnOneAgreement(db.Model):
    """Something agreed in a meeting, with an owner and a follow-up date; open ones show in every
    later meeting of the pair until done or dropped."""

    __tablename__ = "one_on_one_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("one_on_one_pairs.id", ondelete="CASCADE"))
    #: the meeting it was agreed in
    meeting_id: Mapped[int] = mapped_column(ForeignKey("one_on_ones.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[AgreementOwner] = mapped_column(string_enum(AgreementOwner))
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[AgreementStatus] = mapped_column(string_enum(AgreementStatus), default=AgreementStatus.open)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pair: Mapped[OneOnOnePair] = relationship(back_populates="agreements")
    meeting: Mapped[OneOnOne] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_one_on_one_agreements_pair_status", "pair_id", "status"),)

    def __repr__(self) -> str:
        return f"<OneOnOneAgreement {self.id} pair={self.pair_id} {self.status.value}>"

    @property
    def is_open(self) -> bool:
        return self.status == AgreementStatus.open
