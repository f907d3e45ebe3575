"""Close the loop: record what HR did for a person or a team, and follow what happened afterwards
against comparable people (or, for a team, the rest of the organisation), with honest caveats.

The comparison is observational. HR chose whom to help, usually the people at highest risk, so
a person's engagement tends to move back towards their usual level whatever was done (regression
to the mean) and the helped differ from the others in ways no figure here captures (selection).
The pages therefore call a difference an association, never an effect, say "too early to tell"
before `MIN_WEEKS_AFTER` weeks, and say "no comparable group" instead of comparing against fewer
than `MIN_COMPARISON` people.

Engagement is active learning days per week (`EngagementWeek.active_days`; a week without a row is
0). Weekly figures are aggregated in SQL; only the few chosen comparison people's weeks are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.people.models import Department, EmploymentSpell, EndType, User
from lms.people.service import ValidationError

from . import pulse
from .alerts import _subtrees, add_months
from .models import ActionKind, AlertStatus, EngagementWeek, RetentionAction, RetentionAlert

#: weeks of engagement before the action that describe "before"
PRE_WEEKS = 12
#: at most this many weeks after the action are followed
POST_WEEKS = 26
#: before this many weeks after the action, nothing is compared ("too early to tell")
MIN_WEEKS_AFTER = 4
#: fewest comparable people for a comparison; fewer and the page says "no comparable group"
MIN_COMPARISON = 5
#: at most this many nearest neighbours form the comparison group
MAX_COMPARISON = 20
#: a comparable person's pre-period engagement is within this many active days per week
CALIPER_DAYS = 1.0
#: retention is checked this many months after the action
RETENTION_MONTHS = (3, 6)
#: the years of tenure each of `pulse.tenure_band`'s bands spans (None: open-ended)
TENURE_YEARS = {"<1": (0, 1), "1-2": (1, 2), "2-5": (2, 5), "5+": (5, None)}
#: groups (actions of a kind, a team) smaller than this are not shown
MIN_GROUP = 5
#: leaver rates only for an average headcount of at least this
MIN_RATE_HEADCOUNT = 10


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- recording ------------------------------------------------------------------------------------


@dataclass
class ActionData:
    kind: ActionKind
    #: e-mail or employee number ("" for a team action)
    person: str
    department_id: int | None
    taken_on: date
    note: str = ""


def find_person(text: str) -> User | None:
    """The person with this e-mail (any case) or employee number."""
    text = (text or "").strip()
    if not text:
        return None
    return db.session.execute(select(User).where(or_(func.lower(User.email) == text.lower(),
                                                     User.employee_number == text)).limit(1)).scalar_one_or_none()


def record_action(data: ActionData, by: User, alert: RetentionAlert | None = None,
                  today: date | None = None) -> RetentionAction:
    """Validate and store one action; the alert it answers becomes "acted". Nothing is written on error."""
    today = today or date.today()
    if data.taken_on is None:
        raise ValidationError(_l("Give the date it was done."), "taken_on")
    if data.taken_on > today:
        raise ValidationError(_l("The date cannot be in the future: record an action once it has been taken."),
                              "taken_on")
    if data.taken_on < today - timedelta(days=3 * 366):
        raise ValidationError(_l("The date is more than three years ago."), "taken_on")
    has_person, has_team = bool((data.person or "").strip()), data.department_id is not None
    if not has_person and not has_team:
        raise ValidationError(_l("Choose the person or the team the action was for."), "person")
    if has_person and has_team:
        raise ValidationError(_l("Choose either a person or a team, not both."), "person")
    person = department = None
    if has_person:
        person = find_person(data.person)
        if person is None:
            raise ValidationError(_l("No one has this e-mail address or employee number."), "person")
    else:
        department = db.session.get(Department, data.department_id)
        if department is None:
            raise ValidationError(_l("Choose a team from the list."), "department_id")
    if alert is not None and alert.status is AlertStatus.dismissed:
        raise ValidationError(_l("This alert was dismissed; record the action without it."))
    action = RetentionAction(alert_id=alert.id if alert else None, kind=data.kind,
                             user_id=person.id if person else None,
                             department_id=department.id if department else None,
                             taken_on=data.taken_on, note=(data.note or "").strip()[:4000], created_by_id=by.id)
    db.session.add(action)
    if alert is not None:
        alert.status = AlertStatus.acted
    db.session.flush()
    return action


def actions_query():
    """All actions, newest first (the list page paginates it)."""
    return (select(RetentionAction)
            .options(selectinload(RetentionAction.user), selectinload(RetentionAction.department))
            .order_by(RetentionAction.taken_on.desc(), RetentionAction.id.desc()))


# --- helpers --------------------------------------------------------------------------------------


def _employed_on(day: date, spell=EmploymentSpell):
    return and_(spell.hire_date <= day, or_(spell.end_date.is_(None), spell.end_date >= day))


def _employed_ids(user_ids: list[int], day: date) -> set[int]:
    if not user_ids:
        return set()
    return set(db.session.execute(select(EmploymentSpell.user_id).where(
        EmploymentSpell.user_id.in_(user_ids), _employed_on(day)).distinct()).scalars())


def _end_dates(user_ids: list[int], day: date) -> dict[int, date]:
    """{user: last day} for those whose spell on `day` has an end date."""
    if not user_ids:
        return {}
    return dict(db.session.execute(select(EmploymentSpell.user_id, EmploymentSpell.end_date).where(
        EmploymentSpell.user_id.in_(user_ids), _employed_on(day), EmploymentSpell.end_date.is_not(None))).all())


def _spell_on(user_id: int, day: date) -> EmploymentSpell | None:
    """The person's spell on `day`, else their latest spell that started before it."""
    return db.session.execute(select(EmploymentSpell).where(
        EmploymentSpell.user_id == user_id, EmploymentSpell.hire_date <= day)
        .order_by(EmploymentSpell.hire_date.desc()).limit(1)).scalar_one_or_none()


def _weeks(start: date, count: int) -> list[date]:
    return [start + timedelta(weeks=i) for i in range(count)]


def _weekly(user_ids: list[int], first: date, last: date) -> dict[int, dict[date, int]]:
    """{user: {week: active days}} for a few people."""
    out: dict[int, dict[date, int]] = {u: {} for u in user_ids}
    if not user_ids:
        return out
    for user_id, week, days in db.session.execute(select(
            EngagementWeek.user_id, EngagementWeek.week_start, EngagementWeek.active_days).where(
            EngagementWeek.user_id.in_(user_ids), EngagementWeek.week_start >= first,
            EngagementWeek.week_start <= last)):
        out[user_id][week] = days
    return out


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _windows(action: RetentionAction, today: date) -> tuple[date, list[date], list[date], int]:
    week0 = monday(action.taken_on)
    pre = _weeks(week0 - timedelta(weeks=PRE_WEEKS), PRE_WEEKS)
    # only complete weeks after the action count (the current week is not over)
    weeks_after = max(0, (monday(today) - week0).days // 7)
    post = _weeks(week0, min(weeks_after, POST_WEEKS))
    return week0, pre, post, (today - action.taken_on).days // 7


def caveats(kind: str) -> list[str]:
    """The plain-language limits of what the comparison shows."""
    out = [
        _("This is an association, not proof of an effect: nobody was assigned to the action at random."),
        _("HR chose whom to help, often the people at highest risk. People whose engagement was unusually low "
          "tend to move back towards their usual level anyway (regression to the mean), and they may differ from "
          "the comparison in ways these figures do not show (selection bias)."),
        _("The numbers are small: one person or a few teams can move them a lot."),
    ]
    if kind == "person":
        out.append(_("Comparable people are colleagues without any recorded action, from the same department or "
                     "tenure band, whose learning activity before the date was closest to the person's."))
    else:
        out.append(_("The team is compared with the rest of the organisation, which differs from it in many ways."))
    return out


# --- follow-up of one action ----------------------------------------------------------------------


def comparison_group(action: RetentionAction, pre_first: date, week0: date) -> tuple[list[int], float, str]:
    """(comparable people, the person's pre-period mean, basis) for a person action.

    Candidates: employed on the action's date, never the subject of any recorded action, in the same
    department or tenure band (and, when the person was, employed through the whole pre-period).
    The nearest by mean active days per week in the pre-period, within `CALIPER_DAYS`, up to
    `MAX_COMPARISON`; same-department people win ties. The pre-period sums are one SQL aggregate.
    """
    day = action.taken_on
    spell = _spell_on(action.user_id, day)
    person_pre = _pre_sum(action.user_id, pre_first, week0) / PRE_WEEKS
    if spell is None:
        return [], person_pre, "none"
    # Narrow in SQL to the department or a hire-date range around the tenure band (the exact band is
    # checked below), so the pre-period aggregate reads only the candidates' weeks.
    lo_years, hi_years = TENURE_YEARS[pulse.tenure_band(spell.hire_date, day)]
    hired_after = day - timedelta(days=hi_years * 365.25 + 2) if hi_years is not None else None
    hired_before = day - timedelta(days=lo_years * 365.25 - 2)
    in_band = EmploymentSpell.hire_date <= hired_before
    if hired_after is not None:
        in_band = and_(in_band, EmploymentSpell.hire_date >= hired_after)
    pre_sum = func.coalesce(func.sum(EngagementWeek.active_days), 0)
    rows = db.session.execute(
        select(EmploymentSpell.user_id, EmploymentSpell.department_id, EmploymentSpell.hire_date, pre_sum)
        .outerjoin(EngagementWeek, and_(EngagementWeek.user_id == EmploymentSpell.user_id,
                                        EngagementWeek.week_start >= pre_first, EngagementWeek.week_start < week0))
        .where(_employed_on(day), or_(EmploymentSpell.department_id == spell.department_id, in_band))
        .group_by(EmploymentSpell.id, EmploymentSpell.user_id, EmploymentSpell.department_id, EmploymentSpell.hire_date)
    ).all()
    band = pulse.tenure_band(spell.hire_date, day)
    full_pre = spell.hire_date <= pre_first
    acted = set(db.session.execute(select(RetentionAction.user_id).where(RetentionAction.user_id.is_not(None))
                                   .distinct()).scalars())
    scored = []
    for user_id, dept_id, hire, total in rows:
        if user_id == action.user_id or user_id in acted:
            continue
        same_dept = dept_id == spell.department_id
        if not same_dept and pulse.tenure_band(hire, day) != band:
            continue
        if full_pre and hire > pre_first:
            continue
        distance = abs(total / PRE_WEEKS - person_pre)
        if distance <= CALIPER_DAYS:
            scored.append((distance, 0 if same_dept else 1, user_id))
    scored.sort()
    chosen = [u for _d, _s, u in scored[:MAX_COMPARISON]]
    return chosen, person_pre, "department_or_tenure"


def _pre_sum(user_id: int, first: date, week0: date) -> int:
    return db.session.execute(select(func.coalesce(func.sum(EngagementWeek.active_days), 0)).where(
        EngagementWeek.user_id == user_id, EngagementWeek.week_start >= first,
        EngagementWeek.week_start < week0)).scalar_one()


def _retention(action: RetentionAction, today: date, person_ids: list[int], group: list[int]) -> list[dict]:
    out = []
    for months in RETENTION_MONTHS:
        due = add_months(action.taken_on, months)
        row = {"months": months, "due_on": due, "is_due": due <= today, "person_employed": None,
               "comparison_share": None, "comparison_n": len(group)}
        if due <= today:
            employed = _employed_ids(person_ids + group, due)
            row["person_employed"] = all(p in employed for p in person_ids)
            if len(group) >= MIN_COMPARISON:
                row["comparison_share"] = sum(1 for u in group if u in employed) / len(group)
        out.append(row)
    return out


def _person_follow_up(action: RetentionAction, today: date) -> dict:
    week0, pre, post, weeks_since = _windows(action, today)
    result: dict = {"type": "person", "weeks_after": weeks_since, "weeks": pre + post, "week0": week0,
                    "min_weeks": MIN_WEEKS_AFTER, "min_comparison": MIN_COMPARISON, "caveats": caveats("person")}
    group, person_pre, _basis = comparison_group(action, pre[0], week0)
    result["comparison_n"] = len(group)
    result["has_comparison"] = len(group) >= MIN_COMPARISON
    if not result["has_comparison"]:
        group = []
    weeks = pre + post
    series = _weekly([action.user_id] + group, weeks[0], weeks[-1]) if weeks else {}
    # after someone leaves, their weeks are not zeros but gaps: leaving shows in retention, not engagement
    ends = _end_dates([action.user_id] + group, action.taken_on)

    def active(user_id: int, week: date) -> bool:
        end = ends.get(user_id)
        return end is None or week <= end

    mine = series.get(action.user_id, {})
    result["person_series"] = [(w, mine.get(w, 0) if active(action.user_id, w) else None) for w in weeks]
    if group:
        points = []
        for w in weeks:
            present = [u for u in group if active(u, w)]
            # fewer than MIN_COMPARISON left in the group that week: no figure rather than a tiny group's
            points.append((w, sum(series[u].get(w, 0) for u in present) / len(present)
                           if len(present) >= MIN_COMPARISON else None))
        result["comparison_series"] = points
    else:
        result["comparison_series"] = None
    result["too_early"] = weeks_since < MIN_WEEKS_AFTER or len(post) < MIN_WEEKS_AFTER
    person = {"pre": person_pre, "post": None, "change": None}
    comparison = {"pre": None, "post": None, "change": None}
    if group:
        comparison["pre"] = _mean(v for w, v in result["comparison_series"] if w < week0)
    if not result["too_early"]:
        person["post"] = _mean(v for w, v in result["person_series"] if w >= week0)
        if person["post"] is not None:
            person["change"] = person["post"] - person["pre"]
        if group:
            comparison["post"] = _mean(v for w, v in result["comparison_series"] if w >= week0)
            if comparison["post"] is not None and comparison["pre"] is not None:
                comparison["change"] = comparison["post"] - comparison["pre"]
    result["person"], result["comparison"] = person, comparison
    result["difference"] = (person["change"] - comparison["change"]
                            if person["change"] is not None and comparison["change"] is not None else None)
    result["retention"] = _retention(action, today, [action.user_id], group)
    return result


def _team_follow_up(action: RetentionAction, today: date) -> dict:
    week0, pre, post, weeks_since = _windows(action, today)
    day = action.taken_on
    members = sorted(_subtrees().get(action.department_id, {action.department_id}))
    in_team = case((EmploymentSpell.department_id.in_(members), 1), else_=0)
    sizes = dict(db.session.execute(select(in_team, func.count(func.distinct(EmploymentSpell.user_id)))
                                    .where(_employed_on(day)).group_by(in_team)).all())
    team_n, rest_n = sizes.get(1, 0), sizes.get(0, 0)
    result: dict = {"type": "team", "weeks_after": weeks_since, "weeks": pre + post, "week0": week0,
                    "team_n": team_n, "rest_n": rest_n, "min_weeks": MIN_WEEKS_AFTER, "min_group": MIN_GROUP,
                    "caveats": caveats("team")}
    result["too_small"] = team_n < MIN_GROUP
    result["has_comparison"] = rest_n >= MIN_GROUP
    result["too_early"] = weeks_since < MIN_WEEKS_AFTER or len(post) < MIN_WEEKS_AFTER
    weeks = pre + post
    totals: dict[tuple[int, date], int] = {}
    if weeks and not result["too_small"]:
        for flag, week, total in db.session.execute(
            select(in_team, EngagementWeek.week_start, func.sum(EngagementWeek.active_days))
            .join(EngagementWeek, EngagementWeek.user_id == EmploymentSpell.user_id)
            .where(_employed_on(day), EngagementWeek.week_start >= weeks[0], EngagementWeek.week_start <= weeks[-1])
            .group_by(in_team, EngagementWeek.week_start)
        ):
            totals[(flag, week)] = int(total or 0)
    if result["too_small"]:
        result["team_series"] = result["comparison_series"] = None
    else:
        result["team_series"] = [(w, totals.get((1, w), 0) / team_n) for w in weeks]
        result["comparison_series"] = ([(w, totals.get((0, w), 0) / rest_n) for w in weeks]
                                       if result["has_comparison"] else None)
    team = {"pre": None, "post": None, "change": None}
    rest = {"pre": None, "post": None, "change": None}
    if result["team_series"]:
        team["pre"] = _mean(v for w, v in result["team_series"] if w < week0)
        if result["comparison_series"]:
            rest["pre"] = _mean(v for w, v in result["comparison_series"] if w < week0)
        if not result["too_early"]:
            team["post"] = _mean(v for w, v in result["team_series"] if w >= week0)
            team["change"] = team["post"] - team["pre"]
            if result["comparison_series"]:
                rest["post"] = _mean(v for w, v in result["comparison_series"] if w >= week0)
                rest["change"] = rest["post"] - rest["pre"]
    result["person"], result["comparison"] = team, rest
    result["difference"] = (team["change"] - rest["change"]
                            if team["change"] is not None and rest["change"] is not None else None)
    result["leavers"] = _team_leavers(action, today, members)
    return result


def _team_leavers(action: RetentionAction, today: date, members: list[int]) -> list[dict]:
    """Voluntary leavers of the team and of the rest of the organisation in the six months before
    and (so far, up to six) after the action, as a share of the average headcount (>= 10, else hidden)."""
    day = action.taken_on
    before = (add_months(day, -6), day - timedelta(days=1))
    after = (day, min(today, add_months(day, 6)))
    out = []
    for label, (start, end) in (("before", before), ("after", after)):
        row = {"window": label, "start": start, "end": end}
        if end < start:
            out.append({**row, "team": None, "rest": None, "team_count": None, "rest_count": None})
            continue
        in_team = case((EmploymentSpell.department_id.in_(members), 1), else_=0)
        leavers = dict(db.session.execute(select(in_team, func.count()).where(
            EmploymentSpell.end_type == EndType.voluntary, EmploymentSpell.end_date >= start,
            EmploymentSpell.end_date <= end).group_by(in_team)).all())
        heads = {}
        for when in (start, end):
            for flag, n in db.session.execute(select(in_team, func.count(func.distinct(EmploymentSpell.user_id)))
                                              .where(_employed_on(when)).group_by(in_team)):
                heads[flag] = heads.get(flag, 0) + n / 2
        for flag, key in ((1, "team"), (0, "rest")):
            avg = heads.get(flag, 0)
            ok = avg >= MIN_RATE_HEADCOUNT
            row[key] = leavers.get(flag, 0) / avg if ok and avg else None
            row[f"{key}_count"] = leavers.get(flag, 0) if ok else None
            row[f"{key}_headcount"] = avg
        out.append(row)
    return out


def follow_up(action: RetentionAction, today: date | None = None) -> dict:
    """What happened after the action: engagement before/after against a comparison, and retention
    (person) or voluntary leavers (team). Keys: `type`, `too_early`, `has_comparison`, `weeks`,
    `person_series`/`team_series`, `comparison_series`, `person`, `comparison` (pre/post/change),
    `difference`, `retention` or `leavers`, and `caveats`."""
    today = today or date.today()
    if action.user_id is not None:
        return _person_follow_up(action, today)
    return _team_follow_up(action, today)


# --- across actions -------------------------------------------------------------------------------


def report_by_kind(today: date | None = None) -> list[dict]:
    """Per kind of action: how many; for person actions at least six months old, the share still
    employed after six months against the pooled share of their comparison groups. Figures for
    fewer than `MIN_GROUP` actions are hidden (None)."""
    today = today or date.today()
    months = RETENTION_MONTHS[-1]
    rows = []
    actions = db.session.execute(actions_query()).scalars().all()
    for kind in ActionKind:
        mine = [a for a in actions if a.kind is kind]
        persons = [a for a in mine if a.user_id is not None]
        due = [a for a in persons if add_months(a.taken_on, months) <= today]
        row = {"kind": kind, "n": len(mine), "n_person": len(persons), "n_team": len(mine) - len(persons),
               "n_due": len(due), "employed_share": None, "comparison_share": None, "n_compared": 0,
               "is_shown": len(due) >= MIN_GROUP}
        if row["is_shown"]:
            employed = 0
            compared_in, compared_total = 0, 0
            for a in due:
                _week0, pre, _post, _w = _windows(a, today)
                group, _pre, _b = comparison_group(a, pre[0], monday(a.taken_on))
                retention = _retention(a, today, [a.user_id], group if len(group) >= MIN_COMPARISON else [])
                six = retention[-1]
                employed += bool(six["person_employed"])
                if six["comparison_share"] is not None:
                    row["n_compared"] += 1
                    compared_total += len(group)
                    compared_in += round(six["comparison_share"] * len(group))
            row["employed_share"] = employed / len(due)
            row["comparison_share"] = compared_in / compared_total if compared_total else None
        rows.append(row)
    return rows


REPORT_KEY = "actions_report"


def _report_fingerprint() -> str:
    from . import results

    acts = db.session.execute(select(func.count(RetentionAction.id), func.max(RetentionAction.created_at))).one()
    return results.people_and_engagement_fingerprint(*acts)


def precompute_report(today: date | None = None):
    """Store `report_by_kind` for the page (the nightly task calls this; a comparison group per action
    makes it seconds at scale)."""
    from . import results

    today = today or date.today()
    rows = [{**r, "kind": r["kind"].value} for r in report_by_kind(today)]
    return results.store(REPORT_KEY, today, _report_fingerprint(), {"rows": rows})


def cached_report(today: date | None = None) -> list[dict]:
    """`report_by_kind` as stored for today when the data has not changed since; else computed now and stored."""
    from . import results

    today = today or date.today()
    data, _row, is_current = results.get_or_compute(
        REPORT_KEY, today, _report_fingerprint(),
        lambda: {"rows": [{**r, "kind": r["kind"].value} for r in report_by_kind(today)]})
    if not is_current:  # actions recorded since: the report must include them, so compute it now
        data = precompute_report(today).data
        data = results.decode(data)
    return [{**r, "kind": ActionKind(r["kind"])} for r in data["rows"]]
