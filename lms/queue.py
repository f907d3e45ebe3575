"""Send Celery tasks only after the database transaction that asked for them commits.

A request that rolls back therefore sends nothing, and a worker never sees an id whose row is
not committed yet (Indico's approach, done with SQLAlchemy session events). Savepoints count:
releasing one sends nothing (SQLAlchemy fires `after_commit` for it too), and rolling one back
drops only the tasks asked for inside it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)

_PENDING = "fasthold_pending_tasks"


def enqueue(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task(*args, **kwargs)` when the current transaction commits; drop it on rollback."""
    session = db.session()
    asked_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((asked_in, task, args, kwargs))


def _short_repr(args: tuple) -> dict:
    """Celery writes a repr of the arguments into every message for monitoring; for a long list
    (the statement seqs of a batch) that costs more than sending it, so say how long it is."""
    if not any(isinstance(a, (list, tuple)) and len(a) > 10 for a in args):
        return {}
    shown = tuple(f"<{len(a)} items>" if isinstance(a, (list, tuple)) and len(a) > 10 else a for a in args)
    return {"argsrepr": repr(shown)}


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    # The data is committed already: a broker failure must not turn the request into an
    # error, nor stop the other tasks from being sent. Periodic tasks catch up what is lost.
    for _asked_in, task, args, kwargs in session.info.pop(_PENDING, []):
        try:
            task.apply_async(args=args, kwargs=kwargs, **_short_repr(args))
        except Exception:  # noqa: BLE001
            log.exception("Could not send task %s%r after commit", task.name, args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        return

    def inside(transaction) -> bool:
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    session.info[_PENDING] = [entry for entry in pending if not inside(entry[0])]
