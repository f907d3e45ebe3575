"""Mentoring pages through the test client: permissions on every object id, forms with errors next to
fields, HR's run and review, the mentor's answer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from plans.mentoring import service
from plans.mentoring.models import MatchingRun, MatchStatus, Mentorship


@pytest.fixture
def world(db, create_user, create_department, make_mentor, ask):
    sales, platform = create_department("Sales"), create_department("Platform")
    hr = create_user("hr")
    mentor = make_mentor({"Negotiation": 5}, department=sales, first_name="Ingrid")
    mentee = create_user(department=platform, first_name="Mads")
    stranger = create_user(department=platform, first_name="Stranger")
    req = ask(mentee)
    return {"hr": hr, "mentor": mentor, "mentee": mentee, "stranger": stranger, "request": req}


def test_nobody_reads_another_persons_request_or_mentorship_by_id(db, client, login, world):
    req = world["request"]
    login(world["stranger"])
    assert client.get(f"/mentoring/requests/{req.id}").status_code == 403
    assert client.post(f"/mentoring/requests/{req.id}/withdraw").status_code == 403
    assert client.get("/mentoring/requests/999999").status_code == 404
    run = service.run_matching(world["hr"])
    match = run.matches[0]
    service.approve(match, world["hr"])
    mentorship = service.accept(match, world["mentor"])
    db.session.commit()
    for path in (f"/mentoring/mentorships/{mentorship.id}",):
        assert client.get(path).status_code == 403
    assert client.post(f"/mentoring/mentorships/{mentorship.id}/sessions",
                       data={"held_on": date.today().isoformat(), "duration_minutes": 30}).status_code == 403
    assert client.post(f"/mentoring/mentorships/{mentorship.id}/end", data={"rating": 1}).status_code == 403
    assert client.get("/mentoring/admin").status_code == 403
    assert client.get(f"/mentoring/admin/runs/{run.id}").status_code == 403
    assert client.post(f"/mentoring/admin/matches/{match.id}/approve").status_code == 403
    for who in ("mentee", "mentor", "hr"):
        login(world[who])
        assert client.get(f"/mentoring/mentorships/{mentorship.id}").status_code == 200, who
        assert client.get(f"/mentoring/requests/{req.id}").status_code == 200, who


def test_the_request_form_shows_errors_next_to_fields(db, client, login, world):
    login(world["stranger"])
    response = client.post("/mentoring/request", data={"goal": "", "mode": "either"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="goal-error"' in page and 'id="skills-error"' in page


def test_asking_hr_run_and_approve_then_the_mentor_accepts(db, client, login, world, competency):
    login(world["stranger"])
    response = client.post("/mentoring/request", data={
        "goal": "Negotiate the renewal of our biggest contract", "skills": [competency("Negotiation").id],
        "language": "", "mode": "remote", "prefers_other_department": "y",
    })
    assert response.status_code == 302
    login(world["hr"])
    response = client.post("/mentoring/admin/runs")
    assert response.status_code == 302
    run_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "matched on Negotiation" in run_page
    run = db.session.execute(select(MatchingRun).order_by(MatchingRun.id.desc())).scalars().first()
    match = run.matches[0]  # one mentor with capacity 2: both requests proposed to Ingrid
    assert {m.mentor_id for m in run.matches} == {world["mentor"].id}
    assert client.post(f"/mentoring/admin/runs/{run.id}/approve-all").status_code == 302
    assert all(m.status == MatchStatus.approved for m in run.matches)
    login(world["mentee"])
    assert client.post(f"/mentoring/matches/{match.id}/accept").status_code == 403  # not theirs
    login(world["mentor"])
    inbox = client.get("/mentoring/inbox").get_data(as_text=True)
    assert "Mads" in inbox and "Stranger" in inbox
    response = client.post(f"/mentoring/matches/{match.id}/accept")
    assert response.status_code == 302 and "/mentoring/mentorships/" in response.headers["Location"]
    other = next(m for m in run.matches if m.id != match.id)  # equal fits: pick by id, not by position
    assert client.post(f"/mentoring/matches/{other.id}/decline", data={"note": "Full"}).status_code == 302
    assert other.status == MatchStatus.declined and other.response_note == "Full"
    assert client.post(f"/mentoring/matches/{other.id}/accept").status_code == 302  # answered: back to inbox
    assert other.status == MatchStatus.declined


def test_participants_log_sessions_and_end_with_feedback(db, client, login, world):
    run = service.run_matching(world["hr"])
    service.approve(run.matches[0], world["hr"])
    mentorship = service.accept(run.matches[0], world["mentor"])
    db.session.commit()
    login(world["mentee"])
    url = f"/mentoring/mentorships/{mentorship.id}"
    bad = client.post(url + "/sessions", data={"held_on": (date.today() + timedelta(days=3)).isoformat(),
                                               "duration_minutes": 30})
    assert bad.status_code == 400 and "field-error" in bad.get_data(as_text=True)
    ok = client.post(url + "/sessions", data={"held_on": date.today().isoformat(), "duration_minutes": 30,
                                              "notes": "First talk"})
    assert ok.status_code == 302 and len(mentorship.sessions) == 1
    assert client.post(url + "/end", data={"rating": 2, "feedback": "Not for me"}).status_code == 302
    db.session.refresh(mentorship)
    assert not mentorship.is_active and mentorship.mentee_rating == 2 and mentorship.ended_badly
    assert client.post(url + "/end", data={"rating": 5}).status_code == 403  # once
    login(world["mentor"])
    assert client.post(url + "/sessions", data={"held_on": date.today().isoformat(),
                                                "duration_minutes": 30}).status_code == 403  # ended
    assert client.post(url + "/end", data={"rating": 4}).status_code == 302
    assert db.session.get(Mentorship, mentorship.id).mentor_rating == 4


def test_profile_form_saves_skills_and_levels(db, client, login, create_user, competency):
    user = create_user()
    login(user)
    sql = competency("SQL")
    assert client.get("/mentoring/profile").status_code == 200
    response = client.post("/mentoring/profile", data={
        "capacity": 7, "languages": ["da"], "mode": "remote", f"level_{sql.id}": "4", "is_published": "y"})
    assert response.status_code == 400 and 'id="capacity-error"' in response.get_data(as_text=True)
    response = client.post("/mentoring/profile", data={"capacity": 2, "languages": ["da"], "mode": "remote",
                                                       "is_published": "y"})
    assert response.status_code == 400 and 'id="skills-error"' in response.get_data(as_text=True)
    response = client.post("/mentoring/profile", data={
        "capacity": 3, "languages": ["da", "en"], "mode": "remote", f"level_{sql.id}": "4", "is_published": "y"})
    assert response.status_code == 302
    profile = service.profile_of(user)
    assert profile.is_published and profile.capacity == 3 and profile.languages == ["da", "en"]
    assert {(s.competency_id, s.level) for s in profile.skills} == {(sql.id, 4)}
    assert client.post("/mentoring/profile/pause").status_code == 302
    assert not service.profile_of(user).is_published


def test_dashboard_panel_and_pages_render(db, client, login, world):
    login(world["mentee"])
    home = client.get("/").get_data(as_text=True)
    assert "You asked for a mentor" in home
    for path in ("/mentoring/", "/mentoring/inbox", "/mentoring/profile"):
        assert client.get(path).status_code == 200, path
    login(world["hr"])
    for path in ("/mentoring/admin", "/mentoring/admin/requests", "/mentoring/admin/mentors",
                 "/mentoring/admin/mentorships"):
        assert client.get(path).status_code == 200, path


def test_a_large_pool_is_matched_by_a_celery_task_that_runs_once(db, client, login, world, sent_tasks, monkeypatch):
    from plans.mentoring import tasks
    from plans.mentoring.models import RunStatus

    monkeypatch.setattr(service, "SYNC_LIMIT", 0)
    login(world["hr"])
    response = client.post("/mentoring/admin/runs")
    assert response.status_code == 302
    run = db.session.execute(select(MatchingRun).order_by(MatchingRun.id.desc())).scalars().first()
    assert run.status == RunStatus.running and run.matches == []
    assert [(name, args) for name, args, _kw in sent_tasks] == [("mentoring.execute_run", (run.id,))]
    assert client.post("/mentoring/admin/runs").status_code == 302  # refused while one is running
    assert db.session.execute(select(MatchingRun)).scalars().all() == [run]
    assert tasks.execute_run(run.id) == 1
    db.session.refresh(run)
    assert run.status == RunStatus.done and len(run.matches) == 1
    assert tasks.execute_run(run.id) == 0  # a second delivery changes nothing
    db.session.refresh(run)
    assert len(run.matches) == 1


def test_a_request_started_from_an_own_plan_goal_is_tied_to_it_and_another_persons_goal_is_ignored(
        db, client, login, world, competency):
    from plans.devplans import service as plans
    from plans.mentoring.models import MentorRequest

    stranger, mentee = world["stranger"], world["mentee"]
    goal = plans.add_goal(plans.ensure_plan(stranger), plans.GoalData(
        title="Lead the renewal negotiation", competency_id=competency("Negotiation").id), stranger)
    others = plans.add_goal(plans.ensure_plan(mentee), plans.GoalData(title="Mads's private goal"), mentee)
    db.session.commit()
    login(stranger)
    plan_page = client.get("/plans/", follow_redirects=True).get_data(as_text=True)
    assert f"/mentoring/request?goal={goal.id}" in plan_page
    form = client.get(f"/mentoring/request?goal={goal.id}").get_data(as_text=True)
    assert "Lead the renewal negotiation" in form
    assert "Mads" not in client.get(f"/mentoring/request?goal={others.id}").get_data(as_text=True)
    response = client.post(f"/mentoring/request?goal={goal.id}", data={
        "goal": "Lead the renewal negotiation", "skills": [competency("Negotiation").id], "language": "",
        "mode": "either"})
    assert response.status_code == 302
    made = db.session.execute(select(MentorRequest).where(MentorRequest.mentee_id == stranger.id)).scalar_one()
    assert made.goal_id == goal.id
