"""Send Celery tasks only after the database transaction that asked for them commits.

A request that rolls back therefore sends nothing, and a worker never sees an id whose row is
not committed yet (Indico's approach, done with SQLAlchemy session events).
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
    db.session().info.setdefault(_PENDING, []).append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    # The data is committed already: a broker failure must not turn the request into an
    # error, nor stop the other tasks from being sent. Periodic tasks catch up what is lost.
    for task, args, kwargs in session.info.pop(_PENDING, []):
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:  # noqa: BLE001
            log.exception("Could not send task %s%r after commit", task.name, args)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
