"""Learning engagement per person and week, built in SQL from the LRS's statements only.

`refresh()` rebuilds rows of `engagement_weeks` with ONE ``INSERT … SELECT … GROUP BY`` statement:
statements are never loaded into Python. `person_summary()` turns those weekly rows into a few
figures per person (recent activity, days since last activity, trend against the person's own
baseline) for the retention analytics and the early-warning model.

Which statements count
----------------------
A row of ``xapi_statements`` counts when its actor is a platform person (``user_id`` set), it is not
voided (``is_voided``) and it is not itself a voiding statement (``is_voiding``). Its **effective
time** is ``least(timestamp, stored)`` (``min`` on SQLite): a client may send a timestamp in the
future, but activity cannot happen after the LRS received it, so a later timestamp is clamped to
``stored``. Weeks are ISO weeks (Monday) of the effective time in UTC; days are UTC dates.

Classification (``BASE`` = the app's ``BASE_URL`` without a trailing slash, as the modules use it;
``obj`` = the statement's object id, ``data -> object -> id``; verbs from `xapi.vocabulary.Verb`):

=====================  ==========================================================================
``statements``         every counted statement
``active_days``        distinct UTC days with a counted statement
``completions``        distinct ``obj`` with verb ``completed`` or ``passed``: courses
                       (``BASE/courses/<id>``), modules and quizzes (``…/modules/<id>``), onboarding
                       tasks and plans (``BASE/onboarding/plans/<p>[/tasks/<t>]``), plan items, goals,
                       xAPI packages. A passed quiz records ``passed`` then ``completed`` on the same
                       module: distinct objects make it one completion.
``forum_posts``        verb ``asked`` (lms/forums: a new thread)
``forum_replies``      verb ``responded`` (a reply) or ``commented`` (a reply to a reply)
``plan_items_done``    distinct ``obj`` LIKE ``BASE/plans/items/%`` with verb ``completed`` (or
                       ``passed``) (plans/devplans.complete_item records ``completed``)
``mentoring_sessions`` distinct (verb, ``obj``) with ``obj`` LIKE ``BASE/mentoring/sessions/%`` and verb
                       ``mentored`` (the mentor) or ``attended`` (the mentee) (plans/mentoring.log_session;
                       one person has only one of the two on a session)
``checkins_held``      distinct ``obj`` LIKE ``BASE/checkins/%`` with verb ``attended`` (1:1 check-ins,
                       plans/checkins.mark_held: manager and report each get one). Onboarding
                       check-ins (``…/onboarding/plans/<p>/checkins/<day>``, ``answered``) are not 1:1s.
``last_at``            the latest effective time in the week
=====================  ==========================================================================

The same text is in ``/work/helpers/ENGAGEMENT_SPEC.md`` for the demo-data simulator: a simulator that
writes statements directly must set both ``timestamp`` and ``stored`` (effective time is the smaller).

Speed
-----
One pass over ``xapi_statements`` and only grouped aggregates that PostgreSQL hashes (no
``COUNT(DISTINCT …)``, which sorts inside every group): each statement is narrowed to small values
(the verb as a class number; the object id read from the JSON only for the four verbs that need it,
a ``CASE`` leaving every other statement's JSON untouched), grouped by person, week, class and
object (with seven weekday flags for active days), then by person and week. A windowed refresh (the
nightly 8 weeks) bounds ``stored >= <first Monday>`` — exact, since effective time ≤ ``stored`` —
so it reads the recent statements through the index ``ix_xapi_statements_stored_seq`` (a bitmap
index scan); ``full=True`` is one sequential scan. Measured on PostgreSQL on the shared 2-core
development machine under a load average of about 5 (so slow by a factor of 2–3): 1,000,000
statements (10,000 people, two years) — the nightly 8 weeks (~75,000 statements) in 1–4 s; a full
rebuild of 760,000 weeks in about 45 s, of which the SELECT is 11 s and the rest deleting and
inserting rows with their indexes. Rows of other weeks are never touched.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import bindparam, delete, select, text

from lms.extensions import db
from lms.people.models import UTCDateTime
from xapi.vocabulary import Verb

from .models import EngagementWeek

#: the nightly refresh rebuilds the current week and the 7 before it (late statements land there)
DEFAULT_WEEKS = 8
#: PostgreSQL memory for the refresh's hash aggregates (hash tables may use twice this; beyond that
#: they spill to disk, slower but bounded)
HASH_MEMORY = "128MB"
#: recent window and baseline of `person_summary`, in complete weeks
RECENT_WEEKS = 4
BASELINE_WEEKS = 12


def monday(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _dialect_sql() -> dict[str, str]:
    """Effective time, its week's Monday and weekday, and the object id, per database."""
    if db.session.get_bind().dialect.name == "postgresql":
        eff = "LEAST(s.timestamp, s.stored)"
        return {
            "eff": eff,
            "week": f"CAST(date_trunc('week', {eff} AT TIME ZONE 'UTC') AS DATE)",
            # 0 = Monday … 6 = Sunday
            "dow": f"(CAST(EXTRACT(ISODOW FROM {eff} AT TIME ZONE 'UTC') AS INTEGER) - 1)",
            "obj": "(s.data -> 'object' ->> 'id')",
            # a fence: without it the planner flattens the subquery and sorts whole rows (JSON
            # included) before computing the narrow values
            "fence": "OFFSET 0",
        }
    # SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text: min() compares them
    # correctly, and 'weekday 0' then '-6 days' is the Monday of the ISO week.
    eff = "min(s.timestamp, s.stored)"
    return {
        "eff": eff,
        "week": f"date({eff}, 'weekday 0', '-6 days')",
        "dow": f"((CAST(strftime('%w', {eff}) AS INTEGER) + 6) % 7)",
        "obj": "json_extract(s.data, '$.object.id')",
        "fence": "",
    }


def _insert_sql(windowed: bool) -> str:
    d = _dialect_sql()
    window = (f"AND s.stored >= :lo AND {d['eff']} >= :lo AND {d['eff']} < :hi" if windowed else "")
    days = " + ".join(f"MAX(g.d{i})" for i in range(7))
    day_flags = ", ".join(f"MAX(CASE WHEN t.dow = {i} THEN 1 ELSE 0 END) AS d{i}" for i in range(7))
    # Three steps, all plain grouped aggregates that PostgreSQL can hash (no DISTINCT aggregate,
    # which would sort every group): (t) each statement narrowed to small values — the verb as a
    # class number, the object id read from the JSON only for the verbs that need it; (g) one row
    # per person, week, class and object, with the weekdays it occurred on as seven flags; then one
    # row per person and week, where a `g` row of class 1, 5 or 6 is one distinct object.
    return f"""
        INSERT INTO engagement_weeks (user_id, week_start, active_days, statements, completions, forum_posts,
                                      forum_replies, plan_items_done, mentoring_sessions, checkins_held, last_at)
        SELECT g.user_id, g.week_start,
               {days},
               SUM(g.n),
               SUM(CASE WHEN g.cls = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN g.cls = 3 THEN g.n ELSE 0 END),
               SUM(CASE WHEN g.cls = 4 THEN g.n ELSE 0 END),
               SUM(CASE WHEN g.cls = 1 AND g.obj LIKE :items THEN 1 ELSE 0 END),
               SUM(CASE WHEN g.cls IN (5, 6) AND g.obj LIKE :sessions THEN 1 ELSE 0 END),
               SUM(CASE WHEN g.cls = 5 AND g.obj LIKE :checkins THEN 1 ELSE 0 END),
               MAX(g.last_at)
        FROM (
            SELECT t.user_id, t.week_start, t.cls, t.obj, COUNT(*) AS n, MAX(t.eff) AS last_at, {day_flags}
            FROM (
                SELECT s.user_id AS user_id, {d['week']} AS week_start, {d['dow']} AS dow, {d['eff']} AS eff,
                       CASE s.verb_id WHEN :completed THEN 1 WHEN :passed THEN 1 WHEN :asked THEN 3
                                      WHEN :responded THEN 4 WHEN :commented THEN 4 WHEN :attended THEN 5
                                      WHEN :mentored THEN 6 ELSE 0 END AS cls,
                       CASE WHEN s.verb_id IN (:completed, :passed, :attended, :mentored) THEN {d['obj']} END AS obj
                FROM xapi_statements s
                WHERE s.user_id IS NOT NULL AND s.is_voided = :false AND s.is_voiding = :false {window}
                {d['fence']}
            ) t
            GROUP BY t.user_id, t.week_start, t.cls, t.obj
        ) g
        GROUP BY g.user_id, g.week_start
    """


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern for IRIs starting with `prefix` (IRIs have no % or _ that matter here, but
    an underscore in a host name would match any character: harmless, it only widens the host)."""
    return prefix + "%"


def refresh(since: date | None = None, until: date | None = None, *, full: bool = False) -> int:
    """Delete and rebuild the `engagement_weeks` rows of the weeks from `since`'s Monday to `until`'s
    week (defaults: the current week and the 7 before; `full=True`: every week). Returns the number
    of rows written. Adds and flushes; the caller commits."""
    today = date.today()
    base = current_app.config["BASE_URL"].rstrip("/")
    params = {
        "completed": Verb.COMPLETED[0], "passed": Verb.PASSED[0], "asked": Verb.ASKED[0],
        "responded": Verb.RESPONDED[0], "commented": Verb.COMMENTED[0], "attended": Verb.ATTENDED[0],
        "mentored": Verb.MENTORED[0],
        "items": _like_prefix(f"{base}/plans/items/"),
        "sessions": _like_prefix(f"{base}/mentoring/sessions/"),
        "checkins": _like_prefix(f"{base}/checkins/"),
        "false": False,
    }
    if db.session.get_bind().dialect.name == "postgresql":
        # two refreshes at once would both insert the same weeks: the second waits for the first
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('analytics.refresh_engagement'))"))
        # the grouping's hash tables, for this transaction only
        db.session.execute(text(f"SET LOCAL work_mem = '{HASH_MEMORY}'"))
    if full:
        if since is not None or until is not None:
            raise ValueError("full=True rebuilds every week; leave since and until out")
        db.session.execute(delete(EngagementWeek).execution_options(synchronize_session=False))
        stmt = text(_insert_sql(windowed=False))
    else:
        until = until or today
        first = monday(since) if since is not None else monday(until) - timedelta(weeks=DEFAULT_WEEKS - 1)
        last = monday(until)
        if first > last:
            raise ValueError("since is after until")
        db.session.execute(
            delete(EngagementWeek).where(EngagementWeek.week_start >= first, EngagementWeek.week_start <= last)
            .execution_options(synchronize_session=False)
        )
        params.update(lo=_utc(first), hi=_utc(last + timedelta(days=7)))
        stmt = text(_insert_sql(windowed=True)).bindparams(
            bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime()),
        )
    result = db.session.execute(stmt, params)
    db.session.flush()
    return max(result.rowcount or 0, 0)


# --- per-person summary ------------------------------------------------------------------------

SUMMARY_COLUMNS = [
    "active_weeks_4", "statements_4", "active_days_4",
    "active_weeks_12", "statements_12", "active_days_12",
    "days_since_last", "trend_ratio", "trend_z",
]


def _weeks_frame(user_ids: list[int] | None, first: date, end: date) -> pd.DataFrame:
    cols = [EngagementWeek.user_id, EngagementWeek.week_start, EngagementWeek.statements, EngagementWeek.active_days]
    frames = []
    chunks = [None] if user_ids is None else [user_ids[i:i + 5000] for i in range(0, len(user_ids), 5000)]
    for chunk in chunks:
        q = select(*cols).where(EngagementWeek.week_start >= first, EngagementWeek.week_start < end)
        if chunk is not None:
            q = q.where(EngagementWeek.user_id.in_(chunk))
        frames.append(pd.DataFrame(db.session.execute(q).all(), columns=["user_id", "week_start", "statements",
                                                                        "active_days"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _last_activity(user_ids: list[int] | None, as_of: date) -> pd.Series:
    end = _utc(as_of + timedelta(days=1))
    frames = []
    chunks = [None] if user_ids is None else [user_ids[i:i + 5000] for i in range(0, len(user_ids), 5000)]
    for chunk in chunks:
        q = (select(EngagementWeek.user_id, db.func.max(EngagementWeek.last_at))
             .where(EngagementWeek.week_start <= as_of, EngagementWeek.last_at < end)
             .group_by(EngagementWeek.user_id))
        if chunk is not None:
            q = q.where(EngagementWeek.user_id.in_(chunk))
        frames.extend(db.session.execute(q).all())
    last = {}
    for user_id, at in frames:
        if at is not None and isinstance(at, str):  # SQLite aggregate returns the stored text
            at = datetime.fromisoformat(at)
        if at is not None:
            last[user_id] = at.date() if isinstance(at, datetime) else at
    return pd.Series(last, dtype="object")


def person_summary(user_ids: list[int] | None, as_of: date) -> pd.DataFrame:
    """Per person (index `user_id`; every id asked for gets a row): activity in the last 4 and 12
    complete weeks before `as_of`'s week, days since last activity, and the trend against the
    person's own baseline. `user_ids=None` takes everybody with any activity.

    Windows use only complete ISO weeks before the week containing `as_of`, so nothing after `as_of`
    leaks into a past snapshot (a model trained at a past date sees what it would have seen then).

    - ``active_weeks_N``: weeks with any activity among the last N; ``statements_N`` and
      ``active_days_N``: their totals.
    - ``days_since_last``: `as_of` minus the date of the latest activity on or before `as_of`
      (NaN if none). The table keeps only each week's last time, so for a past `as_of` activity
      earlier in the same week as later activity is not seen: at most 6 days too many.
    - ``trend_ratio`` = (mean active days per week in the last 4 weeks) / (mean active days per
      week in the 12 weeks before those); 1 = as usual, 0.5 = half as active. NaN when the baseline
      has no activity (no baseline to compare with, e.g. a new hire).
    - ``trend_z`` = (recent mean − baseline mean) / max(baseline SD of the weekly values, 0.5):
      how unusual the last 4 weeks are for this person (negative = quieter); the floor of half a
      day keeps steady people from getting huge scores for small changes. NaN without a baseline.

    Active days, not statement counts, measure the trend: one video can send hundreds of statements.
    """
    ids = None if user_ids is None else sorted({int(u) for u in user_ids})
    end = monday(as_of)
    first = end - timedelta(weeks=RECENT_WEEKS + BASELINE_WEEKS)
    weeks = _weeks_frame(ids, first, end)
    index_ids = ids if ids is not None else sorted(set(weeks["user_id"]) if not weeks.empty else set())
    out = pd.DataFrame(index=pd.Index(index_ids, name="user_id"), columns=SUMMARY_COLUMNS, dtype=float)
    if not index_ids:
        return out
    week_starts = [first + timedelta(weeks=i) for i in range(RECENT_WEEKS + BASELINE_WEEKS)]
    if weeks.empty:
        days = pd.DataFrame(0.0, index=out.index, columns=week_starts)
        stmts = days.copy()
    else:
        weeks["week_start"] = pd.to_datetime(weeks["week_start"]).dt.date
        days = weeks.pivot_table(index="user_id", columns="week_start", values="active_days", aggfunc="sum")
        stmts = weeks.pivot_table(index="user_id", columns="week_start", values="statements", aggfunc="sum")
        days = days.reindex(index=out.index, columns=week_starts).fillna(0.0).astype(float)
        stmts = stmts.reindex(index=out.index, columns=week_starts).fillna(0.0).astype(float)
    recent4 = week_starts[-RECENT_WEEKS:]
    recent12 = week_starts[-12:]
    baseline = week_starts[:BASELINE_WEEKS]
    for n, cols in ((4, recent4), (12, recent12)):
        out[f"active_weeks_{n}"] = (days[cols] > 0).sum(axis=1).astype(float)
        out[f"statements_{n}"] = stmts[cols].sum(axis=1)
        out[f"active_days_{n}"] = days[cols].sum(axis=1)
    recent_mean = days[recent4].mean(axis=1)
    base_mean = days[baseline].mean(axis=1)
    base_sd = days[baseline].std(axis=1, ddof=1)
    has_base = base_mean > 0
    out["trend_ratio"] = np.where(has_base, recent_mean / base_mean.where(has_base, 1.0), np.nan)
    out["trend_z"] = np.where(has_base, (recent_mean - base_mean) / np.maximum(base_sd, 0.5), np.nan)
    last = _last_activity(ids, as_of)
    out["days_since_last"] = [float((as_of - last[u]).days) if u in last.index else np.nan for u in out.index]
    return out
