"""Development plan pages: a person's plan (goals and their playlists), the manager's team and
HR's list, goal and item forms, ordering, starting and completing, comments."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.core.dashboard import register_panel
from lms.core.pagination import paginate_rows
from lms.courses.models import Course, CourseModule, CourseStatus
from lms.extensions import db
from lms.people.models import User
from lms.people.service import ValidationError, direct_reports, people_query
from lms.people.views import _apply_errors, _page, _page_arg, require
from plans.competencies import service as competencies
from plans.competencies.models import Competency, JobRole

from . import service
from .forms import CommentForm, GoalForm, ItemForm, ReflectionForm, TargetRoleForm, kind_labels, level_choices
from .models import DevelopmentPlan, Goal, ItemKind, PlanItem
from .permissions import (
    can_complete,
    can_complete_item,
    can_edit_person_plan,
    can_edit_plan,
    can_view_person_plan,
    can_view_plan,
    can_view_team_plans,
    is_hr,
)

bp = Blueprint("devplans", __name__, url_prefix="/plans")
PER_PAGE = 25


def _dashboard(user, today) -> dict | None:
    """The person's active goals with their next steps (home page)."""
    return service.dashboard_context(user, today)


register_panel("devplans", "plans/devplans/_dashboard.html", _dashboard, order=30)


@bp.app_context_processor
def inject_predicates():
    return {"can_view_team_plans": can_view_team_plans}


# --- loading with access checks --------------------------------------------------------------------


def _person(user_id: int) -> User:
    person = db.get_or_404(User, user_id)
    if not can_view_person_plan(current_user, person):
        abort(403)
    return person


def _load_goal(goal_id: int, edit: bool = True) -> Goal:
    goal = db.first_or_404(
        select(Goal).where(Goal.id == goal_id)
        .options(joinedload(Goal.plan).joinedload(DevelopmentPlan.user), selectinload(Goal.items))
    )
    if not can_view_plan(current_user, goal.plan):
        abort(403)
    if edit and not can_edit_plan(current_user, goal.plan):
        abort(403)
    return goal


def _load_item(item_id: int, edit: bool = True) -> PlanItem:
    item = db.first_or_404(
        select(PlanItem).where(PlanItem.id == item_id)
        .options(joinedload(PlanItem.goal).joinedload(Goal.plan).joinedload(DevelopmentPlan.user))
    )
    if not can_view_plan(current_user, item.goal.plan):
        abort(403)
    if edit and not can_edit_plan(current_user, item.goal.plan):
        abort(403)
    return item


def _to_plan(user_id: int, anchor: str | None = None):
    return redirect(url_for("devplans.person_plan", user_id=user_id, _anchor=anchor))


def _delta() -> int:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, _("Say whether to move it up or down."))
    return -1 if direction == "up" else 1


def _commit_or_flash(action, message: str) -> bool:
    try:
        action()
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return False
    db.session.commit()
    flash(message, "success")
    return True


# --- the plan ------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def my_plan():
    """One's own plan."""
    return redirect(url_for("devplans.person_plan", user_id=current_user.id))


@bp.route("/people/<int:user_id>")
@login_required
def person_plan(user_id: int):
    """A person's plan: goals with their playlists and progress, the gap to the role, comments."""
    person = _person(user_id)
    plan = service.plan_of(person)
    role = competencies.role_of(person)
    target_form = TargetRoleForm()
    roles = db.session.execute(select(JobRole).where(JobRole.is_active.is_(True)).order_by(JobRole.title)).scalars().all()
    target_form.target_role_id.choices = [("", _("No target role"))] + [(r.id, r.title) for r in roles]
    target_form.target_role_id.data = plan.target_role_id if plan else None
    return render_template(
        "plans/devplans/plan.html", person=person, plan=plan, role=role,
        goals=plan.goals if plan else [], progress=service.plan_progress(plan),
        goal_progress=service.goal_progress, comments=service.comments_of(plan) if plan else [],
        can_edit=can_edit_person_plan(current_user, person),
        can_complete=plan is not None and can_complete(current_user, plan),
        is_owner=current_user.id == person.id, kind_labels=kind_labels(), ItemKind=ItemKind,
        reflection_form=ReflectionForm(), comment_form=CommentForm(), target_form=target_form, today=date.today(),
        levels=competencies.current_levels([person.id]).get(person.id, {}),
        interests=competencies.interests_of([person.id]).get(person.id, []),
    )


@bp.route("/team")
@require(can_view_team_plans)
def team():
    """A manager's reports with their plans; HR sees everyone (paged)."""
    pagination = None
    if is_hr(current_user):
        pagination = paginate_rows(people_query(request.args.get("q", "").strip()[:100]), _page_arg(), PER_PAGE)
        rows = [(u, s) for u, s in pagination.items]
    else:
        rows = direct_reports(current_user)
    ids = [u.id for u, _s in rows]
    return render_template("plans/devplans/team.html", rows=rows, progress=service.progress_by_user(ids),
                           interests=competencies.interests_of(ids), pagination=pagination,
                           q=request.args.get("q", ""))


@bp.route("/people/<int:user_id>/target-role", methods=["POST"])
@login_required
def set_target_role(user_id: int):
    """The person chooses the role they work towards (their gap to it shows on My skills)."""
    person = _person(user_id)
    if current_user.id != person.id:
        abort(403)
    form = TargetRoleForm()
    form.target_role_id.choices = [("", "")] + [(r.id, r.title) for r in db.session.execute(select(JobRole)).scalars()]
    if not form.validate_on_submit():
        abort(400, _("Choose a role from the list."))
    plan = service.ensure_plan(person)
    plan.target_role_id = form.target_role_id.data
    db.session.commit()
    flash(_("Target role saved."), "success")
    return redirect(url_for("devplans.person_plan", user_id=person.id))


# --- goals -----------------------------------------------------------------------------------------


def _goal_form(form: GoalForm) -> GoalForm:
    form.competency_id.choices = [("", _("None"))] + [(c.id, c.name) for c in competencies.active_competencies()]
    form.target_level.choices = level_choices(_("None"))
    return form


def _goal_data(form: GoalForm) -> service.GoalData:
    return service.GoalData(title=form.title.data or "", why=form.why.data or "", target_date=form.target_date.data,
                            competency_id=form.competency_id.data, target_level=form.target_level.data)


def _save(form, action, message, target, template, **context):
    if form.validate_on_submit():
        try:
            result = action()
        except ValidationError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(target(result))
    return _page(template, form, **context)


@bp.route("/people/<int:user_id>/goals/new", methods=["GET", "POST"])
@login_required
def goal_new(user_id: int):
    """A new goal on the person's plan (by them or their manager); the plan is created on first use."""
    person = _person(user_id)
    if not can_edit_person_plan(current_user, person):
        abort(403)
    form = _goal_form(GoalForm())
    if request.method == "GET" and request.args.get("competency", type=int):
        form.competency_id.data = request.args.get("competency", type=int)
    return _save(form, lambda: service.add_goal(service.ensure_plan(person), _goal_data(form), current_user),
                 _("Goal added. Now break it into steps."),
                 lambda g: url_for("devplans.item_new", goal_id=g.id),
                 "plans/devplans/goal_form.html", person=person, goal=None)


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def goal_edit(goal_id: int):
    """Change a goal's title, reason, date or target competency level."""
    goal = _load_goal(goal_id)
    form = _goal_form(GoalForm(obj=goal))
    return _save(form, lambda: service.update_goal(goal, _goal_data(form)), _("Saved."),
                 lambda g: url_for("devplans.person_plan", user_id=g.plan.user_id, _anchor=f"goal-{g.id}"),
                 "plans/devplans/goal_form.html", person=goal.plan.user, goal=goal)


@bp.route("/goals/<int:goal_id>/move", methods=["POST"])
@login_required
def goal_move(goal_id: int):
    """Move a goal up or down the plan (a POST form: works without JavaScript)."""
    goal = _load_goal(goal_id)
    service.move_goal(goal, _delta())
    db.session.commit()
    return _to_plan(goal.plan.user_id, f"goal-{goal.id}")


@bp.route("/goals/<int:goal_id>/delete", methods=["POST"])
@login_required
def goal_delete(goal_id: int):
    """Remove a goal and its steps."""
    goal = _load_goal(goal_id)
    user_id = goal.plan.user_id
    service.delete_goal(goal)
    db.session.commit()
    flash(_("Goal removed."), "success")
    return _to_plan(user_id)


@bp.route("/goals/<int:goal_id>/complete", methods=["POST"])
@login_required
def goal_complete(goal_id: int):
    """The owner closes a goal with what they achieved; records `completed` about the goal."""
    goal = _load_goal(goal_id, edit=False)
    if not can_complete(current_user, goal.plan):
        abort(403)
    form = ReflectionForm()
    if not form.validate_on_submit():
        abort(400, _("The reflection is too long."))
    service.complete_goal(goal, current_user, form.reflection.data or "")
    db.session.commit()
    flash(_("Goal completed: %(goal)s", goal=goal.title), "success")
    return _to_plan(goal.plan.user_id, f"goal-{goal.id}")


@bp.route("/goals/<int:goal_id>/reopen", methods=["POST"])
@login_required
def goal_reopen(goal_id: int):
    """The owner reopens a goal closed too early."""
    goal = _load_goal(goal_id, edit=False)
    if not can_complete(current_user, goal.plan):
        abort(403)
    service.reopen_goal(goal)
    db.session.commit()
    return _to_plan(goal.plan.user_id, f"goal-{goal.id}")


# --- items -----------------------------------------------------------------------------------------


def _item_form(form: ItemForm, owner: User) -> ItemForm:
    courses = db.session.execute(
        select(Course).where(Course.status == CourseStatus.published).order_by(Course.title).limit(500)
    ).scalars().all()
    form.course_id.choices = [("", "—")] + [(c.id, c.title) for c in courses]
    modules = db.session.execute(
        select(CourseModule).join(Course, Course.id == CourseModule.course_id)
        .where(Course.status == CourseStatus.published).options(joinedload(CourseModule.course))
        .order_by(Course.title, CourseModule.position).limit(1000)
    ).scalars().all()
    form.module_id.choices = [("", "—")] + [(m.id, f"{m.course.title}: {m.title}") for m in modules]
    people = db.session.execute(
        select(User).where(User.is_active.is_(True), User.id != owner.id).order_by(User.first_name, User.last_name)
        .limit(2000)
    ).scalars().all()
    form.colleague_id.choices = [("", "—")] + [(u.id, u.full_name) for u in people]
    return form


def _item_data(form: ItemForm) -> service.ItemData:
    return service.ItemData(
        kind=ItemKind(form.kind.data), title=form.title.data or "", details=form.details.data or "",
        url=form.url.data or None, course_id=form.course_id.data, module_id=form.module_id.data,
        colleague_id=form.colleague_id.data, due_on=form.due_on.data, position=form.position.data,
    )


@bp.route("/goals/<int:goal_id>/items/new", methods=["GET", "POST"])
@login_required
def item_new(goal_id: int):
    """Add a step to a goal's playlist, at the end or at a chosen place."""
    goal = _load_goal(goal_id)
    form = _item_form(ItemForm(), goal.plan.user)
    if request.method == "GET":
        kind = request.args.get("kind")
        if kind in ItemKind._value2member_map_:
            form.kind.data = kind
        form.course_id.data = request.args.get("course", type=int)
    return _save(form, lambda: service.add_item(goal, _item_data(form), current_user), _("Step added."),
                 lambda i: url_for("devplans.person_plan", user_id=goal.plan.user_id, _anchor=f"item-{i.id}"),
                 "plans/devplans/item_form.html", goal=goal, item=None, person=goal.plan.user,
                 kind_labels=kind_labels())


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def item_edit(item_id: int):
    """Change a step's title, details, link, colleague or date (its kind and catalogue link stay)."""
    item = _load_item(item_id)
    form = _item_form(ItemForm(obj=item), item.goal.plan.user)
    if request.method == "GET":
        form.kind.data = item.kind.value
    else:
        form.kind.data = item.kind.value  # the kind and catalogue link of an item stay
    return _save(form, lambda: service.update_item(item, _item_data(form)), _("Saved."),
                 lambda i: url_for("devplans.person_plan", user_id=i.goal.plan.user_id, _anchor=f"item-{i.id}"),
                 "plans/devplans/item_form.html", goal=item.goal, item=item, person=item.goal.plan.user,
                 kind_labels=kind_labels())


@bp.route("/items/<int:item_id>/move", methods=["POST"])
@login_required
def item_move(item_id: int):
    """Move a step up or down the playlist (a POST form: works without JavaScript)."""
    item = _load_item(item_id)
    service.move_item(item, _delta())
    db.session.commit()
    return _to_plan(item.goal.plan.user_id, f"item-{item.id}")


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@login_required
def item_delete(item_id: int):
    """Remove a step; the others close ranks."""
    item = _load_item(item_id)
    goal = item.goal
    service.delete_item(item)
    db.session.commit()
    flash(_("Step removed."), "success")
    return _to_plan(goal.plan.user_id, f"goal-{goal.id}")


@bp.route("/items/<int:item_id>/start", methods=["POST"])
@login_required
def item_start(item_id: int):
    """The owner starts a step (records `attempted`); a course step opens the course."""
    item = _load_item(item_id, edit=False)
    if not can_complete_item(current_user, item):
        abort(403)
    service.start_item(item, current_user)
    db.session.commit()
    if item.kind == ItemKind.course and item.course_id:
        return redirect(url_for("courses.course_page", course_id=item.course_id))
    return _to_plan(item.goal.plan.user_id, f"item-{item.id}")


@bp.route("/items/<int:item_id>/complete", methods=["POST"])
@login_required
def item_complete(item_id: int):
    """The owner completes a step with a short reflection or evidence (records `completed`)."""
    item = _load_item(item_id, edit=False)
    if not can_complete_item(current_user, item):
        abort(403)
    form = ReflectionForm()
    if not form.validate_on_submit():
        abort(400, _("The reflection is too long."))
    service.complete_item(item, current_user, form.reflection.data or "")
    db.session.commit()
    flash(_("Done: %(item)s", item=item.title), "success")
    return _to_plan(item.goal.plan.user_id, f"item-{item.id}")


@bp.route("/items/<int:item_id>/reopen", methods=["POST"])
@login_required
def item_reopen(item_id: int):
    """The owner takes back a completion made by mistake."""
    item = _load_item(item_id, edit=False)
    if not can_complete(current_user, item.goal.plan) or item.completed_at is None:
        abort(403)
    service.reopen_item(item)
    db.session.commit()
    return _to_plan(item.goal.plan.user_id, f"item-{item.id}")


# --- comments and one-click suggestions ----------------------------------------------------------


@bp.route("/people/<int:user_id>/comments", methods=["POST"])
@login_required
def comment_add(user_id: int):
    """The person or their manager comments on the plan; the other is notified."""
    person = _person(user_id)
    if not can_edit_person_plan(current_user, person):
        abort(403)
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400, _("Write a comment of at most 5,000 characters."))
    _commit_or_flash(lambda: service.add_comment(service.ensure_plan(person), current_user, form.body.data),
                     _("Comment added."))
    return _to_plan(person.id, "comments")


@bp.route("/people/<int:user_id>/suggestions", methods=["POST"])
@login_required
def add_suggestion(user_id: int):
    """One click from a skill gap: the suggested course goes into the goal for that competency
    (a new goal aiming at the required level when there is none)."""
    person = _person(user_id)
    if not can_edit_person_plan(current_user, person):
        abort(403)
    course = db.get_or_404(Course, request.form.get("course_id", type=int) or 0)
    competency = db.get_or_404(Competency, request.form.get("competency_id", type=int) or 0)
    level = request.form.get("level", type=int)
    try:
        item = service.add_suggestion(person, competency, course, current_user, level)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("competencies.my_skills"))
    db.session.commit()
    flash(_("“%(course)s” is in your plan under “%(goal)s”.", course=course.title, goal=item.goal.title), "success")
    return _to_plan(person.id, f"item-{item.id}")
