"""Course logic: authoring, the catalogue, enrolment (self, manager, HR rule), learning and quizzes.

Functions add and flush; the caller commits. Every learning action records its xAPI statement
through `xapi.emitter.record` in the same transaction, with the enrolment's UUID as registration
and the course as parent of module statements. Other parts use the names imported here:

    from lms.courses.service import enrol, learner_summary, team_overdue, on_course_completed
"""

from __future__ import annotations

from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from xapi.emitter import subscribe

from ...extensions import db
from ...forums.permissions import register_scope
from ...notifications.service import register_kind
from ...people.models import Role, User
from ..models import Course, CourseStatus, course_authors
from ..permissions import _is_hr, _is_learner, can_edit_course as _can_edit, can_view_course as _can_view
from .authoring import (
    DURATION_FILTERS,
    CourseData,
    ModuleData,
    OptionData,
    add_author,
    add_module,
    author_choices,
    catalogue_query,
    categories,
    create_course,
    delete_module,
    delete_question,
    editable_courses_query,
    enrolments_by_course,
    ensure_course_forum,
    may_author,
    move_module,
    publish,
    publish_problems,
    remove_author,
    save_question,
    set_cover,
    set_module_file,
    unpublish,
    update_course,
    update_module,
)
from .dashboards import DUE_SOON_DAYS, learner_summary, my_enrolments_query, team_enrolments_query, team_overdue
from .enrolment import (
    apply_all_rules,
    apply_rule,
    assign,
    assignable_people,
    create_rule,
    deactivate_rule,
    enrol,
    find_enrolment,
)
from .events import course_completed, course_iri, module_iri, on_course_completed, question_iri
from .learning import (
    CourseProgress,
    QuestionOutcome,
    QuizOutcome,
    attempts_for,
    attempts_left,
    check_completion,
    launch_package,
    mark_done,
    next_module,
    open_module,
    outcome_of,
    pending_sign_offs,
    progress_by_enrolment,
    progress_for,
    resume_module,
    score_answers,
    sign_off,
    start_attempt,
    start_course,
    submit_attempt,
    submit_task,
    sync_package_statements,
)

__all__ = [
    "CourseData", "CourseProgress", "DUE_SOON_DAYS", "DURATION_FILTERS", "ModuleData", "OptionData",
    "QuestionOutcome", "QuizOutcome", "add_author", "add_module", "apply_all_rules", "apply_rule", "assign",
    "assignable_people", "attempts_for", "attempts_left", "author_choices", "catalogue_query", "categories",
    "check_completion", "course_completed", "course_iri", "create_course", "create_rule", "deactivate_rule",
    "delete_module", "delete_question", "editable_courses_query", "enrol", "enrolments_by_course",
    "ensure_course_forum", "find_enrolment", "launch_package", "learner_summary", "mark_done", "may_author",
    "module_iri", "move_module", "my_enrolments_query", "next_module", "on_course_completed", "open_module",
    "outcome_of", "pending_sign_offs", "progress_by_enrolment", "progress_for", "publish", "publish_problems",
    "question_iri", "remove_author", "resume_module", "save_question", "score_answers", "set_cover",
    "set_module_file", "sign_off", "start_attempt", "start_course", "submit_attempt", "submit_task",
    "sync_package_statements", "team_enrolments_query", "team_overdue", "unpublish", "update_course",
    "update_module",
]

# --- wiring at import: the statement stream, the course forum, notification kinds ---------------

subscribe(sync_package_statements)


def _course_forum_access(check: Callable[[User, Course], bool]) -> Callable[[User, int], bool]:
    def allowed(user: User, course_id: int) -> bool:
        course = db.session.get(Course, course_id)
        return course is not None and check(user, course)

    return allowed


def _may_post_in_course_forum(user: User, course: Course) -> bool:
    from ..permissions import can_edit_course, can_view_course

    if not can_view_course(user, course):
        return False
    return can_edit_course(user, course) or find_enrolment(user, course) is not None


def _visible_course_ids(user: User) -> list[int]:
    """Every course whose forum `user` may read, in one query (forum lists and search use it)."""
    if not _is_learner(user):
        return []
    query = select(Course.id)
    if not _is_hr(user):
        authored = select(course_authors.c.course_id).where(course_authors.c.user_id == user.id)
        published = Course.status == CourseStatus.published
        query = query.where(or_(published, Course.id.in_(authored)) if user.has_role(Role.author) else published)
    return list(db.session.execute(query).scalars())


def _moderated_course_ids(user: User) -> list[int]:
    """Courses whose forums `user` moderates: every course for HR, their own for authors."""
    if not _is_learner(user):
        return []
    if _is_hr(user):
        return list(db.session.execute(select(Course.id)).scalars())
    if not user.has_role(Role.author):
        return []
    return list(db.session.execute(select(course_authors.c.course_id).where(course_authors.c.user_id == user.id)).scalars())


# The course forum: anyone who sees the course reads it, its learners post, its authors moderate.
register_scope("course", can_view=_course_forum_access(_can_view),
               can_post=_course_forum_access(_may_post_in_course_forum),
               can_moderate=_course_forum_access(_can_edit), visible_scope_ids=_visible_course_ids,
               moderated_scope_ids=_moderated_course_ids)

register_kind("course.task_submitted", _l("%(actor)s handed in “%(task)s” in “%(course)s” for sign-off"))
register_kind("course.task_signed_off", _l("%(actor)s signed off “%(task)s”"))
register_kind("course.assigned", _l("%(actor)s enrolled you in “%(course)s”"))
