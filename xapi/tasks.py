"""Celery tasks of the LRS: announce stored statements to subscribers."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="xapi.announce_statements", ignore_result=True)
def announce_statements(seqs: list[int]) -> int:
    """Tell every subscriber which statements were stored; subscribers must be idempotent."""
    from .emitter import SUBSCRIBERS

    for subscriber in SUBSCRIBERS:
        subscriber(list(seqs))
    return len(SUBSCRIBERS)
