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


@shared_task(name="analytics.exit_reason_alerts", ignore_result=True)
def exit_reason_alerts() -> int:
    """Alert HR when a reason repeats among a department's last leavers; a second run adds nothing."""
    created = exits.repeated_reason_alerts()
    db.session.commit()
    return len(created)


BEAT_SCHEDULE.update({
    "analytics-invite-leavers": {"task": "analytics.invite_leavers", "schedule": crontab(minute=15)},
    "analytics-exit-reminders": {"task": "analytics.send_exit_reminders", "schedule": crontab(hour=9, minute=10)},
    "analytics-exit-reason-alerts": {"task": "analytics.exit_reason_alerts", "schedule": crontab(hour=6, minute=40)},
})
