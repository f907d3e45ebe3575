"""Periodic housekeeping tasks."""

from __future__ import annotations

import socket

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import select

from ..auth.service import prune_login_attempts
from ..extensions import db
from ..people.models import utcnow
from .models import WorkerHeartbeat


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat(hostname: str | None = None) -> int:
    """Record that a worker on this host is alive; returns the host's beat count."""
    hostname = hostname or socket.gethostname()
    row = db.session.execute(
        select(WorkerHeartbeat).where(WorkerHeartbeat.hostname == hostname)
    ).scalar_one_or_none()
    if row is None:
        row = WorkerHeartbeat(hostname=hostname, beats=0)
        db.session.add(row)
    row.seen_at = utcnow()
    row.beats += 1
    db.session.flush()
    return row.beats


@shared_task(name="core.prune_login_attempts", ignore_result=True)
def prune_old_login_attempts() -> int:
    """Forget sign-in attempts older than 30 days (idempotent)."""
    return prune_login_attempts(30)


BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.heartbeat", "schedule": 60.0},
    "prune-login-attempts": {"task": "core.prune_login_attempts", "schedule": crontab(hour=3, minute=15)},
}
