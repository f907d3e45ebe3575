"""Mentoring pages: my mentor profile, finding a mentor, my mentorships with sessions and feedback,
the mentor's inbox, and HR's matching runs, proposals, open requests and mentor load."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.core.dashboard import register_panel
from lms.core.pagination import paginate_rows
from lms.extensions import db
from lms.people.service import ValidationError
from lms.people.views import _page, _page_arg, _submit, require
from lms.queue import enqueue
from plans.competencies.models import Competency

from . import service
from .forms import DeclineForm, FeedbackForm, GoalsForm, RequestForm, SessionForm, language_labels, mode_labels, \
    profile_form
from .models import MatchingRun, MatchStatus, MentorMatch, MentorRequest, Mentorship, RequestSkill, RunStatus, WorkMode
from .permissions import (
    can_give_feedback,
    can_manage_mentoring,
    can_respond,
    can_view_mentorship,
    can_view_request,
    can_withdraw_request,
    can_work_in,
)

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")
PER_PAGE = 25


def _dashboard(user, today) -> dict | None:
    """My mentorships, a mentor's waiting proposals, my request, HR's review queue."""
    context = service.dashboard_context(user, today)
    return context if any(context.values()) else None


register_panel("mentoring", "plans/mentoring/_dashboard.html", _dashboard, order=45)


@bp.app_context_processor
def inject_predicates():
    return {"can_manage_mentoring": can_manage_mentoring}


def _labels() -> dict:
    return {"mode_labels": mode_labels(), "language_labels": language_labels(), "WorkMode": WorkMode,
            "MatchStatus": MatchStatus}


def _competencies() -> list[Competency]:
    return list(db.session.execute(
        select(Competency).where(Competency.is_active.is_(True)).order_by(Competency.category, Competency.name)
    ).scalars())


# --- everyone --------------------------------------------------------------------------------


@bp.route("/")
@login_required
def home():
    """My request, my mentorships as mentee and as mentor, and the way to my profile and inbox."""
    as_mentee, as_mentor = service.mentorships_of(current_user)
    my_request = service.open_request_of(current_user)
    return render_template(
        "plans/mentoring/home.html", as_mentee=as_mentee, as_mentor=as_mentor, my_request=my_request,
        request_state=service.request_state(my_request) if my_request else None,
        profile=service.profile_of(current_user), inbox=service.inbox(current_user), **_labels(),
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile_edit():
    """Offer mentoring: skills with levels, capacity, languages, where to meet; publish or pause."""
    profile = service.profile_of(current_user)
    competencies = _competencies()
    form = profile_form(competencies)
    if request.method == "GET" and profile is not None:
        form.capacity.data, form.location.data = profile.capacity, profile.location
        form.bio.data, form.is_published.data = profile.bio, profile.is_published
        form.mode.data = profile.mode.value
        form.languages.data = list(profile.languages or [])
        for skill in profile.skills:
            field = getattr(form, f"level_{skill.competency_id}", None)
            if field is not None:
                field.data = str(skill.level)
    elif request.method == "GET":
        form.languages.data = [current_user.preferred_language or "en"]

    def save():
        skills = {int(f.name.removeprefix("level_")): int(f.data) for f in form.level_fields() if f.data}
        return service.save_profile(current_user, service.ProfileData(
            capacity=form.capacity.data, languages=form.languages.data, mode=WorkMode(form.mode.data),
            location=form.location.data or "", bio=form.bio.data or "", is_published=bool(form.is_published.data),
            skills=skills,
        ))

    done = _submit(form, save, lambda p: _("Your mentor profile is published.") if p.is_published
                   else _("Your mentor profile is saved and paused."), url_for("mentoring.home"))
    return done or _page("plans/mentoring/profile_form.html", form, profile=profile,
                         has_competencies=bool(competencies))


def _publish(published: bool):
    profile = service.profile_of(current_user)
    if profile is None:
        abort(404)
    try:
        service.set_published(profile, published)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("mentoring.profile_edit"))
    db.session.commit()
    flash(_("Your mentor profile is published.") if published
          else _("Your mentor profile is paused: no new mentees until you publish it again."), "success")
    return redirect(url_for("mentoring.home"))


@bp.route("/profile/publish", methods=["POST"])
@login_required
def profile_publish():
    """Take part in matching again."""
    return _publish(True)


@bp.route("/profile/pause", methods=["POST"])
@login_required
def profile_pause():
    """No new mentees for now; current mentorships go on."""
    return _publish(False)


@bp.route("/request", methods=["GET", "POST"])
@login_required
def request_new():
    """Find a mentor: the goal, the skills to grow, and preferences."""
    existing = service.open_request_of(current_user)
    if existing is not None:
        flash(_("You already have an open request."), "info")
        return redirect(url_for("mentoring.request_detail", request_id=existing.id))
    competencies = _competencies()
    form = RequestForm(competencies)
    # From a goal of one's own development plan ("find a mentor for this goal"): the request is
    # tied to it and starts from its title and competency. Someone else's goal is simply ignored.
    goal = service.own_goal(current_user, request.args.get("goal", type=int))
    if request.method == "GET":
        form.language.data = current_user.preferred_language
        if goal is not None:
            form.goal.data = goal.title
            if goal.competency_id is not None:
                form.skills.data = [goal.competency_id]

    def save():
        return service.create_request(current_user, service.RequestData(
            goal=form.goal.data, skills=form.skills.data, language=form.language.data,
            is_language_required=bool(form.is_language_required.data), mode=WorkMode(form.mode.data),
            location=form.location.data or "", prefers_other_department=bool(form.prefers_other_department.data),
            goal_id=goal.id if goal is not None else None,
        ))

    done = _submit(form, save, _("Your request is in. HR matches mentors regularly; you will hear from your mentor."),
                   lambda r: url_for("mentoring.request_detail", request_id=r.id))
    return done or _page("plans/mentoring/request_form.html", form, has_competencies=bool(competencies))


def _load_request(request_id: int) -> MentorRequest:
    req = db.first_or_404(
        select(MentorRequest).where(MentorRequest.id == request_id)
        .options(joinedload(MentorRequest.mentee), selectinload(MentorRequest.matches).joinedload(MentorMatch.mentor),
                 selectinload(MentorRequest.skills).joinedload(RequestSkill.competency))
    )
    if not can_view_request(current_user, req):
        abort(403)
    return req


@bp.route("/requests/<int:request_id>")
@login_required
def request_detail(request_id: int):
    req = _load_request(request_id)
    hr = can_manage_mentoring(current_user)
    return render_template("plans/mentoring/request.html", req=req, state=service.request_state(req),
                           can_withdraw=can_withdraw_request(current_user, req) and req.status.value == "open",
                           matches=req.matches if hr else [], explanations=service.explanations(req.matches) if hr else {},
                           **_labels())


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@login_required
def request_withdraw(request_id: int):
    req = _load_request(request_id)
    if not can_withdraw_request(current_user, req):
        abort(403)
    try:
        service.withdraw_request(req)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("mentoring.request_detail", request_id=req.id))
    db.session.commit()
    flash(_("Your request is withdrawn."), "success")
    return redirect(url_for("mentoring.home"))


# --- the mentor's inbox ----------------------------------------------------------------------


@bp.route("/inbox")
@login_required
def inbox():
    """Proposals HR approved, waiting for this mentor's yes or no."""
    matches = service.inbox(current_user)
    return render_template("plans/mentoring/inbox.html", matches=matches, explanations=service.explanations(matches),
                           **_labels())


def _load_match(match_id: int) -> MentorMatch:
    match = db.first_or_404(
        select(MentorMatch).where(MentorMatch.id == match_id)
        .options(joinedload(MentorMatch.request).joinedload(MentorRequest.mentee), joinedload(MentorMatch.mentor))
    )
    if match.mentor_id != current_user.id and not can_manage_mentoring(current_user):
        abort(403)
    return match


@bp.route("/matches/<int:match_id>/accept", methods=["POST"])
@login_required
def match_accept(match_id: int):
    match = _load_match(match_id)
    if match.mentor_id != current_user.id:
        abort(403)
    if not can_respond(current_user, match):
        flash(_("This proposal is no longer waiting for an answer."), "error")
        return redirect(url_for("mentoring.inbox"))
    try:
        mentorship = service.accept(match, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("mentoring.inbox"))
    db.session.commit()
    flash(_("You are now the mentor of %(name)s.", name=mentorship.mentee.full_name), "success")
    return redirect(url_for("mentoring.mentorship_detail", mentorship_id=mentorship.id))


@bp.route("/matches/<int:match_id>/decline", methods=["GET", "POST"])
@login_required
def match_decline(match_id: int):
    match = _load_match(match_id)
    if match.mentor_id != current_user.id:
        abort(403)
    if not can_respond(current_user, match):
        flash(_("This proposal is no longer waiting for an answer."), "error")
        return redirect(url_for("mentoring.inbox"))
    form = DeclineForm()
    done = _submit(form, lambda: service.decline(match, current_user, form.note.data or ""),
                   _("Declined. The request goes back to HR's next matching run."), url_for("mentoring.inbox"))
    return done or _page("plans/mentoring/decline.html", form, match=match)


# --- mentorships -----------------------------------------------------------------------------


def _load_mentorship(mentorship_id: int) -> Mentorship:
    mentorship = db.first_or_404(
        select(Mentorship).where(Mentorship.id == mentorship_id)
        .options(joinedload(Mentorship.mentor), joinedload(Mentorship.mentee), selectinload(Mentorship.sessions))
    )
    if not can_view_mentorship(current_user, mentorship):
        abort(403)
    return mentorship


def _mentorship_page(mentorship: Mentorship, goals_form=None, session_form=None, feedback_form=None, status=200):
    return render_template(
        "plans/mentoring/mentorship.html", mentorship=mentorship,
        goals_form=goals_form or GoalsForm(goals=mentorship.goals), session_form=session_form or SessionForm(),
        feedback_form=feedback_form or FeedbackForm(), can_work=can_work_in(current_user, mentorship),
        can_feedback=can_give_feedback(current_user, mentorship), **_labels(),
    ), status


@bp.route("/mentorships/<int:mentorship_id>")
@login_required
def mentorship_detail(mentorship_id: int):
    """Goals, sessions and (at the end) feedback; for the two participants and HR."""
    return _mentorship_page(_load_mentorship(mentorship_id))


def _mentorship_post(mentorship_id: int, form_cls, kwarg: str, action, message: str, predicate):
    mentorship = _load_mentorship(mentorship_id)
    if not predicate(current_user, mentorship):
        abort(403)
    form = form_cls()
    target = url_for("mentoring.mentorship_detail", mentorship_id=mentorship.id)
    done = _submit(form, lambda: action(mentorship, form), message, target)
    return done or _mentorship_page(mentorship, **{kwarg: form}, status=400)


@bp.route("/mentorships/<int:mentorship_id>/goals", methods=["POST"])
@login_required
def mentorship_goals(mentorship_id: int):
    return _mentorship_post(mentorship_id, GoalsForm, "goals_form",
                            lambda m, f: service.update_goals(m, f.goals.data or ""), _("Goals saved."), can_work_in)


@bp.route("/mentorships/<int:mentorship_id>/sessions", methods=["POST"])
@login_required
def mentorship_session(mentorship_id: int):
    return _mentorship_post(
        mentorship_id, SessionForm, "session_form",
        lambda m, f: service.log_session(m, current_user, f.held_on.data, f.duration_minutes.data, f.notes.data or ""),
        _("Session logged."), can_work_in,
    )


@bp.route("/mentorships/<int:mentorship_id>/end", methods=["POST"])
@login_required
def mentorship_end(mentorship_id: int):
    return _mentorship_post(
        mentorship_id, FeedbackForm, "feedback_form",
        lambda m, f: service.end_mentorship(m, current_user, f.rating.data, f.feedback.data or ""),
        _("Thank you for your feedback."), can_give_feedback,
    )


# --- HR --------------------------------------------------------------------------------------


@bp.route("/admin")
@require(can_manage_mentoring)
def admin():
    """HR's overview: runs, the pool, and starting a run."""
    runs = paginate_rows(select(MatchingRun).options(joinedload(MatchingRun.started_by))
                         .order_by(MatchingRun.id.desc()), _page_arg(), PER_PAGE)
    return render_template("plans/mentoring/admin.html", runs=runs, pool=len(service.pool_requests()),
                           running=service.running_run(), review=db.session.execute(
                               select(MentorMatch.id).where(MentorMatch.status == MatchStatus.proposed)
                           ).scalars().all())


@bp.route("/admin/runs", methods=["POST"])
@require(can_manage_mentoring)
def run_start():
    """Start a matching run over every open request; large pools are matched in the background."""
    try:
        run = service.start_run(current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("mentoring.admin"))
    if len(service.pool_requests()) <= service.SYNC_LIMIT:
        service.execute_run(run)
        db.session.commit()
        flash(_("Matching done: %(n)d proposals to review.", n=run.n_proposals), "success")
    else:
        from .tasks import execute_run

        enqueue(execute_run, run.id)  # sent once the run's row is committed
        db.session.commit()
        flash(_("Matching started. You will be notified when the proposals are ready."), "success")
    return redirect(url_for("mentoring.run_detail", run_id=run.id))


@bp.route("/admin/runs/<int:run_id>")
@require(can_manage_mentoring)
def run_detail(run_id: int):
    """A run's proposals with fit and explanation, to approve or reject."""
    run = db.get_or_404(MatchingRun, run_id)
    matches = db.session.execute(
        select(MentorMatch).where(MentorMatch.run_id == run.id)
        .options(joinedload(MentorMatch.mentor), joinedload(MentorMatch.request).joinedload(MentorRequest.mentee),
                 joinedload(MentorMatch.request).selectinload(MentorRequest.skills).joinedload(RequestSkill.competency))
        .order_by(MentorMatch.fit.desc(), MentorMatch.id)
    ).unique().scalars().all()
    return render_template("plans/mentoring/run.html", run=run, matches=matches,
                           explanations=service.explanations(matches), RunStatus=RunStatus, **_labels())


def _hr_match(match_id: int) -> MentorMatch:
    return db.first_or_404(
        select(MentorMatch).where(MentorMatch.id == match_id)
        .options(joinedload(MentorMatch.request).joinedload(MentorRequest.mentee), joinedload(MentorMatch.mentor))
    )


def _decide(match_id: int, approve: bool):
    match = _hr_match(match_id)
    try:
        (service.approve if approve else service.reject)(match, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Approved: %(mentor)s is asked to mentor %(mentee)s.", mentor=match.mentor.full_name,
                mentee=match.request.mentee.full_name) if approve
              else _("Rejected: %(mentee)s goes back to the pool.", mentee=match.request.mentee.full_name), "success")
    if match.run_id:
        return redirect(url_for("mentoring.run_detail", run_id=match.run_id, _anchor=f"match-{match.id}"))
    return redirect(url_for("mentoring.admin"))


@bp.route("/admin/matches/<int:match_id>/approve", methods=["POST"])
@require(can_manage_mentoring)
def match_approve(match_id: int):
    """HR agrees: the mentor is asked."""
    return _decide(match_id, True)


@bp.route("/admin/matches/<int:match_id>/reject", methods=["POST"])
@require(can_manage_mentoring)
def match_reject(match_id: int):
    """HR disagrees: the request goes back to the pool, never again with this mentor."""
    return _decide(match_id, False)


@bp.route("/admin/runs/<int:run_id>/approve-all", methods=["POST"])
@require(can_manage_mentoring)
def run_approve_all(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    n = service.approve_all(run, current_user)
    db.session.commit()
    flash(_("%(n)d proposals approved; the mentors are asked.", n=n), "success")
    return redirect(url_for("mentoring.run_detail", run_id=run.id))


@bp.route("/admin/requests")
@require(can_manage_mentoring)
def admin_requests():
    """Every open request and where it stands."""
    requests = service.open_requests()
    return render_template("plans/mentoring/admin_requests.html", requests=requests,
                           states={r.id: service.request_state(r) for r in requests}, **_labels())


@bp.route("/admin/mentors")
@require(can_manage_mentoring)
def admin_mentors():
    """Mentors with their capacity, active mentorships and pending proposals."""
    return render_template("plans/mentoring/admin_mentors.html", rows=service.mentor_loads(), **_labels())


@bp.route("/admin/mentorships")
@require(can_manage_mentoring)
def admin_mentorships():
    """Every mentorship, active first."""
    page = paginate_rows(
        select(Mentorship).options(joinedload(Mentorship.mentor), joinedload(Mentorship.mentee))
        .order_by(Mentorship.status, Mentorship.started_on.desc(), Mentorship.id.desc()), _page_arg(), PER_PAGE)
    return render_template("plans/mentoring/admin_mentorships.html", pagination=page)

