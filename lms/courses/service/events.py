"""What course services announce: xAPI statements (activity IRIs, registration and parent in the
context), the course-completed signal (the certificate hook) and notifications."""

from __future__ import annotations

from typing import Any, Callable

from blinker import Namespace
from flask import current_app
from tincan import Activity, Agent, Context, ContextActivities, Result

from xapi.emitter import record
from xapi.vocabulary import ActivityType

from ...people.models import User
from ..models import Course, CourseModule, Enrolment, ModuleKind, Question


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


def statement_context(enrolment: Enrolment, *parents: str, grouping: str | None = None, instructor: User | None = None) -> Context:
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


def record_course(enrolment: Enrolment, verb: tuple[str, str], result: Result | None = None) -> None:
    course = enrolment.course
    record(enrolment.user, verb, course_iri(course), activity_name=course.title, activity_type=ActivityType.COURSE,
           result=result, context=statement_context(enrolment))


def record_module(enrolment: Enrolment, module: CourseModule, verb: tuple[str, str], result: Result | None = None,
                   instructor: User | None = None) -> None:
    record(enrolment.user, verb, module_iri(module), activity_name=module.title,
           activity_type=_MODULE_TYPES[module.kind], result=result,
           context=statement_context(enrolment, course_iri(enrolment.course), instructor=instructor))


def notify(recipient: User, kind: str, *, url: str, actor: User | None = None, **params) -> None:
    """Tell someone through the notification centre."""
    from lms.notifications.service import notify as send

    send(recipient, kind, url=url, actor=actor, **params)


