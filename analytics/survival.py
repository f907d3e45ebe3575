"""Does learning engagement go with staying? Kaplan–Meier curves, log-rank tests and a Cox model with
time-varying engagement, from employment spells and `engagement_weeks`, with lifelines and pandas.

Everything is about groups: the results hold counts, curves and hazard ratios, never a person.

Definitions used throughout
---------------------------
- **Spell**: one employment spell (a boomerang's spells are separate rows). Time is **tenure** in
  months of 30.4375 days from the hire date.
- **Event**: a voluntary exit on or before `as_of`. Involuntary exits, spells still open and spells
  ending after `as_of` are **censored** (at the exit date or at `as_of`).
- **Active week**: an ISO week with at least one counted LRS statement (a row in
  `engagement_weeks`; see analytics/engagement.py). **Engagement share** = active weeks / weeks
  employed, over a look-back window.
- **LRS start**: the first week in which at least `MIN_GROUP` people were active. Before it the LRS
  knows nothing (not zero): no window reaches back before it.

Kaplan–Meier by engagement third: a landmark design
----------------------------------------------------
Grouping people by their engagement over the whole spell would leak the future (those who stay
longer have more time to be active, and leavers go quiet before they go). So engagement is measured
once, at a **landmark date** L = the first Monday 26 weeks after the LRS start, over the 26 weeks
before L (only the weeks employed; at least 13 of them), for the spells open on L. The thirds are
ranks of that share across those people (tied people stay together). Survival is then followed
*from L* onwards: the curve's time axis is months since the landmark. A calendar landmark rather
than "the first 6 months of tenure" keeps everybody employed on L in the comparison, not only the
hires made since the LRS started, which with a short LRS history would be few.

Kaplan–Meier by hire cohort
---------------------------
Time from hire, by hire year (the most recent `MAX_COHORTS` years with at least `MIN_GROUP` spells;
older years together). Older cohorts hold only the people the HR system still lists.

Cox model with time-varying engagement
--------------------------------------
A start–stop panel, one row per spell and tenure month (lifelines `CoxTimeVaryingFitter`). A row's
covariates use only the complete weeks *before* the month starts: the engagement share over the
previous 13 weeks (at least 4 weeks employed and within the LRS history, otherwise the month is
left out: late entry), and `low_third`: whether that share is in the lowest third of everybody's
that calendar month. The time axis is tenure, so the model compares people at the same tenure
(that is the tenure adjustment); departments are strata (each has its own baseline hazard);
departments with fewer than `MIN_DEPARTMENT_PEOPLE` people are pooled as "other". Two models are
fitted: one with `low_third` (the headline: "the lowest third leaves k× as often") and one with
the share per 10 percentage points. A third model adds low_third × log(tenure) to check that the
ratio does not drift with tenure (proportional hazards). Hazard ratios are associations, not causes: people who plan to
leave may stop learning, and both may have a third cause (a manager, workload).

With fewer than `MIN_EVENTS` voluntary exits in what a part analyses, that part says so
(``{"status": "insufficient", "reason": ...}``) instead of giving numbers.
"""

from __future__ import annotations

import math
import warnings
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from lms.extensions import db
from lms.people.models import Department, EmploymentSpell, EndType

from . import results
from .engagement import monday
from .models import EngagementWeek

MONTH_DAYS = 30.4375
#: fewer voluntary exits than this and a part reports "insufficient"
MIN_EVENTS = 10
#: no group (a curve, a third, a cohort) of fewer people is shown
MIN_GROUP = 5
#: departments with fewer people in the Cox panel are pooled as "other"
MIN_DEPARTMENT_PEOPLE = 20
MAX_COHORTS = 6
#: landmark design: look-back window and the minimum weeks employed in it
LANDMARK_WEEKS = 26
LANDMARK_MIN_WEEKS = 13
#: Cox panel: look-back window and the minimum weeks employed in it
LOOKBACK_WEEKS = 13
LOOKBACK_MIN_WEEKS = 4

TERCILES = ("low", "middle", "high")


def insufficient(code: str, reason: str, **evidence) -> dict:
    """What a part says instead of numbers; `code` (few_events, no_activity, short_history,
    no_cohort, fit_failed) lets the page say it in the reader's language."""
    return {"status": "insufficient", "code": code, "reason": reason, **evidence}


# --- loading (SQL) -----------------------------------------------------------------------------


def load_spells(as_of: date) -> pd.DataFrame:
    """Spells hired on or before `as_of`: spell_id, user_id, hire_date, end_date, end_type, department."""
    rows = db.session.execute(
        select(EmploymentSpell.id, EmploymentSpell.user_id, EmploymentSpell.hire_date, EmploymentSpell.end_date,
               EmploymentSpell.end_type, Department.name)
        .join(Department, Department.id == EmploymentSpell.department_id)
        .where(EmploymentSpell.hire_date <= as_of)
    ).all()
    df = pd.DataFrame(rows, columns=["spell_id", "user_id", "hire_date", "end_date", "end_type", "department"])
    df["end_type"] = df["end_type"].map(lambda e: e.value if isinstance(e, EndType) else e)
    return df


def load_active_weeks(as_of: date) -> pd.DataFrame:
    """(user_id, week_start) of every active week before `as_of`'s week."""
    rows = db.session.execute(
        select(EngagementWeek.user_id, EngagementWeek.week_start)
        .where(EngagementWeek.week_start < monday(as_of), EngagementWeek.statements > 0)
    ).all()
    return pd.DataFrame(rows, columns=["user_id", "week_start"])


def lrs_start(weeks: pd.DataFrame) -> date | None:
    """The first week in which at least MIN_GROUP people were active."""
    if weeks.empty:
        return None
    counts = weeks.groupby("week_start")["user_id"].nunique()
    busy = counts[counts >= MIN_GROUP]
    return None if busy.empty else pd.Timestamp(busy.index.min()).date()


# --- preparing ---------------------------------------------------------------------------------


def _prepare(spells: pd.DataFrame, as_of: date) -> pd.DataFrame:
    df = spells.copy()
    df["hire_date"] = pd.to_datetime(df["hire_date"])
    end = pd.to_datetime(df["end_date"])
    ended = end.notna() & (end <= pd.Timestamp(as_of))
    df["exit"] = end.where(ended, pd.Timestamp(as_of))
    df["event"] = (ended & (df["end_type"] == EndType.voluntary.value)).astype(int)
    df["duration"] = (df["exit"] - df["hire_date"]).dt.days / MONTH_DAYS
    return df[df["hire_date"] <= pd.Timestamp(as_of)]


class _WeekIndex:
    """Active weeks as a per-person cumulative count, for fast window sums: weeks are numbered from
    the LRS start (0) to `as_of`'s week, and C[u, i] = active weeks of person u with number < i."""

    def __init__(self, weeks: pd.DataFrame, start: date, as_of: date):
        self.start = pd.Timestamp(monday(start))
        self.n = (monday(as_of) - monday(start)).days // 7
        users = sorted(set(weeks["user_id"])) if not weeks.empty else []
        self.row = {u: i + 1 for i, u in enumerate(users)}  # row 0: people never active
        dense = np.zeros((len(users) + 1, self.n + 1), dtype=np.int32)
        if users:
            idx = ((pd.to_datetime(weeks["week_start"]) - self.start).dt.days // 7).to_numpy()
            rows = weeks["user_id"].map(self.row).to_numpy()
            keep = (idx >= 0) & (idx < self.n)
            np.add.at(dense, (rows[keep], idx[keep] + 1), 1)
        self.cum = np.cumsum(dense, axis=1)

    def number(self, days: pd.Series) -> np.ndarray:
        """Week numbers of the Mondays of these timestamps (may be negative or past the end)."""
        mondays = days - pd.to_timedelta(days.dt.weekday, unit="D")
        return ((mondays - self.start).dt.days // 7).to_numpy()

    def share(self, user_ids: pd.Series, hire: pd.Series, at: pd.Series, window: int) -> tuple[np.ndarray, np.ndarray]:
        """Active weeks / weeks employed in the `window` complete weeks before `at`'s week (only
        weeks within the LRS history); returns (share, weeks employed in the window)."""
        hi = np.clip(self.number(at), 0, self.n)
        lo = np.clip(np.maximum(hi - window, self.number(hire)), 0, self.n)
        lo = np.minimum(lo, hi)
        rows = user_ids.map(self.row).fillna(0).astype(int).to_numpy()
        active = self.cum[rows, hi] - self.cum[rows, lo]
        exposure = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(exposure > 0, active / np.maximum(exposure, 1), np.nan)
        return share, exposure


# --- Kaplan–Meier ------------------------------------------------------------------------------


def _km_groups(durations: pd.Series, events: pd.Series, groups: pd.Series, order: list) -> dict:
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    out = []
    for label in order:
        mask = groups == label
        n = int(mask.sum())
        if n < MIN_GROUP:
            continue
        kmf = KaplanMeierFitter().fit(durations[mask], events[mask], label=str(label))
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        points = [(float(t), float(s), float(ci.iloc[i, 0]), float(ci.iloc[i, 1])) for i, (t, s) in enumerate(sf.items())]
        at12 = float(kmf.survival_function_at_times(12.0).iloc[0])
        median = kmf.median_survival_time_
        out.append({
            "label": label, "n": n, "events": int(events[mask].sum()),
            "curve": points, "survival_12": at12,
            "median": None if median is None or math.isinf(median) else float(median),
        })
    shown = [g["label"] for g in out]
    mask = groups.isin(shown)
    logrank = None
    if len(shown) >= 2:
        res = multivariate_logrank_test(durations[mask], groups[mask], events[mask])
        logrank = {"p": float(res.p_value), "statistic": float(res.test_statistic), "df": len(shown) - 1}
    return {"groups": out, "logrank": logrank, "n": int(mask.sum()), "events": int(events[mask].sum())}


def km_by_hire_cohort(spells: pd.DataFrame, as_of: date) -> dict:
    """Retention from hire by hire year, with a log-rank test across the years shown."""
    df = _prepare(spells, as_of)
    df = df[df["duration"] >= 0]
    if int(df["event"].sum()) < MIN_EVENTS:
        return insufficient("few_events", "fewer than %d voluntary exits" % MIN_EVENTS, n=len(df), events=int(df["event"].sum()))
    year = df["hire_date"].dt.year
    counts = year.value_counts()
    years = sorted(y for y, c in counts.items() if c >= MIN_GROUP)[-MAX_COHORTS:]
    if not years:
        return insufficient("no_cohort", "no hire year has %d people" % MIN_GROUP, n=len(df), events=int(df["event"].sum()))
    older = f"≤ {years[0] - 1}"
    label = year.map(lambda y: str(y) if y in years else (older if y < years[0] else None))
    order = ([older] if (label == older).sum() >= MIN_GROUP else []) + [str(y) for y in years]
    res = _km_groups(df["duration"], df["event"], label, order)
    if res["events"] < MIN_EVENTS:
        return insufficient("few_events", "fewer than %d voluntary exits" % MIN_EVENTS, n=res["n"], events=res["events"])
    return {"status": "ok", "time": "months since hire",
            "period": (df["hire_date"].min().date(), as_of), **res}


def km_by_engagement(spells: pd.DataFrame, weeks: pd.DataFrame, as_of: date) -> dict:
    """Retention after a landmark date by engagement third in the 26 weeks before it (see the module)."""
    start = lrs_start(weeks)
    if start is None:
        return insufficient("no_activity", "no learning activity recorded yet")
    landmark = monday(start) + timedelta(weeks=LANDMARK_WEEKS)
    if landmark + timedelta(days=90) > as_of:
        return insufficient("short_history", "the LRS history is shorter than 9 months", lrs_start=start)
    df = _prepare(spells, as_of)
    lm = pd.Timestamp(landmark)
    df = df[(df["hire_date"] <= lm) & (df["exit"] > lm)].copy()
    index = _WeekIndex(weeks, start, as_of)
    share, exposure = index.share(df["user_id"], df["hire_date"], pd.Series(lm, index=df.index), LANDMARK_WEEKS)
    df["share"], df["exposure"] = share, exposure
    df = df[df["exposure"] >= LANDMARK_MIN_WEEKS]
    evidence = {"landmark": landmark, "lookback_start": landmark - timedelta(weeks=LANDMARK_WEEKS),
                "followup_end": as_of, "lrs_start": start}
    if int(df["event"].sum()) < MIN_EVENTS:
        return insufficient("few_events", "fewer than %d voluntary exits after the landmark" % MIN_EVENTS,
                            n=len(df), events=int(df["event"].sum()), **evidence)
    pct = df["share"].rank(pct=True, method="average")
    df["third"] = np.where(pct <= 1 / 3, "low", np.where(pct > 2 / 3, "high", "middle"))
    df["since"] = (df["exit"] - lm).dt.days / MONTH_DAYS
    res = _km_groups(df["since"], df["event"], df["third"], list(TERCILES))
    for g in res["groups"]:
        shares = df.loc[df["third"] == g["label"], "share"]
        g["share_min"], g["share_max"] = float(shares.min()), float(shares.max())
    return {"status": "ok", "time": "months since the landmark", **evidence, **res}


# --- Cox ---------------------------------------------------------------------------------------


def build_panel(spells: pd.DataFrame, weeks: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per spell and tenure month: spell_id, user_id, start, stop (tenure months), event,
    share (previous 13 weeks), low_third (within the calendar month), department (pooled)."""
    start = lrs_start(weeks)
    cols = ["spell_id", "user_id", "start", "stop", "event", "share", "low_third", "department", "month"]
    if start is None:
        return pd.DataFrame(columns=cols)
    df = _prepare(spells, as_of)
    df = df[(df["duration"] > 0) & (df["exit"] > pd.Timestamp(start))]
    if df.empty:
        return pd.DataFrame(columns=cols)
    n_months = np.ceil(df["duration"].to_numpy()).astype(int)
    rep = df.loc[df.index.repeat(n_months)].reset_index(drop=True)
    k = np.concatenate([np.arange(n) for n in n_months])
    rep["start"] = k.astype(float)
    rep["stop"] = np.minimum(k + 1.0, rep["duration"].to_numpy())
    last = rep["start"].to_numpy() + 1 >= rep["duration"].to_numpy()
    rep["event"] = np.where(last, rep["event"].to_numpy(), 0)
    rep["at"] = rep["hire_date"] + pd.to_timedelta(np.round(k * MONTH_DAYS), unit="D")
    index = _WeekIndex(weeks, start, as_of)
    share, exposure = index.share(rep["user_id"], rep["hire_date"], rep["at"], LOOKBACK_WEEKS)
    rep["share"] = share
    rep = rep[(exposure >= LOOKBACK_MIN_WEEKS) & (rep["stop"] > rep["start"])].copy()
    rep["month"] = rep["at"].dt.to_period("M")
    pct = rep.groupby("month")["share"].rank(pct=True, method="average")
    rep["low_third"] = (pct <= 1 / 3).astype(int)
    people = rep.groupby("department")["user_id"].nunique()
    small = set(people[people < MIN_DEPARTMENT_PEOPLE].index)
    rep["department"] = rep["department"].where(~rep["department"].isin(small), "other")
    return rep[cols].reset_index(drop=True)


def _fit(panel: pd.DataFrame, covariate: str, extra: list[str] | None = None) -> dict:
    """Fit with `covariate` (and `extra`) and return the covariate's hazard ratio, 95% CI and p-value."""
    from lifelines import CoxTimeVaryingFitter

    data = panel[["spell_id", "start", "stop", "event", "department", covariate, *(extra or [])]]
    strata = ["department"] if data["department"].nunique() > 1 else None
    if strata is None:
        data = data.drop(columns=["department"])
    ctv = CoxTimeVaryingFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctv.fit(data, id_col="spell_id", event_col="event", start_col="start", stop_col="stop", strata=strata)
    row = ctv.summary.loc[covariate]
    return {"covariate": covariate, "hr": float(row["exp(coef)"]), "lower": float(row["exp(coef) lower 95%"]),
            "upper": float(row["exp(coef) upper 95%"]), "p": float(row["p"])}


def cox_engagement(spells: pd.DataFrame, weeks: pd.DataFrame, as_of: date) -> dict:
    """Hazard ratios of voluntary exit for low engagement (lowest third; share per 10 points),
    tenure as the time axis, departments as strata."""
    panel = build_panel(spells, weeks, as_of)
    events = int(panel["event"].sum()) if not panel.empty else 0
    evidence = {"n_people": int(panel["user_id"].nunique()) if not panel.empty else 0,
                "n_spells": int(panel["spell_id"].nunique()) if not panel.empty else 0,
                "n_intervals": len(panel), "events": events}
    if events < MIN_EVENTS:
        return insufficient("few_events", "fewer than %d voluntary exits in months with engagement data" % MIN_EVENTS, **evidence)
    panel = panel.assign(share_10=panel["share"] * 10)
    evidence["period"] = (panel["month"].min().start_time.date(), as_of)
    evidence["departments"] = int(panel["department"].nunique())
    # crude rates, the plain numbers behind the ratio
    crude = []
    for flag, label in ((1, "low"), (0, "other")):
        part = panel[panel["low_third"] == flag]
        years = float((part["stop"] - part["start"]).sum()) / 12
        crude.append({"group": label, "person_years": years, "events": int(part["event"].sum()),
                      "rate_per_100": 100 * int(part["event"].sum()) / years if years else None})
    # Proportional hazards: does the ratio drift with tenure? The low_third × log(tenure) term of a
    # third model (a Grambsch–Therneau-style test with g(t) = log t; lifelines' Schoenfeld check
    # does not cover time-varying fits). A small p-value: the ratio shown is an average over tenure.
    panel = panel.assign(low_third_x_log_tenure=panel["low_third"] * np.log1p((panel["start"] + panel["stop"]) / 2))
    try:
        rows = [_fit(panel, "low_third"), _fit(panel, "share_10")]
        drift = _fit(panel, "low_third_x_log_tenure", extra=["low_third"])
    except Exception as exc:  # lifelines raises ConvergenceError and friends on degenerate data
        return insufficient("fit_failed", f"the model could not be fitted ({type(exc).__name__})", **evidence)
    ph_check = {"p": drift["p"], "holds": drift["p"] >= 0.05, "ratio_per_log_month": drift["hr"]}
    return {"status": "ok", **evidence, "rows": rows, "crude": crude, "ph_check": ph_check,
            "headline": rows[0], "adjusted_for": ["tenure (time axis)", "department (strata)"]}


# --- everything for the page -------------------------------------------------------------------


def retention_analysis(as_of: date | None = None, *, spells: pd.DataFrame | None = None,
                       weeks: pd.DataFrame | None = None) -> dict:
    """All the figures of the retention page, as a dict (group figures only). Loads spells and active
    weeks from the database unless given (tests pass DataFrames)."""
    as_of = as_of or date.today()
    spells = load_spells(as_of) if spells is None else spells
    weeks = load_active_weeks(as_of) if weeks is None else weeks
    prepared = _prepare(spells, as_of) if not spells.empty else spells
    total_events = int(prepared["event"].sum()) if not spells.empty else 0
    base = {"as_of": as_of, "n_spells": len(spells),
            "n_people": int(spells["user_id"].nunique()) if not spells.empty else 0,
            "events": total_events, "lrs_start": lrs_start(weeks)}
    if total_events < MIN_EVENTS:
        return {**insufficient("few_events", "fewer than %d voluntary exits recorded" % MIN_EVENTS), **base}
    return {"status": "ok", **base,
            "engagement": km_by_engagement(spells, weeks, as_of),
            "cohorts": km_by_hire_cohort(spells, as_of),
            "cox": cox_engagement(spells, weeks, as_of)}


def _fingerprint() -> str:
    return results.people_and_engagement_fingerprint()


RESULT_KEY = "retention"


def precompute(as_of: date | None = None):
    """Compute and store the page's figures (the nightly task calls this after the engagement refresh)."""
    as_of = as_of or date.today()
    return results.store(RESULT_KEY, as_of, _fingerprint(), retention_analysis(as_of))


def cached_analysis(as_of: date | None = None) -> dict:
    """`retention_analysis` for the page and its exports: the stored nightly result when it was
    computed for today (or yesterday, before tonight's run) — marked ``is_current`` False when spells
    or engagement changed since — else computed now and stored. Adds ``computed_at``."""
    as_of = as_of or date.today()
    data, row, is_current = results.get_or_compute(RESULT_KEY, as_of, _fingerprint(),
                                                   lambda: retention_analysis(as_of))
    return {**data, "computed_at": row.computed_at, "is_current": is_current}
