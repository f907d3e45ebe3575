"""Write an AuditEntry for every change to employment data, whoever makes it.

The listener runs at flush time, so views, the CLI, imports and tasks are all covered without
each remembering to log: a change and its audit row are committed together or not at all.
"""

from __future__ import annotations

import contextvars
import enum
from datetime import date, datetime
from typing import Any, Callable, Iterable

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .models import AuditEntry, EmploymentSpell, User, UserRole

#: the acting user's id outside a request (CLI commands and tasks may set it)
system_actor: contextvars.ContextVar[int | None] = contextvars.ContextVar("system_actor", default=None)

# Which columns of which models are employment data worth an audit row.
AUDITED: dict[type, tuple[str, ...]] = {
    EmploymentSpell: (
        "hire_date", "end_date", "end_type", "is_regretted", "department_id", "manager_id", "job_title",
    ),
    User: ("email", "first_name", "last_name", "employee_number", "is_active", "is_mentor"),
    UserRole: ("role",),
}


#: Models whose audited values can be sensitive: a function of the object giving the fields whose
#: values the log must not hold (the entry then says that they changed, not to what).
REDACTED: dict[type, Callable[[Any], Iterable[str]]] = {}
HIDDEN = "[protected]"


def _redact(obj: Any, changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    hide = REDACTED.get(type(obj))
    if hide is None:
        return changes
    fields = set(hide(obj))
    return {name: [None if v is None else HIDDEN for v in values] if name in fields else values
            for name, values in changes.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _actor_id() -> int | None:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return system_actor.get()


def _subject(obj: Any) -> int | None:
    return obj.id if isinstance(obj, User) else obj.user_id


def _entry(obj: Any, action: str, changes: dict[str, list[Any]]) -> AuditEntry:
    return AuditEntry(
        actor_id=_actor_id(),
        action=action,
        entity_type=type(obj).__name__,
        entity_id=getattr(obj, "id", None),
        subject_user_id=_subject(obj),
        changes=_redact(obj, changes),
    )


@event.listens_for(Session, "before_flush")
def _audit_before_flush(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty):
        fields = AUDITED.get(type(obj))
        if not fields or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        changes = {}
        for name in fields:
            hist = state.attrs[name].history
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if _plain(old) != _plain(new):
                    changes[name] = [_plain(old), _plain(new)]
        if changes:
            session.add(_entry(obj, "update", changes))
    for obj in list(session.deleted):
        fields = AUDITED.get(type(obj))
        if fields:
            session.add(_entry(obj, "delete", {n: [_plain(getattr(obj, n)), None] for n in fields}))
    session.info.setdefault("audit_new", []).extend(
        obj for obj in session.new if type(obj) in AUDITED
    )


@event.listens_for(Session, "after_soft_rollback")
def _audit_forget_on_rollback(session: Session, previous_transaction) -> None:
    session.info.pop("audit_new", None)


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, flush_context) -> None:
    # New rows get their ids during the flush; record them now (flushed on the next flush,
    # which commit always performs).
    new = session.info.pop("audit_new", [])
    for obj in new:
        if isinstance(obj, UserRole) and obj.user_id is None:
            continue
        fields = AUDITED[type(obj)]
        session.add(_entry(obj, "create", {n: [None, _plain(getattr(obj, n))] for n in fields}))
