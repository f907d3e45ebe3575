"""Course pages through the test client: permissions first, then the learning and authoring flows."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from lms.courses import service
from lms.courses.models import Course, CourseModule, CourseStatus, Enrolment, ModuleKind, QuizAttempt

from .conftest import quiz_answers


def _module(course, kind):
    return next(m for m in course.modules if m.kind == kind)


# --- permissions ---------------------------------------------------------------------------------


def test_learner_cannot_open_an_unpublished_course(client, login, create_user, make_course):
    course = make_course(publish=False)
    login(create_user())
    assert client.get(f"/courses/{course.id}").status_code == 403
    assert client.get(f"/courses/{course.id}/modules/{course.modules[0].id}").status_code == 403
    assert client.post(f"/courses/{course.id}/enrol").status_code == 403


def test_unpublishing_locks_enrolled_learners_out(client, login, create_user, make_course, db):
    course = make_course()
    learner = create_user()
    service.enrol(learner, course, source="self")
    service.unpublish(course)
    login(learner)
    assert client.get(f"/courses/{course.id}/modules/{course.modules[0].id}").status_code == 403


def test_preboarding_person_sees_no_courses(client, login, create_user, make_course):
    from lms.courses import permissions

    course = make_course()
    person = create_user(hire_date=date.today() + timedelta(days=10))
    login(person)
    # The app-wide pre-boarding guard sends them to the welcome page first...
    for response in (client.get("/courses"), client.get(f"/courses/{course.id}"),
                     client.post(f"/courses/{course.id}/enrol")):
        assert response.status_code == 302 and response.headers["Location"].endswith("/onboarding/welcome")
    # ...and the course predicates refuse them too, should a view ever be reached another way.
    assert not permissions.can_view_course(person, course) and not permissions.can_enrol(person, course)


def test_non_author_cannot_edit(client, login, create_user, make_course):
    course = make_course()
    login(create_user("author"))  # an author, but not of this course
    assert client.get(f"/courses/{course.id}/edit").status_code == 403
    assert client.post(f"/courses/{course.id}/publish", data={"action": "unpublish"}).status_code == 403
    assert client.get(f"/courses/{course.id}/preview/{course.modules[0].id}").status_code == 403
    assert client.get("/courses/new").status_code == 200  # may write courses of their own
    client.post("/logout")
    login(create_user())
    assert client.get("/courses/new").status_code == 403
    assert client.get("/courses/manage").status_code == 403


def test_hr_edits_any_course(client, login, create_user, make_course):
    course = make_course()
    login(create_user("hr"))
    assert client.get(f"/courses/{course.id}/edit").status_code == 200


def test_a_learner_cannot_see_another_persons_progress_or_attempt(client, login, create_user, make_course, db):
    course = make_course()
    owner = create_user()
    enrolment = service.enrol(owner, course, source="self")
    attempt = service.start_attempt(enrolment, _module(course, ModuleKind.quiz))
    login(create_user())
    assert client.get(f"/courses/enrolments/{enrolment.id}").status_code == 403
    assert client.get(f"/courses/{course.id}/attempts/{attempt.id}").status_code == 403
    assert client.post(f"/courses/{course.id}/attempts/{attempt.id}", data={}).status_code == 403


def test_manager_sees_a_reports_progress_but_not_others(client, login, create_user, make_course):
    manager = create_user("manager")
    course = make_course()
    mine = service.enrol(create_user(manager=manager), course, source="self")
    theirs = service.enrol(create_user(), course, source="self")
    login(manager)
    assert client.get(f"/courses/enrolments/{mine.id}").status_code == 200
    assert client.get(f"/courses/enrolments/{theirs.id}").status_code == 403


def test_only_the_manager_signs_off_a_task(client, login, create_user, make_course, db):
    manager = create_user("manager")
    learner = create_user(manager=manager)
    course = make_course(quiz=False, task=True)
    enrolment = service.enrol(learner, course, source="self")
    row = service.submit_task(enrolment, _module(course, ModuleKind.task), "Done it.")
    login(learner)
    assert client.post(f"/courses/progress/{row.id}/sign-off").status_code == 403
    client.post("/logout")
    login(create_user("manager"))
    assert client.post(f"/courses/progress/{row.id}/sign-off").status_code == 403
    client.post("/logout")
    login(manager)
    assert client.post(f"/courses/progress/{row.id}/sign-off").status_code == 302
    db.session.refresh(row)
    assert row.is_completed


def test_manager_cannot_assign_someone_elses_report(client, login, create_user, make_course, db):
    manager = create_user("manager")
    stranger = create_user()
    course = make_course()
    login(manager)
    response = client.post(f"/courses/{course.id}/assign", data={"person": stranger.id})
    assert response.status_code == 400  # not among the choices
    assert db.session.execute(select(Enrolment).where(Enrolment.user_id == stranger.id)).first() is None


def test_only_hr_manages_rules(client, login, create_user, make_course):
    course = make_course()
    login(create_user("manager"))
    assert client.get(f"/courses/{course.id}/rules").status_code == 403


def test_module_of_another_course_is_404(client, login, create_user, make_course):
    a, b = make_course(), make_course()
    learner = create_user()
    service.enrol(learner, a, source="self")
    login(learner)
    assert client.get(f"/courses/{a.id}/modules/{b.modules[0].id}").status_code == 404


# --- catalogue -----------------------------------------------------------------------------------


def test_catalogue_lists_published_courses_with_filters_and_rejects_bad_ones(client, login, create_user, make_course):
    make_course(title="GDPR basics", category="Compliance")
    make_course(title="Secret draft", publish=False)
    login(create_user())
    page = client.get("/courses?q=gdpr").get_data(as_text=True)
    assert "GDPR basics" in page and "Secret draft" not in page
    assert client.get("/courses?duration=forever").status_code == 400
    assert client.get("/courses?language=xx").status_code == 400
    assert client.get("/courses?page=0").status_code == 400


def test_catalogue_query_count_does_not_grow_with_courses(client, login, create_user, make_course, db):
    from sqlalchemy import event

    learner = create_user()
    for n in range(3):
        service.enrol(learner, make_course(title=f"Course {n}"), source="self")
    login(learner)

    def count():
        seen = []
        engine = db.session.get_bind()
        listener = lambda conn, cur, stmt, *a: stmt.startswith("SELECT") and seen.append(stmt[:90])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/courses").status_code == 200
            assert client.get("/courses/mine").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return seen

    few = count()
    for n in range(6):
        service.enrol(learner, make_course(title=f"More {n}"), source="self")
    more = count()
    assert len(more) == len(few), set(more) ^ set(few)


# --- learning ------------------------------------------------------------------------------------


def test_learner_takes_a_course_through_the_pages(client, login, create_user, make_course, db):
    course = make_course()
    learner = create_user()
    login(learner)
    response = client.post(f"/courses/{course.id}/enrol")
    text, quiz = course.modules
    assert response.headers["Location"].endswith(f"/courses/{course.id}/modules/{text.id}")
    assert "Read me" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/courses/{course.id}/modules/{text.id}/done").headers["Location"].endswith(
        f"/modules/{quiz.id}")
    response = client.post(f"/courses/{course.id}/modules/{quiz.id}/attempts")
    attempt = db.session.execute(select(QuizAttempt)).scalar_one()
    assert response.headers["Location"].endswith(f"/attempts/{attempt.id}")
    data = {f"q{qid}": ids for qid, ids in quiz_answers(quiz).items()}
    assert client.post(f"/courses/{course.id}/attempts/{attempt.id}", data=data).status_code == 302
    result = client.get(f"/courses/{course.id}/attempts/{attempt.id}").get_data(as_text=True)
    assert "Passed: 100%" in result and "Right: type the address yourself." in result
    enrolment = db.session.execute(select(Enrolment)).scalar_one()
    assert enrolment.completed_at is not None


def test_an_unanswered_question_is_a_400_and_nothing_is_stored(client, login, create_user, make_course, db):
    course = make_course()
    learner = create_user()
    enrolment = service.enrol(learner, course, source="self")
    attempt = service.start_attempt(enrolment, _module(course, ModuleKind.quiz))
    login(learner)
    assert client.post(f"/courses/{course.id}/attempts/{attempt.id}", data={}).status_code == 400
    db.session.refresh(attempt)
    assert attempt.submitted_at is None
    assert client.post(f"/courses/{course.id}/attempts/{attempt.id}", data={"q1": "x"}).status_code == 400


def test_continue_returns_to_the_last_module(client, login, create_user, make_course):
    course = make_course()
    learner = create_user()
    enrolment = service.enrol(learner, course, source="self")
    service.open_module(enrolment, course.modules[1])
    login(learner)
    assert client.get(f"/courses/{course.id}/continue").headers["Location"].endswith(
        f"/modules/{course.modules[1].id}")


def test_author_preview_records_nothing(client, login, create_user, make_course, db):
    from xapi.models import Statement

    author = create_user("author")
    course = make_course(author)
    before = db.session.execute(select(Statement.seq)).all()
    login(author)
    quiz = _module(course, ModuleKind.quiz)
    assert client.get(f"/courses/{course.id}/modules/{course.modules[0].id}").headers["Location"].endswith(
        f"/preview/{course.modules[0].id}")
    assert client.get(f"/courses/{course.id}/preview/{course.modules[0].id}").status_code == 200
    data = {f"q{qid}": ids for qid, ids in quiz_answers(quiz).items()}
    page = client.post(f"/courses/{course.id}/preview/{quiz.id}", data=data).get_data(as_text=True)
    assert "Passed: 100%" in page
    assert db.session.execute(select(Statement.seq)).all() == before
    assert db.session.execute(select(Enrolment)).first() is None


# --- authoring -----------------------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 900), "teal").save(out, "PNG")
    return out.getvalue()


def test_author_creates_course_with_cover_and_publishes(client, login, create_user, db, app):
    author = create_user("author")
    login(author)
    response = client.post("/courses/new", data={
        "title": "Giving feedback", "summary": "Say it kindly.", "category": "Communication",
        "duration_minutes": "30", "language": "en", "cover": (io.BytesIO(_png()), "cover.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    course = db.session.execute(select(Course)).scalar_one()
    assert course.authors == [author] and course.status == CourseStatus.draft
    cover = client.get(f"/courses/{course.id}/cover")
    assert cover.status_code == 200 and cover.mimetype == "image/png"
    assert "private" in cover.headers["Cache-Control"] and "public" not in cover.headers["Cache-Control"]
    from PIL import Image

    with Image.open(__import__("lms.courses.files", fromlist=["x"]).path_for(course.cover_key)) as img:
        assert img.width == 1200  # re-encoded and scaled down
    assert client.post(f"/courses/{course.id}/publish", data={"action": "publish"}).status_code == 302
    db.session.refresh(course)
    assert course.status == CourseStatus.draft  # no modules yet
    response = client.post(f"/courses/{course.id}/modules/new?kind=text",
                           data={"title": "The model", "body": "Situation, behaviour, impact.", "is_required": "y"})
    assert response.status_code == 302
    client.post(f"/courses/{course.id}/publish", data={"action": "publish"})
    db.session.refresh(course)
    assert course.is_published


def test_cover_that_is_not_an_image_is_refused_next_to_the_field(client, login, create_user, db):
    login(create_user("author"))
    response = client.post("/courses/new", data={
        "title": "X", "summary": "Y", "category": "Z", "duration_minutes": "5", "language": "en",
        "cover": (io.BytesIO(b"<script>alert(1)</script>"), "cover.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not an image" in response.get_data(as_text=True)
    assert db.session.execute(select(Course)).first() is None


def test_video_link_must_be_https_and_file_upload_is_checked(client, login, create_user, make_course, db):
    author = create_user("author")
    course = make_course(author, publish=False)
    login(author)
    r = client.post(f"/courses/{course.id}/modules/new?kind=video", data={"title": "V", "video_url": "http://x.example/v"})
    assert r.status_code == 400 and "https://" in r.get_data(as_text=True)
    r = client.post(f"/courses/{course.id}/modules/new?kind=video", content_type="multipart/form-data",
                    data={"title": "V", "upload": (io.BytesIO(b"not a video at all"), "v.mp4")})
    assert r.status_code == 400
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
    r = client.post(f"/courses/{course.id}/modules/new?kind=video", content_type="multipart/form-data",
                    data={"title": "V", "upload": (io.BytesIO(mp4), "v.mp4")})
    assert r.status_code == 302
    video = db.session.execute(select(CourseModule).where(CourseModule.kind == ModuleKind.video)).scalar_one()
    assert video.file_mime == "video/mp4"
    r = client.post(f"/courses/{course.id}/modules/new?kind=file", content_type="multipart/form-data",
                    data={"title": "Checklist", "upload": (io.BytesIO(b"%PDF-1.4"), "checklist.pdf")})
    assert r.status_code == 302
    download = db.session.execute(select(CourseModule).where(CourseModule.kind == ModuleKind.file)).scalar_one()
    got = client.get(f"/courses/{course.id}/modules/{download.id}/file")
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]


def test_author_writes_a_quiz_question(client, login, create_user, make_course, db):
    author = create_user("author")
    course = make_course(author, publish=False, quiz=False)
    login(author)
    r = client.post(f"/courses/{course.id}/modules/new?kind=quiz", data={"title": "Q", "pass_mark": "80"})
    quiz = db.session.execute(select(CourseModule).where(CourseModule.kind == ModuleKind.quiz)).scalar_one()
    assert r.headers["Location"].endswith(f"/modules/{quiz.id}/edit")
    data = {"kind": "true_false", "text": "Passwords may be shared with IT.",
            "options-0-text": "True", "options-0-feedback": "IT never asks for it.",
            "options-1-text": "False", "options-1-is_correct": "y", "options-1-feedback": "Right."}
    assert client.post(f"/courses/{course.id}/modules/{quiz.id}/questions/new", data=data).status_code == 302
    db.session.refresh(quiz)
    assert [(o.text, o.is_correct) for o in quiz.questions[0].options] == [("True", False), ("False", True)]
    data.pop("options-1-is_correct")
    r = client.post(f"/courses/{course.id}/modules/{quiz.id}/questions/new", data=data)
    assert r.status_code == 400 and "exactly one answer" in r.get_data(as_text=True)


def test_author_adds_and_removes_coauthors_only_with_the_role(client, login, create_user, make_course, db):
    author = create_user("author")
    course = make_course(author, publish=False)
    plain = create_user()
    login(author)
    assert client.post(f"/courses/{course.id}/authors", data={"user": plain.id}).status_code == 400
    colleague = create_user("author")
    client.post(f"/courses/{course.id}/authors", data={"user": colleague.id})
    db.session.refresh(course)
    assert colleague in course.authors


# --- dashboards, hooks, launch -------------------------------------------------------------------


def test_dashboard_partial_shows_courses_due_and_team_overdue(app, db, create_user, make_course):
    from flask import render_template_string

    manager = create_user("manager")
    learner = create_user(manager=manager)
    late = service.enrol(learner, make_course(title="Late course"), source="self")
    late.due_on = date.today() - timedelta(days=1)
    service.enrol(learner, make_course(title="Soon course"), source="self", due_on=date.today() + timedelta(days=2))
    with app.test_request_context("/"):
        html = render_template_string('{% include "lms/courses/_dashboard.html" %}',
                                      course_summary=service.learner_summary(learner),
                                      course_team_overdue=service.team_overdue(manager), today=date.today())
    assert "Late course" in html and "Soon course" in html
    assert "1 course is overdue" in html and "1 course is due in the next two weeks." in html
    assert "Overdue in my team" in html and learner.full_name in html


def test_catalogue_and_my_courses_show_due_dates(client, login, create_user, make_course):
    learner = create_user()
    service.enrol(learner, make_course(title="Due course"), source="self", due_on=date.today() + timedelta(days=3))
    login(learner)
    assert "due " in client.get("/courses").get_data(as_text=True)
    page = client.get("/courses/mine").get_data(as_text=True)
    assert "Due course" in page and "due " in page


def test_a_registered_buddy_check_may_sign_off(client, login, create_user, make_course, db):
    from lms.courses.permissions import SIGN_OFF_CHECKS, SIGN_OFF_SCOPES, can_sign_off, register_sign_off_check

    buddy, learner = create_user(), create_user()
    course = make_course(quiz=False, task=True)
    row = service.submit_task(service.enrol(learner, course, source="self"), _module(course, ModuleKind.task), "x")
    assert not can_sign_off(buddy, row)
    scope = lambda signer: [learner.id] if signer.id == buddy.id else []  # noqa: E731
    check = register_sign_off_check(lambda signer, person: signer.id == buddy.id and person.id == learner.id, scope)
    try:
        assert can_sign_off(buddy, row)
        assert not can_sign_off(learner, row)  # never one's own task
        assert service.pending_sign_offs(buddy) == [row]
        login(buddy)
        assert client.post(f"/courses/progress/{row.id}/sign-off").status_code == 302
    finally:
        SIGN_OFF_CHECKS.remove(check)
        SIGN_OFF_SCOPES.remove(scope)
    db.session.refresh(row)
    assert row.is_completed and row.signed_off_by_id == buddy.id


def test_launching_a_package_module_uses_the_enrolment_registration(client, login, create_user, make_course, db):
    from urllib.parse import parse_qs, urlparse

    from xapi.models import ContentPackage, Credential

    package = ContentPackage(title="Sim", activity_id="https://content.example/sim", launch_path="index.html",
                             storage_key="a" * 32, file_count=1, size_bytes=10)
    db.session.add(package)
    db.session.flush()
    course = make_course(publish=False, quiz=False)
    module = service.add_module(course, ModuleKind.xapi, service.ModuleData(title="Sim", package_id=package.id))
    service.publish(course)
    learner = create_user()
    enrolment = service.enrol(learner, course, source="self")
    login(learner)
    response = client.post(f"/courses/{course.id}/modules/{module.id}/launch")
    assert response.status_code == 302
    target = urlparse(response.headers["Location"])
    assert target.path == f"/content/{'a' * 32}/index.html"
    assert parse_qs(target.query)["registration"] == [enrolment.registration]
    credential = db.session.execute(select(Credential).order_by(Credential.id.desc())).scalars().first()
    assert credential.restricted_registration == enrolment.registration
    other = create_user()
    client.post("/logout")
    login(other)
    assert client.post(f"/courses/{course.id}/modules/{module.id}/launch").status_code == 403


def test_manager_enrols_a_report_with_a_due_date_but_not_in_the_past(client, login, create_user, make_course, db):
    manager = create_user("manager")
    report = create_user(manager=manager)
    course = make_course()
    login(manager)
    assert f'value="{report.id}"' in client.get(f"/courses/{course.id}/assign").get_data(as_text=True)
    past = (date.today() - timedelta(days=1)).isoformat()
    r = client.post(f"/courses/{course.id}/assign", data={"person": report.id, "due_on": past})
    assert r.status_code == 400 and "The due date is in the past." in r.get_data(as_text=True)
    assert service.find_enrolment(report, course) is None
    due = date.today() + timedelta(days=14)
    assert client.post(f"/courses/{course.id}/assign",
                       data={"person": report.id, "due_on": due.isoformat()}).status_code == 302
    enrolment = service.find_enrolment(report, course)
    assert enrolment.due_on == due and enrolment.enrolled_by_id == manager.id


def test_hr_rule_from_the_page_enrols_the_department_now(client, login, create_user, create_department, make_course,
                                                         db):
    dept = create_department()
    member = create_user(department=dept)
    course = make_course()
    login(create_user("hr"))
    r = client.post(f"/courses/{course.id}/rules", data={"department": dept.id, "role": "", "due_days": "30"})
    assert r.status_code == 302
    assert "1 person was enrolled now" in client.get(r.headers["Location"]).get_data(as_text=True)
    enrolment = service.find_enrolment(member, course)
    assert enrolment.due_on == date.today() + timedelta(days=30)


def test_rules_are_applied_hourly_by_celery_beat(app):
    from celery.schedules import crontab

    schedule = app.extensions["celery"].conf.beat_schedule
    entry = schedule["courses-apply-enrolment-rules"]
    assert entry["task"] == "courses.apply_enrolment_rules" and isinstance(entry["schedule"], crontab)
    assert "heartbeat" in schedule  # the core schedule is kept


def test_forum_index_and_home_do_not_grow_queries_with_course_forums(client, login, create_user, make_course, db):
    from tests.lms.forums.test_views import _count_queries

    author = create_user("author")
    me = create_user()
    login(me)

    def publish(n):
        for i in range(n):
            service.ensure_course_forum(make_course(author, quiz=False, title=f"Course {i}"))
        db.session.flush()

    publish(2)
    few = (_count_queries(db, client, "/forums"), _count_queries(db, client, "/"))
    publish(8)
    many = (_count_queries(db, client, "/forums"), _count_queries(db, client, "/"))
    assert many == few


def test_forum_index_shows_followed_course_forums_as_cards_and_the_rest_as_a_list(client, login, create_user,
                                                                                  make_course, db):
    from lms.forums.service import subscribe_forum

    author, me = create_user("author"), create_user()
    followed = service.ensure_course_forum(make_course(author, quiz=False, title="Followed course"))
    service.ensure_course_forum(make_course(author, quiz=False, title="Other course"))
    subscribe_forum(me, followed)
    login(me)
    html = client.get("/forums").get_data(as_text=True)
    cards, rest = html.split('<details class="course-forums">')
    assert "Followed course" in cards and "Other course" not in cards
    assert "Other course" in rest and "1 more course forum" in rest
