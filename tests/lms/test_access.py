"""Every page, every role: who may open what. Changing an id in the URL never reveals anyone else."""

import pytest

PAGES = [
    "/", "/me", "/password/change", "/people", "/people/new", "/people/{other}", "/people/{other}/edit",
    "/people/{other}/spells/new", "/spells/{other_spell}/edit", "/people/{report}", "/people/{report}/edit",
    "/people/{me}", "/departments", "/departments/new", "/departments/{dept}/edit", "/audit",
    "/audit?person={other}", "/team", "/admin/system",
]

ALLOWED = {
    "employee": {"/", "/me", "/password/change", "/people/{me}"},
    "new_hire": {"/", "/me", "/password/change", "/people/{me}"},
    "mentor": {"/", "/me", "/password/change", "/people/{me}"},
    "manager": {"/", "/me", "/password/change", "/people/{me}", "/people/{report}", "/team"},
    "hr": set(PAGES) - {"/team", "/admin/system", "/people/{report}/edit"} | {"/people/{report}/edit"},
    "admin": set(PAGES) - {"/team"},
}
# HR may not edit an administrator: the "other" person in this matrix is an admin.
ALLOWED["hr"] -= {"/people/{other}/edit", "/people/{other}/spells/new", "/spells/{other_spell}/edit", "/team", "/admin/system"}


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
    expected = {page: 200 if page in ALLOWED[role] else 403 for page in PAGES}
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
    response = client.get("/people", headers={"Accept-Language": "da"})
    world["users"]["employee"].preferred_language = "sv"
    response = client.get("/people")
    assert response.status_code == 403
    assert "<html lang=\"sv\"" in response.get_data(as_text=True)
    assert "Not allowed" not in response.get_data(as_text=True)
