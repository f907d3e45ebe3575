"""Retention and engagement: Kaplan–Meier by engagement third and hire cohort, Cox with time-varying
engagement; recovers a planted effect, and says "insufficient" instead of guessing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import numpy as np
import pandas as pd

from analytics import survival
from analytics.models import EngagementWeek
from lms.people.models import EmploymentSpell, EndType

AS_OF = date(2026, 6, 1)


@lru_cache(maxsize=8)
def synthetic(n=300, ratio=3.0, seed=7, base_hazard=0.02, departments=4):
    """n people hired over 5 years; a third are rarely active (15% of weeks vs 60%) and leave
    voluntarily `ratio` times as often each month; a few involuntary exits; 3 years of LRS history."""
    rng = np.random.default_rng(seed)
    lrs = AS_OF - timedelta(days=3 * 365)
    spells, weeks = [], []
    for i in range(n):
        low = i % 3 == 0
        hire = AS_OF - timedelta(days=int(rng.integers(30, 5 * 365)))
        hazard = base_hazard * (ratio if low else 1.0)
        end = end_type = None
        month = 0
        while (day := hire + timedelta(days=round((month + 1) * 30.4375))) <= AS_OF:
            u = rng.random()
            if day > lrs and u < hazard:
                end, end_type = day, "voluntary"
                break
            if u > 1 - 0.004:
                end, end_type = day, "involuntary"
                break
            month += 1
        spells.append({"spell_id": i + 1, "user_id": i + 1, "hire_date": hire, "end_date": end,
                       "end_type": end_type, "department": f"D{i % departments}"})
        week = max(hire, lrs)
        week -= timedelta(days=week.weekday())
        while week < (end or AS_OF):
            if rng.random() < (0.15 if low else 0.6):
                weeks.append({"user_id": i + 1, "week_start": week})
            week += timedelta(weeks=1)
    return pd.DataFrame(spells), pd.DataFrame(weeks)  # cached: callers must not change them in place


def test_cox_recovers_a_planted_threefold_hazard_for_the_least_engaged():
    spells, weeks = synthetic()

    cox = survival.cox_engagement(spells, weeks, AS_OF)

    assert cox["status"] == "ok"
    hr = cox["headline"]
    assert hr["covariate"] == "low_third"
    assert hr["lower"] > 1.5 and hr["lower"] < 3.0 < hr["upper"]
    share = next(r for r in cox["rows"] if r["covariate"] == "share_10")
    assert share["upper"] < 1  # more active weeks, fewer exits
    assert cox["events"] >= 50 and cox["n_people"] > 250
    low, other = cox["crude"]
    assert low["rate_per_100"] > 2 * other["rate_per_100"]


def test_kaplan_meier_by_engagement_third_separates_the_curves_with_a_landmark():
    spells, weeks = synthetic()

    km = survival.km_by_engagement(spells, weeks, AS_OF)

    assert km["status"] == "ok"
    assert km["landmark"] == km["lrs_start"] + timedelta(weeks=26)
    assert km["lookback_start"] == km["lrs_start"]
    groups = {g["label"]: g for g in km["groups"]}
    assert set(groups) == {"low", "middle", "high"}
    assert groups["low"]["survival_12"] < groups["high"]["survival_12"]
    assert groups["low"]["share_max"] <= groups["high"]["share_min"]
    assert km["logrank"]["p"] < 0.01 and km["logrank"]["df"] == 2
    assert all(0 <= s <= 1 and t >= 0 for g in groups.values() for t, s, _lo, _hi in g["curve"])


def test_engagement_after_the_landmark_does_not_decide_the_third():
    spells, weeks = synthetic()
    # leavers "go quiet": removing every active week after the landmark changes nobody's third
    km = survival.km_by_engagement(spells, weeks, AS_OF)
    early = weeks[pd.to_datetime(weeks["week_start"]) < pd.Timestamp(km["landmark"])]
    again = survival.km_by_engagement(spells, early, AS_OF)
    assert [(g["label"], g["n"], g["events"]) for g in again["groups"]] == \
           [(g["label"], g["n"], g["events"]) for g in km["groups"]]


def test_kaplan_meier_by_hire_cohort_has_a_logrank_test_and_no_small_groups():
    spells, _weeks = synthetic()

    km = survival.km_by_hire_cohort(spells, AS_OF)

    assert km["status"] == "ok"
    assert 2 <= len(km["groups"]) <= survival.MAX_COHORTS + 1
    assert all(g["n"] >= survival.MIN_GROUP for g in km["groups"])
    assert 0 <= km["logrank"]["p"] <= 1


def test_each_spell_of_a_boomerang_is_its_own_row():
    spells = pd.DataFrame([
        {"spell_id": 1, "user_id": 9, "hire_date": date(2024, 1, 1), "end_date": date(2024, 12, 31),
         "end_type": "voluntary", "department": "D"},
        {"spell_id": 2, "user_id": 9, "hire_date": date(2025, 6, 1), "end_date": None, "end_type": None,
         "department": "D"},
    ])
    weeks = pd.DataFrame({"user_id": [9] * 5 + list(range(100, 105)),
                          "week_start": [date(2024, 1, 1)] * 5 + [date(2024, 1, 1)] * 5})
    panel = survival.build_panel(spells, weeks, date(2026, 1, 1))
    assert set(panel["spell_id"]) == {1, 2}
    assert panel.loc[panel["spell_id"] == 1, "event"].sum() == 1
    assert panel.loc[panel["spell_id"] == 2, "event"].sum() == 0
    assert panel.loc[panel["spell_id"] == 2, "start"].min() >= 0  # tenure restarts with the new spell


def test_involuntary_exits_are_censored_not_events():
    spells, weeks = synthetic()
    involuntary = spells.assign(end_type=spells["end_type"].where(spells["end_type"].isna(), "involuntary"))
    assert survival.cox_engagement(involuntary, weeks, AS_OF)["status"] == "insufficient"
    assert survival.retention_analysis(AS_OF, spells=involuntary, weeks=weeks)["status"] == "insufficient"


def test_few_voluntary_exits_give_insufficient_not_numbers():
    spells, weeks = synthetic(n=60, base_hazard=0.001, ratio=1.0)

    result = survival.retention_analysis(AS_OF, spells=spells, weeks=weeks)

    assert result["status"] == "insufficient"
    assert "voluntary exits" in result["reason"]
    assert "cox" not in result and result["events"] < survival.MIN_EVENTS


def test_no_learning_activity_is_insufficient_for_the_engagement_parts():
    spells, _weeks = synthetic()
    empty = pd.DataFrame(columns=["user_id", "week_start"])

    result = survival.retention_analysis(AS_OF, spells=spells, weeks=empty)

    assert result["engagement"]["status"] == "insufficient"
    assert result["cox"]["status"] == "insufficient"
    assert result["cohorts"]["status"] == "ok"


def test_analysis_reads_spells_and_weeks_from_the_database(db, create_user, create_department):
    dept = create_department("Sales")
    people = [create_user(department=dept, hire_date=date(2024, 1, 1)) for _ in range(6)]
    leaver = people[0]
    spell = leaver.spells[0]
    spell.end_date, spell.end_type = date(2025, 3, 1), EndType.voluntary
    for person in people:
        db.session.add(EngagementWeek(user_id=person.id, week_start=date(2024, 6, 3), statements=3, active_days=2,
                                      last_at=datetime(2024, 6, 4, tzinfo=timezone.utc)))
    db.session.flush()

    spells = survival.load_spells(AS_OF)
    weeks = survival.load_active_weeks(AS_OF)

    mine = spells[spells["user_id"].isin([p.id for p in people])]
    assert len(mine) == 6 and (mine["department"] == "Sales").all()
    assert mine.loc[mine["user_id"] == leaver.id, "end_type"].item() == "voluntary"
    assert survival.lrs_start(weeks[weeks["user_id"].isin([p.id for p in people])]) == date(2024, 6, 3)
    assert db.session.get(EmploymentSpell, spell.id).end_type is EndType.voluntary


def test_departments_with_few_people_are_pooled_as_other_in_the_cox_panel():
    spells, weeks = synthetic()
    spells = spells.copy()
    spells.loc[spells.index[:6], "department"] = "Tiny"

    panel = survival.build_panel(spells, weeks, AS_OF)

    assert "Tiny" not in set(panel["department"])
    assert "other" in set(panel["department"])
    assert {"D0", "D1", "D2", "D3"} <= set(panel["department"])


def test_cox_checks_that_the_ratio_does_not_drift_with_tenure():
    spells, weeks = synthetic()

    cox = survival.cox_engagement(spells, weeks, AS_OF)

    # the planted ratio is the same at every tenure: no evidence against proportional hazards
    assert cox["ph_check"]["holds"] and 0.05 <= cox["ph_check"]["p"] <= 1
