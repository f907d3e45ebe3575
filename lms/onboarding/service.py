"""Onboarding logic: match a track, build a plan with tasks, cohort, buddy proposal and check-ins;
complete tasks, answer check-ins, remind about overdue tasks, and summaries for dashboards.

Functions add and flush; the caller (a view, a CLI command, a task) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from flask import current_app
from flask_babel import format_date, gettext as _, lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from tincan import Activity, Context, ContextActivities, Extensions, Result, Score

from xapi.emitter import record
from xapi.vocabulary import ActivityType, Extension, Verb

from ..extensions import db
from ..forums.permissions import register_scope
from ..forums.service import create_forum, forum_for
from ..notifications.service import notify, register_kind
from ..people.models import Department, EmploymentSpell, Role, User, UserRole, utcnow
from ..people.service import ValidationError, is_latest_spell
from . import permissions
from .models import (
    ONBOARDING_DAYS,
    BuddyStatus,
    CheckIn,
    Cohort,
    OnboardingPlan,
    OnboardingTrack,
    Owner,
    Phase,
    PlanTask,
    TrackPage,
    TrackTask,
)

#: days after the start date at which the new hire is asked how it is going
CHECKIN_DAYS = (30, 60, 90)
#: a buddy has worked here at least this long
BUDDY_MIN_TENURE_DAYS = 183
#: the cohort forum's kind in lms.forums
COHORT_FORUM_KIND = "cohort"

register_kind("onboarding.task_overdue", _l("Overdue onboarding task for %(new_hire)s: “%(task)s”"))
register_kind("onboarding.checkin", _l("How is your start going? Tell us in the day %(day)s check-in."))
register_kind("onboarding.buddy_proposed", _l("%(new_hire)s starts on %(date)s: please confirm their buddy."))
register_kind("onboarding.checkin_answered",
              _l("%(actor)s answered the day %(day)s check-in: %(rating)s of 5"))
register_kind("onboarding.buddy_confirmed", _l("You are the onboarding buddy of %(new_hire)s."))


def _path(endpoint: str, anchor: str = "", **values) -> str:
    """A link for a notification, built without a request (Celery tasks and the CLI have none)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return f"{path}#{anchor}" if anchor else path


# --- IRIs for statements ---------------------------------------------------------------------


def plan_iri(plan: OnboardingPlan) -> str:
    return f"{current_app.config['BASE_URL']}/onboarding/plans/{plan.id}"


def task_iri(task: PlanTask) -> str:
    return f"{plan_iri(task.plan)}/tasks/{task.id}"


def checkin_iri(checkin: CheckIn) -> str:
    return f"{plan_iri(checkin.plan)}/checkins/{checkin.day}"


# --- tracks ----------------------------------------------------------------------------------


@dataclass
class TrackData:
    name: str
    description: str
    department_id: int | None
    job_title: str | None
    is_active: bool


def save_track(track: OnboardingTrack | None, data: TrackData) -> OnboardingTrack:
    """Create or update a track; two active tracks may not target the same department and title."""
    title = (data.job_title or "").strip() or None
    if data.department_id is not None and db.session.get(Department, data.department_id) is None:
        raise ValidationError(_l("Choose a department."), "department_id")
    if data.is_active:
        clash = select(OnboardingTrack.id).where(
            OnboardingTrack.is_active.is_(True),
            OnboardingTrack.department_id.is_(None) if data.department_id is None
            else OnboardingTrack.department_id == data.department_id,
            OnboardingTrack.job_title.is_(None) if title is None
            else func.lower(OnboardingTrack.job_title) == title.lower(),
        )
        if track is not None and track.id is not None:
            clash = clash.where(OnboardingTrack.id != track.id)
        if db.session.execute(clash).first() is not None:
            raise ValidationError(
                _l("Another active track already covers this department and job title."), "job_title"
            )
    if track is None:
        track = OnboardingTrack()
        db.session.add(track)
    track.name = data.name.strip()
    track.description = data.description or ""
    track.department_id = data.department_id
    track.job_title = title
    track.is_active = data.is_active
    db.session.flush()
    return track


PHASE_OFFSETS = {
    Phase.preboarding: (-120, -1),
    Phase.week1: (0, 6),
    Phase.day30: (7, 30),
    Phase.day60: (31, 60),
    Phase.day90: (61, 90),
}


def check_task_offset(phase: Phase, offset: int) -> None:
    """A task's due day must fall inside its phase (pre-boarding before day one, week 1 in days 0–6, ...)."""
    low, high = PHASE_OFFSETS[phase]
    if not low <= offset <= high:
        raise ValidationError(
            _l("For this phase the due day must be between %(low)d and %(high)d.", low=low, high=high),
            "due_offset_days",
        )


def save_track_task(task: TrackTask, **values) -> TrackTask:
    check_task_offset(values["phase"], values["due_offset_days"])
    for key, value in values.items():
        setattr(task, key, value)
    db.session.add(task)
    db.session.flush()
    return task


def save_track_page(page: TrackPage, **values) -> TrackPage:
    url = (values.get("video_url") or "").strip() or None
    if url is not None and not url.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Give a link that starts with https://."), "video_url")
    values["video_url"] = url
    for key, value in values.items():
        setattr(page, key, value)
    db.session.add(page)
    db.session.flush()
    return page


def _department_chain(department_id: int) -> list[int]:
    """The department and its ancestors, nearest first (one query for the whole tree)."""
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    chain, node = [], department_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def match_track(spell: EmploymentSpell) -> OnboardingTrack | None:
    """The most specific active track for the spell.

    Order: the department (or its nearest ancestor) with the job title, that department for every
    title, any department with the job title, then the default track (neither set).
    """
    chain = _department_chain(spell.department_id)
    title = (spell.job_title or "").strip().lower()
    candidates = db.session.execute(
        select(OnboardingTrack).where(
            OnboardingTrack.is_active.is_(True),
            or_(OnboardingTrack.department_id.is_(None), OnboardingTrack.department_id.in_(chain)),
            or_(OnboardingTrack.job_title.is_(None), func.lower(OnboardingTrack.job_title) == title),
        )
    ).scalars().all()

    def rank(track: OnboardingTrack) -> tuple[int, int, int]:
        depth = chain.index(track.department_id) if track.department_id is not None else len(chain)
        return (depth, 0 if track.job_title is not None else 1, track.id)

    return min(candidates, key=rank, default=None)


# --- assignment ------------------------------------------------------------------------------


def cohort_start(day: date) -> date:
    """Cohorts are calendar months: a month gathers enough starters to talk, a week rarely does."""
    return day.replace(day=1)


def get_or_create_cohort(start: date) -> Cohort:
    first = cohort_start(start)
    cohort = db.session.execute(select(Cohort).where(Cohort.starts_on == first)).scalar_one_or_none()
    if cohort is None:
        # A savepoint, so a concurrent creator's row is found instead of failing the request.
        try:
            with db.session.begin_nested():
                cohort = Cohort(starts_on=first)
                db.session.add(cohort)
        except IntegrityError:
            cohort = db.session.execute(select(Cohort).where(Cohort.starts_on == first)).scalar_one()
    ensure_cohort_forum(cohort)
    return cohort


def cohort_title(cohort: Cohort) -> str:
    """E.g. "Starters of December 2026", in the current language."""
    return _("Starters of %(month)s", month=format_date(cohort.starts_on, "MMMM y"))


def _cohort_forum_description() -> str:
    return _("Say hello to the people who start around the same time as you.")


def _describe_cohort_forum(cohort_id: int | None) -> tuple[str, str] | None:
    """A cohort forum's title and description in the reader's language."""
    cohort = db.session.get(Cohort, cohort_id) if cohort_id is not None else None
    return (cohort_title(cohort), _cohort_forum_description()) if cohort else None


def ensure_cohort_forum(cohort: Cohort):
    """The cohort's forum, created once (lms.forums owns forums; it looks them up by kind and id)."""
    forum = forum_for(COHORT_FORUM_KIND, cohort.id)
    if forum is None:
        forum = create_forum(
            COHORT_FORUM_KIND, title=cohort_title(cohort), scope_id=cohort.id,
            description=_cohort_forum_description(),
        )
    return forum


def cohort_forum(cohort: Cohort):
    return forum_for(COHORT_FORUM_KIND, cohort.id)


def _active_buddy_counts():
    """Subquery: open buddy assignments per buddy (plans not yet past day 90)."""
    today = date.today()
    return (
        select(OnboardingPlan.buddy_id.label("buddy_id"), func.count().label("n"))
        .where(OnboardingPlan.buddy_id.is_not(None),
               OnboardingPlan.starts_on >= today - timedelta(days=ONBOARDING_DAYS))
        .group_by(OnboardingPlan.buddy_id)
        .subquery()
    )


def buddy_candidates(spell: EmploymentSpell, today: date | None = None, limit: int | None = None) -> list[User]:
    """Colleagues in the same department, here at least six months, not the new hire nor their
    manager, active; fewest current buddy assignments first, then longest tenure."""
    today = today or date.today()
    counts = _active_buddy_counts()
    q = (
        select(User)
        .join(EmploymentSpell, EmploymentSpell.user_id == User.id)
        .outerjoin(counts, counts.c.buddy_id == User.id)
        .where(
            EmploymentSpell.department_id == spell.department_id,
            is_latest_spell(),
            EmploymentSpell.hire_date <= today - timedelta(days=BUDDY_MIN_TENURE_DAYS),
            or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today),
            User.is_active.is_(True),
            User.id != spell.user_id,
        )
        .order_by(func.coalesce(counts.c.n, 0), EmploymentSpell.hire_date, User.id)
    )
    if spell.manager_id is not None:
        q = q.where(User.id != spell.manager_id)
    if limit:
        q = q.limit(limit)
    return list(db.session.execute(q).scalars())


#: a module that proposes buddies its own way (plans.mentoring's matching engine); lms never imports it
_buddy_proposer: Callable[[EmploymentSpell, date], User | None] | None = None


def register_buddy_proposer(func: Callable[[EmploymentSpell, date], User | None] | None) -> None:
    """Let `func(spell, today)` choose the proposed buddy (None restores the built-in query)."""
    global _buddy_proposer
    _buddy_proposer = func


def propose_buddy(spell: EmploymentSpell, today: date | None = None) -> User | None:
    """The registered proposer's choice, else the colleague `buddy_candidates` lists first."""
    today = today or date.today()
    if _buddy_proposer is not None:
        return _buddy_proposer(spell, today)
    found = buddy_candidates(spell, today, limit=1)
    return found[0] if found else None


def assign_onboarding(spell: EmploymentSpell, today: date | None = None) -> OnboardingPlan | None:
    """Give a future starter the matching track as a plan. Idempotent: a spell has at most one plan.

    Returns None when the spell is not a future start or no active track matches.
    """
    today = today or date.today()
    existing = db.session.execute(
        select(OnboardingPlan).where(OnboardingPlan.spell_id == spell.id)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.starts_on != spell.hire_date and spell.hire_date > today:
            reschedule(existing, spell.hire_date)
        return existing
    if spell.hire_date <= today or spell.end_date is not None:
        return None
    track = match_track(spell)
    if track is None:
        return None
    cohort = get_or_create_cohort(spell.hire_date)
    buddy = propose_buddy(spell, today)
    # Everything is read before the plan exists, so no autoflush meets a half-built plan.
    tasks = [
        PlanTask(
            track_task_id=t.id, phase=t.phase, area=t.area, owner=t.owner, title=t.title,
            description=t.description, due_on=spell.hire_date + timedelta(days=t.due_offset_days),
            position=t.position,
        )
        for t in track.tasks
    ]
    plan = OnboardingPlan(
        user_id=spell.user_id, spell_id=spell.id, track=track, starts_on=spell.hire_date, cohort=cohort,
        buddy_id=buddy.id if buddy else None, buddy_status=BuddyStatus.proposed if buddy else None, tasks=tasks,
        checkins=[CheckIn(day=d, due_on=spell.hire_date + timedelta(days=d)) for d in CHECKIN_DAYS],
    )
    db.session.add(plan)
    db.session.flush()
    if spell.manager is not None and buddy is not None:
        notify(spell.manager, "onboarding.buddy_proposed", url=_path("onboarding.plan_detail", plan_id=plan.id),
               new_hire=spell.user.full_name, date=spell.hire_date)
    return plan


def reschedule(plan: OnboardingPlan, new_start: date) -> OnboardingPlan:
    """The start date moved before day one: open tasks and check-ins move with it, and the cohort follows."""
    shift = new_start - plan.starts_on
    for task in plan.tasks:
        if task.completed_at is None:
            task.due_on += shift
    for checkin in plan.checkins:
        checkin.due_on = new_start + timedelta(days=checkin.day)
    plan.starts_on = new_start
    if cohort_start(new_start) != plan.cohort.starts_on:
        plan.cohort = get_or_create_cohort(new_start)
    db.session.flush()
    return plan


def assign_upcoming(today: date | None = None) -> int:
    """Assign onboarding to every future starter who has none yet (the CLI and HR button)."""
    today = today or date.today()
    spells = db.session.execute(
        select(EmploymentSpell)
        .join(User, User.id == EmploymentSpell.user_id)
        .outerjoin(OnboardingPlan, OnboardingPlan.spell_id == EmploymentSpell.id)
        .where(EmploymentSpell.hire_date > today, EmploymentSpell.end_date.is_(None),
               OnboardingPlan.id.is_(None), User.is_active.is_(True))
        .options(joinedload(EmploymentSpell.user), joinedload(EmploymentSpell.manager))
        .order_by(EmploymentSpell.hire_date, EmploymentSpell.id)
    ).scalars().all()
    return sum(1 for spell in spells if assign_onboarding(spell, today) is not None)


def set_buddy(plan: OnboardingPlan, buddy: User, by: User) -> OnboardingPlan:
    """The manager or HR confirms the proposal or chooses another colleague."""
    if buddy.id == plan.user_id:
        raise ValidationError(_l("A new hire cannot be their own buddy."), "buddy_id")
    if not buddy.is_active:
        raise ValidationError(_l("Choose an active colleague."), "buddy_id")
    if plan.buddy is not buddy or plan.buddy_status != BuddyStatus.confirmed:
        plan.buddy = buddy  # the relationship, not the id: a loaded `plan.buddy` must not go stale
        plan.buddy_status = BuddyStatus.confirmed
        plan.buddy_confirmed_by = by
        plan.buddy_confirmed_at = utcnow()
        db.session.flush()
        notify(buddy, "onboarding.buddy_confirmed", url=_path("onboarding.plan_detail", plan_id=plan.id),
               actor=by, new_hire=plan.user.full_name)
    return plan


# --- doing the work --------------------------------------------------------------------------


def complete_task(task: PlanTask, by: User) -> PlanTask:
    """Mark a task done and record `completed` (activity: the task, parent: the plan) with it."""
    if task.completed_at is not None:
        return task
    task.completed_at = utcnow()
    task.completed_by = by
    db.session.flush()
    record(
        by, Verb.COMPLETED, task_iri(task), activity_name=task.title, activity_type=ActivityType.CHECKLIST_ITEM,
        context=Context(context_activities=ContextActivities(
            parent=[Activity(id=plan_iri(task.plan))]
        )),
    )
    _record_plan_completed(task.plan)
    return task


def _record_plan_completed(plan: OnboardingPlan) -> None:
    """The last open task done: the new hire `completed` the plan (a checklist), with the day
    since the start date as a context extension (gamification's "onboarding by day 90")."""
    if any(t.completed_at is None for t in plan.tasks):
        return
    record(
        plan.user, Verb.COMPLETED, plan_iri(plan), activity_name="Onboarding", activity_type=ActivityType.CHECKLIST,
        result=Result(completion=True),
        context=Context(extensions=Extensions({Extension.ONBOARDING_DAY: (utcnow().date() - plan.starts_on).days})),
    )


def reopen_task(task: PlanTask) -> PlanTask:
    """Undo a completion by mistake (the statement stays: the LRS is append-only)."""
    task.completed_at = None
    task.completed_by = None
    db.session.flush()
    return task


def answer_checkin(checkin: CheckIn, rating: int, comment: str) -> CheckIn:
    """Store the answer and record `answered` on the check-in (a survey) with the rating as score."""
    if checkin.answered_at is not None:
        raise ValidationError(_l("This check-in is already answered."))
    if not 1 <= rating <= 5:
        raise ValidationError(_l("Choose a number from 1 to 5."), "rating")
    checkin.rating = rating
    checkin.comment = (comment or "").strip()
    checkin.answered_at = utcnow()
    db.session.flush()
    record(
        checkin.plan.user, Verb.ANSWERED, checkin_iri(checkin),
        activity_name=f"Onboarding check-in, day {checkin.day}", activity_type=ActivityType.CHECKIN,
        result=Result(response=checkin.comment or None, score=Score(raw=rating, min=1, max=5),
                      completion=True),
        context=Context(context_activities=ContextActivities(parent=[Activity(id=plan_iri(checkin.plan))])),
    )
    manager = checkin.plan.spell.manager
    if manager is not None:
        notify(manager, "onboarding.checkin_answered", actor=checkin.plan.user,
               url=_path("onboarding.plan_detail", anchor="checkins", plan_id=checkin.plan_id),
               day=checkin.day, rating=rating)
    return checkin


# --- periodic work ---------------------------------------------------------------------------


def _staff_with_role(role: Role) -> list[User]:
    return list(db.session.execute(
        select(User).where(User.is_active.is_(True), User.role_rows.any(UserRole.role == role)).order_by(User.id)
    ).scalars())


def task_owners(task: PlanTask, it_staff: list[User], hr_staff: list[User]) -> list[User]:
    """Who is reminded about a task: the person it names, or the IT (admin) / HR staff."""
    plan = task.plan
    if task.owner == Owner.new_hire:
        return [plan.user]
    if task.owner == Owner.manager:
        return [plan.spell.manager] if plan.spell.manager else hr_staff
    if task.owner == Owner.buddy:
        return [plan.buddy] if plan.buddy and plan.has_confirmed_buddy else [plan.spell.manager] if plan.spell.manager else hr_staff
    return it_staff if task.owner == Owner.it else hr_staff


def send_overdue_reminders(today: date | None = None) -> int:
    """Remind owners about overdue open tasks of plans still in onboarding; at most once a task a day.

    Each task is claimed with a conditional UPDATE, so two overlapping runs cannot both remind.
    """
    today = today or date.today()
    tasks = db.session.execute(
        select(PlanTask)
        .join(OnboardingPlan, OnboardingPlan.id == PlanTask.plan_id)
        .join(User, User.id == OnboardingPlan.user_id)
        .where(
            PlanTask.completed_at.is_(None), PlanTask.due_on < today,
            or_(PlanTask.reminded_on.is_(None), PlanTask.reminded_on < today),
            OnboardingPlan.starts_on >= today - timedelta(days=ONBOARDING_DAYS + 30),
            User.is_active.is_(True),
        )
        .options(
            joinedload(PlanTask.plan).joinedload(OnboardingPlan.user),
            joinedload(PlanTask.plan).joinedload(OnboardingPlan.buddy),
            joinedload(PlanTask.plan).joinedload(OnboardingPlan.spell).joinedload(EmploymentSpell.manager),
        )
        .order_by(PlanTask.id)
    ).scalars().all()
    it_staff, hr_staff = _staff_with_role(Role.admin), _staff_with_role(Role.hr)
    sent = 0
    for task in tasks:
        claimed = db.session.execute(
            update(PlanTask)
            .where(PlanTask.id == task.id, or_(PlanTask.reminded_on.is_(None), PlanTask.reminded_on < today))
            .values(reminded_on=today)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        url = _path("onboarding.plan_detail", anchor=f"task-{task.id}", plan_id=task.plan_id)
        for owner in task_owners(task, it_staff, hr_staff):
            if notify(owner, "onboarding.task_overdue", url=url, new_hire=task.plan.user.full_name,
                      task=task.title) is not None:
                sent += 1
    db.session.flush()
    return sent


def ask_due_checkins(today: date | None = None) -> int:
    """Notify new hires whose day 30/60/90 check-in has come; each check-in is asked once."""
    today = today or date.today()
    due = db.session.execute(
        select(CheckIn)
        .where(CheckIn.asked_at.is_(None), CheckIn.due_on <= today, CheckIn.answered_at.is_(None),
               CheckIn.due_on > today - timedelta(days=30))
        .options(joinedload(CheckIn.plan).joinedload(OnboardingPlan.user))
        .order_by(CheckIn.id)
    ).scalars().all()
    asked = 0
    for checkin in due:
        claimed = db.session.execute(
            update(CheckIn).where(CheckIn.id == checkin.id, CheckIn.asked_at.is_(None)).values(asked_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            notify(checkin.plan.user, "onboarding.checkin",
                   url=_path("onboarding.checkin_answer", checkin_id=checkin.id), day=checkin.day)
            asked += 1
    return asked


# --- reading ---------------------------------------------------------------------------------


def current_plan(user: User, today: date | None = None) -> OnboardingPlan | None:
    """The person's plan while they are in onboarding (before day one up to day 90)."""
    today = today or date.today()
    return db.session.execute(
        select(OnboardingPlan)
        .where(OnboardingPlan.user_id == user.id,
               OnboardingPlan.starts_on >= today - timedelta(days=ONBOARDING_DAYS))
        .options(selectinload(OnboardingPlan.tasks), joinedload(OnboardingPlan.buddy),
                 joinedload(OnboardingPlan.cohort), selectinload(OnboardingPlan.checkins))
        .order_by(OnboardingPlan.starts_on.desc())
        .limit(1)
    ).unique().scalar_one_or_none()


def visible_tasks(plan: OnboardingPlan, viewer: User, today: date | None = None) -> list[PlanTask]:
    """Before day one the new hire sees only the pre-boarding tasks; everyone else sees all."""
    if viewer.id == plan.user_id and viewer.is_preboarding(today):
        return [t for t in plan.tasks if t.phase == Phase.preboarding]
    return list(plan.tasks)


def progress(tasks: list[PlanTask]) -> tuple[int, int]:
    return sum(1 for t in tasks if t.completed_at is not None), len(tasks)


def onboarding_summary(user: User, today: date | None = None) -> dict:
    """For the new hire's dashboard: plan, buddy, next tasks, cohort, due check-ins; {} if none."""
    today = today or date.today()
    plan = current_plan(user, today)
    if plan is None:
        return {}
    tasks = visible_tasks(plan, user, today)
    mine = [t for t in tasks if t.owner == Owner.new_hire and t.completed_at is None]
    done, total = progress(tasks)
    return {
        "plan": plan,
        "buddy": plan.buddy if plan.has_confirmed_buddy else None,
        "next_tasks": mine[:5],
        "overdue": sum(1 for t in mine if t.due_on < today),
        "cohort": plan.cohort,
        "forum": cohort_forum(plan.cohort),
        "checkins_due": [c for c in plan.checkins if c.answered_at is None and c.due_on <= today],
        "done": done,
        "total": total,
        "days_to_start": (plan.starts_on - today).days,
        "day": (today - plan.starts_on).days,
    }


@dataclass
class TeamRow:
    plan: OnboardingPlan
    done: int
    total: int
    overdue: int


def _plans_with_counts(where, today: date) -> list[TeamRow]:
    """Plans matching `where` with done/total/overdue counts computed in SQL (one query)."""
    in_scope = and_(where, OnboardingPlan.starts_on >= today - timedelta(days=ONBOARDING_DAYS))
    # counted only for the plans in scope, so the aggregate never scans every plan's tasks
    counts = (
        select(
            PlanTask.plan_id,
            func.count().label("total"),
            func.count(PlanTask.completed_at).label("done"),
            func.sum(case((and_(PlanTask.completed_at.is_(None), PlanTask.due_on < today), 1), else_=0)).label("overdue"),
        )
        .join(OnboardingPlan, OnboardingPlan.id == PlanTask.plan_id)
        .join(EmploymentSpell, EmploymentSpell.id == OnboardingPlan.spell_id)
        .where(in_scope)
        .group_by(PlanTask.plan_id)
        .subquery()
    )
    rows = db.session.execute(
        select(OnboardingPlan, counts.c.done, counts.c.total, counts.c.overdue)
        .join(EmploymentSpell, EmploymentSpell.id == OnboardingPlan.spell_id)
        .join(User, User.id == OnboardingPlan.user_id)
        .outerjoin(counts, counts.c.plan_id == OnboardingPlan.id)
        .where(in_scope, User.is_active.is_(True))
        .options(joinedload(OnboardingPlan.user), joinedload(OnboardingPlan.buddy),
                 joinedload(OnboardingPlan.spell).joinedload(EmploymentSpell.department))
        .order_by(OnboardingPlan.starts_on, OnboardingPlan.id)
    ).all()
    return [TeamRow(plan, done or 0, total or 0, overdue or 0) for plan, done, total, overdue in rows]


def team_onboarding(manager: User, today: date | None = None) -> list[TeamRow]:
    """The manager's reports in onboarding, with progress and overdue tasks."""
    return _plans_with_counts(EmploymentSpell.manager_id == manager.id, today or date.today())


def buddy_plans(user: User, today: date | None = None) -> list[TeamRow]:
    """Plans where `user` is the confirmed buddy."""
    return _plans_with_counts(
        and_(OnboardingPlan.buddy_id == user.id, OnboardingPlan.buddy_status == BuddyStatus.confirmed),
        today or date.today(),
    )


def all_plans_query(today: date | None = None):
    """HR's list: every plan in onboarding, soonest start first (paginate it)."""
    today = today or date.today()
    return (
        select(OnboardingPlan)
        .join(User, User.id == OnboardingPlan.user_id)
        .where(OnboardingPlan.starts_on >= today - timedelta(days=ONBOARDING_DAYS))
        .options(joinedload(OnboardingPlan.user), joinedload(OnboardingPlan.buddy),
                 joinedload(OnboardingPlan.spell).joinedload(EmploymentSpell.department),
                 joinedload(OnboardingPlan.spell).joinedload(EmploymentSpell.manager))
        .order_by(OnboardingPlan.starts_on, OnboardingPlan.id)
    )


def _open_tasks_owned(where, today: date) -> list[PlanTask]:
    return list(db.session.execute(
        select(PlanTask)
        .join(OnboardingPlan, OnboardingPlan.id == PlanTask.plan_id)
        .join(EmploymentSpell, EmploymentSpell.id == OnboardingPlan.spell_id)
        .join(User, User.id == OnboardingPlan.user_id)
        .where(where, PlanTask.completed_at.is_(None), User.is_active.is_(True),
               OnboardingPlan.starts_on >= today - timedelta(days=ONBOARDING_DAYS))
        .options(joinedload(PlanTask.plan).joinedload(OnboardingPlan.user),
                 joinedload(PlanTask.plan).joinedload(OnboardingPlan.spell))
        .order_by(PlanTask.due_on, PlanTask.id)
    ).scalars())


def buddy_tasks(user: User, today: date | None = None) -> list[PlanTask]:
    """Open tasks the user owns as a confirmed buddy, soonest first."""
    return _open_tasks_owned(
        and_(PlanTask.owner == Owner.buddy, OnboardingPlan.buddy_id == user.id,
             OnboardingPlan.buddy_status == BuddyStatus.confirmed),
        today or date.today(),
    )


def manager_tasks(user: User, today: date | None = None) -> list[PlanTask]:
    """Open tasks the user owns as the new hire's manager, soonest first."""
    return _open_tasks_owned(
        and_(PlanTask.owner == Owner.manager, EmploymentSpell.manager_id == user.id), today or date.today()
    )


def dashboard_context(user: User, today: date | None = None) -> dict:
    """Everything templates/lms/onboarding/_dashboard.html shows, for `{% include %}` on the home page."""
    today = today or date.today()
    return {
        "onboarding": onboarding_summary(user, today),
        "onboarding_team": team_onboarding(user, today) if user.has_role(Role.manager) else [],
        "onboarding_buddy_tasks": buddy_tasks(user, today),
    }


def checkins_for(plan: OnboardingPlan) -> list[CheckIn]:
    return [c for c in plan.checkins if c.answered_at is not None]


def cohort_members(cohort: Cohort) -> list[OnboardingPlan]:
    return list(db.session.execute(
        select(OnboardingPlan).join(User, User.id == OnboardingPlan.user_id)
        .where(OnboardingPlan.cohort_id == cohort.id, User.is_active.is_(True))
        .options(joinedload(OnboardingPlan.user), joinedload(OnboardingPlan.spell).joinedload(EmploymentSpell.department))
        .order_by(OnboardingPlan.starts_on, User.last_name)
    ).scalars())


# Who may read, write in and moderate a cohort's forum (lms.forums asks this scope).
register_scope(
    COHORT_FORUM_KIND, can_view=permissions.can_view_cohort, can_post=permissions.can_post_cohort,
    can_moderate=permissions.can_moderate_cohort, visible_scope_ids=permissions.visible_cohort_ids,
    describe=_describe_cohort_forum,
    moderated_scope_ids=lambda user: permissions.visible_cohort_ids(user) if permissions.can_manage_onboarding(user) else [],
)
