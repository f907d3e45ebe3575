"""Review: KPI groups chosen along different filters (a department, a manager's team) cannot be
subtracted from each other, and absence figures need ten people at the period's end."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import kpis
from analytics.models import Absence, AbsenceType
from lms.people.models import EmploymentSpell, EndType

TODAY = date(2026, 12, 3)
Q1 = dict(start=date(2026, 1, 1), end=date(2026, 3, 31), granularity="quarter")


@pytest.fixture
def hire(db, create_user):
    def factory(dept, manager=None, hired=date(2020, 1, 6), end_date=None, end_type=None):
        user = create_user(with_spell=False)
        spell = EmploymentSpell(user_id=user.id, hire_date=hired, end_date=end_date, end_type=end_type,
                                is_regretted=False, department_id=dept.id, manager_id=manager.id if manager else None,
                                job_title="Analyst")
        db.session.add(spell)
        db.session.flush()
        return spell

    return factory


def q1(**kw):
    rep = kpis.kpi_report(kpis.Filters(**Q1, **kw), today=TODAY)
    return next(p for p in rep.periods if p.period.label == "2026-Q1")


def _sick(db, spell, start, end):
    db.session.add(Absence(user_id=spell.user_id, start_date=start, end_date=end, absence_type=AbsenceType.sick))
    db.session.flush()


def test_a_manager_team_and_its_department_cannot_both_be_shown_when_they_differ_by_two(
        db, create_department, create_user, hire):
    """Marketing has 12 people: Mona's 10 reports and 2 others. Showing Marketing and Mona's team
    would give the two others' sick days by subtraction."""
    dept = create_department("Marketing")
    mona = create_user("manager", with_spell=False)
    team = [hire(dept, manager=mona) for _ in range(10)]
    others = [hire(dept) for _ in range(2)]
    elsewhere, olga = create_department("Elsewhere"), create_user("manager", with_spell=False)
    for _ in range(12):
        hire(elsewhere, manager=olga)
    for _ in range(30):
        hire(create_department())
    _sick(db, others[0], date(2026, 2, 2), date(2026, 2, 6))
    _sick(db, team[0], date(2026, 3, 2), date(2026, 3, 3))
    by_dept, by_manager = q1(department_id=dept.id), q1(manager_id=mona.id)
    shown = [p for p in (by_dept, by_manager) if p.figures["absence_rate"].is_shown]
    assert len(shown) <= 1
    assert not (by_dept.is_countable and by_manager.is_countable)


def test_a_manager_team_that_is_most_of_a_large_department_is_still_shown(db, create_department, create_user, hire):
    dept = create_department("Support")
    mona = create_user("manager", with_spell=False)
    for _ in range(12):
        hire(dept, manager=mona)
    for _ in range(12):
        hire(dept)
    for _ in range(12):
        hire(create_department())
    assert q1(manager_id=mona.id).is_rateable
    assert q1(department_id=dept.id).is_rateable


def test_absence_is_hidden_when_fewer_than_ten_people_remain_at_the_period_end(db, create_department, hire):
    """Twelve people on average over the quarter, but only seven at its end: the absence rate is
    computed over those seven, so it is not shown."""
    dept = create_department("Night shift")
    stay = [hire(dept) for _ in range(7)]
    for _ in range(7):
        hire(dept, end_date=date(2026, 3, 20), end_type=EndType.voluntary)
    for _ in range(30):
        hire(create_department())
    _sick(db, stay[0], date(2026, 2, 2), date(2026, 2, 4))
    p = q1(department_id=dept.id)
    assert p.is_rateable  # (14 + 14 + 7) / 3 month-ends
    for key in ("absence_rate", "bradford", "devplan_share", "course_participation", "mentoring_coverage"):
        assert not p.figures[key].is_shown, key


def test_absence_of_the_months_adds_up_to_the_quarter_so_a_leaver_cannot_be_singled_out(
        db, create_department, hire):
    """Ana leaves on 13 February after five sick days in January. If the quarter counted only the
    people there at its end while January counted her, January minus (the quarter minus February
    and March) would be her sick days. Every person's days in the group count in each period."""
    dept = create_department("Packing")
    staff = [hire(dept) for _ in range(12)]
    ana = hire(dept, end_date=date(2026, 2, 13), end_type=EndType.voluntary)
    for _ in range(30):
        hire(create_department())
    _sick(db, ana, date(2026, 1, 12), date(2026, 1, 16))
    _sick(db, staff[0], date(2026, 2, 2), date(2026, 2, 3))
    _sick(db, staff[1], date(2026, 3, 9), date(2026, 3, 9))
    quarter = q1(department_id=dept.id).figures["absence_rate"]
    months = [next(p for p in kpis.kpi_report(kpis.Filters(start=date(2026, 1, 1), end=date(2026, 3, 31),
                                                           granularity="month", department_id=dept.id),
                                              today=TODAY).periods if p.period.label == label).figures["absence_rate"]
              for label in ("2026-01", "2026-02", "2026-03")]
    assert all(m.is_shown for m in months) and quarter.is_shown
    assert quarter.numerator == sum(m.numerator for m in months) == 8
    assert quarter.denominator == sum(m.denominator for m in months)
