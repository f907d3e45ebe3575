"""Competency pages: assessments by the person and their manager only, HR-only organisation views
(heatmap, forecast, candidates), HR's framework and role profiles, and career interest."""

from __future__ import annotations

import pytest

from plans.competencies import service
from plans.competencies.models import AssessmentSource, CompetencyAssessment, RoleRequirement


def _levels(db, person, source):
    return {a.competency_id: a.level for a in db.session.query(CompetencyAssessment)
            .filter_by(user_id=person.id, source=source)}


def test_a_person_assesses_themselves_and_sees_the_gap(client, login, db, framework):
    login(framework.d1)
    page = client.get("/competencies/").get_data(as_text=True)
    assert "Gap to my role (Analyst)" in page and "SQL" in page
    response = client.post(f"/competencies/people/{framework.d1.id}/assess",
                           data={f"level-{framework.sql.id}": "2", f"level-{framework.negotiation.id}": ""})
    assert response.status_code == 302
    assert _levels(db, framework.d1, AssessmentSource.self) == {framework.sql.id: 2}


def test_the_manager_assesses_reports_and_nobody_else_does(client, login, db, framework):
    login(framework.boss_d)
    assert client.get(f"/competencies/people/{framework.d1.id}").status_code == 200
    assert client.post(f"/competencies/people/{framework.d1.id}/assess",
                       data={f"level-{framework.sql.id}": "3"}).status_code == 302
    assert _levels(db, framework.d1, AssessmentSource.manager) == {framework.sql.id: 3}
    # Another team's person: neither read nor assess.
    assert client.get(f"/competencies/people/{framework.s1.id}").status_code == 403
    assert client.post(f"/competencies/people/{framework.s1.id}/assess",
                       data={f"level-{framework.sql.id}": "1"}).status_code == 403
    assert _levels(db, framework.s1, AssessmentSource.manager) == {}


def test_a_colleague_cannot_assess_or_read_another(client, login, framework):
    login(framework.d2)
    assert client.get(f"/competencies/people/{framework.d1.id}").status_code == 403
    assert client.post(f"/competencies/people/{framework.d1.id}/assess",
                       data={f"level-{framework.sql.id}": "5"}).status_code == 403
    assert client.get("/competencies/people/999999").status_code == 404


def test_bad_levels_are_a_400(client, login, framework):
    login(framework.d1)
    for data in ({f"level-{framework.sql.id}": "9"}, {"level-999999": "2"}, {"level-abc": "2"}):
        assert client.post(f"/competencies/people/{framework.d1.id}/assess", data=data).status_code == 400


@pytest.mark.parametrize("path", ["/competencies/heatmap", "/competencies/heatmap?by=team&horizon=future",
                                  "/competencies/forecast", "/competencies/candidates"])
def test_organisation_views_are_for_hr_only(client, login, framework, path):
    login(framework.boss_d)
    assert client.get(path).status_code == 403
    client.post("/logout")
    login(framework.hr)
    assert client.get(path).status_code == 200


def test_the_heatmap_shows_numbers_not_only_colours(client, login, framework, assess):
    assess(framework.d1, framework.sql, 1)
    login(framework.hr)
    page = client.get("/competencies/heatmap").get_data(as_text=True)
    assert 'class="heatmap"' in page and "below the required level" in page
    assert client.get("/competencies/heatmap?by=salary").status_code == 400


def test_hr_maintains_the_framework_and_role_profiles(client, login, db, framework):
    login(framework.hr)
    response = client.post("/competencies/framework/new", data={
        "name": "Python", "category": "Technical", "level_1": "Reads code", "level_5": "Shapes the platform",
        "is_active": "y"})
    assert response.status_code == 302
    python = service.competency_by_name("python")
    assert python.level_description(1) == "Reads code" and python.level_description(5) == "Shapes the platform"
    assert client.post("/competencies/framework/new", data={"name": "SQL"}).status_code == 400  # duplicate
    response = client.post(f"/competencies/roles/{framework.analyst.id}/requirements", data={
        f"level-{framework.sql.id}": "3", f"future-{framework.sql.id}": "5",
        f"level-{framework.negotiation.id}": "", f"level-{python.id}": "2"})
    assert response.status_code == 302
    reqs = {r.competency_id: (r.level, r.future_level) for r in db.session.query(RoleRequirement)
            .filter_by(role_id=framework.analyst.id)}
    assert reqs == {framework.sql.id: (3, 5), python.id: (2, None)}
    assert client.post(f"/competencies/roles/{framework.analyst.id}/requirements",
                       data={f"level-{framework.sql.id}": "7"}).status_code == 400


def test_employees_and_managers_cannot_change_the_framework(client, login, framework):
    login(framework.boss_d)
    for path in ["/competencies/framework", "/competencies/roles", f"/competencies/roles/{framework.analyst.id}"]:
        assert client.get(path).status_code == 403, path
    assert client.post(f"/competencies/roles/{framework.analyst.id}/requirements",
                       data={f"level-{framework.sql.id}": "1"}).status_code == 403


def test_interest_in_a_role_is_visible_to_the_manager_and_hr(client, login, framework):
    login(framework.d1)
    page = client.get("/competencies/career").get_data(as_text=True)
    assert "Senior Analyst" in page and "Promotion" in page
    assert client.post(f"/competencies/career/{framework.senior.id}/interest",
                       data={"interested": "1", "note": "In a year"}).status_code == 302
    client.post("/logout")
    login(framework.boss_d)
    assert "Senior Analyst" in client.get("/plans/team").get_data(as_text=True)
    client.post("/logout")
    login(framework.hr)
    page = client.get(f"/competencies/candidates?role={framework.senior.id}").get_data(as_text=True)
    assert framework.d1.full_name in page and "In a year" in page
