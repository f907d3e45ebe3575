"""The home page's panel cache: reused for the same person, never across people, and what the person
does themselves (or a new notification) shows on their very next page."""

from __future__ import annotations

import os
from datetime import date

import pytest
from markupsafe import Markup

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


def test_panel_cache_drops_the_oldest_entries_and_expired_ones(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(dashboard.time, "monotonic", lambda: clock[0])
    cache = dashboard.PanelCache(max_entries=2)
    cache.set("a", "A", ttl=10)
    cache.set("b", "B", ttl=10)
    assert cache.get("a") == (True, "A")
    cache.set("c", "C", ttl=10)  # "b" was used least recently
    assert cache.get("b") == (False, None)
    assert cache.get("c") == (True, "C")
    clock[0] = 111
    assert cache.get("a") == (False, None)


def test_redis_panel_cache_shares_panels_and_empty_ones(monkeypatch):
    """Against a stand-in for the Redis client (the CI run uses a real Redis)."""
    store = {}

    class FakeRedis:
        def get(self, name):
            return store.get(name)

        def set(self, name, value, ex):
            assert ex >= 1
            store[name] = value

    cache = dashboard.RedisPanelCache.__new__(dashboard.RedisPanelCache)
    cache.client, cache.prefix = FakeRedis(), "t:"
    key = ("courses", ("7.0", "abc", date(2026, 12, 3), "da"), None)
    assert cache.get(key) == (False, None)
    cache.set(key, Markup("<p>Mine</p>"), ttl=60)
    cache.set(("pulse",), None, ttl=60)
    assert cache.get(("courses", ("7.0", "abc", date(2026, 12, 3), "da"), None)) == (True, Markup("<p>Mine</p>"))
    assert cache.get(("pulse",)) == (True, None)
    assert cache.get(("courses", ("8.0", "abc", date(2026, 12, 3), "da"), None)) == (False, None)


def test_redis_trouble_is_a_miss_not_an_error():
    cache = dashboard.RedisPanelCache("redis://127.0.0.1:1/0")  # nothing listens there
    cache.set(("courses",), Markup("<p>x</p>"), ttl=60)
    assert cache.get(("courses",)) == (False, None)


def test_dashboard_cache_url_must_be_redis():
    from pathlib import Path

    from lms.config import ConfigError, load_settings

    assert load_settings(Path("/tmp"), {"ENV": "testing", "DASHBOARD_CACHE_URL": "redis://cache:6379/1"}
                         ).DASHBOARD_CACHE_URL == "redis://cache:6379/1"
    with pytest.raises(ConfigError, match="DASHBOARD_CACHE_URL"):
        load_settings(Path("/tmp"), {"ENV": "testing", "DASHBOARD_CACHE_URL": "memcached://cache"})


@pytest.mark.skipif(not os.environ.get("FASTHOLD_TEST_BROKER_URL", "").startswith("redis"),
                    reason="needs the CI run's Redis")
def test_redis_panel_cache_against_redis():
    cache = dashboard.RedisPanelCache(os.environ["FASTHOLD_TEST_BROKER_URL"], prefix=f"t{os.getpid()}:")
    try:
        cache.set(("courses", 1), Markup("<p>Mine</p>"), ttl=60)
        cache.set(("pulse", 1), None, ttl=60)
        assert cache.get(("courses", 1)) == (True, Markup("<p>Mine</p>"))
        assert cache.get(("pulse", 1)) == (True, None)
        assert cache.get(("courses", 2)) == (False, None)
    finally:
        cache.clear()
