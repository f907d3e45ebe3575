"""Writing courses: details, modules, quiz questions, authors, publication; and the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...people.models import Role, User, UserRole, utcnow
from ...people.service import ValidationError
from ..models import (
    AnswerOption,
    Course,
    CourseModule,
    CourseStatus,
    Enrolment,
    ModuleKind,
    ModuleProgress,
    Question,
    QuestionKind,
    course_authors,
)


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
    """The course's forum, made on first publication."""
    from lms.forums import service as forums

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


