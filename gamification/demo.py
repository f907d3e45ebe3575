"""Demo data for gamification: points rules and badges for Fjordhavn, awarded from the demo's
statement history by running the rule engine over it (exactly what the worker does)."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from xapi.vocabulary import ActivityType, Verb

from . import service
from .badges import evaluate_badges, save_badge
from .engine import catch_up

RULES = [
    ("Completed a course", Verb.COMPLETED, ActivityType.COURSE, 50, None),
    ("Finished a lesson", Verb.COMPLETED, ActivityType.LESSON, 5, 40),
    ("Watched a video", Verb.COMPLETED, ActivityType.MEDIA, 5, 40),
    ("Passed a quiz", Verb.PASSED, ActivityType.ASSESSMENT, 20, 60),
    ("Did a practical task", Verb.COMPLETED, ActivityType.PERFORMANCE, 15, None),
    ("Completed xAPI content", Verb.COMPLETED, ActivityType.MODULE, 10, 40),
    ("Answer marked helpful", Verb.RECEIVED, ActivityType.QUESTION_THREAD, 15, 45),
    ("Asked in a forum", Verb.ASKED, ActivityType.FORUM_TOPIC, 2, 6),
    ("Onboarding task done", Verb.COMPLETED, ActivityType.CHECKLIST_ITEM, 3, 15),
    ("Development goal reached", Verb.COMPLETED, ActivityType.GOAL, 40, None),
    ("Mentoring session held", Verb.MENTORED, ActivityType.TUTOR_SESSION, 20, 40),
    ("1:1 check-in held", Verb.ATTENDED, ActivityType.MEETING, 5, 10),
]


def seed_demo(today: date, rng: random.Random) -> dict:
    """Rules and badges, then the engine over every statement stored so far and the badge rules
    for everyone it touched. Call last: it awards from the other modules' history."""
    for name, verb, kind, points, cap in RULES:
        service.save_rule(None, name=name, verb_id=verb[0], activity_type=kind, points=points, daily_cap=cap)
    gdpr = db.session.execute(select(Course).where(Course.title == "GDPR basics")).scalar_one_or_none()
    badges = [
        ("Privacy guardian", "Knows how Fjordhavn protects personal data.",
         "Complete the course GDPR basics.", "course", str(gdpr.id) if gdpr else None, None),
        ("Good communicator", "Has learnt how to give feedback and run meetings well.",
         "Complete 2 courses in the Communication category.", "category", "Communication", 2),
        ("Compliance complete", "Has done the compliance courses.",
         "Complete 2 courses in the Compliance category.", "category", "Compliance", 2),
        ("Off to a flying start", "Finished onboarding on time.",
         "Finish every onboarding task within the first 90 days.", "onboarding", None, None),
        ("Helping hand", "Colleagues found their forum answers helpful.",
         "Have 2 forum answers marked helpful.", "helpful_answers", None, 2),
        ("First goal", "Reached a first development-plan goal.",
         "Reach a goal in your development plan.", "first_goal", None, None),
        ("Mentor", "Shares what they know.", "Hold 3 mentoring sessions as a mentor.", "mentor_sessions", None, 3),
        ("Steady learner", "Learns a little every week.", "Learn something in 4 weeks in a row.",
         "learning_streak", None, 4),
        ("Culture champion", "Lives Fjordhavn's values; awarded by HR.", "Nominated by colleagues, awarded by HR.",
         "manual", None, None),
    ]
    for name, description, criteria, kind, param, count in badges:
        if kind == "course" and param is None:
            continue
        save_badge(None, name=name, description=description, criteria=criteria, rule_kind=kind, rule_param=param,
                   rule_count=count)
    db.session.flush()
    people: set[int] = set()
    while True:
        outcome = catch_up()
        people |= outcome.user_ids
        if not outcome.statements:
            break
    awards = evaluate_badges(people)
    catch_up()  # the `earned` statements the awards recorded
    return {"rules": len(RULES), "badges": len(badges), "awards": len(awards)}
