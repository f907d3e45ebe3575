"""The demo organisation's forums: lively, plausible, and quiet by e-mail."""

from __future__ import annotations

from datetime import date

from flask import render_template
from markupsafe import escape
from sqlalchemy import func, select

from lms.forums import service
from lms.forums.models import Forum, ForumPost, ForumThread
from lms.notifications.models import Notification
from lms.people.models import User


def test_demo_has_active_groups_with_threads_replies_and_helpful_answers(app, db):
    from lms.demo import build_demo

    build_demo(employees=60, seed=5, today=date.today(), history=False)
    titles = set(db.session.execute(select(Forum.title).where(Forum.kind == "group")).scalars())
    assert {"Mentors", "New to Fjordhavn"} <= titles and len(titles) >= 4
    assert db.session.execute(select(func.count()).select_from(ForumThread)).scalar_one() >= 15
    assert db.session.execute(select(func.count()).select_from(ForumPost)).scalar_one() >= 40
    assert db.session.execute(select(func.count()).select_from(ForumPost).where(ForumPost.is_helpful)).scalar_one() >= 5
    # Nobody gets e-mails about the demo's history, but some recent notifications are unread.
    assert db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.emailed_at.is_(None))).scalar_one() == 0
    employee = db.session.execute(select(User).where(User.email == "employee@fjordhavn.example")).scalar_one()
    summary = service.dashboard_summary(employee)
    assert summary["threads"] and summary["unread"]
    with app.test_request_context():
        html = render_template("lms/forums/_dashboard.html", forum_summary=summary)
    assert str(escape(summary["threads"][0].title)) in html  # titles may hold quotes
