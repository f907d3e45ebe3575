"""The rule engine on the xAPI statement stream: points into the ledger (and its leaderboard
buckets), facts the badge rules count, learning weeks, and course certificates.

Everything here is idempotent and order-free: the ledger's unique key, the facts' primary key
and the certificates' unique key make a redelivered statement change nothing, and buckets and
caps use the statement's own timestamp, so a late statement lands in the week it happened.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from sqlalchemy import Date, Integer, and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.extensions import db
from lms.people.models import User
from xapi.models import Statement
from xapi.vocabulary import ActivityType, Extension, Verb

from .models import (
    Certificate,
    FactKind,
    LearningWeek,
    PointsEntry,
    PointsGroupTotal,
    PointsRule,
    PointsTotal,
    StreamCursor,
    StreamFact,
)

#: statements that count as learning for the weekly streak: these verbs on these activity types
LEARNING_VERBS = {Verb.COMPLETED[0], Verb.PASSED[0], Verb.EXPERIENCED[0], Verb.ANSWERED[0], Verb.ATTEMPTED[0],
                  Verb.PROGRESSED[0]}
LEARNING_TYPES = {ActivityType.COURSE, ActivityType.MODULE, ActivityType.LESSON, ActivityType.MEDIA, ActivityType.FILE,
                  ActivityType.ASSESSMENT, ActivityType.QUESTION, ActivityType.PERFORMANCE}
ONBOARDING_DAYS = 90
BATCH = 2000


def _insert(model):
    """The dialect's INSERT (ON CONFLICT on SQLite and PostgreSQL alike) of the model's table,
    in Core, without the ORM's bulk bookkeeping (a third of the engine's time)."""
    name = db.session.get_bind().dialect.name
    return (pg_insert if name == "postgresql" else sqlite_insert)(model.__table__)


def _insert_rows(model, rows: list[dict], conflict=None) -> None:
    """INSERT the rows, `conflict(stmt)` adding the ON CONFLICT clause. On PostgreSQL one
    statement whose columns arrive as arrays (INSERT ... SELECT unnest(...)): an executemany there
    is one statement per row on the server, which took two thirds of a batch's time, and
    multi-row VALUES cost as much again to compile. SQLite, in process, takes the executemany."""
    if not rows:
        return
    if db.session.get_bind().dialect.name != "postgresql":
        stmt = _insert(model)
        db.session.execute(conflict(stmt) if conflict else stmt, rows)
        return
    table = model.__table__
    columns = [table.c[name] for name in rows[0]]
    arrays = select(*[func.unnest(bindparam(f"u_{c.name}", type_=ARRAY(c.type))) for c in columns])
    stmt = pg_insert(table).from_select(columns, arrays)
    db.session.execute(conflict(stmt) if conflict else stmt,
                       {f"u_{c.name}": [row[c.name] for row in rows] for c in columns})


def _add_points(column):
    """ON CONFLICT: add the new row's points to the existing row's."""
    def clause(stmt):
        return stmt.on_conflict_do_update(index_elements=column, set_={"points": stmt.table.c.points + stmt.excluded.points})
    return clause


def periods_of(moment: datetime) -> tuple[str, str, str]:
    """The leaderboard buckets a moment counts in: ISO week, month and all time."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}", f"{moment:%Y-%m}", "all"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _object_type(data: dict) -> str | None:
    return ((data.get("object") or {}).get("definition") or {}).get("type")


def _object_name(data: dict) -> str:
    definition = (data.get("object") or {}).get("definition") or {}
    names = definition.get("name") or {}
    return next(iter(names.values()), None) or (data.get("object") or {}).get("id", "")


@dataclass
class Outcome:
    """What one run of the engine did (for tests, the CLI and the benchmark)."""

    #: statements looked at
    statements: int = 0
    points_entries: int = 0
    facts: int = 0
    certificates: int = 0
    #: people whose badge rules may now be met
    user_ids: set[int] = field(default_factory=set)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def process_statements(seqs: Iterable[int]) -> Outcome:
    """Run every rule over these stored statements; returns what changed. Idempotent."""
    outcome = Outcome()
    seqs = sorted(set(seqs))
    outcome.statements = len(seqs)
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for start in range(0, len(seqs), BATCH):
        _process_batch(seqs[start:start + BATCH], outcome, totals)
    # The buckets last: their rows (a department's week, say) are shared by every worker, and an
    # upserted row stays locked until the commit, so the lock is held for the shortest time.
    add_to_totals(totals)
    return outcome


def _process_batch(seqs: list[int], outcome: Outcome, totals: dict[tuple[str, int], int]) -> None:
    rows = db.session.execute(
        select(Statement.seq, Statement.id, Statement.user_id, Statement.verb_id, Statement.timestamp, Statement.data)
        .where(Statement.seq.in_(seqs), Statement.user_id.is_not(None), Statement.is_voided.is_(False),
               Statement.is_voiding.is_(False))
        .order_by(Statement.seq)
    ).all()
    if not rows:
        return
    _award_points(rows, outcome, totals)
    _collect_facts(rows, outcome)


# --- points ----------------------------------------------------------------------------------


def _active_rules() -> dict[str, list[PointsRule]]:
    by_verb: dict[str, list[PointsRule]] = defaultdict(list)
    for rule in db.session.execute(select(PointsRule).where(PointsRule.is_active.is_(True))).scalars():
        by_verb[rule.verb_id].append(rule)
    return by_verb


def _award_points(rows, outcome: Outcome, totals: dict[tuple[str, int], int]) -> None:
    """Ledger entries for the statements the rules match, within the daily caps; their points
    are added to `totals` (bucket, person) for the caller to upsert."""
    rules = _active_rules()
    if not rules:
        return
    candidates = []
    for seq, sid, user_id, verb_id, timestamp, data in rows:
        kind = _object_type(data)
        for rule in rules.get(verb_id, ()):
            if rule.activity_type is None or rule.activity_type == kind:
                candidates.append((seq, sid, user_id, _utc(timestamp), data, rule))
    if not candidates:
        return
    seqs = {c[0] for c in candidates}
    done = set(db.session.execute(
        select(PointsEntry.user_id, PointsEntry.rule_id, PointsEntry.statement_seq)
        .where(PointsEntry.statement_seq.in_(seqs))
    ).tuples().all())
    # Points already earned per (person, capped rule, day), so a cap holds across batches.
    capped = [c for c in candidates if c[5].daily_cap is not None]
    used: dict[tuple[int, int, date], int] = defaultdict(int)
    if capped:
        keys = {(c[2], c[5].id, c[3].date()) for c in capped}
        for user_id, rule_id, day, total in db.session.execute(*_points_used(keys)).tuples().all():
            if (user_id, rule_id, day) in keys:
                used[(user_id, rule_id, day)] = int(total)
    entries = []
    for seq, sid, user_id, moment, data, rule in candidates:
        if (user_id, rule.id, seq) in done:
            continue
        day = moment.date()
        if rule.daily_cap is not None:
            if used[(user_id, rule.id, day)] + rule.points > rule.daily_cap:
                continue
            used[(user_id, rule.id, day)] += rule.points
        done.add((user_id, rule.id, seq))
        entries.append({"user_id": user_id, "rule_id": rule.id, "statement_seq": seq, "statement_id": sid,
                        "points": rule.points, "reason": f"{rule.name}: {_object_name(data)}"[:300],
                        "earned_at": moment, "earned_on": day, "created_at": datetime.now(timezone.utc)})
        for period in periods_of(moment):
            totals[(period, user_id)] += rule.points
    if not entries:
        return
    _insert_rows(PointsEntry, entries)
    outcome.points_entries += len(entries)
    outcome.user_ids.update(e["user_id"] for e in entries)


def _points_used(keys: set[tuple[int, int, date]]):
    """The query (and its parameters) for the points already earned per (person, rule, day)."""
    columns = (PointsEntry.user_id, PointsEntry.rule_id, PointsEntry.earned_on)
    query = select(*columns, func.sum(PointsEntry.points)).group_by(*columns)
    if db.session.get_bind().dialect.name == "postgresql":
        # The keys as a table joined on the (user, rule, day) index: one index probe per key. Three
        # IN lists made PostgreSQL 15 read every ledger row of those people (140 ms a batch).
        wanted = func.unnest(bindparam("k_user", type_=ARRAY(Integer)), bindparam("k_rule", type_=ARRAY(Integer)),
                             bindparam("k_day", type_=ARRAY(Date))).table_valued("user_id", "rule_id", "earned_on").render_derived()
        ordered = sorted(keys)
        return (query.join(wanted, and_(PointsEntry.user_id == wanted.c.user_id, PointsEntry.rule_id == wanted.c.rule_id,
                                        PointsEntry.earned_on == wanted.c.earned_on)),
                {"k_user": [k[0] for k in ordered], "k_rule": [k[1] for k in ordered], "k_day": [k[2] for k in ordered]})
    # Three IN lists, not a row-value IN: SQLite walks the (user, rule, day) index only for the
    # former (the latter scanned the whole ledger: 2.5 s at 2,000,000 rows); extra rows are
    # filtered by the caller.
    return (query.where(PointsEntry.user_id.in_({k[0] for k in keys}), PointsEntry.rule_id.in_({k[1] for k in keys}),
                        PointsEntry.earned_on.in_({k[2] for k in keys})), {})


def add_to_totals(totals: dict[tuple[str, int], int]) -> None:
    """Add points to the leaderboard buckets of the people, and of their current teams and
    departments (one upsert each)."""
    if not totals:
        return
    # Rows in key order: concurrent workers then lock bucket rows in the same order (no deadlock).
    _insert_rows(PointsTotal, [{"period": p, "user_id": u, "points": n} for (p, u), n in sorted(totals.items())],
                 _add_points(["period", "user_id"]))
    groups: dict[tuple[str, str, int], int] = defaultdict(int)
    memberships = current_groups({u for _p, u in totals})
    for (period, user_id), points in totals.items():
        manager_id, department_id = memberships.get(user_id, (None, None))
        if manager_id is not None:
            groups[(period, "team", manager_id)] += points
        if department_id is not None:
            groups[(period, "department", department_id)] += points
    if groups:
        _insert_rows(PointsGroupTotal, [{"period": p, "kind": k, "group_id": g, "points": n}
                                        for (p, k, g), n in sorted(groups.items())],
                     _add_points(["period", "kind", "group_id"]))


def current_groups(user_ids: set[int]) -> dict[int, tuple[int | None, int]]:
    """Each person's manager and department from their open employment spell."""
    from lms.people.models import EmploymentSpell

    out = {}
    ids = sorted(user_ids)
    for start in range(0, len(ids), 900):
        for user_id, manager_id, department_id in db.session.execute(
            select(EmploymentSpell.user_id, EmploymentSpell.manager_id, EmploymentSpell.department_id)
            .where(EmploymentSpell.user_id.in_(ids[start:start + 900]), EmploymentSpell.end_date.is_(None))
            .order_by(EmploymentSpell.hire_date)
        ).tuples().all():
            out[user_id] = (manager_id, department_id)
    return out


# --- facts, learning weeks, certificates ------------------------------------------------------


def _fact_of(verb_id: str, kind: str | None, data: dict) -> FactKind | None:
    if verb_id == Verb.COMPLETED[0]:
        if kind == ActivityType.COURSE:
            return FactKind.course_completed
        if kind == ActivityType.GOAL:
            return FactKind.goal_completed
        if kind == ActivityType.CHECKLIST:
            day = ((data.get("context") or {}).get("extensions") or {}).get(Extension.ONBOARDING_DAY)
            if isinstance(day, (int, float)) and day <= ONBOARDING_DAYS:
                return FactKind.onboarding_by_day_90
    elif verb_id == Verb.RECEIVED[0] and kind == ActivityType.QUESTION_THREAD:
        if (data.get("result") or {}).get("success", True):
            return FactKind.helpful_answer
    elif verb_id == Verb.MENTORED[0] and kind == ActivityType.TUTOR_SESSION:
        return FactKind.mentored_session
    return None


def _collect_facts(rows, outcome: Outcome) -> None:
    facts, weeks, completions = {}, set(), []
    for seq, _sid, user_id, verb_id, timestamp, data in rows:
        kind = _object_type(data)
        moment = _utc(timestamp)
        object_id = (data.get("object") or {}).get("id", "")
        fact = _fact_of(verb_id, kind, data)
        if fact is not None:
            key = (user_id, fact, object_id)
            if key not in facts or facts[key][0] > seq:  # the earliest statement of a fact wins
                facts[key] = (seq, moment)
            if fact == FactKind.course_completed:
                completions.append((user_id, object_id, _object_name(data), moment, seq))
        if verb_id in LEARNING_VERBS and (kind in LEARNING_TYPES or (data.get("context") or {}).get("registration")):
            weeks.add((user_id, week_start(moment.date())))
    if facts:
        _insert_rows(StreamFact, [{"user_id": u, "kind": k, "object_id": o[:2048], "statement_seq": s, "happened_at": m}
                                  for (u, k, o), (s, m) in sorted(facts.items(), key=lambda f: (f[0][0], f[0][1].value, f[0][2]))],
                     lambda stmt: stmt.on_conflict_do_nothing())
        outcome.facts += len(facts)
        outcome.user_ids.update(u for u, _k, _o in facts)
    if weeks:
        _insert_rows(LearningWeek, [{"user_id": u, "week_on": w} for u, w in sorted(weeks)],
                     lambda stmt: stmt.on_conflict_do_nothing())
        outcome.user_ids.update(u for u, _w in weeks)
    if completions:
        outcome.certificates += _issue_certificates(completions)


def _issue_certificates(completions) -> int:
    """A certificate per person and course, the first time the course is completed."""
    have = set(db.session.execute(
        select(Certificate.user_id, Certificate.course_iri)
        .where(Certificate.user_id.in_({c[0] for c in completions}),
               Certificate.course_iri.in_({c[1] for c in completions}))
    ).tuples().all())
    names = {i: f"{first} {last}" for i, first, last in db.session.execute(
        select(User.id, User.first_name, User.last_name).where(User.id.in_({c[0] for c in completions}))).all()}
    n = 0
    for user_id, iri, title, moment, seq in sorted(completions, key=lambda c: c[4]):
        if (user_id, iri) in have:
            continue
        have.add((user_id, iri))
        db.session.add(Certificate(uid=secrets.token_hex(16), user_id=user_id, course_iri=iri, course_title=title[:255],
                                   recipient_name=names.get(user_id, "")[:210], completed_at=moment, statement_seq=seq))
        n += 1
    db.session.flush()
    return n


# --- catching up ------------------------------------------------------------------------------


def catch_up(limit: int = 20000) -> Outcome:
    """Process statements after the cursor (a lost announcement, or the demo's history), in seq
    order, and move the cursor. Safe to run at any time: processing is idempotent."""
    cursor = db.session.get(StreamCursor, "engine")
    if cursor is None:
        cursor = StreamCursor(name="engine", last_seq=0)
        db.session.add(cursor)
        db.session.flush()
    seqs = list(db.session.execute(
        select(Statement.seq).where(Statement.seq > cursor.last_seq).order_by(Statement.seq).limit(limit)
    ).scalars())
    outcome = process_statements(seqs)
    if seqs:
        cursor.last_seq = seqs[-1]
    db.session.flush()
    return outcome

