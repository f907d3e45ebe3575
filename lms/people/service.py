"""People and organisation logic: create and change users, departments and spells.

Functions add and flush; the caller (a view, a CLI command, a task) commits. Each raises
`ValidationError` with the field it concerns, so forms can show the message next to the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask_babel import format_date, lazy_gettext as _l, lazy_ngettext as _nl
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..extensions import db
from .models import Department, EmploymentSpell, EndType, Role, User, UserRole


class ValidationError(ValueError):
    """Input that breaks a domain rule; `field` names the form field it belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()


def create_user(
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: set[Role] | None = None,
    preferred_language: str | None = None,
    employee_number: str | None = None,
    is_mentor: bool = False,
) -> User:
    """Create a person; every person is at least an employee."""
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise ValidationError(_l("A person with this e-mail address already exists."), "email")
    if employee_number and _employee_number_taken(employee_number, None):
        raise ValidationError(_l("This employee number is already in use."), "employee_number")
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        preferred_language=preferred_language or None,
        employee_number=employee_number or None,
        is_mentor=is_mentor,
        is_active=True,
    )
    user.set_roles((roles or set()) | {Role.employee})
    db.session.add(user)
    db.session.flush()
    return user


def _employee_number_taken(number: str, user_id: int | None) -> bool:
    q = select(User.id).where(User.employee_number == number)
    if user_id is not None:
        q = q.where(User.id != user_id)
    return db.session.execute(q).first() is not None


def update_user(
    user: User,
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: set[Role],
    preferred_language: str | None,
    employee_number: str | None,
    is_mentor: bool,
) -> User:
    email = normalise_email(email)
    other = get_user_by_email(email)
    if other is not None and other.id != user.id:
        raise ValidationError(_l("A person with this e-mail address already exists."), "email")
    if employee_number and _employee_number_taken(employee_number, user.id):
        raise ValidationError(_l("This employee number is already in use."), "employee_number")
    if Role.admin in user.roles and Role.admin not in roles:
        _keep_an_admin(user)
    user.email = email
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.preferred_language = preferred_language or None
    user.employee_number = employee_number or None
    user.is_mentor = is_mentor
    user.set_roles(roles | {Role.employee})
    db.session.flush()
    return user


def _keep_an_admin(user: User) -> None:
    """Refuse a change that would leave no active administrator."""
    others = db.session.execute(
        select(func.count()).select_from(User).where(
            User.id != user.id, User.is_active.is_(True), User.role_rows.any(UserRole.role == Role.admin)
        )
    ).scalar_one()
    if not others:
        raise ValidationError(_l("This is the last active administrator; make someone else an administrator first."),
                              "roles")


def set_active(user: User, active: bool) -> None:
    if not active and user.is_active and Role.admin in user.roles:
        _keep_an_admin(user)
    user.is_active = active
    db.session.flush()


# --- departments ---------------------------------------------------------------------------


def create_department(name: str, parent: Department | None) -> Department:
    name = name.strip()
    _check_department_name(name, None)
    dept = Department(name=name, parent=parent, is_active=True)
    db.session.add(dept)
    db.session.flush()
    return dept


def update_department(dept: Department, name: str, parent: Department | None) -> Department:
    name = name.strip()
    _check_department_name(name, dept.id)
    node = parent
    while node is not None:
        if node.id == dept.id:
            raise ValidationError(_l("A department cannot sit inside itself or its own sub-departments."), "parent_id")
        node = node.parent
    dept.name = name
    dept.parent = parent
    db.session.flush()
    return dept


def _check_department_name(name: str, dept_id: int | None) -> None:
    q = select(Department.id).where(func.lower(Department.name) == name.lower())
    if dept_id is not None:
        q = q.where(Department.id != dept_id)
    if db.session.execute(q).first() is not None:
        raise ValidationError(_l("Another department already has this name."), "name")


def set_department_active(dept: Department, active: bool) -> None:
    if not active:
        today = date.today()
        staffed = db.session.execute(
            select(func.count()).select_from(EmploymentSpell).where(
                EmploymentSpell.department_id == dept.id,
                or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today),
            )
        ).scalar_one()
        if staffed:
            raise ValidationError(
                _nl("%(num)d person is employed in this department; move them before deactivating it.",
                    "%(num)d people are employed in this department; move them before deactivating it.", staffed)
            )
        active_children = [c.name for c in dept.children if c.is_active]
        if active_children:
            raise ValidationError(
                _l("Deactivate or move its sub-departments first: %(names)s", names=", ".join(active_children))
            )
    dept.is_active = active
    db.session.flush()


def department_tree() -> list[tuple[Department, int]]:
    """All departments, depth-first, with their depth, for lists and select boxes."""
    depts = db.session.execute(select(Department).order_by(Department.name)).scalars().all()
    by_parent: dict[int | None, list[Department]] = {}
    for d in depts:
        by_parent.setdefault(d.parent_id, []).append(d)
    out: list[tuple[Department, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for d in by_parent.get(parent_id, []):
            out.append((d, depth))
            walk(d.id, depth + 1)

    walk(None, 0)
    return out


# --- employment spells -----------------------------------------------------------------------


@dataclass
class SpellData:
    hire_date: date
    end_date: date | None
    end_type: EndType | None
    is_regretted: bool
    department_id: int
    manager_id: int | None
    job_title: str


def _check_spell(user: User, data: SpellData, spell_id: int | None, current: EmploymentSpell | None = None) -> None:
    if data.end_date is not None and data.end_date < data.hire_date:
        raise ValidationError(_l("The end date cannot be before the start date."), "end_date")
    if data.end_date is None and data.end_type is not None:
        raise ValidationError(_l("Give an end date when you choose how the employment ended."), "end_date")
    if data.end_date is not None and data.end_type is None:
        raise ValidationError(_l("Say whether the leaving was voluntary or involuntary."), "end_type")
    if data.is_regretted and data.end_date is None:
        raise ValidationError(_l("Only a person who has left can be a regretted leaver."), "is_regretted")
    if data.manager_id is not None and data.manager_id == user.id:
        raise ValidationError(_l("A person cannot be their own manager."), "manager_id")
    dept = db.session.get(Department, data.department_id)
    if dept is None:
        raise ValidationError(_l("Choose a department."), "department_id")
    # A deactivated department or manager stays valid on a spell that already has it (so a
    # leaving can still be recorded); only a new choice must be active.
    if not dept.is_active and (current is None or current.department_id != data.department_id):
        raise ValidationError(_l("This department is deactivated."), "department_id")
    if data.manager_id is not None and (current is None or current.manager_id != data.manager_id):
        manager = db.session.get(User, data.manager_id)
        if manager is None or not manager.is_active:
            raise ValidationError(_l("Choose an active person as manager."), "manager_id")
    for other in user.spells:
        if other.id == spell_id:
            continue
        other_end = other.end_date or date.max
        new_end = data.end_date or date.max
        if data.hire_date <= other_end and other.hire_date <= new_end:
            raise ValidationError(
                _l("This overlaps the employment that started %(start)s; employment periods cannot overlap.",
                   start=format_date(other.hire_date)),
                "hire_date",
            )


def add_spell(user: User, data: SpellData) -> EmploymentSpell:
    """Record a (re)hire. A boomerang gets a new spell; earlier ones stay as they were."""
    _check_spell(user, data, None)
    spell = EmploymentSpell(user=user, **data.__dict__)
    db.session.add(spell)
    db.session.flush()
    db.session.refresh(user, ["spells"])
    from ..onboarding.service import assign_onboarding  # local: onboarding builds on people

    assign_onboarding(spell)  # a future starter gets the matching onboarding track
    return spell


def update_spell(spell: EmploymentSpell, data: SpellData) -> EmploymentSpell:
    _check_spell(spell.user, data, spell.id, spell)
    for key, value in data.__dict__.items():
        setattr(spell, key, value)
    db.session.flush()
    from ..onboarding.service import assign_onboarding  # local: onboarding builds on people

    assign_onboarding(spell)  # a new or moved future start date (re)schedules onboarding
    return spell


# --- queries -------------------------------------------------------------------------------


def is_latest_spell(spell=EmploymentSpell):
    """SQL condition: `spell` is its person's latest (no spell of theirs starts later).

    An anti-join on the (user_id, hire_date) unique index: cheap on SQLite and PostgreSQL alike,
    where a window function in an IN () grew with the square of the head-count.
    """
    later = aliased(EmploymentSpell)
    return ~exists().where(later.user_id == spell.user_id, later.hire_date > spell.hire_date)


def people_query(search: str = "", department_id: int | None = None, include_inactive: bool = False) -> Select:
    """Users with their latest spell (outer-joined), filtered; ordered by name."""
    latest = aliased(EmploymentSpell)
    q = (
        select(User, latest)
        .outerjoin(latest, and_(latest.user_id == User.id, is_latest_spell(latest)))
        .options(selectinload(User.role_rows), selectinload(latest.department), selectinload(latest.manager))
        .order_by(User.last_name, User.first_name, User.id)
    )
    if not include_inactive:
        q = q.where(User.is_active.is_(True))
    if search:
        # % and _ are searched for literally, not as wildcards.
        escaped = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        q = q.where(
            or_(
                func.lower(User.first_name + " " + User.last_name).like(like, escape="\\"),
                func.lower(User.email).like(like, escape="\\"),
                func.lower(func.coalesce(User.employee_number, "")).like(like, escape="\\"),
                func.lower(func.coalesce(latest.job_title, "")).like(like, escape="\\"),
            )
        )
    if department_id:
        q = q.where(latest.department_id == department_id)
    return q


def direct_reports(manager: User, on: date | None = None) -> list[tuple[User, EmploymentSpell]]:
    """People whose current or upcoming spell has `manager` as manager."""
    on = on or date.today()
    rows = db.session.execute(
        select(User, EmploymentSpell)
        .join(EmploymentSpell, EmploymentSpell.user_id == User.id)
        .where(
            EmploymentSpell.manager_id == manager.id,
            is_latest_spell(),
            or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= on),
            User.is_active.is_(True),
        )
        .options(selectinload(EmploymentSpell.department))
        .order_by(User.last_name, User.first_name)
    ).all()
    return [(u, s) for u, s in rows]


def team_size(manager: User, on: date | None = None) -> tuple[int, int]:
    """(direct reports, of whom starting after `on`): the counts `direct_reports` would give, in one query."""
    on = on or date.today()
    total, starting = db.session.execute(
        select(func.count(), func.count(case((EmploymentSpell.hire_date > on, 1))))
        .select_from(EmploymentSpell)
        .join(User, User.id == EmploymentSpell.user_id)
        .where(
            EmploymentSpell.manager_id == manager.id,
            is_latest_spell(),
            or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= on),
            User.is_active.is_(True),
        )
    ).one()
    return total, starting


def is_manager_of(manager: User, person: User) -> bool:
    """True while `person` is an active current or future report of `manager` (not a former one)."""
    if not person.is_active:
        return False
    today = date.today()
    return db.session.execute(
        select(EmploymentSpell.id).where(
            EmploymentSpell.user_id == person.id,
            EmploymentSpell.manager_id == manager.id,
            is_latest_spell(),
            or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today),
        )
    ).first() is not None


def managers_choices() -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .where(User.is_active.is_(True), User.role_rows.any(UserRole.role == Role.manager))
            .order_by(User.last_name, User.first_name)
        ).scalars()
    )


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
