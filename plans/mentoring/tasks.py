"""Background work for mentoring: large matching runs."""

from __future__ import annotations

from celery import shared_task

from lms.extensions import db

from . import service
from .models import MatchingRun, RunStatus


@shared_task(name="mentoring.execute_run", ignore_result=True)
def execute_run(run_id: int) -> int:
    """Compute a run HR started; a run already finished is left alone (idempotent)."""
    run = db.session.get(MatchingRun, run_id)
    if run is None or run.status != RunStatus.running:
        return 0
    try:
        service.execute_run(run)
        service.notify_run_done(run)
        db.session.commit()
    except Exception:
        db.session.rollback()
        run = db.session.get(MatchingRun, run_id)
        run.status = RunStatus.failed
        db.session.commit()
        raise
    return run.n_proposals


BEAT_SCHEDULE: dict = {}
