"""Onboarding buddies proposed by the matching engine: same department, never the new hire's manager,
at most BUDDY_CAPACITY new hires at once."""

from __future__ import annotations

from datetime import date, timedelta

from lms.onboarding import service as onboarding
from lms.onboarding.models import BuddyStatus, OnboardingPlan
from plans.mentoring import service


def _plan_for(db, user, buddy):
    """An onboarding plan in progress with `buddy` (counts towards their open assignments)."""
    from lms.onboarding.service import get_or_create_cohort

    spell = user.spells[0]
    plan = OnboardingPlan(user_id=user.id, spell_id=spell.id, starts_on=spell.hire_date,
                          cohort=get_or_create_cohort(spell.hire_date), buddy_id=buddy.id,
                          buddy_status=BuddyStatus.confirmed)
    db.session.add(plan)
    db.session.flush()
    return plan


def test_the_engine_is_the_registered_buddy_proposer(app):
    assert onboarding._buddy_proposer is service.propose_buddy


def test_buddy_same_department_not_the_manager_and_within_capacity(db, create_user, create_department):
    dept, other = create_department("Platform"), create_department("Sales")
    long_ago = date.today() - timedelta(days=3000)
    manager = create_user("manager", department=dept, hire_date=long_ago, first_name="Manager")
    busy = create_user(department=dept, manager=manager, hire_date=long_ago, first_name="Busy")
    free = create_user(department=dept, manager=manager, hire_date=date.today() - timedelta(days=400),
                       first_name="Free")
    create_user(department=other, hire_date=long_ago - timedelta(days=1000), first_name="Elsewhere")
    for _ in range(service.BUDDY_CAPACITY):  # the longest-serving colleague already has two new hires
        _plan_for(db, create_user(department=dept, manager=manager, hire_date=date.today() - timedelta(days=10)),
                  busy)
    new = create_user(department=dept, manager=manager, hire_date=date.today() + timedelta(days=14))
    assert onboarding.propose_buddy(new.spells[0]) == free
    # Nobody with room in the department: no proposal rather than the manager or another department.
    _plan_for(db, create_user(department=dept, manager=manager, hire_date=date.today() - timedelta(days=5)), free)
    _plan_for(db, create_user(department=dept, manager=manager, hire_date=date.today() - timedelta(days=5)), free)
    assert onboarding.propose_buddy(new.spells[0]) is None


def test_buddy_fit_prefers_fewer_new_hires_then_a_peer(db, create_user, create_department):
    dept = create_department("Platform")
    manager = create_user("manager", department=dept, hire_date=date.today() - timedelta(days=3000))
    veteran = create_user(department=dept, manager=manager, hire_date=date.today() - timedelta(days=2000))
    senior = create_user(department=dept, manager=manager, hire_date=date.today() - timedelta(days=800))
    new = create_user(department=dept, manager=manager, hire_date=date.today() + timedelta(days=14))
    assert onboarding.propose_buddy(new.spells[0]) == veteran  # longest tenure, both free
    _plan_for(db, create_user(department=dept, manager=manager, hire_date=date.today() - timedelta(days=5)), veteran)
    assert onboarding.propose_buddy(new.spells[0]) == senior  # the veteran has a new hire already


def test_without_a_registered_proposer_the_built_in_query_answers(db, create_user, create_department):
    dept = create_department("Platform")
    colleague = create_user(department=dept, hire_date=date.today() - timedelta(days=900))
    new = create_user(department=dept, hire_date=date.today() + timedelta(days=14))
    onboarding.register_buddy_proposer(None)
    try:
        assert onboarding.propose_buddy(new.spells[0]) == colleague
    finally:
        onboarding.register_buddy_proposer(service.propose_buddy)
