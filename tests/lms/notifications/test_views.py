"""The notification centre, opening and marking read, settings, and the header count."""

from __future__ import annotations

import re

from lms.notifications import service
from lms.notifications.models import EmailMode, Notification


def _notify(recipient, actor, url="/me"):
    return service.notify(recipient, "test.greeting", url=url, actor=actor, thread="Hello")


def test_centre_lists_my_notifications_and_the_header_counts_unread(client, login, create_user):
    alice, bob = create_user(), create_user(first_name="Bobby")
    _notify(alice, bob)
    _notify(alice, bob)
    _notify(bob, alice)
    login(alice)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count("Bobby") == 2
    assert 'class="tag tag-new" aria-label="2 unread"' in html
    assert alice.full_name not in html.split("<main", 1)[1]  # Bob's notification is not listed


def test_opening_marks_read_and_redirects_to_the_target(client, login, create_user, db):
    alice, bob = create_user(), create_user()
    n = _notify(alice, bob, url="/me#x")
    login(alice)
    response = client.get(f"/notifications/{n.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/me#x"
    assert db.session.get(Notification, n.id).read_at is not None


def test_someone_elses_notification_is_not_found(client, login, create_user, db):
    alice, bob, carol = create_user(), create_user(), create_user()
    n = _notify(alice, bob)
    login(carol)
    assert client.get(f"/notifications/{n.id}").status_code == 404
    assert client.post(f"/notifications/{n.id}/read").status_code == 404
    assert db.session.get(Notification, n.id).read_at is None


def test_mark_read_and_mark_all_read(client, login, create_user, db):
    alice, bob = create_user(), create_user()
    first, second, third = _notify(alice, bob), _notify(alice, bob), _notify(alice, bob)
    login(alice)
    assert client.post(f"/notifications/{first.id}/read").status_code == 302
    assert service.unread_count(alice) == 2
    assert client.post("/notifications/read-all").status_code == 302
    assert service.unread_count(alice) == 0


def test_settings_form_saves_the_email_mode_and_rejects_nonsense(client, login, create_user, db):
    alice = create_user()
    login(alice)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="immediate"', page)
    assert client.post("/notifications/settings", data={"email_mode": "digest"}).status_code == 302
    assert service.email_mode(alice) is EmailMode.digest
    response = client.post("/notifications/settings", data={"email_mode": "hourly"})
    assert response.status_code == 400
    assert service.email_mode(alice) is EmailMode.digest


def test_pages_need_sign_in(client):
    assert client.get("/notifications").status_code == 302
    assert client.get("/notifications/settings").status_code == 302


def test_page_number_out_of_range_is_a_400(client, login, create_user):
    login(create_user())
    assert client.get("/notifications?page=0").status_code == 400
