"""Development plan fixtures: a team (manager, two reports), another team, HR, and a course."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def team(create_user, create_department):
    dept, other_dept = create_department("Platform"), create_department("Sales")
    manager = create_user("manager", department=dept, first_name="Maja")
    mads = create_user(department=dept, manager=manager, first_name="Mads")
    rita = create_user(department=dept, manager=manager, first_name="Rita")
    other_manager = create_user("manager", department=other_dept, first_name="Olle")
    outsider = create_user(department=other_dept, manager=other_manager, first_name="Otto")
    hr = create_user("hr", first_name="Hanne")
    admin = create_user("admin", first_name="Ada")
    return SimpleNamespace(manager=manager, mads=mads, rita=rita, other_manager=other_manager, outsider=outsider,
                           hr=hr, admin=admin)


@pytest.fixture
def course(db, create_user):
    """A published course with two text modules (marking both done completes it)."""
    from lms.courses import service
    from lms.courses.models import ModuleKind

    author = create_user("author")
    c = service.create_course(author, service.CourseData("SQL for analysts", "Joins and indexes.", "Data", 30, "en"))
    service.add_module(c, ModuleKind.text, service.ModuleData(title="Joins", body="# Joins"))
    service.add_module(c, ModuleKind.text, service.ModuleData(title="Indexes", body="# Indexes"))
    service.publish(c)
    db.session.flush()
    return c


@pytest.fixture
def goal(db, team):
    from plans.devplans import service

    plan = service.ensure_plan(team.mads)
    g = service.add_goal(plan, service.GoalData(title="Write SQL that scales"), team.mads)
    db.session.flush()
    return g


@pytest.fixture
def steps(db, goal, team):
    """Three custom steps A, B, C on the goal."""
    from plans.devplans import service
    from plans.devplans.models import ItemKind

    return [service.add_item(goal, service.ItemData(kind=ItemKind.custom, title=t), team.mads) for t in "ABC"]
