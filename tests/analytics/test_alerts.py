"""Retention alerts: each kind fires on a clear case and not on a near miss, a second run is a no-op,
and the alert centre shows them to HR only, with dismissing."""

from __future__ import annotations

import sys
import types
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from analytics import alerts, pulse
from analytics.models import (
    Absence,
    AbsenceType,
    AlertKind,
    AlertStatus,
    QuestionKind,
    RetentionAlert,
    RiskRun,
    RiskRunStatus,
    RiskScore,
    Schedule,
)
from plans.checkins.models import MeetingStatus, OneOnOne, OneOnOnePair

TODAY = date.today()
LONG_AGO = date(2020, 1, 6)


def count_alerts(db, kind=None) -> int:
    q = select(func.count()).select_from(RetentionAlert)
    if kind is not None:
        q = q.where(RetentionAlert.kind == kind)
    return db.session.execute(q).scalar_one()


def only_alert(db, kind) -> RetentionAlert:
    return db.session.execute(select(RetentionAlert).where(RetentionAlert.kind == kind)).scalar_one()


# --- high risk ----------------------------------------------------------------------------------


def _run(db, status, scores):
    run = RiskRun(as_of=TODAY, status=status, horizon_days=90, metrics={}, model={})
    db.session.add(run)
    db.session.flush()
    for user, probability, band in scores:
        db.session.add(RiskScore(run_id=run.id, user_id=user.id, probability=probability, band=band,
                                 factors=[{"feature": "checkins_90d", "value": 0, "effect": 0.8}]))
    db.session.flush()
    return run


def test_high_band_of_the_latest_scored_run_raises_a_person_alert(db, create_user):
    high, medium = create_user(first_name="Ada"), create_user()
    _run(db, RiskRunStatus.scored, [(high, 0.62, "high"), (medium, 0.2, "medium")])
    assert alerts.raise_alerts(TODAY) == 1
    alert = only_alert(db, AlertKind.high_risk)
    assert (alert.scope, alert.scope_id, alert.status) == ("person", high.id, AlertStatus.open)
    text = alerts.describe(alert)
    # the factors in the person's own plain words, not the model's feature names
    assert "Ada" in text and "62%" in text and "No 1:1 check-in for 3 months" in text and "checkins_90d" not in text


def test_no_high_risk_alert_without_a_scored_run(db, create_user):
    person = create_user()
    _run(db, RiskRunStatus.gated, [(person, 0.9, "high")])
    _run(db, RiskRunStatus.insufficient, [])
    assert alerts.raise_alerts(TODAY) == 0
    assert count_alerts(db) == 0


# --- eNPS drop ----------------------------------------------------------------------------------


def _two_rounds(db, create_user, create_department, first: list[int], second: list[int]):
    dept = create_department()
    people = [create_user(department=dept) for _ in range(max(len(first), len(second)))]
    survey = pulse.create_survey(pulse.SurveyData(
        title="Pulse", organisation="Nordlys", schedule=Schedule.monthly, starts_on=TODAY - timedelta(days=70),
        open_days=14, department_ids=[dept.id], topics=[]))
    for opens_on, values in ((TODAY - timedelta(days=70), first), (TODAY - timedelta(days=35), second)):
        rnd = pulse.open_round(survey, opens_on, notify_people=False)
        enps_q = next(q for q in survey.questions if q.kind is QuestionKind.enps)
        for person, value in zip(people, values):
            pulse.submit_answers(person, rnd, {enps_q.id: value}, {}, opens_on)
        pulse.seal_round(rnd)
    return dept


@pytest.mark.parametrize("first, second, fires", [
    ([9] * 10, [9] * 9 + [7], True),     # 100 -> 90: a drop of exactly 10 points
    ([9] * 11, [9] * 10 + [7], False),   # 100 -> 90.9: 9.1 points, a near miss
    ([9] * 4, [0] * 4, False),           # a big drop, but only 4 respondents: never shown, never alerted
])
def test_enps_drop_of_ten_points_between_sealed_rounds_raises_a_department_alert(
        db, create_user, create_department, first, second, fires):
    dept = _two_rounds(db, create_user, create_department, first, second)
    alerts.raise_alerts(TODAY)
    found = db.session.execute(select(RetentionAlert).where(RetentionAlert.kind == AlertKind.enps_drop)).scalars().all()
    assert [(a.scope, a.scope_id) for a in found] == ([("department", dept.id)] if fires else [])
    if fires:
        assert found[0].details["drop"] == 10 and found[0].details["respondents"] == 10
        assert "from +100 to +90" in alerts.describe(found[0])


# --- absence spike --------------------------------------------------------------------------------

SPIKE_TODAY = date(2026, 8, 10)  # last full month: July 2026; trailing: January to June 2026


def _absence_team(db, create_user, create_department, size: int, july_days: int):
    dept = create_department()
    people = [create_user(department=dept, hire_date=LONG_AGO) for _ in range(size)]
    # one sick Monday a month in the trailing months (about 0.5% of working days)
    for month in range(1, 7):
        first_monday = next(date(2026, month, d) for d in range(1, 8) if date(2026, month, d).weekday() == 0)
        db.session.add(Absence(user_id=people[month % size].id, start_date=first_monday, end_date=first_monday,
                               absence_type=AbsenceType.sick))
    # July: `july_days` working days lost, spread over people, one Monday-to-Friday week at most each
    left, i = july_days, 0
    while left > 0:
        days = min(5, left)
        start = date(2026, 7, 6)  # a Monday
        db.session.add(Absence(user_id=people[i].id, start_date=start, end_date=start + timedelta(days=days - 1),
                               absence_type=AbsenceType.sick))
        left, i = left - days, i + 1
    # vacation never counts
    db.session.add(Absence(user_id=people[-1].id, start_date=date(2026, 7, 20), end_date=date(2026, 7, 31),
                           absence_type=AbsenceType.vacation))
    db.session.flush()
    return dept


def test_sick_absence_spike_raises_a_department_alert(db, create_user, create_department):
    dept = _absence_team(db, create_user, create_department, size=10, july_days=15)
    assert alerts.raise_alerts(SPIKE_TODAY) >= 1
    alert = only_alert(db, AlertKind.absence_spike)
    assert (alert.scope, alert.scope_id, alert.period) == ("department", dept.id, "2026-07")
    assert alert.details["rate_pct"] == pytest.approx(100 * 15 / (10 * 23), abs=0.1)  # July 2026 has 23 working days
    assert alert.details["trailing_rate_pct"] < 1
    assert "user" not in str(alert.details)  # group figures only
    assert "2026-07" in alerts.describe(alert)


@pytest.mark.parametrize("size, july_days", [
    (9, 15),   # the same spike in a team of 9: no rate is shown for an average headcount under 10
    (10, 4),   # 1.7% against 0.5%: 1.5x, but less than 2 percentage points higher
])
def test_no_absence_alert_for_small_teams_or_small_rises(db, create_user, create_department, size, july_days):
    _absence_team(db, create_user, create_department, size=size, july_days=july_days)
    alerts.raise_alerts(SPIKE_TODAY)
    assert count_alerts(db, AlertKind.absence_spike) == 0


# --- missed check-ins ---------------------------------------------------------------------------


def _team_with_checkins(db, create_user, held_days_ago: list[int | None]):
    manager = create_user(first_name="Mona", hire_date=LONG_AGO)
    for days in held_days_ago:
        report = create_user(manager=manager, hire_date=LONG_AGO)
        pair = OneOnOnePair(manager_id=manager.id, report_id=report.id)
        db.session.add(pair)
        db.session.flush()
        if days is not None:
            held = TODAY - timedelta(days=days)
            db.session.add(OneOnOne(pair_id=pair.id, status=MeetingStatus.held, scheduled_on=held, held_on=held))
    db.session.flush()
    return manager


def test_manager_whose_reports_had_no_checkin_for_two_months_is_alerted(db, create_user):
    manager = _team_with_checkins(db, create_user, [80, None, 20])
    alerts.raise_alerts(TODAY)
    alert = only_alert(db, AlertKind.missed_checkins)
    assert (alert.scope, alert.scope_id) == ("manager", manager.id)
    assert alert.details == {"reports": 3, "missed": 2, "months": 2}
    assert "2 of 3 direct reports of Mona" in alerts.describe(alert)


def test_no_missed_checkin_alert_when_most_reports_met_recently(db, create_user):
    _team_with_checkins(db, create_user, [50, 50, 80])  # 7 weeks ago counts as met; one of three missed
    alerts.raise_alerts(TODAY)
    assert count_alerts(db, AlertKind.missed_checkins) == 0


# --- exit reasons -------------------------------------------------------------------------------


def test_repeated_exit_reasons_are_raised_through_the_exits_module(db, create_user, create_department):
    from tests.analytics.test_exits import answered, leaver

    from analytics.models import ExitReason

    dept = create_department("Marketing")
    for i, reasons in enumerate([[ExitReason.career]] * 5 + [[ExitReason.pay]] * 2):
        answered(db, leaver(create_user, department=dept, days_ago=5 + i), reasons)
    assert alerts.raise_alerts(TODAY) == 1
    alert = only_alert(db, AlertKind.exit_reason)
    assert (alert.scope, alert.scope_id) == ("department", dept.id)
    assert alerts.describe(alert) == "5 of the last 7 leavers in Marketing cite career development."
    assert alerts.raise_alerts(TODAY) == 0


def test_exit_reason_results_given_as_dicts_are_raised_here(db, create_department, monkeypatch):
    dept = create_department("Sales")
    fake = types.ModuleType("analytics.exits")
    fake.repeated_reason_alerts = lambda today: [
        {"scope": "department", "scope_id": dept.id, "period": "career:2026-11",
         "details": {"count": 5, "of": 7, "reason": "career development"}}]
    monkeypatch.setitem(sys.modules, "analytics.exits", fake)
    assert alerts.exit_reason_alerts(TODAY) == 1
    assert alerts.describe(only_alert(db, AlertKind.exit_reason)) == (
        "5 of the last 7 leavers in Sales gave the reason “career development”.")
    assert alerts.exit_reason_alerts(TODAY) == 0


# --- idempotency --------------------------------------------------------------------------------


def test_a_second_run_creates_no_duplicates(db, create_user, create_department):
    person = create_user()
    _run(db, RiskRunStatus.scored, [(person, 0.7, "high")])
    _team_with_checkins(db, create_user, [None, None])
    first = alerts.raise_alerts(TODAY)
    assert first == 2
    assert alerts.raise_alerts(TODAY) == 0
    assert count_alerts(db) == 2


def test_a_dismissed_alert_is_not_raised_again_for_the_same_period(db, create_user):
    person = create_user()
    hr = create_user("hr")
    _run(db, RiskRunStatus.scored, [(person, 0.7, "high")])
    alerts.raise_alerts(TODAY)
    alerts.dismiss(only_alert(db, AlertKind.high_risk), "Already talked to her", hr)
    assert alerts.raise_alerts(TODAY) == 0
    assert only_alert(db, AlertKind.high_risk).status is AlertStatus.dismissed


def test_the_alert_task_commits_and_a_second_run_creates_nothing(db, create_user):
    from analytics.tasks import raise_alerts

    _run(db, RiskRunStatus.scored, [(create_user(), 0.7, "high")])
    assert raise_alerts.run() == 1
    assert raise_alerts.run() == 0


# --- the alert centre ---------------------------------------------------------------------------


def test_alert_centre_lists_open_alerts_with_evidence_for_hr(client, login, db, create_user):
    hr = create_user("hr")
    person = create_user(first_name="Birgit", last_name="Holm")
    _run(db, RiskRunStatus.scored, [(person, 0.55, "high")])
    _team_with_checkins(db, create_user, [None])
    alerts.raise_alerts(TODAY)
    login(hr)
    page = client.get("/analytics/alerts")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Birgit Holm" in body and "55%" in body and "1 of 1 direct reports of Mona" in body
    assert body.index("High risk of leaving") < body.index("Missed check-ins")
    assert "Record an action" in body and "Dismiss" in body
    only = client.get("/analytics/alerts?kind=missed_checkins").get_data(as_text=True)
    assert "Birgit" not in only and "Mona" in only
    assert client.get("/analytics/alerts?kind=nonsense").status_code == 400


def test_viewing_a_high_risk_alert_is_audited(client, login, db, create_user):
    from lms.people.models import AuditEntry

    hr = create_user("hr")
    person = create_user()
    _run(db, RiskRunStatus.scored, [(person, 0.55, "high")])
    alerts.raise_alerts(TODAY)
    login(hr)
    client.get("/analytics/alerts")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.entity_type == "risk_score")).scalar_one()
    score = db.session.execute(select(RiskScore).where(RiskScore.user_id == person.id)).scalar_one()
    # the same entity as the early-warning pages log, so one query finds every view of a person's score
    assert (entry.actor_id, entry.action, entry.subject_user_id, entry.entity_id) == (hr.id, "view", person.id, score.id)


def test_dismissing_needs_a_reason_and_hides_the_alert(client, login, db, create_user):
    hr = create_user("hr")
    _run(db, RiskRunStatus.scored, [(create_user(first_name="Cecilie"), 0.55, "high")])
    alerts.raise_alerts(TODAY)
    alert = only_alert(db, AlertKind.high_risk)
    login(hr)
    assert client.post(f"/analytics/alerts/{alert.id}/dismiss", data={"reason": ""}).status_code == 400
    assert db.session.get(RetentionAlert, alert.id).status is AlertStatus.open
    response = client.post(f"/analytics/alerts/{alert.id}/dismiss", data={"reason": "On parental leave"})
    assert response.status_code == 302
    db.session.expire_all()
    dismissed = db.session.get(RetentionAlert, alert.id)
    assert dismissed.status is AlertStatus.dismissed
    assert dismissed.details["dismissed"]["reason"] == "On parental leave"
    assert dismissed.details["dismissed"]["by_id"] == hr.id
    assert "Cecilie" not in client.get("/analytics/alerts").get_data(as_text=True)
    assert client.post(f"/analytics/alerts/{alert.id}/dismiss", data={"reason": "again"}).status_code == 400


def test_non_hr_users_get_403_on_the_alert_centre(client, login, db, create_user):
    _run(db, RiskRunStatus.scored, [(create_user(), 0.55, "high")])
    alerts.raise_alerts(TODAY)
    alert = only_alert(db, AlertKind.high_risk)
    for role in ("manager", "admin"):
        login(create_user(role))
        assert client.get("/analytics/alerts").status_code == 403, role
        assert client.post(f"/analytics/alerts/{alert.id}/dismiss", data={"reason": "x"}).status_code == 403, role
        assert client.get(f"/analytics/alerts/{alert.id}/act").status_code == 403, role
        client.post("/logout")
    assert db.session.get(RetentionAlert, alert.id).status is AlertStatus.open


def test_alert_centre_query_count_does_not_grow_with_alerts(client, login, db, create_user, create_department,
                                                            count_queries):
    login(create_user("hr"))

    def queries_for(n):
        for _ in range(n):
            manager, dept = create_user(), create_department()
            db.session.add_all([
                RetentionAlert(kind=AlertKind.missed_checkins, scope="manager", scope_id=manager.id, period="2026-11",
                               details={"reports": 3, "missed": 2, "months": 2}),
                RetentionAlert(kind=AlertKind.absence_spike, scope="department", scope_id=dept.id, period="2026-11",
                               details={"month": "2026-11", "rate_pct": 6.0, "trailing_rate_pct": 2.0,
                                        "trailing_months": 6, "headcount": 12})])
        db.session.flush()
        with count_queries() as statements:
            assert client.get("/analytics/alerts").status_code == 200
        return len(statements)

    assert queries_for(8) == queries_for(2)
