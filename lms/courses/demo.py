"""Demo courses: the catalogue in demo_catalogue.py, authors, HR rules, and learners at every stage.

Runs after lms.demo.build_demo has made the people; finds them by e-mail and role. Progress goes
through the real services, so the demo's statements are the ones learners would produce.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..people.models import EmploymentSpell, Role, User
from ..people.service import direct_reports, is_latest_spell
from . import service
from .demo_catalogue import CATALOGUE
from .models import Course, Enrolment, ModuleKind, QuestionKind


def _user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _build(course_data: dict, author: User) -> Course:
    course = service.create_course(author, service.CourseData(
        course_data["title"], course_data["summary"], course_data["category"], course_data["minutes"],
        course_data["language"],
    ))
    for kind, title, body, extra in course_data["modules"]:
        module = service.add_module(course, ModuleKind(kind), service.ModuleData(
            title=title, body=body, video_url=extra.get("video_url"), pass_mark=extra.get("pass_mark"),
            max_attempts=extra.get("max_attempts"),
        ))
        for q_kind, text, options in extra.get("questions", []):
            service.save_question(module, None, QuestionKind(q_kind), text,
                                  [service.OptionData(t, ok, fb) for t, ok, fb in options])
    service.publish(course)
    return course


def _answers(module, right: bool) -> dict[int, list[int]]:
    return {q.id: [o.id for o in q.options if o.is_correct == right][: None if right else 1] for q in module.questions}


def _work(enrolment, steps: int, *, pass_quiz: bool = True, sign_off_by: User | None = None) -> None:
    """Do the first `steps` modules of the course the way a learner would."""
    for module in enrolment.course.modules[:steps]:
        if module.kind in (ModuleKind.text, ModuleKind.video, ModuleKind.file):
            service.mark_done(enrolment, module)
        elif module.kind == ModuleKind.quiz:
            attempt = service.start_attempt(enrolment, module)
            service.submit_attempt(attempt, _answers(module, pass_quiz))
            if not pass_quiz:
                return
        elif module.kind == ModuleKind.task:
            row = service.submit_task(enrolment, module, "Done as described; happy to talk it through in our one-to-one.")
            if sign_off_by is not None:
                service.sign_off(row, sign_off_by)
        else:
            service.open_module(enrolment, module)


def seed_demo(today: date, rng: random.Random) -> dict[str, int]:
    """Build the demo catalogue and learners' progress; the caller commits."""
    from ..demo import DOMAIN

    hr = _user(f"hr@{DOMAIN}")
    if hr is None or db.session.execute(select(Course.id).limit(1)).first():
        return {"courses": 0}
    # A learning specialist writes most courses; HR may too.
    specialist = db.session.execute(
        select(User).join(EmploymentSpell, EmploymentSpell.user_id == User.id)
        .where(EmploymentSpell.job_title == "Learning Specialist", is_latest_spell(), User.is_active.is_(True))
        .order_by(User.id).limit(1)
    ).scalar_one_or_none()
    if specialist is not None:
        specialist.set_roles(specialist.roles | {Role.author})
    author = specialist or hr
    courses = {c["title"]: _build(c, hr if c["category"] == "Compliance" else author) for c in CATALOGUE}
    for course in courses.values():
        if author not in course.authors:
            course.authors.append(author)
    infosec, gdpr = courses["Information security basics"], courses["GDPR basics"]
    feedback, leadership = courses["Giving feedback"], courses["First-line leadership"]

    # HR rules: information security for every new hire within 30 days of starting; GDPR for everyone.
    service.apply_rule(service.create_rule(infosec, hr, department_id=None, role=None, is_new_hires_only=True,
                                           due_days=30), today)
    service.apply_rule(service.create_rule(gdpr, hr, department_id=None, role=None, is_new_hires_only=False,
                                           due_days=60), today)
    service.apply_rule(service.create_rule(leadership, hr, department_id=None, role=Role.manager,
                                           is_new_hires_only=False, due_days=90), today)

    manager = _user(f"manager@{DOMAIN}")
    employee = _user(f"employee@{DOMAIN}")
    mentor = _user(f"mentor@{DOMAIN}")
    if manager is not None:
        # The manager enrols the team in information security; two people are behind.
        for n, (report, spell) in enumerate(direct_reports(manager, today)):
            if spell.hire_date > today:
                continue
            enrolment = service.enrol(report, infosec, source="manager", by=manager, due_on=today + timedelta(days=5))
            if report not in (employee, mentor):
                if n % 3 == 0:
                    enrolment.due_on = today - timedelta(days=rng.randint(3, 20))
                    _work(enrolment, rng.randint(0, 3))
                else:  # all done but the practical task, which waits for the manager's sign-off
                    _work(enrolment, len(infosec.modules))
        _work(service.find_enrolment(manager, leadership), 2)
    if employee is not None:
        # Mads: information security half done and due in five days, GDPR done, feedback started.
        _work(service.find_enrolment(employee, infosec), 2)
        _work(service.find_enrolment(employee, gdpr), 5)
        _work(service.enrol(employee, feedback, source="self"), 5, pass_quiz=False)
        service.enrol(employee, courses["Running effective meetings"], source="self")
    if mentor is not None:
        _work(service.enrol(mentor, feedback, source="self"), len(feedback.modules), sign_off_by=manager)
        _work(service.find_enrolment(mentor, gdpr), 5)

    # Other people at every stage of the courses they were given.
    others = db.session.execute(
        select(Enrolment).where(Enrolment.completed_at.is_(None), Enrolment.started_at.is_(None))
        .order_by(Enrolment.id)
    ).scalars().all()
    worked = 0
    for enrolment in others:
        if enrolment.user.is_preboarding(today) or enrolment.user in (employee, mentor, manager):
            continue
        if worked >= 15:  # enough to look alive; each step stores statements
            break
        worked += 1
        roll = rng.random()
        if roll < 0.35:
            _work(enrolment, len(enrolment.course.modules), sign_off_by=None)
        elif roll < 0.65:
            _work(enrolment, rng.randint(1, len(enrolment.course.modules) - 1))
    return {"courses": len(courses)}
