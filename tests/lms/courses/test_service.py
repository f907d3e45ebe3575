"""Course services: enrolment, progress, quizzes, completion, rules, dashboards, and their statements."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lms.courses import service
from lms.courses.models import Enrolment, EnrolmentSource, ModuleKind, ProgressStatus, QuestionKind
from lms.people.service import ValidationError

from .conftest import quiz_answers

BASE = "http://fasthold.test.example"


def _module(course, kind):
    return next(m for m in course.modules if m.kind == kind)


def test_self_enrolment_is_idempotent_and_records_nothing_until_opened(db, create_user, make_course, statements):
    learner = create_user()
    course = make_course()
    enrolment = service.enrol(learner, course, source="self")
    again = service.enrol(learner, course, source="self")
    assert again.id == enrolment.id and enrolment.source == EnrolmentSource.self
    assert len(enrolment.registration) == 36
    assert statements() == []


def test_draft_courses_take_no_enrolments(db, create_user, make_course):
    with pytest.raises(ValidationError):
        service.enrol(create_user(), make_course(publish=False), source="self")


def test_opening_records_launched_once_and_experienced_once_with_course_as_parent(db, create_user, make_course,
                                                                                 statements):
    learner = create_user()
    course = make_course()
    enrolment = service.enrol(learner, course, source="self")
    text = _module(course, ModuleKind.text)
    service.open_module(enrolment, text)
    service.open_module(enrolment, text)
    launched, experienced = statements("launched"), statements("experienced")
    assert [s["object"]["id"] for s in launched] == [f"{BASE}/courses/{course.id}"]
    assert len(experienced) == 1
    assert experienced[0]["object"]["id"] == f"{BASE}/courses/{course.id}/modules/{text.id}"
    ctx = experienced[0]["context"]
    assert ctx["registration"] == enrolment.registration
    assert ctx["contextActivities"]["parent"][0]["id"] == f"{BASE}/courses/{course.id}"
    assert enrolment.last_module_id == text.id


def test_quiz_scored_on_the_server_records_attempted_answered_and_failed(db, create_user, make_course, statements):
    learner = create_user()
    course = make_course()
    enrolment = service.enrol(learner, course, source="self")
    quiz = _module(course, ModuleKind.quiz)
    attempt = service.start_attempt(enrolment, quiz)
    outcome = service.submit_attempt(attempt, quiz_answers(quiz, right=False))
    assert outcome.score == 0 and not outcome.is_passed
    assert attempt.score == 0 and attempt.is_passed is False
    assert len(statements("attempted")) == 1
    answered = statements("answered")
    assert len(answered) == 2
    assert all(s["result"]["success"] is False for s in answered)
    assert answered[0]["result"]["response"] == str(quiz_answers(quiz, right=False)[quiz.questions[0].id][0])
    assert answered[0]["context"]["contextActivities"]["grouping"][0]["id"] == f"{BASE}/courses/{course.id}"
    failed = statements("failed")
    assert failed[0]["result"]["score"]["scaled"] == 0.0
    assert failed[0]["context"]["registration"] == enrolment.registration
    assert statements("completed") == []


def test_half_right_meets_a_fifty_percent_pass_mark(db, create_user, make_course):
    course = make_course()
    quiz = _module(course, ModuleKind.quiz)
    answers = quiz_answers(quiz)
    single, multiple = quiz.questions
    answers[multiple.id] = answers[multiple.id][:1]  # only one of two correct options: wrong
    outcome = service.score_answers(quiz, answers)
    assert outcome.score == 50 and outcome.is_passed
    assert [o.is_correct for o in outcome.questions] == [True, False]


def test_answers_from_another_question_are_rejected(db, make_course):
    course = make_course()
    quiz = _module(course, ModuleKind.quiz)
    first, second = quiz.questions
    with pytest.raises(ValidationError):
        service.score_answers(quiz, {first.id: [second.options[0].id]})
    with pytest.raises(ValidationError):  # two answers to a single-choice question
        service.score_answers(quiz, {first.id: [o.id for o in first.options]})


def test_attempts_are_limited(db, create_user, make_course):
    enrolment = service.enrol(create_user(), course := make_course(), source="self")
    quiz = _module(course, ModuleKind.quiz)
    for _ in range(2):
        service.submit_attempt(service.start_attempt(enrolment, quiz), quiz_answers(quiz, right=False))
    with pytest.raises(ValidationError):
        service.start_attempt(enrolment, quiz)


def test_course_completes_when_required_modules_are_done_and_fires_the_hook(db, create_user, make_course,
                                                                          statements):
    learner = create_user()
    course = make_course()
    enrolment = service.enrol(learner, course, source="self")
    completed = []
    receiver = service.on_course_completed(lambda e: completed.append(e.id))
    try:
        service.mark_done(enrolment, _module(course, ModuleKind.text))
        assert enrolment.completed_at is None  # the required quiz is not passed yet
        quiz = _module(course, ModuleKind.quiz)
        service.submit_attempt(service.start_attempt(enrolment, quiz), quiz_answers(quiz))
    finally:
        service.course_completed.disconnect(receiver)
    assert enrolment.completed_at is not None
    assert completed == [enrolment.id]
    passed = statements("passed")
    assert passed[0]["result"]["score"]["scaled"] == 1.0 and passed[0]["result"]["success"] is True
    done_ids = [s["object"]["id"] for s in statements("completed")]
    assert done_ids == [f"{BASE}/courses/{course.id}/modules/{m.id}" for m in course.modules] + [
        f"{BASE}/courses/{course.id}"]


def test_an_optional_failed_quiz_does_not_block_completion(db, create_user, make_course):
    course = make_course(publish=False)
    quiz = _module(course, ModuleKind.quiz)
    quiz.is_required = False
    service.publish(course)
    enrolment = service.enrol(create_user(), course, source="self")
    service.mark_done(enrolment, _module(course, ModuleKind.text))
    assert enrolment.completed_at is not None


def test_resume_goes_to_the_last_unfinished_module(db, create_user, make_course):
    course = make_course()
    enrolment = service.enrol(create_user(), course, source="self")
    text, quiz = course.modules
    assert service.resume_module(enrolment) == text
    service.open_module(enrolment, quiz)
    assert service.resume_module(enrolment) == quiz
    service.mark_done(enrolment, text)  # last visited is now the text module, done: next unfinished
    assert service.resume_module(enrolment) == quiz


def test_task_is_signed_off_by_the_manager_with_instructor(db, create_user, make_course, statements):
    manager = create_user("manager")
    learner = create_user(manager=manager)
    course = make_course(quiz=False, task=True)
    enrolment = service.enrol(learner, course, source="self")
    task = _module(course, ModuleKind.task)
    row = service.submit_task(enrolment, task, "Forwarded it to security@.")
    assert row.status == ProgressStatus.submitted
    assert service.pending_sign_offs(manager) == [row]
    assert service.pending_sign_offs(create_user("manager")) == []
    service.sign_off(row, manager)
    assert row.is_completed and row.signed_off_by_id == manager.id
    done = [s for s in statements("completed") if s["object"]["id"].endswith(f"/modules/{task.id}")]
    assert done[0]["actor"]["mbox"] == f"mailto:{learner.email}"
    assert done[0]["context"]["instructor"]["mbox"] == f"mailto:{manager.email}"


def test_publishing_needs_complete_modules(db, create_user, make_course):
    course = make_course(publish=False, quiz=False)
    service.add_module(course, ModuleKind.quiz, service.ModuleData(title="Empty quiz", pass_mark=80))
    with pytest.raises(ValidationError, match="no questions"):
        service.publish(course)
    assert not course.is_published


def test_question_options_must_fit_the_kind(db, make_course):
    course = make_course(publish=False)
    quiz = _module(course, ModuleKind.quiz)
    opts = [service.OptionData("A", True), service.OptionData("B", True)]
    with pytest.raises(ValidationError):
        service.save_question(quiz, None, QuestionKind.single, "Pick one", opts)
    with pytest.raises(ValidationError):
        service.save_question(quiz, None, QuestionKind.true_false, "True?", opts + [service.OptionData("C", False)])
    q = service.save_question(quiz, None, QuestionKind.multiple, "Pick all", opts)
    assert [o.position for o in q.options] == [1, 2]


def test_catalogue_search_is_case_insensitive_and_shows_only_published(db, make_course):
    from lms.extensions import db as _db

    published = make_course(title="Informationssikkerhed for Øvede", category="Sikkerhed", minutes=45)
    make_course(title="Informationssikkerhed kladde", publish=False)
    found = _db.session.execute(service.catalogue_query("øVEDE")).scalars().all()
    assert found == [published]
    assert _db.session.execute(service.catalogue_query(category="Sikkerhed", duration="medium")).scalars().all() == [
        published]
    assert _db.session.execute(service.catalogue_query(category="Sikkerhed", duration="short")).scalars().all() == []
    assert _db.session.execute(service.catalogue_query("100%")).scalars().all() == []


def test_manager_assignment_sets_due_date_and_source(db, create_user, make_course):
    manager = create_user("manager")
    report = create_user(manager=manager)
    due = date.today() + timedelta(days=10)
    enrolment = service.assign(manager, report, make_course(), due)
    assert enrolment.source == EnrolmentSource.manager and enrolment.enrolled_by_id == manager.id
    assert enrolment.due_on == due


def test_rule_enrols_matching_people_now_and_new_hires_later_idempotently(db, create_user, create_department,
                                                                         make_course):
    from lms.courses.tasks import apply_enrolment_rules
    from lms.extensions import db as _db
    from sqlalchemy import select

    dept, other = create_department(), create_department()
    hr = create_user("hr")
    insider = create_user(department=create_department(parent=dept))  # a sub-department counts
    outsider = create_user(department=other)
    course = make_course()
    rule = service.create_rule(course, hr, department_id=dept.id, role=None, is_new_hires_only=False, due_days=30)
    assert service.apply_rule(rule) == 1
    newcomer = create_user(department=dept, hire_date=date.today() + timedelta(days=7))
    assert apply_enrolment_rules() == 1
    assert apply_enrolment_rules() == 0
    enrolled = {e.user_id: e for e in _db.session.execute(
        select(Enrolment).where(Enrolment.course_id == course.id)).scalars()}
    assert set(enrolled) == {insider.id, newcomer.id}
    assert outsider.id not in enrolled
    assert enrolled[newcomer.id].due_on == date.today() + timedelta(days=37)  # start date + 30
    assert enrolled[newcomer.id].source == EnrolmentSource.rule


def test_new_hire_rule_skips_people_already_employed(db, create_user, create_department, make_course):
    dept = create_department()
    create_user(department=dept)
    rule = service.create_rule(make_course(), create_user("hr"), department_id=dept.id, role=None,
                               is_new_hires_only=True, due_days=None)
    assert service.apply_rule(rule) == 0
    create_user(department=dept, hire_date=date.today() + timedelta(days=3))
    assert service.apply_rule(rule) == 1


def test_learner_summary_and_team_overdue(db, create_user, make_course):
    manager = create_user("manager")
    report = create_user(manager=manager)
    late = service.enrol(report, make_course(title="Late"), source="self")
    late.due_on = date.today() - timedelta(days=2)
    soon = service.enrol(report, make_course(title="Soon"), source="self", due_on=date.today() + timedelta(days=3))
    summary = service.learner_summary(report)
    assert [e.id for e, _p in summary["in_progress"]] == [late.id, soon.id]
    assert summary["overdue"] == 1 and summary["due_soon"] == 1 and summary["completed"] == 0
    assert summary["in_progress"][0][1].total == 2
    assert service.team_overdue(manager) == [late]
    assert service.team_overdue(create_user("manager")) == []


def test_package_statement_under_the_registration_completes_the_module(db, create_user, make_course, statements):
    from xapi.emitter import record_statement
    from xapi.models import ContentPackage

    package = ContentPackage(title="Sim", activity_id="https://content.example/sim", launch_path="index.html",
                             storage_key="k" * 32, file_count=1, size_bytes=10)
    db.session.add(package)
    db.session.flush()
    course = make_course(publish=False, quiz=False)
    module = service.add_module(course, ModuleKind.xapi, service.ModuleData(title="Simulation", package_id=package.id))
    service.publish(course)
    learner = create_user()
    enrolment = service.enrol(learner, course, source="self")
    url = service.launch_package(enrolment, module, BASE, "/content/kkk/index.html")
    assert f"registration={enrolment.registration}" in url
    launched = [s for s in statements("launched") if s["object"]["id"].endswith(f"/modules/{module.id}")]
    assert launched and launched[0]["context"]["registration"] == enrolment.registration

    def package_says(verb, registration):
        return record_statement({
            "actor": {"mbox": f"mailto:{learner.email}"},
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
            "object": {"id": "https://content.example/sim"},
            "context": {"registration": registration},
        }, user_ids={f"mbox:mailto:{learner.email}": learner.id})

    from xapi.models import Statement
    from sqlalchemy import select

    def seqs():
        return list(db.session.execute(select(Statement.seq)).scalars())

    package_says("completed", "00000000-0000-4000-8000-000000000000")  # another registration
    assert service.sync_package_statements(seqs()) == 0
    package_says("completed", enrolment.registration)
    assert service.sync_package_statements(seqs()) == 1
    assert service.sync_package_statements(seqs()) == 0
    assert service.progress_for(enrolment)[module.id].is_completed


def test_editing_a_question_keeps_earlier_attempts_readable(db, create_user, make_course):
    course = make_course()
    quiz = _module(course, ModuleKind.quiz)
    enrolment = service.enrol(create_user(), course, source="self")
    attempt = service.start_attempt(enrolment, quiz)
    service.submit_attempt(attempt, quiz_answers(quiz, right=False))
    first = quiz.questions[0]
    ids = [o.id for o in first.options]
    service.save_question(quiz, first, QuestionKind.single, "Which link is safe? (edited)", [
        service.OptionData("The one in the urgent e-mail", False, "Urgency is a trick."),
        service.OptionData("The one you typed yourself", True, "Right."),
        service.OptionData("A shortened link", False, "You cannot see where it goes."),
    ])
    assert [o.id for o in first.options][:2] == ids
    outcome = service.outcome_of(attempt)
    assert outcome.score == 0 and not outcome.is_passed
    assert [o.text for o in outcome.questions[0].chosen] == ["The one in the urgent e-mail"]
    service.save_question(quiz, first, QuestionKind.true_false, "Typed links are safe.", [
        service.OptionData("True", True), service.OptionData("False", False)])
    assert len(first.options) == 2


def test_course_forums_are_listed_only_where_the_course_is_visible(db, create_user, make_course):
    from lms.forums.service import create_forum, visible_forum_ids

    author = create_user("author")
    published = make_course(author)
    draft = make_course(author, publish=False, title="Not yet")
    draft_forum = create_forum("course", title="Not yet", scope_id=draft.id)
    published_forum = service.ensure_course_forum(published)  # made on publication; asking again returns it
    learner, hr = create_user(), create_user("hr")
    db.session.flush()

    assert published_forum.id in visible_forum_ids(learner) and draft_forum.id not in visible_forum_ids(learner)
    assert {published_forum.id, draft_forum.id} <= set(visible_forum_ids(author))
    assert {published_forum.id, draft_forum.id} <= set(visible_forum_ids(hr))
