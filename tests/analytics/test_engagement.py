"""Engagement from the LRS: weekly rows built in SQL from recorded statements, and per-person summaries."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from analytics import engagement
from analytics.models import EngagementWeek
from xapi.emitter import record
from xapi.models import Statement
from xapi.vocabulary import Verb

BASE = "http://fasthold.test.example"
WEEK = date(2026, 1, 5)  # a Monday
NEXT = WEEK + timedelta(weeks=1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@pytest.fixture
def emit(db):
    """emit(user, verb, iri, when, stored=None) records through xapi.emitter.record and back-dates it."""

    def do(user, verb, iri, when: datetime, stored: datetime | None = None) -> str:
        sid = record(user, verb, iri)
        db.session.execute(update(Statement).where(Statement.id == sid)
                           .values(timestamp=when, stored=stored or when).execution_options(synchronize_session=False))
        return sid

    return do


def rows(db) -> dict[tuple[int, date], EngagementWeek]:
    db.session.expire_all()
    return {(r.user_id, r.week_start): r for r in db.session.execute(select(EngagementWeek)).scalars()}


def test_refresh_counts_each_category_from_recorded_statements(db, create_user, emit):
    ann, bo = create_user(), create_user()
    mon, tue, wed = WEEK, WEEK + timedelta(days=1), WEEK + timedelta(days=2)
    emit(ann, Verb.LAUNCHED, f"{BASE}/courses/1", at(mon))
    emit(ann, Verb.COMPLETED, f"{BASE}/courses/1", at(mon, 11))
    # a passed quiz records passed and then completed on the same module: one completion
    emit(ann, Verb.PASSED, f"{BASE}/courses/1/modules/2", at(tue))
    emit(ann, Verb.COMPLETED, f"{BASE}/courses/1/modules/2", at(tue))
    emit(ann, Verb.COMPLETED, f"{BASE}/plans/items/7", at(tue))
    emit(ann, Verb.COMPLETED, f"{BASE}/plans/goals/3", at(tue))
    emit(ann, Verb.COMPLETED, f"{BASE}/onboarding/plans/4/tasks/9", at(tue))
    emit(ann, Verb.ASKED, f"{BASE}/forums/threads/5", at(wed))
    emit(ann, Verb.RESPONDED, f"{BASE}/forums/threads/6", at(wed))
    emit(ann, Verb.COMMENTED, f"{BASE}/forums/threads/6", at(wed))
    emit(ann, Verb.ATTENDED, f"{BASE}/mentoring/sessions/8", at(wed))
    emit(ann, Verb.ATTENDED, f"{BASE}/checkins/11", at(wed))
    emit(ann, Verb.ANSWERED, f"{BASE}/onboarding/plans/4/checkins/30", at(wed, 15))  # not a 1:1 check-in
    emit(bo, Verb.MENTORED, f"{BASE}/mentoring/sessions/8", at(wed))
    emit(bo, Verb.ATTENDED, f"{BASE}/checkins/12", at(NEXT))

    written = engagement.refresh(WEEK, NEXT)

    got = rows(db)
    assert written == 3 == len(got)
    a = got[(ann.id, WEEK)]
    assert (a.statements, a.active_days) == (13, 3)
    assert a.completions == 5  # course, module (passed + completed), plan item, goal, onboarding task
    assert (a.forum_posts, a.forum_replies) == (1, 2)
    assert (a.plan_items_done, a.mentoring_sessions, a.checkins_held) == (1, 1, 1)
    assert a.last_at == at(wed, 15)
    b = got[(bo.id, WEEK)]
    assert (b.statements, b.mentoring_sessions, b.checkins_held, b.completions) == (1, 1, 0, 0)
    assert got[(bo.id, NEXT)].checkins_held == 1


def test_refresh_ignores_voided_statements_and_statements_without_a_person(db, create_user, emit):
    ann = create_user()
    kept = emit(ann, Verb.COMPLETED, f"{BASE}/courses/1", at(WEEK))
    voided = emit(ann, Verb.COMPLETED, f"{BASE}/courses/2", at(WEEK + timedelta(days=1)))
    orphan = emit(create_user(), Verb.ASKED, f"{BASE}/forums/threads/1", at(WEEK))
    db.session.execute(update(Statement).where(Statement.id == voided).values(is_voided=True))
    db.session.execute(update(Statement).where(Statement.id == orphan).values(user_id=None))

    engagement.refresh(WEEK, WEEK)

    got = rows(db)
    assert list(got) == [(ann.id, WEEK)]
    assert (got[(ann.id, WEEK)].statements, got[(ann.id, WEEK)].completions, got[(ann.id, WEEK)].active_days) == (1, 1, 1)
    assert kept


def test_refresh_clamps_future_timestamps_to_when_the_statement_was_stored(db, create_user, emit):
    ann = create_user()
    stored = at(WEEK + timedelta(days=2))
    emit(ann, Verb.COMPLETED, f"{BASE}/courses/1", at(WEEK + timedelta(days=40)), stored=stored)

    engagement.refresh(WEEK, WEEK + timedelta(weeks=8))

    got = rows(db)
    assert list(got) == [(ann.id, WEEK)]
    assert got[(ann.id, WEEK)].last_at == stored


def test_refresh_twice_gives_the_same_rows(db, create_user, emit):
    ann, bo = create_user(), create_user()
    for i in range(5):
        emit(ann, Verb.EXPERIENCED, f"{BASE}/courses/1/modules/{i}", at(WEEK + timedelta(days=i)))
        emit(bo, Verb.COMPLETED, f"{BASE}/courses/1/modules/{i}", at(NEXT + timedelta(days=i)))

    def snapshot():
        return {k: (r.statements, r.active_days, r.completions, r.last_at) for k, r in rows(db).items()}

    first = engagement.refresh(WEEK, NEXT)
    before = snapshot()
    second = engagement.refresh(WEEK, NEXT)
    assert first == second == 2
    assert snapshot() == before
    assert before[(ann.id, WEEK)] == (5, 5, 0, at(WEEK + timedelta(days=4)))
    assert before[(bo.id, NEXT)][2] == 5


def test_refresh_only_touches_the_requested_weeks(db, create_user, emit):
    ann = create_user()
    earlier, later = WEEK - timedelta(weeks=1), NEXT + timedelta(weeks=1)
    # rows left from before (and a statement in a later week): outside the window they must not change
    db.session.add_all([
        EngagementWeek(user_id=ann.id, week_start=earlier, statements=99, active_days=1),
        EngagementWeek(user_id=ann.id, week_start=later, statements=77, active_days=1),
        EngagementWeek(user_id=ann.id, week_start=NEXT, statements=55, active_days=1),
    ])
    emit(ann, Verb.LAUNCHED, f"{BASE}/courses/1", at(WEEK))
    emit(ann, Verb.LAUNCHED, f"{BASE}/courses/1", at(later))
    emit(ann, Verb.LAUNCHED, f"{BASE}/courses/1", at(earlier))
    db.session.flush()

    # a Wednesday `since` still starts the window at its Monday
    assert engagement.refresh(WEEK + timedelta(days=2), NEXT + timedelta(days=6)) == 1

    got = rows(db)
    assert got[(ann.id, earlier)].statements == 99
    assert got[(ann.id, later)].statements == 77
    assert got[(ann.id, WEEK)].statements == 1
    assert (ann.id, NEXT) not in got  # stale row in the window is gone: no statements that week


def test_full_refresh_rebuilds_every_week(db, create_user, emit):
    ann = create_user()
    db.session.add(EngagementWeek(user_id=ann.id, week_start=WEEK - timedelta(weeks=30), statements=9, active_days=1))
    emit(ann, Verb.LAUNCHED, f"{BASE}/courses/1", at(WEEK - timedelta(weeks=20)))
    emit(ann, Verb.LAUNCHED, f"{BASE}/courses/1", at(WEEK))
    db.session.flush()

    assert engagement.refresh(full=True) == 2
    assert set(rows(db)) == {(ann.id, WEEK - timedelta(weeks=20)), (ann.id, WEEK)}


def test_refresh_task_is_idempotent(db, create_user, emit):
    from analytics.tasks import refresh_engagement

    ann = create_user()
    emit(ann, Verb.LAUNCHED, f"{BASE}/courses/1", datetime.now(timezone.utc) - timedelta(days=1))
    db.session.flush()
    assert refresh_engagement.run() == 1
    assert refresh_engagement.run() == 1
    assert len(rows(db)) == 1


# --- per-person summary --------------------------------------------------------------------------


def test_person_summary_compares_the_last_four_weeks_with_the_person_own_baseline(db, create_user):
    steady, fading, new, idle = (create_user() for _ in range(4))
    as_of = date(2026, 6, 3)  # a Wednesday: its own week is not used
    current = engagement.monday(as_of)
    weeks = [current - timedelta(weeks=i) for i in range(1, 17)]  # weeks[0] is the latest complete week
    for i, w in enumerate(weeks):
        db.session.add(EngagementWeek(user_id=steady.id, week_start=w, statements=10, active_days=3,
                                      last_at=at(w + timedelta(days=2))))
        if i >= 4:  # active in the baseline only
            db.session.add(EngagementWeek(user_id=fading.id, week_start=w, statements=20, active_days=4,
                                          last_at=at(w + timedelta(days=1))))
    db.session.add(EngagementWeek(user_id=new.id, week_start=weeks[0], statements=5, active_days=2,
                                  last_at=at(weeks[0] + timedelta(days=4))))
    # activity in as_of's own week after as_of must not leak into the figures
    db.session.add(EngagementWeek(user_id=idle.id, week_start=current, statements=50, active_days=5,
                                  last_at=at(current + timedelta(days=5))))
    db.session.flush()

    s = engagement.person_summary([steady.id, fading.id, new.id, idle.id], as_of)

    assert list(s.index) == sorted([steady.id, fading.id, new.id, idle.id])
    assert s.loc[steady.id, "active_weeks_4"] == 4 and s.loc[steady.id, "statements_12"] == 120
    assert s.loc[steady.id, "trend_ratio"] == pytest.approx(1.0) and s.loc[steady.id, "trend_z"] == pytest.approx(0.0)
    assert s.loc[steady.id, "days_since_last"] == (as_of - (weeks[0] + timedelta(days=2))).days
    assert s.loc[fading.id, "active_weeks_4"] == 0 and s.loc[fading.id, "active_weeks_12"] == 8
    assert s.loc[fading.id, "trend_ratio"] == pytest.approx(0.0)
    assert s.loc[fading.id, "trend_z"] == pytest.approx(-4 / 0.5)
    assert s.loc[fading.id, "days_since_last"] == (as_of - (weeks[4] + timedelta(days=1))).days
    assert s.loc[new.id, "statements_4"] == 5 and s.loc[new.id, "trend_ratio"] != s.loc[new.id, "trend_ratio"]  # NaN
    assert s.loc[idle.id, "statements_12"] == 0 and s.loc[idle.id, "days_since_last"] != s.loc[idle.id, "days_since_last"]
