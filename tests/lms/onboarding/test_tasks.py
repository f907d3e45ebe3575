"""The Celery side: beat knows the daily runs, and running a task twice sends nothing more."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template

from lms.onboarding import service, tasks


def test_beat_runs_reminders_and_checkins_daily(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["onboarding-overdue-reminders"]["task"] == tasks.send_overdue_reminders.name
    assert schedule["onboarding-checkins"]["task"] == tasks.ask_due_checkins.name
    assert "heartbeat" in schedule  # the core schedule is kept


def test_reminder_task_twice_a_day_sends_once(db, org, create_user):
    late = create_user(department=org["dept"], manager=org["manager"], hire_date=date.today() + timedelta(days=1))
    plan = service.current_plan(late)
    for task in plan.tasks:  # the pre-boarding tasks are a week late
        task.due_on -= timedelta(days=7)
    db.session.flush()
    assert tasks.send_overdue_reminders.run() > 0
    assert tasks.send_overdue_reminders.run() == 0


def test_dashboard_partial_renders_for_new_hire_manager_and_buddy(db, app, org, hire, plan_of):
    new = hire(days=5)
    plan = plan_of(new)
    service.set_buddy(plan, org["senior"], org["manager"])
    with app.test_request_context():
        for user, expected in [(new, "You start in 5 days."), (org["manager"], new.full_name),
                               (org["senior"], "Say hello")]:
            html = render_template("lms/onboarding/_dashboard.html", today=date.today(),
                                   **service.dashboard_context(user))
            assert expected in html, user
        assert render_template("lms/onboarding/_dashboard.html", today=date.today(),
                               **service.dashboard_context(org["recent"])).strip() == ""
