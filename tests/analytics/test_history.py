"""The demo's two years of history: exits that follow engagement, activity only while employed,
realistic turnover, anonymous pulse rounds, exit interviews, and the same history for the same seed.

The demo is built once for the module (about 40 seconds); each test reads it, including the tests
that the analytics recovers the effect planted in it.
"""

from __future__ import annotations

import base64
import random
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

import pytest
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import scoped_session, sessionmaker

TODAY = date(2026, 11, 2)
WINDOW_START = date(2024, 11, 1)


def _snapshot(db):
    from analytics.models import ExitInterview, PulseAnswer
    from lms.people.models import EmploymentSpell, User
    from xapi.models import Statement

    return (
        db.session.execute(select(User.email, EmploymentSpell.hire_date, EmploymentSpell.end_date,
                                  EmploymentSpell.end_type).join(EmploymentSpell, EmploymentSpell.user_id == User.id).order_by(User.email,
                                                                                         EmploymentSpell.hire_date)).all(),
        # (no database ids: PostgreSQL does not roll its sequences back)
        db.session.execute(select(Statement.id, User.email, Statement.verb_id, Statement.timestamp)
                           .join(User, User.id == Statement.user_id).order_by(Statement.seq)).all(),
        db.session.execute(select(func.count()).select_from(ExitInterview)).scalar_one(),
        db.session.execute(select(func.sum(PulseAnswer.value))).scalar_one(),
    )


# First in the module: on SQLite the module's demo holds the write lock while it lives.
def test_history_is_the_same_for_the_same_seed(db, create_user, create_department):
    from analytics.history import simulate_history

    root = create_department("Fjordhavn Group")
    platform = create_department("Platform", root)
    marketing = create_department("Marketing", root)
    head = create_user("manager", department=platform, hire_date=date(2019, 1, 1))
    for n in range(6):
        create_user(department=marketing if n % 3 == 0 else platform, manager=head,
                    hire_date=date(2020, 1, 1) + timedelta(days=90 * n))
    db.session.flush()
    runs = []
    for seed in (5, 5):
        savepoint = db.session.begin_nested()
        counts = simulate_history(TODAY, random.Random(seed), years=1, leavers=3)
        runs.append((counts, _snapshot(db)))
        savepoint.rollback()
    assert runs[0] == runs[1]
    assert runs[0][0]["leavers"] == 3 and runs[0][0]["statements"] > 200


@pytest.fixture(scope="module")
def demo(app):
    """The demo organisation as `make run` builds it (150 people and their history), in a transaction
    rolled back after the module; the model-recovery tests below need its full number of leavers."""
    from lms.demo import build_demo
    from lms.extensions import db as _db

    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
                                 scopefunc=lambda: 0)
        original = _db.session
        _db.session = session
        try:
            build_demo(employees=150, seed=2026, today=TODAY)
            _db.session.flush()
            yield _db
        finally:
            session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def _active_days(db, user_id: int, since: date, until: date) -> int:
    from xapi.models import Statement

    return db.session.execute(
        select(func.count(func.distinct(func.date(Statement.timestamp))))
        .where(Statement.user_id == user_id, Statement.timestamp >= _utc(since), Statement.timestamp < _utc(until))
    ).scalar_one()


def test_history_statements_only_fall_in_weeks_the_person_was_employed(demo):
    from lms.people.models import EmploymentSpell
    from xapi.models import Statement

    db = demo
    history = Statement.timestamp < _utc(TODAY)
    total = db.session.execute(select(func.count()).where(history, Statement.user_id.is_not(None))).scalar_one()
    assert total > 3000
    # A statement's ISO week must overlap one of the person's spells (hired by the week's Sunday,
    # not gone before its Monday); checked by day, which is stricter.
    day = func.date(Statement.timestamp)
    employed = select(EmploymentSpell.id).where(
        EmploymentSpell.user_id == Statement.user_id, EmploymentSpell.hire_date <= day,
        or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= day),
    ).exists()
    outside = db.session.execute(
        select(func.count()).where(history, Statement.user_id.is_not(None), ~employed)).scalar_one()
    assert outside == 0
    # and the leavers do have history (they are not simply left out)
    leavers_with_history = db.session.execute(
        select(func.count(func.distinct(Statement.user_id)))
        .join(EmploymentSpell, and_(EmploymentSpell.user_id == Statement.user_id, EmploymentSpell.end_date.is_not(None)))
        .where(history)
    ).scalar_one()
    assert leavers_with_history >= 5


def test_voluntary_leavers_are_clearly_less_active_in_their_last_three_months_than_stayers(demo):
    from lms.people.models import EmploymentSpell, EndType

    db = demo
    leavers = db.session.execute(select(EmploymentSpell.user_id, EmploymentSpell.end_date).where(
        EmploymentSpell.end_type == EndType.voluntary, EmploymentSpell.end_date >= WINDOW_START + timedelta(days=91),
        EmploymentSpell.end_date < TODAY)).all()
    stayers = db.session.execute(select(EmploymentSpell.user_id).where(
        EmploymentSpell.end_date.is_(None), EmploymentSpell.hire_date <= TODAY - timedelta(days=365))).scalars().all()
    assert len(leavers) >= 5 and len(stayers) >= 15
    leaving = [_active_days(db, u, end - timedelta(days=91), end + timedelta(days=1)) / 13 for u, end in leavers]
    staying = [_active_days(db, u, TODAY - timedelta(days=91), TODAY) / 13 for u in stayers]
    mean_leaving, mean_staying = sum(leaving) / len(leaving), sum(staying) / len(staying)
    assert mean_leaving < 0.6 * mean_staying, (mean_leaving, mean_staying)


def test_yearly_voluntary_turnover_is_in_a_realistic_band(demo):
    from lms.people.models import EmploymentSpell, EndType

    db = demo
    spells = db.session.execute(select(EmploymentSpell.hire_date, EmploymentSpell.end_date,
                                       EmploymentSpell.end_type)).all()
    rates = []
    for start in (WINDOW_START, WINDOW_START + timedelta(days=365)):
        end = start + timedelta(days=365)
        month_ends = [start + timedelta(days=30 * k) for k in range(1, 13)]
        headcount = sum(sum(1 for h, e, _t in spells if h <= d and (e is None or e >= d)) for d in month_ends) / 12
        quits = sum(1 for _h, e, t in spells if t is EndType.voluntary and e is not None and start <= e < end)
        rates.append(quits / headcount)
    assert all(0.04 <= r <= 0.35 for r in rates), rates  # a 30-person organisation is noisy
    assert 0.08 <= sum(rates) / 2 <= 0.25, rates
    involuntary = sum(1 for _h, e, t in spells if t is EndType.involuntary and e is not None and e >= WINDOW_START)
    voluntary = sum(1 for _h, e, t in spells if t is EndType.voluntary and e is not None and e >= WINDOW_START)
    assert voluntary > involuntary


def test_demo_logins_keep_their_stories(demo):
    from lms.demo import DEMO_LOGINS
    from lms.people.models import User

    db = demo
    titles = {"newhire": "Software Engineer", "employee": "Software Engineer", "mentor": "Senior Software Engineer",
              "manager": "Engineering Manager", "hr": "Head of People & Culture", "admin": "IT Administrator"}
    for _role, email, first, last in DEMO_LOGINS:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        assert (user.first_name, user.last_name, user.is_active) == (first, last, True)
        [spell] = user.spells
        assert spell.end_date is None and spell.job_title == titles[email.split("@")[0]]
    newhire = db.session.execute(select(User).where(User.email == "newhire@fjordhavn.example")).scalar_one()
    assert newhire.spells[0].hire_date == TODAY + timedelta(days=14)


def test_past_pulse_rounds_are_sealed_anonymous_and_lower_under_weak_managers(demo):
    from analytics.history import WEAK_MANAGER_DEPARTMENTS
    from analytics.models import PulseAnswer, PulseQuestion, PulseResponse, PulseRound, QuestionKind
    from lms.people.models import Department

    db = demo
    rounds = db.session.execute(select(PulseRound).order_by(PulseRound.opens_on)).scalars().all()
    assert rounds[0].opens_on < WINDOW_START + timedelta(days=92) and len(rounds) >= 8
    assert all(r.is_sealed for r in rounds if r.closes_on < TODAY)
    scores = db.session.execute(
        select(Department.name, func.avg(PulseAnswer.value), func.count())
        .join(PulseResponse, PulseResponse.id == PulseAnswer.response_id)
        .join(PulseQuestion, PulseQuestion.id == PulseAnswer.question_id)
        .join(Department, Department.id == PulseResponse.department_id)
        .where(PulseQuestion.kind == QuestionKind.enps)
        .group_by(Department.name)
    ).all()
    weak = [(avg, n) for name, avg, n in scores if name in WEAK_MANAGER_DEPARTMENTS]
    other = [(avg, n) for name, avg, n in scores if name not in WEAK_MANAGER_DEPARTMENTS]
    mean = lambda rows: sum(float(a) * n for a, n in rows) / sum(n for _a, n in rows)
    assert weak and other and mean(weak) < mean(other) - 0.8


def test_past_leavers_have_sent_exit_interviews_most_voluntary_ones_answered_with_reasons(demo):
    from analytics.models import AlumniMember, ExitInterview
    from lms.people.models import EmploymentSpell, EndType

    db = demo
    ended = db.session.execute(select(EmploymentSpell).where(
        EmploymentSpell.end_date >= WINDOW_START, EmploymentSpell.end_date < TODAY)).scalars().all()
    interviews = {i.spell_id: i for i in db.session.execute(select(ExitInterview)).scalars()}
    assert ended and all(s.id in interviews and interviews[s.id].sent_at is not None for s in ended)
    voluntary = [interviews[s.id] for s in ended if s.end_type is EndType.voluntary]
    answered = [i for i in voluntary if i.submitted_at is not None]
    assert 0.4 <= len(answered) / len(voluntary) <= 0.95
    assert all(i.reasons and i.submitted_at > i.sent_at for i in answered)
    assert db.session.execute(select(func.count()).select_from(AlumniMember)).scalar_one() >= 1
    # the invitation task finds nothing to create or mail for the demo's past leavers
    from analytics.exits import invite_new_leavers

    assert invite_new_leavers(TODAY) == 0


def test_history_statements_are_valid_xapi_served_by_the_lrs(demo, app):
    from lms.people.models import EmploymentSpell, User
    from xapi.auth import create_credential
    from xapi.models import Statement

    db = demo
    leaver = db.session.execute(
        select(User).join(EmploymentSpell, EmploymentSpell.user_id == User.id)
        .join(Statement, Statement.user_id == User.id)
        .where(EmploymentSpell.end_date.is_not(None), EmploymentSpell.end_date >= WINDOW_START)
        .order_by(User.id).limit(1)
    ).scalar_one()
    credential, secret = create_credential("History test", ["all"])
    auth = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    agent = '{"objectType": "Agent", "mbox": "mailto:%s"}' % leaver.email
    response = app.test_client().get("/xapi/statements?" + urlencode({"agent": agent, "limit": 50}),
                                     headers={"X-Experience-API-Version": "1.0.3", "Authorization": auth})
    assert response.status_code == 200
    statements = response.get_json()["statements"]
    assert statements
    end = max(s.end_date for s in leaver.spells)
    for s in statements:
        assert s["actor"]["mbox"] == f"mailto:{leaver.email}"
        assert s["verb"]["id"].startswith("http") and s["object"]["definition"]["type"].startswith("http")
        assert datetime.fromisoformat(s["timestamp"].replace("Z", "+00:00")).date() <= end
    stored = db.session.execute(select(Statement.user_id).where(Statement.id == statements[0]["id"])).scalar_one()
    assert stored == leaver.id


# --- the analytics recovers the planted effect ---------------------------------------------------


def test_early_warning_backtest_recovers_the_planted_effect(demo):
    from analytics import risk

    metrics = risk.evaluate(TODAY, horizon_days=90)
    assert metrics["method"] == "backtest"
    assert metrics["positives"] >= 20
    assert metrics["roc_auc"] >= 0.75, metrics
    assert metrics["precision_top10"] > metrics["positives"] / metrics["n"]  # better than picking at random


def test_cox_model_finds_the_lowest_engagement_third_leaves_more_often(demo):
    from analytics import survival

    cox = survival.retention_analysis(TODAY)["cox"]
    assert cox["status"] == "ok"
    low = next(r for r in cox["rows"] if r["covariate"] == "low_third")
    assert low["hr"] > 1.5 and low["lower"] > 1.0, low


def test_evaluate_cli_prints_the_backtest_as_one_json_object(demo, app):
    import json

    result = app.test_cli_runner().invoke(args=["analytics", "evaluate", "--as-of", TODAY.isoformat(),
                                                "--horizon-days", "90", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert {"method", "n", "positives", "roc_auc", "pr_auc", "precision_top10", "brier", "features"} <= set(figures)
    assert figures["method"] == "backtest" and figures["roc_auc"] >= 0.75
    assert "sick" not in " ".join(figures["features"])
