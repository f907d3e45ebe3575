"""System bookkeeping: when each Celery worker last proved it is alive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..people.models import UTCDateTime, utcnow


class WorkerHeartbeat(db.Model):
    """One row per worker host, refreshed by a periodic task."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255), unique=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: how many heartbeats this host has sent, for spotting restarts
    beats: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<WorkerHeartbeat {self.hostname} {self.seen_at}>"
