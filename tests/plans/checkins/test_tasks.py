"""Reminders: prepare a few days before, the day before to both, missed to the manager; each once."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template
from sqlalchemy import select

from lms.notifications.models import Notification
from plans.checkins import service, tasks
from plans.checkins.models import AgreementOwner


def _kinds(db, user) -> list[str]:
    return sorted(db.session.execute(
        select(Notification.kind).where(Notification.recipient_id == user.id, Notification.kind.like("checkins.%"))
    ).scalars())


def _move(meeting, days: int) -> None:
    meeting.scheduled_on = date.today() + timedelta(days=days)


def test_beat_runs_the_reminders_daily_beside_the_core_schedule(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["checkins-reminders"]["task"] == tasks.send_reminders.name
    assert "heartbeat" in schedule


def test_the_task_twice_sends_one_prep_reminder(db, teams, pair_of):
    rune = teams["rune"]
    _move(service.open_meeting(pair_of(teams["maja"], rune)), service.PREP_REMINDER_DAYS)
    tasks.send_reminders.run()
    tasks.send_reminders.run()
    assert _kinds(db, rune) == ["checkins.prep_reminder"]
    assert _kinds(db, teams["maja"]) == []


def test_no_prep_reminder_once_prepared_or_too_early(db, teams, pair_of):
    rune_meeting = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    _move(rune_meeting, 2)
    service.save_prep(rune_meeting, service.PrepData("a", "b", 3, 3, "c", 4, ""), teams["rune"])
    _move(service.open_meeting(pair_of(teams["maja"], teams["rita"])), service.PREP_REMINDER_DAYS + 1)
    assert service.send_reminders()["prep"] == 0


def test_the_day_before_both_are_reminded_once(db, teams, pair_of):
    meeting = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    _move(meeting, 1)
    first = service.send_reminders()
    second = service.send_reminders()
    assert first["tomorrow"] == 2 and second == {"prep": 0, "tomorrow": 0, "missed": 0}
    assert "checkins.tomorrow" in _kinds(db, teams["rune"])
    assert _kinds(db, teams["maja"]) == ["checkins.tomorrow"]


def test_a_missed_check_in_is_told_to_the_manager_once_and_counted(db, teams, pair_of):
    meeting = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    _move(meeting, -(service.GRACE_DAYS[meeting.pair.cadence] + 1))
    tasks.send_reminders.run()
    tasks.send_reminders.run()
    assert _kinds(db, teams["maja"]) == ["checkins.missed"]
    db.session.refresh(meeting)
    assert meeting.missed_on == date.today()
    # within the grace period it is not missed yet
    other = service.open_meeting(pair_of(teams["maja"], teams["rita"]))
    _move(other, -service.GRACE_DAYS[other.pair.cadence])
    assert service.send_reminders()["missed"] == 0


def test_a_new_date_gets_its_own_reminders(db, teams, pair_of):
    meeting = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    _move(meeting, 2)
    assert service.send_reminders()["prep"] == 1
    service.reschedule(meeting, date.today() + timedelta(days=3), None, teams["maja"])
    assert service.send_reminders()["prep"] == 1


def test_dashboard_panel_shows_next_check_in_agreements_and_overdue(db, app, teams, pair_of):
    from plans.checkins.forms import owner_labels

    maja, rune = teams["maja"], teams["rune"]
    meeting = service.open_meeting(pair_of(maja, rune))
    service.add_agreement(meeting, "Write the runbook", AgreementOwner.employee, None, maja)
    rita_meeting = service.open_meeting(pair_of(maja, teams["rita"]))
    _move(rita_meeting, -20)
    with app.test_request_context():
        html = render_template("plans/checkins/_dashboard.html", today=date.today(), owner_labels=owner_labels(),
                               **service.dashboard_context(rune))
        assert "My next check-in" in html and "Write the runbook" in html
        html = render_template("plans/checkins/_dashboard.html", today=date.today(), owner_labels=owner_labels(),
                               **service.dashboard_context(maja))
        assert "Overdue check-ins" in html and teams["rita"].full_name in html
        assert teams["rune"].full_name not in html
