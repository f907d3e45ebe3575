"""Retention alerts: what HR should look at, raised nightly and idempotently, each with its evidence.

Five kinds (see `AlertKind`): a person in the high band of the latest scored early-warning run; a
department whose eNPS dropped between two sealed pulse rounds; a department whose sick-absence
rate spiked last month; a manager whose direct reports have had no 1:1 check-in for two months;
and an exit reason that repeats among a department's leavers (computed by `analytics.exits`).

Every alert is keyed by (kind, scope, scope id, period), so running `raise_alerts` twice on the
same day (or the task twice) creates nothing new. Group alerts carry only group figures, with the
same thresholds as the pages: eNPS only for at least `pulse.MIN_RESULT` respondents (and never for a
group suppressed against differencing), absence rates only for an average headcount of at least
`MIN_RATE_HEADCOUNT`; absence is never shown per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from flask_babel import format_date, format_decimal, gettext as _, lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.people.models import Department, EmploymentSpell, User, utcnow
from lms.people.service import ValidationError, is_latest_spell
from plans.checkins.models import MeetingStatus, OneOnOne, OneOnOnePair

from . import pulse
from .models import (
    Absence,
    AbsenceType,
    AlertKind,
    AlertStatus,
    PulseRound,
    PulseSurvey,
    RetentionAlert,
    RiskRun,
    RiskRunStatus,
    RiskScore,
)

#: an eNPS drop of at least this many points between two sealed rounds raises an alert
ENPS_DROP_POINTS = 10
#: last month's sick-absence rate must be at least this multiple of the trailing average ...
ABSENCE_RATIO = 1.5
#: ... and at least this many percentage points above it
ABSENCE_MIN_RISE_PP = 2.0
#: months in the trailing average
ABSENCE_TRAILING_MONTHS = 6
#: rates (turnover, absence) only for groups with at least this average headcount
MIN_RATE_HEADCOUNT = 10
#: a report counts as missed after this many months without a held 1:1
MISSED_MONTHS = 2
#: a manager is flagged when at least this share of their direct reports missed (and at least one)
MISSED_SHARE = 0.5
#: the early-warning band that raises a person alert
HIGH_BAND = "high"

#: the order the alert centre lists the kinds in
KIND_ORDER = (AlertKind.high_risk, AlertKind.missed_checkins, AlertKind.enps_drop, AlertKind.absence_spike,
              AlertKind.exit_reason)


def kind_labels() -> dict[AlertKind, str]:
    return {
        AlertKind.high_risk: _("High risk of leaving"),
        AlertKind.enps_drop: _("eNPS drop"),
        AlertKind.absence_spike: _("Sick-absence spike"),
        AlertKind.missed_checkins: _("Missed check-ins"),
        AlertKind.exit_reason: _("Repeated exit reason"),
    }


# --- dates ----------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or that month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return add_months(month_start(day), 1) - timedelta(days=1)


def month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


# --- get-or-create --------------------------------------------------------------------------------


def _raise(kind: AlertKind, scope: str, scope_id: int, period: str, details: dict) -> bool:
    """Create the alert unless one with the same key exists; True when created.

    The insert runs in a savepoint: if a concurrent run inserted the same key first, the unique
    constraint fails only the savepoint and this run carries on (safe on PostgreSQL and SQLite).
    """
    exists = db.session.execute(select(RetentionAlert.id).where(
        RetentionAlert.kind == kind, RetentionAlert.scope == scope, RetentionAlert.scope_id == scope_id,
        RetentionAlert.period == period)).first()
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(RetentionAlert(kind=kind, scope=scope, scope_id=scope_id, period=period[:40],
                                          details=details, status=AlertStatus.open))
    except IntegrityError:
        return False
    return True


def _open_ids(kind: AlertKind, scope: str) -> set[int]:
    """Scope ids with an open alert of this kind (HR has not acted on or dismissed it yet)."""
    return set(db.session.execute(select(RetentionAlert.scope_id).where(
        RetentionAlert.kind == kind, RetentionAlert.scope == scope, RetentionAlert.status == AlertStatus.open)).scalars())


def _raise_many(kind: AlertKind, scope: str, items: list[tuple[int, str, dict]]) -> int:
    """`_raise` for many alerts of one kind: keys already stored are skipped in one query, and the
    rest go in with INSERT ... ON CONFLICT DO NOTHING (PostgreSQL, SQLite), so a concurrent run
    cannot make a duplicate; returns how many were created."""
    if not items:
        return 0
    stored = set(db.session.execute(select(RetentionAlert.scope_id, RetentionAlert.period).where(
        RetentionAlert.kind == kind, RetentionAlert.scope == scope)).tuples())
    rows, seen = [], set()
    for scope_id, period, details in items:
        key = (scope_id, period[:40])
        if key in stored or key in seen:
            continue
        seen.add(key)
        rows.append({"kind": kind, "scope": scope, "scope_id": scope_id, "period": key[1], "details": details,
                     "status": AlertStatus.open, "created_at": utcnow()})
    dialect = db.session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        return sum(_raise(kind, scope, r["scope_id"], r["period"], r["details"]) for r in rows)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    created = 0
    for start in range(0, len(rows), 500):
        stmt = insert(RetentionAlert).values(rows[start:start + 500]).on_conflict_do_nothing(
            index_elements=["kind", "scope", "scope_id", "period"]).returning(RetentionAlert.id)
        created += len(db.session.execute(stmt).all())
    return created


# --- the five kinds -------------------------------------------------------------------------------


def high_risk_alerts(today: date) -> int:
    """People in the high band of the latest scored run; none without a scored run.

    One alert per person and month of the run; a person who already has an open high-risk alert
    gets no second one while HR has not acted on or dismissed the first.
    """
    run = db.session.execute(select(RiskRun).where(RiskRun.status == RiskRunStatus.scored, RiskRun.as_of <= today)
                             .order_by(RiskRun.as_of.desc(), RiskRun.id.desc()).limit(1)).scalar_one_or_none()
    if run is None:
        return 0
    already = _open_ids(AlertKind.high_risk, "person")
    items = []
    for score in db.session.execute(select(RiskScore).where(RiskScore.run_id == run.id, RiskScore.band == HIGH_BAND)
                                    .order_by(RiskScore.probability.desc())).scalars():
        if score.user_id in already:
            continue
        factors = [{"feature": f["feature"], "value": f.get("value")}
                   for f in (score.factors or [])[:3] if isinstance(f, dict) and f.get("feature")]
        details = {"run_id": run.id, "as_of": run.as_of.isoformat(), "horizon_days": run.horizon_days,
                   "probability": round(float(score.probability), 4), "factors": factors}
        items.append((score.user_id, month_key(run.as_of), details))
    return _raise_many(AlertKind.high_risk, "person", items)


def enps_drop_alerts(today: date) -> int:
    """Per survey: each department whose eNPS in the latest sealed round fell by at least
    `ENPS_DROP_POINTS` against the previous sealed round, both shown (>= 5 respondents, not suppressed)."""
    created = 0
    for survey in db.session.execute(select(PulseSurvey).order_by(PulseSurvey.id)).scalars():
        sealed = db.session.execute(
            select(PulseRound).where(PulseRound.survey_id == survey.id, PulseRound.is_sealed.is_(True),
                                     PulseRound.closes_on <= today)
            .order_by(PulseRound.opens_on.desc(), PulseRound.id.desc()).limit(2)).scalars().all()
        if len(sealed) < 2:
            continue
        latest, previous = sealed
        before = {r.key: r for r in pulse.round_results(previous)}
        for after in pulse.round_results(latest):
            prior = before.get(after.key)
            if not isinstance(after.key, int) or prior is None:
                continue
            if not (after.is_shown and prior.is_shown) or after.enps is None or prior.enps is None:
                continue
            if min(after.n, prior.n) < pulse.MIN_RESULT:
                continue
            drop = prior.enps - after.enps
            if drop >= ENPS_DROP_POINTS:
                details = {"survey_id": survey.id, "round_id": latest.id, "previous_round_id": previous.id,
                           "period": latest.period, "previous_period": previous.period,
                           "enps": round(after.enps, 1), "previous_enps": round(prior.enps, 1),
                           "drop": round(drop, 1), "respondents": after.n, "previous_respondents": prior.n}
                created += _raise(AlertKind.enps_drop, "department", after.key, latest.period, details)
    return created


@dataclass
class MonthFigures:
    """Sick-absence figures of one department (with sub-departments) in one month."""

    days_lost: float
    scheduled_days: float
    headcount: float

    @property
    def rate(self) -> float | None:
        return self.days_lost / self.scheduled_days if self.scheduled_days else None


def _weekdays(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Working days (Mon–Fri) from start to end inclusive, 0 where end < start."""
    start = start.astype("datetime64[D]")
    stop = end.astype("datetime64[D]") + np.timedelta64(1, "D")
    counts = np.busday_count(start, np.maximum(stop, start))
    return np.maximum(counts, 0)


def _subtrees() -> dict[int, set[int]]:
    children: dict[int | None, list[int]] = {}
    ids = []
    for dept_id, parent_id in db.session.execute(select(Department.id, Department.parent_id)):
        children.setdefault(parent_id, []).append(dept_id)
        ids.append(dept_id)
    out = {}
    for root in ids:
        seen, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(children.get(node, []))
        out[root] = seen
    return out


def absence_by_month(first: date, last: date) -> dict[int, dict[str, MonthFigures]]:
    """{department id: {"YYYY-MM": figures}} for the months from `first` to `last`, each department
    with its sub-departments. Scheduled days are the working days (Mon–Fri) people were employed
    there; days lost are the working days of sick absence within those days."""
    start, end = month_start(first), month_end(last)
    spells = pd.DataFrame(db.session.execute(
        select(EmploymentSpell.id, EmploymentSpell.user_id, EmploymentSpell.department_id,
               EmploymentSpell.hire_date, EmploymentSpell.end_date)
        .where(EmploymentSpell.hire_date <= end,
               or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= start))
    ).all(), columns=["spell_id", "user_id", "dept", "hire", "end"])
    absences = pd.DataFrame(db.session.execute(
        select(Absence.user_id, Absence.start_date, Absence.end_date)
        .where(Absence.absence_type == AbsenceType.sick, Absence.start_date <= end, Absence.end_date >= start)
    ).all(), columns=["user_id", "a_start", "a_end"])
    out: dict[int, dict[str, MonthFigures]] = {}
    if spells.empty:
        return out
    spells["hire"] = pd.to_datetime(spells["hire"])
    spells["end"] = pd.to_datetime(spells["end"]).fillna(pd.Timestamp(end))
    merged = absences.merge(spells, on="user_id") if not absences.empty else None
    if merged is not None:
        merged["a_start"] = pd.to_datetime(merged["a_start"])
        merged["a_end"] = pd.to_datetime(merged["a_end"])
    subtrees = _subtrees()
    month = start
    while month <= end:
        m0, m1 = pd.Timestamp(month), pd.Timestamp(month_end(month))
        lo = spells["hire"].clip(lower=m0).to_numpy()
        hi = spells["end"].clip(upper=m1).to_numpy()
        scheduled = pd.Series(_weekdays(lo, hi), index=spells.index).groupby(spells["dept"]).sum()
        at_start = ((spells["hire"] <= m0) & (spells["end"] >= m0)).groupby(spells["dept"]).sum()
        at_end = ((spells["hire"] <= m1) & (spells["end"] >= m1)).groupby(spells["dept"]).sum()
        if merged is not None and not merged.empty:
            a_lo = np.maximum.reduce([merged["a_start"].to_numpy(), merged["hire"].to_numpy(),
                                      np.full(len(merged), m0.to_datetime64())])
            a_hi = np.minimum.reduce([merged["a_end"].to_numpy(), merged["end"].to_numpy(),
                                      np.full(len(merged), m1.to_datetime64())])
            lost = pd.Series(_weekdays(a_lo, a_hi), index=merged.index).groupby(merged["dept"]).sum()
        else:
            lost = pd.Series(dtype=float)
        key = month_key(month)
        for dept_id, members in subtrees.items():
            sched = float(sum(scheduled.get(d, 0) for d in members))
            if not sched:
                continue
            heads = (sum(int(at_start.get(d, 0)) for d in members) + sum(int(at_end.get(d, 0)) for d in members)) / 2
            out.setdefault(dept_id, {})[key] = MonthFigures(
                days_lost=float(sum(lost.get(d, 0) for d in members)), scheduled_days=sched, headcount=heads)
        month = add_months(month, 1)
    return out


def _rates_shown(heads: dict[int, float]) -> set:
    """Departments whose absence rate may be stated, from their headcounts (with sub-departments):
    at least 10, and not a parent or sub-department that another shown one could be subtracted
    from to leave fewer than 10 people (`pulse.suppress` on the tree, as on the KPI page)."""
    ids = dict(db.session.execute(select(Department.id, Department.parent_id)).tuples().all())
    parent_of: dict = {pulse.ROOT: None}
    for dept_id, parent_id in ids.items():
        parent_of[dept_id] = parent_id if parent_id in ids else pulse.ROOT
    children: dict = {}
    for dept_id, parent_id in parent_of.items():
        if parent_id is not None:
            children.setdefault(parent_id, []).append(dept_id)
    direct = {d: heads.get(d, 0.0) - sum(heads.get(c, 0.0) for c in children.get(d, [])) for d in ids}
    return pulse.suppress(parent_of, {pulse.ROOT: 0, **direct}, MIN_RATE_HEADCOUNT)


def absence_spike_alerts(today: date) -> int:
    """Departments whose sick-absence rate in the last full month is at least 1.5× the trailing
    six-month rate and at least 2 percentage points higher; average headcount at least 10 in both,
    and neither figure derivable from another department's (`_rates_shown`)."""
    last = add_months(month_start(today), -1)
    first = add_months(last, -ABSENCE_TRAILING_MONTHS)
    figures = absence_by_month(first, last)
    trailing_keys = [month_key(add_months(first, i)) for i in range(ABSENCE_TRAILING_MONTHS)]
    shown_now = _rates_shown({d: m[month_key(last)].headcount for d, m in figures.items() if month_key(last) in m})
    shown_past = _rates_shown({d: sum(m[k].headcount for k in trailing_keys if k in m) / ABSENCE_TRAILING_MONTHS
                               for d, m in figures.items()})
    created = 0
    for dept_id, months in figures.items():
        now = months.get(month_key(last))
        past = [months[k] for k in trailing_keys if k in months]
        if now is None or len(past) < ABSENCE_TRAILING_MONTHS or now.rate is None:
            continue
        if dept_id not in shown_now or dept_id not in shown_past:
            continue
        past_heads = sum(m.headcount for m in past) / len(past)
        if now.headcount < MIN_RATE_HEADCOUNT or past_heads < MIN_RATE_HEADCOUNT:
            continue
        past_sched = sum(m.scheduled_days for m in past)
        past_rate = sum(m.days_lost for m in past) / past_sched if past_sched else 0.0
        rate_pp, past_pp = 100 * now.rate, 100 * past_rate
        if rate_pp >= ABSENCE_RATIO * past_pp and rate_pp - past_pp >= ABSENCE_MIN_RISE_PP:
            details = {"month": month_key(last), "rate_pct": round(rate_pp, 1), "trailing_rate_pct": round(past_pp, 1),
                       "trailing_months": ABSENCE_TRAILING_MONTHS, "headcount": round(now.headcount, 1),
                       "trailing_headcount": round(past_heads, 1)}
            created += _raise(AlertKind.absence_spike, "department", dept_id, month_key(last), details)
    return created


def missed_checkin_counts(today: date) -> dict[int, tuple[int, int]]:
    """{manager id: (direct reports, reports without a held 1:1 with them for MISSED_MONTHS)}.

    Only reports employed and reporting for at least MISSED_MONTHS (by their current spell) count,
    so a new joiner is not a miss.
    """
    cutoff = add_months(today, -MISSED_MONTHS)
    last_held = (
        select(OneOnOnePair.manager_id.label("manager_id"), OneOnOnePair.report_id.label("report_id"),
               func.max(OneOnOne.held_on).label("held_on"))
        .join(OneOnOne, OneOnOne.pair_id == OneOnOnePair.id)
        .where(OneOnOne.status == MeetingStatus.held)
        .group_by(OneOnOnePair.manager_id, OneOnOnePair.report_id)
        .subquery()
    )
    manager = aliased(User)
    rows = db.session.execute(
        select(EmploymentSpell.manager_id, func.count(),
               func.sum(case((or_(last_held.c.held_on.is_(None), last_held.c.held_on <= cutoff), 1), else_=0)))
        .join(User, User.id == EmploymentSpell.user_id)
        .join(manager, manager.id == EmploymentSpell.manager_id)
        .outerjoin(last_held, and_(last_held.c.manager_id == EmploymentSpell.manager_id,
                                   last_held.c.report_id == EmploymentSpell.user_id))
        .where(is_latest_spell(), EmploymentSpell.manager_id.is_not(None), EmploymentSpell.hire_date <= cutoff,
               or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today),
               User.is_active.is_(True), manager.is_active.is_(True))
        .group_by(EmploymentSpell.manager_id)
    ).all()
    return {m: (int(n), int(missed or 0)) for m, n, missed in rows}


def missed_checkin_alerts(today: date) -> int:
    """Managers with at least half of their direct reports (and at least one) without a held 1:1 for two months."""
    already = _open_ids(AlertKind.missed_checkins, "manager")
    items = []
    for manager_id, (reports, missed) in missed_checkin_counts(today).items():
        if missed < 1 or missed < MISSED_SHARE * reports or manager_id in already:
            continue
        items.append((manager_id, month_key(today), {"reports": reports, "missed": missed, "months": MISSED_MONTHS}))
    return _raise_many(AlertKind.missed_checkins, "manager", items)


def exit_reason_alerts(today: date) -> int:
    """Repeated exit reasons, from `analytics.exits.repeated_reason_alerts(today)` when it exists.

    That function creates its alerts itself (with its own "same leavers, no second alert" rule) and
    returns them; dicts with `scope_id`, `period` and `details` are raised here, an int is a count.
    """
    try:
        from .exits import repeated_reason_alerts
    except ImportError:
        return 0
    result = repeated_reason_alerts(today)
    if isinstance(result, int):
        return result
    created = 0
    for item in result or ():
        if isinstance(item, RetentionAlert):
            created += 1
        else:
            created += _raise(AlertKind.exit_reason, item.get("scope", "department"), int(item["scope_id"]),
                              str(item["period"]), dict(item.get("details") or {}))
    return created


def raise_alerts(today: date | None = None) -> int:
    """Raise every kind of alert due on `today`; returns how many were created (0 on a second run)."""
    today = today or date.today()
    created = 0
    for raiser in (high_risk_alerts, enps_drop_alerts, absence_spike_alerts, missed_checkin_alerts, exit_reason_alerts):
        created += raiser(today)
    db.session.flush()
    return created


# --- reading and handling -------------------------------------------------------------------------


def preload_scopes(alert_rows: list[RetentionAlert]) -> list:
    """Load the people and departments a page of alerts names in two queries (not one per alert).

    The session's identity map holds objects weakly: keep the returned list while the page is
    built, so `describe` and `scope_name` find them there."""
    people = {a.scope_id for a in alert_rows if a.scope in ("person", "manager")}
    departments = {a.scope_id for a in alert_rows if a.scope == "department"}
    loaded: list = []
    if people:
        loaded += db.session.execute(select(User).where(User.id.in_(people))
                                     .execution_options(populate_existing=True)).scalars().all()
    if departments:
        loaded += db.session.execute(select(Department).where(Department.id.in_(departments))
                                     .execution_options(populate_existing=True)).scalars().all()
    return loaded


def _name(model, obj_id: int) -> str:
    obj = db.session.get(model, obj_id)
    if obj is None:
        return _("(removed)")
    return obj.full_name if isinstance(obj, User) else obj.name


def scope_name(alert: RetentionAlert) -> str:
    """The person's, manager's or department's name (the alert centre is HR-only)."""
    if alert.scope in ("person", "manager"):
        return _name(User, alert.scope_id)
    return _name(Department, alert.scope_id)


def _day(iso: str | None, fallback: str) -> str:
    try:
        return format_date(date.fromisoformat(iso)) if iso else fallback
    except ValueError:
        return fallback


def describe(alert: RetentionAlert) -> str:
    """A plain-language, translated sentence for the alert with its evidence (the figures in `details`)."""
    d = alert.details or {}
    name = scope_name(alert)
    if alert.kind is AlertKind.high_risk:
        from .risk import factor_text

        text = _("%(name)s has a high estimated risk of leaving voluntarily within %(days)d days: %(pct)d%% "
                 "(model run of %(date)s).", name=name, days=int(d.get("horizon_days", 90)),
                 pct=round(100 * float(d.get("probability", 0))), date=_day(d.get("as_of"), alert.period))
        factors = [factor_text(f if isinstance(f, dict) else {"feature": f}) for f in d.get("factors", [])]
        if factors:
            text += " " + _("Main factors: %(factors)s.", factors="; ".join(factors))
        return text + " " + _("A score is an estimate, not a decision: talk with the person first.")
    if alert.kind is AlertKind.enps_drop:
        return _("eNPS in %(dept)s fell from %(before)+d to %(after)+d (%(drop)d points) between %(previous)s and "
                 "%(period)s, with %(n_before)d and %(n_after)d respondents.",
                 dept=name, before=round(d.get("previous_enps", 0)), after=round(d.get("enps", 0)),
                 drop=round(d.get("drop", 0)), previous=d.get("previous_period", ""), period=d.get("period", alert.period),
                 n_before=int(d.get("previous_respondents", 0)), n_after=int(d.get("respondents", 0)))
    if alert.kind is AlertKind.absence_spike:
        return _("Sick absence in %(dept)s was %(rate)s%% of working days in %(month)s, against %(past)s%% on "
                 "average over the %(months)d months before (average headcount %(heads)d).",
                 dept=name, rate=format_decimal(float(d.get("rate_pct", 0)), "#,##0.0"),
                 month=d.get("month", alert.period),
                 past=format_decimal(float(d.get("trailing_rate_pct", 0)), "#,##0.0"),
                 months=int(d.get("trailing_months", 6)),
                 heads=round(d.get("headcount", 0)))
    if alert.kind is AlertKind.missed_checkins:
        return _("%(missed)d of %(reports)d direct reports of %(name)s have had no 1:1 check-in for %(months)d months "
                 "or more.", missed=int(d.get("missed", 0)), reports=int(d.get("reports", 0)), name=name,
                 months=int(d.get("months", MISSED_MONTHS)))
    if alert.kind is AlertKind.exit_reason:
        try:
            from .exits import render_alert
        except ImportError:
            render_alert = None
        if render_alert is not None and {"k", "n", "reason"} <= set(d):
            return render_alert(alert) + "."
        if d.get("message"):
            return str(d["message"])
        if {"count", "of", "reason"} <= set(d):
            return _("%(count)d of the last %(of)d leavers in %(dept)s gave the reason “%(reason)s”.",
                     count=int(d["count"]), of=int(d["of"]), dept=name, reason=d["reason"])
        return _("An exit reason repeats among the leavers of %(dept)s (%(period)s).", dept=name, period=alert.period)
    return str(alert.kind.value)


class AlertError(ValueError):
    """A change of an alert that its state does not allow."""


def dismiss(alert: RetentionAlert, reason: str, by: User, today: date | None = None) -> RetentionAlert:
    """HR dismisses an open alert, with the reason kept in its details."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("Say why the alert is dismissed."), "reason")
    if alert.status is not AlertStatus.open:
        raise AlertError(_("This alert is no longer open."))
    alert.status = AlertStatus.dismissed
    alert.details = {**(alert.details or {}), "dismissed": {
        "reason": reason[:500], "by_id": by.id, "on": (today or date.today()).isoformat()}}
    db.session.flush()
    return alert


def open_alerts_query(kind: AlertKind | None = None):
    """Open alerts grouped by kind (in `KIND_ORDER`), newest first within a kind."""
    order = case({k.value: i for i, k in enumerate(KIND_ORDER)}, value=RetentionAlert.kind, else_=len(KIND_ORDER))
    q = select(RetentionAlert).where(RetentionAlert.status == AlertStatus.open)
    if kind is not None:
        q = q.where(RetentionAlert.kind == kind)
    return q.order_by(order, RetentionAlert.created_at.desc(), RetentionAlert.id.desc())


def open_counts() -> dict[AlertKind, int]:
    return {k: n for k, n in db.session.execute(
        select(RetentionAlert.kind, func.count()).where(RetentionAlert.status == AlertStatus.open)
        .group_by(RetentionAlert.kind)).all()}
