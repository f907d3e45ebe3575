"""HR and admin pages for people, employment spells and departments; the manager's team page."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.tasks import send_password_reset_email
from ..core.pagination import paginate_rows
from ..queue import enqueue
from ..extensions import db
from . import service
from .forms import DepartmentForm, PersonForm, SpellForm, as_choices, role_labels
from .models import AuditEntry, Department, EmploymentSpell, EndType, Role, User
from .presenters import readable_changes
from .permissions import (
    can_edit_person,
    can_manage_people,
    can_view_audit,
    can_view_person,
    can_view_team,
    grantable_roles,
)

bp = Blueprint("people", __name__)
PER_PAGE = 25


def require(predicate):
    """Signed in and `predicate(current_user)` true, or 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _apply_errors(form, exc: service.ValidationError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc.message)]
    else:
        flash(str(exc.message), "error")


def _submit(form, action, message, target):
    """Validate the form and run `action`; commit, flash and redirect on success, or put the
    domain error next to its field (nothing half-saved). Returns the redirect, or None."""
    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except service.ValidationError as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return None
    db.session.commit()
    flash(message(result) if callable(message) else message, "success")
    return redirect(target(result) if callable(target) else target)


def _page(template: str, form, **context):
    return render_template(template, form=form, **context), 400 if form.is_submitted() else 200


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > 10_000:
        abort(400, _("The page number is out of range."))
    return page


# --- people ----------------------------------------------------------------------------------


@bp.route("/people")
@require(can_manage_people)
def people_list():
    """Search and page through everyone."""
    q = request.args.get("q", "").strip()[:100]
    dept_id = request.args.get("department", type=int)
    show_inactive = request.args.get("inactive") == "1"
    pagination = paginate_rows(service.people_query(q, dept_id, show_inactive), _page_arg(), PER_PAGE)
    return render_template(
        "lms/people/list.html", rows=pagination.items, pagination=pagination, q=q, dept_id=dept_id,
        show_inactive=show_inactive, departments=service.department_tree(),
    )


def _person_form(form: PersonForm, person: User | None) -> PersonForm:
    allowed = grantable_roles(current_user)
    labels = role_labels()
    form.roles.choices = as_choices(
        (r.value, labels[r.value]) for r in Role if r in allowed or (person and r in person.roles)
    )
    if request.method == "GET":
        form.roles.data = [r.value for r in (person.roles if person else {Role.employee})]
    return form


def _roles_from_form(form: PersonForm, person: User | None) -> set[Role]:
    wanted = {Role(r) for r in form.roles.data or [] if r in Role._value2member_map_}
    allowed = grantable_roles(current_user)
    current = person.roles if person else set()
    # Roles the editor may not grant or remove stay exactly as they were.
    return {r for r in wanted if r in allowed} | {r for r in current if r not in allowed}


@bp.route("/people/new", methods=["GET", "POST"])
@require(can_manage_people)
def person_new():
    """Create a person and, optionally, their first employment spell afterwards."""
    form = _person_form(PersonForm(), None)
    done = _submit(
        form,
        lambda: service.create_user(
            email=form.email.data, first_name=form.first_name.data, last_name=form.last_name.data,
            roles=_roles_from_form(form, None), preferred_language=form.preferred_language.data,
            employee_number=form.employee_number.data, is_mentor=form.is_mentor.data,
        ),
        lambda person: _("%(name)s was added. Now record their employment; then send them a sign-in link "
                         "from their page.", name=person.full_name),
        lambda person: url_for("people.spell_new", user_id=person.id),
    )
    return done or _page("lms/people/form.html", form, person=None)


@bp.route("/people/<int:user_id>")
@login_required
def person_detail(user_id: int):
    """A person's details and employment history: themselves, their manager, HR and admins."""
    person = db.get_or_404(User, user_id)
    if not can_view_person(current_user, person):
        abort(403)
    history = []
    if can_view_audit(current_user):
        history = db.session.execute(
            select(AuditEntry).where(AuditEntry.subject_user_id == person.id)
            .options(selectinload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(20)
        ).scalars().all()
    return render_template("lms/people/detail.html", person=person, history=history, role_labels=role_labels(),
                           readable=readable_changes(history))


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def person_edit(user_id: int):
    person = db.get_or_404(User, user_id)
    if not can_edit_person(current_user, person):
        abort(403)
    form = _person_form(PersonForm(obj=person), person)
    if request.method == "GET":
        form.preferred_language.data = person.preferred_language or ""
    done = _submit(
        form,
        lambda: service.update_user(
            person, email=form.email.data, first_name=form.first_name.data, last_name=form.last_name.data,
            roles=_roles_from_form(form, person), preferred_language=form.preferred_language.data,
            employee_number=form.employee_number.data, is_mentor=form.is_mentor.data,
        ),
        _("Saved."),
        url_for("people.person_detail", user_id=person.id),
    )
    return done or _page("lms/people/form.html", form, person=person)


@bp.route("/people/<int:user_id>/active", methods=["POST"])
@login_required
def person_set_active(user_id: int):
    """Deactivate (sign-in blocked, history kept) or reactivate a person."""
    person = db.get_or_404(User, user_id)
    if not can_edit_person(current_user, person):
        abort(403)
    active = request.form.get("active") == "1"
    if person.id == current_user.id and not active:
        flash(_("You cannot deactivate yourself."), "error")
        return redirect(url_for("people.person_detail", user_id=person.id))
    try:
        service.set_active(person, active)
    except service.ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("%(name)s is active again.", name=person.full_name) if active
              else _("%(name)s is deactivated and can no longer sign in.", name=person.full_name), "success")
    return redirect(url_for("people.person_detail", user_id=person.id))


@bp.route("/people/<int:user_id>/invite", methods=["POST"])
@login_required
def person_invite(user_id: int):
    """E-mail the person a link to choose their password (how a new person first signs in)."""
    person = db.get_or_404(User, user_id)
    if not can_edit_person(current_user, person):
        abort(403)
    if not person.is_active:
        flash(_("%(name)s is deactivated; reactivate them first.", name=person.full_name), "error")
    else:
        enqueue(send_password_reset_email, person.email, invite=True)
        db.session.commit()
        flash(_("A link to choose a password is on its way to %(email)s.", email=person.email), "success")
    return redirect(url_for("people.person_detail", user_id=person.id))


# --- spells ----------------------------------------------------------------------------------


def _spell_form(form: SpellForm, person: User, spell: EmploymentSpell | None) -> SpellForm:
    depts = service.department_tree()
    form.department_id.choices = as_choices([("", "—")] + [
        (d.id, "\u2003" * depth + d.name) for d, depth in depts if d.is_active or (spell and spell.department_id == d.id)
    ])
    managers = [(m.id, m.full_name) for m in service.managers_choices() if m.id != person.id]
    if spell and spell.manager_id and spell.manager_id not in {m[0] for m in managers}:
        managers.append((spell.manager_id, spell.manager.full_name))
    form.manager_id.choices = as_choices([("", _("No manager"))] + managers)
    return form


def _spell_data(form: SpellForm) -> service.SpellData:
    return service.SpellData(
        hire_date=form.hire_date.data, end_date=form.end_date.data,
        end_type=EndType(form.end_type.data) if form.end_type.data else None,
        is_regretted=bool(form.is_regretted.data), department_id=form.department_id.data,
        manager_id=form.manager_id.data, job_title=form.job_title.data.strip(),
    )


@bp.route("/people/<int:user_id>/spells/new", methods=["GET", "POST"])
@login_required
def spell_new(user_id: int):
    """Record a hire or a re-hire (a boomerang gets a new spell)."""
    person = db.get_or_404(User, user_id)
    if not can_edit_person(current_user, person):
        abort(403)
    form = _spell_form(SpellForm(), person, None)
    done = _submit(form, lambda: service.add_spell(person, _spell_data(form)), _("Employment recorded."),
                   url_for("people.person_detail", user_id=person.id))
    return done or _page("lms/people/spell_form.html", form, person=person, spell=None)


@bp.route("/spells/<int:spell_id>/edit", methods=["GET", "POST"])
@login_required
def spell_edit(spell_id: int):
    """Change a spell: record a leaving, a move, a new manager. Every change is audited."""
    spell = db.get_or_404(EmploymentSpell, spell_id)
    person = spell.user
    if not can_edit_person(current_user, person):
        abort(403)
    form = _spell_form(SpellForm(obj=spell), person, spell)
    if request.method == "GET":
        form.end_type.data = spell.end_type.value if spell.end_type else ""
    done = _submit(form, lambda: service.update_spell(spell, _spell_data(form)), _("Saved."),
                   url_for("people.person_detail", user_id=person.id))
    return done or _page("lms/people/spell_form.html", form, person=person, spell=spell)


# --- departments -----------------------------------------------------------------------------


def _department_form(form: DepartmentForm, dept: Department | None) -> DepartmentForm:
    form.parent_id.choices = as_choices([("", _("Top level"))] + [
        (d.id, "\u2003" * depth + d.name) for d, depth in service.department_tree()
        if d.is_active and (dept is None or d.id != dept.id)
    ])
    return form


def _parent(form: DepartmentForm) -> Department | None:
    return db.session.get(Department, form.parent_id.data) if form.parent_id.data else None


@bp.route("/departments")
@require(can_manage_people)
def department_list():
    """The department tree with head-counts."""
    from sqlalchemy import func, or_
    from datetime import date

    today = date.today()
    counts = dict(db.session.execute(
        select(EmploymentSpell.department_id, func.count())
        .where(EmploymentSpell.hire_date <= today, or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today))
        .group_by(EmploymentSpell.department_id)
    ).all())
    return render_template("lms/people/departments.html", tree=service.department_tree(), counts=counts)


@bp.route("/departments/new", methods=["GET", "POST"])
@require(can_manage_people)
def department_new():
    form = _department_form(DepartmentForm(), None)
    done = _submit(form, lambda: service.create_department(form.name.data, _parent(form)), _("Department created."),
                   url_for("people.department_list"))
    return done or _page("lms/people/department_form.html", form, dept=None)


@bp.route("/departments/<int:dept_id>/edit", methods=["GET", "POST"])
@require(can_manage_people)
def department_edit(dept_id: int):
    dept = db.get_or_404(Department, dept_id)
    form = _department_form(DepartmentForm(obj=dept), dept)
    done = _submit(form, lambda: service.update_department(dept, form.name.data, _parent(form)), _("Saved."),
                   url_for("people.department_list"))
    return done or _page("lms/people/department_form.html", form, dept=dept)


@bp.route("/departments/<int:dept_id>/active", methods=["POST"])
@require(can_manage_people)
def department_set_active(dept_id: int):
    dept = db.get_or_404(Department, dept_id)
    active = request.form.get("active") == "1"
    try:
        service.set_department_active(dept, active)
    except service.ValidationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("%(name)s is active again.", name=dept.name) if active
              else _("%(name)s is deactivated; its history is kept.", name=dept.name), "success")
    return redirect(url_for("people.department_list"))


# --- audit and team --------------------------------------------------------------------------


@bp.route("/audit")
@require(can_view_audit)
def audit_log():
    """Every change to employment data, newest first."""
    query = (
        select(AuditEntry).options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    subject = request.args.get("person", type=int)
    if subject:
        query = query.where(AuditEntry.subject_user_id == subject)
    pagination = db.paginate(query, page=_page_arg(), per_page=25, error_out=False)
    subject_ids = {e.subject_user_id for e in pagination.items if e.subject_user_id}
    subjects = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(subject_ids))).scalars()} if subject_ids else {}
    return render_template("lms/people/audit.html", pagination=pagination, subjects=subjects, subject=subject,
                           readable=readable_changes(pagination.items))


@bp.route("/team")
@require(can_view_team)
def team():
    """A manager's direct reports, including people who have not started yet."""
    return render_template("lms/people/team.html", reports=service.direct_reports(current_user))
