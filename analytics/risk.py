"""Early-warning score: the probability that a person leaves voluntarily within the next 90 days.

A discrete-time hazard model, as in ANALYTICS_NOTES.md:

- **Panel** (`build_panel`): one row per person employed at each month-end snapshot (and at the
  day scored), features computed only from data before the snapshot, aggregated in SQL from
  `engagement_weeks` (never from statements) and employment spells. A week counts for a snapshot
  only when it ended on or before the snapshot day (so a week that straddles it, whose counts
  include later days, is not used).
- **Label**: voluntary exit within `horizon_days` after the snapshot. A row whose person leaves
  *involuntarily* within the horizon is dropped: their outcome was decided by the employer, so it
  is neither "stayed" (label 0 would teach the model that they stayed) nor a voluntary exit. Rows
  whose horizon has not fully passed at `as_of` have no label: they are only scored.
- **Never used**: protected attributes, person attributes of any kind (HR has no way yet to mark a
  numeric attribute as fit for models, so none is used), absences (sick leave is health data),
  anyone's survey answers (only a department's sealed eNPS with at least 5 respondents), and
  consequences of leaving: a recorded end date or exit interview. People whose end date is
  already recorded are not scored (their leaving is known, nothing to predict).
- **Known limits**: a spell stores its current department and manager, not their history, so the
  manager and department features use today's assignment for past snapshots too.
- **Model**: L2-regularised logistic regression on standardised features, no class weighting.
- **Validation** (`evaluate`): a temporal backtest with rolling origins (test windows of 3
  monthly snapshots over the last 6 to 12 labelled snapshots; each trained only on rows whose
  label was known at the window's start). With less history, stratified k-fold at the latest
  labelled snapshots, grouped by person, and it says so; with fewer than 10 leavers, nothing.
- **Gate** (`score`): ROC AUC below 0.70 or a fold spread (standard deviation of the folds' ROC
  AUC) above 0.10 gives a run without scores. Moodle hides its models at 0.05 spread on its own
  accuracy; ROC AUC folds of three months with a few dozen leavers vary by about 0.05 from
  sampling alone, so 0.10 is the first spread that signals instability rather than noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import Date, Integer, and_, case, delete, func, literal, select, union_all

from lms.extensions import db
from lms.people.models import EmploymentSpell, EndType

from .models import (
    EngagementWeek,
    PulseRound,
    RiskFeedback,
    RiskRun,
    RiskRunStatus,
    RiskScore,
)

#: the model's inputs, in order (a feature constant in the training data is left out of a run)
FEATURES = (
    "active_weeks_4w",       # share of the last 4 weeks with any learning activity
    "active_weeks_12w",      # share of the last 12 weeks with any learning activity
    "log_statements_4w",     # log(1 + statements in the last 4 weeks)
    "log_statements_12w",    # log(1 + statements in the last 12 weeks)
    "activity_trend",        # log((last 4 weeks' weekly mean + 1) / (weeks 5-52 weekly mean + 1))
    "days_since_activity",   # days since the last statement (365 when none in a year)
    "completions_12w",
    "forum_12w",             # forum posts and replies
    "plan_items_12w",        # development-plan items completed
    "mentoring_90d",         # mentoring sessions in the last 13 weeks
    "checkins_90d",          # 1:1 check-ins held in the last 13 weeks
    "tenure_months",
    "first_year",            # 1 in the first 12 months
    "onboarding_gap",        # first year only: share of onboarding tasks NOT done by day 90
    "manager_span",          # the manager's direct reports (0 without a manager)
    "manager_team_turnover", # voluntary leavers of the manager's team in 12 months / team (person excluded)
    "dept_enps",             # the department's latest sealed eNPS as the pulse results show it, else the mean
    "has_devplan",           # an open development-plan goal
)

MIN_POSITIVES = 10          # fewer voluntary leavers in labelled rows: no model at all
MIN_BACKTEST_SNAPSHOTS = 12 # labelled monthly snapshots needed for a backtest
MIN_TEST_POSITIVES = 20     # leavers needed in the backtest's test windows
FOLD_SNAPSHOTS = 3          # monthly snapshots per backtest test window
MAX_TEST_SNAPSHOTS = 12
MIN_ROC_AUC = 0.70
MAX_SPREAD = 0.10
#: history looked at, at most (older snapshots say little about today and cost time)
MAX_HISTORY_MONTHS = 36
#: bands: high = among the top 10% and at least twice the base rate, or HIGH_P and above;
#: medium = above the base rate (the average of the labelled rows); low otherwise
TOP_SHARE = 0.10
HIGH_P = 0.5
#: departments need this many scored people for their expected leavers to be shown
MIN_GROUP = 5
C_REGULARISATION = 1.0


# --- panel --------------------------------------------------------------------------------------


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return _month_end(date(d.year + m // 12, m % 12 + 1, 1))


def snapshots(as_of: date) -> list[date]:
    """Month ends from the start of the learning history (at most 36 months back) up to `as_of`, and `as_of`."""
    first_week = db.session.execute(
        select(func.min(EngagementWeek.week_start)).where(EngagementWeek.week_start <= as_of)).scalar()
    floor = _add_months(as_of, -MAX_HISTORY_MONTHS)
    if first_week is None:
        first_hire = db.session.execute(
            select(func.min(EmploymentSpell.hire_date)).where(EmploymentSpell.hire_date <= as_of)).scalar()
        start = max(_month_end(first_hire), floor) if first_hire else as_of
    else:
        # the first month end with 4 complete weeks of history behind it
        start = max(_month_end(first_week + timedelta(days=34)), floor)
    out, t = [], start
    while t < as_of:
        out.append(t)
        t = _add_months(t, 1)
    out.append(as_of)
    return out


def _end_of_day(d: date) -> datetime:
    return datetime.combine(d + timedelta(days=1), time.min, tzinfo=UTC)


def _engagement(snaps: list[date]) -> pd.DataFrame:
    """Per snapshot and person: learning activity in the complete weeks before the snapshot (a
    week counts when it ended on or before the snapshot day), aggregated in SQL in one query.

    Columns: i (index into `snaps`), user_id, aw4/aw12 (active weeks), st4/st12/st52 (statements in
    4, 12 and 52 weeks), completions_12w, forum_12w, plan_items_12w, mentoring_90d, checkins_90d,
    last_week (the last week with statements) and last_at (the last statement's time)."""
    ew = EngagementWeek
    # the window bounds as plain dates per snapshot: no date arithmetic in SQL (SQLite and PostgreSQL differ)
    parts = []
    for i, t in enumerate(snaps):
        last_full = t - timedelta(days=6)
        parts.append(select(*[literal(v, type_).label(name) for name, v, type_ in (
            ("i", i, Integer), ("last_full", last_full, Date),
            ("lo52", last_full - timedelta(days=364), Date), ("lo4", last_full - timedelta(days=28), Date),
            ("lo12", last_full - timedelta(days=84), Date), ("lo13", last_full - timedelta(days=91), Date))]))
    win = union_all(*parts).cte("risk_snapshots") if len(parts) > 1 else parts[0].cte("risk_snapshots")

    def window(lo, col):
        return func.sum(case((ew.week_start > lo, col), else_=0))

    active = case((ew.active_days > 0, 1), else_=0)
    rows = db.session.execute(
        select(
            win.c.i,
            ew.user_id,
            window(win.c.lo4, active).label("aw4"),
            window(win.c.lo12, active).label("aw12"),
            window(win.c.lo4, ew.statements).label("st4"),
            window(win.c.lo12, ew.statements).label("st12"),
            func.sum(ew.statements).label("st52"),
            window(win.c.lo12, ew.completions).label("completions_12w"),
            window(win.c.lo12, ew.forum_posts + ew.forum_replies).label("forum_12w"),
            window(win.c.lo12, ew.plan_items_done).label("plan_items_12w"),
            window(win.c.lo13, ew.mentoring_sessions).label("mentoring_90d"),
            window(win.c.lo13, ew.checkins_held).label("checkins_90d"),
            func.max(case((ew.statements > 0, ew.week_start))).label("last_week"),
            func.max(ew.last_at).label("last_at"),
        )
        .select_from(win)
        .join(ew, and_(ew.week_start <= win.c.last_full, ew.week_start > win.c.lo52))
        .group_by(win.c.i, ew.user_id)
    ).all()
    cols = ["i", "user_id", "aw4", "aw12", "st4", "st12", "st52", "completions_12w", "forum_12w", "plan_items_12w",
            "mentoring_90d", "checkins_90d", "last_week", "last_at"]
    return pd.DataFrame(rows, columns=cols)


def _spells(as_of: date) -> pd.DataFrame:
    s = EmploymentSpell
    rows = db.session.execute(
        select(s.id, s.user_id, s.hire_date, s.end_date, s.end_type, s.department_id, s.manager_id)
        .where(s.hire_date <= as_of)
    ).all()
    df = pd.DataFrame(rows, columns=["spell_id", "user_id", "hire_date", "end_date", "end_type", "department_id",
                                     "manager_id"])
    df["end_type"] = df["end_type"].map(lambda e: e.value if isinstance(e, EndType) else e)
    for c in ("hire_date", "end_date"):
        df[c] = pd.to_datetime(df[c])
    return df


def _enps_by_department() -> pd.DataFrame:
    """eNPS of each sealed round per department exactly as the pulse results show it (the department
    with its sub-departments, at least 5 respondents, and not derivable from the other groups shown):
    a figure the results hide must not reappear in a person's factors (group-level only)."""
    from . import pulse

    rounds = db.session.execute(select(PulseRound).where(PulseRound.is_sealed.is_(True))
                                .order_by(PulseRound.closes_on, PulseRound.id)).scalars().all()
    rows = [(rnd.closes_on, res.key, res.n, res.enps) for rnd in rounds for res in pulse.round_results(rnd)
            if isinstance(res.key, int) and res.is_shown and res.enps is not None]
    df = pd.DataFrame(rows, columns=["closes_on", "department_id", "n", "enps"])
    df["closes_on"] = pd.to_datetime(df["closes_on"])
    return df.sort_values("closes_on", kind="stable")


def _naive_utc(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values), utc=True).dt.tz_convert(None)


def _goals() -> pd.DataFrame:
    from plans.devplans.models import DevelopmentPlan, Goal

    rows = db.session.execute(
        select(DevelopmentPlan.user_id, Goal.created_at, Goal.completed_at)
        .join(Goal, Goal.plan_id == DevelopmentPlan.id)).all()
    df = pd.DataFrame(rows, columns=["user_id", "created_at", "completed_at"])
    df["created_at"] = _naive_utc(df["created_at"])
    df["completed_at"] = _naive_utc(df["completed_at"])
    return df


def _onboarding_tasks(since: date) -> pd.DataFrame:
    from lms.onboarding.models import OnboardingPlan, PlanTask

    rows = db.session.execute(
        select(OnboardingPlan.spell_id, OnboardingPlan.starts_on, PlanTask.completed_at)
        .join(PlanTask, PlanTask.plan_id == OnboardingPlan.id)
        .where(OnboardingPlan.starts_on >= since)).all()
    df = pd.DataFrame(rows, columns=["spell_id", "starts_on", "completed_at"])
    df["starts_on"] = pd.to_datetime(df["starts_on"])
    df["completed_at"] = _naive_utc(df["completed_at"])
    return df


def build_panel(as_of: date, horizon_days: int = 90) -> pd.DataFrame:
    """One row per person employed at each snapshot (`snapshots(as_of)`), with the features and,
    where the horizon has fully passed by `as_of`, the label (1 = left voluntarily within it).

    Columns: user_id, snapshot (a date), department_id, the FEATURES, label (float, NaN = not
    yet known) and activity_ratio (last 4 weeks over the usual level, for the explanations).
    """
    spells = _spells(as_of)
    snaps = snapshots(as_of)
    empty = pd.DataFrame(columns=["user_id", "snapshot", "department_id", *FEATURES, "label", "activity_ratio"])
    if spells.empty:
        return empty
    as_of_ts = pd.Timestamp(as_of)
    # what happened after as_of is not known at as_of
    future = spells["end_date"] > as_of_ts
    spells.loc[future, ["end_date", "end_type"]] = [pd.NaT, None]
    enps = _enps_by_department()
    goals = _goals()
    onboarding = _onboarding_tasks(snaps[0] - timedelta(days=400))
    onb_total = onboarding.groupby("spell_id").size()
    vol_exits = spells[spells["end_type"] == EndType.voluntary.value]
    frames = []
    eng_cols = ["aw4", "aw12", "st4", "st12", "st52", "completions_12w", "forum_12w", "plan_items_12w",
                "mentoring_90d", "checkins_90d"]
    for i, t in enumerate(snaps):
        ts = pd.Timestamp(t)
        emp = spells[(spells["hire_date"] <= ts) & (spells["end_date"].isna() | (spells["end_date"] > ts))]
        emp = emp.sort_values("hire_date").drop_duplicates("user_id", keep="last")
        if emp.empty:
            continue
        # label: voluntary exit within (t, t + h]; involuntary within it: row dropped
        within = emp["end_date"].notna() & (emp["end_date"] <= ts + pd.Timedelta(days=horizon_days))
        emp = emp[~(within & (emp["end_type"] == EndType.involuntary.value))].copy()
        within = within.loc[emp.index]
        if t + timedelta(days=horizon_days) <= as_of:
            emp["label"] = (within & (emp["end_type"] == EndType.voluntary.value)).astype(float)
        else:
            emp["label"] = np.nan
        emp["snapshot"] = t
        emp["ts"] = ts
        # manager: voluntary leavers of the team in the previous 12 months, the person excluded
        left = vol_exits[(vol_exits["end_date"] > ts - pd.Timedelta(days=365)) & (vol_exits["end_date"] <= ts)
                         & vol_exits["manager_id"].notna()]
        emp["manager_span"] = emp.groupby("manager_id")["user_id"].transform("size")
        emp["team_leavers"] = emp["manager_id"].map(left.groupby("manager_id").size())
        if not left.empty:
            own = left.groupby(["manager_id", "user_id"]).size().rename("own_left").reset_index()
            emp = emp.merge(own, on=["manager_id", "user_id"], how="left")
        else:
            emp["own_left"] = 0.0
        # department eNPS: the latest sealed round that closed before t
        known = enps[enps["closes_on"] < ts].drop_duplicates("department_id", keep="last")
        emp["dept_enps"] = emp["department_id"].map(known.set_index("department_id")["enps"])
        # development plan: a goal set before t and not completed before t
        t_end = pd.Timestamp(_end_of_day(t)).tz_convert(None)
        open_goals = goals[(goals["created_at"] < t_end)
                           & (goals["completed_at"].isna() | (goals["completed_at"] >= t_end))]
        emp["has_devplan"] = emp["user_id"].isin(set(open_goals["user_id"])).astype(float)
        # onboarding: share of the plan's tasks done by day 90 (or by t, if earlier)
        if not onboarding.empty:
            cutoff = (onboarding["starts_on"] + pd.Timedelta(days=91)).clip(upper=t_end)
            done = onboarding[onboarding["completed_at"].notna() & (onboarding["completed_at"] < cutoff)]
            share = done.groupby("spell_id").size().reindex(onb_total.index, fill_value=0) / onb_total
            emp["onboarding_share"] = emp["spell_id"].map(share)
        else:
            emp["onboarding_share"] = np.nan
        emp["i"] = i
        frames.append(emp)
    if not frames:
        return empty
    df = pd.concat(frames, ignore_index=True).merge(_engagement(snaps), on=["i", "user_id"], how="left")
    tenure_days = (df["ts"] - df["hire_date"]).dt.days
    df["tenure_months"] = tenure_days / 30.44
    df["first_year"] = (tenure_days < 365).astype(float)
    for c in eng_cols:
        df[c] = pd.to_numeric(df[c]).fillna(0.0).astype(float)
    df["active_weeks_4w"] = df["aw4"] / 4
    df["active_weeks_12w"] = df["aw12"] / 12
    df["log_statements_4w"] = np.log1p(df["st4"])
    df["log_statements_12w"] = np.log1p(df["st12"])
    # the person's usual weekly level: weeks 5-52 before t that they were employed
    base = (df["st52"] - df["st4"]) / ((tenure_days - 34) / 7).clip(lower=1, upper=48)
    recent = df["st4"] / 4
    df["activity_trend"] = np.log((recent + 1) / (base + 1))
    df["activity_ratio"] = (recent / base.where(base > 0)).astype(float)
    last_at = _naive_utc(df["last_at"]).dt.normalize()
    last = last_at.where(last_at.notna(), pd.to_datetime(df["last_week"]) + pd.Timedelta(days=6))
    df["days_since_activity"] = (df["ts"] - last).dt.days.clip(lower=0, upper=365).fillna(365).astype(float)
    has_manager = df["manager_id"].notna()
    leavers = (df["team_leavers"].fillna(0) - df["own_left"].fillna(0)).astype(float)
    team = (df["manager_span"].fillna(1) - 1).clip(lower=0) + leavers
    df["manager_team_turnover"] = np.where(has_manager & (team > 0), leavers / team.where(team > 0), 0.0)
    df["manager_span"] = np.where(has_manager, df["manager_span"].fillna(0), 0.0).astype(float)
    df["dept_enps"] = df["dept_enps"].astype(float)
    df["onboarding_gap"] = ((1 - df["onboarding_share"].astype(float)).fillna(0) * df["first_year"]).astype(float)
    return df[["user_id", "snapshot", "department_id", *FEATURES, "label", "activity_ratio"]]

# --- model --------------------------------------------------------------------------------------


@dataclass
class FittedModel:
    """Median imputation, standardisation and an L2 logistic regression, in plain numbers."""

    features: list[str]
    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    coef: np.ndarray
    intercept: float

    def _z(self, df: pd.DataFrame) -> np.ndarray:
        x = df[self.features].to_numpy(dtype=float)
        x = np.where(np.isnan(x), self.medians, x)
        return (x - self.means) / self.scales

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self._z(df) @ self.coef + self.intercept)))

    def contributions(self, df: pd.DataFrame) -> np.ndarray:
        """coef × standardised value: each feature's push on the log-odds, relative to the average person."""
        return self._z(df) * self.coef

    def as_json(self) -> dict:
        return {"features": self.features, "medians": self.medians.tolist(), "means": self.means.tolist(),
                "scales": self.scales.tolist(), "coef": self.coef.tolist(), "intercept": self.intercept,
                "C": C_REGULARISATION}


def usable_features(df: pd.DataFrame) -> list[str]:
    """The FEATURES that vary in `df` (a constant one carries no information)."""
    return [f for f in FEATURES if df[f].dropna().nunique() > 1]


def fit(df: pd.DataFrame, features: list[str]) -> FittedModel:
    from sklearn.linear_model import LogisticRegression

    x = df[features].to_numpy(dtype=float)
    medians = np.nanmedian(x, axis=0) if len(x) else np.zeros(len(features))
    medians = np.where(np.isnan(medians), 0.0, medians)
    x = np.where(np.isnan(x), medians, x)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales = np.where(scales > 0, scales, 1.0)
    lr = LogisticRegression(C=C_REGULARISATION, max_iter=1000)
    lr.fit((x - means) / scales, df["label"].to_numpy(dtype=int))
    return FittedModel(features, medians, means, scales, lr.coef_[0].copy(), float(lr.intercept_[0]))


def bands(p: np.ndarray, base_rate: float) -> np.ndarray:
    """low / medium / high: high = top 10% and at least twice the base rate, or >= 50%; medium = above the base rate."""
    p = np.asarray(p, dtype=float)
    if len(p) == 0:
        return np.array([], dtype=object)
    k = max(1, math.ceil(TOP_SHARE * len(p)))
    cut = np.sort(p)[::-1][k - 1]
    high = ((p >= cut) & (p >= 2 * base_rate)) | (p >= HIGH_P)
    return np.where(high, "high", np.where(p >= base_rate, "medium", "low"))


def _metrics(y: np.ndarray, p: np.ndarray) -> dict:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    k = max(1, math.ceil(TOP_SHARE * len(y)))
    top = np.argsort(-p, kind="stable")[:k]
    return {"roc_auc": float(roc_auc_score(y, p)), "pr_auc": float(average_precision_score(y, p)),
            "precision_top10": float(y[top].mean()), "brier": float(brier_score_loss(y, p)),
            "n": int(len(y)), "positives": int(y.sum())}


METRICS = ("roc_auc", "pr_auc", "precision_top10", "brier")


def _summary(method: str, folds: list[dict], ys: list, ps: list, features: list[str], base_rate: float,
             **extra) -> dict:
    out = {"method": method, "n": int(sum(f["n"] for f in folds)), "positives": int(sum(f["positives"] for f in folds))}
    spread = {}
    for m in METRICS:
        vals = [f[m] for f in folds]
        out[m] = round(float(np.mean(vals)), 4)
        spread[m] = round(float(np.std(vals, ddof=1)), 4) if len(vals) > 1 else 0.0
    out["features"] = features
    out["spread"] = spread
    out["folds"] = folds
    out["base_rate"] = round(base_rate, 4)
    y, p = np.concatenate(ys), np.concatenate(ps)
    b = bands(p, base_rate)
    out["calibration"] = [
        {"band": name, "n": int((b == name).sum()),
         "predicted": round(float(p[b == name].mean()), 4) if (b == name).any() else None,
         "observed": round(float(y[b == name].mean()), 4) if (b == name).any() else None}
        for name in ("low", "medium", "high")
    ]
    out.update(extra)
    return out


def _insufficient(message: str, features: list[str], n: int, positives: int, **extra) -> dict:
    return {"method": "insufficient", "n": n, "positives": positives, "roc_auc": None, "pr_auc": None,
            "precision_top10": None, "brier": None, "features": features, "message": message, **extra}


def _backtest(lab: pd.DataFrame, snaps: list, horizon_days: int, features: list[str], base_rate: float) -> dict | None:
    n_test = min(MAX_TEST_SNAPSHOTS, len(snaps) - 6) // FOLD_SNAPSHOTS * FOLD_SNAPSHOTS
    if len(snaps) < MIN_BACKTEST_SNAPSHOTS or n_test < 2 * FOLD_SNAPSHOTS:
        return None
    test_snaps = snaps[-n_test:]
    folds, ys, ps = [], [], []
    for i in range(0, n_test, FOLD_SNAPSHOTS):
        window = test_snaps[i:i + FOLD_SNAPSHOTS]
        origin = window[0]
        # trained only on rows whose label was known at the window's first snapshot
        train = lab[lab["snapshot"].map(lambda s: s + timedelta(days=horizon_days) <= origin)]
        test = lab[lab["snapshot"].isin(window)]
        y = test["label"].to_numpy(dtype=int)
        if train["label"].sum() < MIN_POSITIVES or y.sum() == 0 or y.sum() == len(y):
            continue
        model = fit(train, features)
        p = model.predict(test)
        m = _metrics(y, p)
        m.update({"train_until": str(max(s for s in snaps if s + timedelta(days=horizon_days) <= origin)),
                  "test_from": str(window[0]), "test_to": str(window[-1]), "train_n": int(len(train)),
                  "train_positives": int(train["label"].sum())})
        folds.append({k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()})
        ys.append(y)
        ps.append(p)
    if len(folds) < 2 or sum(f["positives"] for f in folds) < MIN_TEST_POSITIVES:
        return None
    return _summary("backtest", folds, ys, ps, features, base_rate,
                    train_period=[str(snaps[0]), folds[-1]["train_until"]],
                    test_period=[folds[0]["test_from"], folds[-1]["test_to"]])


def _cv(lab: pd.DataFrame, snaps: list, features: list[str], base_rate: float) -> dict | None:
    from sklearn.model_selection import StratifiedGroupKFold

    # the latest labelled snapshot, widened back one month at a time until it holds 20 leavers
    use = []
    for s in reversed(snaps):
        use.append(s)
        if lab[lab["snapshot"].isin(use)]["label"].sum() >= MIN_TEST_POSITIVES or len(use) >= MAX_TEST_SNAPSHOTS:
            break
    data = lab[lab["snapshot"].isin(use)].reset_index(drop=True)
    y_all = data["label"].to_numpy(dtype=int)
    positives = int(y_all.sum())
    if positives < MIN_POSITIVES:
        return None
    k = min(5, positives)
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=0)
    folds, ys, ps = [], [], []
    for train_idx, test_idx in splitter.split(data, y_all, groups=data["user_id"]):
        train, test = data.iloc[train_idx], data.iloc[test_idx]
        y = y_all[test_idx]
        if train["label"].sum() == 0 or y.sum() == 0 or y.sum() == len(y):
            continue
        p = fit(train, features).predict(test)
        m = _metrics(y, p)
        folds.append({k2: (round(v, 4) if isinstance(v, float) else v) for k2, v in m.items()})
        ys.append(y)
        ps.append(p)
    if len(folds) < 2:
        return None
    return _summary("cv", folds, ys, ps, features, base_rate, k=k,
                    snapshots=[str(min(use)), str(max(use))],
                    note="Too little history for a backtest on later periods: stratified k-fold at the latest "
                         "labelled snapshots, grouped by person.")


def evaluate_panel(panel: pd.DataFrame, horizon_days: int = 90) -> dict:
    """Validation figures of the model on a panel (see `evaluate`)."""
    lab = panel[panel["label"].notna()]
    features = usable_features(lab) if not lab.empty else []
    n, positives = int(len(lab)), int(lab["label"].sum()) if not lab.empty else 0
    if positives < MIN_POSITIVES or not features:
        return _insufficient(
            f"Not enough history yet: {positives} voluntary leavers in {n} labelled person-months; "
            f"at least {MIN_POSITIVES} are needed to train and check a model.", features, n, positives)
    base_rate = float(lab["label"].mean())
    snaps = sorted(lab["snapshot"].unique())
    result = _backtest(lab, snaps, horizon_days, features, base_rate) or _cv(lab, snaps, features, base_rate)
    if result is None:
        return _insufficient(
            f"Not enough history yet: {positives} voluntary leavers in {n} labelled person-months are too few "
            f"to check the model on data it was not trained on.", features, n, positives)
    result["labelled_rows"] = n
    result["labelled_positives"] = positives
    result["labelled_snapshots"] = len(snaps)
    return result


def evaluate(as_of: date, horizon_days: int = 90) -> dict:
    """Validation of the early-warning model at `as_of`: method (backtest, cv or insufficient), n,
    positives, roc_auc, pr_auc, precision_top10, brier (means over folds), features, and spread,
    folds, calibration by band, periods and base_rate; figures are None when insufficient."""
    result = evaluate_panel(build_panel(as_of, horizon_days), horizon_days)
    result.update({"as_of": str(as_of), "horizon_days": horizon_days})
    return result


# --- scoring ------------------------------------------------------------------------------------


def gate(metrics: dict) -> tuple[RiskRunStatus, str]:
    """Whether the validation is good enough to show scores, and why not."""
    if metrics["method"] == "insufficient":
        return RiskRunStatus.insufficient, metrics.get("message", "")
    auc, spread = metrics["roc_auc"], metrics.get("spread", {}).get("roc_auc", 0.0)
    if auc < MIN_ROC_AUC:
        return RiskRunStatus.gated, (f"ROC AUC {auc:.2f} on data the model was not trained on is below "
                                     f"{MIN_ROC_AUC:.2f}: the scores would not be reliable enough to show.")
    if spread > MAX_SPREAD:
        return RiskRunStatus.gated, (f"The model's ROC AUC varies by {spread:.2f} between validation folds (more "
                                     f"than {MAX_SPREAD:.2f}): too unstable to show scores.")
    return RiskRunStatus.scored, ""


TOP_FACTORS = 3


def score(as_of: date, horizon_days: int = 90) -> RiskRun:
    """Validate, gate and, if good enough, score everyone employed at `as_of` (without a recorded end date).

    Idempotent per as_of and horizon: a rerun replaces that day's run in place (scores updated per
    person; a score HR gave feedback on is kept, marked "withdrawn", when the person is no longer scored).
    Adds and flushes; the caller commits.
    """
    panel = build_panel(as_of, horizon_days)
    metrics = evaluate_panel(panel, horizon_days)
    metrics.update({"as_of": str(as_of), "horizon_days": horizon_days})
    status, message = gate(metrics)
    run = db.session.execute(select(RiskRun).where(RiskRun.as_of == as_of, RiskRun.horizon_days == horizon_days)
                             .order_by(RiskRun.id)).scalars().first()
    if run is None:
        run = RiskRun(as_of=as_of, horizon_days=horizon_days)
        db.session.add(run)
    run.status, run.metrics, run.message, run.model = status, _jsonable(metrics), message[:500], {}
    run.created_at = datetime.now(UTC)
    db.session.flush()
    new: dict[int, dict] = {}
    if status is RiskRunStatus.scored:
        lab = panel[panel["label"].notna()]
        model = fit(lab, metrics["features"])
        base_rate = float(lab["label"].mean())
        current = panel[panel["snapshot"] == as_of]
        recorded_end = set(db.session.execute(
            select(EmploymentSpell.user_id).where(EmploymentSpell.end_date.is_not(None),
                                                  EmploymentSpell.end_date > as_of)).scalars())
        current = current[~current["user_id"].isin(recorded_end)].reset_index(drop=True)
        p = model.predict(current)
        band = bands(p, base_rate)
        contrib = model.contributions(current)
        typical = dict(zip(model.features, model.means))
        for i, row in current.iterrows():
            factors = explain(model.features, contrib[i], row, typical)
            new[int(row["user_id"])] = {"probability": round(float(p[i]), 4), "band": str(band[i]),
                                        "factors": factors, "department_id": _plain(row["department_id"])}
        run.model = _jsonable({**model.as_json(), "base_rate": base_rate, "top_share": TOP_SHARE, "high_p": HIGH_P,
                               "scored": len(new)})
    _replace_scores(run, new)
    db.session.flush()
    return run


#: correlated measures of the same thing are explained together: their contributions are summed,
#: so a model that splits one signal over several inputs (with opposite signs) still reads plainly
ACTIVITY = ("active_weeks_4w", "active_weeks_12w", "log_statements_4w", "log_statements_12w", "days_since_activity")
TENURE = ("tenure_months", "first_year")


def explain(features: list[str], contrib: np.ndarray, row, typical: dict) -> list[dict]:
    """The top 3 groups of inputs that raise this person's estimate above the average person's:
    [{"feature", "value", "effect" (log-odds), ...details}], largest first; none that lower it."""
    groups: dict[str, dict] = {}
    for f, c in zip(features, contrib):
        if f in ACTIVITY:
            g = groups.setdefault("learning_activity", {
                "feature": "learning_activity", "value": _plain(math.expm1(row["log_statements_12w"])),
                "effect": 0.0, "statements_4w": _plain(math.expm1(row["log_statements_4w"])),
                "typical_12w": _plain(math.expm1(typical["log_statements_12w"])) if "log_statements_12w" in typical else None,
                "days_since_activity": _plain(row["days_since_activity"])})
        elif f in TENURE:
            g = groups.setdefault("tenure_months", {"feature": "tenure_months", "value": _plain(row["tenure_months"]),
                                                    "effect": 0.0})
        else:
            g = groups.setdefault(f, {"feature": f, "value": _plain(row[f]), "effect": 0.0,
                                      **({"ratio": _plain(row["activity_ratio"])} if f == "activity_trend" else {})})
        g["effect"] += float(c)
    ranked = sorted(groups.values(), key=lambda g: -g["effect"])
    out = []
    for g in ranked[:TOP_FACTORS]:
        if g["effect"] > 0:
            g["effect"] = round(g["effect"], 3)
            out.append(g)
    return out


def _replace_scores(run: RiskRun, new: dict[int, dict]) -> None:
    existing = {s.user_id: s for s in db.session.execute(select(RiskScore).where(RiskScore.run_id == run.id)).scalars()}
    with_feedback = set(db.session.execute(
        select(RiskFeedback.score_id).join(RiskScore, RiskScore.id == RiskFeedback.score_id)
        .where(RiskScore.run_id == run.id)).scalars())
    stale = [s.id for uid, s in existing.items() if uid not in new and s.id not in with_feedback]
    if stale:
        db.session.execute(delete(RiskScore).where(RiskScore.id.in_(stale)), execution_options={"synchronize_session": "fetch"})
    for uid, s in existing.items():
        if uid not in new and s.id in with_feedback:
            s.band = "withdrawn"
    rows = []
    for uid, values in new.items():
        if uid in existing:
            for k, v in values.items():
                setattr(existing[uid], k, v)
        else:
            rows.append({"run_id": run.id, "user_id": uid, **values})
    if rows:
        from sqlalchemy import insert

        db.session.execute(insert(RiskScore), rows)


def _plain(v):
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else round(float(v), 4)
    return v


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    if isinstance(obj, (np.integer, np.floating, float)):
        return _plain(obj)
    return obj


# --- reading runs -------------------------------------------------------------------------------


SHOWN_BANDS = ("low", "medium", "high")


def latest_run() -> RiskRun | None:
    return db.session.execute(select(RiskRun).order_by(RiskRun.as_of.desc(), RiskRun.id.desc()).limit(1)).scalar_one_or_none()


def department_expected(run: RiskRun) -> list[tuple[int, int, float]]:
    """(department id, scored people, expected voluntary leavers = sum of probabilities) for
    departments with at least 5 scored people outside the high band, most expected first: the
    high-risk list shows its people's probabilities, so a sum of fewer than 5 others could be
    worked out from it and would be an unaudited view of their scores."""
    not_high = func.sum(case((RiskScore.band != "high", 1), else_=0))
    rows = db.session.execute(
        select(RiskScore.department_id, func.count(), func.sum(RiskScore.probability))
        .where(RiskScore.run_id == run.id, RiskScore.band.in_(SHOWN_BANDS), RiskScore.department_id.is_not(None))
        .group_by(RiskScore.department_id)
        .having(not_high >= MIN_GROUP)
    ).all()
    return sorted(((d, int(n), float(s)) for d, n, s in rows), key=lambda r: -r[2])


def high_scores_query(run: RiskRun):
    return (select(RiskScore).where(RiskScore.run_id == run.id, RiskScore.band == "high")
            .order_by(RiskScore.probability.desc(), RiskScore.id))


def person_scores(user_id: int) -> list[RiskScore]:
    """A person's scores in runs that showed scores, newest first."""
    return list(db.session.execute(
        select(RiskScore).join(RiskRun, RiskRun.id == RiskScore.run_id)
        .where(RiskScore.user_id == user_id, RiskRun.status == RiskRunStatus.scored,
               RiskScore.band.in_(SHOWN_BANDS))
        .order_by(RiskRun.as_of.desc(), RiskRun.id.desc())).scalars())


# --- explanations -------------------------------------------------------------------------------


FEATURE_LABELS = {
    "learning_activity": _l("Learning activity"),
    "active_weeks_4w": _l("Active weeks, last 4 weeks"),
    "active_weeks_12w": _l("Active weeks, last 12 weeks"),
    "log_statements_4w": _l("Learning activities, last 4 weeks"),
    "log_statements_12w": _l("Learning activities, last 12 weeks"),
    "activity_trend": _l("Learning activity against their usual level"),
    "days_since_activity": _l("Days since the last learning activity"),
    "completions_12w": _l("Completions, last 12 weeks"),
    "forum_12w": _l("Forum posts and replies, last 12 weeks"),
    "plan_items_12w": _l("Development-plan items done, last 12 weeks"),
    "mentoring_90d": _l("Mentoring sessions, last 3 months"),
    "checkins_90d": _l("1:1 check-ins, last 3 months"),
    "tenure_months": _l("Months in the organisation"),
    "first_year": _l("In the first year"),
    "onboarding_gap": _l("Onboarding tasks not done by day 90"),
    "manager_span": _l("Manager's number of direct reports"),
    "manager_team_turnover": _l("Voluntary turnover in the manager's team, last 12 months"),
    "dept_enps": _l("Department eNPS"),
    "has_devplan": _l("Active development plan"),
}


def factor_text(factor: dict) -> str:
    """One factor in plain words, in the reader's language."""
    f, v = factor.get("feature"), factor.get("value")
    if v is None:
        return str(FEATURE_LABELS.get(f, f))
    if f == "activity_trend":
        ratio = factor.get("ratio")
        if ratio is None:
            return _("Learning activity is new or unusual compared with their earlier weeks")
        if ratio < 0.05:
            return _("Learning activity stopped compared with their usual level")
        if ratio < 1:
            return _("Learning activity fell to %(pct)d%% of their usual level", pct=round(100 * ratio))
        return _("Learning activity rose to %(pct)d%% of their usual level", pct=round(100 * ratio))
    if f == "learning_activity":
        days = factor.get("days_since_activity")
        if not v or days is None or days >= 365:
            return _("No learning activity in the last year")
        typical = factor.get("typical_12w")
        text = _("Learning activities in the last 12 weeks: %(n)d (typical: %(typical)d); the last one %(days)d days ago",
                 n=round(v), typical=round(typical or 0), days=round(days))
        return text
    if f == "checkins_90d":
        return _("No 1:1 check-in for 3 months") if v == 0 else _("1:1 check-ins in the last 3 months: %(n)d", n=round(v))
    if f == "mentoring_90d":
        return _("No mentoring in the last 3 months") if v == 0 else _("Mentoring sessions in the last 3 months: %(n)d", n=round(v))
    if f == "completions_12w":
        return _("No courses or activities completed in 12 weeks") if v == 0 else _("Completions in the last 12 weeks: %(n)d", n=round(v))
    if f == "forum_12w":
        return _("No forum posts or replies in 12 weeks") if v == 0 else _("Forum posts and replies in the last 12 weeks: %(n)d", n=round(v))
    if f == "plan_items_12w":
        return _("No development-plan items done in 12 weeks") if v == 0 else _("Development-plan items done in the last 12 weeks: %(n)d", n=round(v))
    if f == "tenure_months":
        if v < 12:
            return ngettext("In their first year (%(num)d month)", "In their first year (%(num)d months)", round(v))
        return _("Months in the organisation: %(n)d", n=round(v))
    if f == "onboarding_gap":
        return _("Onboarding tasks done by day 90: %(pct)d%%", pct=round(100 * (1 - v)))
    if f == "manager_span":
        return _("No manager recorded") if v == 0 else _("Their manager has %(n)d direct reports", n=round(v))
    if f == "manager_team_turnover":
        return _("Voluntary turnover in their manager's team in the last 12 months: %(pct)d%%", pct=round(100 * v))
    if f == "dept_enps":
        return _("Their department's latest eNPS: %(enps)+d", enps=round(v))
    if f == "has_devplan":
        return _("Has an active development plan") if v else _("No active development plan")
    return str(FEATURE_LABELS.get(f, f))
