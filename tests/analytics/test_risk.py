"""Early-warning score: no leakage, honest validation, gating, HR-only pages with audited views."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, insert, select

from analytics import risk
from analytics.models import (
    Absence,
    AbsenceType,
    AttributeKind,
    EngagementWeek,
    PersonAttribute,
    PersonAttributeDefinition,
    RiskFeedback,
    RiskRun,
    RiskRunStatus,
    RiskScore,
    RiskVerdict,
)
from lms.people.models import AuditEntry, Department, EmploymentSpell, EndType, User

AS_OF = date(2026, 6, 30)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def org(db, *, people=200, months=18, seed=1, effect=0.5, floor=0.003, invol=0.003, departments=5):
    """A synthetic organisation whose LRS started `months` before AS_OF: the monthly hazard of a
    voluntary exit falls with engagement, floor + effect × (1 − level)³ (level 0.1–1: the share
    of weeks active and the weekly volume). Bulk inserted."""
    rng = np.random.default_rng(seed)
    dept_ids = []
    for i in range(departments):
        d = Department(name=f"Synthetic {seed}-{i}")
        db.session.add(d)
        db.session.flush()
        dept_ids.append(d.id)
    start = AS_OF - timedelta(days=round(30.44 * months))
    first_id = (db.session.execute(select(func.max(User.id))).scalar() or 0) + 1
    users = [{"id": first_id + i, "email": f"syn{seed}-{i}@example.com", "first_name": "Syn", "last_name": f"P{i}"}
             for i in range(people)]
    db.session.execute(insert(User), users)
    level = rng.uniform(0.1, 1.0, people)
    hazard = floor + effect * (1 - level) ** 3
    n_months = int((AS_OF - start).days // 30)
    draws = rng.random((people, n_months))
    first_weeks = [_monday(start) + timedelta(days=7 * k) for k in range((AS_OF - _monday(start)).days // 7 + 1)]
    spells, weeks = [], []
    for i, u in enumerate(users):
        month = np.flatnonzero(draws[i] < hazard[i] + invol)
        end = end_type = None
        if month.size:
            m = int(month[0])
            end = start + timedelta(days=30 * m + int(rng.integers(0, 28)))
            end_type = EndType.voluntary if draws[i, m] < hazard[i] else EndType.involuntary
            if end >= AS_OF:
                end = end_type = None
        spells.append({"user_id": u["id"], "hire_date": start - timedelta(days=int(rng.integers(30, 1500))),
                       "end_date": end, "end_type": end_type, "is_regretted": False,
                       "department_id": dept_ids[i % departments], "manager_id": None, "job_title": "Analyst"})
        active = rng.random(len(first_weeks)) < level[i]
        counts = rng.poisson(10 * level[i], len(first_weeks)) + 1
        for week, is_active, n in zip(first_weeks, active, counts):
            if end is not None and week > end:
                break
            if is_active:
                weeks.append({"user_id": u["id"], "week_start": week, "active_days": min(5, 1 + int(n) // 4),
                              "statements": int(n), "completions": int(n > 10),
                              "last_at": datetime.combine(week + timedelta(days=2), datetime.min.time(), tzinfo=UTC)})
    db.session.execute(insert(EmploymentSpell), spells)
    db.session.execute(insert(EngagementWeek), weeks)
    db.session.flush()
    return users


# --- panel: no leakage ----------------------------------------------------------------------------


def _row(panel, user_id, snapshot):
    rows = panel[(panel["user_id"] == user_id) & (panel["snapshot"] == snapshot)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_features_at_a_snapshot_ignore_activity_after_it(db, create_user):
    person = create_user(hire_date=date(2025, 1, 6))
    t = date(2026, 1, 31)  # a Saturday: the week of Monday 26 January is not complete on it
    rows = [{"user_id": person.id, "week_start": date(2025, 12, 1) + timedelta(days=7 * k), "active_days": 2,
             "statements": 5, "checkins_held": 1,
             "last_at": datetime(2025, 12, 3, tzinfo=UTC) + timedelta(days=7 * k)} for k in range(8)]
    db.session.execute(insert(EngagementWeek), rows)
    before = _row(risk.build_panel(AS_OF), person.id, t)
    # statements after the snapshot, including the week that straddles it
    db.session.execute(insert(EngagementWeek), [
        {"user_id": person.id, "week_start": date(2026, 1, 26) + timedelta(days=7 * k), "active_days": 5,
         "statements": 100, "checkins_held": 3, "last_at": datetime(2026, 1, 30, tzinfo=UTC) + timedelta(days=7 * k)}
        for k in range(10)])
    after = _row(risk.build_panel(AS_OF), person.id, t)
    for f in risk.FEATURES:
        assert before[f] == pytest.approx(after[f], nan_ok=True), f
    # and the complete weeks before it were counted
    assert before["log_statements_4w"] == pytest.approx(np.log1p(20))
    assert before["checkins_90d"] == 8
    assert before["days_since_activity"] == (t - date(2026, 1, 21)).days


def test_label_uses_only_the_horizon_and_involuntary_exits_are_dropped(db, create_user):
    t = date(2025, 9, 30)
    inside = create_user(hire_date=date(2024, 1, 1))
    inside.spells[0].end_date, inside.spells[0].end_type = t + timedelta(days=90), EndType.voluntary
    outside = create_user(hire_date=date(2024, 1, 1))
    outside.spells[0].end_date, outside.spells[0].end_type = t + timedelta(days=91), EndType.voluntary
    dismissed = create_user(hire_date=date(2024, 1, 1))
    dismissed.spells[0].end_date, dismissed.spells[0].end_type = t + timedelta(days=30), EndType.involuntary
    stays = create_user(hire_date=date(2024, 1, 1))
    db.session.flush()
    panel = risk.build_panel(AS_OF, 90)
    assert _row(panel, inside.id, t)["label"] == 1
    assert _row(panel, outside.id, t)["label"] == 0
    assert panel[(panel["user_id"] == dismissed.id) & (panel["snapshot"] == t)].empty
    # the horizon of the latest snapshots is not over at as_of: no label yet
    assert np.isnan(_row(panel, stays.id, AS_OF)["label"])
    assert np.isnan(_row(panel, stays.id, date(2026, 4, 30))["label"])
    assert _row(panel, stays.id, date(2026, 3, 31))["label"] == 0
    # a leaver is not in the panel after their last day
    assert panel[(panel["user_id"] == inside.id) & (panel["snapshot"] > t + timedelta(days=90))].empty


def test_exits_after_as_of_are_not_known_at_as_of(db, create_user):
    person = create_user(hire_date=date(2024, 1, 1))
    person.spells[0].end_date, person.spells[0].end_type = date(2026, 3, 15), EndType.voluntary
    db.session.flush()
    panel = risk.build_panel(date(2026, 1, 31), 30)
    assert _row(panel, person.id, date(2025, 12, 31))["label"] == 0  # the exit is after as_of


def test_protected_attributes_and_sick_absence_never_reach_the_features(db, create_user):
    person = create_user(hire_date=date(2024, 1, 1))
    db.session.execute(insert(EngagementWeek), [{"user_id": person.id, "week_start": date(2025, 6, 2), "active_days": 1,
                                                 "statements": 3}])
    before = risk.build_panel(AS_OF)
    for name, protected in (("age", True), ("gender", True), ("salary_band", False)):
        definition = PersonAttributeDefinition(name=name, label=name, kind=AttributeKind.numeric, is_protected=protected)
        db.session.add(definition)
        db.session.flush()
        db.session.add(PersonAttribute(user_id=person.id, definition_id=definition.id, value="50", number_value=50))
    db.session.add(Absence(user_id=person.id, start_date=date(2025, 7, 1), end_date=date(2025, 8, 30),
                           absence_type=AbsenceType.sick))
    db.session.flush()
    after = risk.build_panel(AS_OF)
    assert before.equals(after)
    names = " ".join(risk.FEATURES)
    for word in ("age", "gender", "sick", "absence", "salary", "attribute"):
        assert word not in names.replace("manager", "").replace("percentage", "")


def test_department_enps_is_a_group_signal_from_sealed_rounds_with_five_respondents(db, create_user, create_department):
    import uuid

    from analytics.models import PulseAnswer, PulseQuestion, PulseResponse, PulseRound, PulseSurvey, QuestionKind, Schedule

    big, small = create_department("eNPS big"), create_department("eNPS small")
    # one more small group, so the organisation minus "big" is 5 people and "big" can be shown
    tiny = create_department("eNPS tiny")
    person = create_user(department=big, hire_date=date(2024, 1, 1))
    other = create_user(department=small, hire_date=date(2024, 1, 1))
    survey = PulseSurvey(title="Pulse", organisation="Org", schedule=Schedule.once, starts_on=date(2026, 2, 1))
    db.session.add(survey)
    db.session.flush()
    question = PulseQuestion(survey_id=survey.id, position=0, kind=QuestionKind.enps, topic="enps")
    rnd = PulseRound(survey_id=survey.id, period="2026-02", opens_on=date(2026, 2, 1), closes_on=date(2026, 2, 14),
                     is_sealed=True)
    db.session.add_all([question, rnd])
    db.session.flush()
    for dept, values in ((big, [10, 10, 9, 3, 8]), (small, [0, 0, 0, 0]), (tiny, [7])):
        for v in values:
            rid = uuid.uuid4().hex
            db.session.add(PulseResponse(id=rid, round_id=rnd.id, department_id=dept.id, tenure_band="1-2"))
            db.session.flush()
            db.session.add(PulseAnswer(response_id=rid, question_id=question.id, value=v))
    db.session.flush()
    panel = risk.build_panel(AS_OF)
    assert _row(panel, person.id, date(2026, 2, 28))["dept_enps"] == pytest.approx(40.0)  # 3 promoters, 1 detractor of 5
    assert np.isnan(_row(panel, person.id, date(2026, 1, 31))["dept_enps"])  # the round had not closed yet
    assert np.isnan(_row(panel, other.id, date(2026, 2, 28))["dept_enps"])   # 4 respondents: never used


def test_manager_team_turnover_counts_colleagues_voluntary_exits_of_the_last_year_only(db, create_user):
    manager = create_user("manager", hire_date=date(2020, 1, 1))
    person = create_user(manager=manager, hire_date=date(2024, 1, 1))
    stays = create_user(manager=manager, hire_date=date(2024, 1, 1))
    quit_ = create_user(manager=manager, hire_date=date(2024, 1, 1))
    quit_.spells[0].end_date, quit_.spells[0].end_type = date(2025, 11, 15), EndType.voluntary
    fired = create_user(manager=manager, hire_date=date(2024, 1, 1))
    fired.spells[0].end_date, fired.spells[0].end_type = date(2025, 11, 20), EndType.involuntary
    long_ago = create_user(manager=manager, hire_date=date(2023, 1, 1))
    long_ago.spells[0].end_date, long_ago.spells[0].end_type = date(2024, 6, 1), EndType.voluntary
    db.session.flush()
    row = _row(risk.build_panel(AS_OF), person.id, date(2026, 1, 31))
    assert row["manager_span"] == 2            # person and the colleague who stays
    assert row["manager_team_turnover"] == pytest.approx(1 / 2)  # one voluntary leaver over (1 colleague + 1 leaver)
    assert _row(risk.build_panel(AS_OF), manager.id, date(2026, 1, 31))["manager_span"] == 0


def test_development_plan_and_onboarding_are_read_as_they_stood_at_the_snapshot(db, create_user):
    from plans.devplans.models import DevelopmentPlan, Goal

    person = create_user(hire_date=date(2025, 10, 1))
    plan = DevelopmentPlan(user_id=person.id)
    db.session.add(plan)
    db.session.flush()
    db.session.add(Goal(plan_id=plan.id, position=0, title="Grow", created_at=datetime(2026, 2, 10, tzinfo=UTC),
                        completed_at=datetime(2026, 4, 5, tzinfo=UTC)))
    db.session.flush()
    panel = risk.build_panel(AS_OF)
    assert [_row(panel, person.id, d)["has_devplan"] for d in (date(2026, 1, 31), date(2026, 2, 28),
                                                                date(2026, 3, 31), date(2026, 4, 30))] == [0, 1, 1, 0]
    assert _row(panel, person.id, date(2026, 2, 28))["first_year"] == 1
    assert _row(panel, person.id, date(2026, 2, 28))["onboarding_gap"] == 0  # no onboarding plan: no signal


def test_onboarding_share_counts_tasks_done_by_day_90_and_only_in_the_first_year(db, create_user):
    from lms.onboarding.models import Area, Cohort, OnboardingPlan, Owner, Phase, PlanTask

    person = create_user(hire_date=date(2025, 3, 3))
    cohort = Cohort(starts_on=date(2025, 3, 3))
    db.session.add(cohort)
    db.session.flush()
    plan = OnboardingPlan(user_id=person.id, spell_id=person.spells[0].id, cohort_id=cohort.id, starts_on=date(2025, 3, 3))
    db.session.add(plan)
    db.session.flush()
    done = [datetime(2025, 3, 10, tzinfo=UTC), datetime(2025, 5, 20, tzinfo=UTC), datetime(2025, 8, 1, tzinfo=UTC), None]
    for i, at in enumerate(done):  # two by day 90, one late, one never
        db.session.add(PlanTask(plan_id=plan.id, phase=Phase.day30, area=Area.professional, owner=Owner.new_hire,
                                title=f"Task {i}", due_on=date(2025, 4, 1), completed_at=at))
    db.session.flush()
    panel = risk.build_panel(AS_OF)
    assert _row(panel, person.id, date(2025, 3, 31))["onboarding_gap"] == pytest.approx(0.75)  # 1 of 4 done so far
    assert _row(panel, person.id, date(2025, 9, 30))["onboarding_gap"] == pytest.approx(0.5)   # 2 of 4 by day 90
    assert _row(panel, person.id, date(2026, 3, 31))["onboarding_gap"] == 0                    # past the first year


# --- evaluate -------------------------------------------------------------------------------------

KEYS = {"method", "n", "positives", "roc_auc", "pr_auc", "precision_top10", "brier", "features"}


def test_backtest_recovers_a_planted_engagement_effect(db):
    org(db)
    result = risk.evaluate(AS_OF, 90)
    assert KEYS <= set(result)
    assert result["method"] == "backtest"
    assert result["roc_auc"] > 0.7
    assert 0 < result["pr_auc"] <= 1 and 0 <= result["precision_top10"] <= 1 and 0 <= result["brier"] < 0.25
    assert result["positives"] >= 20 and result["n"] > result["positives"]
    assert len(result["folds"]) >= 2
    # every fold was trained only on labels known at its test window's start
    for fold in result["folds"]:
        assert date.fromisoformat(fold["train_until"]) + timedelta(days=90) <= date.fromisoformat(fold["test_from"])
    assert set(result["features"]) <= set(risk.FEATURES)


def test_short_history_falls_back_to_cross_validation_and_says_so(db):
    org(db, months=8, effect=0.6, floor=0.02)
    result = risk.evaluate(AS_OF, 90)
    assert KEYS <= set(result)
    assert result["method"] == "cv"
    assert "k-fold" in result["note"]
    assert result["roc_auc"] is not None and result["positives"] >= risk.MIN_POSITIVES


def test_few_leavers_give_an_honest_insufficient_result(db):
    org(db, people=40, months=12, effect=0.0, floor=0.004, invol=0.0)
    result = risk.evaluate(AS_OF, 90)
    assert KEYS <= set(result)
    assert result["method"] == "insufficient"
    assert result["roc_auc"] is None and result["brier"] is None
    assert "Not enough history" in result["message"]


def test_cli_evaluate_json_prints_one_parseable_object(app, db):
    org(db, people=60, months=12, effect=0.0, floor=0.004, invol=0.0)
    result = app.test_cli_runner().invoke(
        args=["analytics", "evaluate", "--as-of", AS_OF.isoformat(), "--horizon-days", "90", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert KEYS <= set(data)


# --- scoring --------------------------------------------------------------------------------------


def test_score_gates_stores_explained_scores_and_is_idempotent(db, monkeypatch):
    org(db)
    panel = risk.build_panel(AS_OF, 90)
    monkeypatch.setattr(risk, "build_panel", lambda as_of, horizon_days=90: panel.copy())  # the rerun needs no new SQL
    run = risk.score(AS_OF, 90)
    assert run.status is RiskRunStatus.scored, run.message
    scores = db.session.execute(select(RiskScore).where(RiskScore.run_id == run.id)).scalars().all()
    employed = db.session.execute(select(func.count()).select_from(EmploymentSpell)
                                  .where(EmploymentSpell.end_date.is_(None))).scalar()
    assert len(scores) == employed
    high = [s for s in scores if s.band == "high"]
    assert 0 < len(high) <= len(scores) * 0.1 + 1 or any(s.probability >= risk.HIGH_P for s in high)
    assert all(0 < len(s.factors) <= 3 and all(f["effect"] > 0 for f in s.factors) for s in high)
    assert all(risk.factor_text(f) for s in high for f in s.factors)
    flagged = high[0]
    db.session.add(RiskFeedback(score_id=flagged.id, verdict=RiskVerdict.useful))
    db.session.flush()
    again = risk.score(AS_OF, 90)
    assert again.id == run.id
    assert db.session.execute(select(func.count()).select_from(RiskRun)).scalar() == 1
    assert db.session.execute(select(func.count()).select_from(RiskScore)).scalar() == len(scores)
    assert db.session.execute(select(RiskFeedback.score_id)).scalar_one() == flagged.id  # HR's feedback survives


def test_not_enough_history_is_a_run_without_scores(db):
    org(db, people=30, months=6, effect=0.0, floor=0.0, invol=0.0)
    run = risk.score(AS_OF, 90)
    assert run.status is RiskRunStatus.insufficient
    assert "Not enough history" in run.message
    assert db.session.execute(select(func.count()).select_from(RiskScore)).scalar() == 0


def test_weak_validation_gates_the_run():
    assert risk.gate({"method": "backtest", "roc_auc": 0.65, "spread": {"roc_auc": 0.01}})[0] is RiskRunStatus.gated
    assert risk.gate({"method": "cv", "roc_auc": 0.85, "spread": {"roc_auc": 0.2}})[0] is RiskRunStatus.gated
    assert risk.gate({"method": "cv", "roc_auc": 0.85, "spread": {"roc_auc": 0.03}})[0] is RiskRunStatus.scored


def test_factor_texts_are_plain_words():
    assert risk.factor_text({"feature": "activity_trend", "value": -1.0, "ratio": 0.33}) == \
        "Learning activity fell to 33% of their usual level"
    assert risk.factor_text({"feature": "checkins_90d", "value": 0}) == "No 1:1 check-in for 3 months"


def test_the_nightly_task_is_scheduled():
    from analytics.tasks import BEAT_SCHEDULE

    assert any(entry["task"] == "analytics.nightly" for entry in BEAT_SCHEDULE.values())


# --- pages ----------------------------------------------------------------------------------------


@pytest.fixture
def scored_run(db, create_user, create_department):
    dept = create_department("Risk Sales")
    people = [create_user(department=dept, first_name=f"Flagged{i}") for i in range(6)]
    run = RiskRun(as_of=AS_OF, horizon_days=90, status=RiskRunStatus.scored, message="",
                  metrics={"method": "backtest", "n": 1000, "positives": 80, "roc_auc": 0.81, "pr_auc": 0.34,
                           "precision_top10": 0.4, "brier": 0.06, "features": list(risk.FEATURES),
                           "spread": {"roc_auc": 0.03}},
                  model={"base_rate": 0.08})
    db.session.add(run)
    db.session.flush()
    scores = []
    for i, p in enumerate(people):
        s = RiskScore(run_id=run.id, user_id=p.id, probability=0.5 - i * 0.05, band="high" if i < 2 else "low",
                      department_id=dept.id,
                      factors=[{"feature": "checkins_90d", "value": 0, "effect": 0.8}])
        db.session.add(s)
        scores.append(s)
    db.session.flush()
    return run, people, scores


def test_hr_sees_validation_departments_and_high_risk_people_and_each_view_is_audited(client, login, create_user, scored_run):
    run, people, scores = scored_run
    hr = create_user("hr")
    login(hr)
    response = client.get("/analytics/risk")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "0.81" in html and "Risk Sales" in html
    assert people[0].full_name in html and people[1].full_name in html
    assert people[5].full_name not in html  # low band: not listed
    assert "No 1:1 check-in for 3 months" in html
    audited = {e.subject_user_id for e in client.application.extensions["sqlalchemy"].session.execute(
        select(AuditEntry).where(AuditEntry.entity_type == "risk_score", AuditEntry.actor_id == hr.id)).scalars()}
    assert audited == {people[0].id, people[1].id}


def test_managers_and_employees_get_403(client, login, create_user, scored_run):
    run, people, scores = scored_run
    for role in ("manager", "employee"):
        user = create_user(role)
        login(user)
        assert client.get("/analytics/risk").status_code == 403
        assert client.get(f"/analytics/risk/people/{people[0].id}").status_code == 403
        assert client.get("/analytics/risk/export.csv").status_code == 403
        client.post("/logout")


def test_viewing_a_persons_score_writes_an_audit_entry(client, db, login, create_user, scored_run):
    run, people, scores = scored_run
    hr = create_user("hr")
    login(hr)
    response = client.get(f"/analytics/risk/people/{people[0].id}")
    assert response.status_code == 200
    assert "No 1:1 check-in for 3 months" in response.get_data(as_text=True)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.entity_type == "risk_score",
                                                        AuditEntry.subject_user_id == people[0].id)).scalar_one()
    assert (entry.actor_id, entry.action, entry.entity_id) == (hr.id, "view", scores[0].id)


def test_a_person_without_a_score_is_404(client, login, create_user, scored_run):
    login(create_user("hr"))
    assert client.get(f"/analytics/risk/people/{create_user().id}").status_code == 404


def test_feedback_is_saved(client, db, login, create_user, scored_run):
    run, people, scores = scored_run
    hr = create_user("hr")
    login(hr)
    response = client.post(f"/analytics/risk/people/{people[0].id}",
                           data={"verdict": "incorrect", "note": "On parental leave, not disengaged"})
    assert response.status_code == 302
    fb = db.session.execute(select(RiskFeedback)).scalar_one()
    assert (fb.score_id, fb.by_id, fb.verdict, fb.note) == (scores[0].id, hr.id, RiskVerdict.incorrect,
                                                            "On parental leave, not disengaged")


def test_feedback_needs_a_verdict(client, db, login, create_user, scored_run):
    run, people, scores = scored_run
    login(create_user("hr"))
    response = client.post(f"/analytics/risk/people/{people[0].id}", data={"note": "?"})
    assert response.status_code == 400
    assert db.session.execute(select(func.count()).select_from(RiskFeedback)).scalar() == 0


def test_csv_export_lists_high_risk_people_and_is_audited(client, db, login, create_user, scored_run):
    run, people, scores = scored_run
    hr = create_user("hr")
    login(hr)
    response = client.get("/analytics/risk/export.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert people[0].email in text and people[5].email not in text
    exported = db.session.execute(select(AuditEntry).where(AuditEntry.entity_type == "risk_score",
                                                           AuditEntry.action == "export")).scalars().all()
    assert {e.subject_user_id for e in exported} == {people[0].id, people[1].id}


def test_gated_run_shows_the_gap_and_no_scores(client, db, login, create_user, scored_run):
    run, people, scores = scored_run
    run.status = RiskRunStatus.gated
    run.metrics = {**run.metrics, "roc_auc": 0.62}
    db.session.flush()
    login(create_user("hr"))
    html = client.get("/analytics/risk").get_data(as_text=True)
    assert "0.62" in html
    assert people[0].full_name not in html and "Risk Sales" not in html
    assert client.get(f"/analytics/risk/people/{people[0].id}").status_code == 404
    assert db.session.execute(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.entity_type == "risk_score")).scalar() == 0


def test_no_run_yet_says_not_enough_history(client, login, create_user):
    login(create_user("hr"))
    response = client.get("/analytics/risk")
    assert response.status_code == 200
    assert "not enough history" in response.get_data(as_text=True).lower()
