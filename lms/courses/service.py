"""Course logic: authoring, the catalogue, enrolment (self, manager, HR rule), learning and quizzes.

Functions add and flush; the caller commits. Every learning action records its xAPI statement
through `xapi.emitter.record` in the same transaction, with the enrolment's UUID as registration
and the course as parent of module statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from tincan import Activity, Agent, Context, ContextActivities, Result, Score

from xapi.emitter import record
from xapi.vocabulary import ActivityType, Verb

from ..extensions import db
from ..people.models import Department, EmploymentSpell, Role, User, UserRole, utcnow
from ..people.service import ValidationError, direct_reports, is_latest_spell
from .models import (
    AnswerOption,
    Course,
    CourseModule,
    CourseStatus,
    Enrolment,
    EnrolmentRule,
    EnrolmentSource,
    ModuleKind,
    ModuleProgress,
    ProgressStatus,
    Question,
    QuestionKind,
    QuizAttempt,
    course_authors,
)

__all__ = ["enrol", "learner_summary", "team_overdue", "on_course_completed", "ensure_course_forum"]

_signals = Namespace()
#: sent with sender=the completed Enrolment, inside the completing transaction (receivers add
#: rows or enqueue tasks; they do not commit). Gamification issues certificates from it.
course_completed = _signals.signal("course-completed")


def on_course_completed(receiver: Callable[[Enrolment], Any]) -> Callable[[Enrolment], Any]:
    """Subscribe to course completions (the certificate hook); usable as a decorator."""
    course_completed.connect(receiver, weak=False)
    return receiver


# --- activity IRIs and statements ------------------------------------------------------------


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def course_iri(course: Course) -> str:
    return f"{_base()}/courses/{course.id}"


def module_iri(module: CourseModule) -> str:
    return f"{_base()}/courses/{module.course_id}/modules/{module.id}"


def question_iri(question: Question) -> str:
    return f"{module_iri(question.module)}/questions/{question.id}"


_MODULE_TYPES = {
    ModuleKind.text: ActivityType.LESSON,
    ModuleKind.video: ActivityType.MEDIA,
    ModuleKind.file: ActivityType.FILE,
    ModuleKind.quiz: ActivityType.ASSESSMENT,
    ModuleKind.xapi: ActivityType.MODULE,
    ModuleKind.task: ActivityType.PERFORMANCE,
}


def _context(enrolment: Enrolment, *parents: str, grouping: str | None = None, instructor: User | None = None) -> Context:
    activities = None
    if parents or grouping:
        activities = ContextActivities(
            parent=[Activity(id=p) for p in parents] or None,
            grouping=[Activity(id=grouping)] if grouping else None,
        )
    return Context(
        registration=enrolment.registration,
        context_activities=activities,
        platform="Fasthold",
        language=enrolment.course.language,
        instructor=Agent(name=instructor.full_name, mbox=f"mailto:{instructor.email}") if instructor else None,
    )


def _record_course(enrolment: Enrolment, verb: tuple[str, str], result: Result | None = None) -> None:
    course = enrolment.course
    record(enrolment.user, verb, course_iri(course), activity_name=course.title, activity_type=ActivityType.COURSE,
           result=result, context=_context(enrolment))


def _record_module(enrolment: Enrolment, module: CourseModule, verb: tuple[str, str], result: Result | None = None,
                   instructor: User | None = None) -> None:
    record(enrolment.user, verb, module_iri(module), activity_name=module.title,
           activity_type=_MODULE_TYPES[module.kind], result=result,
           context=_context(enrolment, course_iri(enrolment.course), instructor=instructor))


# --- authoring -------------------------------------------------------------------------------


@dataclass
class CourseData:
    title: str
    summary: str
    category: str
    duration_minutes: int
    language: str


def create_course(by: User, data: CourseData) -> Course:
    """A new draft course; its creator is its first author."""
    course = Course(created_by_id=by.id, status=CourseStatus.draft)
    _apply_course(course, data)
    course.authors.append(by)
    db.session.add(course)
    db.session.flush()
    return course


def update_course(course: Course, data: CourseData) -> Course:
    _apply_course(course, data)
    db.session.flush()
    return course


def _apply_course(course: Course, data: CourseData) -> None:
    if data.language not in ("en", "da", "sv"):
        raise ValidationError(_l("Choose English, Danish or Swedish."), "language")
    if not 1 <= data.duration_minutes <= 10_000:
        raise ValidationError(_l("Give the duration in minutes, between 1 and 10,000."), "duration_minutes")
    course.title = data.title.strip()
    course.summary = data.summary.strip()
    course.category = " ".join(data.category.split())
    course.duration_minutes = data.duration_minutes
    course.language = data.language


def set_cover(course: Course, cover_key: str) -> None:
    course.cover_key = cover_key
    db.session.flush()


def may_author(user: User) -> bool:
    """Authors are people with the author role, or HR."""
    return user.is_active and user.has_role(Role.author, Role.hr)


def add_author(course: Course, user: User) -> None:
    if not may_author(user):
        raise ValidationError(_l("%(name)s does not have the course author role.", name=user.full_name), "user")
    if user not in course.authors:
        course.authors.append(user)
    db.session.flush()


def remove_author(course: Course, user: User) -> None:
    if user in course.authors:
        if len(course.authors) == 1:
            raise ValidationError(_l("A course keeps at least one author."))
        course.authors.remove(user)
    db.session.flush()


def author_choices() -> list[User]:
    return list(db.session.execute(
        select(User).where(User.is_active.is_(True), User.role_rows.any(UserRole.role.in_([Role.author, Role.hr])))
        .order_by(User.last_name, User.first_name)
    ).scalars())


def publish_problems(course: Course) -> list[str]:
    """What stops the course from being published, in words an author understands."""
    problems = []
    if not course.modules:
        problems.append(str(_l("Add at least one module.")))
    elif not any(m.is_required for m in course.modules):
        problems.append(str(_l("Make at least one module required, so the course can be completed.")))
    for m in course.modules:
        if m.kind == ModuleKind.quiz:
            if not m.questions:
                problems.append(str(_l("The quiz “%(title)s” has no questions.", title=m.title)))
        elif m.kind == ModuleKind.video and not (m.file_key or m.video_url):
            problems.append(str(_l("The video “%(title)s” has neither a file nor a link.", title=m.title)))
        elif m.kind == ModuleKind.file and not m.file_key:
            problems.append(str(_l("The download “%(title)s” has no file.", title=m.title)))
        elif m.kind == ModuleKind.xapi and not m.package_id:
            problems.append(str(_l("The xAPI module “%(title)s” has no package.", title=m.title)))
    return problems


def publish(course: Course) -> None:
    problems = publish_problems(course)
    if problems:
        raise ValidationError(" ".join(problems))
    if not course.is_published:
        course.status = CourseStatus.published
        course.published_at = utcnow()
        ensure_course_forum(course)
    db.session.flush()


def unpublish(course: Course) -> None:
    """Back to draft: learners keep their enrolments and progress but cannot open it meanwhile."""
    course.status = CourseStatus.draft
    db.session.flush()


def ensure_course_forum(course: Course):
    """The course's forum, made on first publication, when the forums package is installed."""
    try:
        from lms.forums import service as forums
    except ImportError:
        return None
    return forums.forum_for("course", course.id) or forums.create_forum(
        "course", title=course.title, scope_id=course.id, description=course.summary[:500]
    )


@dataclass
class ModuleData:
    title: str
    body: str = ""
    is_required: bool = True
    video_url: str | None = None
    package_id: int | None = None
    pass_mark: int | None = None
    max_attempts: int | None = None


def add_module(course: Course, kind: ModuleKind, data: ModuleData) -> CourseModule:
    module = CourseModule(kind=kind, position=len(course.modules) + 1)
    _apply_module(module, data)
    course.modules.append(module)
    db.session.flush()
    return module


def update_module(module: CourseModule, data: ModuleData) -> CourseModule:
    _apply_module(module, data)
    db.session.flush()
    return module


def _apply_module(module: CourseModule, data: ModuleData) -> None:
    module.title = data.title.strip()
    module.body = data.body.strip()
    module.is_required = data.is_required
    if module.kind == ModuleKind.video:
        url = (data.video_url or "").strip() or None
        if url and not url.startswith("https://"):
            raise ValidationError(_l("Give an https:// link."), "video_url")
        module.video_url = url
    if module.kind == ModuleKind.quiz:
        if data.pass_mark is None or not 0 <= data.pass_mark <= 100:
            raise ValidationError(_l("Give a pass mark between 0 and 100 percent."), "pass_mark")
        if data.max_attempts is not None and data.max_attempts < 1:
            raise ValidationError(_l("Allow at least one attempt, or leave empty for no limit."), "max_attempts")
        module.pass_mark = data.pass_mark
        module.max_attempts = data.max_attempts
    if module.kind == ModuleKind.xapi:
        from xapi.models import ContentPackage

        if data.package_id is None or db.session.get(ContentPackage, data.package_id) is None:
            raise ValidationError(_l("Choose an uploaded xAPI package."), "package_id")
        module.package_id = data.package_id


def set_module_file(module: CourseModule, stored) -> None:
    module.file_key, module.file_name, module.file_mime = stored.key, stored.name, stored.mime
    if module.kind == ModuleKind.video:
        module.video_url = None
    db.session.flush()


def move_module(module: CourseModule, delta: int) -> None:
    """Swap with the neighbour above (-1) or below (+1)."""
    modules = module.course.modules
    i = modules.index(module)
    j = i + delta
    if 0 <= j < len(modules):
        modules[i].position, modules[j].position = modules[j].position, modules[i].position
        modules.sort(key=lambda m: m.position)
    db.session.flush()


def delete_module(module: CourseModule) -> None:
    """Remove a module (with its progress and attempts); the remaining modules close ranks."""
    course = module.course
    if course.is_published and db.session.execute(
        select(ModuleProgress.id).where(ModuleProgress.module_id == module.id).limit(1)
    ).first():
        raise ValidationError(_l("Learners have worked on this module. Unpublish the course first if you "
                                 "really want to remove it."))
    course.modules.remove(module)
    db.session.delete(module)
    for n, m in enumerate(course.modules, start=1):
        m.position = n
    db.session.flush()


@dataclass
class OptionData:
    text: str
    is_correct: bool
    feedback: str = ""


def save_question(module: CourseModule, question: Question | None, kind: QuestionKind, text: str,
                  options: list[OptionData]) -> Question:
    """Create or replace a question and its options, checking the options fit the kind."""
    options = [o for o in options if o.text.strip()]
    if not text.strip():
        raise ValidationError(_l("Write the question."), "text")
    correct = sum(1 for o in options if o.is_correct)
    if kind == QuestionKind.true_false and len(options) != 2:
        raise ValidationError(_l("A true/false question has exactly two answers."), "options")
    if len(options) < 2:
        raise ValidationError(_l("Give at least two answers."), "options")
    if kind in (QuestionKind.single, QuestionKind.true_false) and correct != 1:
        raise ValidationError(_l("Mark exactly one answer as correct."), "options")
    if kind == QuestionKind.multiple and correct < 1:
        raise ValidationError(_l("Mark at least one answer as correct."), "options")
    if question is None:
        question = Question(position=len(module.questions) + 1)
        module.questions.append(question)
    question.kind = kind
    question.text = text.strip()
    # Update rows in place, so answers stored in earlier attempts keep pointing at their options.
    rows = list(question.options)
    for n, o in enumerate(options, start=1):
        if n > len(rows):
            rows.append(AnswerOption(position=n))
        row = rows[n - 1]
        row.text, row.is_correct, row.feedback = o.text.strip()[:500], o.is_correct, o.feedback.strip()[:1000]
    question.options = rows[: len(options)]
    db.session.flush()
    return question


def delete_question(question: Question) -> None:
    module = question.module
    module.questions.remove(question)
    db.session.delete(question)
    for n, q in enumerate(module.questions, start=1):
        q.position = n
    db.session.flush()


def editable_courses_query(user: User) -> Select:
    """Courses `user` edits (all for HR), drafts included, newest change first."""
    q = select(Course).options(selectinload(Course.authors)).order_by(Course.updated_at.desc(), Course.id.desc())
    if not user.has_role(Role.hr):
        q = q.where(exists().where(course_authors.c.course_id == Course.id, course_authors.c.user_id == user.id))
    return q


# --- catalogue ---------------------------------------------------------------------------------

DURATION_FILTERS = {"short": (0, 30), "medium": (31, 120), "long": (121, 100_000)}


def catalogue_query(q: str = "", category: str | None = None, language: str | None = None,
                    duration: str | None = None) -> Select:
    """Published courses matching the filters, by title. Unknown filter values are the caller's 400."""
    query = select(Course).where(Course.status == CourseStatus.published).order_by(func.lower(Course.title), Course.id)
    if q:
        escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        query = query.where(or_(func.lower(Course.title).like(like, escape="\\"),
                                func.lower(Course.summary).like(like, escape="\\")))
    if category:
        query = query.where(Course.category == category)
    if language:
        query = query.where(Course.language == language)
    if duration:
        low, high = DURATION_FILTERS[duration]
        query = query.where(Course.duration_minutes.between(low, high))
    return query


def categories() -> list[str]:
    return list(db.session.execute(
        select(Course.category).where(Course.status == CourseStatus.published).distinct().order_by(Course.category)
    ).scalars())


def enrolments_by_course(user: User, course_ids: list[int]) -> dict[int, Enrolment]:
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id.in_(course_ids))
    ).scalars()
    return {e.course_id: e for e in rows}


# --- enrolment -----------------------------------------------------------------------------------


def find_enrolment(user: User, course: Course) -> Enrolment | None:
    return db.session.execute(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    ).scalar_one_or_none()


def enrol(user: User, course: Course, *, source: str, by: User | None = None, due_on: date | None = None,
          rule: EnrolmentRule | None = None) -> Enrolment:
    """Enrol `user` (idempotent: an existing enrolment is returned, taking an earlier due date)."""
    source_value = EnrolmentSource(source)
    if not course.is_published:
        raise ValidationError(_l("Only published courses take enrolments."))
    if not user.is_active:
        raise ValidationError(_l("%(name)s is deactivated.", name=user.full_name))
    enrolment = find_enrolment(user, course)
    if enrolment is not None:
        if due_on and enrolment.completed_at is None and (enrolment.due_on is None or due_on < enrolment.due_on):
            enrolment.due_on = due_on
        db.session.flush()
        return enrolment
    enrolment = Enrolment(course=course, user=user, source=source_value, enrolled_by_id=by.id if by else None,
                          due_on=due_on, rule_id=rule.id if rule else None)
    db.session.add(enrolment)
    db.session.flush()
    # No statement yet: an HR rule may enrol thousands at once; `launched` marks the real start.
    return enrolment


def assign(manager: User, person: User, course: Course, due_on: date | None) -> Enrolment:
    """A manager (or HR) enrols someone, usually with a due date."""
    if due_on is not None and due_on < date.today():
        raise ValidationError(_l("The due date is in the past."), "due_on")
    source = EnrolmentSource.hr if manager.has_role(Role.hr) and not _is_reports_manager(manager, person) \
        else EnrolmentSource.manager
    enrolment = enrol(person, course, source=source.value, by=manager, due_on=due_on)
    _notify(person, "course.assigned", url=f"/courses/{course.id}", actor=manager, course=course.title)
    return enrolment


def _is_reports_manager(manager: User, person: User) -> bool:
    from ..people.service import is_manager_of

    return is_manager_of(manager, person)


def assignable_people(user: User) -> list[User]:
    """Whom `user` may enrol from the course page: their reports (HR uses rules for groups)."""
    return [u for u, _spell in direct_reports(user)]


# --- HR rules ----------------------------------------------------------------------------------


def create_rule(course: Course, by: User, *, department_id: int | None, role: Role | None,
                is_new_hires_only: bool, due_days: int | None) -> EnrolmentRule:
    if not course.is_published:
        raise ValidationError(_l("Publish the course before enrolling people by rule."))
    if due_days is not None and not 1 <= due_days <= 730:
        raise ValidationError(_l("Give between 1 and 730 days."), "due_days")
    rule = EnrolmentRule(course=course, department_id=department_id, role=role, is_new_hires_only=is_new_hires_only,
                         due_days=due_days, created_by_id=by.id, created_on=date.today())
    db.session.add(rule)
    db.session.flush()
    return rule


def deactivate_rule(rule: EnrolmentRule) -> None:
    rule.is_active = False
    db.session.flush()


def _department_and_below(department_id: int) -> list[int]:
    """The department and every department under it (the tree is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in db.session.execute(select(Department.id, Department.parent_id)).all():
        children.setdefault(parent_id, []).append(dept_id)
    found, todo = [], [department_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rule_matches(rule: EnrolmentRule, today: date) -> Select:
    """(User, latest spell) of active people the rule covers who are not enrolled yet."""
    spell = EmploymentSpell
    q = (
        select(User, spell)
        .join(spell, and_(spell.user_id == User.id, is_latest_spell(spell)))
        .where(
            User.is_active.is_(True),
            or_(spell.end_date.is_(None), spell.end_date >= today),
            ~exists().where(Enrolment.course_id == rule.course_id, Enrolment.user_id == User.id),
        )
    )
    if rule.department_id is not None:
        q = q.where(spell.department_id.in_(_department_and_below(rule.department_id)))
    if rule.role is not None:
        q = q.where(User.role_rows.any(UserRole.role == rule.role))
    if rule.is_new_hires_only:
        q = q.where(spell.hire_date >= rule.created_on)
    return q


def apply_rule(rule: EnrolmentRule, today: date | None = None) -> int:
    """Enrol everyone the rule covers who is not enrolled yet; returns how many. Idempotent."""
    today = today or date.today()
    if not rule.is_active or not rule.course.is_published:
        return 0
    n = 0
    for user, spell in db.session.execute(_rule_matches(rule, today)).all():
        due = None
        if rule.due_days:
            due = max(today, spell.hire_date) + timedelta(days=rule.due_days)
        enrol(user, rule.course, source=EnrolmentSource.rule.value, due_on=due, rule=rule)
        n += 1
    return n


def apply_all_rules(today: date | None = None) -> int:
    rules = db.session.execute(
        select(EnrolmentRule).join(EnrolmentRule.course)
        .where(EnrolmentRule.is_active.is_(True), Course.status == CourseStatus.published)
        .options(joinedload(EnrolmentRule.course))
    ).scalars().all()
    return sum(apply_rule(rule, today) for rule in rules)


# --- learning ----------------------------------------------------------------------------------


def progress_for(enrolment: Enrolment) -> dict[int, ModuleProgress]:
    return {p.module_id: p for p in enrolment.progress}


def _progress(enrolment: Enrolment, module: CourseModule) -> tuple[ModuleProgress, bool]:
    existing = progress_for(enrolment).get(module.id)
    if existing is not None:
        return existing, False
    row = ModuleProgress(module=module, status=ProgressStatus.started)
    enrolment.progress.append(row)
    db.session.flush()
    return row, True


def start_course(enrolment: Enrolment) -> bool:
    """The first opening of the course records `launched`; later openings record nothing."""
    if enrolment.started_at is not None:
        return False
    enrolment.started_at = utcnow()
    _record_course(enrolment, Verb.LAUNCHED)
    db.session.flush()
    return True


def open_module(enrolment: Enrolment, module: CourseModule) -> ModuleProgress:
    """The learner opens a module: remember it for "continue"; record `experienced` the first
    time they see a text, video or file module."""
    start_course(enrolment)
    enrolment.last_module_id = module.id
    enrolment.last_visited_at = utcnow()
    row, created = _progress(enrolment, module)
    if created and module.kind in (ModuleKind.text, ModuleKind.video, ModuleKind.file):
        _record_module(enrolment, module, Verb.EXPERIENCED)
    db.session.flush()
    return row


def mark_done(enrolment: Enrolment, module: CourseModule) -> ModuleProgress:
    """The learner finishes a text, video or download module."""
    if module.kind not in (ModuleKind.text, ModuleKind.video, ModuleKind.file):
        raise ValidationError(_l("This module is completed by doing it, not by marking it."))
    row = open_module(enrolment, module)
    _complete(enrolment, module, row)
    return row


def _complete(enrolment: Enrolment, module: CourseModule, row: ModuleProgress, *, result: Result | None = None,
              instructor: User | None = None) -> None:
    if row.status == ProgressStatus.completed:
        return
    row.status = ProgressStatus.completed
    row.completed_at = utcnow()
    _record_module(enrolment, module, Verb.COMPLETED, result=result or Result(completion=True), instructor=instructor)
    db.session.flush()
    check_completion(enrolment)


def check_completion(enrolment: Enrolment) -> bool:
    """Complete the course when every required module is done (a required quiz: passed)."""
    if enrolment.completed_at is not None:
        return True
    done = {p.module_id for p in enrolment.progress if p.status == ProgressStatus.completed}
    required = [m for m in enrolment.course.modules if m.is_required]
    if not required or any(m.id not in done for m in required):
        return False
    enrolment.completed_at = utcnow()
    _record_course(enrolment, Verb.COMPLETED, Result(completion=True))
    db.session.flush()
    course_completed.send(enrolment)
    return True


def resume_module(enrolment: Enrolment) -> CourseModule | None:
    """Where "continue" goes: the last module visited if it is not finished, else the first
    unfinished one, else the last visited (or first) module."""
    modules = enrolment.course.modules
    if not modules:
        return None
    done = {p.module_id for p in enrolment.progress if p.status == ProgressStatus.completed}
    last = next((m for m in modules if m.id == enrolment.last_module_id), None)
    if last is not None and last.id not in done:
        return last
    start = modules.index(last) + 1 if last is not None else 0
    for m in modules[start:] + modules[:start]:
        if m.id not in done:
            return m
    return last or modules[0]


def next_module(module: CourseModule) -> CourseModule | None:
    modules = module.course.modules
    i = modules.index(module)
    return modules[i + 1] if i + 1 < len(modules) else None


@dataclass
class CourseProgress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress_by_enrolment(enrolments: list[Enrolment]) -> dict[int, CourseProgress]:
    """Required modules done and in total per enrolment, in two grouped queries (no N+1)."""
    if not enrolments:
        return {}
    course_ids = {e.course_id for e in enrolments}
    totals = dict(db.session.execute(
        select(CourseModule.course_id, func.count()).where(CourseModule.course_id.in_(course_ids),
                                                           CourseModule.is_required.is_(True))
        .group_by(CourseModule.course_id)
    ).all())
    done = dict(db.session.execute(
        select(ModuleProgress.enrolment_id, func.count())
        .join(CourseModule, CourseModule.id == ModuleProgress.module_id)
        .where(ModuleProgress.enrolment_id.in_([e.id for e in enrolments]),
               ModuleProgress.status == ProgressStatus.completed, CourseModule.is_required.is_(True))
        .group_by(ModuleProgress.enrolment_id)
    ).all())
    return {e.id: CourseProgress(done.get(e.id, 0), totals.get(e.course_id, 0)) for e in enrolments}


# --- quizzes -------------------------------------------------------------------------------------


def attempts_for(enrolment: Enrolment, module: CourseModule) -> list[QuizAttempt]:
    return list(db.session.execute(
        select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.module_id == module.id)
        .order_by(QuizAttempt.number)
    ).scalars())


def attempts_left(module: CourseModule, attempts: list[QuizAttempt]) -> int | None:
    if module.max_attempts is None:
        return None
    return max(0, module.max_attempts - sum(1 for a in attempts if a.submitted_at is not None))


def start_attempt(enrolment: Enrolment, module: CourseModule) -> QuizAttempt:
    """Begin (or resume the open) attempt at a quiz; records `attempted` for a new one."""
    if module.kind != ModuleKind.quiz:
        raise ValidationError(_l("This module is not a quiz."))
    attempts = attempts_for(enrolment, module)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    if open_attempt is not None:
        return open_attempt
    row = open_module(enrolment, module)
    if row.is_passed:
        raise ValidationError(_l("You have passed this quiz already."))
    if attempts_left(module, attempts) == 0:
        raise ValidationError(_l("You have used all your attempts at this quiz."))
    attempt = QuizAttempt(enrolment_id=enrolment.id, module_id=module.id, number=len(attempts) + 1, answers={})
    db.session.add(attempt)
    db.session.flush()
    _record_module(enrolment, module, Verb.ATTEMPTED)
    return attempt


@dataclass
class QuestionOutcome:
    question: Question
    chosen: list[AnswerOption]
    is_correct: bool


@dataclass
class QuizOutcome:
    score: int
    is_passed: bool
    questions: list[QuestionOutcome] = field(default_factory=list)


def score_answers(module: CourseModule, answers: dict[int, list[int]]) -> QuizOutcome:
    """Score answers ({question id: chosen option ids}) on the server. A question counts as right
    when exactly its correct options are chosen. Unknown or impossible choices are a ValidationError."""
    outcomes = []
    for question in module.questions:
        by_id = {o.id: o for o in question.options}
        chosen_ids = answers.get(question.id, [])
        if any(i not in by_id for i in chosen_ids):
            raise ValidationError(_l("An answer does not belong to its question."))
        if question.kind != QuestionKind.multiple and len(chosen_ids) > 1:
            raise ValidationError(_l("Choose one answer per question."))
        chosen = [by_id[i] for i in sorted(set(chosen_ids), key=lambda i: by_id[i].position)]
        correct = {o.id for o in question.options if o.is_correct}
        outcomes.append(QuestionOutcome(question, chosen, {o.id for o in chosen} == correct))
    total = len(outcomes)
    score = round(100 * sum(o.is_correct for o in outcomes) / total) if total else 0
    return QuizOutcome(score=score, is_passed=score >= (module.pass_mark or 0), questions=outcomes)


def submit_attempt(attempt: QuizAttempt, answers: dict[int, list[int]]) -> QuizOutcome:
    """Score the attempt and record `answered` per question, then `passed` or `failed`; a passed
    quiz completes its module (and maybe the course)."""
    if attempt.submitted_at is not None:
        raise ValidationError(_l("This attempt has been handed in already."))
    enrolment, module = attempt.enrolment, attempt.module
    outcome = score_answers(module, answers)
    attempt.answers = {str(o.question.id): [c.id for c in o.chosen] for o in outcome.questions}
    attempt.score = outcome.score
    attempt.is_passed = outcome.is_passed
    attempt.submitted_at = utcnow()
    for o in outcome.questions:
        record(enrolment.user, Verb.ANSWERED, question_iri(o.question), activity_name=o.question.text[:200],
               activity_type=ActivityType.QUESTION,
               result=Result(response="[,]".join(str(c.id) for c in o.chosen), success=o.is_correct),
               context=_context(enrolment, module_iri(module), grouping=course_iri(enrolment.course)))
    result = Result(score=Score(scaled=outcome.score / 100, raw=outcome.score, min=0, max=100),
                    success=outcome.is_passed, completion=True)
    _record_module(enrolment, module, Verb.PASSED if outcome.is_passed else Verb.FAILED, result=result)
    row, _created = _progress(enrolment, module)
    row.best_score = max(row.best_score or 0, outcome.score)
    if outcome.is_passed:
        row.is_passed = True
        _complete(enrolment, module, row, result=result)
    db.session.flush()
    return outcome


def outcome_of(attempt: QuizAttempt) -> QuizOutcome:
    """A handed-in attempt with its stored score, and per question the answers chosen then (an
    answer the author has since removed is left out; the stored score stands)."""
    questions = []
    for question in attempt.module.questions:
        chosen_ids = set((attempt.answers or {}).get(str(question.id), []))
        chosen = [o for o in question.options if o.id in chosen_ids]
        correct = {o.id for o in question.options if o.is_correct}
        questions.append(QuestionOutcome(question, chosen, {o.id for o in chosen} == correct))
    return QuizOutcome(score=attempt.score or 0, is_passed=bool(attempt.is_passed), questions=questions)


# --- xAPI packages ------------------------------------------------------------------------------


def launch_package(enrolment: Enrolment, module: CourseModule, base_url: str, file_url: str) -> str:
    """The launch URL of the module's package with a short-lived credential bound to this learner
    and this enrolment's registration, so the package's statements land on the enrolment."""
    import base64
    import json
    from urllib.parse import urlencode

    from xapi.agents import ifi_key
    from xapi.auth import create_credential
    from xapi.content import LAUNCH_LIFETIME, LAUNCH_SCOPES

    if module.kind != ModuleKind.xapi or module.package is None:
        raise ValidationError(_l("This module has no package to launch."))
    open_module(enrolment, module)
    _record_module(enrolment, module, Verb.LAUNCHED)
    user, package = enrolment.user, module.package
    actor = {"objectType": "Agent", "name": user.full_name, "mbox": f"mailto:{user.email}"}
    credential, secret = create_credential(
        f"Launch of {package.title} for {user.email}"[:120], LAUNCH_SCOPES, expires_in=LAUNCH_LIFETIME,
        actor_ifi=ifi_key(actor), registration=enrolment.registration, user_id=user.id,
    )
    query = urlencode({
        "endpoint": f"{base_url}/xapi/",
        "auth": "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode(),
        "actor": json.dumps(actor, separators=(",", ":")),
        "registration": enrolment.registration,
        "activity_id": package.activity_id,
    })
    return f"{file_url}?{query}"


_PACKAGE_DONE_VERBS = (Verb.COMPLETED[0], Verb.PASSED[0])


def sync_package_statements(seqs: list[int]) -> int:
    """Statement-stream subscriber: a package's own `completed` or `passed` about its activity,
    sent under an enrolment's registration, completes the matching xAPI module. Idempotent."""
    from xapi.models import ContentPackage, Statement

    rows = db.session.execute(
        select(Statement.data, Enrolment, CourseModule)
        .join(Enrolment, Enrolment.registration == Statement.registration)
        .join(CourseModule, and_(CourseModule.course_id == Enrolment.course_id, CourseModule.kind == ModuleKind.xapi))
        .join(ContentPackage, ContentPackage.id == CourseModule.package_id)
        .where(Statement.seq.in_(seqs), Statement.verb_id.in_(_PACKAGE_DONE_VERBS),
               Statement.is_voided.is_(False), Statement.user_id == Enrolment.user_id)
    ).all()
    n = 0
    for data, enrolment, module in rows:
        if (data.get("object") or {}).get("id") != module.package.activity_id:
            continue
        if data.get("verb", {}).get("id") == Verb.COMPLETED[0] or (data.get("result") or {}).get("success", True):
            row, _created = _progress(enrolment, module)
            if not row.is_completed:
                _complete(enrolment, module, row)
                n += 1
    return n


# --- practical tasks ----------------------------------------------------------------------------


def submit_task(enrolment: Enrolment, module: CourseModule, text: str) -> ModuleProgress:
    """The learner says the task is done and what they did; it waits for sign-off."""
    if module.kind != ModuleKind.task:
        raise ValidationError(_l("This module is not a practical task."))
    row = open_module(enrolment, module)
    if row.is_completed:
        raise ValidationError(_l("This task is signed off already."))
    if not text.strip():
        raise ValidationError(_l("Say briefly what you did."), "submission")
    row.submission = text.strip()
    row.status = ProgressStatus.submitted
    db.session.flush()
    _notify_sign_off(enrolment, module)
    return row


def _notify(recipient: User, kind: str, *, url: str, actor: User | None = None, **params) -> None:
    """Tell someone through the notification centre, once that package is installed."""
    try:
        from lms.notifications.service import notify
    except ImportError:
        return
    notify(recipient, kind, url=url, actor=actor, **params)


def _notify_sign_off(enrolment: Enrolment, module: CourseModule) -> None:
    spell = enrolment.user.current_spell
    if spell is not None and spell.manager is not None:
        _notify(spell.manager, "course.task_submitted", url="/courses/sign-offs", actor=enrolment.user,
                task=module.title, course=enrolment.course.title)


def sign_off(row: ModuleProgress, by: User) -> None:
    """A manager (or buddy) confirms a practical task; records `completed` with them as instructor."""
    if row.status != ProgressStatus.submitted:
        raise ValidationError(_l("Only handed-in tasks can be signed off."))
    row.signed_off_by_id = by.id
    row.signed_off_at = utcnow()
    _complete(row.enrolment, row.module, row, instructor=by)
    _notify(row.enrolment.user, "course.task_signed_off", actor=by,
            url=f"/courses/{row.enrolment.course_id}/modules/{row.module_id}", task=row.module.title)


def pending_sign_offs(user: User) -> list[ModuleProgress]:
    """Handed-in tasks of `user`'s reports (all of them for HR), oldest first."""
    q = (
        select(ModuleProgress)
        .join(Enrolment, Enrolment.id == ModuleProgress.enrolment_id)
        .where(ModuleProgress.status == ProgressStatus.submitted)
        .options(joinedload(ModuleProgress.enrolment).joinedload(Enrolment.user),
                 joinedload(ModuleProgress.enrolment).joinedload(Enrolment.course),
                 joinedload(ModuleProgress.module))
        .order_by(ModuleProgress.started_at)
        .limit(200)
    )
    if not user.has_role(Role.hr):
        from .permissions import SIGN_OFF_SCOPES

        others = {i for scope in SIGN_OFF_SCOPES for i in scope(user)}  # e.g. a buddy's new hires
        q = q.join(EmploymentSpell, and_(EmploymentSpell.user_id == Enrolment.user_id, is_latest_spell(EmploymentSpell))) \
            .where(or_(EmploymentSpell.manager_id == user.id, Enrolment.user_id.in_(others)))
    # The query already keeps to the manager's reports (HR: everyone); nobody signs off their own.
    return [r for r in db.session.execute(q).scalars().unique() if r.enrolment.user_id != user.id]


# --- dashboards ---------------------------------------------------------------------------------

DUE_SOON_DAYS = 14


def my_enrolments_query(user: User, *, completed: bool) -> Select:
    q = (
        select(Enrolment).join(Enrolment.course)
        .where(Enrolment.user_id == user.id, Course.status == CourseStatus.published)
        .options(joinedload(Enrolment.course))
    )
    if completed:
        return q.where(Enrolment.completed_at.is_not(None)).order_by(Enrolment.completed_at.desc())
    return q.where(Enrolment.completed_at.is_(None)).order_by(
        case((Enrolment.due_on.is_(None), 1), else_=0), Enrolment.due_on, Enrolment.last_visited_at.desc(),
        Enrolment.enrolled_at.desc(),
    )


def learner_summary(user: User, today: date | None = None, limit: int = 5) -> dict:
    """For the dashboard: unfinished courses (due first), how many are due soon or overdue, and
    how many are completed. {"in_progress": [(Enrolment, CourseProgress)], "due_soon": int,
    "overdue": int, "completed": int}"""
    today = today or date.today()
    if user.is_preboarding(today):  # courses open on the first day; until then they stay out of sight
        return {"in_progress": [], "open": 0, "due_soon": 0, "overdue": 0, "completed": 0}
    open_rows = list(db.session.execute(my_enrolments_query(user, completed=False)).scalars())
    progress = progress_by_enrolment(open_rows[:limit])
    completed = db.session.execute(
        select(func.count()).select_from(Enrolment).where(Enrolment.user_id == user.id,
                                                         Enrolment.completed_at.is_not(None))
    ).scalar_one()
    return {
        "in_progress": [(e, progress[e.id]) for e in open_rows[:limit]],
        "open": len(open_rows),
        "due_soon": sum(1 for e in open_rows if e.due_on and today <= e.due_on <= today + timedelta(days=DUE_SOON_DAYS)),
        "overdue": sum(1 for e in open_rows if e.is_overdue(today)),
        "completed": completed,
    }


def team_overdue(manager: User, today: date | None = None) -> list[Enrolment]:
    """Overdue, unfinished enrolments of `manager`'s current reports, most overdue first."""
    today = today or date.today()
    return list(db.session.execute(
        select(Enrolment)
        .join(EmploymentSpell, and_(EmploymentSpell.user_id == Enrolment.user_id, is_latest_spell(EmploymentSpell)))
        .join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(EmploymentSpell.manager_id == manager.id,
               or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today),
               User.is_active.is_(True), Course.status == CourseStatus.published,
               Enrolment.completed_at.is_(None), Enrolment.due_on < today)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.course))
        .order_by(Enrolment.due_on, Enrolment.id)
    ).scalars())


def team_enrolments_query(manager: User) -> Select:
    """Every enrolment of the manager's current reports, for the team's learning page."""
    return (
        select(Enrolment)
        .join(EmploymentSpell, and_(EmploymentSpell.user_id == Enrolment.user_id, is_latest_spell(EmploymentSpell)))
        .join(User, User.id == Enrolment.user_id)
        .where(EmploymentSpell.manager_id == manager.id, User.is_active.is_(True),
               or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= date.today()))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.course))
        .order_by(case((Enrolment.completed_at.is_(None), 0), else_=1), Enrolment.due_on, User.last_name)
    )


# --- wiring at import ---------------------------------------------------------------------------

from xapi.emitter import subscribe  # noqa: E402

subscribe(sync_package_statements)

def _course_forum_access(check: Callable[[User, Course], bool]) -> Callable[[User, int], bool]:
    def allowed(user: User, course_id: int) -> bool:
        course = db.session.get(Course, course_id)
        return course is not None and check(user, course)

    return allowed


def _may_post_in_course_forum(user: User, course: Course) -> bool:
    from .permissions import can_edit_course, can_view_course

    if not can_view_course(user, course):
        return False
    return can_edit_course(user, course) or find_enrolment(user, course) is not None


try:  # the course forum: anyone who sees the course reads it, its learners post, its authors moderate
    from lms.forums.permissions import register_scope
except ImportError:  # pragma: no cover - depends on what is merged
    pass
else:
    from .permissions import can_edit_course as _can_edit, can_view_course as _can_view

    register_scope("course", can_view=_course_forum_access(_can_view),
                   can_post=_course_forum_access(_may_post_in_course_forum),
                   can_moderate=_course_forum_access(_can_edit))

try:  # notifications arrive with the forums work; until then sign-off requests are only listed
    from lms.notifications.service import register_kind
except ImportError:  # pragma: no cover - depends on what is merged
    pass
else:
    register_kind("course.task_submitted", _l("%(actor)s handed in “%(task)s” in “%(course)s” for sign-off"))
    register_kind("course.task_signed_off", _l("%(actor)s signed off “%(task)s”"))
    register_kind("course.assigned", _l("%(actor)s enrolled you in “%(course)s”"))
