"""Daily onboarding work: reminders about overdue tasks and the day 30/60/90 check-ins."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from ..extensions import db
from . import service


@shared_task(name="onboarding.send_overdue_reminders", ignore_result=True)
def send_overdue_reminders() -> int:
    """Remind task owners about overdue tasks; a second run the same day sends nothing."""
    sent = service.send_overdue_reminders()
    db.session.commit()
    return sent


@shared_task(name="onboarding.ask_due_checkins", ignore_result=True)
def ask_due_checkins() -> int:
    """Ask new hires the check-in question when day 30, 60 or 90 comes; each is asked once."""
    asked = service.ask_due_checkins()
    db.session.commit()
    return asked


BEAT_SCHEDULE = {
    "onboarding-overdue-reminders": {"task": "onboarding.send_overdue_reminders", "schedule": crontab(hour=7, minute=0)},
    "onboarding-checkins": {"task": "onboarding.ask_due_checkins", "schedule": crontab(hour=7, minute=10)},
}
