"""Demo development plans: plans at every stage (just started, in progress, goals reached) for
many employees, and hand-written plans for the demo logins Mads (employee@) and Henrik (manager@).
Runs after the competency demo (it reads role gaps) and the course demo (it links courses)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User
from plans.competencies import service as competencies
from plans.competencies.models import Competency, CourseCompetency, JobRole

from . import service
from .models import Goal, ItemKind, PlanComment, PlanItem

DOMAIN = "fjordhavn.example"

# competency: goal titles and step ideas (kind, title, details, link)
IDEAS: dict[str, dict] = {
    "Negotiation": {"goals": ["Close renewals without discounting", "Prepare every big deal with a walk-away point"],
                    "steps": [(ItemKind.reading, "Read “Getting to Yes”", "Chapters 1–5; note three techniques to try.", None),
                              (ItemKind.shadowing, "Sit in on a key-account renewal", "", None),
                              (ItemKind.stretch, "Lead the next price negotiation with a mid-size customer", "", None)]},
    "Stakeholder management": {"goals": ["Keep my stakeholders informed without being asked"],
                               "steps": [(ItemKind.custom, "Map the stakeholders of my main project", "Who decides, who is affected, who can block.", None),
                                         (ItemKind.stretch, "Run the monthly status update for the project", "", None),
                                         (ItemKind.mentoring, "Mentoring session on difficult stakeholders", "", None)]},
    "Python": {"goals": ["Write Python that others like to review"],
               "steps": [(ItemKind.reading, "Work through “Effective Python”, items 1–30", "", "https://effectivepython.com/"),
                         (ItemKind.stretch, "Add type hints and tests to the billing module", "", None),
                         (ItemKind.shadowing, "Pair-program with a senior engineer for a day", "", None)]},
    "SQL": {"goals": ["Write SQL that scales with our data"],
            "steps": [(ItemKind.reading, "Read “Use The Index, Luke”", "", "https://use-the-index-luke.com/"),
                      (ItemKind.stretch, "Rewrite a slow report query and measure it", "", None),
                      (ItemKind.workshop, "Internal SQL clinic", "Bring a query you want to improve.", None)]},
    "Data analysis": {"goals": ["Answer my team's questions with data myself"],
                      "steps": [(ItemKind.workshop, "Data storytelling workshop", "", None),
                                (ItemKind.stretch, "Build the quarterly churn analysis", "", None),
                                (ItemKind.shadowing, "Shadow the data team's weekly review", "", None)]},
    "Coaching and feedback": {"goals": ["Give feedback that helps, in the moment"],
                              "steps": [(ItemKind.reading, "Read “Radical Candor”", "", None),
                                        (ItemKind.custom, "Ask two colleagues for feedback on my feedback", "", None),
                                        (ItemKind.mentoring, "Mentoring session: a feedback conversation I dread", "", None)]},
    "Project management": {"goals": ["Deliver my next project on time and in scope"],
                           "steps": [(ItemKind.custom, "Write a one-page project plan with milestones", "", None),
                                     (ItemKind.stretch, "Run the weekly check-ins of a cross-team project", "", None),
                                     (ItemKind.reading, "Read “Making Things Happen”, part one", "", None)]},
    "Customer empathy": {"goals": ["Understand why our customers call us"],
                         "steps": [(ItemKind.shadowing, "Listen in on support calls for half a day", "", None),
                                   (ItemKind.stretch, "Interview five customers about their first month", "", None),
                                   (ItemKind.custom, "Share three insights with the team", "", None)]},
    "Warehouse safety": {"goals": ["Become the shift's safety champion"],
                         "steps": [(ItemKind.workshop, "First aid at work (one day)", "", None),
                                   (ItemKind.stretch, "Run the weekly safety walk for a month", "", None),
                                   (ItemKind.shadowing, "Shadow the site safety lead on an incident review", "", None)]},
    "Financial reporting": {"goals": ["Own the monthly close for my area"],
                            "steps": [(ItemKind.shadowing, "Shadow the controller through a month-end close", "", None),
                                      (ItemKind.stretch, "Prepare the cost-centre report alone", "", None),
                                      (ItemKind.reading, "IFRS 15 summary for non-specialists", "", None)]},
    "Presentation skills": {"goals": ["Present to the whole company with confidence"],
                            "steps": [(ItemKind.workshop, "Storytelling workshop", "", None),
                                      (ItemKind.stretch, "Present at the monthly all-hands", "", None),
                                      (ItemKind.custom, "Record a practice run and watch it back", "", None)]},
    "Leadership": {"goals": ["Lead the team through a change well"],
                   "steps": [(ItemKind.reading, "Read “The Manager's Path”", "", None),
                             (ItemKind.mentoring, "Monthly session with a senior leader", "", None),
                             (ItemKind.stretch, "Run a retrospective with the whole team", "", None)]},
}
GENERIC = {"goals": ["Grow in %s"],
           "steps": [(ItemKind.shadowing, "Shadow an expert colleague", "", None),
                     (ItemKind.stretch, "Take on a stretch task in this area", "", None),
                     (ItemKind.reading, "Read up on the basics", "", None)]}
REFLECTIONS = [
    "Went better than expected; I wrote down what to try next time.",
    "Useful. The second half was the most relevant for my work.",
    "Done. I shared my notes with the team in the channel.",
    "Harder than I thought, but I now know where my gaps are.",
    "Evidence: the pull request and the before/after timings are linked in the ticket.",
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


def _user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _course(title: str) -> Course | None:
    return db.session.execute(select(Course).where(Course.title == title)).scalar_one_or_none()


def _goal(plan, title: str, competency: Competency | None, level: int | None, why: str, target: date | None,
          by: User, created: date) -> Goal:
    goal = service.add_goal(plan, service.GoalData(title=title, why=why, target_date=target,
                                                   competency_id=competency.id if competency else None,
                                                   target_level=level), by)
    goal.created_at = _at(created)
    return goal


def _step(goal: Goal, by: User, kind: ItemKind, title: str = "", details: str = "", url: str | None = None,
          course: Course | None = None, colleague: User | None = None, due: date | None = None) -> PlanItem:
    item = service.add_item(goal, service.ItemData(kind=kind, title=title, details=details, url=url,
                                                   course_id=course.id if course else None,
                                                   colleague_id=colleague.id if colleague else None, due_on=due), by)
    item.created_at = goal.created_at
    return item


def _done(item: PlanItem, owner: User, day: date, reflection: str) -> None:
    service.complete_item(item, owner, reflection)
    item.started_at = _at(day - timedelta(days=7))
    item.completed_at = _at(day, 15)


def _started(item: PlanItem, owner: User, day: date) -> None:
    service.start_item(item, owner)
    item.started_at = _at(day)


def seed_demo(today: date, rng: random.Random) -> None:
    """Plans for the demo logins, then for about half of the other current staff; no commit."""
    mads, henrik, ingrid = _user(f"employee@{DOMAIN}"), _user(f"manager@{DOMAIN}"), _user(f"mentor@{DOMAIN}")
    if mads is not None and henrik is not None and ingrid is not None:
        _mads(today, mads, henrik, ingrid)
        _henrik(today, henrik)
    skip = {u.id for u in (mads, henrik) if u is not None}
    mentors = [u for u, _s in competencies.current_staff(today) if u.is_mentor]
    staff = [(u, s) for u, s in competencies.current_staff(today) if u.id not in skip and (today - s.hire_date).days > 60]
    for user, spell in staff:
        if rng.random() < 0.45:
            _random_plan(today, rng, user, spell, mentors, [u for u, s in staff if s.department_id == spell.department_id and u.id != user.id])
    db.session.flush()


def _random_plan(today: date, rng: random.Random, user: User, spell, mentors: list[User], colleagues: list[User]) -> None:
    role = competencies.role_of(user)
    rows = competencies.gap_rows(user, role, with_courses=False)
    if not rows:
        return
    stage = rng.choices(["new", "progress", "done"], [3, 5, 2])[0]
    plan = service.ensure_plan(user)
    plan.created_at = _at(today - timedelta(days=rng.randint(20, 300)))
    picks = [r for r in rows if r.gap or r.future_gap] or rows
    goals = 1 if stage == "new" else rng.choice((1, 2, 2))
    for n, row in enumerate(picks[:goals]):
        comp = row.competency
        ideas = IDEAS.get(comp.name, GENERIC)
        title = rng.choice(ideas["goals"])
        title = title % comp.name if "%s" in title else title
        created = today - timedelta(days=rng.randint(3, 20) if stage == "new" else rng.randint(40, 200))
        manager = spell.manager
        goal = _goal(plan, title, comp, max(row.required, row.future) if row.gap == 0 else row.required,
                     f"My role needs {comp.name.lower()} at level {row.required}; I am at {row.current or 'an unassessed level'}.",
                     created + timedelta(days=rng.randint(90, 240)), user, created)
        steps = list(ideas["steps"])
        rng.shuffle(steps)
        link = db.session.execute(select(CourseCompetency).where(CourseCompetency.competency_id == comp.id)
                                  .order_by(CourseCompetency.level)).scalars().first()
        items = []
        if link is not None:
            items.append(_step(goal, user, ItemKind.course, course=db.session.get(Course, link.course_id)))
        for kind, step_title, details, url in steps[:3 if link is None else 2]:
            colleague = None
            if kind == ItemKind.shadowing and colleagues:
                colleague = rng.choice(colleagues)
            elif kind == ItemKind.mentoring and mentors:
                colleague = rng.choice([m for m in mentors if m.id != user.id] or [None])
            by = manager if manager is not None and rng.random() < 0.25 else user
            items.append(_step(goal, by, kind, step_title, details, url, colleague=colleague,
                               due=created + timedelta(days=rng.randint(20, 120))))
        if stage == "new" or goal.completed_at is not None:
            continue
        k = len(items) if stage == "done" and n == 0 else rng.randint(1, len(items) - 1)
        for i, item in enumerate(items[:k]):
            if item.completed_at is None:
                _done(item, user, created + timedelta(days=10 + 15 * i), rng.choice(REFLECTIONS))
        if k < len(items) and items[k].completed_at is None and rng.random() < 0.6:
            _started(items[k], user, created + timedelta(days=12 + 15 * k))
        if stage == "done" and n == 0:
            service.complete_goal(goal, user, "I reached the level I aimed for; my manager agreed in our 1:1.")
            goal.completed_at = _at(created + timedelta(days=15 * len(items) + 5))
    if spell.manager is not None and rng.random() < 0.4:
        db.session.add(PlanComment(plan_id=plan.id, author_id=spell.manager_id, created_at=_at(today - timedelta(days=rng.randint(2, 30))),
                                   body=rng.choice(["Good progress — let's talk about the next step in our 1:1.",
                                                    "I can introduce you to someone for the shadowing.",
                                                    "Nice reflection. Keep the evidence coming."])))


def _mads(today: date, mads: User, henrik: User, ingrid: User) -> None:
    """Mads: working towards Senior Software Engineer; SQL in progress, presenting just started,
    a feedback goal reached; Henrik suggested a step and commented."""
    comps = {c.name: c for c in db.session.execute(select(Competency)).scalars()}
    plan = service.ensure_plan(mads)
    plan.created_at = _at(today - timedelta(days=120))
    senior = db.session.execute(select(JobRole).where(JobRole.title == "Senior Software Engineer")).scalar_one_or_none()
    plan.target_role_id = senior.id if senior else None

    sql = _goal(plan, "Write SQL that scales with our data", comps.get("SQL"), 3,
                "Our reports slow down every month, and a senior engineer owns the queries behind them.",
                today + timedelta(days=75), mads, today - timedelta(days=60))
    read = _step(sql, mads, ItemKind.reading, "Read “Use The Index, Luke”", "Chapters on joins and sorting.",
                 "https://use-the-index-luke.com/", due=today - timedelta(days=30))
    _done(read, mads, today - timedelta(days=34), "Finally understand why our ORDER BY ... LIMIT was slow. Notes in the wiki.")
    pair = _step(sql, mads, ItemKind.shadowing, "Pair with Ingrid on query plans", "Two afternoons on the invoice report.",
                 colleague=ingrid, due=today + timedelta(days=7))
    _started(pair, mads, today - timedelta(days=5))
    _step(sql, henrik, ItemKind.stretch, "Rewrite the invoice report query and halve its runtime",
          "Measure before and after on the staging copy.", due=today + timedelta(days=30))
    _step(sql, mads, ItemKind.custom, "Show what I learnt at the Platform guild", due=today + timedelta(days=60))

    talk = _goal(plan, "Run our sprint demos with confidence", comps.get("Presentation skills"), 3,
                 "I explain well one to one, less so to a room.", today + timedelta(days=120), mads, today - timedelta(days=10))
    meetings = _course("Running effective meetings")
    if meetings is not None:
        _started(_step(talk, mads, ItemKind.course, course=meetings, due=today + timedelta(days=21)), mads, today - timedelta(days=3))
    _step(talk, mads, ItemKind.workshop, "Storytelling workshop (People & Culture)", due=today + timedelta(days=45))
    _step(talk, mads, ItemKind.stretch, "Present the sprint demo three times in a row", due=today + timedelta(days=100))

    review = _goal(plan, "Give kinder, sharper code reviews", comps.get("Coaching and feedback"), 2,
                   "Reviews are where the team learns most.", today - timedelta(days=30), mads, today - timedelta(days=110))
    guide = _step(review, mads, ItemKind.reading, "Google's code review guide", url="https://google.github.io/eng-practices/review/")
    _done(guide, mads, today - timedelta(days=95), "Adopted the 'nit:' prefix and comment on the code, not the person.")
    session = _step(review, mads, ItemKind.mentoring, "Mentoring session with Ingrid on review tone", colleague=ingrid)
    _done(session, mads, today - timedelta(days=70), "Ingrid showed me how she asks questions instead of giving orders.")
    service.complete_goal(review, mads, "Two colleagues said my reviews got clearer and friendlier.")
    review.completed_at = _at(today - timedelta(days=45))

    db.session.add_all([
        PlanComment(plan_id=plan.id, author_id=henrik.id, created_at=_at(today - timedelta(days=6)),
                    body="Great progress on SQL. I added the invoice report as a stretch task — let's pick it for next sprint."),
        PlanComment(plan_id=plan.id, author_id=mads.id, created_at=_at(today - timedelta(days=5)),
                    body="Thanks! I'll pair with Ingrid first so I don't break the month-end run."),
    ])


def _henrik(today: date, henrik: User) -> None:
    """Henrik: a leadership goal in progress, with the leadership course HR assigned to managers."""
    comps = {c.name: c for c in db.session.execute(select(Competency)).scalars()}
    plan = service.ensure_plan(henrik)
    goal = _goal(plan, "Coach the team through the platform migration", comps.get("Leadership"), 5,
                 "The migration will stretch everyone; I want people to grow, not burn out.",
                 today + timedelta(days=150), henrik, today - timedelta(days=50))
    book = _step(goal, henrik, ItemKind.reading, "Read “The Manager's Path”, chapters 5–7")
    _done(book, henrik, today - timedelta(days=30), "The chapter on managing managers changed how I run my 1:1s.")
    leadership = _course("First-line leadership")
    if leadership is not None:
        _started(_step(goal, henrik, ItemKind.course, course=leadership, due=today + timedelta(days=40)), henrik,
                 today - timedelta(days=20))
    _step(goal, henrik, ItemKind.mentoring, "Monthly session with the CTO", due=today + timedelta(days=14))
    _step(goal, henrik, ItemKind.stretch, "Run a team retrospective on the migration's first phase",
          due=today + timedelta(days=35))
