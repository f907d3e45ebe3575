"""People, departments and employment spells: validation, boomerangs, audit, who may change what."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.people import service
from lms.people.models import AuditEntry, Department, EmploymentSpell, EndType, Role, User


def spell_data(dept, **kw):
    values = dict(hire_date=date(2020, 1, 6), end_date=None, end_type=None, is_regretted=False,
                  department_id=dept.id, manager_id=None, job_title="Analyst")
    values.update(kw)
    return service.SpellData(**values)


def test_boomerang_hire_keeps_both_spells(create_user, create_department, db):
    dept = create_department()
    person = create_user(with_spell=False)
    service.add_spell(person, spell_data(dept, hire_date=date(2018, 3, 1), end_date=date(2020, 6, 30),
                                         end_type=EndType.voluntary, is_regretted=True))
    service.add_spell(person, spell_data(dept, hire_date=date(2022, 2, 1), job_title="Senior Analyst"))
    db.session.flush()
    spells = db.session.execute(select(EmploymentSpell).where(EmploymentSpell.user_id == person.id)
                                .order_by(EmploymentSpell.hire_date)).scalars().all()
    assert [(s.hire_date, s.end_date, s.job_title) for s in spells] == [
        (date(2018, 3, 1), date(2020, 6, 30), "Analyst"),
        (date(2022, 2, 1), None, "Senior Analyst"),
    ]
    assert person.current_spell.job_title == "Senior Analyst"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (dict(end_date=date(2019, 1, 1), end_type=EndType.voluntary), "end_date", "cannot be before the start date"),
        (dict(end_type=EndType.voluntary), "end_date", "Give an end date"),
        (dict(end_date=date(2021, 1, 1)), "end_type", "voluntary or involuntary"),
        (dict(is_regretted=True), "is_regretted", "Only a person who has left"),
    ],
)
def test_inconsistent_spell_is_rejected_naming_the_field(create_user, create_department, changes, field, message):
    person = create_user(with_spell=False)
    with pytest.raises(service.ValidationError) as excinfo:
        service.add_spell(person, spell_data(create_department(), **changes))
    assert excinfo.value.field == field
    assert message in str(excinfo.value.message)


def test_overlapping_spells_are_rejected(create_user, create_department):
    dept = create_department()
    person = create_user(with_spell=False)
    service.add_spell(person, spell_data(dept, hire_date=date(2019, 1, 1), end_date=date(2021, 1, 1),
                                         end_type=EndType.involuntary))
    with pytest.raises(service.ValidationError, match="overlaps"):
        service.add_spell(person, spell_data(dept, hire_date=date(2020, 6, 1)))


def test_person_cannot_manage_themselves(create_user, create_department):
    person = create_user(with_spell=False)
    with pytest.raises(service.ValidationError) as excinfo:
        service.add_spell(person, spell_data(create_department(), manager_id=person.id))
    assert excinfo.value.field == "manager_id"


def test_database_rejects_inconsistent_spell_even_without_the_service(create_user, create_department, db):
    from sqlalchemy.exc import IntegrityError

    person = create_user(with_spell=False)
    dept = create_department()
    db.session.add(EmploymentSpell(user=person, department=dept, job_title="X", hire_date=date(2020, 1, 1),
                                   end_date=date(2019, 1, 1), end_type=EndType.voluntary))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_every_change_to_a_spell_is_audited_with_actor_and_old_and_new_values(client, login, create_user, db):
    hr = create_user("hr")
    person = create_user()
    spell = person.spells[0]
    login(hr)
    response = client.post(f"/spells/{spell.id}/edit", data={
        "job_title": "Team Lead", "department_id": spell.department_id, "manager_id": "",
        "hire_date": spell.hire_date.isoformat(), "end_date": date.today().isoformat(),
        "end_type": "voluntary", "is_regretted": "y",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.entity_type == "EmploymentSpell", AuditEntry.action == "update",
                                 AuditEntry.entity_id == spell.id)
    ).scalar_one()
    assert entry.actor_id == hr.id
    assert entry.subject_user_id == person.id
    assert entry.changes["job_title"] == ["Analyst", "Team Lead"]
    assert entry.changes["end_type"] == [None, "voluntary"]
    assert entry.changes["is_regretted"] == [False, True]
    assert "hire_date" not in entry.changes
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Team Lead" in page


def _audit_rows(db, person):
    return sorted(
        (e.entity_type, e.action, tuple(sorted(e.changes)))
        for e in db.session.execute(select(AuditEntry).where(AuditEntry.subject_user_id == person.id)).scalars()
    )


def test_creating_a_person_with_a_spell_writes_exactly_one_audit_row_each(create_user, db):
    person = create_user()
    db.session.commit()
    rows = [(t, a) for t, a, _fields in _audit_rows(db, person)]
    assert sorted(rows) == [("EmploymentSpell", "create"), ("User", "create"), ("UserRole", "create")]


def test_granting_and_removing_a_role_are_each_audited_once(create_user, db):
    person = create_user()
    db.session.commit()
    before = len(_audit_rows(db, person))
    person.set_roles({Role.employee, Role.manager})
    db.session.commit()
    person.set_roles({Role.employee})
    db.session.commit()
    entries = db.session.execute(
        select(AuditEntry).where(AuditEntry.subject_user_id == person.id, AuditEntry.entity_type == "UserRole")
        .order_by(AuditEntry.id)
    ).scalars().all()
    assert [(e.action, e.changes["role"]) for e in entries] == [
        ("create", [None, "employee"]), ("create", [None, "manager"]), ("delete", ["manager", None])]
    assert len(_audit_rows(db, person)) == before + 2


def test_change_after_commit_records_the_true_old_value(create_user, db):
    person = create_user(first_name="Karin")
    db.session.commit()
    person.first_name = "Carina"
    db.session.commit()
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.subject_user_id == person.id, AuditEntry.action == "update")
    ).scalar_one()
    assert entry.changes == {"first_name": ["Karin", "Carina"]}


def test_failed_flush_leaves_no_audit_rows_for_people_who_never_existed(create_user, db):
    from sqlalchemy.exc import IntegrityError

    existing = create_user()
    db.session.commit()
    db.session.add(User(email=existing.email, first_name="Dup", last_name="Licate"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    create_user(first_name="Next")
    db.session.commit()
    ghost = db.session.execute(
        select(AuditEntry).where(AuditEntry.entity_type == "User", AuditEntry.entity_id.is_(None))
    ).all()
    assert ghost == []


def test_leaving_can_be_recorded_after_the_manager_was_deactivated(create_user, db):
    boss = create_user("manager")
    person = create_user(manager=boss)
    boss.is_active = False
    db.session.flush()
    spell = person.spells[0]
    service.update_spell(spell, spell_data(spell.department, hire_date=spell.hire_date, end_date=date.today(),
                                           end_type=EndType.voluntary, manager_id=boss.id))
    assert spell.end_type is EndType.voluntary


def test_last_admin_cannot_lose_the_admin_role_or_be_deactivated(create_user, db):
    admin = create_user("admin")
    others = db.session.execute(select(User).where(User.id != admin.id)).scalars().all()
    for other in others:
        if other.has_role(Role.admin):
            other.is_active = False
    db.session.flush()
    with pytest.raises(service.ValidationError):
        service.update_user(admin, email=admin.email, first_name="A", last_name="B", roles={Role.employee},
                            preferred_language=None, employee_number=None, is_mentor=False)
    with pytest.raises(service.ValidationError):
        service.set_active(admin, False)


def test_hr_creates_a_person_then_records_employment_through_the_forms(client, login, create_user, create_department, db):
    login(create_user("hr"))
    dept = create_department("Customer Care")
    response = client.post("/people/new", data={
        "first_name": "Signe", "last_name": "Holm", "email": "Signe.Holm@Example.com",
        "employee_number": "E-1001", "preferred_language": "da", "roles": ["employee", "manager"],
    })
    assert response.status_code == 302
    person = db.session.execute(select(User).where(User.email == "signe.holm@example.com")).scalar_one()
    assert person.roles == {Role.employee, Role.manager}
    assert response.headers["Location"] == f"/people/{person.id}/spells/new"
    response = client.post(f"/people/{person.id}/spells/new", data={
        "job_title": "Support Lead", "department_id": dept.id, "hire_date": "2025-03-01",
    })
    assert response.status_code == 302
    assert person.current_spell.department.name == "Customer Care"


def test_duplicate_email_is_shown_next_to_the_field_and_nothing_is_saved(client, login, create_user, db):
    login(create_user("hr"))
    existing = create_user()
    before = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    response = client.post("/people/new", data={"first_name": "A", "last_name": "B", "email": existing.email,
                                                 "roles": ["employee"]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "already exists" in html
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == before


def test_invalid_dates_in_the_spell_form_get_field_errors(client, login, create_user, create_department):
    login(create_user("hr"))
    person = create_user(with_spell=False)
    dept = create_department()
    response = client.post(f"/people/{person.id}/spells/new", data={
        "job_title": "X", "department_id": dept.id, "hire_date": "2025-13-45",
    })
    assert response.status_code == 400
    assert 'id="hire_date-error"' in response.get_data(as_text=True)
    response = client.post(f"/people/{person.id}/spells/new", data={
        "job_title": "X", "department_id": dept.id, "hire_date": "2025-02-01", "end_date": "2024-01-01",
        "end_type": "voluntary",
    })
    assert response.status_code == 400
    assert 'id="end_date-error"' in response.get_data(as_text=True)
    assert person.spells == []


def test_hr_cannot_grant_hr_or_admin_but_admin_can(client, login, create_user, db):
    hr = create_user("hr")
    target = create_user()
    login(hr)
    response = client.post(f"/people/{target.id}/edit", data={
        "first_name": target.first_name, "last_name": target.last_name, "email": target.email,
        "roles": ["employee", "admin", "hr", "manager"],
    })
    assert response.status_code == 400
    assert target.roles == {Role.employee}
    response = client.post(f"/people/{target.id}/edit", data={
        "first_name": target.first_name, "last_name": target.last_name, "email": target.email,
        "roles": ["employee", "manager"],
    })
    assert response.status_code == 302
    assert target.roles == {Role.employee, Role.manager}
    client.post("/logout")
    login(create_user("admin"))
    client.post(f"/people/{target.id}/edit", data={
        "first_name": target.first_name, "last_name": target.last_name, "email": target.email,
        "roles": ["employee", "hr"],
    })
    assert target.roles == {Role.employee, Role.hr}


def test_deactivated_person_keeps_history_and_can_be_reactivated(client, login, create_user):
    login(create_user("hr"))
    person = create_user()
    assert client.post(f"/people/{person.id}/active", data={"active": "0"}).status_code == 302
    assert person.is_active is False
    assert len(person.spells) == 1
    client.post(f"/people/{person.id}/active", data={"active": "1"})
    assert person.is_active is True


def test_nobody_can_deactivate_themselves(client, login, create_user):
    hr = create_user("hr")
    login(hr)
    client.post(f"/people/{hr.id}/active", data={"active": "0"})
    assert hr.is_active is True


def test_department_cannot_be_moved_under_its_own_child(create_department):
    parent = create_department("Sales")
    child = create_department("Sales North", parent)
    with pytest.raises(service.ValidationError) as excinfo:
        service.update_department(parent, "Sales", child)
    assert excinfo.value.field == "parent_id"


def test_department_names_are_unique_ignoring_case(create_department):
    create_department("Finance")
    with pytest.raises(service.ValidationError) as excinfo:
        create_department("finance")
    assert excinfo.value.field == "name"


def test_department_with_staff_cannot_be_deactivated(client, login, create_user, create_department, db):
    login(create_user("hr"))
    dept = create_department("Warehouse")
    create_user(department=dept)
    response = client.post(f"/departments/{dept.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "1 person is employed in this department" in response.get_data(as_text=True)
    assert db.session.get(Department, dept.id).is_active is True


def test_people_list_searches_and_pages(client, login, create_user, create_department):
    login(create_user("hr"))
    dept = create_department("Searchable")
    for i in range(30):
        create_user(department=dept, last_name=f"Zeta{i:02d}")
    page1 = client.get(f"/people?department={dept.id}").get_data(as_text=True)
    assert "30 people" in page1 and "Page 1 of 2" in page1
    page2 = client.get(f"/people?department={dept.id}&page=2").get_data(as_text=True)
    assert "Zeta29" in page2 and "Zeta00" not in page2
    found = client.get("/people?q=zeta07").get_data(as_text=True)
    assert "Zeta07" in found and "Zeta08" not in found
    assert client.get("/people?page=0").status_code == 400


def test_people_list_query_count_does_not_grow_with_rows(client, login, create_user, create_department, db):
    from sqlalchemy import event

    login(create_user("hr"))
    dept = create_department()
    boss = create_user("manager", department=dept)

    def count_queries(n):
        for _ in range(n):
            create_user(department=dept, manager=boss)
        statements = []
        engine = db.session.get_bind()
        listener = lambda *a, **k: statements.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/people").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_queries(2)
    many = count_queries(20)
    assert many == few


def test_manager_sees_direct_reports_including_future_starters(client, login, create_user):
    boss = create_user("manager")
    starter = create_user(manager=boss, first_name="Future", hire_date=date.today() + timedelta(days=20))
    current = create_user(manager=boss, first_name="Current")
    create_user(first_name="Stranger")
    left = create_user(manager=boss, first_name="Gone", end_date=date.today() - timedelta(days=3))
    login(boss)
    html = client.get("/team").get_data(as_text=True)
    assert starter.full_name in html and current.full_name in html
    assert "Stranger" not in html and left.full_name not in html


def test_search_folds_scandinavian_letters_and_treats_wildcards_literally(client, login, create_user):
    login(create_user("hr"))
    create_user(first_name="Daniel", last_name="Åberg")
    create_user(first_name="Søren", last_name="Ødegaard")
    html = client.get("/people?q=" + "åberg").get_data(as_text=True)
    assert "Åberg" in html and "1 person" in html
    assert "Ødegaard" in client.get("/people?q=SØREN").get_data(as_text=True)
    assert "0 people" in client.get("/people?q=%25").get_data(as_text=True)
    assert "0 people" in client.get("/people?q=_").get_data(as_text=True)


def test_hr_sends_a_new_person_a_sign_in_link(app, client, login, create_user, sent_tasks):
    from lms.auth.tasks import send_password_reset_email

    login(create_user("hr"))
    person = create_user(language="sv")
    response = client.post(f"/people/{person.id}/invite")
    assert response.status_code == 302
    assert sent_tasks == [("auth.send_password_reset_email", (person.email,), {"invite": True})]
    assert send_password_reset_email.apply(args=(person.email,), kwargs={"invite": True}).get() is True
    import email as email_lib
    import email.policy
    from pathlib import Path

    mail = sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))[-1]
    message = email_lib.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Välkommen till Fasthold: välj ditt lösenord"
    assert "/password/reset/" in message.get_content()
