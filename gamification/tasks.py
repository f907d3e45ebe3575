"""Celery tasks of gamification: the statement-stream subscriber, badge rules, the catch-up."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from lms.queue import enqueue
from xapi.emitter import subscribe


@subscribe
def on_statements(seqs: list[int]) -> None:
    """Statement-stream subscriber (runs in the worker inside xapi.announce_statements): points,
    facts and certificates now; badge rules in their own task after this one commits."""
    from .engine import process_statements

    outcome = process_statements(seqs)
    if outcome.user_ids:
        enqueue(evaluate_badges, sorted(outcome.user_ids))


@shared_task(name="gamification.evaluate_badges", ignore_result=True)
def evaluate_badges(user_ids: list[int]) -> int:
    """Award the rule badges these people now meet (idempotent: one award per badge and person)."""
    from .badges import evaluate_badges as evaluate

    return len(evaluate(user_ids))


@shared_task(name="gamification.catch_up", ignore_result=True)
def catch_up() -> int:
    """Process statements whose announcement was lost (idempotent), then their badge rules."""
    from .badges import evaluate_badges as evaluate
    from .engine import catch_up as run

    outcome = run()
    return len(evaluate(outcome.user_ids))


#: merged into the app's beat schedule
BEAT_SCHEDULE = {
    "gamification-catch-up": {"task": "gamification.catch_up", "schedule": crontab(minute="*/10")},
}
