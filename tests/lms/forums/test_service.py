"""Forum services: threads, replies, statements, notifications, mentions, moderation, search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.forums import permissions, service
from lms.forums.models import ForumPost
from lms.notifications.models import Notification

BASE = "http://fasthold.test.example"


def _notifications(db, user=None):
    q = select(Notification).order_by(Notification.id)
    if user is not None:
        q = q.where(Notification.recipient_id == user.id)
    return list(db.session.execute(q).scalars())


def test_new_thread_records_asked_with_the_thread_as_object_and_the_forum_as_parent(db, create_user, group, statements):
    alice = create_user()
    thread = service.start_thread(group, alice, title="How do I find a mentor?", body="Any tips?")
    [stmt] = statements("asked")
    assert stmt["actor"]["mbox"] == f"mailto:{alice.email}"
    assert stmt["object"]["id"] == f"{BASE}/forums/threads/{thread.id}"
    assert stmt["object"]["definition"]["name"]["en-US"] == "How do I find a mentor?"
    assert stmt["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/forums/{group.id}"
    assert statements("responded") == statements("commented") == []


def test_reply_records_responded_and_reply_to_a_post_records_commented(db, create_user, group, statements):
    alice, bob = create_user(), create_user()
    thread = service.start_thread(group, alice, title="Q", body="Question")
    answer = service.reply(thread, bob, body="An answer")
    service.reply(thread, alice, body="Thanks!", reply_to=answer)
    [responded] = statements("responded")
    [commented] = statements("commented")
    assert responded["actor"]["mbox"] == f"mailto:{bob.email}"
    assert commented["actor"]["mbox"] == f"mailto:{alice.email}"
    for s in (responded, commented):
        assert s["object"]["id"] == f"{BASE}/forums/threads/{thread.id}"
        assert s["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/forums/{group.id}"


def test_a_failed_post_records_no_statement(db, create_user, group, statements):
    alice = create_user()
    with pytest.raises(service.ForumError):
        service.start_thread(group, alice, title="Empty", body="   ")
    assert statements() == []


def test_reply_updates_counts_and_activity_and_subscribes_the_replier(db, create_user, group):
    alice, bob = create_user(), create_user()
    thread = service.start_thread(group, alice, title="Q", body="Question")
    assert service.is_subscribed_thread(alice, thread)
    service.reply(thread, bob, body="Answer")
    assert thread.reply_count == 1 and thread.last_post_author_id == bob.id
    assert service.is_subscribed_thread(bob, thread)


def test_replies_notify_subscribers_but_never_the_actor(db, create_user, group):
    alice, bob, carol = create_user(), create_user(), create_user()
    thread = service.start_thread(group, alice, title="Q", body="Question")
    service.reply(thread, bob, body="First answer")
    assert [(n.recipient_id, n.kind) for n in _notifications(db)] == [(alice.id, "forum.reply")]
    service.reply(thread, carol, body="Second answer")
    got = sorted((n.recipient_id, n.kind) for n in _notifications(db))
    assert got == sorted([(alice.id, "forum.reply"), (alice.id, "forum.reply"), (bob.id, "forum.reply")])
    assert all(n.recipient_id != n.actor_id for n in _notifications(db))


def test_unsubscribed_author_hears_nothing(db, create_user, group):
    alice, bob = create_user(), create_user()
    thread = service.start_thread(group, alice, title="Q", body="Question")
    service.unsubscribe_thread(alice, thread)
    service.reply(thread, bob, body="Answer")
    assert _notifications(db, alice) == []


def test_new_threads_notify_forum_followers(db, create_user, group):
    alice, bob = create_user(), create_user()
    service.subscribe_forum(bob, group)
    service.subscribe_forum(alice, group)
    service.start_thread(group, alice, title="News", body="Hello")
    assert [(n.recipient_id, n.kind) for n in _notifications(db)] == [(bob.id, "forum.thread")]


def test_mentions_are_parsed_from_text_but_not_code_or_addresses():
    body = "Hi @anna.berg and @Bo! Mail me at x@fjordhavn.example. `@not.this` ```\n@nor.this\n``` (@anna.berg)."
    assert service.mentioned_handles(body) == ["anna.berg", "bo"]


def test_mention_notifies_the_person_once_instead_of_a_reply_notification(db, create_user, group):
    alice = create_user(email="alice.moe@example.com")
    bob = create_user(email="bob@example.com")
    thread = service.start_thread(group, alice, title="Q", body="Question")
    service.reply(thread, bob, body="Maybe @alice.moe knows? And @nobody.here")
    assert [(n.recipient_id, n.kind) for n in _notifications(db)] == [(alice.id, "forum.mention")]


def test_mention_never_reaches_someone_who_cannot_read_the_forum(db, create_user, scopes, statements):
    alice = create_user(email="alice.k@example.com")
    outsider = create_user(email="outsider@example.com")
    course_forum = service.create_forum("course", title="GDPR basics", scope_id=7)
    scopes.course_members[7] = {alice.id}
    thread = service.start_thread(course_forum, alice, title="Q", body="What does @outsider think?")
    assert _notifications(db, outsider) == []
    assert thread.id


def test_answering_a_post_tells_its_author(db, create_user, group):
    alice, bob, carol = create_user(), create_user(), create_user()
    thread = service.start_thread(group, alice, title="Q", body="Question")
    bobs = service.reply(thread, bob, body="Answer")
    service.unsubscribe_thread(bob, thread)
    service.reply(thread, carol, body="I disagree", reply_to=bobs)
    kinds = {(n.recipient_id, n.kind) for n in _notifications(db) if n.actor_id == carol.id}
    assert kinds == {(bob.id, "forum.reply_to_you"), (alice.id, "forum.reply")}


def test_reply_to_a_post_of_another_thread_is_refused(db, create_user, group):
    alice = create_user()
    one = service.start_thread(group, alice, title="One", body="1")
    two = service.start_thread(group, alice, title="Two", body="2")
    first_of_two = db.session.execute(select(ForumPost).where(ForumPost.thread_id == two.id)).scalar_one()
    with pytest.raises(service.ForumError):
        service.reply(one, alice, body="x", reply_to=first_of_two)


def test_helpful_mark_sets_answered_and_tells_the_author(db, create_user, group):
    alice, bob = create_user(), create_user()
    thread = service.start_thread(group, alice, title="Q", body="Question")
    answer = service.reply(thread, bob, body="Answer")
    service.set_helpful(answer, alice, True)
    assert answer.is_helpful and thread.is_answered
    assert (bob.id, "forum.helpful") in {(n.recipient_id, n.kind) for n in _notifications(db)}
    service.set_helpful(answer, alice, False)
    assert not thread.is_answered


def test_delete_is_soft_uncounts_the_reply_and_resolves_reports(db, create_user, group):
    alice, bob, hr = create_user(), create_user(), create_user("hr")
    thread = service.start_thread(group, alice, title="Q", body="Question")
    rude = service.reply(thread, bob, body="Rude words")
    report = service.report_post(rude, alice, "Not nice")
    assert thread.reply_count == 1
    service.delete_post(rude, hr)
    assert rude.is_deleted and rude.body == "Rude words" and rude.deleted_by_id == hr.id
    assert thread.reply_count == 0
    db.session.refresh(report)
    assert report.resolution == "removed" and report.resolved_by_id == hr.id


def test_reporting_twice_is_refused_and_dismissed_reports_leave_the_post(db, create_user, group):
    alice, bob, hr = create_user(), create_user(), create_user("hr")
    thread = service.start_thread(group, alice, title="Q", body="Question")
    post = service.reply(thread, bob, body="Hm")
    report = service.report_post(post, alice, "Spam?")
    with pytest.raises(service.ForumError):
        service.report_post(post, alice, "Really spam")
    assert [r.id for r in service.open_reports(hr)] == [report.id]
    assert service.open_reports(bob) == []  # not a moderator of groups
    service.resolve_report(report, hr, "dismissed")
    assert not post.is_deleted and report.resolution == "dismissed"
    assert service.open_reports(hr) == []


def test_a_report_tells_the_forums_moderators_and_nobody_else(db, create_user, group):
    alice, bob, hr, other_hr = create_user(), create_user(), create_user("hr"), create_user("hr")
    author = create_user("author")  # authors moderate their own course forums, not open groups
    thread = service.start_thread(group, alice, title="Lunch", body="Where?")
    post = service.reply(thread, bob, body="Buy my crypto")
    service.report_post(post, alice, "Spam")
    told = {n.recipient_id for n in _notifications(db) if n.kind == "forum.reported"}
    assert told == {hr.id, other_hr.id}
    assert author.id not in told and alice.id not in told and bob.id not in told
    # the moderator who reports is not told of their own report
    service.report_post(service.reply(thread, bob, body="More crypto"), hr, "Spam again")
    assert sorted(n.recipient_id for n in _notifications(db) if n.kind == "forum.reported") == sorted(
        [hr.id, other_hr.id, other_hr.id])


def test_thread_list_is_pinned_first_then_latest_activity(db, create_user, group):
    alice = create_user()
    old = service.start_thread(group, alice, title="Old", body="x")
    pinned = service.start_thread(group, alice, title="Pinned", body="x")
    new = service.start_thread(group, alice, title="New", body="x")
    service.reply(old, alice, body="bump")  # old is now the most recently active
    service.set_pinned(pinned, True)
    page = service.threads_page(group, 1)
    assert [t.id for t in page.items] == [pinned.id, old.id, new.id]


def test_posts_are_paged_and_a_post_knows_its_page(db, create_user, group):
    alice = create_user()
    thread = service.start_thread(group, alice, title="Long", body="0")
    posts = [service.reply(thread, alice, body=str(i)) for i in range(1, 25)]
    page2 = service.posts_page(thread, 2, per_page=20)
    assert [p.body for p in page2.items] == [str(i) for i in range(20, 25)]
    assert service.page_of_post(posts[18]) == 1 and service.page_of_post(posts[19]) == 2
    assert service.post_path(posts[19]) == f"/forums/threads/{thread.id}?page=2#post-{posts[19].id}"


def test_course_and_cohort_forums_are_one_per_scope(db):
    first = service.create_forum("course", title="GDPR", scope_id=3)
    assert service.create_forum("course", title="GDPR again", scope_id=3) is first
    assert service.forum_for("course", 3) is first
    assert service.forum_for("cohort", 3) is None
    with pytest.raises(ValueError):
        service.create_forum("group", title="X", scope_id=3)
    with pytest.raises(ValueError):
        service.create_forum("secret", title="X", scope_id=3)


def test_unregistered_kind_denies_everything(db, create_user, monkeypatch):
    admin = create_user("admin")
    forum = service.create_forum("course", title="Orphan", scope_id=99)
    monkeypatch.delitem(permissions._SCOPES, "course", raising=False)
    assert not permissions.can_view_forum(admin, forum)
    assert not permissions.can_post_in_forum(admin, forum)
    assert not permissions.can_moderate_forum(admin, forum)
    assert forum.id not in service.visible_forum_ids(admin)


def test_preboarding_people_see_their_cohort_forum_only(db, create_user, group, scopes):
    newbie = create_user(hire_date=date.today() + timedelta(days=10))
    assert newbie.is_preboarding()
    cohort = service.create_forum("cohort", title="Starters in March", scope_id=1)
    other_cohort = service.create_forum("cohort", title="Starters in April", scope_id=2)
    course = service.create_forum("course", title="Security", scope_id=5)
    scopes.cohort_members[1] = {newbie.id}
    scopes.course_members[5] = {newbie.id}  # even if a course scope said yes
    assert permissions.can_view_forum(newbie, cohort)
    assert not permissions.can_view_forum(newbie, other_cohort)
    assert not permissions.can_view_forum(newbie, group)
    assert not permissions.can_view_forum(newbie, course)
    assert service.visible_forum_ids(newbie) == [cohort.id]


def test_groups_are_for_active_started_employees_and_moderated_by_hr(db, create_user, group):
    employee, hr, leaver = create_user(), create_user("hr"), create_user(end_date=date.today() - timedelta(days=5))
    assert permissions.can_view_forum(employee, group) and permissions.can_post_in_forum(employee, group)
    assert not permissions.can_moderate_forum(employee, group)
    assert permissions.can_moderate_forum(hr, group)
    assert not permissions.can_view_forum(leaver, group)
    employee.is_active = False
    assert not permissions.can_view_forum(employee, group)


def test_search_finds_posts_only_in_forums_the_user_may_read(db, create_user, group, scopes):
    alice, bob = create_user(), create_user()
    secret = service.create_forum("course", title="Leadership", scope_id=11)
    scopes.course_members[11] = {alice.id}
    service.start_thread(group, alice, title="Kaffe", body="Where is the espresso machine?")
    service.start_thread(secret, alice, title="Feedback", body="The espresso of feedback is candour")
    removed = service.reply(service.start_thread(group, alice, title="Other", body="x"), alice, body="espresso gone")
    service.delete_post(removed, alice)
    found_alice = [post.body for post, _t, _f in service.search_posts(alice, "ESPRESSO").items]
    found_bob = [post.body for post, _t, _f in service.search_posts(bob, "espresso").items]
    assert sorted(found_alice) == ["The espresso of feedback is candour", "Where is the espresso machine?"]
    assert found_bob == ["Where is the espresso machine?"]
    assert service.search_posts(bob, "espresso", forum=secret).total == 0
    assert service.search_posts(alice, "kaffe").total == 1  # thread titles too
    assert service.search_posts(alice, "%").total == 0  # wildcards are literal


def test_edit_window_and_moderators(db, create_user, group):
    from lms.people.models import utcnow

    alice, bob, hr = create_user(), create_user(), create_user("hr")
    thread = service.start_thread(group, alice, title="Q", body="Question")
    post = service.reply(thread, bob, body="Answer")
    assert permissions.can_edit_post(bob, post) and not permissions.can_edit_post(alice, post)
    post.created_at = utcnow() - permissions.EDIT_WINDOW - timedelta(minutes=1)
    assert not permissions.can_edit_post(bob, post)
    assert permissions.can_edit_post(hr, post)
    service.edit_post(post, hr, body="Edited by HR")
    assert post.edited_by_id == hr.id and post.edited_at is not None


def test_dashboard_summary_lists_activity_in_followed_forums_and_unread(db, create_user, group):
    alice, bob = create_user(), create_user()
    other = service.create_forum("group", title="Running club")
    service.subscribe_forum(bob, group)
    in_group = service.start_thread(group, alice, title="Mentor meetup", body="Friday?")
    service.start_thread(other, alice, title="Not followed", body="x")
    summary = service.dashboard_summary(bob)
    assert [t.id for t in summary["threads"]] == [in_group.id]
    assert [n.kind for n in summary["unread"]] == ["forum.thread"]


def test_group_names_are_unique_whatever_the_case(db, group):
    with pytest.raises(service.ForumError) as exc:
        service.create_forum("group", title="  MENTORS ")
    assert exc.value.field == "title"
    other = service.create_forum("group", title="Tech talk")
    with pytest.raises(service.ForumError):
        service.update_forum(other, title="mentors", description="")
    service.update_forum(group, title="Mentors", description="Renamed nothing")  # itself is no clash


def test_subscribing_twice_is_harmless(db, create_user, group):
    alice = create_user()
    thread = service.start_thread(group, alice, title="Q", body="x")
    service.subscribe_thread(alice, thread)
    service.subscribe_forum(alice, group)
    service.subscribe_forum(alice, group)
    assert service.is_subscribed_forum(alice, group) and service.member_count(group) == 1


def test_editing_in_a_mention_tells_only_the_newly_mentioned(db, create_user, group):
    alice = create_user(email="alice.e@example.com")
    bob = create_user(email="bob.e@example.com")
    carol = create_user(email="carol.e@example.com")
    thread = service.start_thread(group, alice, title="Q", body="Hi @bob.e")
    post = db.session.execute(select(ForumPost).where(ForumPost.thread_id == thread.id)).scalar_one()
    service.edit_post(post, alice, body="Hi @bob.e and @carol.e")
    assert [(n.recipient_id, n.kind) for n in _notifications(db)] == [(bob.id, "forum.mention"), (carol.id, "forum.mention")]


def test_helpful_marks_are_for_the_thread_author_on_others_replies_or_moderators(db, create_user, group):
    alice, bob, carol, hr = create_user(), create_user(), create_user(), create_user("hr")
    thread = service.start_thread(group, alice, title="Q", body="Question")
    first = db.session.execute(select(ForumPost).where(ForumPost.thread_id == thread.id)).scalar_one()
    bobs = service.reply(thread, bob, body="Answer")
    own = service.reply(thread, alice, body="Found it myself")
    assert permissions.can_mark_helpful(alice, bobs)
    assert not permissions.can_mark_helpful(alice, own)  # no praising oneself
    assert not permissions.can_mark_helpful(alice, first)  # the question is not an answer
    assert not permissions.can_mark_helpful(carol, bobs)  # a bystander
    assert not permissions.can_mark_helpful(bob, bobs)
    assert permissions.can_mark_helpful(hr, own)
