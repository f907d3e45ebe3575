"""Enrolment: by the learner, by a manager (with a due date) and by HR rule."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...people.models import Department, EmploymentSpell, Role, User, UserRole
from ...people.service import ValidationError, direct_reports, is_latest_spell
from ..models import Course, CourseStatus, Enrolment, EnrolmentRule, EnrolmentSource
from .events import notify


def find_enrolment(user: User, course: Course) -> Enrolment | None:
    return db.session.execute(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    ).scalar_one_or_none()


def enrol(user: User, course: Course, *, source: str, by: User | None = None, due_on: date | None = None,
          rule: EnrolmentRule | None = None) -> Enrolment:
    """Enrol `user` (idempotent: an existing enrolment is returned, taking an earlier due date)."""
    source_value = EnrolmentSource(source)
    if not course.is_published:
        raise ValidationError(_l("Only published courses take enrolments."))
    if not user.is_active:
        raise ValidationError(_l("%(name)s is deactivated.", name=user.full_name))
    enrolment = find_enrolment(user, course)
    if enrolment is not None:
        if due_on and enrolment.completed_at is None and (enrolment.due_on is None or due_on < enrolment.due_on):
            enrolment.due_on = due_on
        db.session.flush()
        return enrolment
    enrolment = Enrolment(course=course, user=user, source=source_value, enrolled_by_id=by.id if by else None,
                          due_on=due_on, rule_id=rule.id if rule else None)
    db.session.add(enrolment)
    db.session.flush()
    # No statement yet: an HR rule may enrol thousands at once; `launched` marks the real start.
    return enrolment


def assign(manager: User, person: User, course: Course, due_on: date | None) -> Enrolment:
    """A manager (or HR) enrols someone, usually with a due date."""
    if due_on is not None and due_on < date.today():
        raise ValidationError(_l("The due date is in the past."), "due_on")
    source = EnrolmentSource.hr if manager.has_role(Role.hr) and not _is_reports_manager(manager, person) \
        else EnrolmentSource.manager
    enrolment = enrol(person, course, source=source.value, by=manager, due_on=due_on)
    notify(person, "course.assigned", url=f"/courses/{course.id}", actor=manager, course=course.title)
    return enrolment


def _is_reports_manager(manager: User, person: User) -> bool:
    from ...people.service import is_manager_of

    return is_manager_of(manager, person)


def assignable_people(user: User) -> list[User]:
    """Whom `user` may enrol from the course page: their reports (HR uses rules for groups)."""
    return [u for u, _spell in direct_reports(user)]


# --- HR rules ----------------------------------------------------------------------------------


def create_rule(course: Course, by: User, *, department_id: int | None, role: Role | None,
                is_new_hires_only: bool, due_days: int | None) -> EnrolmentRule:
    if not course.is_published:
        raise ValidationError(_l("Publish the course before enrolling people by rule."))
    if due_days is not None and not 1 <= due_days <= 730:
        raise ValidationError(_l("Give between 1 and 730 days."), "due_days")
    rule = EnrolmentRule(course=course, department_id=department_id, role=role, is_new_hires_only=is_new_hires_only,
                         due_days=due_days, created_by_id=by.id, created_on=date.today())
    db.session.add(rule)
    db.session.flush()
    return rule


def deactivate_rule(rule: EnrolmentRule) -> None:
    rule.is_active = False
    db.session.flush()


def _department_and_below(department_id: int) -> list[int]:
    """The department and every department under it (the tree is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in db.session.execute(select(Department.id, Department.parent_id)).all():
        children.setdefault(parent_id, []).append(dept_id)
    found, todo = [], [department_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rule_matches(rule: EnrolmentRule, today: date) -> Select:
    """(User, latest spell) of active people the rule covers who are not enrolled yet."""
    spell = EmploymentSpell
    q = (
        select(User, spell)
        .join(spell, and_(spell.user_id == User.id, is_latest_spell(spell)))
        .where(
            User.is_active.is_(True),
            or_(spell.end_date.is_(None), spell.end_date >= today),
            ~exists().where(Enrolment.course_id == rule.course_id, Enrolment.user_id == User.id),
        )
    )
    if rule.department_id is not None:
        q = q.where(spell.department_id.in_(_department_and_below(rule.department_id)))
    if rule.role is not None:
        q = q.where(User.role_rows.any(UserRole.role == rule.role))
    if rule.is_new_hires_only:
        q = q.where(spell.hire_date >= rule.created_on)
    return q


def apply_rule(rule: EnrolmentRule, today: date | None = None) -> int:
    """Enrol everyone the rule covers who is not enrolled yet; returns how many. Idempotent."""
    today = today or date.today()
    if not rule.is_active or not rule.course.is_published:
        return 0
    n = 0
    for user, spell in db.session.execute(_rule_matches(rule, today)).all():
        due = None
        if rule.due_days:
            due = max(today, spell.hire_date) + timedelta(days=rule.due_days)
        enrol(user, rule.course, source=EnrolmentSource.rule.value, due_on=due, rule=rule)
        n += 1
    return n


def apply_all_rules(today: date | None = None) -> int:
    rules = db.session.execute(
        select(EnrolmentRule).join(EnrolmentRule.course)
        .where(EnrolmentRule.is_active.is_(True), Course.status == CourseStatus.published)
        .options(joinedload(EnrolmentRule.course))
    ).scalars().all()
    return sum(apply_rule(rule, today) for rule in rules)


