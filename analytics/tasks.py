"""Analytics background work: checking and importing large HRIS files; daily pulse survey work (open due
rounds and invite, remind those who have not answered, seal closed rounds)."""

from __future__ import annotations

from celery import shared_task
from celery.schedules import crontab

from lms.extensions import db

from . import hris, pulse
from .models import HrisImport, ImportStatus


@shared_task(name="analytics.check_import", ignore_result=True)
def check_import(import_id: int) -> None:
    """Check a large uploaded file (a dry run); does nothing unless the import is waiting for its check."""
    imp = db.session.get(HrisImport, import_id)
    if imp is None or imp.status is not ImportStatus.checking:
        return
    hris.check_stored_import(imp)
    db.session.commit()


@shared_task(name="analytics.apply_import", ignore_result=True)
def apply_import(import_id: int) -> None:
    """Import a large confirmed file in one transaction; a second run finds it applied and does nothing."""
    imp = db.session.get(HrisImport, import_id)
    if imp is None or imp.status is not ImportStatus.importing:
        return
    try:
        hris.apply_stored_import(imp)
    except hris.ImportFileError as exc:
        db.session.rollback()
        imp = db.session.get(HrisImport, import_id)
        imp.status = ImportStatus.pending
        imp.report = {"file_error": str(exc)}
    db.session.commit()


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


# --- exit interviews and alumni (analytics/exits.py) ---------------------------------------------

from . import exits  # noqa: E402


@shared_task(name="analytics.invite_leavers", ignore_result=True)
def invite_leavers() -> int:
    """Create exit interviews for newly ended spells and ask for their e-mails; a second run invites nobody twice."""
    from datetime import date

    created = exits.invite_new_leavers(date.today())
    db.session.commit()
    return created


@shared_task(name="analytics.send_exit_invitation", ignore_result=True)
def send_exit_invitation(interview_id: int) -> bool:
    """E-mail one leaver the questionnaire link, once (the row is claimed before the e-mail goes out)."""
    sent = exits.send_invitation(interview_id)
    db.session.commit()
    return sent


@shared_task(name="analytics.send_exit_reminders", ignore_result=True)
def send_exit_reminders() -> int:
    """One reminder to leavers who have not answered after 7 days."""
    sent = exits.send_reminders()
    db.session.commit()
    return sent


@shared_task(name="analytics.send_alumni_invitation", ignore_result=True)
def send_alumni_invitation(member_id: int, day: str, message: str = "") -> bool:
    """E-mail one eligible alumnus an invitation back, at most once a day."""
    sent = exits.send_alumni_invitation(member_id, day, message)
    db.session.commit()
    return sent


BEAT_SCHEDULE.update({
    "analytics-invite-leavers": {"task": "analytics.invite_leavers", "schedule": crontab(minute=15)},
    "analytics-exit-reminders": {"task": "analytics.send_exit_reminders", "schedule": crontab(hour=9, minute=10)},
})


@shared_task(name="analytics.score_risk", ignore_result=True)
def score_risk(as_of: str | None = None, horizon_days: int = 90) -> str:
    """Validate, gate and score the early-warning model for a day (default today); a rerun replaces that day's run."""
    from datetime import date

    from . import risk

    run = risk.score(date.fromisoformat(as_of) if as_of else date.today(), horizon_days)
    db.session.commit()
    return run.status.value


@shared_task(name="analytics.refresh_engagement", ignore_result=True)
def refresh_engagement(full: bool = False) -> int:
    """Rebuild the recent weeks of `engagement_weeks` from the LRS (every week with `full`); a delete
    and re-insert of the same weeks, so a second run writes the same rows."""
    from . import engagement

    written = engagement.refresh(full=full)
    db.session.commit()
    return written


# --- retention alerts (analytics/alerts.py) ------------------------------------------------------


@shared_task(name="analytics.raise_alerts", ignore_result=True)
def raise_alerts() -> int:
    """Raise the night's retention alerts; their unique key makes a second run create nothing."""
    from . import alerts

    created = alerts.raise_alerts()
    db.session.commit()
    return created


@shared_task(name="analytics.nightly", ignore_result=True)
def nightly(as_of: str | None = None) -> dict:
    """The night's retention work, in order, each step committed on its own: rebuild the recent weeks
    of engagement from the LRS, validate and score the early-warning model on them, raise the alerts
    (high-risk alerts read the new run), and store the retention curves and Cox model for the page. Every step is idempotent, so a rerun (or a redelivered
    message) changes nothing; the engagement rebuild holds an advisory lock on PostgreSQL, so two
    overlapping runs queue instead of colliding."""
    from datetime import date

    from . import actions, alerts, engagement, risk, survival

    day = date.fromisoformat(as_of) if as_of else date.today()
    weeks = engagement.refresh(until=day)
    db.session.commit()
    run = risk.score(day)
    db.session.commit()
    created = alerts.raise_alerts(day)
    db.session.commit()
    survival.precompute(day)  # the retention page's curves and Cox model, read by HR tomorrow
    actions.precompute_report(day)  # follow-up of every action against its comparison group
    db.session.commit()
    return {"engagement_weeks": weeks, "risk": run.status.value, "alerts": created}


BEAT_SCHEDULE["analytics-nightly"] = {"task": "analytics.nightly", "schedule": crontab(hour=2, minute=10)}
