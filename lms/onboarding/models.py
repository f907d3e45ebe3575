"""Onboarding tracks (templates HR builds) and plans (what one new hire, their manager and buddy do)."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..people.models import Department, EmploymentSpell, User, UTCDateTime, string_enum, utcnow

#: a plan is "in onboarding" from its creation until this many days after the start date
ONBOARDING_DAYS = 90


class Phase(str, enum.Enum):
    """When a task belongs, in the order a new hire lives through them."""

    preboarding = "preboarding"
    week1 = "week1"
    day30 = "day30"
    day60 = "day60"
    day90 = "day90"


class Area(str, enum.Enum):
    """What a task builds: the job itself, relationships, or the organisation's ways."""

    professional = "professional"
    social = "social"
    cultural = "cultural"


class Owner(str, enum.Enum):
    """Who does a task."""

    new_hire = "new_hire"
    manager = "manager"
    buddy = "buddy"
    it = "it"
    hr = "hr"


class PageKind(str, enum.Enum):
    """Pre-boarding content a new hire reads before day one."""

    welcome = "welcome"
    programme = "programme"
    practical = "practical"


class BuddyStatus(str, enum.Enum):
    proposed = "proposed"
    confirmed = "confirmed"


class OnboardingTrack(db.Model):
    """A template HR builds for a department and/or job title; the most specific one is assigned.

    Both empty is the default track; a department track also covers its sub-departments.
    """

    __tablename__ = "onboarding_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: Markdown, shown to HR
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    #: matched case-insensitively against the spell's job title; None matches every title
    job_title: Mapped[str | None] = mapped_column(String(120))
    #: inactive tracks are kept for existing plans but no longer assigned
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship()
    tasks: Mapped[list[TrackTask]] = relationship(
        back_populates="track", cascade="all, delete-orphan",
        order_by="(TrackTask.due_offset_days, TrackTask.position, TrackTask.id)",
    )
    pages: Mapped[list[TrackPage]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="(TrackPage.position, TrackPage.id)"
    )

    def __repr__(self) -> str:
        return f"<OnboardingTrack {self.id} {self.name!r}>"


class TrackTask(db.Model):
    """One task of a track, copied into each plan with a due date from the start date."""

    __tablename__ = "onboarding_track_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("onboarding_tracks.id", ondelete="CASCADE"), index=True)
    phase: Mapped[Phase] = mapped_column(string_enum(Phase))
    area: Mapped[Area] = mapped_column(string_enum(Area))
    owner: Mapped[Owner] = mapped_column(string_enum(Owner))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown
    description: Mapped[str] = mapped_column(Text, default="")
    #: days from the start date (negative before day one)
    due_offset_days: Mapped[int] = mapped_column(Integer)
    #: order among tasks due the same day
    position: Mapped[int] = mapped_column(Integer, default=0)

    track: Mapped[OnboardingTrack] = relationship(back_populates="tasks")

    __table_args__ = (CheckConstraint("due_offset_days BETWEEN -120 AND 365", name="due_offset_range"),)

    def __repr__(self) -> str:
        return f"<TrackTask {self.id} {self.phase.value} {self.title!r}>"


class TrackPage(db.Model):
    """Pre-boarding content on a track: a welcome from leadership, the first-week programme, practicalities."""

    __tablename__ = "onboarding_track_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("onboarding_tracks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PageKind] = mapped_column(string_enum(PageKind))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown
    body: Mapped[str] = mapped_column(Text, default="")
    #: a link to a welcome video (http or https), shown as a link
    video_url: Mapped[str | None] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0)

    track: Mapped[OnboardingTrack] = relationship(back_populates="pages")

    def __repr__(self) -> str:
        return f"<TrackPage {self.id} {self.kind.value} {self.title!r}>"


class Cohort(db.Model):
    """New hires who start in the same calendar month; they share a forum."""

    __tablename__ = "onboarding_cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: first day of the month the members start in
    starts_on: Mapped[date] = mapped_column(Date, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plans: Mapped[list[OnboardingPlan]] = relationship(back_populates="cohort")

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.starts_on:%Y-%m}>"


class OnboardingPlan(db.Model):
    """One new hire's onboarding for one employment spell: concrete tasks, buddy, cohort, check-ins."""

    __tablename__ = "onboarding_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: one plan per spell: assigning twice finds this row
    spell_id: Mapped[int] = mapped_column(ForeignKey("employment_spells.id", ondelete="CASCADE"), unique=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding_tracks.id", ondelete="SET NULL"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("onboarding_cohorts.id"), index=True)
    #: the spell's hire date when the plan was made; due dates count from it
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    buddy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: proposed by the platform until the manager or HR confirms (or changes) it
    buddy_status: Mapped[BuddyStatus | None] = mapped_column(string_enum(BuddyStatus))
    buddy_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    buddy_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    spell: Mapped[EmploymentSpell] = relationship()
    track: Mapped[OnboardingTrack | None] = relationship()
    cohort: Mapped[Cohort] = relationship(back_populates="plans")
    buddy: Mapped[User | None] = relationship(foreign_keys=[buddy_id])
    buddy_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[buddy_confirmed_by_id])
    tasks: Mapped[list[PlanTask]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="(PlanTask.due_on, PlanTask.position, PlanTask.id)"
    )
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="CheckIn.day"
    )

    def __repr__(self) -> str:
        return f"<OnboardingPlan {self.id} user={self.user_id} {self.starts_on}>"

    @property
    def ends_on(self) -> date:
        return self.starts_on + timedelta(days=ONBOARDING_DAYS)

    @property
    def has_confirmed_buddy(self) -> bool:
        return self.buddy_id is not None and self.buddy_status == BuddyStatus.confirmed


class PlanTask(db.Model):
    """A concrete task of one plan, with its own due date and completion."""

    __tablename__ = "onboarding_plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("onboarding_plans.id", ondelete="CASCADE"))
    #: the template it was copied from (kept loose: editing a track does not rewrite plans)
    track_task_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding_track_tasks.id", ondelete="SET NULL"), index=True
    )
    phase: Mapped[Phase] = mapped_column(string_enum(Phase))
    area: Mapped[Area] = mapped_column(string_enum(Area))
    owner: Mapped[Owner] = mapped_column(string_enum(Owner))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: the last day a reminder went out, so the daily run sends at most one a day
    reminded_on: Mapped[date | None] = mapped_column(Date)

    plan: Mapped[OnboardingPlan] = relationship(back_populates="tasks")
    completed_by: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_onboarding_plan_tasks_plan_due", "plan_id", "due_on"),
        # the reminder run scans open tasks by due date
        Index("ix_onboarding_plan_tasks_open_due", "completed_at", "due_on"),
    )

    def __repr__(self) -> str:
        return f"<PlanTask {self.id} plan={self.plan_id} {self.title!r} due={self.due_on}>"

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_on < today


class CheckIn(db.Model):
    """A short question at day 30, 60 or 90: how is the start going (1–5), and what would help."""

    __tablename__ = "onboarding_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("onboarding_plans.id", ondelete="CASCADE"))
    #: 30, 60 or 90
    day: Mapped[int] = mapped_column(SmallInteger)
    #: the date it is asked (start date + day)
    due_on: Mapped[date] = mapped_column(Date)
    #: when the new hire was notified; None until the daily run asks
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[OnboardingPlan] = relationship(back_populates="checkins")

    __table_args__ = (
        UniqueConstraint("plan_id", "day", name="uq_onboarding_checkins_plan_day"),
        CheckConstraint("day IN (30, 60, 90)", name="checkin_day"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="checkin_rating"),
        Index("ix_onboarding_checkins_asked_due", "asked_at", "due_on"),
    )

    def __repr__(self) -> str:
        return f"<CheckIn {self.id} plan={self.plan_id} day={self.day}>"
