"""Onboarding pages through the test client: the pre-boarding guard, who sees which plan, who ticks
off which task, the buddy choice, check-ins, the cohort forum scope and HR's tracks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from lms.onboarding import service
from lms.onboarding.models import BuddyStatus, OnboardingPlan, OnboardingTrack, Owner, TrackTask


@pytest.fixture
def starter(org, hire, plan_of):
    """A new hire starting in 14 days, with the senior colleague confirmed as buddy."""
    new = hire(days=14)
    plan = plan_of(new)
    service.set_buddy(plan, org["senior"], org["manager"])
    return new, plan


def _task(plan, owner):
    return next(t for t in plan.tasks if t.owner == owner)


# --- the pre-boarding guard ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/team", "/people", "/admin/lrs/packages",
                                  "/onboarding/tracks", "/people/{me}"])
def test_before_day_one_every_other_page_sends_to_the_welcome(client, login, starter, path):
    new, _plan = starter
    login(new)
    response = client.get(path.format(me=new.id))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.headers["Location"] == "/onboarding/welcome"


def test_before_day_one_json_clients_get_a_403(client, login, starter):
    login(starter[0])
    response = client.get("/people", headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.is_json


def test_before_day_one_the_welcome_shows_preboarding_content_only(client, login, starter, org):
    new, plan = starter
    login(new)
    page = client.get("/onboarding/welcome")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "A welcome from our CEO" in html and "<strong>glad</strong>" in html
    assert "Send your bank details" in html  # a pre-boarding task
    assert "Welcome at reception" not in html and "30-day talk" not in html  # later phases stay hidden
    assert org["senior"].full_name in html  # the buddy
    plan_html = client.get(f"/onboarding/plans/{plan.id}").get_data(as_text=True)
    assert "Send your bank details" in plan_html and "Welcome at reception" not in plan_html
    assert client.get("/me").status_code == 200
    assert client.get("/onboarding/").headers["Location"] == "/onboarding/welcome"


def test_after_day_one_the_guard_lets_the_new_hire_through(client, login, org, create_user):
    started = create_user(department=org["dept"], manager=org["manager"], hire_date=date.today())
    login(started)
    assert client.get("/").status_code == 200


# --- plans -----------------------------------------------------------------------------------


def test_another_new_hires_plan_is_403(client, login, starter, hire, plan_of):
    other = hire(days=20)
    login(other)
    assert client.get(f"/onboarding/plans/{starter[1].id}").status_code == 403
    assert client.get("/onboarding/plans/999999").status_code == 404


def test_manager_confirmed_buddy_and_hr_see_the_plan_a_proposed_buddy_and_colleague_do_not(
        client, login, org, starter, hire, plan_of):
    _new, plan = starter
    for viewer in (org["manager"], org["senior"], org["hr"]):
        login(viewer)
        assert client.get(f"/onboarding/plans/{plan.id}").status_code == 200, viewer
    proposed = plan_of(hire())
    assert proposed.buddy_status == BuddyStatus.proposed
    login(proposed.buddy)
    assert client.get(f"/onboarding/plans/{proposed.id}").status_code == 403
    login(org["recent"])
    assert client.get(f"/onboarding/plans/{plan.id}").status_code == 403


def test_each_owner_completes_only_their_own_tasks(db, client, login, org, starter):
    new, plan = starter
    cases = [(Owner.new_hire, new, org["manager"]), (Owner.manager, org["manager"], new),
             (Owner.buddy, org["senior"], org["manager"]), (Owner.it, org["admin"], org["hr"]),
             (Owner.hr, org["hr"], org["admin"])]
    for owner, allowed, denied in cases:
        task = _task(plan, owner)
        login(denied)
        assert client.post(f"/onboarding/tasks/{task.id}/complete").status_code in (302, 403), owner
        db.session.refresh(task)
        assert task.completed_at is None, owner
        login(allowed)
        response = client.post(f"/onboarding/tasks/{task.id}/complete")
        assert response.status_code == 302, owner
        db.session.refresh(task)
        assert task.completed_at is not None and task.completed_by_id == allowed.id, owner


def test_completing_through_the_page_records_the_statement(db, client, login, starter):
    from xapi.models import Statement

    new, plan = starter
    task = _task(plan, Owner.new_hire)
    login(new)
    client.post(f"/onboarding/tasks/{task.id}/complete", data={"next": "welcome"})
    statements = db.session.execute(select(Statement).where(Statement.user_id == new.id)).scalars().all()
    assert [s.data["object"]["id"].rsplit("/", 1)[-1] for s in statements] == [str(task.id)]


def test_only_the_manager_or_hr_set_the_buddy(db, client, login, org, hire, plan_of):
    plan = plan_of(hire())
    login(org["recent"])
    assert client.post(f"/onboarding/plans/{plan.id}/buddy", data={"buddy_id": org["recent"].id}).status_code == 403
    login(plan.user)
    assert client.get(f"/onboarding/plans/{plan.id}/buddy").status_code == 403
    login(org["manager"])
    assert client.get(f"/onboarding/plans/{plan.id}/buddy").status_code == 200
    response = client.post(f"/onboarding/plans/{plan.id}/buddy", data={"buddy_id": org["senior"].id})
    assert response.status_code == 302
    db.session.refresh(plan)
    assert plan.buddy_id == org["senior"].id and plan.buddy_status == BuddyStatus.confirmed
    # someone who is not a candidate (the manager, another department) is refused next to the field
    assert client.post(f"/onboarding/plans/{plan.id}/buddy", data={"buddy_id": org["manager"].id}).status_code == 400


def test_checkin_only_by_the_new_hire_once_due_answers_seen_by_manager_not_buddy(db, client, login, org, create_user):
    new = create_user(department=org["dept"], manager=org["manager"], hire_date=date.today() + timedelta(days=1))
    plan = service.current_plan(new)
    service.set_buddy(plan, org["senior"], org["manager"])
    checkin = plan.checkins[0]
    login(new)
    early = client.get(f"/onboarding/checkins/{checkin.id}")
    assert early.status_code == 302  # not open yet
    checkin.due_on = date.today()
    for task in plan.tasks:  # move the whole plan 31 days into the past
        task.due_on -= timedelta(days=31)
    plan.starts_on -= timedelta(days=31)
    new.spells[0].hire_date = plan.starts_on
    db.session.flush()
    login(org["manager"])
    assert client.get(f"/onboarding/checkins/{checkin.id}").status_code == 403
    login(new)
    assert client.post(f"/onboarding/checkins/{checkin.id}", data={"comment": "x"}).status_code == 400
    assert client.post(f"/onboarding/checkins/{checkin.id}",
                       data={"rating": "2", "comment": "More time with my buddy"}).status_code == 302
    login(org["manager"])
    assert "More time with my buddy" in client.get(f"/onboarding/plans/{plan.id}").get_data(as_text=True)
    login(org["senior"])
    assert "More time with my buddy" not in client.get(f"/onboarding/plans/{plan.id}").get_data(as_text=True)


# --- cohort forum ----------------------------------------------------------------------------


def test_cohort_forum_members_post_managers_read_others_are_refused(db, client, login, org, starter, create_user,
                                                                    create_department):
    from lms.forums.models import ForumThread

    new, plan = starter
    forum = service.cohort_forum(plan.cohort)
    assert forum is not None and forum.kind == "cohort" and forum.scope_id == plan.cohort_id
    later = create_user(department=org["dept"], manager=org["manager"],
                        hire_date=plan.starts_on.replace(day=1) + timedelta(days=70))
    outsider = create_user(department=create_department())
    login(new)
    assert client.get(f"/forums/{forum.id}").status_code == 200
    response = client.post(f"/forums/{forum.id}/threads/new", data={"title": "Hello!", "body": "I start soon."})
    assert response.status_code == 302
    assert db.session.execute(select(ForumThread).where(ForumThread.forum_id == forum.id)).scalar_one()
    other_forum = service.cohort_forum(service.current_plan(later).cohort)
    assert client.get(f"/forums/{other_forum.id}").status_code == 403  # another month's cohort
    login(org["manager"])
    assert client.get(f"/forums/{forum.id}").status_code == 200
    assert client.post(f"/forums/{forum.id}/threads/new", data={"title": "Hi", "body": "x"}).status_code == 403
    login(outsider)
    assert client.get(f"/forums/{forum.id}").status_code == 403
    assert client.get(f"/onboarding/cohorts/{plan.cohort_id}").status_code == 403


# --- HR ---------------------------------------------------------------------------------------


def test_tracks_are_for_hr_only(client, login, org):
    login(org["manager"])
    assert client.get("/onboarding/tracks").status_code == 403
    assert client.post("/onboarding/tracks/new", data={"name": "X"}).status_code == 403
    assert client.post("/onboarding/assign").status_code == 403
    login(org["hr"])
    assert client.get("/onboarding/tracks").status_code == 200
    assert client.get(f"/onboarding/tracks/{org['track'].id}").status_code == 200


def test_hr_builds_a_track_and_a_bad_offset_is_shown_next_to_the_field(db, client, login, org):
    login(org["hr"])
    response = client.post("/onboarding/tracks/new", data={"name": "Sales", "department_id": org["dept"].id,
                                                           "job_title": "", "is_active": "y"})
    assert response.status_code == 302
    track = db.session.execute(select(OnboardingTrack).where(OnboardingTrack.name == "Sales")).scalar_one()
    bad = client.post(f"/onboarding/tracks/{track.id}/tasks/new", data={
        "title": "Call", "phase": "preboarding", "area": "social", "owner": "manager", "due_offset_days": "5"})
    assert bad.status_code == 400 and "between -120 and -1" in bad.get_data(as_text=True)
    good = client.post(f"/onboarding/tracks/{track.id}/tasks/new", data={
        "title": "Call", "phase": "preboarding", "area": "social", "owner": "manager", "due_offset_days": "-5"})
    assert good.status_code == 302
    assert [t.title for t in db.session.execute(select(TrackTask).where(TrackTask.track_id == track.id)).scalars()] == ["Call"]
    clash = client.post("/onboarding/tracks/new", data={"name": "Again", "department_id": org["dept"].id,
                                                        "is_active": "y"})
    assert clash.status_code == 400 and "already covers" in clash.get_data(as_text=True)


def test_hr_button_assigns_future_starters_once(db, client, login, org, create_user):
    org["track"].is_active = False
    waiting = create_user(department=org["dept"], hire_date=date.today() + timedelta(days=9))
    org["track"].is_active = True
    login(org["hr"])
    assert client.post("/onboarding/assign").status_code == 302
    assert service.current_plan(waiting) is not None
    plans = db.session.execute(select(func.count()).select_from(OnboardingPlan)).scalar_one()
    assert "already has onboarding" in client.post("/onboarding/assign", follow_redirects=True).get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(OnboardingPlan)).scalar_one() == plans


def test_home_query_count_does_not_grow_with_plans(db, client, login, org, hire):
    login(org["hr"])

    def count(n):
        for _ in range(n):
            hire(days=10)
        statements = []
        engine = db.session.get_bind()
        listener = lambda *a, **k: statements.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/onboarding/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    assert count(2) == count(12)


def test_manager_home_lists_the_team_and_own_tasks(client, login, org, starter):
    login(org["manager"])
    html = client.get("/onboarding/").get_data(as_text=True)
    assert starter[0].full_name in html and "Welcome at reception" in html


def test_cli_assigns_future_starters(app, db, org, create_user):
    org["track"].is_active = False
    waiting = create_user(department=org["dept"], hire_date=date.today() + timedelta(days=9))
    org["track"].is_active = True
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["onboarding", "assign"])
    assert "assigned to 1 future starters" in result.output
    assert service.current_plan(waiting) is not None
