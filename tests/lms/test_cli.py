"""The admin CLI: users create and the demo organisation."""

import json

from sqlalchemy import func, select

from lms.people.models import EmploymentSpell, Role, User


def test_users_create_prints_a_one_time_password_that_works_once(app, db, client):
    result = app.test_cli_runner().invoke(args=["users", "create", "Nora.Berg@Example.com", "--role", "hr", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    user = db.session.get(User, data["id"])
    assert user.email == "nora.berg@example.com"
    assert user.roles == {Role.hr, Role.employee}
    assert user.must_change_password
    response = client.post("/login", data={"email": "nora.berg@example.com", "password": data["one_time_password"]})
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/password/change"


def test_users_create_rejects_bad_input_with_non_zero_exit(app, db, create_user):
    runner = app.test_cli_runner()
    bad_email = runner.invoke(args=["users", "create", "not-an-address", "--role", "hr"])
    assert bad_email.exit_code != 0 and "@-sign" in bad_email.output
    bad_role = runner.invoke(args=["users", "create", "a@example.com", "--role", "boss"])
    assert bad_role.exit_code != 0 and "'boss' is not one of" in bad_role.output
    no_role = runner.invoke(args=["users", "create", "a@example.com"])
    assert no_role.exit_code != 0 and "--role" in no_role.output
    existing = create_user()
    db.session.commit()
    duplicate = runner.invoke(args=["users", "create", existing.email, "--role", "employee"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output


def _snapshot(db):
    people = db.session.execute(select(User.email, User.first_name, User.last_name, User.is_active)
                                .order_by(User.email)).all()
    spells = db.session.execute(
        select(User.email, EmploymentSpell.hire_date, EmploymentSpell.end_date, EmploymentSpell.job_title)
        .join(User, User.id == EmploymentSpell.user_id).order_by(User.email, EmploymentSpell.hire_date)
    ).all()
    return people, spells


def test_demo_is_deterministic_and_realistic(app, db):
    from datetime import date

    from lms.demo import DEMO_LOGINS, build_demo

    result = build_demo(employees=40, seed=7, today=date(2026, 11, 1))
    first = _snapshot(db)
    db.session.rollback()
    build_demo(employees=40, seed=7, today=date(2026, 11, 1))
    assert _snapshot(db) == first
    assert result.people == 40

    people, spells = first
    emails = {p.email for p in people}
    assert {email for _role, email, _f, _l in DEMO_LOGINS} <= emails
    hires_per_person = {}
    for email, hire, end, _title in spells:
        hires_per_person.setdefault(email, []).append((hire, end))
    assert any(len(h) > 1 for h in hires_per_person.values()), "no boomerang"
    assert any(end is not None for h in hires_per_person.values() for _hire, end in h), "no leaver"
    assert any(hire > date(2026, 11, 1) for h in hires_per_person.values() for hire, _end in h), "nobody starting"
    db.session.rollback()
    # another seed, another staff (compared on today's staff, which the history does not make, so
    # the history can be left out of this build)
    build_demo(employees=40, seed=8, today=date(2026, 11, 1), history=False)
    staff = lambda snapshot: {(e, h, t) for e, h, end, t in snapshot[1] if end is None}  # noqa: E731
    assert staff(_snapshot(db)) != staff(first)


def test_demo_command_refuses_a_database_with_people_unless_if_empty(app, db, create_user):
    create_user()
    db.session.commit()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo", "--employees", "30"])
    assert refused.exit_code == 1 and "already has people" in refused.output
    skipped = runner.invoke(args=["demo", "--if-empty"])
    assert skipped.exit_code == 0 and "newhire@fjordhavn.example" in skipped.output
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 1


def test_demo_rejects_too_few_employees(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "--employees", "3"])
    assert result.exit_code == 2
