"""Development plans: one per person, goals with a target competency level, and an ordered
playlist of items (catalogue courses and modules, shadowing, stretch tasks, mentoring, reading,
workshops, custom steps) that the person starts and completes with a short reflection."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, UTCDateTime, string_enum, utcnow


class ItemKind(str, enum.Enum):
    """What a playlist item asks the person to do."""

    course = "course"
    module = "module"
    shadowing = "shadowing"
    stretch = "stretch"
    mentoring = "mentoring"
    reading = "reading"
    workshop = "workshop"
    custom = "custom"


class DevelopmentPlan(db.Model):
    """A person's living development plan, shared with their manager (and readable by HR)."""

    __tablename__ = "development_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: the role the person is working towards (their gap to it is shown beside the role's)
    target_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_roles.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    target_role = relationship("JobRole")
    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="(Goal.position, Goal.id)"
    )

    def __repr__(self) -> str:
        return f"<DevelopmentPlan {self.id} user={self.user_id}>"


class Goal(db.Model):
    """Something the person wants to be able to do, with why it matters and a target date."""

    __tablename__ = "plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("development_plans.id", ondelete="CASCADE"))
    #: 1-based, dense order of goals on the plan
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    #: why it matters (to the person, the team, their career)
    why: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    competency_id: Mapped[int | None] = mapped_column(ForeignKey("competencies.id", ondelete="SET NULL"), index=True)
    #: the level of the linked competency the goal aims at (1–5)
    target_level: Mapped[int | None] = mapped_column(SmallInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: what the person says they achieved when closing the goal
    reflection: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="goals")
    competency = relationship("Competency")
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="(PlanItem.position, PlanItem.id)"
    )

    __table_args__ = (
        CheckConstraint("target_level IS NULL OR target_level BETWEEN 1 AND 5", name="target_level_range"),
        Index("ix_plan_goals_plan_position", "plan_id", "position"),
    )

    def __repr__(self) -> str:
        return f"<Goal {self.id} {self.title!r}>"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class PlanItem(db.Model):
    """One step of a goal's playlist."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("plan_goals.id", ondelete="CASCADE"))
    #: 1-based, dense order within the goal
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ItemKind] = mapped_column(string_enum(ItemKind))
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    #: reading, workshop or custom: where to find it
    url: Mapped[str | None] = mapped_column(String(2048))
    #: course and module items: what in the catalogue (completing it there completes the item)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("course_modules.id", ondelete="SET NULL"), index=True)
    #: shadowing and mentoring: the colleague involved
    colleague_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    #: who put it on the playlist (the manager when they suggested it)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a short reflection or evidence written when completing
    reflection: Mapped[str] = mapped_column(Text, default="")

    goal: Mapped[Goal] = relationship(back_populates="items")
    course = relationship("Course")
    module = relationship("CourseModule")
    colleague: Mapped[User | None] = relationship(foreign_keys=[colleague_id])
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])

    __table_args__ = (Index("ix_plan_items_goal_position", "goal_id", "position"),)

    def __repr__(self) -> str:
        return f"<PlanItem {self.id} {self.kind.value} {self.title!r}>"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def is_started(self) -> bool:
        return self.started_at is not None


class PlanComment(db.Model):
    """A note from the person or their manager on the plan (or one goal of it)."""

    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("development_plans.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("plan_goals.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    goal: Mapped[Goal | None] = relationship()

    def __repr__(self) -> str:
        return f"<PlanComment {self.id} plan={self.plan_id}>"
