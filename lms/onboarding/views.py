"""Onboarding pages: the new hire's welcome and plan, manager and buddy views, check-ins, HR's tracks;
and the app-wide guard that keeps people who have not started yet on pre-boarding pages."""

from __future__ import annotations

from datetime import date

import click
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..core.pagination import paginate_rows
from ..core.dashboard import register_panel
from ..extensions import db
from ..people.models import EmploymentSpell, User
from ..people.service import department_tree
from ..people.views import _page, _page_arg, _submit, require
from . import service
from .forms import (
    BuddyForm,
    CheckInForm,
    TrackForm,
    TrackPageForm,
    TrackTaskForm,
    area_labels,
    owner_labels,
    page_kind_labels,
    phase_labels,
)
from .models import Area, CheckIn, Cohort, OnboardingPlan, OnboardingTrack, Owner, PageKind, Phase, PlanTask, TrackPage, TrackTask
from .permissions import (
    can_answer_checkin,
    can_complete_task,
    can_manage_onboarding,
    can_open_onboarding,
    can_reopen_task,
    can_set_buddy,
    can_view_checkins,
    can_view_cohort,
    can_view_plan,
    preboarding_allows,
)

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")


def _dashboard(user, today) -> dict | None:
    """The new hire's plan, a manager's new hires and a buddy's tasks on the home page."""
    context = service.dashboard_context(user, today)
    return context if any(context.values()) else None


register_panel("onboarding", "lms/onboarding/_dashboard.html", _dashboard, order=10)
PER_PAGE = 25


@bp.record_once
def _schedule_periodic_tasks(state) -> None:
    """Add the daily reminder and check-in runs to Celery beat (and make the worker know the tasks)."""
    from .tasks import BEAT_SCHEDULE

    celery_app = state.app.extensions["celery"]
    celery_app.conf.beat_schedule = {**(celery_app.conf.beat_schedule or {}), **BEAT_SCHEDULE}


def forum_url(forum) -> str | None:
    """Where the cohort forum lives in lms.forums (None while there is no forum)."""
    if forum is None:
        return None
    return url_for("forums.forum", forum_id=forum.id)


@bp.before_app_request
def keep_preboarding_on_welcome():
    """Before day one a new hire reaches only pre-boarding pages (reads only: no writes here)."""
    if (
        current_user.is_authenticated
        and not preboarding_allows(request.endpoint)
        and current_user.is_preboarding()
    ):
        if request.path.startswith(("/xapi/", "/api/")) or request.accept_mimetypes.best == "application/json":
            return jsonify(error="available from your first day"), 403
        return redirect(url_for("onboarding.welcome"))
    return None


@bp.app_context_processor
def inject_predicates():
    return {"can_manage_onboarding": can_manage_onboarding, "can_open_onboarding": can_open_onboarding}


def _labels() -> dict:
    return {"phase_labels": phase_labels(), "area_labels": area_labels(), "owner_labels": owner_labels(),
            "page_kind_labels": page_kind_labels(), "Phase": Phase}


def _load_plan(plan_id: int) -> OnboardingPlan:
    plan = db.first_or_404(
        select(OnboardingPlan).where(OnboardingPlan.id == plan_id)
        .options(joinedload(OnboardingPlan.user), joinedload(OnboardingPlan.buddy),
                 joinedload(OnboardingPlan.spell).joinedload(EmploymentSpell.manager),
                 joinedload(OnboardingPlan.cohort), selectinload(OnboardingPlan.tasks).joinedload(PlanTask.completed_by),
                 selectinload(OnboardingPlan.checkins))
    )
    if not can_view_plan(current_user, plan):
        abort(403)
    return plan


# --- the new hire ----------------------------------------------------------------------------


@bp.route("/")
@login_required
def home():
    """Where onboarding starts for everyone: the new hire's plan, a manager's or buddy's new hires, HR's overview."""
    if current_user.is_preboarding():
        return redirect(url_for("onboarding.welcome"))
    today = date.today()
    mine = service.current_plan(current_user, today)
    ctx = {
        "mine": mine,
        "team": service.team_onboarding(current_user, today),
        "buddying": service.buddy_plans(current_user, today),
        "manager_tasks": service.manager_tasks(current_user, today),
        "buddy_tasks": service.buddy_tasks(current_user, today),
        "pagination": None,
        "can_complete": lambda t: can_complete_task(current_user, t),
    }
    if can_manage_onboarding(current_user):
        ctx["pagination"] = paginate_rows(service.all_plans_query(today), _page_arg(), PER_PAGE)
    return render_template("lms/onboarding/home.html", today=today, **ctx, **_labels())


@bp.route("/welcome")
@login_required
def welcome():
    """Pre-boarding: the welcome, programme and practical pages, my pre-boarding tasks, buddy and cohort."""
    today = date.today()
    summary = service.onboarding_summary(current_user, today)
    plan = summary.get("plan")
    pages = []
    if plan is not None and plan.track_id is not None:
        pages = db.session.execute(
            select(TrackPage).where(TrackPage.track_id == plan.track_id).order_by(TrackPage.position, TrackPage.id)
        ).scalars().all()
    tasks = service.visible_tasks(plan, current_user, today) if plan else []
    summary["forum_url"] = forum_url(summary.get("forum"))
    return render_template("lms/onboarding/welcome.html", summary=summary, plan=plan, pages=pages,
                           can_complete=lambda t: can_complete_task(current_user, t),
                           tasks=[t for t in tasks if t.phase == Phase.preboarding],
                           spell=current_user.current_spell, today=today, **_labels())


@bp.route("/plans/<int:plan_id>")
@login_required
def plan_detail(plan_id: int):
    """A plan by phase: the new hire, manager, buddy and HR each see it and tick off their own tasks."""
    plan = _load_plan(plan_id)
    today = date.today()
    tasks = service.visible_tasks(plan, current_user, today)
    by_phase: dict[Phase, list[PlanTask]] = {}
    for task in tasks:
        by_phase.setdefault(task.phase, []).append(task)
    done, total = service.progress(tasks)
    return render_template(
        "lms/onboarding/plan.html", plan=plan, by_phase=by_phase, done=done, total=total, today=today,
        show_checkins=can_view_checkins(current_user, plan) and not current_user.is_preboarding(),
        can_complete=lambda t: can_complete_task(current_user, t),
        can_reopen=lambda t: can_reopen_task(current_user, t),
        can_set_buddy=can_set_buddy(current_user, plan) and not current_user.id == plan.user_id,
        **_labels(),
    )


def _load_task(task_id: int) -> PlanTask:
    task = db.first_or_404(
        select(PlanTask).where(PlanTask.id == task_id)
        .options(joinedload(PlanTask.plan).joinedload(OnboardingPlan.spell), joinedload(PlanTask.plan).joinedload(OnboardingPlan.user))
    )
    if not can_view_plan(current_user, task.plan):
        abort(403)
    return task


def _back_to(task: PlanTask):
    target = request.form.get("next", "")
    if target not in {"home", "welcome"}:
        return redirect(url_for("onboarding.plan_detail", plan_id=task.plan_id, _anchor=f"task-{task.id}"))
    return redirect(url_for(f"onboarding.{target}"))


@bp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@login_required
def task_complete(task_id: int):
    """Tick off a task; only its owner can."""
    task = _load_task(task_id)
    if not can_complete_task(current_user, task):
        abort(403)
    service.complete_task(task, current_user)
    db.session.commit()
    flash(_("Done: %(task)s", task=task.title), "success")
    return _back_to(task)


@bp.route("/tasks/<int:task_id>/reopen", methods=["POST"])
@login_required
def task_reopen(task_id: int):
    """Undo a completion made by mistake."""
    task = _load_task(task_id)
    if not can_reopen_task(current_user, task):
        abort(403)
    service.reopen_task(task)
    db.session.commit()
    flash(_("The task is open again."), "success")
    return _back_to(task)


@bp.route("/plans/<int:plan_id>/buddy", methods=["GET", "POST"])
@login_required
def plan_buddy(plan_id: int):
    """The manager or HR confirms the proposed buddy or chooses another colleague."""
    plan = _load_plan(plan_id)
    if not can_set_buddy(current_user, plan):
        abort(403)
    form = BuddyForm()
    candidates = service.buddy_candidates(plan.spell, limit=30)
    if plan.buddy is not None and plan.buddy not in candidates:
        candidates.insert(0, plan.buddy)
    form.buddy_id.choices = [(u.id, u.full_name) for u in candidates]
    if request.method == "GET":
        form.buddy_id.data = plan.buddy_id

    def save():
        buddy = db.session.get(User, form.buddy_id.data)
        if buddy is None:
            abort(400, _("Unknown person."))
        return service.set_buddy(plan, buddy, current_user)

    done = _submit(form, save, lambda p: _("%(name)s is the buddy.", name=p.buddy.full_name),
                   url_for("onboarding.plan_detail", plan_id=plan.id))
    return done or _page("lms/onboarding/buddy.html", form, plan=plan)


@bp.route("/checkins/<int:checkin_id>", methods=["GET", "POST"])
@login_required
def checkin_answer(checkin_id: int):
    """The day 30/60/90 check-in: asked to the new hire only."""
    checkin = db.first_or_404(
        select(CheckIn).where(CheckIn.id == checkin_id).options(joinedload(CheckIn.plan))
    )
    if checkin.plan.user_id != current_user.id:
        abort(403)
    if not can_answer_checkin(current_user, checkin):
        flash(_("This check-in is answered or not open yet."), "error")
        return redirect(url_for("onboarding.plan_detail", plan_id=checkin.plan_id))
    form = CheckInForm()
    done = _submit(form, lambda: service.answer_checkin(checkin, form.rating.data, form.comment.data),
                   _("Thank you. Your manager and HR will read your answer."), url_for("onboarding.home"))
    return done or _page("lms/onboarding/checkin.html", form, checkin=checkin)


@bp.route("/cohorts/<int:cohort_id>")
@login_required
def cohort_detail(cohort_id: int):
    """Who starts in the same month, and the way to the cohort forum."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_view_cohort(current_user, cohort.id):
        abort(403)
    forum = service.cohort_forum(cohort)
    return render_template("lms/onboarding/cohort.html", cohort=cohort, members=service.cohort_members(cohort),
                           forum=forum, forum_url=forum_url(forum), title=service.cohort_title(cohort))


# --- HR: tracks ------------------------------------------------------------------------------


@bp.route("/assign", methods=["POST"])
@require(can_manage_onboarding)
def assign_upcoming():
    """Give every future starter without a plan the matching track (safe to press twice)."""
    n = service.assign_upcoming()
    db.session.commit()
    flash(_("Onboarding assigned to %(n)d future starters.", n=n) if n
          else _("Every future starter with a matching track already has onboarding."), "success")
    return redirect(url_for("onboarding.home"))


@bp.route("/tracks")
@require(can_manage_onboarding)
def track_list():
    """HR's onboarding tracks."""
    tracks = db.session.execute(
        select(OnboardingTrack).options(joinedload(OnboardingTrack.department), selectinload(OnboardingTrack.tasks))
        .order_by(OnboardingTrack.is_active.desc(), OnboardingTrack.name)
    ).scalars().all()
    return render_template("lms/onboarding/tracks.html", tracks=tracks)


def _track_form(form: TrackForm) -> TrackForm:
    form.department_id.choices = [("", _("Every department"))] + [
        (d.id, "\u2003" * depth + d.name) for d, depth in department_tree() if d.is_active
    ]
    return form


def _track_data(form: TrackForm) -> service.TrackData:
    return service.TrackData(name=form.name.data, description=form.description.data or "",
                             department_id=form.department_id.data, job_title=form.job_title.data,
                             is_active=bool(form.is_active.data))


@bp.route("/tracks/new", methods=["GET", "POST"])
@require(can_manage_onboarding)
def track_new():
    form = _track_form(TrackForm())
    done = _submit(form, lambda: service.save_track(None, _track_data(form)), _("Track created. Now add its tasks."),
                   lambda t: url_for("onboarding.track_detail", track_id=t.id))
    return done or _page("lms/onboarding/track_form.html", form, track=None)


@bp.route("/tracks/<int:track_id>")
@require(can_manage_onboarding)
def track_detail(track_id: int):
    """A track's tasks by phase and its pre-boarding pages."""
    track = db.first_or_404(
        select(OnboardingTrack).where(OnboardingTrack.id == track_id)
        .options(selectinload(OnboardingTrack.tasks), selectinload(OnboardingTrack.pages))
    )
    by_phase: dict[Phase, list[TrackTask]] = {}
    for task in track.tasks:
        by_phase.setdefault(task.phase, []).append(task)
    return render_template("lms/onboarding/track.html", track=track, by_phase=by_phase, **_labels())


@bp.route("/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@require(can_manage_onboarding)
def track_edit(track_id: int):
    track = db.get_or_404(OnboardingTrack, track_id)
    form = _track_form(TrackForm(obj=track))
    done = _submit(form, lambda: service.save_track(track, _track_data(form)), _("Saved."),
                   url_for("onboarding.track_detail", track_id=track.id))
    return done or _page("lms/onboarding/track_form.html", form, track=track)


def _task_values(form: TrackTaskForm) -> dict:
    return {"title": form.title.data.strip(), "phase": Phase(form.phase.data), "area": Area(form.area.data),
            "owner": Owner(form.owner.data), "due_offset_days": form.due_offset_days.data,
            "position": form.position.data or 0, "description": form.description.data or ""}


@bp.route("/tracks/<int:track_id>/tasks/new", methods=["GET", "POST"])
@require(can_manage_onboarding)
def track_task_new(track_id: int):
    track = db.get_or_404(OnboardingTrack, track_id)
    form = TrackTaskForm()
    done = _submit(form, lambda: service.save_track_task(TrackTask(track=track), **_task_values(form)),
                   _("Task added."), url_for("onboarding.track_detail", track_id=track.id))
    return done or _page("lms/onboarding/track_task_form.html", form, track=track, task=None)


@bp.route("/track-tasks/<int:task_id>/edit", methods=["GET", "POST"])
@require(can_manage_onboarding)
def track_task_edit(task_id: int):
    task = db.get_or_404(TrackTask, task_id)
    form = TrackTaskForm(obj=task)
    if request.method == "GET":
        form.phase.data, form.area.data, form.owner.data = task.phase.value, task.area.value, task.owner.value
    done = _submit(form, lambda: service.save_track_task(task, **_task_values(form)), _("Saved."),
                   url_for("onboarding.track_detail", track_id=task.track_id))
    return done or _page("lms/onboarding/track_task_form.html", form, track=task.track, task=task)


@bp.route("/track-tasks/<int:task_id>/delete", methods=["POST"])
@require(can_manage_onboarding)
def track_task_delete(task_id: int):
    """Remove a task from the template; plans already made keep their copy."""
    task = db.get_or_404(TrackTask, task_id)
    track_id = task.track_id
    db.session.delete(task)
    db.session.commit()
    flash(_("Task removed from the track. Plans already made keep it."), "success")
    return redirect(url_for("onboarding.track_detail", track_id=track_id))


def _page_values(form: TrackPageForm) -> dict:
    return {"kind": PageKind(form.kind.data), "title": form.title.data.strip(), "body": form.body.data or "",
            "video_url": form.video_url.data, "position": form.position.data or 0}


@bp.route("/tracks/<int:track_id>/pages/new", methods=["GET", "POST"])
@require(can_manage_onboarding)
def track_page_new(track_id: int):
    track = db.get_or_404(OnboardingTrack, track_id)
    form = TrackPageForm()
    done = _submit(form, lambda: service.save_track_page(TrackPage(track=track), **_page_values(form)),
                   _("Page added."), url_for("onboarding.track_detail", track_id=track.id))
    return done or _page("lms/onboarding/track_page_form.html", form, track=track, page=None)


@bp.route("/track-pages/<int:page_id>/edit", methods=["GET", "POST"])
@require(can_manage_onboarding)
def track_page_edit(page_id: int):
    page = db.get_or_404(TrackPage, page_id)
    form = TrackPageForm(obj=page)
    if request.method == "GET":
        form.kind.data = page.kind.value
    done = _submit(form, lambda: service.save_track_page(page, **_page_values(form)), _("Saved."),
                   url_for("onboarding.track_detail", track_id=page.track_id))
    return done or _page("lms/onboarding/track_page_form.html", form, track=page.track, page=page)


@bp.route("/track-pages/<int:page_id>/delete", methods=["POST"])
@require(can_manage_onboarding)
def track_page_delete(page_id: int):
    page = db.get_or_404(TrackPage, page_id)
    track_id = page.track_id
    db.session.delete(page)
    db.session.commit()
    flash(_("Page removed."), "success")
    return redirect(url_for("onboarding.track_detail", track_id=track_id))


# --- CLI -------------------------------------------------------------------------------------


@bp.cli.command("assign")
def assign_command():
    """Assign onboarding to every future starter who has none yet: `flask --app wsgi onboarding assign`."""
    n = service.assign_upcoming()
    db.session.commit()
    click.echo(f"Onboarding assigned to {n} future starters.")
