"""Current competency levels and gaps to a role. No Flask request objects: callable from tasks,
the matching engine and tests.

A person's current level in a competency is their manager's latest assessment if there is one,
else their own latest self-assessment, else unknown (treated as level 0 for gaps: nobody has
shown it yet).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from lms.extensions import db
from lms.people.models import Department, EmploymentSpell, User, utcnow
from lms.people.service import ValidationError, is_latest_spell

from .models import (
    MAX_LEVEL,
    MIN_LEVEL,
    AssessmentSource,
    CareerInterest,
    Competency,
    CompetencyAssessment,
    CompetencyLevel,
    CourseCompetency,
    JobRole,
    RoleRequirement,
    RoleTransition,
    TransitionKind,
)


def current_levels(user_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """{user_id: {competency_id: level}}: manager's latest judgement wins over the self-assessment."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    latest = (
        select(
            CompetencyAssessment.user_id,
            CompetencyAssessment.competency_id,
            CompetencyAssessment.source,
            func.max(CompetencyAssessment.assessed_at).label("at"),
        )
        .where(CompetencyAssessment.user_id.in_(ids))
        .group_by(CompetencyAssessment.user_id, CompetencyAssessment.competency_id, CompetencyAssessment.source)
        .subquery()
    )
    rows = db.session.execute(
        select(CompetencyAssessment.user_id, CompetencyAssessment.competency_id, CompetencyAssessment.source,
               CompetencyAssessment.level, CompetencyAssessment.id)
        .join(latest, (latest.c.user_id == CompetencyAssessment.user_id)
              & (latest.c.competency_id == CompetencyAssessment.competency_id)
              & (latest.c.source == CompetencyAssessment.source)
              & (latest.c.at == CompetencyAssessment.assessed_at))
        .order_by(CompetencyAssessment.id)  # a tie on the timestamp: the later row wins
    ).all()
    by_source: dict[tuple[int, int], dict[AssessmentSource, int]] = defaultdict(dict)
    for user_id, competency_id, source, level, _id in rows:
        by_source[(user_id, competency_id)][AssessmentSource(source)] = level
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for (user_id, competency_id), levels in by_source.items():
        out[user_id][competency_id] = levels.get(AssessmentSource.manager, levels.get(AssessmentSource.self))
    return dict(out)


def role_of(user: User) -> JobRole | None:
    """The job role matching the title of the person's current spell, if HR has defined it."""
    spell = user.current_spell
    if spell is None:
        return None
    return db.session.execute(select(JobRole).where(JobRole.title == spell.job_title)).scalar_one_or_none()


def requirements(role_ids: Iterable[int], future: bool = False) -> dict[int, dict[int, int]]:
    """{role_id: {competency_id: required level}}; with `future`, the 12–24 month level where set."""
    ids = list(set(role_ids))
    if not ids:
        return {}
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for req in db.session.execute(select(RoleRequirement).where(RoleRequirement.role_id.in_(ids))).scalars():
        out[req.role_id][req.competency_id] = (req.future_level or req.level) if future else req.level
    return dict(out)


def gaps(user_role: dict[int, int | None], future: bool = False) -> dict[int, dict[int, int]]:
    """{user_id: {competency_id: gap}} for each person against a role ({user_id: role_id}); only
    positive gaps are listed. A competency nobody has assessed counts from level 0."""
    levels = current_levels(user_role)
    reqs = requirements([r for r in user_role.values() if r is not None], future=future)
    out: dict[int, dict[int, int]] = {}
    for user_id, role_id in user_role.items():
        mine = levels.get(user_id, {})
        out[user_id] = {
            cid: need - mine.get(cid, 0)
            for cid, need in reqs.get(role_id, {}).items()
            if need - mine.get(cid, 0) > 0
        }
    return out


# --- the framework (HR) ---------------------------------------------------------------------------


def competency_by_name(name: str) -> Competency | None:
    return db.session.execute(
        select(Competency).where(func.lower(Competency.name) == name.strip().lower())
    ).scalar_one_or_none()


def get_or_create_competency(name: str, category: str = "", description: str = "") -> Competency:
    """By name (case-insensitive): other modules' demos share competencies this way."""
    comp = competency_by_name(name)
    if comp is None:
        comp = Competency(name=name.strip(), category=category, description=description)
        db.session.add(comp)
        db.session.flush()
    return comp


def save_competency(comp: Competency | None, name: str, category: str, description: str,
                    levels: dict[int, str], is_active: bool = True) -> Competency:
    """Create or change a competency and its level descriptions; names are unique."""
    name = name.strip()
    if not name:
        raise ValidationError(_l("Give the competency a name."), "name")
    other = competency_by_name(name)
    if other is not None and (comp is None or other.id != comp.id):
        raise ValidationError(_l("A competency with this name exists already."), "name")
    if comp is None:
        comp = Competency()
        db.session.add(comp)
    comp.name, comp.category, comp.description, comp.is_active = name, category.strip(), description.strip(), is_active
    have = {lv.level: lv for lv in comp.levels}
    for level in range(MIN_LEVEL, MAX_LEVEL + 1):
        text = (levels.get(level) or "").strip()
        if level in have:
            have[level].description = text
        else:
            comp.levels.append(CompetencyLevel(level=level, description=text))
    db.session.flush()
    return comp


def framework() -> list[Competency]:
    """Every competency by category and name, with its levels."""
    return list(db.session.execute(
        select(Competency).options(selectinload(Competency.levels)).order_by(Competency.category, Competency.name)
    ).scalars())


def active_competencies() -> list[Competency]:
    return [c for c in framework() if c.is_active]


def save_role(role: JobRole | None, title: str, description: str, department_id: int | None,
              seniority: int) -> JobRole:
    title = title.strip()
    if not title:
        raise ValidationError(_l("Give the role a title."), "title")
    other = db.session.execute(select(JobRole).where(func.lower(JobRole.title) == title.lower())).scalar_one_or_none()
    if other is not None and (role is None or other.id != role.id):
        raise ValidationError(_l("A role with this title exists already."), "title")
    if not 1 <= seniority <= 6:
        raise ValidationError(_l("Seniority runs from 1 to 6."), "seniority")
    if role is None:
        role = JobRole()
        db.session.add(role)
    role.title, role.description, role.department_id, role.seniority = title, description.strip(), department_id, seniority
    db.session.flush()
    return role


def set_requirements(role: JobRole, wanted: dict[int, tuple[int | None, int | None]]) -> None:
    """{competency_id: (level or None to drop, future level or None)} replaces the role's profile."""
    have = {r.competency_id: r for r in role.requirements}
    for cid, (level, future) in wanted.items():
        if level is None:
            if cid in have:
                role.requirements.remove(have[cid])
            continue
        if not MIN_LEVEL <= level <= MAX_LEVEL or (future is not None and not MIN_LEVEL <= future <= MAX_LEVEL):
            raise ValidationError(_l("Levels run from 1 to 5."))
        if cid in have:
            have[cid].level, have[cid].future_level = level, future
        else:
            role.requirements.append(RoleRequirement(competency_id=cid, level=level, future_level=future))
    db.session.flush()


def link_course(course_id: int, competency: Competency, level: int) -> CourseCompetency:
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        raise ValidationError(_l("Levels run from 1 to 5."), "level")
    link = db.session.get(CourseCompetency, (course_id, competency.id))
    if link is None:
        link = CourseCompetency(course_id=course_id, competency_id=competency.id, level=level)
        db.session.add(link)
    link.level = level
    db.session.flush()
    return link


def add_transition(from_role: JobRole, to_role: JobRole, kind: TransitionKind) -> RoleTransition:
    if from_role.id == to_role.id:
        raise ValidationError(_l("A role cannot lead to itself."), "to_role_id")
    existing = db.session.execute(select(RoleTransition).where(
        RoleTransition.from_role_id == from_role.id, RoleTransition.to_role_id == to_role.id)).scalar_one_or_none()
    if existing is not None:
        existing.kind = kind
        db.session.flush()
        return existing
    transition = RoleTransition(from_role_id=from_role.id, to_role_id=to_role.id, kind=kind)
    db.session.add(transition)
    db.session.flush()
    return transition


# --- assessments ---------------------------------------------------------------------------------


def assess(person: User, competency: Competency, level: int, source: AssessmentSource, assessor: User,
           note: str = "") -> CompetencyAssessment | None:
    """Record a judgement; an unchanged level from the same source adds no history row (None)."""
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        raise ValidationError(_l("Levels run from 1 to 5."))
    latest = db.session.execute(
        select(CompetencyAssessment).where(CompetencyAssessment.user_id == person.id,
                                           CompetencyAssessment.competency_id == competency.id,
                                           CompetencyAssessment.source == source)
        .order_by(CompetencyAssessment.assessed_at.desc(), CompetencyAssessment.id.desc()).limit(1)
    ).scalar_one_or_none()
    if latest is not None and latest.level == level and not note.strip():
        return None
    row = CompetencyAssessment(user_id=person.id, competency_id=competency.id, source=source,
                               assessor_id=assessor.id, level=level, note=note.strip(), assessed_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def levels_by_source(user: User) -> dict[int, dict[AssessmentSource, int]]:
    """{competency_id: {source: latest level}} for one person (their page shows both views)."""
    rows = db.session.execute(
        select(CompetencyAssessment).where(CompetencyAssessment.user_id == user.id)
        .order_by(CompetencyAssessment.assessed_at, CompetencyAssessment.id)
    ).scalars()
    out: dict[int, dict[AssessmentSource, int]] = defaultdict(dict)
    for row in rows:
        out[row.competency_id][AssessmentSource(row.source)] = row.level
    return dict(out)


# --- a person's gaps and what to learn ------------------------------------------------------------


@dataclass
class GapRow:
    competency: Competency
    current: int  #: 0 when nobody has assessed it
    required: int
    future: int
    courses: list = field(default_factory=list)

    @property
    def gap(self) -> int:
        return max(0, self.required - self.current)

    @property
    def future_gap(self) -> int:
        return max(0, self.future - self.current)


def gap_rows(user: User, role: JobRole | None, with_courses: bool = True) -> list[GapRow]:
    """Every competency the role requires, the person's level and gap, biggest gap first."""
    if role is None:
        return []
    reqs = db.session.execute(
        select(RoleRequirement).where(RoleRequirement.role_id == role.id)
        .options(joinedload(RoleRequirement.competency))
    ).scalars().all()
    mine = current_levels([user.id]).get(user.id, {})
    rows = [GapRow(r.competency, mine.get(r.competency_id, 0), r.level, r.future_level or r.level) for r in reqs]
    rows.sort(key=lambda r: (-r.gap, -r.future_gap, r.competency.name))
    if with_courses:
        suggestions = suggest_courses(user, {r.competency.id: r.current for r in rows if r.gap or r.future_gap})
        for row in rows:
            row.courses = suggestions.get(row.competency.id, [])
    return rows


def suggest_courses(user: User, current: dict[int, int], per_competency: int = 3) -> dict[int, list]:
    """{competency_id: [Course]} to close gaps: published courses HR linked to the competency at a
    level above the person's current one (explicit links: a course's category says little about the
    level it teaches). Courses the person has completed are left out."""
    from lms.courses.models import Course, CourseStatus, Enrolment

    if not current:
        return {}
    done = set(db.session.execute(select(Enrolment.course_id).where(
        Enrolment.user_id == user.id, Enrolment.completed_at.is_not(None))).scalars())
    rows = db.session.execute(
        select(CourseCompetency, Course).join(Course, Course.id == CourseCompetency.course_id)
        .where(CourseCompetency.competency_id.in_(list(current)), Course.status == CourseStatus.published)
        .order_by(CourseCompetency.level, Course.title)
    ).all()
    out: dict[int, list] = defaultdict(list)
    for link, course in rows:
        if course.id in done or link.level <= current[link.competency_id]:
            continue
        if len(out[link.competency_id]) < per_competency:
            out[link.competency_id].append(course)
    return dict(out)


# --- career paths ------------------------------------------------------------------------------


@dataclass
class CareerOption:
    transition: RoleTransition
    gaps: list[GapRow]
    is_interested: bool

    @property
    def total_gap(self) -> int:
        return sum(r.gap for r in self.gaps)


def career_options(user: User) -> list[CareerOption]:
    """The roles a person's role leads to (promotions first), with their gap to each."""
    role = role_of(user)
    if role is None:
        return []
    transitions = db.session.execute(
        select(RoleTransition).where(RoleTransition.from_role_id == role.id)
        .options(joinedload(RoleTransition.to_role)).order_by(RoleTransition.kind.desc())
    ).scalars().all()
    interested = set(db.session.execute(
        select(CareerInterest.role_id).where(CareerInterest.user_id == user.id)).scalars())
    out = [CareerOption(t, gap_rows(user, t.to_role, with_courses=False), t.to_role_id in interested)
           for t in transitions]
    out.sort(key=lambda o: (o.transition.kind != TransitionKind.promotion, o.total_gap, o.transition.to_role.title))
    return out


def set_interest(user: User, role: JobRole, interested: bool, note: str = "") -> None:
    row = db.session.execute(select(CareerInterest).where(
        CareerInterest.user_id == user.id, CareerInterest.role_id == role.id)).scalar_one_or_none()
    if interested and row is None:
        db.session.add(CareerInterest(user_id=user.id, role_id=role.id, note=note.strip()[:1000]))
    elif not interested and row is not None:
        db.session.delete(row)
    db.session.flush()


def interests_of(user_ids: list[int]) -> dict[int, list[CareerInterest]]:
    """{user_id: interests} (a manager's team page, HR's candidate list)."""
    if not user_ids:
        return {}
    out: dict[int, list[CareerInterest]] = defaultdict(list)
    for row in db.session.execute(
        select(CareerInterest).where(CareerInterest.user_id.in_(user_ids)).options(joinedload(CareerInterest.role))
        .order_by(CareerInterest.created_at)
    ).scalars():
        out[row.user_id].append(row)
    return dict(out)


def current_staff(today: date | None = None) -> list[tuple[User, EmploymentSpell]]:
    """Active people on their latest, open spell that has started by `today` (one query)."""
    today = today or date.today()
    return list(db.session.execute(
        select(User, EmploymentSpell).join(EmploymentSpell, EmploymentSpell.user_id == User.id)
        .where(User.is_active.is_(True), is_latest_spell(), EmploymentSpell.hire_date <= today,
               (EmploymentSpell.end_date.is_(None)) | (EmploymentSpell.end_date >= today))
        .options(selectinload(EmploymentSpell.department))
        .order_by(User.last_name, User.first_name)
    ).tuples())


@dataclass
class Candidate:
    user: User
    spell: EmploymentSpell
    total_gap: int
    missing: int  #: competencies with a gap
    is_interested: bool
    note: str = ""


def candidates_for(role: JobRole, limit: int = 20) -> list[Candidate]:
    """Internal candidates for a role: everyone who said they are interested, then the people with
    the smallest total gap to its profile (not those already in it)."""
    staff = [(u, s) for u, s in current_staff() if s.job_title != role.title]
    by_id = {u.id: (u, s) for u, s in staff}
    gap_map = gaps({u.id: role.id for u, _s in staff})
    interest = {row.user_id: row for row in db.session.execute(
        select(CareerInterest).where(CareerInterest.role_id == role.id)).scalars()}
    out = []
    for uid, (user, spell) in by_id.items():
        g = gap_map.get(uid, {})
        row = interest.get(uid)
        out.append(Candidate(user, spell, sum(g.values()), len(g), row is not None, row.note if row else ""))
    out.sort(key=lambda c: (not c.is_interested, c.total_gap, c.user.last_name))
    interested = [c for c in out if c.is_interested]
    others = [c for c in out if not c.is_interested][:max(0, limit - len(interested))]
    return interested + others


# --- HR: heatmap and the 12–24 month forecast ------------------------------------------------------


@dataclass
class HeatCell:
    people: int = 0  #: people whose role requires the competency
    short: int = 0  #: of them, people below the required level
    gap_sum: int = 0

    @property
    def mean_gap(self) -> float:
        return self.gap_sum / self.people if self.people else 0.0

    @property
    def band(self) -> int:
        """0 (no gap) … 4 (two levels or more on average), for the cell's colour."""
        g = self.mean_gap
        return 0 if g == 0 else 1 if g < 0.5 else 2 if g < 1 else 3 if g < 2 else 4


@dataclass
class Heatmap:
    competencies: list[Competency]
    groups: list[tuple[str, int]]  #: (label, head-count with a defined role)
    cells: dict[tuple[int, int], HeatCell]  #: (group index, competency id)


def gap_heatmap(by: str = "department", future: bool = False) -> Heatmap:
    """Average gap to the role per group (department, or team: a manager's reports) and competency.
    HR only: with small groups a cell can reveal one person's level."""
    staff = current_staff()
    roles = {r.title: r.id for r in db.session.execute(select(JobRole)).scalars()}
    user_role = {u.id: roles.get(s.job_title) for u, s in staff}
    gap_map = gaps(user_role, future=future)
    reqs = requirements([r for r in user_role.values() if r], future=future)
    labels: dict[object, str] = {}
    members: dict[object, list[int]] = defaultdict(list)
    managers = {}
    if by == "team":
        ids = {s.manager_id for _u, s in staff if s.manager_id}
        managers = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    for user, spell in staff:
        if user_role[user.id] is None:
            continue
        if by == "team":
            if spell.manager_id is None:
                continue
            key, label = spell.manager_id, str(_l("Team of %(name)s", name=managers[spell.manager_id].full_name))
        else:
            key, label = spell.department_id, spell.department.name
        labels[key] = label
        members[key].append(user.id)
    keys = sorted(labels, key=lambda k: labels[k])
    comp_ids: set[int] = set()
    cells: dict[tuple[int, int], HeatCell] = {}
    for gi, key in enumerate(keys):
        for uid in members[key]:
            for cid in reqs.get(user_role[uid], {}):
                comp_ids.add(cid)
                cell = cells.setdefault((gi, cid), HeatCell())
                cell.people += 1
                g = gap_map.get(uid, {}).get(cid, 0)
                cell.gap_sum += g
                cell.short += 1 if g > 0 else 0
    comps = [c for c in framework() if c.id in comp_ids]
    return Heatmap(comps, [(labels[k], len(members[k])) for k in keys], cells)


@dataclass
class ForecastRow:
    competency: Competency
    needed_now: int  #: people whose role needs it today
    meeting_now: int
    needed_future: int  #: people whose role will need it in 12–24 months
    meeting_future: int  #: people already at the future level
    raised_roles: int  #: roles whose future level is above today's

    @property
    def shortfall(self) -> int:
        return self.needed_future - self.meeting_future


def future_forecast() -> list[ForecastRow]:
    """Per competency: how many people the organisation's roles will need at the 12–24 month level
    against how many are at it today; biggest shortfall first."""
    staff = current_staff()
    roles = {r.title: r.id for r in db.session.execute(select(JobRole)).scalars()}
    user_role = {u.id: roles.get(s.job_title) for u, s in staff if roles.get(s.job_title)}
    levels = current_levels(user_role)
    now = requirements(user_role.values())
    later = requirements(user_role.values(), future=True)
    raised: dict[int, int] = defaultdict(int)
    for role_id, needs in later.items():
        for cid, level in needs.items():
            if level > now.get(role_id, {}).get(cid, 0):
                raised[cid] += 1
    stats: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for uid, role_id in user_role.items():
        mine = levels.get(uid, {})
        for cid, level in now.get(role_id, {}).items():
            stats[cid][0] += 1
            stats[cid][1] += 1 if mine.get(cid, 0) >= level else 0
        for cid, level in later.get(role_id, {}).items():
            stats[cid][2] += 1
            stats[cid][3] += 1 if mine.get(cid, 0) >= level else 0
    comps = {c.id: c for c in framework()}
    rows = [ForecastRow(comps[cid], *s, raised_roles=raised.get(cid, 0)) for cid, s in stats.items() if cid in comps]
    rows.sort(key=lambda r: (-r.shortfall, r.competency.name))
    return rows


def department_choices() -> list[Department]:
    return list(db.session.execute(select(Department).where(Department.is_active.is_(True)).order_by(Department.name)).scalars())
