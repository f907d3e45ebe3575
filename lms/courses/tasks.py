"""Celery tasks for courses: apply HR enrolment rules to people who arrive later."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab


@shared_task(name="courses.apply_enrolment_rules", ignore_result=True)
def apply_enrolment_rules() -> int:
    """Enrol everyone every active rule covers and who is not enrolled yet (idempotent: the
    unique enrolment per course and person makes a second run a no-op)."""
    from .service import apply_all_rules

    return apply_all_rules()


#: merged into the app's beat schedule; hourly, so new hires are enrolled the day they are added
BEAT_SCHEDULE = {
    "courses-apply-enrolment-rules": {"task": "courses.apply_enrolment_rules", "schedule": crontab(minute=17)},
}
