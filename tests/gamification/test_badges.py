"""Badge rules on sequences of statements, idempotent awards with an `earned` statement and a
notification, awarding by hand and revoking with reasons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from gamification.badges import award_by_hand, evaluate_badges, longest_streak, revoke_award
from gamification.engine import process_statements
from gamification.models import BadgeAward
from lms.people.service import ValidationError
from xapi.models import Statement
from xapi.vocabulary import ActivityType, Extension, Verb

from .conftest import BASE


def _run(*seqs, users):
    process_statements(seqs)
    return evaluate_badges([u.id for u in users])


def _holders(db, badge):
    return {a.user_id for a in db.session.execute(select(BadgeAward).where(BadgeAward.badge_id == badge.id)).scalars()}


def test_course_badge_is_awarded_once_with_an_earned_statement_and_a_notification(db, create_user, statement, badge):
    from lms.courses.models import Course
    from lms.notifications.models import Notification

    course = Course(title="GDPR", summary="", category="Compliance", duration_minutes=10)
    db.session.add(course)
    db.session.flush()
    b = badge("GDPR hero", "course", param=str(course.id))
    user, other = create_user(), create_user()
    seq = statement(user, Verb.COMPLETED, f"{BASE}/courses/{course.id}", type=ActivityType.COURSE)
    statement(other, Verb.COMPLETED, f"{BASE}/courses/{course.id + 1}", type=ActivityType.COURSE)
    awards = _run(seq, users=[user, other])
    assert [(a.user_id, a.statement_seq) for a in awards] == [(user.id, seq)]
    assert _run(seq, users=[user, other]) == []  # idempotent
    earned = db.session.execute(select(Statement).where(Statement.verb_id == Verb.EARNED[0])).scalars().all()
    assert [(s.user_id, s.data["object"]["id"], s.data["object"]["definition"]["type"]) for s in earned] == [
        (user.id, f"{BASE}/badges/{b.id}", ActivityType.BADGE)]
    notes = db.session.execute(select(Notification).where(Notification.recipient_id == user.id)).scalars().all()
    assert [n.kind for n in notes] == ["gamification.badge_earned"]


def test_category_badge_counts_distinct_courses_of_the_category(db, create_user, statement, badge):
    from lms.courses.models import Course

    courses = [Course(title=f"C{i}", summary="", category=cat, duration_minutes=10)
               for i, cat in enumerate(["Leadership", "Leadership", "Compliance", "Leadership"])]
    db.session.add_all(courses)
    db.session.flush()
    b = badge("Leader", "category", param="leadership", count=3)
    user = create_user()
    seqs = [statement(user, Verb.COMPLETED, f"{BASE}/courses/{c.id}", type=ActivityType.COURSE) for c in courses[:3]]
    again = statement(user, Verb.COMPLETED, f"{BASE}/courses/{courses[0].id}", type=ActivityType.COURSE)
    assert _run(*seqs, again, users=[user]) == []  # two distinct Leadership courses, a repeat and a Compliance one
    last = statement(user, Verb.COMPLETED, f"{BASE}/courses/{courses[3].id}", type=ActivityType.COURSE)
    assert [a.badge_id for a in _run(last, users=[user])] == [b.id]


def test_onboarding_badge_needs_the_plan_completed_by_day_90(db, create_user, statement, badge):
    b = badge("Onboarded", "onboarding")
    early, late = create_user(), create_user()
    s1 = statement(early, Verb.COMPLETED, f"{BASE}/onboarding/plans/1", type=ActivityType.CHECKLIST,
                   extensions={Extension.ONBOARDING_DAY: 84})
    s2 = statement(late, Verb.COMPLETED, f"{BASE}/onboarding/plans/2", type=ActivityType.CHECKLIST,
                   extensions={Extension.ONBOARDING_DAY: 97})
    _run(s1, s2, users=[early, late])
    assert _holders(db, b) == {early.id}


def test_onboarding_plan_completion_is_recorded_by_the_onboarding_service(db, create_user):
    """The onboarding side of the contract: the last task done records the plan's `completed`."""
    from lms.onboarding import service as onboarding
    from lms.onboarding.models import OnboardingPlan, OnboardingTrack, PlanTask, Phase, Owner, Area

    user = create_user()
    track = OnboardingTrack(name="T")
    db.session.add(track)
    db.session.flush()
    start = datetime.now(timezone.utc).date() - timedelta(days=40)
    plan = OnboardingPlan(user_id=user.id, spell_id=user.spells[0].id, track_id=track.id, starts_on=start,
                          cohort_id=onboarding.get_or_create_cohort(onboarding.cohort_start(start)).id)
    db.session.add(plan)
    db.session.flush()
    tasks = [PlanTask(plan_id=plan.id, title=f"t{i}", phase=Phase.week1, area=Area.social, owner=Owner.new_hire,
                      due_on=plan.starts_on) for i in range(2)]
    db.session.add_all(tasks)
    db.session.flush()
    db.session.refresh(plan)
    onboarding.complete_task(tasks[0], user)
    assert not _plan_completions(db)
    onboarding.complete_task(tasks[1], user)
    (done,) = _plan_completions(db)
    assert done.user_id == user.id and done.data["context"]["extensions"][Extension.ONBOARDING_DAY] == 40


def _plan_completions(db):
    rows = db.session.execute(select(Statement).where(Statement.verb_id == Verb.COMPLETED[0])).scalars()
    return [s for s in rows if s.data["object"].get("definition", {}).get("type") == ActivityType.CHECKLIST]


def test_helpful_answers_badge_counts_distinct_replies(db, create_user, statement, badge):
    b = badge("Helper", "helpful_answers", count=2)
    user = create_user()
    s1 = statement(user, Verb.RECEIVED, f"{BASE}/forums/posts/1", type=ActivityType.QUESTION_THREAD)
    s1b = statement(user, Verb.RECEIVED, f"{BASE}/forums/posts/1", type=ActivityType.QUESTION_THREAD)
    assert _run(s1, s1b, users=[user]) == []
    s2 = statement(user, Verb.RECEIVED, f"{BASE}/forums/posts/2", type=ActivityType.QUESTION_THREAD)
    assert len(_run(s2, users=[user])) == 1 and _holders(db, b) == {user.id}


def test_forum_helpful_mark_records_a_statement_about_the_replys_author(db, create_user):
    from lms.forums import service as forums

    author, asker = create_user(), create_user("hr")
    forum = forums.create_forum("group", title="Help desk")
    thread = forums.start_thread(forum, asker, title="How?", body="How do I?")
    post = forums.reply(thread, author, body="Like this.")
    forums.set_helpful(post, asker, True)
    rows = db.session.execute(select(Statement).where(Statement.verb_id == Verb.RECEIVED[0])).scalars().all()
    assert [(s.user_id, s.data["object"]["id"]) for s in rows] == [(author.id, f"{BASE}/forums/posts/{post.id}")]


def test_first_goal_and_mentor_session_badges(db, create_user, statement, badge):
    goal = badge("First goal", "first_goal")
    mentor = badge("Mentor", "mentor_sessions", count=2)
    user = create_user()
    seqs = [statement(user, Verb.COMPLETED, f"{BASE}/plans/goals/7", type=ActivityType.GOAL),
            statement(user, Verb.MENTORED, f"{BASE}/mentoring/sessions/1", type=ActivityType.TUTOR_SESSION),
            statement(user, Verb.ATTENDED, f"{BASE}/mentoring/sessions/2", type=ActivityType.TUTOR_SESSION)]
    _run(*seqs, users=[user])
    assert _holders(db, goal) == {user.id} and _holders(db, mentor) == set()
    more = statement(user, Verb.MENTORED, f"{BASE}/mentoring/sessions/3", type=ActivityType.TUTOR_SESSION)
    _run(more, users=[user])
    assert _holders(db, mentor) == {user.id}


def test_streak_badge_counts_consecutive_weeks_whatever_the_order(db, create_user, statement, badge):
    b = badge("Steady", "learning_streak", count=3)
    user = create_user()
    monday = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)
    week = lambda n: statement(user, Verb.EXPERIENCED, f"{BASE}/courses/1/modules/{n}", type=ActivityType.LESSON,
                               at=monday + timedelta(weeks=n))
    s0, s1, s3 = week(0), week(1), week(3)
    assert _run(s3, s0, s1, users=[user]) == []  # weeks 0, 1 and 3: a gap
    s2 = week(2)  # arrives last, fills the gap
    assert len(_run(s2, users=[user])) == 1 and _holders(db, b) == {user.id}


def test_longest_streak():
    from datetime import date

    m = date(2026, 1, 5)
    assert longest_streak([]) == 0
    assert longest_streak([m, m + timedelta(weeks=1), m + timedelta(weeks=3), m + timedelta(weeks=4),
                           m + timedelta(weeks=5)]) == 3


def test_hr_awards_by_hand_with_a_reason_and_revokes_with_a_reason(db, create_user, badge):
    hr, user = create_user("hr"), create_user()
    b = badge("Team spirit")
    with pytest.raises(ValidationError):
        award_by_hand(b, user, hr, "  ")
    award = award_by_hand(b, user, hr, "Organised the summer party")
    assert award.awarded_by_id == hr.id and award.reason == "Organised the summer party"
    with pytest.raises(ValidationError):
        award_by_hand(b, user, hr, "again")
    with pytest.raises(ValidationError):
        revoke_award(award, hr, "")
    revoke_award(award, hr, "Awarded to the wrong person")
    assert award.is_revoked and award.revocation_reason == "Awarded to the wrong person"


def test_a_revoked_rule_badge_is_not_awarded_again(db, create_user, statement, badge):
    hr, user = create_user("hr"), create_user()
    b = badge("First goal", "first_goal")
    seq = statement(user, Verb.COMPLETED, f"{BASE}/plans/goals/1", type=ActivityType.GOAL)
    (award,) = _run(seq, users=[user])
    revoke_award(award, hr, "Goal was reopened")
    assert _run(seq, users=[user]) == []
    assert db.session.execute(select(BadgeAward).where(BadgeAward.badge_id == b.id)).scalar_one().is_revoked


def test_badge_definition_checks_its_rule_and_generates_an_image(db, badge):
    with pytest.raises(ValidationError) as err:
        badge("Many", "helpful_answers")
    assert err.value.field == "rule_count"
    with pytest.raises(ValidationError) as err:
        badge("Course", "course", param="99999")
    assert err.value.field == "rule_param"
    b = badge("Plain")
    assert b.image.startswith(b"\x89PNG")
