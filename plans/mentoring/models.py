"""Mentoring: mentor profiles, requests for a mentor, matching runs and their proposals, mentorships
with goals, logged sessions and an end with feedback from both."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, UTCDateTime, string_enum, utcnow
from plans.competencies.models import Competency

#: a rating at or below this, from either side, marks a mentorship as ended badly: never paired again
BAD_RATING = 2
MIN_CAPACITY, MAX_CAPACITY = 1, 5
#: languages a mentor or mentee may name (the interface itself ships in en, da, sv)
MENTORING_LANGUAGES = ("en", "da", "sv", "no", "de", "fi")


class WorkMode(str, enum.Enum):
    """Where mentoring meetings happen."""

    on_site = "on_site"
    remote = "remote"
    either = "either"


class RequestStatus(str, enum.Enum):
    open = "open"  #: in the pool (possibly with a pending proposal)
    matched = "matched"  #: a mentorship came of it
    withdrawn = "withdrawn"


class MatchStatus(str, enum.Enum):
    """A proposal's way: HR approves or rejects it, then the mentor accepts or declines."""

    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"
    accepted = "accepted"
    declined = "declined"


#: proposals that still hold a mentor's slot and keep the request out of the next run
PENDING = (MatchStatus.proposed, MatchStatus.approved)


class RunStatus(str, enum.Enum):
    running = "running"
    done = "done"
    failed = "failed"


class MentorshipStatus(str, enum.Enum):
    active = "active"
    ended = "ended"


class MentorProfile(db.Model):
    """What a mentor offers; matched only while published."""

    __tablename__ = "mentor_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: how many mentees at once (active mentorships and pending proposals count)
    capacity: Mapped[int] = mapped_column(SmallInteger, default=2)
    #: language codes, e.g. ["da", "en"]
    languages: Mapped[list] = mapped_column(JSON, default=list)
    mode: Mapped[WorkMode] = mapped_column(string_enum(WorkMode), default=WorkMode.either)
    #: where on-site meetings happen (free text; compared case-insensitively)
    location: Mapped[str] = mapped_column(String(120), default="")
    #: Markdown: what the mentor likes to help with
    bio: Mapped[str] = mapped_column(Text, default="")
    #: published profiles take part in matching; a paused one keeps its mentorships
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    skills: Mapped[list[MentorSkill]] = relationship(back_populates="profile", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(f"capacity BETWEEN {MIN_CAPACITY} AND {MAX_CAPACITY}", name="capacity_range"),
    )

    def __repr__(self) -> str:
        return f"<MentorProfile {self.id} user={self.user_id}{' published' if self.is_published else ''}>"


class MentorSkill(db.Model):
    """A competency a mentor offers, at their level."""

    __tablename__ = "mentor_skills"

    profile_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)

    profile: Mapped[MentorProfile] = relationship(back_populates="skills")
    competency: Mapped[Competency] = relationship()

    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    def __repr__(self) -> str:
        return f"<MentorSkill profile={self.profile_id} competency={self.competency_id} level={self.level}>"


class MentorRequest(db.Model):
    """A person asks for a mentor for a goal."""

    __tablename__ = "mentor_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    goal: Mapped[str] = mapped_column(Text)
    #: a development-plan goal this request serves (plans.devplans; wired without a foreign key here)
    goal_id: Mapped[int | None] = mapped_column(Integer)
    #: a language the mentee prefers to be mentored in (None: any)
    language: Mapped[str | None] = mapped_column(String(5))
    #: the mentor must speak `language` (otherwise sharing it is a bonus)
    is_language_required: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[WorkMode] = mapped_column(string_enum(WorkMode), default=WorkMode.either)
    location: Mapped[str] = mapped_column(String(120), default="")
    #: a mentor from another department is preferred (a fresh view); False: no preference
    prefers_other_department: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[RequestStatus] = mapped_column(string_enum(RequestStatus), default=RequestStatus.open, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    mentee: Mapped[User] = relationship()
    skills: Mapped[list[RequestSkill]] = relationship(back_populates="request", cascade="all, delete-orphan")
    matches: Mapped[list[MentorMatch]] = relationship(back_populates="request", order_by="MentorMatch.id")

    def __repr__(self) -> str:
        return f"<MentorRequest {self.id} mentee={self.mentee_id} {self.status.value}>"


class RequestSkill(db.Model):
    """A competency the mentee wants to grow in."""

    __tablename__ = "mentor_request_skills"

    request_id: Mapped[int] = mapped_column(ForeignKey("mentor_requests.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True)

    request: Mapped[MentorRequest] = relationship(back_populates="skills")
    competency: Mapped[Competency] = relationship()

    def __repr__(self) -> str:
        return f"<RequestSkill request={self.request_id} competency={self.competency_id}>"


class MatchingRun(db.Model):
    """One run of the matching engine over every open request and published mentor."""

    __tablename__ = "mentor_matching_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[RunStatus] = mapped_column(string_enum(RunStatus), default=RunStatus.running)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    n_requests: Mapped[int] = mapped_column(Integer, default=0)
    n_mentors: Mapped[int] = mapped_column(Integer, default=0)
    n_proposals: Mapped[int] = mapped_column(Integer, default=0)
    total_fit: Mapped[float] = mapped_column(Float, default=0.0)
    #: the greedy baseline's total on the same problem, for comparison
    greedy_fit: Mapped[float] = mapped_column(Float, default=0.0)
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)

    started_by: Mapped[User | None] = relationship()
    matches: Mapped[list[MentorMatch]] = relationship(back_populates="run", order_by="(MentorMatch.fit.desc(), MentorMatch.id)")

    def __repr__(self) -> str:
        return f"<MatchingRun {self.id} {self.status.value} proposals={self.n_proposals}>"


class MentorMatch(db.Model):
    """A proposed pairing of a request with a mentor, and what HR and the mentor said about it."""

    __tablename__ = "mentor_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_matching_runs.id", ondelete="SET NULL"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("mentor_requests.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    fit: Mapped[float] = mapped_column(Float)
    #: why they fit: {"competencies": [ids], "different_department": bool, "languages": [...],
    #: "seniority_gap": int, "same_mode": str|None}; worded in the reader's language when shown
    reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[MatchStatus] = mapped_column(string_enum(MatchStatus), default=MatchStatus.proposed, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the mentor's reason when declining (shown to HR)
    response_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    run: Mapped[MatchingRun | None] = relationship(back_populates="matches")
    request: Mapped[MentorRequest] = relationship(back_populates="matches")
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (Index("ix_mentor_matches_mentor_status", "mentor_id", "status"),)

    def __repr__(self) -> str:
        return f"<MentorMatch {self.id} request={self.request_id} mentor={self.mentor_id} {self.status.value}>"


class Mentorship(db.Model):
    """A mentor and a mentee working together: goals, sessions, and an end with feedback from both."""

    __tablename__ = "mentorships"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_requests.id", ondelete="SET NULL"), index=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_matches.id", ondelete="SET NULL"), unique=True)
    #: Markdown: what the two agree to work on
    goals: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MentorshipStatus] = mapped_column(string_enum(MentorshipStatus), default=MentorshipStatus.active,
                                                     index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mentor_rating: Mapped[int | None] = mapped_column(SmallInteger)
    mentor_feedback: Mapped[str] = mapped_column(Text, default="")
    mentee_rating: Mapped[int | None] = mapped_column(SmallInteger)
    mentee_feedback: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])
    request: Mapped[MentorRequest | None] = relationship()
    sessions: Mapped[list[MentoringSession]] = relationship(
        back_populates="mentorship", cascade="all, delete-orphan",
        order_by="(MentoringSession.held_on.desc(), MentoringSession.id.desc())",
    )

    __table_args__ = (
        CheckConstraint("mentor_id <> mentee_id", name="not_own_mentor"),
        CheckConstraint("mentor_rating IS NULL OR mentor_rating BETWEEN 1 AND 5", name="mentor_rating_range"),
        CheckConstraint("mentee_rating IS NULL OR mentee_rating BETWEEN 1 AND 5", name="mentee_rating_range"),
    )

    def __repr__(self) -> str:
        return f"<Mentorship {self.id} mentor={self.mentor_id} mentee={self.mentee_id} {self.status.value}>"

    @property
    def is_active(self) -> bool:
        return self.status == MentorshipStatus.active

    @property
    def ended_badly(self) -> bool:
        """Ended with a low rating from either side: the two are never proposed to each other again."""
        return self.status == MentorshipStatus.ended and any(
            r is not None and r <= BAD_RATING for r in (self.mentor_rating, self.mentee_rating)
        )


class MentoringSession(db.Model):
    """One meeting of a mentorship, logged by either participant."""

    __tablename__ = "mentoring_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    #: Markdown, seen by both participants
    notes: Mapped[str] = mapped_column(Text, default="")
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentorship: Mapped[Mentorship] = relationship(back_populates="sessions")
    logged_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_range"),)

    def __repr__(self) -> str:
        return f"<MentoringSession {self.id} mentorship={self.mentorship_id} {self.held_on}>"
