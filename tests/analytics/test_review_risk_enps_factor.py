"""Review: the department eNPS in a person's early-warning factors is the figure the pulse results
show, so it cannot reveal a group the results hide (by subtracting it from a figure they show)."""

from __future__ import annotations

import uuid
from datetime import date

import numpy as np
import pytest

from analytics import pulse, risk
from analytics.models import PulseAnswer, PulseQuestion, PulseResponse, PulseRound, PulseSurvey, QuestionKind, Schedule

AS_OF = date(2026, 6, 30)
SNAPSHOT = date(2026, 2, 28)


def _round(db, answers_by_department):
    survey = PulseSurvey(title="Pulse", organisation="Org", schedule=Schedule.once, starts_on=date(2026, 2, 1))
    db.session.add(survey)
    db.session.flush()
    question = PulseQuestion(survey_id=survey.id, position=0, kind=QuestionKind.enps, topic="enps")
    rnd = PulseRound(survey_id=survey.id, period="2026-02", opens_on=date(2026, 2, 1), closes_on=date(2026, 2, 14),
                     is_sealed=True)
    db.session.add_all([question, rnd])
    db.session.flush()
    for dept, values in answers_by_department:
        for v in values:
            rid = uuid.uuid4().hex
            db.session.add(PulseResponse(id=rid, round_id=rnd.id, department_id=dept.id, tenure_band="1-2"))
            db.session.flush()
            db.session.add(PulseAnswer(response_id=rid, question_id=question.id, value=v))
    db.session.flush()
    return rnd


def _dept_enps(panel, user_id):
    rows = panel[(panel["user_id"] == user_id) & (panel["snapshot"] == SNAPSHOT)]
    assert len(rows) == 1
    return rows.iloc[0]["dept_enps"]


def test_a_department_whose_results_are_hidden_gives_no_enps_factor(db, create_user, create_department):
    """Sales (5) and Legal (4) answered: the organisation (9) is shown, so Sales is hidden by the
    results (organisation minus Sales would be Legal's 4). Sales' own eNPS must not be a factor."""
    sales, legal = create_department("Sales"), create_department("Legal")
    seller = create_user(department=sales, hire_date=date(2024, 1, 1))
    rnd = _round(db, [(sales, [10, 10, 9, 3, 8]), (legal, [0, 0, 0, 0])])
    shown = {r.key for r in pulse.round_results(rnd) if r.is_shown}
    assert sales.id not in shown
    assert np.isnan(_dept_enps(risk.build_panel(AS_OF), seller.id))


def test_the_enps_factor_of_a_parent_department_is_its_shown_figure_with_sub_departments(
        db, create_user, create_department):
    """Ops answered 6 directly and its sub-department Ops-North 4; the results show Ops (10) only.
    Ops' direct 6 would give Ops-North's 4 answers by subtraction; the factor is Ops' shown figure."""
    ops = create_department("Ops")
    north = create_department("Ops-North", ops)
    other = create_department("Finance")
    person = create_user(department=ops, hire_date=date(2024, 1, 1))
    rnd = _round(db, [(ops, [10, 10, 10, 10, 10, 10]), (north, [0, 0, 0, 0]), (other, [9, 9, 9, 9, 9])])
    results = {r.key: r for r in pulse.round_results(rnd)}
    assert results[ops.id].is_shown and not results[north.id].is_shown
    assert _dept_enps(risk.build_panel(AS_OF), person.id) == pytest.approx(results[ops.id].enps)
    assert results[ops.id].enps == pytest.approx(20.0)  # 6 promoters, 4 detractors of 10
