"""The competency framework: competencies with level descriptions, job roles with required levels,
and assessments of a person's level (by themselves and by their manager).

A job role is keyed by the job title on an employment spell, so a person's role is their current
spell's `job_title`; HR maintains the role catalogue and its required levels.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import Department, User, UTCDateTime, string_enum, utcnow

#: levels run 1 (foundation) to 5 (expert)
MIN_LEVEL, MAX_LEVEL = 1, 5


class AssessmentSource(str, enum.Enum):
    """Who judged a level: the person themselves or their manager."""

    self = "self"
    manager = "manager"


class Competency(db.Model):
    """A skill or behaviour the organisation cares about, with a description per level 1–5."""

    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: groups competencies in the framework ("Leadership", "Technical", "Commercial")
    category: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    levels: Mapped[list[CompetencyLevel]] = relationship(
        back_populates="competency", cascade="all, delete-orphan", order_by="CompetencyLevel.level"
    )

    def level_description(self, level: int) -> str:
        return next((lv.description for lv in self.levels if lv.level == level), "")

    def __repr__(self) -> str:
        return f"<Competency {self.id} {self.name!r}>"


class CompetencyLevel(db.Model):
    """What level N of a competency looks like in practice."""

    __tablename__ = "competency_levels"

    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")

    competency: Mapped[Competency] = relationship(back_populates="levels")

    __table_args__ = (CheckConstraint(f"level BETWEEN {MIN_LEVEL} AND {MAX_LEVEL}", name="level_range"),)


class JobRole(db.Model):
    """A role in the organisation, matched to people by the job title of their current spell."""

    __tablename__ = "job_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    #: the department the role usually sits in (a role may exist in several; this is a hint)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    #: 1 (entry) … 6 (executive); mentor matching prefers a sensible gap between mentor and mentee
    seniority: Mapped[int] = mapped_column(SmallInteger, default=2)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()
    requirements: Mapped[list[RoleRequirement]] = relationship(
        back_populates="role", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("seniority BETWEEN 1 AND 6", name="seniority_range"),)

    def __repr__(self) -> str:
        return f"<JobRole {self.id} {self.title!r}>"


class RoleRequirement(db.Model):
    """The level of a competency a role needs today, and (optionally) in 12–24 months."""

    __tablename__ = "role_requirements"

    role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    #: the level HR expects the role to need in 12–24 months (None: same as today)
    future_level: Mapped[int | None] = mapped_column(SmallInteger)

    role: Mapped[JobRole] = relationship(back_populates="requirements")
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        CheckConstraint(f"level BETWEEN {MIN_LEVEL} AND {MAX_LEVEL}", name="level_range"),
        CheckConstraint(f"future_level IS NULL OR future_level BETWEEN {MIN_LEVEL} AND {MAX_LEVEL}",
                        name="future_level_range"),
        Index("ix_role_requirements_competency_id", "competency_id"),
    )


class CompetencyAssessment(db.Model):
    """One judgement of a person's level in a competency. History is kept: the latest per
    (person, source, competency) is current."""

    __tablename__ = "competency_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"))
    source: Mapped[AssessmentSource] = mapped_column(string_enum(AssessmentSource))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    level: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        CheckConstraint(f"level BETWEEN {MIN_LEVEL} AND {MAX_LEVEL}", name="level_range"),
        Index("ix_competency_assessments_user_latest", "user_id", "competency_id", "source", "assessed_at"),
    )


class CourseCompetency(db.Model):
    """A catalogue course that builds a competency, up to a level: HR links them, and a person's
    gap in the competency suggests the courses that reach beyond their current level."""

    __tablename__ = "course_competencies"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True)
    #: the level a learner who finishes the course can reach (suggested for gaps below it)
    level: Mapped[int] = mapped_column(SmallInteger, default=3)

    course = relationship("Course")
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        CheckConstraint(f"level BETWEEN {MIN_LEVEL} AND {MAX_LEVEL}", name="level_range"),
        Index("ix_course_competencies_competency_id", "competency_id"),
    )

    def __repr__(self) -> str:
        return f"<CourseCompetency course={self.course_id} competency={self.competency_id} L{self.level}>"


class TransitionKind(str, enum.Enum):
    """A career step: up (promotion) or sideways (a lateral move into another field)."""

    promotion = "promotion"
    lateral = "lateral"


class RoleTransition(db.Model):
    """A career path edge: people in `from_role` can move to `to_role`."""

    __tablename__ = "role_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id", ondelete="CASCADE"))
    to_role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TransitionKind] = mapped_column(string_enum(TransitionKind))

    from_role: Mapped[JobRole] = relationship(foreign_keys=[from_role_id])
    to_role: Mapped[JobRole] = relationship(foreign_keys=[to_role_id])

    __table_args__ = (
        UniqueConstraint("from_role_id", "to_role_id", name="uq_role_transitions_pair"),
        CheckConstraint("from_role_id <> to_role_id", name="not_to_itself"),
    )

    def __repr__(self) -> str:
        return f"<RoleTransition {self.from_role_id}->{self.to_role_id} {self.kind.value}>"


class CareerInterest(db.Model):
    """A person says they would like a role one day; their manager and HR see it."""

    __tablename__ = "career_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    role: Mapped[JobRole] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "role_id", name="uq_career_interests_user_role"),)

    def __repr__(self) -> str:
        return f"<CareerInterest user={self.user_id} role={self.role_id}>"
