"""Plan pages: who may read and change what (404 for unknown ids, 403 for others' plans), forms
that work without JavaScript, and the dashboard panel."""

from __future__ import annotations

import pytest

from plans.devplans import service
from plans.devplans.models import ItemKind


@pytest.mark.parametrize("who,status", [("mads", 200), ("manager", 200), ("hr", 200), ("rita", 403),
                                        ("other_manager", 403), ("outsider", 403), ("admin", 403)])
def test_only_the_person_their_manager_and_hr_read_a_plan(client, login, team, goal, who, status):
    login(getattr(team, who))
    response = client.get(f"/plans/people/{team.mads.id}")
    assert response.status_code == status
    if status == 200:
        assert "Write SQL that scales" in response.get_data(as_text=True)


def test_unknown_ids_are_404(client, login, team):
    login(team.mads)
    assert client.get("/plans/people/999999").status_code == 404
    assert client.post("/plans/goals/999999/move", data={"direction": "up"}).status_code == 404
    assert client.post("/plans/items/999999/complete", data={}).status_code == 404


def test_another_employee_cannot_touch_a_plan_by_changing_ids(client, login, team, goal, steps):
    login(team.rita)
    item = steps[0]
    for url in [f"/plans/goals/{goal.id}/edit", f"/plans/goals/{goal.id}/items/new", f"/plans/items/{item.id}/edit"]:
        assert client.get(url).status_code == 403, url
    for url, data in [(f"/plans/goals/{goal.id}/move", {"direction": "down"}), (f"/plans/goals/{goal.id}/delete", {}),
                      (f"/plans/goals/{goal.id}/complete", {}), (f"/plans/items/{item.id}/move", {"direction": "down"}),
                      (f"/plans/items/{item.id}/delete", {}), (f"/plans/items/{item.id}/start", {}),
                      (f"/plans/items/{item.id}/complete", {"reflection": "x"}),
                      (f"/plans/people/{team.mads.id}/comments", {"body": "hi"}),
                      (f"/plans/people/{team.mads.id}/goals/new", {"title": "Mine now"})]:
        assert client.post(url, data=data).status_code == 403, url
    assert item.completed_at is None and len(goal.items) == 3


def test_the_manager_adds_steps_and_comments_but_the_employee_owns_completion(client, login, team, goal, steps):
    login(team.manager)
    response = client.post(f"/plans/goals/{goal.id}/items/new",
                           data={"kind": "stretch", "title": "Rewrite the invoice report", "position": "1"})
    assert response.status_code == 302
    assert [i.title for i in sorted(goal.items, key=lambda i: i.position)][0] == "Rewrite the invoice report"
    assert client.post(f"/plans/people/{team.mads.id}/comments", data={"body": "Let's pick it next sprint."}).status_code == 302
    assert client.post(f"/plans/items/{steps[0].id}/complete", data={"reflection": "done"}).status_code == 403
    assert client.post(f"/plans/goals/{goal.id}/complete", data={}).status_code == 403
    page = client.get(f"/plans/people/{team.mads.id}").get_data(as_text=True)
    assert "suggested by Maja" in page and "Let&#39;s pick it next sprint." in page


def test_hr_reads_but_does_not_write(client, login, team, goal):
    login(team.hr)
    assert client.get(f"/plans/people/{team.mads.id}").status_code == 200
    assert client.get(f"/plans/people/{team.mads.id}/goals/new").status_code == 403
    assert client.post(f"/plans/goals/{goal.id}/items/new", data={"kind": "custom", "title": "x"}).status_code == 403


def test_the_owner_builds_orders_and_completes_without_javascript(client, login, team):
    login(team.mads)
    response = client.post(f"/plans/people/{team.mads.id}/goals/new",
                           data={"title": "Present at all-hands", "why": "Visibility", "target_date": "2027-03-01"})
    assert response.status_code == 302
    goal = service.plan_of(team.mads).goals[0]
    for title in ("Outline", "Rehearse", "Present"):
        assert client.post(f"/plans/goals/{goal.id}/items/new", data={"kind": "custom", "title": title}).status_code == 302
    outline, rehearse, present = sorted(goal.items, key=lambda i: i.position)
    assert client.post(f"/plans/items/{present.id}/move", data={"direction": "up"}).status_code == 302
    assert [i.title for i in sorted(goal.items, key=lambda i: i.position)] == ["Outline", "Present", "Rehearse"]
    assert client.post(f"/plans/items/{present.id}/move", data={"direction": "sideways"}).status_code == 400
    assert client.post(f"/plans/items/{outline.id}/start").status_code == 302
    assert client.post(f"/plans/items/{outline.id}/complete", data={"reflection": "Three key messages."}).status_code == 302
    assert outline.completed_at is not None and outline.reflection == "Three key messages."
    page = client.get(f"/plans/people/{team.mads.id}").get_data(as_text=True)
    assert "1 of 3 steps done (33%)" in page
    assert client.post(f"/plans/items/{rehearse.id}/delete").status_code == 302
    assert [(i.title, i.position) for i in sorted(goal.items, key=lambda i: i.position)] == [("Outline", 1), ("Present", 2)]


def test_form_errors_are_shown_next_to_the_field(client, login, team, goal):
    login(team.mads)
    response = client.post(f"/plans/people/{team.mads.id}/goals/new", data={"title": ""})
    assert response.status_code == 400
    assert 'id="title-error"' in response.get_data(as_text=True)
    response = client.post(f"/plans/goals/{goal.id}/items/new", data={"kind": "course"})
    assert response.status_code == 400
    assert 'id="course_id-error"' in response.get_data(as_text=True)


def test_the_dashboard_shows_active_goals_and_the_next_step(client, login, team, goal, steps):
    service.complete_item(steps[0], team.mads)
    login(team.mads)
    page = client.get("/").get_data(as_text=True)
    assert "My development plan" in page and "Write SQL that scales" in page and "Next: B" in page


def test_the_team_page_lists_only_my_reports(client, login, team, goal):
    login(team.manager)
    page = client.get("/plans/team").get_data(as_text=True)
    assert team.mads.full_name in page and team.rita.full_name in page and team.outsider.full_name not in page
    client.post("/logout")
    login(team.mads)
    assert client.get("/plans/team").status_code == 403


def test_a_gap_suggestion_lands_in_the_plan_in_one_click(client, login, team, course):
    from plans.competencies.models import Competency

    sql = Competency(name="SQL")
    from lms.extensions import db

    db.session.add(sql)
    db.session.flush()
    login(team.mads)
    response = client.post(f"/plans/people/{team.mads.id}/suggestions",
                           data={"course_id": course.id, "competency_id": sql.id, "level": 3})
    assert response.status_code == 302
    plan = service.plan_of(team.mads)
    assert [(i.kind, i.course_id) for i in plan.goals[0].items] == [(ItemKind.course, course.id)]
    client.post("/logout")
    login(team.rita)
    assert client.post(f"/plans/people/{team.mads.id}/suggestions",
                       data={"course_id": course.id, "competency_id": sql.id}).status_code == 403


def _count_queries(db, client, url):
    from sqlalchemy import event

    statements = []
    engine = db.session.get_bind()
    listener = lambda *a, **k: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_plan_and_team_pages_do_not_grow_queries_with_rows(client, login, db, team, create_user):
    plan = service.ensure_plan(team.mads)

    def grow(n):
        for k in range(n):
            g = service.add_goal(plan, service.GoalData(title=f"Goal {k}"), team.mads)
            for kind in (ItemKind.shadowing, ItemKind.stretch):
                service.add_item(g, service.ItemData(kind=kind, title="Step", colleague_id=create_user().id),
                                 team.manager)
            service.add_comment(plan, team.manager, f"Comment {k}", g)
            create_user(department=None, manager=team.manager)

    grow(1)
    login(team.manager)
    few = (_count_queries(db, client, f"/plans/people/{team.mads.id}"), _count_queries(db, client, "/plans/team"))
    grow(5)
    many = (_count_queries(db, client, f"/plans/people/{team.mads.id}"), _count_queries(db, client, "/plans/team"))
    assert many == few
