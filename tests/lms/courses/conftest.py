"""Factories for course tests: a published course with a text module, a quiz and a task."""

from __future__ import annotations

import pytest
from sqlalchemy import select


@pytest.fixture
def make_course(db, create_user):
    """make_course(author=None, publish=True, quiz=True, task=False) -> Course."""
    from lms.courses import service
    from lms.courses.models import ModuleKind, QuestionKind

    def factory(author=None, *, publish: bool = True, quiz: bool = True, task: bool = False, title: str = "Phishing 101",
                category: str = "Security", language: str = "en", minutes: int = 20, summary: str = "Spot phishing."):
        author = author or create_user("author")
        course = service.create_course(author, service.CourseData(title, summary, category, minutes, language))
        service.add_module(course, ModuleKind.text, service.ModuleData(title="Why it matters", body="# Read me"))
        if quiz:
            module = service.add_module(course, ModuleKind.quiz, service.ModuleData(
                title="Check yourself", pass_mark=50, max_attempts=2))
            service.save_question(module, None, QuestionKind.single, "Which link is safe?", [
                service.OptionData("The one in the urgent e-mail", False, "Urgency is a classic trick."),
                service.OptionData("The one you typed yourself", True, "Right: type the address yourself."),
            ])
            service.save_question(module, None, QuestionKind.multiple, "Signs of phishing?", [
                service.OptionData("Urgency", True, "Yes."),
                service.OptionData("Unknown sender", True, "Yes."),
                service.OptionData("Your manager's usual tone", False, "No."),
            ])
        if task:
            service.add_module(course, ModuleKind.task, service.ModuleData(
                title="Report a test phish", body="Forward the test mail to security."))
        if publish:
            service.publish(course)
        db.session.flush()
        return course

    return factory


@pytest.fixture
def statements(db):
    """statements(verb=None) -> stored statement JSON, oldest first."""
    from xapi.models import Statement

    def fetch(verb: str | None = None):
        q = select(Statement).order_by(Statement.seq)
        if verb:
            q = q.where(Statement.verb_id == f"http://adlnet.gov/expapi/verbs/{verb}")
        return [s.data for s in db.session.execute(q).scalars()]

    return fetch


def quiz_answers(module, *, right: bool = True) -> dict[int, list[int]]:
    """Answers for every question of `module`: all correct, or all wrong."""
    answers = {}
    for q in module.questions:
        good = [o.id for o in q.options if o.is_correct]
        bad = [o.id for o in q.options if not o.is_correct][:1]
        answers[q.id] = good if right else bad
    return answers
