"""Course pages: the catalogue and learning, managers' assignments, HR rules, and authoring."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.pagination import paginate_rows
from ..core.dashboard import register_panel
from ..extensions import db
from ..people.forms import role_labels
from ..people.models import Role, User
from ..people.service import ValidationError, department_tree
from . import files, permissions, service
from .forms import (
    AuthorForm,
    CourseForm,
    EnrolOthersForm,
    ModuleForm,
    QuestionForm,
    RuleForm,
    TaskSubmissionForm,
    duration_labels,
    module_kind_labels,
    question_kind_labels,
)
from .models import (
    Course,
    CourseModule,
    Enrolment,
    EnrolmentRule,
    ModuleKind,
    ModuleProgress,
    Question,
    QuestionKind,
    QuizAttempt,
)
from .service import CourseData, ModuleData, OptionData

bp = Blueprint("courses", __name__, url_prefix="/courses")


def _dashboard(user: User, today) -> dict | None:
    """My courses on the home page, and for managers the team's overdue ones (nothing before day one)."""
    if user.is_preboarding(today):
        return None
    return {
        "course_summary": service.learner_summary(user, today),
        "course_team_overdue": service.team_overdue(user, today, limit=5) if user.has_role(Role.manager) else [],
    }


register_panel("courses", "lms/courses/_dashboard.html", _dashboard, order=20)
PER_PAGE = 12


@bp.app_context_processor
def inject_permissions():
    return {"course_perm": permissions, "module_kinds": module_kind_labels}


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


def _check(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > 10_000:
        abort(400, _("The page number is out of range."))
    return page


@dataclass
class _Outcome:
    ok: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.ok


def _run(action, form=None) -> _Outcome:
    """Run a service action and commit, or roll back and show the domain error next to its
    field (or as a message). Truthy on success, with the action's result as `.value`."""
    try:
        value = action()
    except ValidationError as exc:
        db.session.rollback()
        field = getattr(form, exc.field, None) if form is not None and exc.field else None
        if field is not None:
            field.errors = list(field.errors) + [str(exc.message)]
        else:
            flash(str(exc.message), "error")
        return _Outcome(False)
    db.session.commit()
    return _Outcome(True, value)


def _private(response):
    """Files behind a sign-in: browsers may cache them, shared caches may not."""
    response.cache_control.public = False
    response.cache_control.private = True
    return response


def _course(course_id: int) -> Course:
    return db.get_or_404(Course, course_id)


def _module(course_id: int, module_id: int) -> CourseModule:
    module = db.get_or_404(CourseModule, module_id)
    if module.course_id != course_id:
        abort(404)
    return module


def _my_enrolment(course: Course) -> Enrolment | None:
    enrolment = service.find_enrolment(current_user, course)
    if enrolment is not None:
        _check(permissions.can_learn(current_user, enrolment))
    return enrolment


# --- catalogue and learning ----------------------------------------------------------------------


@bp.route("")
@require(permissions.can_use_courses)
def catalogue():
    """Published courses: search, filters, pages."""
    q = request.args.get("q", "").strip()[:100]
    category = request.args.get("category", "").strip()[:60] or None
    language = request.args.get("language") or None
    duration = request.args.get("duration") or None
    if language not in (None, "en", "da", "sv"):
        abort(400, _("Unknown language."))
    if duration not in (None, *service.DURATION_FILTERS):
        abort(400, _("Unknown duration."))
    pagination = paginate_rows(service.catalogue_query(q, category, language, duration), _page_arg(), PER_PAGE)
    courses = [row[0] for row in pagination.items]
    return render_template(
        "lms/courses/catalogue.html", courses=courses, pagination=pagination, q=q, category=category,
        language=language, duration=duration, categories=service.categories(), durations=duration_labels(),
        enrolments=service.enrolments_by_course(current_user, [c.id for c in courses]),
    )


@bp.route("/mine")
@require(permissions.can_use_courses)
def mine():
    """The learner's own courses: unfinished first (by due date), then completed."""
    open_rows = list(db.session.execute(service.my_enrolments_query(current_user, completed=False)).scalars())
    done_rows = list(db.session.execute(service.my_enrolments_query(current_user, completed=True).limit(100)).scalars())
    return render_template("lms/courses/mine.html", open_rows=open_rows, done_rows=done_rows,
                           progress=service.progress_by_enrolment(open_rows))


@bp.route("/<int:course_id>")
@login_required
def course_page(course_id: int):
    """A course's summary, modules and the learner's progress, with enrol or continue."""
    course = _course(course_id)
    _check(permissions.can_view_course(current_user, course))
    enrolment = service.find_enrolment(current_user, course)
    return render_template(
        "lms/courses/course.html", course=course, enrolment=enrolment,
        progress=service.progress_for(enrolment) if enrolment else {},
        course_progress=service.progress_by_enrolment([enrolment])[enrolment.id] if enrolment else None,
        resume=service.resume_module(enrolment) if enrolment else None,
        can_assign=current_user.has_role(Role.manager, Role.hr),
    )


@bp.route("/<int:course_id>/cover")
@login_required
def cover(course_id: int):
    course = _course(course_id)
    _check(permissions.can_view_course(current_user, course))
    if not course.cover_key:
        abort(404)
    try:
        return _private(send_file(files.path_for(course.cover_key), max_age=3600))
    except FileNotFoundError:
        abort(404)


@bp.route("/<int:course_id>/enrol", methods=["POST"])
@login_required
def enrol(course_id: int):
    """Self-enrolment."""
    course = _course(course_id)
    _check(permissions.can_enrol(current_user, course))
    enrolment = service.enrol(current_user, course, source="self")
    db.session.commit()
    flash(_("You are enrolled. Enjoy the course!"), "success")
    module = service.resume_module(enrolment)
    if module is None:
        return redirect(url_for(".course_page", course_id=course.id))
    return redirect(url_for(".module_page", course_id=course.id, module_id=module.id))


@bp.route("/<int:course_id>/continue")
@login_required
def resume(course_id: int):
    """Take the learner back to where they left off."""
    course = _course(course_id)
    _check(permissions.can_view_course(current_user, course))
    enrolment = _my_enrolment(course)
    module = service.resume_module(enrolment) if enrolment else None
    if module is None:
        return redirect(url_for(".course_page", course_id=course.id))
    return redirect(url_for(".module_page", course_id=course.id, module_id=module.id))


def _module_context(module: CourseModule, **extra):
    ctx = {"course": module.course, "module": module, "next_module": service.next_module(module),
           "task_form": TaskSubmissionForm() if module.kind == ModuleKind.task else None}
    ctx.update(extra)
    return ctx


@bp.route("/<int:course_id>/modules/<int:module_id>")
@login_required
def module_page(course_id: int, module_id: int):
    """One module for its learner. Opening it is remembered for "continue" and, the first time,
    records `launched` (course) and `experienced` (text, video, download)."""
    module = _module(course_id, module_id)
    course = module.course
    _check(permissions.can_view_course(current_user, course))
    enrolment = _my_enrolment(course)
    if enrolment is None:
        if permissions.can_edit_course(current_user, course):
            return redirect(url_for(".preview", course_id=course.id, module_id=module.id))
        flash(_("Enrol in the course to start it."), "error")
        return redirect(url_for(".course_page", course_id=course.id))
    row = service.open_module(enrolment, module)
    db.session.commit()
    attempts = service.attempts_for(enrolment, module) if module.kind == ModuleKind.quiz else []
    return render_template("lms/courses/module.html", **_module_context(
        module, enrolment=enrolment, row=row, attempts=attempts, preview=False,
        attempts_left=service.attempts_left(module, attempts),
        progress=service.progress_for(enrolment),
    ))


@bp.route("/<int:course_id>/modules/<int:module_id>/done", methods=["POST"])
@login_required
def mark_done(course_id: int, module_id: int):
    module = _module(course_id, module_id)
    enrolment = _my_enrolment(module.course)
    _check(enrolment is not None)
    if _run(lambda: service.mark_done(enrolment, module)):
        if enrolment.completed_at:
            flash(_("Well done: you have completed “%(title)s”.", title=module.course.title), "success")
            return redirect(url_for(".course_page", course_id=course_id))
        nxt = service.next_module(module)
        if nxt is not None:
            return redirect(url_for(".module_page", course_id=course_id, module_id=nxt.id))
    return redirect(url_for(".course_page", course_id=course_id))


@bp.route("/<int:course_id>/modules/<int:module_id>/file")
@login_required
def module_file(course_id: int, module_id: int):
    """A module's video (played inline) or download (always an attachment)."""
    module = _module(course_id, module_id)
    _check(permissions.can_view_course(current_user, module.course))
    if not module.file_key:
        abort(404)
    if not permissions.can_edit_course(current_user, module.course):
        _check(_my_enrolment(module.course) is not None)
    try:
        path = files.path_for(module.file_key)
        if module.kind == ModuleKind.video:
            return _private(send_file(path, mimetype=module.file_mime, conditional=True, max_age=3600))
        return _private(send_file(path, mimetype=module.file_mime, as_attachment=True,
                                  download_name=module.file_name))
    except FileNotFoundError:
        abort(404)


@bp.route("/<int:course_id>/modules/<int:module_id>/launch", methods=["POST"])
@login_required
def launch(course_id: int, module_id: int):
    """Open the module's xAPI package with a credential bound to the enrolment's registration."""
    module = _module(course_id, module_id)
    enrolment = _my_enrolment(module.course)
    _check(enrolment is not None and module.kind == ModuleKind.xapi)
    package = module.package
    target = service.launch_package(
        enrolment, module, request.host_url.rstrip("/"),
        url_for("xapi_content.file", key=package.storage_key, path=package.launch_path),
    )
    db.session.commit()
    return redirect(target)


@bp.route("/<int:course_id>/modules/<int:module_id>/attempts", methods=["POST"])
@login_required
def start_attempt(course_id: int, module_id: int):
    module = _module(course_id, module_id)
    enrolment = _my_enrolment(module.course)
    _check(enrolment is not None)
    started = _run(lambda: service.start_attempt(enrolment, module))
    if started:
        return redirect(url_for(".attempt", course_id=course_id, attempt_id=started.value.id))
    return redirect(url_for(".module_page", course_id=course_id, module_id=module_id))


def _answers_from_form(module: CourseModule) -> dict[int, list[int]]:
    answers = {}
    for question in module.questions:
        try:
            answers[question.id] = [int(v) for v in request.form.getlist(f"q{question.id}")]
        except ValueError:
            abort(400, _("An answer is not valid."))
    return answers


@bp.route("/<int:course_id>/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(course_id: int, attempt_id: int):
    """Answer the quiz (open attempt) or see its result and feedback (handed in)."""
    attempt = db.get_or_404(QuizAttempt, attempt_id)
    if attempt.module.course_id != course_id:
        abort(404)
    _check(attempt.enrolment.user_id == current_user.id and permissions.can_learn(current_user, attempt.enrolment))
    module = attempt.module
    if request.method == "POST" and attempt.submitted_at is None:
        answers = _answers_from_form(module)
        unanswered = [q for q in module.questions if not answers.get(q.id)]
        if unanswered:
            flash(_("Answer every question before handing in."), "error")
            return render_template("lms/courses/attempt.html", course=module.course, module=module, attempt=attempt,
                                   answers=answers, outcome=None, preview=False), 400
        if not _run(lambda: service.submit_attempt(attempt, answers)):
            return redirect(url_for(".attempt", course_id=course_id, attempt_id=attempt.id))
        return redirect(url_for(".attempt", course_id=course_id, attempt_id=attempt.id))
    outcome = service.outcome_of(attempt) if attempt.submitted_at else None
    attempts = service.attempts_for(attempt.enrolment, module)
    return render_template("lms/courses/attempt.html", course=module.course, module=module, attempt=attempt,
                           answers={}, outcome=outcome, preview=False, enrolment=attempt.enrolment,
                           attempts_left=service.attempts_left(module, attempts),
                           next_module=service.next_module(module))


@bp.route("/<int:course_id>/modules/<int:module_id>/task", methods=["POST"])
@login_required
def submit_task(course_id: int, module_id: int):
    module = _module(course_id, module_id)
    enrolment = _my_enrolment(module.course)
    _check(enrolment is not None)
    form = TaskSubmissionForm()
    if form.validate_on_submit() and _run(lambda: service.submit_task(enrolment, module, form.submission.data), form):
        flash(_("Handed in. Your manager will sign it off."), "success")
        return redirect(url_for(".module_page", course_id=course_id, module_id=module_id))
    row = service.progress_for(enrolment).get(module.id)
    return render_template("lms/courses/module.html", **_module_context(
        module, enrolment=enrolment, row=row, attempts=[], preview=False, attempts_left=None,
        progress=service.progress_for(enrolment), task_form=form)), 400


@bp.route("/sign-offs")
@login_required
def sign_offs():
    """Practical tasks waiting for the signed-in manager's (or buddy's) sign-off."""
    _check(permissions.can_use_courses(current_user))
    return render_template("lms/courses/sign_offs.html", rows=service.pending_sign_offs(current_user))


@bp.route("/progress/<int:progress_id>/sign-off", methods=["POST"])
@login_required
def sign_off(progress_id: int):
    row = db.get_or_404(ModuleProgress, progress_id)
    _check(permissions.can_sign_off(current_user, row))
    if _run(lambda: service.sign_off(row, current_user)):
        flash(_("Signed off “%(task)s” for %(name)s.", task=row.module.title, name=row.enrolment.user.full_name),
              "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/courses/")
                    else url_for(".sign_offs"))


@bp.route("/enrolments/<int:enrolment_id>")
@login_required
def enrolment_detail(enrolment_id: int):
    """One person's progress in one course: the learner, their manager and HR."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    _check(permissions.can_view_enrolment(current_user, enrolment))
    return render_template("lms/courses/enrolment.html", enrolment=enrolment, course=enrolment.course,
                           progress=service.progress_for(enrolment),
                           course_progress=service.progress_by_enrolment([enrolment])[enrolment.id])


@bp.route("/team")
@require(lambda u: permissions.can_use_courses(u) and u.has_role(Role.manager))
def team():
    """The manager's reports' enrolments, unfinished and due first."""
    pagination = paginate_rows(service.team_enrolments_query(current_user), _page_arg(), 25)
    rows = [r[0] for r in pagination.items]
    return render_template("lms/courses/team.html", rows=rows, pagination=pagination,
                           progress=service.progress_by_enrolment(rows), overdue=service.team_overdue(current_user))


@bp.route("/<int:course_id>/assign", methods=["GET", "POST"])
@login_required
def assign(course_id: int):
    """A manager enrols a report (HR: anyone) with a due date."""
    course = _course(course_id)
    _check(permissions.can_use_courses(current_user) and course.is_published)
    if current_user.has_role(Role.hr):
        people = list(db.session.execute(
            select(User).where(User.is_active.is_(True)).order_by(User.last_name, User.first_name).limit(2000)
        ).scalars())
    else:
        people = service.assignable_people(current_user)
    _check(bool(people) or current_user.has_role(Role.hr, Role.manager))
    form = EnrolOthersForm()
    form.person.choices = [(p.id, p.full_name) for p in people]
    if form.validate_on_submit():
        person = db.get_or_404(User, form.person.data)
        _check(permissions.can_assign_course(current_user, person))
        if _run(lambda: service.assign(current_user, person, course, form.due_on.data), form):
            flash(_("%(name)s is enrolled in “%(title)s”.", name=person.full_name, title=course.title), "success")
            return redirect(url_for(".course_page", course_id=course.id))
    return render_template("lms/courses/assign.html", course=course, form=form), 400 if form.is_submitted() else 200


@bp.route("/<int:course_id>/rules", methods=["GET", "POST"])
@require(permissions.can_manage_rules)
def rules(course_id: int):
    """HR's enrolment rules for a course: who is enrolled automatically, now and as they arrive."""
    course = _course(course_id)
    form = RuleForm(departments=department_tree())
    if form.validate_on_submit():
        def create() -> int:
            rule = service.create_rule(
                course, current_user, department_id=form.department.data or None,
                role=Role(form.role.data) if form.role.data else None,
                is_new_hires_only=form.is_new_hires_only.data, due_days=form.due_days.data,
            )
            return service.apply_rule(rule)

        done = _run(create, form)
        if done:
            flash(ngettext("The rule is saved; %(num)d person was enrolled now, and newcomers who match will be.",
                           "The rule is saved; %(num)d people were enrolled now, and newcomers who match will be.",
                           done.value), "success")
            return redirect(url_for(".rules", course_id=course.id))
    rows = db.session.execute(
        select(EnrolmentRule).where(EnrolmentRule.course_id == course.id)
        .options(selectinload(EnrolmentRule.department)).order_by(EnrolmentRule.created_at.desc())
    ).scalars().all()
    return render_template("lms/courses/rules.html", course=course, form=form, rows=rows, role_labels=role_labels()), \
        400 if form.is_submitted() else 200


@bp.route("/rules/<int:rule_id>/deactivate", methods=["POST"])
@require(permissions.can_manage_rules)
def deactivate_rule(rule_id: int):
    rule = db.get_or_404(EnrolmentRule, rule_id)
    service.deactivate_rule(rule)
    db.session.commit()
    flash(_("The rule is switched off; nobody new will be enrolled by it."), "success")
    return redirect(url_for(".rules", course_id=rule.course_id))


# --- authoring -----------------------------------------------------------------------------------


@bp.route("/manage")
@require(permissions.can_create_courses)
def manage():
    """The courses the signed-in author edits (HR: all), drafts included."""
    pagination = paginate_rows(service.editable_courses_query(current_user), _page_arg(), 25)
    return render_template("lms/courses/manage.html", courses=[r[0] for r in pagination.items], pagination=pagination)


def _course_data(form: CourseForm) -> CourseData:
    return CourseData(title=form.title.data, summary=form.summary.data, category=form.category.data,
                      duration_minutes=form.duration_minutes.data, language=form.language.data)


def _save_cover(course: Course, form: CourseForm) -> None:
    upload = form.cover.data
    if upload and getattr(upload, "filename", None):
        service.set_cover(course, files.store_cover(upload.stream))


@bp.route("/new", methods=["GET", "POST"])
@require(permissions.can_create_courses)
def new_course():
    form = CourseForm()
    def create() -> Course:
        course = service.create_course(current_user, _course_data(form))
        _save_cover(course, form)
        return course

    done = form.validate_on_submit() and _run(create, form)
    if done:
        flash(_("The course is created as a draft. Now add its modules."), "success")
        return redirect(url_for(".edit_course", course_id=done.value.id))
    return render_template("lms/courses/course_form.html", form=form, course=None), 400 if form.is_submitted() else 200


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@login_required
def edit_course(course_id: int):
    """Details, cover, modules, authors and publication of a course."""
    course = _course(course_id)
    _check(permissions.can_edit_course(current_user, course))
    form = CourseForm(obj=course)

    def update():
        service.update_course(course, _course_data(form))
        _save_cover(course, form)

    if form.validate_on_submit() and _run(update, form):
        flash(_("Saved."), "success")
        return redirect(url_for(".edit_course", course_id=course.id))
    author_form = AuthorForm()
    author_form.user.choices = [(u.id, u.full_name) for u in service.author_choices() if u not in course.authors]
    return render_template(
        "lms/courses/course_edit.html", course=course, form=form, author_form=author_form,
        problems=service.publish_problems(course),
    ), 400 if form.is_submitted() else 200


@bp.route("/<int:course_id>/publish", methods=["POST"])
@login_required
def publish(course_id: int):
    course = _course(course_id)
    _check(permissions.can_edit_course(current_user, course))
    if request.form.get("action") == "unpublish":
        service.unpublish(course)
        db.session.commit()
        flash(_("The course is a draft again; learners cannot open it until you publish it."), "success")
    elif _run(lambda: service.publish(course)):
        flash(_("The course is published and in the catalogue."), "success")
    return redirect(url_for(".edit_course", course_id=course.id))


@bp.route("/<int:course_id>/authors", methods=["POST"])
@login_required
def authors(course_id: int):
    course = _course(course_id)
    _check(permissions.can_edit_course(current_user, course))
    if request.form.get("remove"):
        user = db.get_or_404(User, request.form.get("remove", type=int))
        _run(lambda: service.remove_author(course, user))
    else:
        form = AuthorForm()
        form.user.choices = [(u.id, u.full_name) for u in service.author_choices()]
        if form.validate_on_submit():
            user = db.get_or_404(User, form.user.data)
            _run(lambda: service.add_author(course, user))
        else:
            abort(400, _("Choose an author."))
    return redirect(url_for(".edit_course", course_id=course.id) + "#authors")


def _module_form(kind: ModuleKind, obj=None) -> ModuleForm:
    form = ModuleForm(obj=obj)
    form.configure(kind)
    if kind == ModuleKind.xapi:
        from xapi.models import ContentPackage

        form.package_id.choices = [(p.id, p.title) for p in db.session.execute(
            select(ContentPackage).order_by(ContentPackage.title)).scalars()]
    return form


def _module_data(form: ModuleForm) -> ModuleData:
    def get(name):
        field = getattr(form, name, None)  # configure() removed the fields the kind does not use
        return field.data if field is not None else None

    return ModuleData(title=form.title.data, body=form.body.data or "", is_required=form.is_required.data,
                      video_url=get("video_url"), package_id=get("package_id"), pass_mark=get("pass_mark"),
                      max_attempts=get("max_attempts"))


def _save_upload(module: CourseModule, form: ModuleForm) -> None:
    upload = form.upload.data if getattr(form, "upload", None) is not None else None
    if upload and getattr(upload, "filename", None):
        store = files.store_video if module.kind == ModuleKind.video else files.store_download
        service.set_module_file(module, store(upload.stream, upload.filename))


@bp.route("/<int:course_id>/modules/new", methods=["GET", "POST"])
@login_required
def new_module(course_id: int):
    course = _course(course_id)
    _check(permissions.can_edit_course(current_user, course))
    try:
        kind = ModuleKind(request.args.get("kind", ""))
    except ValueError:
        abort(400, _("Choose a kind of module."))
    form = _module_form(kind)
    def create() -> CourseModule:
        module = service.add_module(course, kind, _module_data(form))
        _save_upload(module, form)
        return module

    done = form.validate_on_submit() and _run(create, form)
    if done:
        module = done.value
        if kind == ModuleKind.quiz:
            flash(_("The quiz is added. Now write its questions."), "success")
            return redirect(url_for(".edit_module", course_id=course.id, module_id=module.id))
        flash(_("The module is added."), "success")
        return redirect(url_for(".edit_course", course_id=course.id) + "#modules")
    return render_template("lms/courses/module_form.html", course=course, module=None, kind=kind, form=form), \
        400 if form.is_submitted() else 200


@bp.route("/<int:course_id>/modules/<int:module_id>/edit", methods=["GET", "POST"])
@login_required
def edit_module(course_id: int, module_id: int):
    module = _module(course_id, module_id)
    _check(permissions.can_edit_course(current_user, module.course))
    form = _module_form(module.kind, obj=module)

    def update():
        service.update_module(module, _module_data(form))
        _save_upload(module, form)

    if form.validate_on_submit() and _run(update, form):
        flash(_("Saved."), "success")
        return redirect(url_for(".edit_module", course_id=course_id, module_id=module.id))
    return render_template("lms/courses/module_form.html", course=module.course, module=module, kind=module.kind,
                           form=form, question_kinds=question_kind_labels()), 400 if form.is_submitted() else 200


@bp.route("/<int:course_id>/modules/<int:module_id>/move", methods=["POST"])
@login_required
def move_module(course_id: int, module_id: int):
    module = _module(course_id, module_id)
    _check(permissions.can_edit_course(current_user, module.course))
    service.move_module(module, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for(".edit_course", course_id=course_id) + "#modules")


@bp.route("/<int:course_id>/modules/<int:module_id>/delete", methods=["POST"])
@login_required
def delete_module(course_id: int, module_id: int):
    module = _module(course_id, module_id)
    _check(permissions.can_edit_course(current_user, module.course))
    if _run(lambda: service.delete_module(module)):
        flash(_("The module is removed."), "success")
    return redirect(url_for(".edit_course", course_id=course_id) + "#modules")


def _question_form(question: Question | None) -> QuestionForm:
    form = QuestionForm()
    if request.method == "GET":
        if question is not None:
            form.kind.data = question.kind.value
            form.text.data = question.text
            for entry, option in zip(form.options, question.options):
                entry.form.text.data, entry.form.is_correct.data = option.text, option.is_correct
                entry.form.feedback.data = option.feedback
        else:
            form.kind.data = request.args.get("kind", QuestionKind.single.value)
            if form.kind.data == QuestionKind.true_false.value:
                form.options[0].form.text.data, form.options[1].form.text.data = _("True"), _("False")
    return form


def _save_question(module: CourseModule, question: Question | None):
    form = _question_form(question)
    if form.validate_on_submit():
        options = [OptionData(e.form.text.data or "", e.form.is_correct.data, e.form.feedback.data or "")
                   for e in form.options]
        if _run(lambda: service.save_question(module, question, QuestionKind(form.kind.data), form.text.data,
                                              options), form):
            flash(_("The question is saved."), "success")
            return redirect(url_for(".edit_module", course_id=module.course_id, module_id=module.id) + "#questions")
    return render_template("lms/courses/question_form.html", course=module.course, module=module, question=question,
                           form=form), 400 if form.is_submitted() else 200


@bp.route("/<int:course_id>/modules/<int:module_id>/questions/new", methods=["GET", "POST"])
@login_required
def new_question(course_id: int, module_id: int):
    module = _module(course_id, module_id)
    _check(permissions.can_edit_course(current_user, module.course) and module.kind == ModuleKind.quiz)
    return _save_question(module, None)


def _question(course_id: int, module_id: int, question_id: int) -> Question:
    module = _module(course_id, module_id)
    question = db.get_or_404(Question, question_id)
    if question.module_id != module.id:
        abort(404)
    _check(permissions.can_edit_course(current_user, module.course))
    return question


@bp.route("/<int:course_id>/modules/<int:module_id>/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def edit_question(course_id: int, module_id: int, question_id: int):
    question = _question(course_id, module_id, question_id)
    return _save_question(question.module, question)


@bp.route("/<int:course_id>/modules/<int:module_id>/questions/<int:question_id>/delete", methods=["POST"])
@login_required
def delete_question(course_id: int, module_id: int, question_id: int):
    question = _question(course_id, module_id, question_id)
    service.delete_question(question)
    db.session.commit()
    flash(_("The question is removed."), "success")
    return redirect(url_for(".edit_module", course_id=course_id, module_id=module_id) + "#questions")


@bp.route("/<int:course_id>/preview/<int:module_id>", methods=["GET", "POST"])
@login_required
def preview(course_id: int, module_id: int):
    """An author sees a module as a learner would; nothing is stored and no statement recorded.
    A quiz handed in here is scored and shown with its feedback, then forgotten."""
    module = _module(course_id, module_id)
    _check(permissions.can_edit_course(current_user, module.course))
    if module.kind == ModuleKind.quiz and (request.method == "POST" or request.args.get("quiz")):
        outcome = None
        if request.method == "POST":
            try:
                outcome = service.score_answers(module, _answers_from_form(module))
            except ValidationError as exc:
                abort(400, str(exc.message))
        return render_template("lms/courses/attempt.html", course=module.course, module=module, attempt=None,
                               answers={}, outcome=outcome, preview=True, next_module=service.next_module(module),
                               attempts_left=None)
    return render_template("lms/courses/module.html", **_module_context(
        module, enrolment=None, row=None, attempts=[], preview=True, attempts_left=module.max_attempts, progress={}))
