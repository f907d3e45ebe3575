"""Forum pages through the test client: routing, forms and above all who may do what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from lms.forums import service
from lms.forums.models import Forum, ForumPost, ForumThread, PostReport
from lms.notifications.models import Notification


@pytest.fixture
def thread(db, create_user, group):
    author = create_user(first_name="Astrid")
    return service.start_thread(group, author, title="Where do mentors meet?", body="Is there a **schedule**?")


def _first_post(db, thread):
    return db.session.execute(select(ForumPost).where(ForumPost.thread_id == thread.id, ForumPost.is_first)).scalar_one()


def test_forum_index_lists_visible_forums_only(client, login, create_user, group, scopes):
    hidden = service.create_forum("course", title="Hidden course forum", scope_id=4)
    visible = service.create_forum("course", title="My course forum", scope_id=5)
    me = create_user()
    scopes.course_members[5] = {me.id}
    login(me)
    html = client.get("/forums").get_data(as_text=True)
    assert "Mentors" in html and "My course forum" in html and "Hidden course forum" not in html
    assert hidden.id != visible.id


def test_learner_cannot_open_a_forum_or_thread_they_may_not_see(client, login, create_user, scopes):
    insider, outsider = create_user(), create_user()
    forum = service.create_forum("course", title="Leadership", scope_id=8)
    scopes.course_members[8] = {insider.id}
    thread = service.start_thread(forum, insider, title="Secret", body="Members only")
    login(outsider)
    assert client.get(f"/forums/{forum.id}").status_code == 403
    assert client.get(f"/forums/threads/{thread.id}").status_code == 403
    assert client.post(f"/forums/threads/{thread.id}/reply", data={"body": "let me in"}).status_code == 403
    assert client.get(f"/forums/search?q=members&forum={forum.id}").status_code == 403
    assert "Members only" not in client.get("/forums/search?q=members").get_data(as_text=True)
    assert client.post(f"/forums/{forum.id}/subscription", data={"on": "1"}).status_code == 403


def test_unknown_ids_are_404(client, login, create_user):
    login(create_user())
    for url in ["/forums/999999", "/forums/threads/999999", "/forums/posts/999999/edit"]:
        assert client.get(url).status_code == 404, url
    assert client.post("/forums/posts/999999/delete").status_code == 404
    assert client.post("/forums/reports/999999/resolve", data={"resolution": "dismissed"}).status_code == 404


def test_preboarding_person_is_refused_an_open_group(client, login, create_user, group):
    newbie = create_user(hire_date=date.today() + timedelta(days=7))
    login(newbie)
    assert client.get(f"/forums/{group.id}").status_code == 403


def test_post_a_thread_and_reply_through_the_forms(client, login, create_user, group, db):
    alice, bob = create_user(), create_user(email="bob.b@example.com")
    login(alice)
    response = client.post(f"/forums/{group.id}/threads/new", data={"title": "Hello", "body": "Ping @bob.b"})
    assert response.status_code == 302
    thread = db.session.execute(select(ForumThread).where(ForumThread.title == "Hello")).scalar_one()
    assert response.headers["Location"] == f"/forums/threads/{thread.id}"
    assert db.session.execute(select(Notification).where(Notification.recipient_id == bob.id)).scalar_one().kind == "forum.mention"
    client.post("/logout")
    login(bob)
    response = client.post(f"/forums/threads/{thread.id}/reply", data={"body": "Pong <script>alert(1)</script>"})
    assert response.status_code == 302 and "#post-" in response.headers["Location"]
    page = client.get(f"/forums/threads/{thread.id}").get_data(as_text=True)
    assert "Pong" in page and "<script>alert(1)" not in page


def test_empty_posts_are_refused_next_to_the_field(client, login, create_user, group, thread):
    login(create_user())
    response = client.post(f"/forums/{group.id}/threads/new", data={"title": "", "body": ""})
    assert response.status_code == 400 and "field-error" in response.get_data(as_text=True)
    response = client.post(f"/forums/threads/{thread.id}/reply", data={"body": "  "})
    assert response.status_code == 400


def test_reply_to_a_post_of_another_thread_is_a_400(client, login, create_user, group, thread, db):
    me = create_user()
    other = service.start_thread(group, me, title="Other", body="x")
    login(me)
    foreign = _first_post(db, other)
    response = client.post(f"/forums/threads/{thread.id}/reply", data={"body": "hi", "reply_to": str(foreign.id)})
    assert response.status_code == 400
    assert client.post(f"/forums/threads/{thread.id}/reply", data={"body": "hi", "reply_to": "x1"}).status_code == 400


def test_cannot_edit_or_delete_someone_elses_post(client, login, create_user, thread, db):
    post = _first_post(db, thread)
    login(create_user())
    assert client.get(f"/forums/posts/{post.id}/edit").status_code == 403
    assert client.post(f"/forums/posts/{post.id}/edit", data={"body": "hacked"}).status_code == 403
    assert client.post(f"/forums/posts/{post.id}/delete").status_code == 403
    db.session.refresh(post)
    assert post.body == "Is there a **schedule**?" and not post.is_deleted


def test_author_edits_and_removes_own_post(client, login, thread, db):
    post = _first_post(db, thread)
    login(thread.author)
    response = client.post(f"/forums/posts/{post.id}/edit", data={"title": "Mentor meetings", "body": "Edited"})
    assert response.status_code == 302
    db.session.refresh(post)
    db.session.refresh(thread)
    assert post.body == "Edited" and thread.title == "Mentor meetings" and post.edited_at
    assert client.post(f"/forums/posts/{post.id}/delete").status_code == 302
    page = client.get(f"/forums/threads/{thread.id}").get_data(as_text=True)
    assert "This post was removed." in page and "Edited</p>" not in page


def test_learner_cannot_moderate(client, login, create_user, thread, db):
    learner = create_user()
    login(learner)
    for action in ("lock", "pin"):
        assert client.post(f"/forums/threads/{thread.id}/{action}", data={"on": "1"}).status_code == 403
    reply = service.reply(thread, create_user(), body="Answer")
    assert client.post(f"/forums/posts/{reply.id}/helpful", data={"on": "1"}).status_code == 403
    report = service.report_post(reply, learner, "Off topic")
    assert client.post(f"/forums/reports/{report.id}/resolve", data={"resolution": "removed"}).status_code == 403
    assert "Off topic" not in client.get("/forums/reports").get_data(as_text=True)
    db.session.refresh(thread)
    assert not thread.is_locked and not thread.is_pinned and not reply.is_deleted


def test_hr_locks_pins_and_works_the_report_queue(client, login, create_user, thread, db):
    hr, learner = create_user("hr"), create_user()
    reply = service.reply(thread, learner, body="Buy cheap watches")
    service.report_post(reply, thread.author, "Spam")
    login(hr)
    assert client.post(f"/forums/threads/{thread.id}/pin", data={"on": "1"}).status_code == 302
    assert client.post(f"/forums/threads/{thread.id}/lock", data={"on": "1"}).status_code == 302
    assert client.post(f"/forums/threads/{thread.id}/lock", data={"on": "maybe"}).status_code == 400
    queue = client.get("/forums/reports").get_data(as_text=True)
    assert "Buy cheap watches" in queue and "Spam" in queue
    report = db.session.execute(select(PostReport)).scalar_one()
    assert client.post(f"/forums/reports/{report.id}/resolve", data={"resolution": "nonsense"}).status_code == 400
    assert client.post(f"/forums/reports/{report.id}/resolve", data={"resolution": "removed"}).status_code == 302
    db.session.refresh(thread)
    db.session.refresh(reply)
    assert thread.is_pinned and thread.is_locked and reply.is_deleted


def test_locked_thread_takes_no_replies_from_learners(client, login, create_user, thread):
    service.set_locked(thread, True)
    login(create_user())
    assert client.post(f"/forums/threads/{thread.id}/reply", data={"body": "late"}).status_code == 403
    assert "This thread is locked" in client.get(f"/forums/threads/{thread.id}").get_data(as_text=True)


def test_thread_author_marks_a_helpful_answer(client, login, create_user, thread, db):
    answer = service.reply(thread, create_user(), body="Thursdays at 10")
    login(thread.author)
    assert client.post(f"/forums/posts/{answer.id}/helpful", data={"on": "1"}).status_code == 302
    db.session.refresh(answer)
    assert answer.is_helpful
    assert "helpful answer" in client.get(f"/forums/threads/{thread.id}").get_data(as_text=True)


def test_cannot_report_own_post_and_report_form_works(client, login, create_user, thread, db):
    post = _first_post(db, thread)
    login(thread.author)
    assert client.get(f"/forums/posts/{post.id}/report").status_code == 403
    client.post("/logout")
    login(create_user())
    assert client.post(f"/forums/posts/{post.id}/report", data={"reason": ""}).status_code == 400
    assert client.post(f"/forums/posts/{post.id}/report", data={"reason": "Rude"}).status_code == 302
    assert client.post(f"/forums/posts/{post.id}/report", data={"reason": "Again"}).status_code == 400


def test_only_hr_creates_and_edits_groups(client, login, create_user, group, db):
    login(create_user())
    assert client.get("/forums/groups/new").status_code == 403
    assert client.post(f"/forums/{group.id}/edit", data={"title": "Mine now"}).status_code == 403
    client.post("/logout")
    login(create_user("hr"))
    response = client.post("/forums/groups/new", data={"title": "Data & Analytics guild", "description": "SQL talk"})
    assert response.status_code == 302
    assert db.session.execute(select(Forum).where(Forum.title == "Data & Analytics guild")).scalar_one().kind == "group"


def test_join_and_leave_a_group(client, login, create_user, group):
    me = create_user()
    login(me)
    assert client.post(f"/forums/{group.id}/subscription", data={"on": "1"}).status_code == 302
    assert service.is_subscribed_forum(me, group)
    assert client.post(f"/forums/{group.id}/subscription", data={"on": "0"}).status_code == 302
    assert not service.is_subscribed_forum(me, group)


def test_opening_a_thread_reads_its_notifications(client, login, create_user, thread, db):
    service.reply(thread, create_user(), body="Answer")
    login(thread.author)
    assert db.session.execute(select(Notification).where(Notification.read_at.is_(None))).scalars().all()
    client.get(f"/forums/threads/{thread.id}")
    assert db.session.execute(select(Notification).where(Notification.read_at.is_(None))).scalars().all() == []


def _count_queries(db, client, url):
    statements = []
    engine = db.session.get_bind()
    listener = lambda *a, **k: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_thread_and_forum_pages_do_not_grow_queries_with_rows(client, login, create_user, group, db):
    me = create_user()
    login(me)
    thread = service.start_thread(group, me, title="Busy", body="x")

    def grow(n):
        for _ in range(n):
            person = create_user()
            service.reply(thread, person, body="reply")
            service.start_thread(group, person, title="More", body="y")

    grow(2)
    few = (_count_queries(db, client, f"/forums/threads/{thread.id}"), _count_queries(db, client, f"/forums/{group.id}"))
    grow(8)
    many = (_count_queries(db, client, f"/forums/threads/{thread.id}"), _count_queries(db, client, f"/forums/{group.id}"))
    assert many == few


def test_answer_link_prefills_the_post_being_answered(client, login, create_user, thread, db):
    answer = service.reply(thread, create_user(first_name="Bodil"), body="Thursdays")
    login(thread.author)
    html = client.get(f"/forums/threads/{thread.id}?reply_to={answer.id}").get_data(as_text=True)
    assert f'name="reply_to" type="hidden" value="{answer.id}"' in html and "You are answering Bodil" in html
    response = client.post(f"/forums/threads/{thread.id}/reply", data={"body": "Thanks", "reply_to": str(answer.id)})
    assert response.status_code == 302
    post = db.session.execute(select(ForumPost).order_by(ForumPost.id.desc()).limit(1)).scalar_one()
    assert post.reply_to_id == answer.id
    # a post of another thread, or nonsense, is simply not prefilled
    assert "You are answering" not in client.get(f"/forums/threads/{thread.id}?reply_to=999999").get_data(as_text=True)
