"""The home page's panel cache: reused for the same person, never across people, and what the person
does themselves (or a new notification) shows on their very next page."""

from __future__ import annotations

import pytest

from lms.core import dashboard
from lms.courses import service as courses
from lms.forums import service as forums
from tests.lms.courses.conftest import make_course  # noqa: F401  (fixture)


@pytest.fixture
def cached(app):
    """The cache on, as in production (tests run with it off), emptied before and after."""
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    dashboard.panel_cache(app).clear()
    yield dashboard.panel_cache(app)
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    dashboard.panel_cache(app).clear()


def test_cache_is_off_in_tests_and_on_by_default_elsewhere():
    from lms.config import load_settings

    from pathlib import Path

    assert load_settings(Path("/tmp"), {"ENV": "testing"}).DASHBOARD_CACHE_SECONDS == 0
    assert load_settings(Path("/tmp"), {"ENV": "development"}).DASHBOARD_CACHE_SECONDS == 60
    assert load_settings(Path("/tmp"), {"ENV": "testing", "DASHBOARD_CACHE_SECONDS": "5"}).DASHBOARD_CACHE_SECONDS == 5


def test_second_view_reuses_the_panels(cached, client, login, create_user, make_course, count_queries):
    me = create_user()
    courses.enrol(me, make_course(title="Phishing basics"), source="self")
    login(me)
    with count_queries() as first:
        assert "Phishing basics" in client.get("/").get_data(as_text=True)
    with count_queries() as second:
        assert "Phishing basics" in client.get("/").get_data(as_text=True)
    assert len(cached) > 0
    assert len(second) < len(first) - 5


def test_changes_by_others_wait_for_the_ttl(cached, client, login, create_user, make_course, monkeypatch):
    me = create_user()
    courses.enrol(me, make_course(title="Phishing basics"), source="self")
    login(me)
    assert "Phishing basics" in client.get("/").get_data(as_text=True)
    courses.enrol(me, make_course(title="Assigned by HR"), source="hr")  # not through my session
    assert "Assigned by HR" not in client.get("/").get_data(as_text=True)
    later = dashboard.time.monotonic() + 61
    monkeypatch.setattr(dashboard.time, "monotonic", lambda: later)
    assert "Assigned by HR" in client.get("/").get_data(as_text=True)


def test_my_own_enrolment_shows_at_once(cached, client, login, create_user, make_course):
    me = create_user()
    courses.enrol(me, make_course(title="Phishing basics"), source="self")
    other = make_course(title="Writing clear e-mails")
    login(me)
    assert "Writing clear e-mails" not in client.get("/").get_data(as_text=True)
    assert client.post(f"/courses/{other.id}/enrol").status_code == 302
    assert "Writing clear e-mails" in client.get("/").get_data(as_text=True)


def test_joining_a_group_shows_its_threads_at_once(cached, client, login, create_user):
    me, writer = create_user(), create_user()
    group = forums.create_forum("group", title="Book club")
    forums.start_thread(group, writer, title="What are you reading?", body="Tell us.")
    login(me)
    assert "What are you reading?" not in client.get("/").get_data(as_text=True)
    assert client.post(f"/forums/{group.id}/subscription", data={"on": "1"}).status_code == 302
    assert "What are you reading?" in client.get("/").get_data(as_text=True)


def test_a_new_notification_and_reading_it_show_at_once(cached, client, login, create_user):
    from lms.notifications import service as notifications

    notifications.register_kind("test.dash", "%(actor)s waved")
    me, friend = create_user(), create_user()
    login(me)
    assert "You are all caught up." in client.get("/").get_data(as_text=True)
    note = notifications.notify(me, "test.dash", url="/forums", actor=friend)
    page = client.get("/").get_data(as_text=True)
    assert f"{friend.full_name} waved" in page and "You are all caught up." not in page
    client.get(f"/notifications/{note.id}")  # opening it marks it read (a GET that writes)
    assert "You are all caught up." in client.get("/").get_data(as_text=True)


def test_panels_are_never_shared_between_people(cached, app, create_user, make_course, login):
    alice, bob = create_user(), create_user()
    courses.enrol(alice, make_course(title="Alice's course"), source="self")
    courses.enrol(bob, make_course(title="Bob's course"), source="self")
    for person, mine, theirs in ((alice, "Alice&#39;s course", "Bob&#39;s course"),
                                 (bob, "Bob&#39;s course", "Alice&#39;s course")):
        client = app.test_client()
        client.post("/login", data={"email": person.email, "password": "correct horse battery"})
        for _ in range(2):
            page = client.get("/").get_data(as_text=True)
            assert mine in page and theirs not in page


def test_a_new_session_after_signing_out_starts_fresh(cached, client, login, create_user, make_course):
    me = create_user()
    login(me)
    assert "You are not taking any course right now." in client.get("/").get_data(as_text=True)
    courses.enrol(me, make_course(title="Assigned by HR"), source="hr")
    client.post("/logout")
    login(me)
    assert "Assigned by HR" in client.get("/").get_data(as_text=True)


def test_panel_cache_drops_the_oldest_entries_and_expired_ones():
    cache = dashboard.PanelCache(max_entries=2)
    cache.set("a", "A", expires=10)
    cache.set("b", "B", expires=10)
    assert cache.get("a", now=1) == (True, "A")
    cache.set("c", "C", expires=10)  # "b" was used least recently
    assert cache.get("b", now=1) == (False, None)
    assert cache.get("a", now=11) == (False, None)
    assert cache.get("c", now=1) == (True, "C")
