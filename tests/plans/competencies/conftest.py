"""Competency fixtures: a small framework (SQL, Negotiation), two roles with a career path, and
two departments with a manager each."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def framework(db, create_user, create_department):
    from plans.competencies.models import Competency, JobRole, RoleRequirement, RoleTransition, TransitionKind

    sql, negotiation = Competency(name="SQL"), Competency(name="Negotiation")
    analyst = JobRole(title="Analyst", seniority=2)  # create_user's default job title
    analyst.requirements = [RoleRequirement(competency=sql, level=3, future_level=4),
                            RoleRequirement(competency=negotiation, level=2)]
    senior = JobRole(title="Senior Analyst", seniority=3)
    senior.requirements = [RoleRequirement(competency=sql, level=4), RoleRequirement(competency=negotiation, level=3)]
    db.session.add_all([analyst, senior])
    db.session.flush()
    db.session.add(RoleTransition(from_role_id=analyst.id, to_role_id=senior.id, kind=TransitionKind.promotion))
    data, sales = create_department("Data"), create_department("Sales")
    boss_d = create_user("manager", department=data, first_name="Dora")
    boss_s = create_user("manager", department=sales, first_name="Sven")
    d1 = create_user(department=data, manager=boss_d, first_name="Dan")
    d2 = create_user(department=data, manager=boss_d, first_name="Dina")
    s1 = create_user(department=sales, manager=boss_s, first_name="Sara")
    hr = create_user("hr", first_name="Hanne")
    db.session.flush()
    return SimpleNamespace(sql=sql, negotiation=negotiation, analyst=analyst, senior=senior, data=data, sales=sales,
                           boss_d=boss_d, boss_s=boss_s, d1=d1, d2=d2, s1=s1, hr=hr)


@pytest.fixture
def assess(db):
    """assess(person, competency, level, source="self")."""
    from plans.competencies import service
    from plans.competencies.models import AssessmentSource

    def do(person, competency, level, source="self", by=None):
        return service.assess(person, competency, level, AssessmentSource(source), by or person)

    return do
