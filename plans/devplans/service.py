"""Development plan logic: goals, playlist items and their order, starting and completing with
xAPI statements, completion from the statement stream, progress and the dashboard panel.

Functions add and flush; the caller commits. Every start or completion records its statement
through `xapi.emitter.record` in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from tincan import Result

from lms.courses.models import Course, CourseModule, CourseStatus, Enrolment
from lms.extensions import db
from lms.notifications.service import notify, register_kind
from lms.people.models import User, utcnow
from lms.people.service import ValidationError
from xapi.emitter import record, subscribe
from xapi.vocabulary import ActivityType, Verb

from .models import DevelopmentPlan, Goal, ItemKind, PlanComment, PlanItem

register_kind("plans.item_added", _l("%(actor)s added “%(item)s” to your development plan"))
register_kind("plans.comment", _l("%(actor)s commented on the development plan of %(owner)s"))

#: kinds linked to the catalogue: completing the course or module there completes the item
CATALOGUE_KINDS = (ItemKind.course, ItemKind.module)


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def item_iri(item: PlanItem) -> str:
    return f"{_base()}/plans/items/{item.id}"


def goal_iri(goal: Goal) -> str:
    return f"{_base()}/plans/goals/{goal.id}"


# --- plans and goals ----------------------------------------------------------------------------


def plan_of(user: User) -> DevelopmentPlan | None:
    return db.session.execute(
        select(DevelopmentPlan).where(DevelopmentPlan.user_id == user.id)
        .options(selectinload(DevelopmentPlan.goals).selectinload(Goal.items).options(
                     joinedload(PlanItem.colleague), joinedload(PlanItem.added_by)),
                 selectinload(DevelopmentPlan.goals).joinedload(Goal.competency),
                 joinedload(DevelopmentPlan.target_role))
    ).scalar_one_or_none()


def ensure_plan(user: User) -> DevelopmentPlan:
    """The person's plan, created on first use (one per person: a unique key on user_id)."""
    plan = plan_of(user)
    if plan is None:
        plan = DevelopmentPlan(user=user)
        db.session.add(plan)
        db.session.flush()
    return plan


@dataclass
class GoalData:
    title: str
    why: str = ""
    target_date: date | None = None
    competency_id: int | None = None
    target_level: int | None = None


def _check_goal(data: GoalData) -> None:
    if not data.title.strip():
        raise ValidationError(_l("Give the goal a title."), "title")
    if data.target_level is not None and data.competency_id is None:
        raise ValidationError(_l("Choose the competency the target level is for."), "competency_id")
    if data.target_level is not None and not 1 <= data.target_level <= 5:
        raise ValidationError(_l("Levels run from 1 to 5."), "target_level")


def add_goal(plan: DevelopmentPlan, data: GoalData, by: User) -> Goal:
    _check_goal(data)
    goal = Goal(title=data.title.strip(), why=data.why.strip(), target_date=data.target_date,
                competency_id=data.competency_id, target_level=data.target_level, created_by_id=by.id,
                position=len(plan.goals) + 1)
    plan.goals.append(goal)
    db.session.flush()
    _renumber(plan.goals)
    return goal


def update_goal(goal: Goal, data: GoalData) -> Goal:
    _check_goal(data)
    goal.title, goal.why, goal.target_date = data.title.strip(), data.why.strip(), data.target_date
    goal.competency_id, goal.target_level = data.competency_id, data.target_level
    db.session.flush()
    return goal


def delete_goal(goal: Goal) -> None:
    plan = goal.plan
    plan.goals.remove(goal)  # delete-orphan: removing it from the plan deletes it
    db.session.flush()
    _renumber(plan.goals)


def complete_goal(goal: Goal, by: User, reflection: str = "") -> bool:
    """The owner closes a goal; records `completed` about the goal. False if it was closed already."""
    if goal.completed_at is not None:
        return False
    now = utcnow()
    done = db.session.execute(
        update(Goal).where(Goal.id == goal.id, Goal.completed_at.is_(None))
        .values(completed_at=now, reflection=reflection.strip()).execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # closed meanwhile by another request
        db.session.refresh(goal)
        return False
    set_committed_value(goal, "completed_at", now)
    set_committed_value(goal, "reflection", reflection.strip())
    record(goal.plan.user, Verb.COMPLETED, goal_iri(goal), activity_name=goal.title, activity_type=ActivityType.GOAL,
           result=Result(completion=True, response=goal.reflection[:1000] or None))
    db.session.flush()
    return True


def reopen_goal(goal: Goal) -> None:
    """A goal closed too early goes back to active (its statement stays: it did happen)."""
    goal.completed_at = None
    db.session.flush()


# --- ordering -------------------------------------------------------------------------------------


def _renumber(rows: list) -> None:
    """Dense 1..n positions in the current order (stable for ties by id)."""
    for i, row in enumerate(sorted(rows, key=lambda r: (r.position or 0, r.id or 0)), start=1):
        row.position = i
    db.session.flush()


def _move(rows: list, row, delta: int) -> bool:
    """Swap `row` with its neighbour `delta` (-1 up, +1 down) places away; False at an end."""
    _renumber(rows)
    ordered = sorted(rows, key=lambda r: r.position)
    i = ordered.index(row)
    j = i + delta
    if delta not in (-1, 1) or not 0 <= j < len(ordered):
        return False
    ordered[i].position, ordered[j].position = ordered[j].position, ordered[i].position
    db.session.flush()
    return True


def move_goal(goal: Goal, delta: int) -> bool:
    return _move(goal.plan.goals, goal, delta)


def move_item(item: PlanItem, delta: int) -> bool:
    moved = _move(item.goal.items, item, delta)
    db.session.refresh(item.goal, ["items"])
    return moved


# --- items -------------------------------------------------------------------------------------


@dataclass
class ItemData:
    kind: ItemKind
    title: str = ""
    details: str = ""
    url: str | None = None
    course_id: int | None = None
    module_id: int | None = None
    colleague_id: int | None = None
    due_on: date | None = None
    #: 1-based place in the playlist; None: at the end
    position: int | None = None


def _resolve(data: ItemData) -> tuple[Course | None, CourseModule | None, str]:
    """Check the item against its kind; returns its course, module and title."""
    course = module = None
    title = data.title.strip()
    if data.kind == ItemKind.module:
        module = db.session.get(CourseModule, data.module_id) if data.module_id else None
        if module is None or not module.course.is_published:
            raise ValidationError(_l("Choose a module of a published course."), "module_id")
        course = module.course
        title = title or f"{course.title}: {module.title}"
    elif data.kind == ItemKind.course:
        course = db.session.get(Course, data.course_id) if data.course_id else None
        if course is None or course.status != CourseStatus.published:
            raise ValidationError(_l("Choose a published course from the catalogue."), "course_id")
        title = title or course.title
    if data.kind in (ItemKind.shadowing, ItemKind.mentoring) and data.colleague_id is not None:
        colleague = db.session.get(User, data.colleague_id)
        if colleague is None or not colleague.is_active:
            raise ValidationError(_l("Choose an active colleague."), "colleague_id")
    if data.url and not re.match(r"^https?://", data.url):
        raise ValidationError(_l("A link starts with https:// or http://."), "url")
    if not title:
        raise ValidationError(_l("Say what the step is."), "title")
    return course, module, title[:200]


def add_item(goal: Goal, data: ItemData, by: User) -> PlanItem:
    """Insert an item at `data.position` (or at the end); the others move down, keeping a dense order."""
    course, module, title = _resolve(data)
    _renumber(goal.items)
    n = len(goal.items)
    position = n + 1 if data.position is None else min(max(1, data.position), n + 1)
    for other in goal.items:
        if other.position >= position:
            other.position += 1
    item = PlanItem(kind=data.kind, title=title, details=data.details.strip(), url=data.url or None,
                    course_id=course.id if course else None, module_id=module.id if module else None,
                    colleague_id=data.colleague_id if data.kind in (ItemKind.shadowing, ItemKind.mentoring) else None,
                    due_on=data.due_on, added_by_id=by.id, position=position)
    goal.items.append(item)
    db.session.flush()
    owner = goal.plan.user
    if by.id != owner.id:
        notify(owner, "plans.item_added", url=f"/plans/people/{owner.id}#item-{item.id}", actor=by, item=item.title)
    if course is not None and _already_done(owner, item):
        complete_item(item, owner, str(_l("Completed in the catalogue before it was added to the plan.")))
    return item


def update_item(item: PlanItem, data: ItemData) -> PlanItem:
    """Change what an item says and when it is due (its kind and catalogue link stay)."""
    data.kind, data.course_id, data.module_id = item.kind, item.course_id, item.module_id
    _course, _module, title = _resolve(data)
    item.title, item.details, item.url, item.due_on = title, data.details.strip(), data.url or None, data.due_on
    if item.kind in (ItemKind.shadowing, ItemKind.mentoring):
        item.colleague_id = data.colleague_id
    db.session.flush()
    return item


def delete_item(item: PlanItem) -> None:
    goal = item.goal
    goal.items.remove(item)  # delete-orphan
    db.session.flush()
    _renumber(goal.items)


def _already_done(user: User, item: PlanItem) -> bool:
    if item.kind == ItemKind.course:
        return db.session.execute(select(Enrolment.id).where(
            Enrolment.user_id == user.id, Enrolment.course_id == item.course_id, Enrolment.completed_at.is_not(None)
        )).first() is not None
    return False


def start_item(item: PlanItem, by: User) -> bool:
    """The owner begins an item: records `attempted` once."""
    if item.started_at is not None or item.completed_at is not None:
        return False
    item.started_at = utcnow()
    record(item.goal.plan.user, Verb.ATTEMPTED, item_iri(item), activity_name=item.title,
           activity_type=ActivityType.CHECKLIST_ITEM)
    db.session.flush()
    return True


def complete_item(item: PlanItem, by: User, reflection: str = "") -> bool:
    """The owner (or the statement stream, for catalogue items) completes an item: records
    `completed` with the reflection as the response. False if it was complete already."""
    if item.completed_at is not None:
        return False
    now = utcnow()
    # A conditional UPDATE: of two workers handed the same statement at once, only one completes
    # the item (the other's WHERE no longer matches once the first commits) and records it.
    done = db.session.execute(
        update(PlanItem).where(PlanItem.id == item.id, PlanItem.completed_at.is_(None))
        .values(completed_at=now, reflection=reflection.strip()).execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.refresh(item)
        return False
    set_committed_value(item, "completed_at", now)
    set_committed_value(item, "reflection", reflection.strip())
    item.started_at = item.started_at or now
    record(item.goal.plan.user, Verb.COMPLETED, item_iri(item), activity_name=item.title,
           activity_type=ActivityType.CHECKLIST_ITEM,
           result=Result(completion=True, response=item.reflection[:1000] or None))
    db.session.flush()
    return True


def reopen_item(item: PlanItem) -> None:
    item.completed_at = None
    db.session.flush()


# --- the statement stream ----------------------------------------------------------------------

_DONE_VERBS = (Verb.COMPLETED[0], Verb.PASSED[0])


def complete_items_from_statements(seqs: list[int]) -> int:
    """Statement-stream subscriber: a `completed` (or passed) course or module anywhere — the
    catalogue, an xAPI package, an import — completes the open plan items linked to it for that
    person. Idempotent: a redelivered seq finds the items complete already."""
    from xapi.models import Statement

    if not seqs:
        return 0
    base = _base()
    pattern = re.compile(rf"^{re.escape(base)}/courses/(\d+)(?:/modules/(\d+))?$")
    rows = db.session.execute(
        select(Statement.user_id, Statement.data).where(
            Statement.seq.in_(seqs), Statement.verb_id.in_(_DONE_VERBS), Statement.is_voided.is_(False),
            Statement.user_id.is_not(None), Statement.object_type == "Activity")
    ).all()
    wanted: dict[int, set[tuple[str, int]]] = {}
    for user_id, data in rows:
        if data.get("verb", {}).get("id") == Verb.PASSED[0] and (data.get("result") or {}).get("success") is False:
            continue
        match = pattern.match((data.get("object") or {}).get("id", ""))
        if not match:
            continue
        course_id, module_id = match.groups()
        key = ("module", int(module_id)) if module_id else ("course", int(course_id))
        wanted.setdefault(user_id, set()).add(key)
    n = 0
    for user_id, keys in wanted.items():
        course_ids = [i for k, i in keys if k == "course"]
        module_ids = [i for k, i in keys if k == "module"]
        items = db.session.execute(
            select(PlanItem).join(Goal, Goal.id == PlanItem.goal_id)
            .join(DevelopmentPlan, DevelopmentPlan.id == Goal.plan_id)
            .where(DevelopmentPlan.user_id == user_id, PlanItem.completed_at.is_(None),
                   or_(and_(PlanItem.kind == ItemKind.course, PlanItem.course_id.in_(course_ids or [-1])),
                       and_(PlanItem.kind == ItemKind.module, PlanItem.module_id.in_(module_ids or [-1]))))
            .options(joinedload(PlanItem.goal).joinedload(Goal.plan).joinedload(DevelopmentPlan.user))
        ).scalars().all()
        for item in items:
            if complete_item(item, item.goal.plan.user, str(_l("Completed in the catalogue."))):
                n += 1
    return n


subscribe(complete_items_from_statements)


# --- comments ----------------------------------------------------------------------------------


def add_comment(plan: DevelopmentPlan, author: User, body: str, goal: Goal | None = None) -> PlanComment:
    if not body.strip():
        raise ValidationError(_l("Write a comment first."), "body")
    comment = PlanComment(plan_id=plan.id, goal_id=goal.id if goal else None, author_id=author.id,
                          body=body.strip()[:5000])
    db.session.add(comment)
    db.session.flush()
    owner = plan.user
    spell = owner.current_spell
    recipients = [owner] + ([spell.manager] if spell is not None and spell.manager is not None else [])
    for person in recipients:
        notify(person, "plans.comment", url=f"/plans/people/{owner.id}#comments", actor=author,
               owner=owner.full_name)
    return comment


def comments_of(plan: DevelopmentPlan, limit: int = 50) -> list[PlanComment]:
    return list(db.session.execute(
        select(PlanComment).where(PlanComment.plan_id == plan.id).options(joinedload(PlanComment.author))
        .order_by(PlanComment.created_at.desc(), PlanComment.id.desc()).limit(limit)
    ).scalars())


# --- progress, lists and the dashboard ----------------------------------------------------------


@dataclass
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def goal_progress(goal: Goal) -> Progress:
    return Progress(sum(1 for i in goal.items if i.completed_at), len(goal.items))


def plan_progress(plan: DevelopmentPlan | None) -> Progress:
    """Items done of all items (a goal without items counts once, done when closed)."""
    if plan is None:
        return Progress(0, 0)
    done = total = 0
    for goal in plan.goals:
        if goal.items:
            done += sum(1 for i in goal.items if i.completed_at)
            total += len(goal.items)
        else:
            done += 1 if goal.completed_at else 0
            total += 1
    return Progress(done, total)


def next_item(goal: Goal) -> PlanItem | None:
    return next((i for i in goal.items if i.completed_at is None), None)


def progress_by_user(user_ids: list[int]) -> dict[int, tuple[int, Progress]]:
    """{user_id: (active goals, item progress)} in two grouped queries (team and HR lists)."""
    if not user_ids:
        return {}
    goals = dict(db.session.execute(
        select(DevelopmentPlan.user_id, func.count(Goal.id))
        .join(Goal, Goal.plan_id == DevelopmentPlan.id)
        .where(DevelopmentPlan.user_id.in_(user_ids), Goal.completed_at.is_(None))
        .group_by(DevelopmentPlan.user_id)
    ).all())
    items = _item_counts(user_ids)
    return {uid: (goals.get(uid, 0), Progress(*items.get(uid, (0, 0)))) for uid in user_ids}


def _item_counts(user_ids: list[int]) -> dict[int, tuple[int, int]]:
    rows = db.session.execute(
        select(DevelopmentPlan.user_id, func.count(PlanItem.completed_at), func.count(PlanItem.id))
        .join(Goal, Goal.plan_id == DevelopmentPlan.id).join(PlanItem, PlanItem.goal_id == Goal.id)
        .where(DevelopmentPlan.user_id.in_(user_ids)).group_by(DevelopmentPlan.user_id)
    ).all()
    return {uid: (done, total) for uid, done, total in rows}


def dashboard_context(user: User, today: date) -> dict | None:
    """The person's active goals, each with its next item and progress (the home page panel)."""
    plan = plan_of(user)
    if plan is None:
        return None
    active = [g for g in plan.goals if g.completed_at is None]
    if not active:
        return None
    return {"devplan_goals": [(g, goal_progress(g), next_item(g)) for g in active[:4]],
            "devplan_progress": plan_progress(plan), "devplan_more": max(0, len(active) - 4)}


def add_suggestion(person: User, competency, course: Course, by: User, level: int | None = None) -> PlanItem:
    """Put a course suggested for a skill gap into the plan: under the active goal for that
    competency, or a new goal aiming at `level`. Adding it twice returns the existing item."""
    plan = ensure_plan(person)
    goal = next((g for g in plan.goals if g.competency_id == competency.id and g.completed_at is None), None)
    if goal is None:
        goal = add_goal(plan, GoalData(title=str(_l("Grow in %(name)s", name=competency.name)),
                                       competency_id=competency.id,
                                       target_level=level if level and 1 <= level <= 5 else None), by)
    existing = next((i for i in goal.items if i.kind == ItemKind.course and i.course_id == course.id), None)
    if existing is not None:
        return existing
    return add_item(goal, ItemData(kind=ItemKind.course, course_id=course.id), by)
