"""HR KPIs by month, quarter or year: headcount, hires, leavers, turnover (voluntary, involuntary,
regretted), first-year attrition by hire cohort, tenure of leavers, absence, eNPS and the learning
and development shares, for a group chosen by filters, with disclosure control.

Definitions follow /work/shared/ANALYTICS_NOTES.md:

- Headcount on a day = spells with `hire_date <= day < end_date` (the end date is the last day
  worked, so a leaver still counts on it and no longer after it). Headcount at a period's end +
  leavers in it − hires in it = headcount at the end of the period before.
- Average headcount = mean of the month-end headcounts in the period; for one month,
  (start + end) / 2. The month-end of the running month is today.
- Turnover = leavers / average headcount; yearly views compound the monthly rates,
  1 − Π(1 − mₖ). Voluntary and involuntary are kept apart; regretted = voluntary leavers flagged
  as regretted, also / average headcount.
- First-year attrition by hire cohort (quarter or year): the share of the cohort that left within
  12 months of their hire date, once every member has had 12 months; a Kaplan–Meier estimate at
  12 months while the cohort is younger, marked as such.
- Absence rate = sick working days / available working days (Monday–Friday) of the people in the
  group at the period's end; Bradford factor B = S² × D per person over the 52 weeks to the
  period's end, reported only as the group's mean (never per person).
- A person's department and manager are those on their spell (HR data has no history of internal
  moves), a person's tenure is counted from the hire date of the current spell (boomerangs start
  again), and tenure bands are evaluated on each month-end.

Disclosure control: counts are shown for groups of at least `MIN_COUNT` (5) people (average
headcount), rates for at least `MIN_RATE` (10). A chosen group is also hidden when it could be
worked out by subtracting shown groups from a shown parent: for every filter that is set, the
group's siblings (other departments in the tree, other managers, bands, locations with the other
filters fixed) are run through `pulse.suppress`, which also hides a sibling when exactly one small
group would otherwise be the difference. The breakdown by department uses the same rule on the tree.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select

from lms.extensions import db
from lms.people.models import Department, EmploymentSpell, EndType, User

from . import pulse
from .models import Absence, AbsenceType, PersonAttribute, PersonAttributeDefinition, PulseRound

#: fewest people (average headcount) for any count of a group
MIN_COUNT = 5
#: fewest people (average headcount) for any rate of a group
MIN_RATE = 10
GRANULARITIES = ("month", "quarter", "year")
TENURE_BANDS = pulse.TENURE_BANDS  # ("<1", "1-2", "2-5", "5+")
#: the person attribute offered as the location filter, if HR imported one
LOCATION_ATTRIBUTE = "location"
#: the longest range the page computes (months)
MAX_MONTHS = 120
ROOT = pulse.ROOT
NO_MANAGER = 0


# --- filters and periods ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What HR chose: the range, the period length and the group."""

    start: date
    end: date
    granularity: str = "quarter"
    department_id: int | None = None
    manager_id: int | None = None
    tenure_band: str | None = None
    location: str | None = None

    @property
    def is_grouped(self) -> bool:
        return any(v is not None for v in (self.department_id, self.manager_id, self.tenure_band, self.location))


@dataclass
class Period:
    """One month, quarter or year of the range; `snapshots` are the days whose headcount it averages."""

    label: str
    start: date
    end: date
    #: the month-ends of its months (clamped to today)
    month_ends: list[date]
    #: the days averaged for its average headcount
    snapshots: list[date]
    is_partial: bool = False


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    return date(day.year + m // 12, m % 12 + 1, 1)


def period_start(day: date, granularity: str) -> date:
    if granularity == "year":
        return date(day.year, 1, 1)
    if granularity == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, day.month, 1)


def period_label(start: date, granularity: str) -> str:
    if granularity == "year":
        return str(start.year)
    if granularity == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def periods(start: date, end: date, granularity: str, today: date) -> list[Period]:
    """The whole periods that overlap [start, end], up to today (a running period is partial)."""
    step = {"month": 1, "quarter": 3, "year": 12}[granularity]
    out: list[Period] = []
    p = period_start(start, granularity)
    last = min(end, today)
    while p <= last:
        nxt = _add_months(p, step)
        p_end = nxt - timedelta(days=1)
        months = [_add_months(p, i) for i in range(step) if _add_months(p, i) <= today]
        ends = [min(month_end(m), today) for m in months]
        snaps = [min(p - timedelta(days=1), today), ends[0]] if granularity == "month" else list(ends)
        out.append(Period(period_label(p, granularity), p, p_end, ends, snaps, is_partial=p_end > today))
        p = nxt
    return out


def tenure_band_code(hire: np.ndarray, day: np.ndarray) -> np.ndarray:
    """0..3 for the bands <1, 1-2, 2-5, 5+ (years of 365.25 days, as pulse.tenure_band)."""
    years = (day - hire).astype("timedelta64[D]").astype(float) / 365.25
    return np.select([years < 1, years < 2, years < 5], [0, 1, 2], 3)


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Figure:
    """A number with its evidence: numerator / denominator over n people, or why it is not shown."""

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    n: float | None = None
    #: None (shown) or why not: "small_count", "small_rate", "no_data", "not_available", "incomplete"
    hidden: str | None = None
    #: "estimate" for a Kaplan–Meier estimate, "compounded" for a yearly compounded turnover
    note: str = ""

    @property
    def is_shown(self) -> bool:
        return self.hidden is None and self.value is not None


def _hidden(reason: str, n: float | None = None) -> Figure:
    return Figure(hidden=reason, n=n)


@dataclass
class PeriodKpis:
    period: Period
    avg_headcount: float
    is_countable: bool
    is_rateable: bool
    figures: dict[str, Figure] = field(default_factory=dict)


@dataclass
class CohortRow:
    label: str
    start: date
    end: date
    figure: Figure
    #: "complete", "estimate" (Kaplan–Meier, some members have had 12 months), "young" (none has)
    status: str = "complete"


@dataclass
class DepartmentRow:
    department_id: object
    name: str
    depth: int
    avg_headcount: float | None
    leavers: int | None
    voluntary: int | None
    involuntary: int | None
    turnover: float | None
    is_countable: bool
    is_rateable: bool


@dataclass
class KpiReport:
    filters: Filters
    periods: list[PeriodKpis]
    cohorts: list[CohortRow]
    departments: list[DepartmentRow]
    cohort_granularity: str
    today: date
    #: the group is too small or derivable in every period
    is_hidden: bool = False
    enps_note: str = ""


# order of the figures on the page and in the CSV
KPI_KEYS = (
    "headcount_end", "avg_headcount", "hires", "leavers", "voluntary_leavers", "involuntary_leavers",
    "regretted_leavers", "turnover", "voluntary_turnover", "involuntary_turnover", "regretted_turnover",
    "regretted_share", "avg_tenure_leavers", "absence_rate", "bradford", "enps", "devplan_share",
    "onboarding_day90", "course_participation", "mentoring_coverage",
)
#: how each figure is written: count, pct, years, score, number
KPI_KIND = {
    "headcount_end": "count", "avg_headcount": "number", "hires": "count", "leavers": "count",
    "voluntary_leavers": "count", "involuntary_leavers": "count", "regretted_leavers": "count",
    "turnover": "pct", "voluntary_turnover": "pct", "involuntary_turnover": "pct", "regretted_turnover": "pct",
    "regretted_share": "pct", "avg_tenure_leavers": "years", "absence_rate": "pct", "bradford": "number",
    "enps": "score", "devplan_share": "pct", "onboarding_day90": "pct", "course_participation": "pct",
    "mentoring_coverage": "pct",
}


# --- data ---------------------------------------------------------------------------------------


def location_definition() -> PersonAttributeDefinition | None:
    """The imported, non-protected person attribute called "location", if any."""
    return db.session.execute(
        select(PersonAttributeDefinition).where(func.lower(PersonAttributeDefinition.name) == LOCATION_ATTRIBUTE,
                                                PersonAttributeDefinition.is_protected.is_(False))
    ).scalar_one_or_none()


def location_choices() -> list[str]:
    definition = location_definition()
    if definition is None:
        return []
    return list(db.session.execute(
        select(PersonAttribute.value).where(PersonAttribute.definition_id == definition.id, PersonAttribute.value != "")
        .distinct().order_by(PersonAttribute.value)).scalars())


def manager_choices() -> list[tuple[int, str]]:
    """People who are someone's manager on an employment spell."""
    ids = select(EmploymentSpell.manager_id).where(EmploymentSpell.manager_id.is_not(None)).distinct()
    return [(u.id, u.full_name) for u in db.session.execute(
        select(User).where(User.id.in_(ids)).order_by(User.last_name, User.first_name, User.id)).scalars()]


#: the spells frame by a digest of what it is read from: loading and converting 13,500 spells took
#: a quarter of a report's time (0.07–0.15 s), and they change far less often than HR looks
_SPELLS_CACHE: dict[tuple, pd.DataFrame] = {}


def _spells_version(definition: PersonAttributeDefinition | None) -> tuple:
    """Count, highest id and latest change of the spells (and of the location attribute): any
    insert, update or delete changes one of them."""
    spells = db.session.execute(select(func.count(EmploymentSpell.id), func.max(EmploymentSpell.id),
                                       func.max(EmploymentSpell.updated_at))).one()
    locations: tuple = ()
    if definition is not None:
        locations = (definition.id, *db.session.execute(
            select(func.count(PersonAttribute.id), func.max(PersonAttribute.id), func.max(PersonAttribute.updated_at))
            .where(PersonAttribute.definition_id == definition.id)).one())
    return str(db.engine.url), tuple(spells), locations


def _spells() -> pd.DataFrame:
    """One row per employment spell with the group dimensions (about 1 MB per 10,000 spells); the
    frame is kept while the spells and locations are unchanged (a shallow copy is returned, so a
    caller adding a column leaves the kept one as it is)."""
    definition = location_definition()
    version = _spells_version(definition)
    kept = _SPELLS_CACHE.get(version)
    if kept is None:
        kept = _load_spells(definition)
        _SPELLS_CACHE.clear()  # one version is enough: an older one is never asked for again
        _SPELLS_CACHE[version] = kept
    return kept.copy(deep=False)


def _load_spells(definition: PersonAttributeDefinition | None) -> pd.DataFrame:
    cols = [EmploymentSpell.id, EmploymentSpell.user_id, EmploymentSpell.hire_date, EmploymentSpell.end_date,
            EmploymentSpell.end_type, EmploymentSpell.is_regretted, EmploymentSpell.department_id,
            EmploymentSpell.manager_id]
    q = select(*cols)
    if definition is not None:
        q = q.add_columns(PersonAttribute.value.label("location")).outerjoin(
            PersonAttribute, and_(PersonAttribute.user_id == EmploymentSpell.user_id,
                                  PersonAttribute.definition_id == definition.id))
    else:
        q = q.add_columns(literal(None).label("location"))
    rows = db.session.connection().execute(q).all()  # Core: plain tuples, no ORM row loading
    df = pd.DataFrame(rows, columns=["spell_id", "user_id", "hire_date", "end_date", "end_type", "is_regretted",
                                     "department_id", "manager_id", "location"])
    far = np.datetime64("9999-12-31", "D")
    df["hire"] = np.array(df["hire_date"].tolist(), dtype="datetime64[D]")
    end = df["end_date"]
    df["end"] = np.where(pd.isna(end).to_numpy(), far,
                         np.array(end.where(end.notna(), None).tolist(), dtype="datetime64[D]"))
    values = {v: v.value if isinstance(v, EndType) else v for v in df["end_type"].unique()}
    df["end_type"] = df["end_type"].map(values.__getitem__)
    manager = df["manager_id"]
    df["manager"] = np.where(pd.isna(manager).to_numpy(), NO_MANAGER, manager.to_numpy()).astype("int64")
    df["location"] = df["location"].fillna("")
    df["is_regretted"] = df["is_regretted"].fillna(False).astype(bool)
    return df


def _departments() -> tuple[dict, dict]:
    """(parent_of with ROOT, names) for the department tree."""
    depts = {d.id: d for d in db.session.execute(select(Department)).scalars()}
    parent_of: dict = {ROOT: None}
    for d in depts.values():
        parent_of[d.id] = d.parent_id if d.parent_id in depts else ROOT
    return parent_of, {k: v.name for k, v in depts.items()}


def _children(parent_of: dict) -> dict:
    out: dict = {}
    for g, p in parent_of.items():
        if p is not None:
            out.setdefault(p, []).append(g)
    return out


def _subtree(node, children: dict) -> set:
    out, stack = set(), [node]
    while stack:
        x = stack.pop()
        if x not in out:
            out.add(x)
            stack.extend(children.get(x, []))
    return out


class _Panel:
    """Who was in headcount on each snapshot day, with their band on that day."""

    def __init__(self, spells: pd.DataFrame, days: list[date]):
        self.days = sorted(set(days))
        self.index = {d: i for i, d in enumerate(self.days)}
        if spells.empty or not self.days:
            self.rows = pd.DataFrame(columns=["spell", "snap", "band", "department_id", "manager", "location"])
            return
        self.spell_columns = {col: spells[col].to_numpy() for col in ("department_id", "manager", "location")}
        d = np.array(self.days, dtype="datetime64[D]")
        hire = spells["hire"].values.astype("datetime64[D]")[:, None]
        end = spells["end"].values.astype("datetime64[D]")[:, None]
        active = (hire <= d[None, :]) & (end > d[None, :])
        si, di = np.nonzero(active)
        band = tenure_band_code(hire[si, 0], d[di])
        self.rows = pd.DataFrame({
            "spell": si, "snap": di, "band": band,
            "department_id": spells["department_id"].values[si], "manager": spells["manager"].values[si],
            "location": spells["location"].values[si],
        })

    def at(self, days: list[date]) -> pd.DataFrame:
        idx = [self.index[d] for d in days]
        return self.rows[self.rows["snap"].isin(idx)]


def _match(df: pd.DataFrame, f: Filters, dept_ids: set | None, skip: str | None = None) -> pd.Series:
    """Rows of `df` (panel rows, or spells with a `band` column) in the chosen group, ignoring `skip`."""
    m = pd.Series(True, index=df.index)
    if f.department_id is not None and skip != "department":
        m &= df["department_id"].isin(dept_ids)
    if f.manager_id is not None and skip != "manager":
        m &= df["manager"] == f.manager_id
    if f.tenure_band is not None and skip != "band" and "band" in df:
        m &= df["band"] == TENURE_BANDS.index(f.tenure_band)
    if f.location is not None and skip != "location":
        m &= df["location"] == f.location
    return m


def flat_shown(sizes: dict, k: float) -> set:
    """`pulse.suppress` for a parent whose children are `sizes` (no grandchildren), in one pass:
    children of at least k, and while the parent minus the shown children is 1..k-1, the smallest
    shown child is hidden too. The parent (their sum) must itself reach k."""
    total = sum(sizes.values())
    if total < k:
        return set()
    shown = {g for g, n in sizes.items() if n >= k}
    residual = total - sum(sizes[g] for g in shown)
    order = sorted(shown, key=lambda g: (sizes[g], str(g)))
    while 0 < residual < k and order:
        g = order.pop(0)
        shown.discard(g)
        residual += sizes[g]
    return shown


def _group_is_safe(df: pd.DataFrame, f: Filters, k: float, parent_of: dict, dept_ids: set | None,
                   weight: str | None = None, implied: bool = True, memo: dict | None = None) -> bool:
    """The chosen group has at least k (summed weight) and cannot be derived from shown siblings.

    For each filter that is set, the group's siblings along that filter (the other filters fixed)
    go through `pulse.suppress`; the group must survive every one, and so must the same people
    chosen by other filters (`_implied_from`). `memo` (a dict kept by the caller) saves the
    work that does not depend on k when the same `df` and `f` are asked for with another k.
    """
    memo = {} if memo is None else memo
    if "mask" not in memo:
        memo["w"] = w = df[weight] if weight else pd.Series(1, index=df.index)
        memo["mask"] = _match(df, f, dept_ids)
        memo["size"] = w[memo["mask"]].sum()
    w = memo["w"]
    if memo["size"] < k:
        return False
    checks = []
    if f.department_id is not None:
        checks.append(("department", "department_id", f.department_id))
    if f.manager_id is not None:
        checks.append(("manager", "manager", f.manager_id))
    if f.tenure_band is not None and "band" in df:
        checks.append(("band", "band", TENURE_BANDS.index(f.tenure_band)))
    if f.location is not None:
        checks.append(("location", "location", f.location))
    for dim, col, value in checks:
        if ("direct", dim) not in memo:  # the siblings' sizes do not depend on k
            others = _match(df, f, dept_ids, skip=dim)
            memo[("direct", dim)] = w[others].groupby(df.loc[others, col]).sum().to_dict()
        direct = memo[("direct", dim)]
        if dim == "department":
            shown = pulse.suppress(parent_of, {ROOT: 0, **direct}, k)
        else:
            shown = flat_shown(direct, k)
        if value not in shown:
            return False
    if not implied:
        return True
    if "implied" not in memo:
        children = _children(parent_of)
        mask = memo["mask"]  # the members' distinct values, without copying the members' rows
        implied_filters = _implied_from(f, lambda col: df.loc[mask, col].unique(), "band" in df, parent_of) \
            if mask.any() else []
        memo["implied"] = [(g, _subtree(g.department_id, children) if g.department_id is not None else None, {})
                           for g in implied_filters]
    for g, g_ids, g_memo in memo["implied"]:
        if not _group_is_safe(df, g, k, parent_of, g_ids, weight, implied=False, memo=g_memo):
            return False
    return True


def _implied_from(f: Filters, unique, has_band: bool, parent_of: dict) -> list[Filters]:
    """The implied filters: other choices of filters that select exactly the group's (non-empty)
    members, given `unique(column)`, the distinct values of a column among them. Each filter that is
    not set and whose value all of them share (their manager, band or location, and every department
    that contains them all) is a group HR can ask for with other siblings, so the group must be safe
    as that group too: a manager's team of 10 in a department of 12 is the department minus 2."""
    out = []
    if f.manager_id is None:
        values = unique("manager")
        if len(values) == 1 and values[0] != NO_MANAGER:
            out.append(replace(f, manager_id=int(values[0])))
    if f.tenure_band is None and has_band:
        values = unique("band")
        if len(values) == 1:
            out.append(replace(f, tenure_band=TENURE_BANDS[int(values[0])]))
    if f.location is None:
        values = unique("location")
        if len(values) == 1 and values[0] != "":
            out.append(replace(f, location=str(values[0])))
    if f.department_id is None:
        common = None
        for dept in unique("department_id"):
            chain, node = set(), dept
            while node is not None and node != ROOT and node not in chain:
                chain.add(node)
                node = parent_of.get(node)
            common = chain if common is None else common & chain
        out.extend(replace(f, department_id=int(d)) for d in sorted(common or ()))
    return out


class _Group:
    """The chosen group on every snapshot day: its headcounts, and its siblings' along each filter,
    each computed once over the whole panel (one pass per filter, not one per period)."""

    _IMPLIED_COLUMNS = ("manager", "band", "location", "department_id")

    def __init__(self, panel: _Panel, f: Filters, dept_ids: set | None, parent_of: dict,
                 codes: dict | None = None, children: dict | None = None):
        rows = panel.rows
        n = len(panel.days)
        self.panel, self.parent_of, self.filters = panel, parent_of, f
        self._children = children
        self._implied: dict[Filters, _Group] = {}
        self._implied_by_days: dict[tuple, list[Filters]] = {}
        self.snap = rows["snap"].to_numpy(dtype=int)
        self.mask = _match(rows, f, dept_ids).to_numpy(dtype=bool) if len(rows) else np.zeros(0, bool)
        self.counts = np.bincount(self.snap[self.mask], minlength=n) if len(rows) else np.zeros(n, int)
        # each column the implied filters look at, as codes into its distinct values (shared with implied groups)
        if codes is None and len(rows):
            # spell attributes are factorised on the (fewer) spells and carried to the panel rows
            spell_pos = rows["spell"].to_numpy(dtype=int)
            codes = {"band": (rows["band"].to_numpy(dtype=int), np.arange(len(TENURE_BANDS)))}
            for col in ("manager", "location", "department_id"):
                spell_codes, values = pd.factorize(panel.spell_columns[col], use_na_sentinel=False)
                codes[col] = (spell_codes[spell_pos], values)
        elif codes is None:
            codes = {}
        self._codes = codes
        self._values = {col: values for col, (_codes, values) in codes.items()}
        self._counts_by_code: dict[str, np.ndarray] = {}
        self.siblings: list[tuple[str, object, list, np.ndarray]] = []
        for dim, col, value in _checks(f):
            others = _match(rows, f, dept_ids, skip=dim)
            table = rows[others].groupby(["snap", col]).size().unstack(fill_value=0) if len(rows) else \
                pd.DataFrame()
            table = table.reindex(range(n), fill_value=0)
            self.siblings.append((dim, value, list(table.columns), table.to_numpy()))

    def size(self, days: list[date]) -> int:
        return int(sum(self.counts[self.panel.index[d]] for d in days))

    def _implied_filters(self, days: list[date]) -> list[Filters]:
        """The implied filters (`_implied_from`) of the group's members on `days` (memoised: asked for again and again)."""
        key = tuple(days)
        if key not in self._implied_by_days:
            idx = [self.panel.index[d] for d in days]
            if not self.counts[idx].sum():
                out: list[Filters] = []
            else:
                def unique(col):
                    return self._values[col][np.nonzero(self._code_counts(col)[idx].sum(axis=0))[0]]
                out = _implied_from(self.filters, unique, True, self.parent_of)
            self._implied_by_days[key] = out
        return self._implied_by_days[key]

    def _code_counts(self, col: str) -> np.ndarray:
        """Members per snapshot day (rows) and distinct value of `col` (columns, as `_values[col]`)."""
        if col not in self._counts_by_code:
            codes, values = self._codes[col]
            n_days, n_values = len(self.panel.days), len(values)
            flat = self.snap[self.mask] * n_values + codes[self.mask]
            self._counts_by_code[col] = np.bincount(flat, minlength=n_days * n_values).reshape(n_days, n_values)
        return self._counts_by_code[col]

    def is_safe(self, days: list[date], k_per_day: float) -> bool:
        """At least k on average over `days`, and not derivable from shown siblings (`pulse.suppress`),
        also when the same people are chosen by other filters (`_implied_from`)."""
        if not self._is_safe(days, k_per_day):
            return False
        for g in self._implied_filters(days):
            if g not in self._implied:
                if self._children is None:
                    self._children = _children(self.parent_of)
                g_ids = _subtree(g.department_id, self._children) if g.department_id is not None else None
                self._implied[g] = _Group(self.panel, g, g_ids, self.parent_of, self._codes, self._children)
            if not self._implied[g]._is_safe(days, k_per_day):
                return False
        return True

    def _is_safe(self, days: list[date], k_per_day: float) -> bool:
        k = k_per_day * len(days)
        if self.size(days) < k:
            return False
        idx = [self.panel.index[d] for d in days]
        for dim, value, columns, table in self.siblings:
            sums = table[idx].sum(axis=0)
            sizes = {key: int(v) for key, v in zip(columns, sums) if v}
            if dim == "department":
                shown = pulse.suppress(self.parent_of, {ROOT: 0, **sizes}, k)
            else:
                shown = flat_shown(sizes, k)
            if value not in shown:
                return False
        return True

    def members(self, day: date) -> np.ndarray:
        """Panel row positions of the group on `day`."""
        return np.nonzero(self.mask & (self.snap == self.panel.index[day]))[0]


def _checks(f: Filters) -> list[tuple[str, str, object]]:
    out = []
    if f.department_id is not None:
        out.append(("department", "department_id", f.department_id))
    if f.manager_id is not None:
        out.append(("manager", "manager", f.manager_id))
    if f.tenure_band is not None:
        out.append(("band", "band", TENURE_BANDS.index(f.tenure_band)))
    if f.location is not None:
        out.append(("location", "location", f.location))
    return out


# --- the report ---------------------------------------------------------------------------------


def kpi_report(f: Filters, today: date | None = None) -> KpiReport:
    """Every KPI for every period of the range, the hire cohorts and the breakdown by department."""
    today = today or date.today()
    plist = periods(f.start, f.end, f.granularity, today)
    spells = _spells()
    parent_of, names = _departments()
    children = _children(parent_of)
    dept_ids = _subtree(f.department_id, children) if f.department_id is not None else None

    days: list[date] = []
    for p in plist:
        days.extend(p.snapshots)
        days.extend(p.month_ends)
        days.extend(min(m.replace(day=1) - timedelta(days=1), today) for m in p.month_ends)
    panel = _Panel(spells, days)

    # spells in the group by the static dimensions (band is evaluated per event)
    static = _match(spells.assign(band=0), Filters(f.start, f.end, f.granularity, f.department_id, f.manager_id,
                                                   None, f.location), dept_ids)
    gspells = spells[static]
    hire_np = gspells["hire"].values.astype("datetime64[D]")
    end_np = gspells["end"].values.astype("datetime64[D]")
    leave_band = tenure_band_code(hire_np, end_np) if len(gspells) else np.array([], dtype=int)
    band_ok_leave = (leave_band == TENURE_BANDS.index(f.tenure_band)) if f.tenure_band else np.ones(len(gspells), bool)
    hires_ok = (f.tenure_band in (None, "<1"))

    group = _Group(panel, f, dept_ids, parent_of)
    enps_by_period, enps_note = _enps(f, plist)
    cross = _cross_module(f, plist, group, spells, set(gspells["spell_id"].tolist()), today)

    out: list[PeriodKpis] = []
    for p in plist:
        n_snap = len(p.snapshots)
        total = group.size(p.snapshots)
        avg_hc = total / n_snap
        countable = group.is_safe(p.snapshots, MIN_COUNT)
        rateable = countable and group.is_safe(p.snapshots, MIN_RATE)
        pk = PeriodKpis(p, avg_hc, countable, rateable)
        figs = pk.figures
        hc_end = group.size([p.snapshots[-1]])

        s, e = np.datetime64(p.start, "D"), np.datetime64(min(p.end, today), "D")
        hired = (hire_np >= s) & (hire_np <= e) if hires_ok else np.zeros(len(gspells), bool)
        left = (end_np >= s) & (end_np <= e) & band_ok_leave
        et = gspells["end_type"].values
        vol = left & (et == EndType.voluntary.value)
        invol = left & (et == EndType.involuntary.value)
        reg = vol & gspells["is_regretted"].values
        counts = {"hires": int(hired.sum()), "leavers": int(left.sum()), "voluntary_leavers": int(vol.sum()),
                  "involuntary_leavers": int(invol.sum()), "regretted_leavers": int(reg.sum())}

        if not countable:
            for key in KPI_KEYS:
                figs[key] = _hidden("small_count")
        else:
            figs["headcount_end"] = Figure(value=hc_end, n=hc_end)
            figs["avg_headcount"] = Figure(value=avg_hc, numerator=total, denominator=n_snap, n=avg_hc)
            for key, v in counts.items():
                figs[key] = Figure(value=v, n=avg_hc)
            if counts["leavers"] >= MIN_COUNT:
                tenure = (end_np[left] - hire_np[left]).astype(float) / 365.25
                figs["avg_tenure_leavers"] = Figure(value=float(tenure.mean()), numerator=float(tenure.sum()),
                                                    denominator=counts["leavers"], n=counts["leavers"])
            else:
                figs["avg_tenure_leavers"] = _hidden("small_count", n=None)
            for key, num in (("turnover", left), ("voluntary_turnover", vol), ("involuntary_turnover", invol),
                             ("regretted_turnover", reg)):
                if not rateable:
                    figs[key] = _hidden("small_rate")
                    continue
                fig = Figure(value=(num.sum() / avg_hc) if avg_hc else None, numerator=int(num.sum()),
                             denominator=avg_hc, n=avg_hc)
                if f.granularity == "year":
                    fig.value = _compounded(p, group, gspells, num, today)
                    fig.note = "compounded"
                figs[key] = fig
            if rateable and counts["voluntary_leavers"]:
                figs["regretted_share"] = Figure(value=counts["regretted_leavers"] / counts["voluntary_leavers"],
                                                 numerator=counts["regretted_leavers"],
                                                 denominator=counts["voluntary_leavers"], n=avg_hc)
            else:
                figs["regretted_share"] = _hidden("small_rate" if not rateable else "no_data")
            # shares and absence are of the people at the period's end, who may be fewer than the average
            end_rateable = rateable and group.is_safe([p.snapshots[-1]], MIN_RATE)
            for key, fig in cross.get(p.label, {}).items():
                ok = end_rateable or (key == "onboarding_day90" and rateable)
                figs[key] = fig if ok or fig.hidden else _hidden("small_rate")
            for key in ("absence_rate", "bradford", "devplan_share", "onboarding_day90", "course_participation",
                        "mentoring_coverage"):
                figs.setdefault(key, _hidden("small_rate" if not rateable else "no_data"))
        figs["enps"] = enps_by_period.get(p.label, _hidden("not_available" if enps_note else "no_data"))
        out.append(pk)

    cohort_g = "year" if f.granularity == "year" else "quarter"
    cohorts = _cohorts(f, gspells, spells, parent_of, dept_ids, cohort_g, today)
    departments = _by_department(f, plist, panel, spells, parent_of, names, children, today)
    hidden = bool(out) and not any(pk.is_countable for pk in out)
    return KpiReport(f, out, cohorts, departments, cohort_g, today, is_hidden=hidden, enps_note=enps_note)


def _compounded(p: Period, group: _Group, gspells: pd.DataFrame, event: np.ndarray, today: date) -> float:
    """1 − Π(1 − mₖ) over the months of a year, mₖ = events in month k / (start + end headcount) / 2."""
    end_np = gspells["end"].values.astype("datetime64[D]")
    survive = 1.0
    for m_end in p.month_ends:
        m_start = m_end.replace(day=1)
        prev = min(m_start - timedelta(days=1), today)
        hc = group.size([prev, m_end]) / 2
        in_month = event & (end_np >= np.datetime64(m_start, "D")) & (end_np <= np.datetime64(m_end, "D"))
        if hc > 0:
            survive *= 1 - min(1.0, in_month.sum() / hc)
    return 1 - survive


# --- first-year attrition -----------------------------------------------------------------------


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _cohorts(f: Filters, gspells: pd.DataFrame, spells: pd.DataFrame, parent_of: dict, dept_ids, granularity: str,
             today: date) -> list[CohortRow]:
    """Share of each hire cohort (in the range) who left within 12 months of their hire date."""
    out: list[CohortRow] = []
    fs = Filters(f.start, f.end, granularity, f.department_id, f.manager_id, None, f.location)
    step = 12 if granularity == "year" else 3
    c = period_start(f.start, granularity)
    while c <= min(f.end, today):
        c_end = _add_months(c, step) - timedelta(days=1)
        label = period_label(c, granularity)
        s, e = np.datetime64(c, "D"), np.datetime64(c_end, "D")
        all_in = spells[(spells["hire"] >= s) & (spells["hire"] <= e)]
        mine = gspells[(gspells["hire"] >= s) & (gspells["hire"] <= e)]
        n = len(mine)
        memo: dict = {}
        if not _group_is_safe(all_in, fs, MIN_COUNT, parent_of, dept_ids, memo=memo):
            out.append(CohortRow(label, c, c_end, _hidden("small_count")))
        elif not _group_is_safe(all_in, fs, MIN_RATE, parent_of, dept_ids, memo=memo):
            out.append(CohortRow(label, c, c_end, _hidden("small_rate", n=n)))
        else:
            hires = mine["hire"].values.astype("datetime64[D]")
            ends = mine["end"].values.astype("datetime64[D]")
            first_days, which = np.unique(hires, return_inverse=True)  # the anniversary once per hire date
            years = np.array([np.datetime64(_add_year(h.astype(date)), "D") for h in first_days])[which.ravel()]
            now = np.datetime64(today, "D")
            left_in_year = (ends < years) & (ends <= now)  # left on or before the day before the anniversary
            if _add_year(c_end) <= today:
                k = int(left_in_year.sum())
                out.append(CohortRow(label, c, c_end, Figure(value=k / n, numerator=k, denominator=n, n=n)))
            else:
                observed = np.minimum(np.minimum(ends, now), years)
                durations = (observed - hires).astype(int) + 0.0
                events = left_in_year & (ends <= now)
                status = "estimate" if _add_year(c) <= today else "young"
                value = _km_at(durations, events, 365.0) if status == "estimate" else None
                fig = Figure(value=value, numerator=int(events.sum()), denominator=n, n=n,
                             note="estimate", hidden=None if value is not None else "incomplete")
                out.append(CohortRow(label, c, c_end, fig, status))
        c = _add_months(c, step)
    return out


def _km_at(durations: np.ndarray, events: np.ndarray, t: float) -> float | None:
    """1 − S(t) from a Kaplan–Meier fit (lifelines); None if nobody was followed up to t."""
    if durations.size == 0 or durations.max() < t - 1:
        return None
    from lifelines import KaplanMeierFitter  # heavy import, only when a young cohort needs it

    kmf = KaplanMeierFitter().fit(durations, event_observed=events)
    return float(1 - kmf.survival_function_at_times(t).iloc[0])


# --- breakdown by department --------------------------------------------------------------------


def _by_department(f: Filters, plist: list[Period], panel: _Panel, spells: pd.DataFrame, parent_of: dict,
                   names: dict, children: dict, today: date) -> list[DepartmentRow]:
    """Turnover over the whole range for the organisation and each department with its sub-departments,
    the other filters applied; suppressed as a tree so no hidden cell can be derived from shown ones."""
    if not plist:
        return []
    snaps = sorted({d for p in plist for d in p.snapshots}) if f.granularity == "month" else \
        sorted({d for p in plist for d in p.month_ends})
    n_snap = len(snaps)
    rows = panel.at(snaps)
    others = Filters(f.start, f.end, f.granularity, None, f.manager_id, f.tenure_band, f.location)
    rows = rows[_match(rows, others, None)]
    direct = rows.groupby("department_id").size().to_dict()
    countable = pulse.suppress(parent_of, {ROOT: 0, **direct}, MIN_COUNT * n_snap)
    rateable = pulse.suppress(parent_of, {ROOT: 0, **direct}, MIN_RATE * n_snap) & countable
    # the other filters' sibling checks, per department (a department × band cell is a group too):
    # one table of department × value per filter, summed over each department's subtree
    if others.is_grouped:
        all_rows = panel.at(snaps)
        checks = [(dim, col, value) for dim, col, value in (
            ("manager", "manager", f.manager_id),
            ("band", "band", TENURE_BANDS.index(f.tenure_band) if f.tenure_band else None),
            ("location", "location", f.location)) if value is not None]
        for dim, col, value in checks:
            sub = all_rows[_match(all_rows, others, None, skip=dim)]
            table = sub.groupby(["department_id", col]).size().unstack(fill_value=0)
            values, cells, depts = list(table.columns), table.to_numpy(), list(table.index)
            for dept in list(countable):
                if dept == ROOT:
                    pos = list(range(len(depts)))
                else:
                    subtree = _subtree(dept, children)
                    pos = [i for i, x in enumerate(depts) if x in subtree]
                sizes = dict(zip(values, cells[pos].sum(axis=0).tolist())) if pos else {}
                if value not in flat_shown(sizes, MIN_COUNT * n_snap):
                    countable.discard(dept)
                    rateable.discard(dept)
                elif value not in flat_shown(sizes, MIN_RATE * n_snap):
                    rateable.discard(dept)
    s, e = np.datetime64(plist[0].start, "D"), np.datetime64(min(plist[-1].end, today), "D")
    left = spells[(spells["end"] >= s) & (spells["end"] <= e)].copy()
    if len(left):
        left["band"] = tenure_band_code(left["hire"].values.astype("datetime64[D]"),
                                        left["end"].values.astype("datetime64[D]"))
    left = left[_match(left, others, None)] if len(left) else left
    # leavers, voluntary and involuntary leavers by (direct) department, summed over subtrees below
    tallies: dict = {}
    if len(left):
        et = left["end_type"].to_numpy()
        per = pd.DataFrame({"d": left["department_id"].to_numpy(), "n": 1,
                            "v": (et == EndType.voluntary.value).astype(int),
                            "i": (et == EndType.involuntary.value).astype(int)}).groupby("d").sum()
        tallies = {d: (int(n), int(v), int(i)) for d, n, v, i in per.itertuples()}
    out: list[DepartmentRow] = []

    def walk(g, depth: int) -> None:
        ids = _subtree(g, children)
        hc = sum(direct.get(x, 0) for x in ids) / n_snap
        if hc == 0 and g != ROOT:
            return
        if g == ROOT:
            lv = left
            n_left = len(lv)
            vol = int((lv["end_type"] == EndType.voluntary.value).sum()) if n_left else 0
            inv = int((lv["end_type"] == EndType.involuntary.value).sum()) if n_left else 0
        else:
            n_left = vol = inv = 0
            for x in ids:
                n_x, vol_x, inv_x = tallies.get(x, (0, 0, 0))
                n_left, vol, inv = n_left + n_x, vol + vol_x, inv + inv_x
        c, r = g in countable, g in rateable
        out.append(DepartmentRow(
            g, _("Whole organisation") if g == ROOT else names[g], depth, hc if c else None,
            n_left if c else None, vol if c else None, inv if c else None,
            (n_left / hc) if r and hc else None, c, r))
        for ch in sorted(children.get(g, []), key=lambda x: names.get(x, "")):
            walk(ch, depth + 1)

    walk(ROOT, 0)
    return out


# --- eNPS ---------------------------------------------------------------------------------------


def _enps(f: Filters, plist: list[Period]) -> tuple[dict[str, Figure], str]:
    """eNPS per period from sealed pulse rounds closing in it, through pulse.round_results (which
    applies the survey thresholds and differencing). Pulse answers carry only a department and a
    tenure band, so a manager or location filter (or a band) cannot be applied."""
    if f.manager_id is not None or f.location is not None or f.tenure_band is not None:
        return {}, _("eNPS is not available with a manager, tenure or location filter: survey answers are "
                     "anonymous and stored with the department only.")
    if not plist:
        return {}, ""
    rounds = db.session.execute(
        select(PulseRound).where(PulseRound.is_sealed.is_(True), PulseRound.closes_on >= plist[0].start,
                                 PulseRound.closes_on <= plist[-1].end).order_by(PulseRound.closes_on)
    ).scalars().all()
    key = f.department_id if f.department_id is not None else ROOT
    acc: dict[str, list[tuple[float, int]]] = {}
    seen: dict[str, int] = {}
    for rnd in rounds:
        p = next((p for p in plist if p.start <= rnd.closes_on <= p.end), None)
        if p is None:
            continue
        results = pulse.round_results(rnd)
        res = next((r for r in results if r.key == key), None)
        if res is None and key == ROOT and results and results[0].depth == 0:
            res = results[0]  # the organisation is one top department
        seen[p.label] = seen.get(p.label, 0) + 1
        if res is not None and res.is_shown and res.enps is not None:
            acc.setdefault(p.label, []).append((res.enps, res.n))
    out: dict[str, Figure] = {}
    for label in seen:
        vals = acc.get(label)
        if not vals:
            out[label] = _hidden("small_survey")
            continue
        n = sum(w for _v, w in vals)
        out[label] = Figure(value=sum(v * w for v, w in vals) / n, n=n, numerator=None, denominator=n)
    return out, ""


# --- absence and the other modules ---------------------------------------------------------------


def _bucket(column, plist: list[Period]):
    """SQL: the index of the period a date/time column falls in (NULL outside the range)."""
    whens = []
    for i, p in enumerate(plist):
        lo, hi = p.start, p.end + timedelta(days=1)
        if isinstance(column.type, db.DateTime) or "DateTime" in type(column.type).__name__:
            lo = datetime.combine(lo, time.min, tzinfo=timezone.utc)
            hi = datetime.combine(hi, time.min, tzinfo=timezone.utc)
        whens.append((and_(column >= lo, column < hi), i))
    return case(*whens, else_=None)


def _users_by_period(q_rows, plist: list[Period]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for user_id, idx in q_rows:
        if idx is not None and user_id is not None:
            out.setdefault(int(idx), set()).add(user_id)
    return out


def _cross_module(f: Filters, plist: list[Period], group: _Group, spells: pd.DataFrame, in_group: set[int],
                  today: date) -> dict[str, dict[str, Figure]]:
    """Absence, development plans, onboarding by day 90, course participation and mentoring coverage,
    per period, for the people in the group at the period's end (new hires for onboarding)."""
    if not plist:
        return {}
    from lms.courses.models import Enrolment
    from lms.onboarding.models import OnboardingPlan, PlanTask
    from plans.devplans.models import DevelopmentPlan, Goal
    from plans.mentoring.models import MentoringSession, Mentorship
    from xapi.models import Statement

    lo = datetime.combine(plist[0].start, time.min, tzinfo=timezone.utc)
    hi = datetime.combine(plist[-1].end + timedelta(days=1), time.min, tzinfo=timezone.utc)

    # course participation: an enrolment event or a statement in a course registration in the period
    course: dict[int, set[int]] = {}
    for col in (Enrolment.enrolled_at, Enrolment.started_at, Enrolment.completed_at):
        b = _bucket(col, plist)
        for k, v in _users_by_period(db.session.execute(
                select(Enrolment.user_id, b).where(col >= lo, col < hi).distinct()), plist).items():
            course.setdefault(k, set()).update(v)
    b = _bucket(Statement.timestamp, plist)
    for k, v in _users_by_period(db.session.execute(
            select(Statement.user_id, b).where(Statement.stored >= lo, Statement.timestamp >= lo,
                                               Statement.timestamp < hi, Statement.registration.is_not(None),
                                               Statement.is_voided.is_(False), Statement.user_id.is_not(None))
            .distinct()), plist).items():
        course.setdefault(k, set()).update(v)

    # mentoring: mentee in a mentorship running at some point of the period, or in a session held in it
    mentoring: dict[int, set[int]] = {}
    ms = db.session.execute(select(Mentorship.mentee_id, Mentorship.started_on, Mentorship.ended_at)
                            .where(Mentorship.started_on <= plist[-1].end,
                                   or_(Mentorship.ended_at.is_(None), Mentorship.ended_at >= lo))).all()
    for i, p in enumerate(plist):
        pe = datetime.combine(p.start, time.min, tzinfo=timezone.utc)
        mentoring[i] = {m for m, started, ended in ms if started <= p.end and (ended is None or ended >= pe)}
    b = _bucket(MentoringSession.held_on, plist)
    for k, v in _users_by_period(db.session.execute(
            select(Mentorship.mentee_id, b).join(Mentorship, Mentorship.id == MentoringSession.mentorship_id)
            .where(MentoringSession.held_on >= plist[0].start, MentoringSession.held_on <= plist[-1].end)
            .distinct()), plist).items():
        mentoring.setdefault(k, set()).update(v)

    # active development plan at the period's end: a goal set by then and not completed by then
    goals = db.session.execute(select(DevelopmentPlan.user_id, Goal.created_at, Goal.completed_at)
                               .join(Goal, Goal.plan_id == DevelopmentPlan.id)
                               .where(Goal.created_at < hi, or_(Goal.completed_at.is_(None),
                                                                Goal.completed_at >= lo))).all()
    devplan: dict[int, set[int]] = {}
    for i, p in enumerate(plist):
        at = datetime.combine(min(p.end, today) + timedelta(days=1), time.min, tzinfo=timezone.utc)
        devplan[i] = {u for u, created, done in goals if _aware(created) < at and (done is None or _aware(done) >= at)}

    # onboarding by day 90, for spells hired in the period whose day 90 has passed
    day90 = (OnboardingPlan.starts_on + 90) if db.engine.dialect.name == "postgresql" else \
        func.date(OnboardingPlan.starts_on, "+90 days")
    due = db.session.execute(
        select(OnboardingPlan.spell_id, OnboardingPlan.starts_on, func.count(PlanTask.id))
        .join(PlanTask, PlanTask.plan_id == OnboardingPlan.id)
        .where(OnboardingPlan.starts_on >= plist[0].start, OnboardingPlan.starts_on <= plist[-1].end,
               PlanTask.due_on <= day90)
        .group_by(OnboardingPlan.spell_id, OnboardingPlan.starts_on)).all()
    done_by_90 = _onboarding_done(plist, day90)
    onboarding = {sid: (starts, done_by_90.get(sid, 0) >= n_due) for sid, starts, n_due in due}

    # absence: sick working days and spells
    window_lo = plist[0].start - timedelta(weeks=52)
    absences = pd.DataFrame(db.session.execute(
        select(Absence.user_id, Absence.start_date, Absence.end_date)
        .where(Absence.absence_type == AbsenceType.sick, Absence.end_date >= window_lo,
               Absence.start_date <= plist[-1].end)).all(), columns=["user_id", "start", "end"])

    if not absences.empty:  # once, not in every period
        absences["start"] = pd.to_datetime(absences["start"])
        absences["end"] = pd.to_datetime(absences["end"])
    group_spells = spells[spells["spell_id"].isin(in_group)]
    panel_spell = group.panel.rows["spell"].to_numpy(dtype=int)
    spell_user = spells["user_id"].to_numpy()
    out: dict[str, dict[str, Figure]] = {}
    for i, p in enumerate(plist):
        people_spells = pd.DataFrame({"user_id": spell_user[panel_spell[group.members(p.snapshots[-1])]]})
        users = set(people_spells["user_id"].tolist())
        n = len(users)
        figs: dict[str, Figure] = {}
        if n:
            for key, sets in (("devplan_share", devplan), ("course_participation", course),
                              ("mentoring_coverage", mentoring)):
                k = len(users & sets.get(i, set()))
                figs[key] = Figure(value=k / n, numerator=k, denominator=n, n=n)
            figs.update(_absence(p, people_spells, group_spells, absences, today, f.tenure_band))
        # onboarding: hires of the period in the group (band <1 by definition)
        if f.tenure_band in (None, "<1"):
            ok = [done for sid, (starts, done) in onboarding.items()
                  if p.start <= starts <= p.end and starts + timedelta(days=90) <= today and sid in in_group]
            if len(ok) >= MIN_RATE:
                figs["onboarding_day90"] = Figure(value=sum(ok) / len(ok), numerator=sum(ok), denominator=len(ok),
                                                  n=len(ok))
            elif ok:
                figs["onboarding_day90"] = _hidden("small_rate", n=None)
        out[p.label] = figs
    return out


def _onboarding_done(plist: list[Period], day90) -> dict[int, int]:
    """spell id -> tasks due by day 90 that were completed by the end of day 90."""
    from lms.onboarding.models import OnboardingPlan, PlanTask

    rows = db.session.execute(
        select(OnboardingPlan.spell_id, OnboardingPlan.starts_on, PlanTask.completed_at)
        .join(PlanTask, PlanTask.plan_id == OnboardingPlan.id)
        .where(OnboardingPlan.starts_on >= plist[0].start, OnboardingPlan.starts_on <= plist[-1].end,
               PlanTask.due_on <= day90, PlanTask.completed_at.is_not(None))).all()
    out: dict[int, int] = {}
    for sid, starts, done in rows:
        limit = datetime.combine(starts + timedelta(days=91), time.min, tzinfo=timezone.utc)
        if _aware(done) < limit:
            out[sid] = out.get(sid, 0) + 1
    return out


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def working_days(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Monday–Friday days from start to end inclusive (0 where end < start)."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    days = np.busday_count(start, end + np.timedelta64(1, "D"))
    return np.where(end >= start, days, 0)


def bradford_factor(spells_count: int, days: int) -> int:
    """B = S² × D: S absence spells and D days absent over 52 weeks (group reporting only)."""
    return spells_count * spells_count * days


#: the tenure bands' first and last day after the hire date (years of 365.25 days, as `tenure_band_code`)
_BAND_DAYS = [(math.ceil(lo * 365.25), math.ceil(hi * 365.25) - 1 if hi else None)
              for lo, hi in ((0, 1), (1, 2), (2, 5), (5, None))]


def _absence(p: Period, people: pd.DataFrame, in_period: pd.DataFrame, absences: pd.DataFrame, today: date,
             band: str | None = None) -> dict[str, Figure]:
    """Absence rate over the period and mean Bradford factor over the 52 weeks to its end.

    The rate counts every working day each spell of `in_period` (the group's spells by department,
    manager and location) spent in the group during the period: from the hire date, or the day its
    tenure entered the chosen band, to its last day. So months add up to their quarter, and no
    period's figure can be subtracted from another's to single out someone who left or joined.
    The Bradford factor is a person's, so it is averaged over `people` (in headcount at the period's end).
    """
    p_end = np.datetime64(min(p.end, today), "D")
    p_start = np.datetime64(p.start, "D")
    hire = in_period["hire"].values.astype("datetime64[D]")
    first = np.maximum(hire, p_start)
    last = np.minimum(in_period["end"].values.astype("datetime64[D]"), p_end)
    if band is not None:
        lo_days, hi_days = _BAND_DAYS[TENURE_BANDS.index(band)]
        first = np.maximum(first, hire + np.timedelta64(lo_days, "D"))
        if hi_days is not None:
            last = np.minimum(last, hire + np.timedelta64(hi_days, "D"))
    keep = last >= first
    span_users = in_period["user_id"].to_numpy()[keep]
    first, last = first[keep], last[keep]
    available = int(working_days(first, last).sum()) if len(span_users) else 0
    sick = 0
    if len(span_users) and not absences.empty:
        spans = pd.DataFrame({"user_id": span_users, "first": first, "last": last})
        ab = absences.merge(spans, on="user_id")
        a_start = pd.to_datetime(ab["start"]).values.astype("datetime64[D]")
        a_end = pd.to_datetime(ab["end"]).values.astype("datetime64[D]")
        sick = int(working_days(np.maximum(a_start, ab["first"].values.astype("datetime64[D]")),
                                np.minimum(a_end, ab["last"].values.astype("datetime64[D]"))).sum())
    users = set(people["user_id"].tolist())
    ab = absences[absences["user_id"].isin(users)] if not absences.empty else absences
    b_mean = 0.0
    if not ab.empty:
        a_start = pd.to_datetime(ab["start"]).values.astype("datetime64[D]")
        a_end = pd.to_datetime(ab["end"]).values.astype("datetime64[D]")
        w_lo = p_end - np.timedelta64(52 * 7 - 1, "D")
        in_window = (a_end >= w_lo) & (a_start <= p_end)
        d = working_days(np.maximum(a_start, w_lo), np.minimum(a_end, p_end))
        per = pd.DataFrame({"user_id": ab["user_id"].values, "s": in_window.astype(int), "d": np.where(in_window, d, 0)})
        per = per.groupby("user_id").sum()
        b = per["s"] ** 2 * per["d"]
        b_mean = float(b.sum()) / len(users)
    return {
        "absence_rate": Figure(value=(sick / available) if available else None, numerator=sick, denominator=available,
                               n=len(np.unique(span_users)), hidden=None if available else "no_data"),
        "bradford": Figure(value=b_mean, n=len(users)),
    }


# --- tables for export --------------------------------------------------------------------------


def period_table(report: KpiReport) -> tuple[list[str], list[list]]:
    """Headers and rows of the KPIs by period (hidden figures are empty cells)."""
    headers = ["period", "start", "end", "partial"] + list(KPI_KEYS)
    rows = []
    for pk in report.periods:
        row = [pk.period.label, pk.period.start.isoformat(), pk.period.end.isoformat(), pk.period.is_partial]
        for key in KPI_KEYS:
            fig = pk.figures.get(key)
            row.append("" if fig is None or not fig.is_shown else _rounded(fig.value))
        rows.append(row)
    return headers, rows


def cohort_table(report: KpiReport) -> tuple[list[str], list[list]]:
    headers = ["cohort", "hired", "left_within_12_months", "first_year_attrition", "status"]
    rows = [[c.label, "" if c.figure.n is None or c.figure.hidden == "small_count" else int(c.figure.n),
             "" if not c.figure.is_shown else c.figure.numerator,
             "" if not c.figure.is_shown else _rounded(c.figure.value), c.status if c.figure.is_shown else "hidden"]
            for c in report.cohorts]
    return headers, rows


def department_table(report: KpiReport) -> tuple[list[str], list[list]]:
    headers = ["department", "depth", "avg_headcount", "leavers", "voluntary", "involuntary", "turnover"]
    rows = [[d.name, d.depth, "" if d.avg_headcount is None else _rounded(d.avg_headcount),
             "" if d.leavers is None else d.leavers, "" if d.voluntary is None else d.voluntary,
             "" if d.involuntary is None else d.involuntary, "" if d.turnover is None else _rounded(d.turnover)]
            for d in report.departments]
    return headers, rows


def _rounded(v):
    if isinstance(v, (int, np.integer)):
        return int(v)
    return round(float(v), 4)
