"""Stored results of heavy group-level analyses (`AnalyticsResult`), so HR pages read what the
nightly task computed instead of fitting survival models per request.

Results are plain dicts of numbers, strings, dates and lists; they are stored as JSON with dates,
tuples and non-finite floats tagged so they come back as they went in (PostgreSQL's JSONB has no
NaN, and a page formats a date differently from a string).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import date, datetime

import numpy as np
from sqlalchemy import func, select

from lms.extensions import db
from lms.people.models import utcnow

from .models import AnalyticsResult


def encode(value):
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return [encode(v) for v in value.tolist()]
    return value


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, inner), = value.items()
            if tag == "$tuple":
                return tuple(decode(v) for v in inner)
            if tag == "$date":
                return date.fromisoformat(inner)
            if tag == "$datetime":
                return datetime.fromisoformat(inner)
            if tag == "$float":
                return float(inner)
        return {k: decode(v) for k, v in value.items()}
    return value


def fingerprint(parts: tuple) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def people_and_engagement_fingerprint(*extra) -> str:
    """A digest of the employment spells and the engagement weeks (a few cheap aggregates), plus
    `extra`: what the retention analyses are computed from, so a stored result can tell it is stale."""
    from lms.people.models import EmploymentSpell

    from .models import EngagementWeek

    spells = db.session.execute(select(func.count(EmploymentSpell.id), func.max(EmploymentSpell.updated_at))).one()
    weeks = db.session.execute(select(func.count(), func.max(EngagementWeek.week_start),
                                      func.sum(EngagementWeek.statements)).select_from(EngagementWeek)).one()
    return fingerprint((*spells, *weeks, *extra))


def store(key: str, as_of: date, print_: str, data: dict) -> AnalyticsResult:
    """Keep `data` as the latest result of `key` (one row per key; the service flushes, the caller commits)."""
    row = db.session.get(AnalyticsResult, key)
    if row is None:
        row = AnalyticsResult(key=key)
        db.session.add(row)
    row.as_of, row.fingerprint, row.computed_at, row.data = as_of, print_, utcnow(), encode(data)
    db.session.flush()
    return row


def latest(key: str) -> AnalyticsResult | None:
    return db.session.execute(select(AnalyticsResult).where(AnalyticsResult.key == key)).scalar_one_or_none()


def get_or_compute(key: str, as_of: date, print_: str, compute: Callable[[], dict]) -> tuple[dict, AnalyticsResult, bool]:
    """The stored result for `key` if it was computed for `as_of` (or, stale, since yesterday);
    else compute, store and return it. Returns (data, row, is_current): `is_current` is False when
    the data changed after the stored result was computed (the page says so; tonight's run refreshes it)."""
    row = latest(key)
    if row is not None and row.as_of == as_of and row.fingerprint == print_:
        return decode(row.data), row, True
    if row is not None and 0 <= (as_of - row.as_of).days <= 1:
        return decode(row.data), row, row.fingerprint == print_
    data = compute()
    row = store(key, as_of, print_, data)
    return data, row, True
