"""Competency pages: my skills and gaps (to my role and a target role) with suggested courses,
assessments by the person and their manager, career paths and interest; HR's framework, role
profiles, career paths, internal candidates, gap heatmap and the 12–24 month forecast."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.core.forms import BaseForm
from lms.courses.models import Course, CourseStatus
from lms.extensions import db
from lms.people.models import User
from lms.people.service import ValidationError
from lms.people.views import _page, _submit, require

from . import service
from .forms import CompetencyForm, CourseLinkForm, InterestForm, RoleForm, TransitionForm, transition_labels
from .models import MAX_LEVEL, MIN_LEVEL, AssessmentSource, Competency, CourseCompetency, JobRole, RoleTransition, TransitionKind
from .permissions import assessment_source, can_manage_framework, can_view_org_gaps, can_view_skills

bp = Blueprint("competencies", __name__, url_prefix="/competencies")


@bp.app_context_processor
def inject_predicates():
    return {"can_manage_framework": can_manage_framework, "can_view_org_gaps": can_view_org_gaps}


def _skills_context(person: User) -> dict:
    from plans.devplans.permissions import can_edit_person_plan
    from plans.devplans.service import plan_of

    role = service.role_of(person)
    plan = plan_of(person)
    target = plan.target_role if plan is not None else None
    rows = service.gap_rows(person, role)
    target_rows = service.gap_rows(person, target) if target is not None and target != role else []
    shown = {r.competency.id for r in rows} | {r.competency.id for r in target_rows}
    extra = [c for c in service.active_competencies() if c.id not in shown]
    return {"person": person, "role": role, "target": target, "rows": rows, "target_rows": target_rows,
            "by_source": service.levels_by_source(person), "extra": extra, "Source": AssessmentSource,
            "source": assessment_source(current_user, person), "levels": range(MIN_LEVEL, MAX_LEVEL + 1),
            "form": BaseForm(), "can_plan": can_edit_person_plan(current_user, person)}


@bp.route("/")
@login_required
def my_skills():
    """My levels and gaps to my role and target role, with courses that close them."""
    return render_template("plans/competencies/skills.html", **_skills_context(current_user))


@bp.route("/people/<int:user_id>")
@login_required
def person_skills(user_id: int):
    """A report's levels and gaps: their manager assesses here; HR reads."""
    person = db.get_or_404(User, user_id)
    if not can_view_skills(current_user, person):
        abort(403)
    if person.id == current_user.id:
        return redirect(url_for("competencies.my_skills"))
    return render_template("plans/competencies/skills.html", **_skills_context(person))


@bp.route("/people/<int:user_id>/assess", methods=["POST"])
@login_required
def assess(user_id: int):
    """Save levels (fields `level-<competency id>`, 1–5 or empty to leave as is)."""
    person = db.get_or_404(User, user_id)
    source = assessment_source(current_user, person)
    if source is None:
        abort(403)
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400, _("Your form expired. Reload the page and try again."))
    comps = {c.id: c for c in service.active_competencies()}
    changed = 0
    for key, value in request.form.items():
        if not key.startswith("level-") or not value:
            continue
        cid = key.removeprefix("level-")
        if not cid.isdigit() or int(cid) not in comps or not value.isdigit() or not MIN_LEVEL <= int(value) <= MAX_LEVEL:
            abort(400, _("Levels run from 1 to 5, for competencies of the framework."))
        if service.assess(person, comps[int(cid)], int(value), source, current_user) is not None:
            changed += 1
    db.session.commit()
    flash(ngettext_levels(changed), "success")
    if person.id == current_user.id:
        return redirect(url_for("competencies.my_skills"))
    return redirect(url_for("competencies.person_skills", user_id=person.id))


def ngettext_levels(n: int) -> str:
    from flask_babel import ngettext

    return ngettext("%(num)d level saved.", "%(num)d levels saved.", n) if n else _("Nothing changed.")


# --- career paths --------------------------------------------------------------------------------


@bp.route("/career")
@login_required
def career():
    """Where my role can lead: promotions and lateral moves, my gap to each, and my interest."""
    return render_template("plans/competencies/career.html", role=service.role_of(current_user),
                           options=service.career_options(current_user), labels=transition_labels(),
                           form=InterestForm())


@bp.route("/career/<int:role_id>/interest", methods=["POST"])
@login_required
def career_interest(role_id: int):
    """Say (or withdraw) that I am interested in a role; my manager and HR see it."""
    role = db.get_or_404(JobRole, role_id)
    form = InterestForm()
    if not form.validate_on_submit():
        abort(400, _("The note is too long."))
    interested = request.form.get("interested") == "1"
    service.set_interest(current_user, role, interested, form.note.data or "")
    db.session.commit()
    flash(_("Your manager and HR can see that you are interested in %(role)s.", role=role.title) if interested
          else _("You are no longer listed as interested in %(role)s.", role=role.title), "success")
    return redirect(url_for("competencies.career"))


# --- HR: the framework ---------------------------------------------------------------------------


@bp.route("/framework")
@require(can_manage_framework)
def framework():
    """The competency framework by category, with the courses linked to each."""
    links = db.session.execute(
        select(CourseCompetency).options(joinedload(CourseCompetency.course))
    ).scalars().all()
    by_comp: dict[int, list] = {}
    for link in links:
        by_comp.setdefault(link.competency_id, []).append(link)
    return render_template("plans/competencies/framework.html", competencies=service.framework(), links=by_comp)


def _competency_save(comp: Competency | None, form: CompetencyForm):
    return service.save_competency(comp, form.name.data, form.category.data or "", form.description.data or "",
                                   {n: getattr(form, f"level_{n}").data for n in range(1, 6)},
                                   bool(form.is_active.data))


@bp.route("/framework/new", methods=["GET", "POST"])
@require(can_manage_framework)
def competency_new():
    """HR adds a competency with its level descriptions."""
    form = CompetencyForm()
    done = _submit(form, lambda: _competency_save(None, form), _("Competency added."),
                   lambda c: url_for("competencies.competency_edit", competency_id=c.id))
    return done or _page("plans/competencies/competency_form.html", form, competency=None)


@bp.route("/framework/<int:competency_id>", methods=["GET", "POST"])
@require(can_manage_framework)
def competency_edit(competency_id: int):
    """HR edits a competency, its level descriptions and the courses that build it."""
    comp = db.get_or_404(Competency, competency_id)
    form = CompetencyForm(obj=comp)
    if request.method == "GET":
        for n in range(1, 6):
            getattr(form, f"level_{n}").data = comp.level_description(n)
    done = _submit(form, lambda: _competency_save(comp, form), _("Saved."),
                   url_for("competencies.competency_edit", competency_id=comp.id))
    link_form = _link_form(CourseLinkForm(formdata=None))
    links = db.session.execute(select(CourseCompetency).where(CourseCompetency.competency_id == comp.id)
                               .options(joinedload(CourseCompetency.course))).scalars().all()
    return done or _page("plans/competencies/competency_form.html", form, competency=comp, link_form=link_form,
                         links=links)


def _link_form(form: CourseLinkForm) -> CourseLinkForm:
    form.course_id.choices = [(c.id, c.title) for c in db.session.execute(
        select(Course).where(Course.status == CourseStatus.published).order_by(Course.title).limit(1000)).scalars()]
    return form


@bp.route("/framework/<int:competency_id>/courses", methods=["POST"])
@require(can_manage_framework)
def course_link(competency_id: int):
    """Link a catalogue course that builds this competency (suggested to people with a gap)."""
    comp = db.get_or_404(Competency, competency_id)
    form = _link_form(CourseLinkForm())
    if not form.validate_on_submit():
        abort(400, _("Choose a published course and a level from 1 to 5."))
    service.link_course(form.course_id.data, comp, form.level.data)
    db.session.commit()
    flash(_("Course linked."), "success")
    return redirect(url_for("competencies.competency_edit", competency_id=comp.id, _anchor="courses"))


@bp.route("/framework/<int:competency_id>/courses/<int:course_id>/remove", methods=["POST"])
@require(can_manage_framework)
def course_unlink(competency_id: int, course_id: int):
    """HR removes a course from a competency's suggestions."""
    link = db.get_or_404(CourseCompetency, (course_id, competency_id))
    db.session.delete(link)
    db.session.commit()
    flash(_("Course unlinked."), "success")
    return redirect(url_for("competencies.competency_edit", competency_id=competency_id, _anchor="courses"))


# --- HR: role profiles and career paths --------------------------------------------------------------


@bp.route("/roles")
@require(can_manage_framework)
def roles():
    """Role profiles: every job title with required levels, and where it leads."""
    rows = db.session.execute(
        select(JobRole).options(selectinload(JobRole.requirements), joinedload(JobRole.department))
        .order_by(JobRole.title)
    ).unique().scalars().all()
    return render_template("plans/competencies/roles.html", roles=rows)


def _role_form(form: RoleForm) -> RoleForm:
    form.department_id.choices = [("", _("Any department"))] + [(d.id, d.name) for d in service.department_choices()]
    return form


def _role_save(role: JobRole | None, form: RoleForm) -> JobRole:
    return service.save_role(role, form.title.data, form.description.data or "", form.department_id.data,
                             form.seniority.data)


@bp.route("/roles/new", methods=["GET", "POST"])
@require(can_manage_framework)
def role_new():
    """HR adds a role profile (matched to people by job title)."""
    form = _role_form(RoleForm())
    done = _submit(form, lambda: _role_save(None, form), _("Role added. Now set its required levels."),
                   lambda r: url_for("competencies.role_detail", role_id=r.id))
    return done or _page("plans/competencies/role_form.html", form, role=None)


@bp.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@require(can_manage_framework)
def role_edit(role_id: int):
    """HR edits a role's title, department and seniority."""
    role = db.get_or_404(JobRole, role_id)
    form = _role_form(RoleForm(obj=role))
    done = _submit(form, lambda: _role_save(role, form), _("Saved."),
                   url_for("competencies.role_detail", role_id=role.id))
    return done or _page("plans/competencies/role_form.html", form, role=role)


def _transition_form(role: JobRole, form: TransitionForm) -> TransitionForm:
    form.to_role_id.choices = [(r.id, r.title) for r in db.session.execute(
        select(JobRole).where(JobRole.id != role.id).order_by(JobRole.title)).scalars()]
    return form


@bp.route("/roles/<int:role_id>")
@require(can_manage_framework)
def role_detail(role_id: int):
    """A role's profile (today and in 12–24 months), where it leads, and internal candidates."""
    role = db.get_or_404(JobRole, role_id)
    reqs = {r.competency_id: r for r in role.requirements}
    transitions = db.session.execute(
        select(RoleTransition).where((RoleTransition.from_role_id == role.id) | (RoleTransition.to_role_id == role.id))
        .options(joinedload(RoleTransition.from_role), joinedload(RoleTransition.to_role))
    ).scalars().all()
    candidates = service.candidates_for(role) if can_view_org_gaps(current_user) else []
    return render_template("plans/competencies/role.html", role=role, reqs=reqs, competencies=service.framework(),
                           transitions=transitions, labels=transition_labels(), candidates=candidates,
                           form=BaseForm(), transition_form=_transition_form(role, TransitionForm(formdata=None)),
                           levels=range(MIN_LEVEL, MAX_LEVEL + 1))


def _level(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit() or not MIN_LEVEL <= int(value) <= MAX_LEVEL:
        abort(400, _("Levels run from 1 to 5."))
    return int(value)


@bp.route("/roles/<int:role_id>/requirements", methods=["POST"])
@require(can_manage_framework)
def role_requirements(role_id: int):
    """Save the whole profile: `level-<id>` (empty: not required) and `future-<id>` per competency."""
    role = db.get_or_404(JobRole, role_id)
    if not BaseForm().validate_on_submit():
        abort(400, _("Your form expired. Reload the page and try again."))
    wanted = {}
    for comp in service.framework():
        level, future = _level(request.form.get(f"level-{comp.id}")), _level(request.form.get(f"future-{comp.id}"))
        wanted[comp.id] = (level, future if level is not None and future != level else None)
    try:
        service.set_requirements(role, wanted)
    except ValidationError as exc:
        db.session.rollback()
        abort(400, str(exc.message))
    db.session.commit()
    flash(_("Role profile saved."), "success")
    return redirect(url_for("competencies.role_detail", role_id=role.id))


@bp.route("/roles/<int:role_id>/transitions", methods=["POST"])
@require(can_manage_framework)
def transition_add(role_id: int):
    """HR adds a career path from this role (promotion or lateral move)."""
    role = db.get_or_404(JobRole, role_id)
    form = _transition_form(role, TransitionForm())
    if not form.validate_on_submit():
        abort(400, _("Choose another role and the kind of move."))
    service.add_transition(role, db.get_or_404(JobRole, form.to_role_id.data), TransitionKind(form.kind.data))
    db.session.commit()
    flash(_("Career path added."), "success")
    return redirect(url_for("competencies.role_detail", role_id=role.id, _anchor="paths"))


@bp.route("/transitions/<int:transition_id>/remove", methods=["POST"])
@require(can_manage_framework)
def transition_remove(transition_id: int):
    """HR removes a career path."""
    transition = db.get_or_404(RoleTransition, transition_id)
    role_id = transition.from_role_id
    db.session.delete(transition)
    db.session.commit()
    flash(_("Career path removed."), "success")
    return redirect(url_for("competencies.role_detail", role_id=role_id, _anchor="paths"))


# --- HR: the organisation's gaps -----------------------------------------------------------------------


@bp.route("/heatmap")
@require(can_view_org_gaps)
def heatmap():
    """Average gap to the role by department or team and competency (today or in 12–24 months)."""
    by = request.args.get("by", "department")
    horizon = request.args.get("horizon", "now")
    if by not in ("department", "team") or horizon not in ("now", "future"):
        abort(400, _("Group by department or team, for now or the future."))
    return render_template("plans/competencies/heatmap.html", heat=service.gap_heatmap(by, future=horizon == "future"),
                           by=by, horizon=horizon)


@bp.route("/forecast")
@require(can_view_org_gaps)
def forecast():
    """What the organisation will need in 12–24 months against what it has."""
    return render_template("plans/competencies/forecast.html", rows=service.future_forecast())


@bp.route("/candidates")
@require(can_view_org_gaps)
def candidates():
    """Internal candidates for any role: pick a role."""
    role_id = request.args.get("role", type=int)
    all_roles = db.session.execute(select(JobRole).order_by(JobRole.title)).scalars().all()
    role = db.get_or_404(JobRole, role_id) if role_id else None
    return render_template("plans/competencies/candidates.html", roles=all_roles, role=role,
                           candidates=service.candidates_for(role) if role else [])
