"""Daily check-in work: keep pairs in step with the org chart, then send the reminders."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from lms.extensions import db

from . import service


@shared_task(name="checkins.send_reminders", ignore_result=True)
def send_reminders() -> dict:
    """Schedule check-ins for new pairs and remind: prep, the day before, missed. A second run the
    same day sends nothing."""
    service.sync_pairs()
    sent = service.send_reminders()
    db.session.commit()
    return sent


BEAT_SCHEDULE = {
    "checkins-reminders": {"task": "checkins.send_reminders", "schedule": crontab(hour=6, minute=50)},
}
