"""Review: a department's expected leavers (the sum of its people's probabilities) cannot be turned
into an unaudited score by subtracting the probabilities the high-risk list shows."""

from __future__ import annotations

from datetime import date

from analytics import risk
from analytics.models import RiskRun, RiskRunStatus, RiskScore


def _run(db, create_user, department, bands):
    run = RiskRun(as_of=date(2026, 6, 30), horizon_days=90, status=RiskRunStatus.scored, message="",
                  metrics={"method": "backtest", "roc_auc": 0.8}, model={"base_rate": 0.08})
    db.session.add(run)
    db.session.flush()
    for i, band in enumerate(bands):
        db.session.add(RiskScore(run_id=run.id, user_id=create_user(department=department).id,
                                 probability=0.6 if band == "high" else 0.05 + i / 100, band=band,
                                 department_id=department.id, factors=[]))
    db.session.flush()
    return run


def test_a_department_of_four_high_risk_people_and_one_other_shows_no_expected_leavers(
        db, create_user, create_department):
    """The list shows the four probabilities; the department's sum minus them would be the fifth person's."""
    dept = create_department("Four high")
    run = _run(db, create_user, dept, ["high"] * 4 + ["low"])
    assert risk.department_expected(run) == []


def test_a_department_with_five_people_outside_the_high_list_shows_expected_leavers(
        db, create_user, create_department):
    dept = create_department("Mostly low")
    run = _run(db, create_user, dept, ["high"] * 2 + ["low", "medium", "low", "low", "low"])
    [(dept_id, n, expected)] = risk.department_expected(run)
    assert (dept_id, n) == (dept.id, 7)
    assert expected > 1.2


def test_the_risk_page_does_not_chart_a_department_that_could_be_subtracted(client, login, db, create_user,
                                                                            create_department):
    dept = create_department("Subtractable")
    _run(db, create_user, dept, ["high"] * 4 + ["low"])
    login(create_user("hr"))
    html = client.get("/analytics/risk").get_data(as_text=True)
    assert "Expected voluntary leavers in the next" not in html  # no chart of departments
