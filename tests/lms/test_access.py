"""Every page, every role: who may open what. Changing an id in the URL never reveals anyone else."""

import pytest

PAGES = [
    "/", "/me", "/password/change", "/people", "/people/new", "/people/{other}", "/people/{other}/edit",
    "/people/{other}/spells/new", "/spells/{other_spell}/edit", "/people/{report}", "/people/{report}/edit",
    "/people/{me}", "/departments", "/departments/new", "/departments/{dept}/edit", "/audit",
    "/audit?person={other}", "/team", "/admin/system", "/admin/lrs/statements", "/admin/lrs/credentials",
    "/admin/lrs/packages",
]

ALLOWED = {
    "employee": {"/", "/me", "/password/change", "/people/{me}"},
    # before day one: only the profile and password; everything else goes to the pre-boarding welcome
    "new_hire": {"/me", "/password/change"},
    "mentor": {"/", "/me", "/password/change", "/people/{me}"},
    "manager": {"/", "/me", "/password/change", "/people/{me}", "/people/{report}", "/team"},
    "hr": set(PAGES) - {"/team", "/admin/system", "/people/{report}/edit"} | {"/people/{report}/edit"},
    "admin": set(PAGES) - {"/team"},
}
# HR may not edit an administrator or HR colleague: the "other" person in this matrix is an admin.
ALLOWED["hr"] -= {"/people/{other}/edit", "/people/{other}/spells/new", "/spells/{other_spell}/edit", "/team",
                  "/admin/system", "/admin/lrs/statements", "/admin/lrs/credentials"}


@pytest.fixture
def world(create_user, create_department):
    from datetime import date, timedelta

    dept = create_department("Logistics")
    boss = create_user("manager", department=dept)
    other = create_user("admin", department=dept)
    report = create_user("employee", manager=boss, department=dept)
    users = {
        "employee": create_user("employee", department=dept),
        "new_hire": create_user("employee", department=dept, hire_date=date.today() + timedelta(days=10)),
        "mentor": create_user("employee", department=dept, is_mentor=True),
        "manager": boss,
        "hr": create_user("hr", department=dept),
        "admin": create_user("admin", department=dept),
    }
    return {"users": users, "other": other, "report": report, "dept": dept}


def _url(page, world, me):
    return page.format(other=world["other"].id, other_spell=world["other"].spells[0].id,
                       report=world["report"].id, me=me.id, dept=world["dept"].id)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(client, world, page):
    response = client.get(_url(page, world, world["users"]["employee"]))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_opens_exactly_its_pages(client, login, world, role):
    me = world["users"][role]
    login(me)
    outcome = {}
    for page in PAGES:
        outcome[page] = client.get(_url(page, world, me)).status_code
    denied = 302 if role == "new_hire" else 403  # the pre-boarding guard redirects to the welcome page
    expected = {page: 200 if page in ALLOWED[role] else denied for page in PAGES}
    assert outcome == expected


@pytest.mark.parametrize(
    "path",
    ["/people/{other}/active", "/departments/{dept}/active", "/people/new", "/departments/new",
     "/people/{other}/edit", "/people/{other}/spells/new"],
)
def test_employee_cannot_change_people_or_departments(client, login, world, path):
    login(world["users"]["employee"])
    response = client.post(_url(path, world, world["users"]["employee"]), data={"active": "0", "name": "X"})
    assert response.status_code == 403
    assert world["other"].is_active


def test_missing_ids_are_404_not_500(client, login, world):
    login(world["users"]["admin"])
    for path in ["/people/999999", "/people/999999/edit", "/spells/999999/edit", "/departments/999999/edit"]:
        assert client.get(path).status_code == 404, path


def test_api_style_request_gets_json_401(client):
    response = client.get("/people", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json() == {"error": "authentication required"}


def test_error_pages_are_translated(client, login, world):
    login(world["users"]["employee"])
    world["users"]["employee"].preferred_language = "sv"
    response = client.get("/people")
    assert response.status_code == 403
    assert "<html lang=\"sv\"" in response.get_data(as_text=True)
    assert "Not allowed" not in response.get_data(as_text=True)


def test_hr_cannot_edit_an_hr_colleague_but_admin_can(client, login, create_user):
    hr, colleague = create_user("hr"), create_user("hr")
    login(hr)
    assert client.get(f"/people/{colleague.id}/edit").status_code == 403
    response = client.post(f"/people/{colleague.id}/edit", data={
        "first_name": "X", "last_name": "Y", "email": "takeover@example.com", "roles": ["employee", "hr"]})
    assert response.status_code == 403
    assert colleague.email != "takeover@example.com"
    client.post("/logout")
    login(create_user("admin"))
    assert client.get(f"/people/{colleague.id}/edit").status_code == 200


def test_manager_loses_access_to_a_former_report(client, login, create_user):
    from datetime import date, timedelta

    boss = create_user("manager")
    former = create_user(manager=boss, end_date=date.today() - timedelta(days=1))
    login(boss)
    assert client.get(f"/people/{former.id}").status_code == 403


def test_manager_does_not_see_how_a_reports_earlier_job_ended(client, login, create_user, create_department, db):
    from datetime import date

    from lms.people.models import EndType
    from lms.people.service import SpellData, add_spell

    boss = create_user("manager")
    report = create_user(with_spell=False)
    dept = create_department()
    add_spell(report, SpellData(hire_date=date(2015, 1, 1), end_date=date(2016, 1, 1), end_type=EndType.involuntary,
                                is_regretted=False, department_id=dept.id, manager_id=None, job_title="Earlier"))
    add_spell(report, SpellData(hire_date=date(2020, 1, 1), end_date=None, end_type=None, is_regretted=False,
                                department_id=dept.id, manager_id=boss.id, job_title="Now"))
    login(boss)
    html = client.get(f"/people/{report.id}").get_data(as_text=True)
    assert "Earlier" in html
    assert "involuntary" not in html
