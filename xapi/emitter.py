"""`record()`: the one way platform modules write learning events to the LRS.

A module calls `record(...)` inside its own transaction; the statement is validated and stored
with the same commit as the module's change (or not at all), and after that commit a Celery task
announces it to subscribers (gamification, analytics).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from flask import current_app
from tincan import Activity, ActivityDefinition, Agent, Context, LanguageMap, Result, Statement, Verb

from lms.queue import enqueue

from . import service
from .validation import validate_statements


def platform_authority() -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "name": "Fasthold",
        "account": {"homePage": current_app.config["BASE_URL"], "name": "fasthold-platform"},
    }


def actor_for(user) -> Agent:
    """The xAPI Agent for a platform person (identified by e-mail, as content packages do)."""
    return Agent(name=user.full_name, mbox=f"mailto:{user.email}")


def record(
    user,
    verb: tuple[str, str],
    activity_id: str,
    *,
    activity_name: str | None = None,
    activity_type: str | None = None,
    result: Result | None = None,
    context: Context | None = None,
    statement_id: str | None = None,
) -> str:
    """Validate and store one statement about `user` in the current transaction; returns its id."""
    definition = None
    if activity_name or activity_type:
        definition = ActivityDefinition(
            name=LanguageMap({"en-US": activity_name}) if activity_name else None,
            type=activity_type,
        )
    statement = Statement(
        id=statement_id,
        actor=actor_for(user),
        verb=Verb(id=verb[0], display=LanguageMap({"en-US": verb[1]})),
        object=Activity(id=activity_id, definition=definition),
        result=result,
        context=context,
    )
    return record_statement(json.loads(statement.to_json()), user_ids={f"mbox:mailto:{user.email}": user.id})[0]


def record_statement(statement: dict[str, Any] | list[dict[str, Any]], user_ids: dict[str, int] | None = None) -> list[str]:
    """Store raw xAPI statement JSON with the platform as authority (for imports and modules)."""
    statements = validate_statements(statement)
    result = service.store_statements(statements, platform_authority(), None, lambda _ifis: user_ids or {})
    if result.new_seqs:
        from .tasks import announce_statements

        enqueue(announce_statements, result.new_seqs)
    return result.ids


#: functions called with a list of stored statement seqs, after commit, in the worker
SUBSCRIBERS: list[Callable[[list[int]], None]] = []


def subscribe(func: Callable[[list[int]], None]) -> Callable[[list[int]], None]:
    """Register a subscriber to the statement stream (gamification and analytics use this)."""
    if func not in SUBSCRIBERS:
        SUBSCRIBERS.append(func)
    return func
