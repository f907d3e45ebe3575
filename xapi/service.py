"""The LRS's domain logic: store, void, query and format statements. No Flask request here.

Functions add and flush; the caller commits (a view, a task, or a platform module that records
a statement in the same transaction as its own change).
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, any_, bindparam, exists, func, insert, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.extensions import db

from . import jsonutil
from .agents import ACTIVITY_USAGES, AGENT_USAGES, ifi_key, iter_activity_definitions, statement_links
from .models import Activity, Attachment, Statement, StatementActivity, StatementAgent

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
XAPI_VERSION = "1.0.3"
MAX_LIMIT = 500
LRS_SET = ("stored", "authority", "version")


class LRSError(Exception):
    """An error an LRS client must see, with its HTTP status."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(LRSError):
    status = 400


class Conflict(LRSError):
    status = 409


class Forbidden(LRSError):
    status = 403


class NotFound(LRSError):
    status = 404


class PreconditionFailed(LRSError):
    status = 412


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision and a Z, as xAPI clients expect."""
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _normalise(statement: dict[str, Any]) -> dict[str, Any]:
    """Store context activities as arrays (xAPI-Data 2.4.6.2) and ids lower-case."""
    s = statement
    if "id" in s:
        s["id"] = s["id"].lower()
    obj = s["object"]
    for holder in (s, obj if obj.get("objectType") == "SubStatement" else None):
        if holder is None:
            continue
        context = holder.get("context")
        if context and "contextActivities" in context:
            context["contextActivities"] = {
                k: v if isinstance(v, list) else [v] for k, v in context["contextActivities"].items()
            }
        if holder["object"].get("objectType") == "StatementRef":
            holder["object"]["id"] = holder["object"]["id"].lower()
    return s


def _comparable(statement: dict[str, Any]) -> str:
    """The parts of a statement that decide whether a re-sent statement is the same one."""
    s = {k: v for k, v in statement.items() if k not in LRS_SET}
    return json.dumps(s, sort_keys=True, separators=(",", ":"))


@dataclass
class StoreResult:
    ids: list[str]
    #: seqs of statements stored by this call (re-sent identical statements are not included)
    new_seqs: list[int] = field(default_factory=list)


def _copy(table, rows: list[dict]) -> None:
    """COPY rows (dicts with the same keys in the same order) into a PostgreSQL table inside the
    session's transaction."""
    if not rows:
        return
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    driver = db.session.connection().connection.driver_connection
    with driver.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                values = list(row.values())
                for i in json_at:
                    values[i] = Jsonb(values[i], dumps=jsonutil.dumps)
                write_row(values)


def in_values(column, values):
    """`column IN (values)`; on PostgreSQL as `= ANY(array)`: one parameter instead of hundreds,
    so the driver does not re-parse a new query text for every batch size."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _upsert_definitions(definitions: dict[str, dict], now: datetime) -> None:
    """Store new and changed activity definitions of a batch.

    Most batches re-send definitions the LRS already holds, so the current ones are read first
    (one indexed query) and only the new or changed ones are written: one INSERT … ON CONFLICT
    DO UPDATE, in id order so concurrent batches cannot deadlock, that still skips a row another
    writer has meanwhile set to the same definition.
    """
    if not definitions:
        return
    table = Activity.__table__
    current = dict(db.session.execute(select(table.c.id, table.c.definition).where(in_values(table.c.id, definitions))).all())
    changed_ids = sorted(a for a, d in definitions.items() if a not in current or current[a] != d)
    if not changed_ids:
        return
    dialect = db.session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    if dialect == "postgresql":
        changed = table.c.definition.is_distinct_from(stmt.excluded.definition)
    else:
        changed = func.coalesce(func.json(table.c.definition), "") != func.coalesce(func.json(stmt.excluded.definition), "")
    stmt = stmt.values([{"id": a, "definition": definitions[a], "updated_at": now} for a in changed_ids])
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={"definition": stmt.excluded.definition, "updated_at": stmt.excluded.updated_at},
        where=changed,
    )
    db.session.execute(stmt)


def _insert_ignore(model, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING in a fixed order, so concurrent batches cannot deadlock."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(model).on_conflict_do_nothing()
    db.session.execute(stmt, rows)


def store_statements(
    statements: list[dict[str, Any]],
    authority: dict[str, Any],
    credential_id: int | None = None,
    user_lookup=None,
    attachment_contents: dict[str, tuple[str, bytes]] | None = None,
) -> StoreResult:
    """Store validated statements as one unit: all or none. Takes ownership of the dicts.

    Re-sent identical statements are accepted without change; a different statement with a used
    id raises Conflict; voiding a voiding statement raises BadRequest.
    `user_lookup(set of actor IFIs) -> {ifi: user id}` links statements to platform people.
    """
    now = utc_now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # `stored` is shown to the millisecond
    stored_at = iso(now)
    prepared = []
    for raw in statements:  # the statements are ours now (parsed from the request): no copy
        s = _normalise(raw)
        if "id" not in s:
            s["id"] = str(uuid.uuid4())
        prepared.append(s)

    ids = [s["id"] for s in prepared]
    existing = {
        row.id: row.data
        for row in db.session.execute(select(Statement.id, Statement.data).where(in_values(Statement.id, ids)))
    }
    to_store = []
    for s in prepared:
        if s["id"] in existing:
            old = existing[s["id"]]
            incoming = dict(s)
            if "timestamp" not in incoming:
                incoming["timestamp"] = old.get("timestamp")
            if _comparable(incoming) != _comparable(old):
                raise Conflict(f"statement {s['id']} already exists with different content")
            continue
        to_store.append(s)

    # Voiding: the target must not be a voiding statement itself.
    voiding_targets = [s["object"]["id"] for s in to_store if s["verb"]["id"] == VOIDED_VERB]
    for s in to_store:
        if s["verb"]["id"] == VOIDED_VERB and s.get("object", {}).get("objectType") != "StatementRef":
            raise BadRequest("statement.object: a voiding statement's object must be a StatementRef")
    if voiding_targets:
        batch_voiding = {s["id"] for s in to_store if s["verb"]["id"] == VOIDED_VERB}
        bad = db.session.execute(
            select(Statement.id).where(Statement.id.in_(voiding_targets), Statement.is_voiding.is_(True))
        ).first()
        if bad is not None or batch_voiding & set(voiding_targets):
            raise BadRequest("statement.object.id: a voiding statement cannot be voided")

    if not to_store:
        return StoreResult(ids=ids)

    actor_keys = {ifi_key(s["actor"]) for s in to_store} - {None}
    users = user_lookup(actor_keys) if user_lookup and actor_keys else {}
    rows = []
    for s in to_store:
        s["stored"] = stored_at
        s.setdefault("timestamp", stored_at)
        s["authority"] = authority
        s.setdefault("version", "1.0.0")
        obj = s["object"]
        kind = obj.get("objectType", "Activity")
        actor_key = ifi_key(s["actor"])
        rows.append({
            "id": s["id"],
            "stored": now,
            "timestamp": _parse_ts(s["timestamp"]),
            "actor_ifi": actor_key,
            "verb_id": s["verb"]["id"],
            "object_type": kind,
            "object_ref_id": obj["id"] if kind == "StatementRef" else None,
            "registration": (s.get("context") or {}).get("registration", "").lower() or None,
            "is_voided": False,
            "is_voiding": s["verb"]["id"] == VOIDED_VERB,
            "authority_ifi": ifi_key(authority),
            "credential_id": credential_id,
            "user_id": users.get(actor_key),
            "data": s,
            "has_attachments": any(a["sha2"].lower() in (attachment_contents or {}) for a in s.get("attachments") or []),
        })

    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Take the keys from the sequence, then COPY every row: the fastest way into PostgreSQL.
        seqs = list(db.session.execute(
            text("SELECT nextval(pg_get_serial_sequence('xapi_statements', 'seq')) FROM generate_series(1, :n)"),
            {"n": len(rows)},
        ).scalars())
        for seq, row in zip(seqs, rows):
            row["seq"] = seq
    else:
        # Core inserts (no ORM unit of work): one multi-row INSERT … RETURNING.
        seqs = [
            row.seq for row in db.session.execute(
                insert(Statement.__table__).returning(Statement.__table__.c.seq, sort_by_parameter_order=True), rows
            )
        ]

    activity_rows, agent_rows = [], []
    for seq, s in zip(seqs, to_store):
        activities, agents = statement_links(s)
        direct_activities: dict[str, bool] = {}
        for activity_id, usage in activities:
            direct_activities[activity_id] = direct_activities.get(activity_id, False) or usage in ACTIVITY_USAGES
        direct_agents: dict[str, bool] = {}
        for ifi, usage in agents:
            direct_agents[ifi] = direct_agents.get(ifi, False) or usage in AGENT_USAGES
        activity_rows.extend({"activity_id": a, "stored": now, "statement_seq": seq, "is_direct": d}
                             for a, d in sorted(direct_activities.items()))
        agent_rows.extend({"agent_ifi": a, "stored": now, "statement_seq": seq, "is_direct": d}
                          for a, d in sorted(direct_agents.items()))
    if postgres:
        _copy(Statement.__table__, rows)
        _copy(StatementActivity.__table__, activity_rows)
        _copy(StatementAgent.__table__, agent_rows)
    else:
        if activity_rows:
            db.session.execute(insert(StatementActivity.__table__), activity_rows)
        if agent_rows:
            db.session.execute(insert(StatementAgent.__table__), agent_rows)

    if attachment_contents:
        _insert_ignore(Attachment, [
            {"sha2": sha2, "content_type": ctype, "content": content}
            for sha2, (ctype, content) in sorted(attachment_contents.items())
        ])

    definitions: dict[str, dict] = {}
    for s in to_store:
        for activity_id, definition in iter_activity_definitions(s):
            definitions.setdefault(activity_id, {}).update(definition)
    _upsert_definitions(definitions, now)

    if voiding_targets:
        db.session.execute(
            update(Statement).where(Statement.id.in_(voiding_targets), Statement.is_voiding.is_(False)).values(is_voided=True)
        )
    db.session.flush()
    return StoreResult(ids=ids, new_seqs=seqs)


def _parse_ts(value: str) -> datetime:
    from .validation import parse_iso8601_timestamp

    return parse_iso8601_timestamp(value)


# --- reading ---------------------------------------------------------------------------------


def get_statement(statement_id: str, voided: bool, restrict=None) -> Statement:
    """By statementId (must not be voided) or voidedStatementId (must be voided)."""
    q = select(Statement).where(Statement.id == statement_id.lower())
    if restrict is not None:
        q = q.where(restrict)
    row = db.session.execute(q).scalar_one_or_none()
    if row is None or row.is_voided != voided:
        raise NotFound(f"no {'voided ' if voided else ''}statement with id {statement_id}")
    return row


@dataclass
class Query:
    agent: str | None = None  #: ifi key
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    #: keyset position: (stored, seq) of the last statement on the previous page
    after: tuple[datetime, int] | None = None
    #: the highest seq visible when the first page was served (keeps pages stable)
    max_seq: int | None = None

    def to_token(self) -> dict:
        return {
            "agent": self.agent, "verb": self.verb, "activity": self.activity, "registration": self.registration,
            "ra": self.related_activities, "rg": self.related_agents,
            "since": iso(self.since) if self.since else None, "until": iso(self.until) if self.until else None,
            "limit": self.limit, "asc": self.ascending,
            "after": [self.after[0].isoformat(), self.after[1]] if self.after else None, "max": self.max_seq,
        }

    @classmethod
    def from_token(cls, data: dict) -> Query:
        def dt(v):
            return datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None

        return cls(
            agent=data["agent"], verb=data["verb"], activity=data["activity"], registration=data["registration"],
            related_activities=data["ra"], related_agents=data["rg"], since=dt(data["since"]), until=dt(data["until"]),
            limit=data["limit"], ascending=data["asc"],
            after=(dt(data["after"][0]), data["after"][1]) if data["after"] else None, max_seq=data["max"],
        )


def _agent_link(q: Query):
    link = StatementAgent
    return link, [link.agent_ifi == q.agent] + ([] if q.related_agents else [link.is_direct.is_(True)])


def _activity_link(q: Query):
    link = StatementActivity
    return link, [link.activity_id == q.activity] + ([] if q.related_activities else [link.is_direct.is_(True)])


def _filters(q: Query, target, driven_by=None):
    """Non-time filters on the statement table `target`, as a list of SQL conditions (leaving out
    the one the query is driven by, which is a join)."""
    conditions = []
    for wanted, link_for in ((q.agent, _agent_link), (q.activity, _activity_link)):
        if wanted and link_for is not driven_by:
            link, link_conditions = link_for(q)
            conditions.append(target.seq.in_(select(link.statement_seq).where(*link_conditions)))
    if q.verb:
        conditions.append(target.verb_id == q.verb)
    if q.registration:
        conditions.append(target.registration == q.registration.lower())
    return conditions


def query_statements(q: Query, restrict=None) -> tuple[list[Statement], Query | None]:
    """One page of statements and the query for the next page (None at the end).

    With an activity or agent filter the query is driven from that link table, whose key is in
    (id, stored, seq) order: the database walks it in the order of the answer and stops after
    one page, instead of collecting every statement of a busy course and sorting them.
    """
    from sqlalchemy.orm import aliased

    limit = MAX_LIMIT if q.limit in (0, None) else min(q.limit, MAX_LIMIT)
    if q.max_seq is None:
        q.max_seq = db.session.execute(select(func.max(Statement.seq))).scalar_one() or 0

    s = Statement
    base_conditions = [s.is_voided.is_(False), s.seq <= q.max_seq]
    if restrict is not None:
        base_conditions.append(restrict)

    def page(driver, *conditions) -> list[Statement]:
        stmt = select(Statement)
        if driver is None:
            stored, seq = s.stored, s.seq
        else:
            link, link_conditions = driver(q)
            stmt = stmt.join(link, link.statement_seq == s.seq).where(*link_conditions)
            stored, seq = link.stored, link.statement_seq
        keys = []
        if q.since:
            keys.append(stored > q.since)
        if q.until:
            keys.append(stored <= q.until)
        if q.after:
            after = tuple_(*q.after)
            # A row-value comparison, which PostgreSQL serves as one index range (an OR of the
            # two parts made every page rescan from the top: quadratic over a full walk).
            keys.append(tuple_(stored, seq) > after if q.ascending else tuple_(stored, seq) < after)
        order = (stored.asc(), seq.asc()) if q.ascending else (stored.desc(), seq.desc())
        stmt = stmt.where(*base_conditions, *keys, *conditions).order_by(*order).limit(limit + 1)
        return list(db.session.execute(stmt).scalars())

    driver = _activity_link if q.activity else _agent_link if q.agent else None
    rows = page(driver, *_filters(q, s, driven_by=driver))
    if q.agent or q.activity or q.verb or q.registration:
        # Statements whose StatementRef target matches match too, recursively
        # (xAPI-Communication 2.1.3). A second query, driven from the (few) StatementRef
        # statements through the partial index, merged in order: an OR in one query would stop
        # PostgreSQL from using the filter's index (1 s instead of 1 ms at 1M statements).
        target = aliased(Statement)
        referrer = aliased(Statement)
        base = (
            select(referrer.seq, referrer.id)
            .where(
                referrer.object_ref_id.isnot(None),
                exists().where(target.id == referrer.object_ref_id, *_filters(q, target)),
            )
            .cte("refs", recursive=True)
        )
        more_ref = aliased(Statement)
        refs = base.union(select(more_ref.seq, more_ref.id).join(base, more_ref.object_ref_id == base.c.id))
        referring = page(None, s.seq.in_(select(refs.c.seq)))
        if referring:
            merged = {row.seq: row for row in rows + referring}
            rows = sorted(merged.values(), key=lambda r: (r.stored, r.seq), reverse=not q.ascending)[: limit + 1]
    next_query = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_query = Query(**{**q.__dict__, "after": (rows[-1].stored, rows[-1].seq)})
    return rows, next_query


# --- formats ---------------------------------------------------------------------------------


def _ids_agent(agent: dict) -> dict:
    out = {k: agent[k] for k in ("objectType", *("mbox", "mbox_sha1sum", "openid", "account")) if k in agent}
    if "member" in agent and not any(k in agent for k in ("mbox", "mbox_sha1sum", "openid", "account")):
        out["member"] = [_ids_agent(m) for m in agent["member"]]
    return out


def _ids_activity(activity: dict) -> dict:
    return {"objectType": activity.get("objectType", "Activity"), "id": activity["id"]}


def format_statement(data: dict, fmt: str, languages: list[str] | None = None) -> dict:
    """exact: as stored; ids: agents and activities reduced to identifiers; canonical: one
    language per language map, the best match for `languages`."""
    if fmt == "exact":
        return data
    s = copy.deepcopy(data)
    if fmt == "ids":
        _to_ids(s)
        if s.get("object", {}).get("objectType") == "SubStatement":
            _to_ids(s["object"])
        return s
    if fmt == "canonical":
        return _canonical(s, languages or [])
    raise BadRequest(f"format: unknown format {fmt!r}; use ids, exact or canonical")


def _to_ids(s: dict) -> None:
    s["actor"] = _ids_agent(s["actor"])
    obj = s["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        s["object"] = _ids_activity(obj)
    elif kind in ("Agent", "Group"):
        s["object"] = _ids_agent(obj)
    if "authority" in s:
        s["authority"] = _ids_agent(s["authority"])
    context = s.get("context")
    if context:
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _ids_agent(context[key])
        for usage, items in (context.get("contextActivities") or {}).items():
            context["contextActivities"][usage] = [_ids_activity(a) for a in items]


LANGUAGE_MAP_KEYS = {"display", "name", "description"}


def _canonical(node: Any, languages: list[str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "extensions":
                out[key] = value
            elif key in LANGUAGE_MAP_KEYS and isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                out[key] = _pick_language(value, languages)
            else:
                out[key] = _canonical(value, languages)
        return out
    if isinstance(node, list):
        return [_canonical(item, languages) for item in node]
    return node


def _pick_language(language_map: dict[str, str], languages: list[str]) -> dict[str, str]:
    if not language_map:
        return language_map
    lowered = {k.lower(): k for k in language_map}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted in lowered:
            key = lowered[wanted]
            return {key: language_map[key]}
        for have_lower, key in lowered.items():
            if have_lower.split("-")[0] == wanted.split("-")[0]:
                return {key: language_map[key]}
    for fallback in ("en-us", "en"):
        if fallback in lowered:
            key = lowered[fallback]
            return {key: language_map[key]}
    key = next(iter(language_map))
    return {key: language_map[key]}
