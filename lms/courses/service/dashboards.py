"""Summaries for dashboards and the team page."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...people.models import EmploymentSpell, User
from ...people.service import is_latest_spell
from ..models import Course, CourseStatus, Enrolment
from .learning import progress_by_enrolment


DUE_SOON_DAYS = 14


def my_enrolments_query(user: User, *, completed: bool) -> Select:
    q = (
        select(Enrolment).join(Enrolment.course)
        .where(Enrolment.user_id == user.id, Course.status == CourseStatus.published)
        .options(joinedload(Enrolment.course))
    )
    if completed:
        return q.where(Enrolment.completed_at.is_not(None)).order_by(Enrolment.completed_at.desc())
    return q.where(Enrolment.completed_at.is_(None)).order_by(
        case((Enrolment.due_on.is_(None), 1), else_=0), Enrolment.due_on, Enrolment.last_visited_at.desc(),
        Enrolment.enrolled_at.desc(),
    )


def learner_summary(user: User, today: date | None = None, limit: int = 5) -> dict:
    """For the dashboard: unfinished courses (due first), how many are due soon or overdue, and
    how many are completed. {"in_progress": [(Enrolment, CourseProgress)], "due_soon": int,
    "overdue": int, "completed": int}"""
    today = today or date.today()
    if user.is_preboarding(today):  # courses open on the first day; until then they stay out of sight
        return {"in_progress": [], "open": 0, "due_soon": 0, "overdue": 0, "completed": 0}
    open_rows = list(db.session.execute(my_enrolments_query(user, completed=False)).scalars())
    progress = progress_by_enrolment(open_rows[:limit])
    completed = db.session.execute(
        select(func.count()).select_from(Enrolment).where(Enrolment.user_id == user.id,
                                                         Enrolment.completed_at.is_not(None))
    ).scalar_one()
    return {
        "in_progress": [(e, progress[e.id]) for e in open_rows[:limit]],
        "open": len(open_rows),
        "due_soon": sum(1 for e in open_rows if e.due_on and today <= e.due_on <= today + timedelta(days=DUE_SOON_DAYS)),
        "overdue": sum(1 for e in open_rows if e.is_overdue(today)),
        "completed": completed,
    }


def team_overdue(manager: User, today: date | None = None, limit: int | None = None) -> list[Enrolment]:
    """Overdue, unfinished enrolments of `manager`'s current reports, most overdue first (the first
    `limit` of them)."""
    today = today or date.today()
    return list(db.session.execute(
        select(Enrolment)
        .join(EmploymentSpell, and_(EmploymentSpell.user_id == Enrolment.user_id, is_latest_spell(EmploymentSpell)))
        .join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(EmploymentSpell.manager_id == manager.id,
               or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today),
               User.is_active.is_(True), Course.status == CourseStatus.published,
               Enrolment.completed_at.is_(None), Enrolment.due_on < today)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.course))
        .order_by(Enrolment.due_on, Enrolment.id)
        .limit(limit)
    ).scalars())


def team_enrolments_query(manager: User) -> Select:
    """Every enrolment of the manager's current reports, for the team's learning page."""
    return (
        select(Enrolment)
        .join(EmploymentSpell, and_(EmploymentSpell.user_id == Enrolment.user_id, is_latest_spell(EmploymentSpell)))
        .join(User, User.id == Enrolment.user_id)
        .where(EmploymentSpell.manager_id == manager.id, User.is_active.is_(True),
               or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= date.today()))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.course))
        .order_by(case((Enrolment.completed_at.is_(None), 0), else_=1), Enrolment.due_on, User.last_name)
    )


