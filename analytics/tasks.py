"""Daily pulse survey work: open due rounds and invite, remind those who have not answered, seal closed rounds."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from lms.extensions import db

from . import pulse


@shared_task(name="analytics.open_pulse_rounds", ignore_result=True)
def open_pulse_rounds() -> int:
    """Open each survey's due round and invite its audience; a second run opens and invites nobody twice."""
    opened = pulse.open_due_rounds()
    db.session.commit()
    return opened


@shared_task(name="analytics.send_pulse_reminders", ignore_result=True)
def send_pulse_reminders() -> int:
    """Remind those who have not answered, once per round."""
    sent = pulse.send_reminders()
    db.session.commit()
    return sent


@shared_task(name="analytics.seal_pulse_rounds", ignore_result=True)
def seal_pulse_rounds() -> int:
    """Seal rounds past their last day (answers re-written in random order); sealed rounds are skipped."""
    sealed = pulse.seal_closed_rounds()
    db.session.commit()
    return sealed


BEAT_SCHEDULE = {
    "analytics-seal-pulse-rounds": {"task": "analytics.seal_pulse_rounds", "schedule": crontab(hour=6, minute=20)},
    "analytics-open-pulse-rounds": {"task": "analytics.open_pulse_rounds", "schedule": crontab(hour=6, minute=30)},
    "analytics-pulse-reminders": {"task": "analytics.send_pulse_reminders", "schedule": crontab(hour=9, minute=0)},
}
