"""Review: sick-absence spike alerts for a department and its sub-department cannot both state a
rate when the difference between them is fewer than 10 people (health data, group level only)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from analytics import alerts
from analytics.models import Absence, AbsenceType, AlertKind, RetentionAlert

SPIKE_TODAY = date(2026, 8, 10)  # last full month: July 2026; trailing: January to June 2026
LONG_AGO = date(2015, 1, 5)


def _sick(db, person, start, days):
    db.session.add(Absence(user_id=person.id, start_date=start, end_date=start + timedelta(days=days - 1),
                           absence_type=AbsenceType.sick))


def _team(db, create_user, dept, size):
    people = [create_user(department=dept, hire_date=LONG_AGO) for _ in range(size)]
    for month in range(1, 7):  # one sick Monday a month before July
        monday = next(date(2026, month, d) for d in range(1, 8) if date(2026, month, d).weekday() == 0)
        _sick(db, people[month % size], monday, 1)
    return people


def _absence_alerts(db):
    return db.session.execute(select(RetentionAlert).where(RetentionAlert.kind == AlertKind.absence_spike)).scalars().all()


def test_a_parent_and_its_sub_department_differing_by_two_people_do_not_both_get_a_rate(
        db, create_user, create_department):
    """Logistics has 2 people of its own and the 10 of Logistics-Nord: the two rates would give the
    two people's sick days by subtraction. At most one of them is alerted on."""
    parent = create_department("Logistics")
    child = create_department("Logistics-Nord", parent)
    own = _team(db, create_user, parent, 2)
    team = _team(db, create_user, child, 10)
    for person in team[:3]:
        _sick(db, person, date(2026, 7, 6), 5)
    _sick(db, own[0], date(2026, 7, 13), 5)
    db.session.flush()
    alerts.absence_spike_alerts(SPIKE_TODAY)
    alerted = {a.scope_id for a in _absence_alerts(db)}
    assert alerted and not {parent.id, child.id} <= alerted


def test_a_sub_department_with_a_large_remainder_is_still_alerted_on(db, create_user, create_department):
    parent = create_department("Factory")
    child = create_department("Factory-Line", parent)
    _team(db, create_user, parent, 12)
    team = _team(db, create_user, child, 10)
    for person in team[:3]:
        _sick(db, person, date(2026, 7, 6), 5)
    db.session.flush()
    alerts.absence_spike_alerts(SPIKE_TODAY)
    assert child.id in {a.scope_id for a in _absence_alerts(db)}
