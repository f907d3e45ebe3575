"""Notifications: who gets them, how they read, the centre, and their e-mails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.notifications import service
from lms.notifications.models import EmailMode, Notification, NotificationDigest
from lms.notifications.tasks import send_digest, send_digests, send_notification_email
from lms.people.models import utcnow


def _notify(recipient, actor, **kw):
    return service.notify(recipient, "test.greeting", url=kw.pop("url", "/forums"), actor=actor,
                          thread=kw.pop("thread", "Lunch?"), **kw)


def test_notify_adds_a_row_rendered_in_the_viewers_language(db, app, create_user):
    from flask_babel import force_locale

    alice, bob = create_user(first_name="Alice"), create_user(first_name="Bob")
    n = _notify(alice, bob)
    assert n.id and n.recipient_id == alice.id and n.params == {"thread": "Lunch?"}
    with app.test_request_context():
        with force_locale("en"):
            assert service.render(n) == f"{bob.full_name} replied to “Lunch?”"


def test_dates_in_a_notification_are_shown_in_the_readers_format(db, app, create_user):
    from datetime import date

    from flask_babel import force_locale

    service.register_kind("test.starts", "%(new_hire)s starts on %(date)s")
    n = service.notify(create_user(), "test.starts", url="/onboarding/", new_hire="Freja", date=date(2026, 12, 25))
    with app.test_request_context():
        with force_locale("en"):
            assert service.render(n) == "Freja starts on Dec 25, 2026"
        with force_locale("da"):
            assert service.render(n) == "Freja starts on 25. dec. 2026"


def test_the_actor_is_never_notified_of_their_own_action(db, create_user, sent_tasks):
    alice = create_user()
    assert _notify(alice, alice) is None
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Notification)).scalar_one() == 0
    assert sent_tasks == []


def test_inactive_people_get_nothing(db, create_user):
    alice, bob = create_user(), create_user()
    alice.is_active = False
    assert _notify(alice, bob) is None


def test_unregistered_kind_and_foreign_urls_are_refused(db, create_user):
    alice, bob = create_user(), create_user()
    with pytest.raises(ValueError):
        service.notify(alice, "no.such.kind", url="/x", actor=bob)
    for url in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        with pytest.raises(ValueError):
            service.notify(alice, "test.greeting", url=url, actor=bob)


def test_immediate_email_is_sent_only_after_commit(db, create_user, sent_tasks):
    alice, bob = create_user(), create_user()
    n = _notify(alice, bob)
    assert sent_tasks == []
    db.session.commit()
    assert sent_tasks == [("notifications.send_email", (n.id,), {})]


def test_rolled_back_notification_sends_nothing(db, create_user, sent_tasks):
    alice, bob = create_user(), create_user()
    db.session.commit()
    _notify(alice, bob)
    db.session.rollback()
    db.session.commit()
    assert sent_tasks == []


@pytest.mark.parametrize("mode", [EmailMode.digest, EmailMode.off])
def test_no_immediate_email_for_digest_or_off(db, create_user, sent_tasks, mode):
    alice, bob = create_user(), create_user()
    service.set_email_mode(alice, mode)
    _notify(alice, bob)
    db.session.commit()
    assert sent_tasks == []


def test_immediate_email_is_in_the_recipients_language_and_sent_once(db, create_user, outbox):
    alice, bob = create_user(first_name="Alice", language="da"), create_user(first_name="Bob")
    n = _notify(alice, bob, url="/forums/threads/7")
    assert send_notification_email(n.id) is True
    assert send_notification_email(n.id) is False  # idempotent
    mails = outbox()
    assert len(mails) == 1
    body = mails[0].get_content()
    assert mails[0]["To"] == alice.email
    assert "Hej Alice" in body  # Danish greeting from the catalogue
    assert "http://fasthold.test.example/forums/threads/7" in body
    db.session.refresh(n)
    assert n.emailed_at is not None


def test_immediate_email_skipped_when_read_meanwhile_or_setting_changed(db, create_user, outbox):
    alice, bob = create_user(), create_user()
    first, second = _notify(alice, bob), _notify(alice, bob)
    service.mark_read(first)
    service.set_email_mode(alice, EmailMode.off)
    assert send_notification_email(first.id) is False
    assert send_notification_email(second.id) is False
    assert outbox() == []


def test_unread_count_mark_read_and_mark_all(db, create_user):
    alice, bob, carol = create_user(), create_user(), create_user()
    a1, _a2, _a3 = _notify(alice, bob), _notify(alice, bob), _notify(alice, carol)
    _notify(bob, alice)
    assert service.unread_count(alice) == 3
    service.mark_read(a1)
    assert service.unread_count(alice) == 2
    assert service.mark_all_read(alice) == 2
    assert service.unread_count(alice) == 0
    assert service.unread_count(bob) == 1  # someone else's are untouched


def test_mark_read_for_path_matches_the_page_and_its_anchors_only(db, create_user):
    alice, bob = create_user(), create_user()
    _notify(alice, bob, url="/forums/threads/1#post-4")
    _notify(alice, bob, url="/forums/threads/1")
    other = _notify(alice, bob, url="/forums/threads/12")
    assert service.mark_read_for_path(alice, "/forums/threads/1") == 2
    db.session.refresh(other)
    assert other.read_at is None


def _digest_user(create_user, **kw):
    user = create_user(**kw)
    service.set_email_mode(user, EmailMode.digest)
    return user


def test_digest_is_sent_once_per_day_and_never_repeats_notifications(db, create_user, outbox, sent_tasks):
    alice = _digest_user(create_user, first_name="Alice", language="sv")
    bob = create_user()
    _notify(alice, bob, thread="One")
    _notify(alice, bob, thread="Two")
    day = utcnow().date().isoformat()
    assert send_digests(day) == 1
    db.session.commit()
    assert sent_tasks == [("notifications.send_digest", (alice.id, day), {})]
    assert send_digest(alice.id, day) is True
    assert send_digest(alice.id, day) is False  # the same day again: nothing
    mails = outbox()
    assert len(mails) == 1
    body = mails[0].get_content()
    assert "Hej Alice" in body and "”One”" in body and "”Two”" in body  # Swedish quotation marks
    # Tomorrow's run has nothing new to say about the same notifications.
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    assert send_digest(alice.id, tomorrow) is False
    assert service.digest_recipient_ids() == []
    # A new notification goes into the next day's digest, alone.
    _notify(alice, bob, thread="Three")
    assert send_digest(alice.id, tomorrow) is True
    last = outbox()[-1].get_content()
    assert "”Three”" in last and "One" not in last
    assert db.session.execute(select(func.count()).select_from(NotificationDigest)).scalar_one() == 2


def test_digest_skips_read_old_and_other_modes(db, create_user, outbox):
    alice, immediate = _digest_user(create_user), create_user()
    bob = create_user()
    read = _notify(alice, bob)
    service.mark_read(read)
    old = _notify(alice, bob)
    old.created_at = utcnow() - service.DIGEST_WINDOW - timedelta(hours=1)
    _notify(immediate, bob)
    db.session.flush()
    assert service.digest_recipient_ids() == []
    assert send_digest(alice.id, utcnow().date().isoformat()) is False
    assert send_digest(immediate.id, utcnow().date().isoformat()) is False
    assert outbox() == []


def test_digest_is_in_the_beat_schedule(app):
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["notification-digests"]["task"] == "notifications.send_digests"
    assert "core.heartbeat" in {entry["task"] for entry in schedule.values()}


def test_the_worker_knows_the_notification_tasks(app):
    assert {"notifications.send_email", "notifications.send_digests", "notifications.send_digest"} <= set(
        app.extensions["celery"].tasks)
