"""The points ledger on the statement stream: rules, redelivery, out-of-order statements, caps,
buckets, and the subscriber wiring."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from gamification import service
from gamification.engine import catch_up, process_statements
from gamification.models import PointsEntry, PointsTotal
from xapi.vocabulary import ActivityType, Verb

from .conftest import BASE


def _ledger(db, user):
    return db.session.execute(
        select(PointsEntry.statement_seq, PointsEntry.points).where(PointsEntry.user_id == user.id)
        .order_by(PointsEntry.statement_seq)).all()


def test_a_matching_statement_earns_the_rules_points_with_the_statement_and_reason(db, create_user, statement, rule):
    user = create_user()
    r = rule(points=10)
    seq = statement(user, Verb.COMPLETED, f"{BASE}/courses/1", type=ActivityType.COURSE, name="GDPR basics")
    other = statement(user, Verb.COMPLETED, f"{BASE}/plans/goals/1", type=ActivityType.GOAL)
    process_statements([seq, other])
    entry = db.session.execute(select(PointsEntry).where(PointsEntry.user_id == user.id)).scalar_one()
    assert (entry.statement_seq, entry.rule_id, entry.points) == (seq, r.id, 10)
    assert entry.reason == "Completed a course: GDPR basics"
    assert service.points_of(user, datetime.now(timezone.utc).date()) == {"week": 10, "month": 10, "all": 10}


def test_redelivered_statements_earn_nothing_twice(db, create_user, statement, rule):
    user = create_user()
    rule(points=10)
    seq = statement(user, Verb.COMPLETED, f"{BASE}/courses/1", type=ActivityType.COURSE)
    process_statements([seq])
    process_statements([seq])
    process_statements([seq, seq])
    assert _ledger(db, user) == [(seq, 10)]
    total = db.session.execute(select(PointsTotal.points).where(
        PointsTotal.user_id == user.id, PointsTotal.period == "all")).scalar_one()
    assert total == 10


def test_rule_without_activity_type_matches_any_type(db, create_user, statement, rule):
    user = create_user()
    rule(name="Anything completed", type="", points=2)
    seqs = [statement(user, Verb.COMPLETED, f"{BASE}/courses/1", type=ActivityType.COURSE),
            statement(user, Verb.COMPLETED, f"{BASE}/x", type=None),
            statement(user, Verb.EXPERIENCED, f"{BASE}/y", type=ActivityType.LESSON)]
    process_statements(seqs)
    assert [p for _s, p in _ledger(db, user)] == [2, 2]


def test_daily_cap_limits_points_per_person_rule_and_day(db, create_user, statement, rule):
    user, other = create_user(), create_user()
    rule(name="Answered", verb=Verb.ANSWERED, type=ActivityType.QUESTION, points=5, cap=15)
    day = datetime(2026, 11, 18, 9, tzinfo=timezone.utc)
    seqs = [statement(user, Verb.ANSWERED, f"{BASE}/q/{i}", type=ActivityType.QUESTION, at=day + timedelta(minutes=i))
            for i in range(6)]
    next_day = statement(user, Verb.ANSWERED, f"{BASE}/q/9", type=ActivityType.QUESTION, at=day + timedelta(days=1))
    theirs = statement(other, Verb.ANSWERED, f"{BASE}/q/1", type=ActivityType.QUESTION, at=day)
    process_statements(seqs[:2])
    process_statements(seqs[2:] + [next_day, theirs])  # the cap holds across batches
    assert sum(p for _s, p in _ledger(db, user)) == 15 + 5
    assert len(_ledger(db, other)) == 1
    process_statements(seqs)  # and a redelivery does not open it again
    assert sum(p for _s, p in _ledger(db, user)) == 20


def test_out_of_order_statements_count_in_the_week_they_happened(db, create_user, statement, rule):
    user = create_user()
    rule(points=10)
    late = statement(user, Verb.COMPLETED, f"{BASE}/courses/2", type=ActivityType.COURSE,
                     at=datetime(2026, 10, 6, 12, tzinfo=timezone.utc))  # ISO week 41, October
    now = statement(user, Verb.COMPLETED, f"{BASE}/courses/3", type=ActivityType.COURSE,
                    at=datetime(2026, 11, 18, 12, tzinfo=timezone.utc))  # week 47, November
    process_statements([now])
    process_statements([late])
    totals = dict(db.session.execute(select(PointsTotal.period, PointsTotal.points)
                                     .where(PointsTotal.user_id == user.id)).tuples().all())
    assert totals == {"2026-W41": 10, "2026-10": 10, "2026-W47": 10, "2026-11": 10, "all": 20}


def test_voided_statements_and_strangers_earn_nothing(db, create_user, statement, rule):
    from xapi.models import Statement

    user = create_user()
    rule(points=10)
    seq = statement(user, Verb.COMPLETED, f"{BASE}/courses/1", type=ActivityType.COURSE)
    db.session.get(Statement, seq).is_voided = True
    process_statements([seq])
    assert _ledger(db, user) == []


def test_subscriber_processes_announced_statements_and_queues_the_badge_rules(db, create_user, statement, rule,
                                                                              sent_tasks):
    from xapi.tasks import announce_statements

    user = create_user()
    rule(points=10)
    seq = statement(user, Verb.COMPLETED, f"{BASE}/courses/1", type=ActivityType.COURSE)
    db.session.commit()
    sent_tasks.clear()
    announce_statements.apply(args=([seq],)).get()
    assert _ledger(db, user) == [(seq, 10)]
    db.session.commit()
    assert ("gamification.evaluate_badges", ([user.id],), {}) in sent_tasks


def test_catch_up_processes_what_was_missed_once(db, create_user, statement, rule):
    user = create_user()
    rule(points=10)
    seqs = [statement(user, Verb.COMPLETED, f"{BASE}/courses/{i}", type=ActivityType.COURSE) for i in range(3)]
    first = catch_up()
    assert first.points_entries == 3 and catch_up().points_entries == 0
    process_statements(seqs)
    assert db.session.execute(select(func.sum(PointsEntry.points)).where(PointsEntry.user_id == user.id)).scalar() == 30


def test_rule_validation_names_the_field(db):
    import pytest

    from lms.people.service import ValidationError

    with pytest.raises(ValidationError) as err:
        service.save_rule(None, name="x", verb_id="completed", activity_type=None, points=1, daily_cap=None)
    assert err.value.field == "verb_id"
    with pytest.raises(ValidationError) as err:
        service.save_rule(None, name="x", verb_id=Verb.COMPLETED[0], activity_type=None, points=10, daily_cap=5)
    assert err.value.field == "daily_cap"
