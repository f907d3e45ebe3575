"""Two years of demo history with planted effects: exits, learning activity, pulse rounds, absences,
exit interviews and alumni, so that the retention analytics has something true to find.

The generative model (known, so tests and the lead's model-recovery checks can rely on it):

- Each person has a latent engagement level that drifts month by month (AR(1) around a personal
  mean). The mean is lower in the teams of a few weak managers (`WEAK_MANAGER_DEPARTMENTS`).
- Every month each employed person may *decide to leave* with a logistic hazard that rises steeply
  as engagement falls (the lowest third has ~3-4x the hazard of the top third), when onboarding was
  not finished by day 90 (first 18 months), under a weak manager, in a department with a low eNPS
  (`analytics.demo.MOOD`), and in the 3-24-month tenure band. The exit follows 3-6 months later;
  meanwhile engagement drops for most of them (the early-warning signal). Involuntary exits are a
  small independent hazard, with no drop.
- Each week's xAPI statements are drawn from that month's level (active days, completions, forum
  posts, plan items, 1:1 check-ins, mentoring), only while the person is employed, with timestamps in
  the past, stored through the LRS's own `store_statements` so they look like the platform's.

The demo's current staff are sampled *conditioned on still being employed today* (a path that would
have ended is redrawn), the leavers conditioned on having left: together they follow the model.
Pulse answers stay anonymous (round, department, tenure band only); absence is simulated (a little
more sick leave before leaving) but is not part of the model.

Measured for the 150-person demo (seed 2026): about 31,000 statements, 40-45 leavers, voluntary
turnover 12-18 % a year; the build takes about 15 s longer on SQLite (about 14 s on PostgreSQL);
`analytics evaluate` gives a backtest ROC AUC of 0.81-0.90 across seeds and the Cox hazard ratio of
the lowest engagement third is 5-10.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import select, update

from lms.extensions import db
from lms.people.models import Department, EmploymentSpell, EndType, Role, User

from . import pulse
from .models import (
    Absence,
    AbsenceType,
    AlumniMember,
    ExitInterview,
    ExitInterviewReason,
    ExitReason,
    PulseAnswer,
    PulseInvitation,
    PulseResponse,
    PulseSurvey,
    QuestionKind,
    RehireEligibility,
    Schedule,
    WouldReturn,
)

#: the teams of weak managers: lower engagement, fewer 1:1s, lower eNPS, more leavers
WEAK_MANAGER_DEPARTMENTS = ("Customer Success", "Warehouse Copenhagen", "Marketing")
#: the department whose recent leavers keep citing the same reason (the repeated-reason alert)
REPEATED_REASON = ("Marketing", ExitReason.career)
#: people who left (in the window or before it) as a share of everyone the demo has had
LEAVER_SHARE = 0.28

# --- the planted model ---------------------------------------------------------------------------
PHI, SIGMA, MEAN_SD = 0.75, 0.45, 0.55        # AR(1) drift of the latent level, spread of personal means
WEAK_SHIFT = -0.45                             # personal mean under a weak manager
B0 = -4.45                                     # baseline monthly logit of deciding to leave
B_ENGAGEMENT = 0.70                            # per unit of latent level (lower level, higher hazard)
B_NO_ONBOARDING = 0.9                          # onboarding not finished by day 90, first 18 months
B_WEAK_MANAGER = 0.5
B_ENPS = 0.35                                  # per unit of the department's mood (eNPS driver)
B_EARLY_TENURE = 0.4                           # 3-24 months of tenure
INVOLUNTARY_LOGIT = -5.4                       # ~0.45 % a month
NOTICE_MONTHS = (3, 4, 5, 6)                   # decision to exit
STRONG_DROP_SHARE = 0.8                        # leavers whose engagement visibly drops before exit


def leaver_count(employees: int) -> int:
    """How many of `employees` people the history makes leavers (the rest are built by lms.demo)."""
    return max(3, round(employees * LEAVER_SHARE))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


@dataclass
class Stint:
    """One employment spell as the simulation sees it (the part inside the window gets activity)."""

    hire: date
    end: date | None
    end_type: EndType | None
    department: str
    title: str
    manager_id: int | None
    weak: bool
    #: month index -> latent engagement level (after any pre-exit drop)
    levels: dict[int, float] = field(default_factory=dict)
    #: month index of the decision to leave (exit follows), or None
    decided: int | None = None
    #: onboarding finished by day 90 (None: hired before the window, not simulated)
    onboarded: bool | None = None
    regretted: bool = False
    spell: EmploymentSpell | None = None


@dataclass
class Life:
    user: User | None
    stints: list[Stint]
    mean: float
    is_login: bool = False
    #: how much this person uses the platform whatever their engagement (role, habits): it
    #: shifts activity but not the hazard, so raw activity is a noisy signal and the trend matters
    propensity: float = 0.0
    #: a new person made by the history (a leaver or a boomerang), not yet in the database
    first: str = ""
    last: str = ""


class _Calendar:
    """The window's months: index 0 is the month of `today - years`, the last is today's month."""

    def __init__(self, today: date, years: int):
        self.today = today
        self.start = _month_start(today - timedelta(days=round(365.25 * years)))
        self.months: list[date] = []
        m = self.start
        while m <= today:
            self.months.append(m)
            m = _add_months(m, 1)

    def index(self, day: date) -> int:
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    @property
    def last(self) -> int:
        return len(self.months) - 1

    def random_day(self, rng: random.Random, i: int) -> date:
        first = self.months[i]
        nxt = _add_months(first, 1)
        return first + timedelta(days=rng.randrange((nxt - first).days))


def _tenure_months(hire: date, month: date) -> float:
    return (month - hire).days / 30.44


def _walk(rng: random.Random, cal: _Calendar, stint: Stint, mean: float, mood: float, *, may_quit: bool,
          may_be_dismissed: bool, forced_exit: date | None = None) -> tuple[date, EndType] | None:
    """Simulate the stint's months in the window; fill levels/decided/onboarded; return the exit if any."""
    stint.levels.clear()
    stint.decided = None
    first = max(0, cal.index(stint.hire))
    if stint.hire >= cal.start:
        level = mean + rng.gauss(0, 0.3)
        stint.onboarded = rng.random() < _sigmoid(0.9 + 1.3 * level)
    else:
        level = mean + rng.gauss(0, SIGMA / math.sqrt(1 - PHI * PHI))
        stint.onboarded = None
    forced_decision = None
    if forced_exit is not None:
        forced_decision = cal.index(forced_exit) - rng.choice(NOTICE_MONTHS)
    strong, exit_month = rng.random() < STRONG_DROP_SHARE, None
    last = cal.last if stint.end is None or forced_exit is not None else min(cal.last, cal.index(stint.end))
    for i in range(first, last + 1):
        level = mean + PHI * (level - mean) + rng.gauss(0, SIGMA)
        month = cal.months[i]
        if stint.decided is None and forced_decision is not None and i >= forced_decision:
            stint.decided = i
        if stint.decided is None and may_quit:
            tenure = _tenure_months(stint.hire, month)
            logit = B0 - B_ENGAGEMENT * level - B_ENPS * mood
            if stint.onboarded is False and tenure < 18:
                logit += B_NO_ONBOARDING
            if stint.weak:
                logit += B_WEAK_MANAGER
            if 3 <= tenure < 24:
                logit += B_EARLY_TENURE
            if rng.random() < _sigmoid(logit):
                stint.decided, exit_month = i, i + rng.choice(NOTICE_MONTHS)
        drop = 0.0
        if stint.decided is not None:
            drop = min(1.6, 0.6 + 0.3 * (i - stint.decided)) * (1.0 if strong else 0.2)
        stint.levels[i] = level - drop
        if forced_exit is not None:
            if i == cal.index(forced_exit):
                return forced_exit, EndType.voluntary
            continue
        if exit_month is not None and i == exit_month:
            day = max(cal.random_day(rng, i), stint.hire + timedelta(days=30))
            if day < cal.today:
                return day, EndType.voluntary
            return None
        if stint.decided is None and may_be_dismissed and rng.random() < _sigmoid(INVOLUNTARY_LOGIT - 0.3 * level):
            day = max(cal.random_day(rng, i), stint.hire + timedelta(days=30))
            if day < cal.today:
                return day, EndType.involuntary
    return None


# --- the people ------------------------------------------------------------------------------


def _org(today: date):
    """Departments by name, each department's head (its manager of staff), and staff titles."""
    from lms.demo import DEPARTMENTS

    depts = {d.name: d for d in db.session.execute(select(Department)).scalars()}
    heads: dict[str, int] = {}
    titles: dict[str, list[str]] = {}
    weights: dict[str, int] = {}
    for name, _parent, weight, head_title, staff_titles in DEPARTMENTS:
        if name not in depts:
            continue
        titles[name], weights[name] = staff_titles, weight
        head = db.session.execute(
            select(EmploymentSpell.user_id).where(EmploymentSpell.department_id == depts[name].id,
                                                  EmploymentSpell.job_title == head_title,
                                                  EmploymentSpell.end_date.is_(None)).limit(1)
        ).scalar_one_or_none()
        if head is not None:
            heads[name] = head
    return depts, heads, titles, weights


def _mood(name: str) -> float:
    from .demo import MOOD

    return MOOD.get(name, 0.0)


def simulate_history(today: date, rng: random.Random, years: int = 2, leavers: int | None = None) -> dict:
    """Give the demo organisation `years` of past life; the caller commits. Returns counts.

    Call after the people and the module demos exist (the statements refer to their courses and
    forums) and after `analytics.demo.seed_demo` (earlier pulse rounds join its survey). `leavers`
    people are added as past employees (default: in proportion to the current head-count).
    """
    from lms.demo import DEMO_LOGINS

    cal = _Calendar(today, years)
    depts, heads, titles, weights = _org(today)
    dept_names = {d.id: name for name, d in depts.items()}
    head_ids = set(heads.values())
    logins = {email for _r, email, _f, _l in DEMO_LOGINS}

    # Everyone already built: survivors (conditioned on being employed today) and the boomerangs'
    # ended first spells (a voluntary exit at a known date, with its drop before it).
    lives: list[Life] = []
    users = db.session.execute(select(User).order_by(User.id)).scalars().all()
    for user in users:
        is_login = user.email in logins
        stints = []
        for spell in user.spells:
            if spell.hire_date >= today or (spell.end_date is not None and spell.end_date < cal.start):
                continue
            name = dept_names.get(spell.department_id, "")
            stints.append(Stint(hire=spell.hire_date, end=spell.end_date, end_type=spell.end_type, department=name,
                                title=spell.job_title, manager_id=spell.manager_id, spell=spell,
                                weak=name in WEAK_MANAGER_DEPARTMENTS and user.id not in head_ids))
        if not stints:
            continue
        life = Life(user=user, stints=stints, mean=0.0, is_login=is_login)
        life.mean = rng.gauss(0, MEAN_SD) + (WEAK_SHIFT if stints[-1].weak else 0.0)
        if is_login:
            life.mean = max(life.mean, 0.4)
        for stint in stints:
            mood = _mood(stint.department)
            if stint.end is not None:  # a boomerang's first spell that ended in the window
                _walk(rng, cal, stint, life.mean, mood, may_quit=False, may_be_dismissed=False,
                      forced_exit=stint.end if stint.end_type is EndType.voluntary else None)
                continue
            for _attempt in range(60):
                if _walk(rng, cal, stint, life.mean, mood, may_quit=not is_login, may_be_dismissed=not is_login) is None:
                    break
            else:  # nearly impossible; keep the last path without its exit
                stint.decided = None
        lives.append(life)

    # The leavers: candidates conditioned on having left before today.
    n_leavers = leavers if leavers is not None else round(len(lives) * LEAVER_SHARE / (1 - LEAVER_SHARE))
    staff = [n for n in titles if titles[n] and weights.get(n)]
    new_lives: list[Life] = []
    pre_window = max(1, round(n_leavers * 0.1)) if n_leavers >= 5 else 0
    boomerangs = max(1, round(n_leavers * 0.06)) if n_leavers >= 4 else 0
    repeated_dept, _reason = REPEATED_REASON
    reserve = min(7, n_leavers // 6) if repeated_dept in staff else 0
    from lms.demo import FIRST_NAMES, LAST_NAMES

    made = 0
    while made < n_leavers:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        dept = repeated_dept if made < reserve else rng.choices(staff, [weights[n] for n in staff])[0]
        title = rng.choice(titles[dept])
        weak = dept in WEAK_MANAGER_DEPARTMENTS
        mean = rng.gauss(0, MEAN_SD) + (WEAK_SHIFT if weak else 0.0)
        if made >= n_leavers - pre_window:  # left before the window: no activity on record
            hire = cal.start - timedelta(days=rng.randint(400, 2200))
            end = min(hire + timedelta(days=rng.randint(90, 1400)), cal.start - timedelta(days=rng.randint(10, 300)))
            voluntary = rng.random() < 0.8
            stint = Stint(hire=hire, end=end, end_type=EndType.voluntary if voluntary else EndType.involuntary,
                          department=dept, title=title, manager_id=heads.get(dept), weak=weak,
                          regretted=voluntary and rng.random() < 0.4)
            new_lives.append(Life(user=None, stints=[stint], mean=mean, first=first, last=last))
            made += 1
            continue
        hire = today - timedelta(days=rng.randint(60, 6 * 365))
        stint = Stint(hire=hire, end=None, end_type=None, department=dept, title=title,
                      manager_id=heads.get(dept), weak=weak)
        exit_ = _walk(rng, cal, stint, mean, _mood(dept), may_quit=True, may_be_dismissed=True)
        if exit_ is None or (made < reserve and (exit_[1] is not EndType.voluntary
                                                 or exit_[0] < today - timedelta(days=330))):
            continue  # the department's repeated-reason story needs voluntary leavers of the last year
        stint.end, stint.end_type = exit_
        voluntary = stint.end_type is EndType.voluntary
        stint.regretted = voluntary and rng.random() < (0.4 if mean > 0 else 0.2)
        life = Life(user=None, stints=[stint], mean=mean, first=first, last=last)
        new_lives.append(life)
        made += 1
    # A few leavers are boomerangs who left once before, came back and left again. (Boomerangs
    # who stayed come from lms.demo: people made here after the other modules' demos must not
    # be current staff, or those modules' data would miss them.)
    returners = [l for l in new_lives if l.stints[0].end is not None and l.stints[0].end >= cal.start
                 and l.stints[0].end_type is EndType.voluntary]
    for life in rng.sample(returners, min(boomerangs, len(returners))):
        again = life.stints[0]
        end = min(again.hire - timedelta(days=rng.randint(120, 500)), cal.start - timedelta(days=rng.randint(10, 200)))
        before = Stint(hire=end - timedelta(days=rng.randint(300, 1000)), end=end, end_type=EndType.voluntary,
                       department=again.department, title=again.title, manager_id=again.manager_id,
                       weak=again.weak, regretted=True)
        life.stints.insert(0, before)

    _create_people(new_lives, depts, today)
    lives.extend(new_lives)
    db.session.flush()
    for life in lives:
        shift = -0.3 if life.stints[-1].department.startswith("Warehouse") else 0.0
        life.propensity = shift + rng.gauss(0, 0.45)

    counts = {"leavers": len(new_lives), "boomerangs": sum(len(l.stints) > 1 for l in new_lives)}
    counts["statements"] = _emit_statements(rng, cal, lives)
    counts["pulse_rounds"], counts["pulse_responses"] = _pulse_history(rng, cal, lives, depts)
    counts["absences"] = _absences(rng, cal, lives)
    counts["exit_interviews"], counts["alumni"] = _exit_interviews(rng, cal, lives)
    db.session.flush()
    from .exits import repeated_reason_alerts

    counts["alerts"] = len(repeated_reason_alerts(today))
    _refresh_engagement()
    return counts


def _create_people(lives: list[Life], depts: dict[str, Department], today: date) -> None:
    from lms.demo import _email

    taken = set(db.session.execute(select(User.email)).scalars())
    numbers = [n for n in db.session.execute(select(User.employee_number)).scalars() if n and n[2:].isdigit()]
    counter = max((int(n[2:]) for n in numbers), default=1000) + 1
    for life in lives:
        current = life.stints[-1].end is None
        user = User(email=_email(life.first, life.last, taken), first_name=life.first, last_name=life.last,
                    employee_number=f"FH{counter}", is_active=current, is_mentor=False)
        counter += 1
        user.set_roles({Role.employee})
        db.session.add(user)
        for stint in life.stints:
            stint.spell = EmploymentSpell(
                department=depts[stint.department], job_title=stint.title, manager_id=stint.manager_id,
                hire_date=stint.hire, end_date=stint.end, end_type=stint.end_type, is_regretted=stint.regretted)
            user.spells.append(stint.spell)
        life.user = user


# --- statements ------------------------------------------------------------------------------

FORUM_QUESTIONS = [
    "How do I book a course during the busy season?", "Tips for the first weeks in a new team?",
    "Which course helped you most with feedback?", "Anyone tried the new planning template?",
    "How do you keep learning when the workload is high?", "Good resources on customer conversations?",
]
PLAN_ITEMS = [
    "Read the team handbook chapter on quality", "Shadow a colleague for a day", "Finish the feedback course",
    "Present a lesson learnt at the team meeting", "Pair with a senior colleague on a hard case",
    "Write down three goals for the next quarter", "Practise the new process on a real case",
]
ONBOARDING_TASKS = [
    "Meet your buddy", "Set up your laptop and accounts", "Read the employee handbook", "Complete GDPR basics",
    "Lunch with the team", "First 1:1 with your manager", "Learn the tools of the trade", "Agree 30-60-90 goals",
]


class _Writer:
    """Builds platform-shaped statements and stores them through the LRS in batches."""

    BATCH = 2000

    def __init__(self, rng: random.Random):
        from xapi.emitter import platform_authority

        self.rng = rng
        self.base = current_app.config["BASE_URL"].rstrip("/")
        self.authority = platform_authority()
        self.batch: list[dict] = []
        self.user_ids: dict[str, int] = {}
        self.count = 0

    def add(self, user: User, verb: tuple[str, str], obj_id: str, name: str, kind: str, at: datetime,
            result: dict | None = None, context: dict | None = None) -> None:
        statement = {
            "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "actor": {"objectType": "Agent", "name": user.full_name, "mbox": f"mailto:{user.email}"},
            "verb": {"id": verb[0], "display": {"en-US": verb[1]}},
            "object": {"id": obj_id, "objectType": "Activity",
                       "definition": {"name": {"en-US": name}, "type": kind}},
            "timestamp": at.isoformat(),
            "version": "1.0.3",
        }
        if result:
            statement["result"] = result
        if context:
            statement["context"] = context
        self.user_ids[f"mbox:mailto:{user.email}"] = user.id
        self.batch.append(statement)
        if len(self.batch) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        from xapi import service
        from xapi.validation import validate_statements

        if not self.batch:
            return
        statements = validate_statements(self.batch)
        service.store_statements(statements, self.authority, None,
                                 lambda ifis: {k: self.user_ids[k] for k in ifis if k in self.user_ids})
        self.count += len(statements)
        self.batch = []


def _at(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 16), rng.randrange(60), rng.randrange(60)), tzinfo=timezone.utc)


def _catalogue(base: str):
    from lms.courses.models import Course, CourseModule
    from lms.courses.service.events import _MODULE_TYPES
    from lms.forums.models import Forum, ForumThread

    courses = []
    for course in db.session.execute(select(Course).order_by(Course.id)).scalars():
        modules = [(f"{base}/courses/{course.id}/modules/{m.id}", m.title, _MODULE_TYPES[m.kind])
                   for m in db.session.execute(select(CourseModule).where(CourseModule.course_id == course.id)
                                               .order_by(CourseModule.position)).scalars()]
        courses.append((f"{base}/courses/{course.id}", course.title, course.language or "en", modules))
    forums = {f.id: f for f in db.session.execute(select(Forum)).scalars()}
    threads = [(f"{base}/forums/threads/{t.id}", t.title, f"{base}/forums/{t.forum_id}", forums[t.forum_id].title)
               for t in db.session.execute(select(ForumThread).order_by(ForumThread.id)).scalars() if t.forum_id in forums]
    return courses, threads


def _employed_days(stint: Stint, today: date, start: date) -> tuple[date, date] | None:
    first = max(stint.hire, start)
    last = min(stint.end or today - timedelta(days=1), today - timedelta(days=1))
    return (first, last) if first <= last else None


def _emit_statements(rng: random.Random, cal: _Calendar, lives: list[Life]) -> int:
    from xapi.vocabulary import ActivityType, Extension, Verb

    from lms.onboarding.models import OnboardingPlan

    writer = _Writer(rng)
    base = writer.base
    courses, threads = _catalogue(base)
    has_plan = set(db.session.execute(select(OnboardingPlan.user_id)).scalars())
    by_id = {life.user.id: life for life in lives}
    synthetic = iter(range(1_000_001, 100_000_000))
    registrations: dict[tuple[int, str], str] = {}
    mentors = [l for l in lives if l.user.is_mentor and l.stints[-1].end is None]

    def course_context(user: User, course, parent: str | None = None) -> dict:
        key = (user.id, course[0])
        if key not in registrations:
            registrations[key] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        context = {"registration": registrations[key], "platform": "Fasthold", "language": course[2]}
        if parent:
            context["contextActivities"] = {"parent": [{"id": parent, "objectType": "Activity"}]}
        return context

    def level_on(stint: Stint, day: date) -> float | None:
        return stint.levels.get(cal.index(day))

    def employed(life: Life, day: date) -> Stint | None:
        for stint in life.stints:
            if stint.hire <= day and (stint.end is None or day <= stint.end) and day < cal.today:
                return stint
        return None

    for life in lives:
        user = life.user
        for stint in life.stints:
            span = _employed_days(stint, cal.today, cal.start)
            if span is None or not stint.levels:
                continue
            first, last = span
            monday = first - timedelta(days=first.weekday())
            while monday <= last:
                level = level_on(stint, max(monday, first))
                if level is None:
                    monday += timedelta(days=7)
                    continue
                p = _sigmoid(-0.75 + life.propensity + 1.0 * (level + rng.gauss(0, 0.25)))
                days = [monday + timedelta(days=d) for d in range(5) if rng.random() < p]
                for day in days:
                    if not first <= day <= last:
                        continue
                    for _n in range(rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0]):
                        _one(rng, writer, user, day, courses, threads, course_context, synthetic, level)
                monday += timedelta(days=7)
            # Onboarding for hires in the window (people with a real plan have the module's own).
            if stint.onboarded is not None and user.id not in has_plan and stint.hire >= cal.start:
                plan_id = next(synthetic)
                plan_iri = f"{base}/onboarding/plans/{plan_id}"
                finish = rng.randint(30, 88) if stint.onboarded else rng.randint(95, 200)
                done = len(ONBOARDING_TASKS) if stint.onboarded else rng.randint(3, len(ONBOARDING_TASKS))
                for k, task in enumerate(ONBOARDING_TASKS[:done]):
                    day = stint.hire + timedelta(days=min(finish, round((k + 1) * finish / len(ONBOARDING_TASKS))))
                    if day > last:
                        break
                    writer.add(user, Verb.COMPLETED, f"{plan_iri}/tasks/{next(synthetic)}", task,
                               ActivityType.CHECKLIST_ITEM, _at(rng, day),
                               context={"contextActivities": {"parent": [{"id": plan_iri, "objectType": "Activity"}]}})
                else:
                    day = stint.hire + timedelta(days=finish)
                    if done == len(ONBOARDING_TASKS) and day <= last:
                        writer.add(user, Verb.COMPLETED, plan_iri, "Onboarding", ActivityType.CHECKLIST, _at(rng, day),
                                   result={"completion": True},
                                   context={"extensions": {Extension.ONBOARDING_DAY: finish}})
            # 1:1 check-ins with the manager: every 3 weeks (5 under a weak manager), skipped more
            # often by the disengaged.
            manager = by_id.get(stint.manager_id) if stint.manager_id else None
            if manager is not None:
                every = 5 if stint.weak else 3
                day = first + timedelta(days=rng.randrange(every * 7))
                while day <= last:
                    level = level_on(stint, day)
                    held = level is not None and rng.random() < (0.6 if stint.weak else 0.85) * _sigmoid(1.8 + level)
                    if held and employed(manager, day) is not None and day.weekday() < 5:
                        meeting = f"{base}/checkins/{next(synthetic)}"
                        at = _at(rng, day)
                        for person in (user, manager.user):
                            writer.add(person, Verb.ATTENDED, meeting, "1:1 check-in", ActivityType.MEETING, at)
                    day += timedelta(days=every * 7)
            # Mentoring: some have a mentor, meeting about monthly.
            candidates = [m for m in mentors if m.user.id != user.id]
            if candidates and rng.random() < 0.18:
                mentor = rng.choice(candidates)
                mentorship = f"{base}/mentoring/mentorships/{next(synthetic)}"
                day = first + timedelta(days=rng.randrange(60))
                while day <= last:
                    level = level_on(stint, day)
                    if level is not None and employed(mentor, day) is not None and rng.random() < _sigmoid(1.0 + level):
                        session = f"{base}/mentoring/sessions/{next(synthetic)}"
                        name = f"Mentoring session {day.isoformat()}: {mentor.user.full_name} and {user.full_name}"
                        at = _at(rng, day)
                        result = {"completion": True, "duration": "PT45M00S"}
                        context = {"contextActivities": {"parent": [{"id": mentorship, "objectType": "Activity"}]}}
                        writer.add(mentor.user, Verb.MENTORED, session, name, ActivityType.TUTOR_SESSION, at,
                                   result=result, context=context)
                        writer.add(user, Verb.ATTENDED, session, name, ActivityType.TUTOR_SESSION, at,
                                   result=result, context=context)
                    day += timedelta(days=28 + rng.randint(-4, 4))
    writer.flush()
    return writer.count


def _one(rng, writer: _Writer, user: User, day: date, courses, threads, course_context, synthetic, level: float) -> None:
    """One statement of an active day: mostly learning, sometimes the forum or a plan item."""
    from xapi.vocabulary import ActivityType, Verb

    at = _at(rng, day)
    roll = rng.random()
    completes = 0.25 + 0.1 * max(-1.0, min(1.0, level))
    if courses and roll < 0.62:
        course = rng.choice(courses)
        iri, title, _lang, modules = course
        if not modules or rng.random() < 0.1:
            writer.add(user, Verb.LAUNCHED, iri, title, ActivityType.COURSE, at, context=course_context(user, course))
            return
        module = rng.choice(modules)
        if rng.random() < completes:
            writer.add(user, Verb.COMPLETED, module[0], module[1], module[2], at, result={"completion": True},
                       context=course_context(user, course, iri))
        else:
            writer.add(user, Verb.EXPERIENCED, module[0], module[1], module[2], at,
                       context=course_context(user, course, iri))
    elif courses and roll < 0.68:
        course = rng.choice(courses)
        writer.add(user, Verb.COMPLETED, course[0], course[1], ActivityType.COURSE, at, result={"completion": True},
                   context=course_context(user, course))
    elif threads and roll < 0.84:
        iri, title, forum, forum_title = rng.choice(threads)
        parent = {"contextActivities": {"parent": [{"id": forum, "objectType": "Activity", "definition": {
            "name": {"en-US": forum_title}, "type": ActivityType.DISCUSSION}}]}, "platform": "Fasthold"}
        if rng.random() < 0.25:
            n = next(synthetic)
            writer.add(user, Verb.ASKED, f"{writer.base}/forums/threads/{n}", rng.choice(FORUM_QUESTIONS),
                       ActivityType.FORUM_TOPIC, at, context=parent)
        else:
            verb = Verb.COMMENTED if rng.random() < 0.3 else Verb.RESPONDED
            writer.add(user, verb, iri, title, ActivityType.FORUM_TOPIC, at, context=parent)
    else:
        writer.add(user, Verb.COMPLETED, f"{writer.base}/plans/items/{next(synthetic)}", rng.choice(PLAN_ITEMS),
                   ActivityType.CHECKLIST_ITEM, at, result={"completion": True})


# --- pulse rounds, absences, exit interviews ------------------------------------------------


def _survey(cal: _Calendar) -> PulseSurvey:
    survey = db.session.execute(select(PulseSurvey).order_by(PulseSurvey.id).limit(1)).scalar_one_or_none()
    if survey is None:
        root = db.session.execute(select(Department).where(Department.parent_id.is_(None)).order_by(Department.id)
                                  .limit(1)).scalar_one_or_none()
        survey = pulse.create_survey(pulse.SurveyData(
            title="Quarterly pulse", organisation=root.name if root else "Fjordhavn Group",
            schedule=Schedule.quarterly, starts_on=cal.today - timedelta(days=100), open_days=14, department_ids=[],
            topics=["growth", "manager", "workload", "belonging", "stay", "comment"],
        ))
    return survey


def _pulse_history(rng: random.Random, cal: _Calendar, lives: list[Life], depts: dict[str, Department]) -> tuple[int, int]:
    """Earlier quarterly rounds of the demo's pulse survey, answered by whoever was employed then."""
    from .demo import COMMENTS

    survey = _survey(cal)
    earliest = min((r.opens_on for r in survey.rounds), default=None)
    periods = {r.period for r in survey.rounds}
    dates, k = [], 0 if earliest is None else 1
    anchor = earliest or cal.today - timedelta(days=100)
    while True:
        opens_on = _add_months(anchor, -3 * k)
        if opens_on < cal.start:
            break
        if pulse.period_of(survey, opens_on) not in periods:
            dates.append(opens_on)
        k += 1
    rounds = responses = 0
    for opens_on in sorted(dates):
        rnd = pulse.open_round(survey, opens_on, notify_people=False)
        invited = set(db.session.execute(select(PulseInvitation.user_id)
                                         .where(PulseInvitation.round_id == rnd.id)).scalars())
        answered, batch = [], []
        for life in lives:
            stint = next((s for s in life.stints if s.hire <= opens_on and (s.end is None or s.end >= rnd.closes_on)),
                         None)
            if stint is None:
                continue
            if life.user.id not in invited:
                db.session.add(PulseInvitation(round_id=rnd.id, user_id=life.user.id, has_answered=False))
                invited.add(life.user.id)
            level = stint.levels.get(cal.index(opens_on), life.mean)
            at_risk = stint.decided is not None and stint.decided <= cal.index(opens_on)
            if rng.random() > (0.55 if at_risk else 0.8):
                continue
            answered.append(life.user.id)
            batch.append(_answer(rng, survey, rnd, stint, depts, level, at_risk, COMMENTS))
        db.session.flush()
        if answered:
            db.session.execute(update(PulseInvitation).where(PulseInvitation.round_id == rnd.id,
                                                             PulseInvitation.user_id.in_(answered))
                               .values(has_answered=True).execution_options(synchronize_session=False))
        db.session.add_all(response for response, _answers in batch)
        db.session.flush()  # the responses before their answers (no ORM relationship orders them)
        db.session.add_all(row for _response, rows in batch for row in rows)
        db.session.flush()
        responses += len(batch)
        pulse.seal_round(rnd, rng)
        rounds += 1
    if dates and min(dates) < survey.starts_on:
        survey.starts_on = min(dates)
    return rounds, responses


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _answer(rng, survey, rnd, stint: Stint, depts, level: float, at_risk: bool, comments) -> tuple:
    """One anonymous response as `pulse.submit_answers` stores it (response, then answers and
    comments), with the department and tenure band of the time: the leaver's spell has ended since."""
    from .models import PulseComment

    mood = _mood(stint.department) + 0.35 * level + rng.gauss(0, 0.8)
    rid = uuid.UUID(int=rng.getrandbits(128), version=4).hex
    dept_id = depts[stint.department].id
    response = PulseResponse(id=rid, round_id=rnd.id, department_id=dept_id,
                             tenure_band=pulse.tenure_band(stint.hire, rnd.opens_on))
    rows = []
    for q in survey.questions:
        if q.kind is QuestionKind.enps:
            value = _clamp(8.0 + 1.1 * mood - (0.8 if stint.weak else 0) + rng.gauss(0, 1.1), 0, 10)
        elif q.kind is QuestionKind.likert:
            shift = -1.6 if q.topic == "stay" and at_risk else -1.0 if q.topic == "manager" and stint.weak else 0.0
            value = _clamp(3.5 + 0.7 * mood + shift + rng.gauss(0, 0.7), 1, 5)
        else:
            if rng.random() < 0.25:
                rows.append(PulseComment(id=uuid.UUID(int=rng.getrandbits(128), version=4).hex, round_id=rnd.id,
                                         question_id=q.id, department_id=dept_id, body=rng.choice(comments)))
            continue
        rows.append(PulseAnswer(response_id=rid, question_id=q.id, value=value))
    return response, rows


def _absences(rng: random.Random, cal: _Calendar, lives: list[Life]) -> int:
    """Vacation (more in summer) and sick leave; a little more sick leave in the months before a
    voluntary exit. Absence is shown at group level only and is never a model feature."""
    rows = []
    for life in lives:
        taken: set[date] = set()
        busy: set[date] = set()
        for stint in life.stints:
            span = _employed_days(stint, cal.today, cal.start)
            if span is None:
                continue
            first, last = span
            day = first
            while day <= last:
                month = day.month
                leaving_soon = (stint.end is not None and stint.end_type is EndType.voluntary
                                and 0 <= (stint.end - day).days <= 120)
                sick_rate = (0.012 if leaving_soon else 0.006)
                vacation_rate = 0.012 if month in (7, 8) else 0.006 if month == 12 else 0.003
                kind = None
                roll = rng.random()
                if roll < sick_rate:
                    kind, length = AbsenceType.sick, rng.choice((1, 1, 2, 2, 3, 4, 5))
                elif roll < sick_rate + vacation_rate:
                    kind, length = AbsenceType.vacation, rng.choice((3, 5, 5, 7, 10, 14))
                if kind is not None and day.weekday() < 5 and day not in busy:
                    end = min(day + timedelta(days=length - 1), last)
                    span_days = {day + timedelta(days=d) for d in range((end - day).days + 1)}
                    if not span_days & busy and day not in taken:
                        rows.append(Absence(user_id=life.user.id, start_date=day, end_date=end, absence_type=kind))
                        busy |= span_days
                        taken.add(day)
                        day = end
                day += timedelta(days=1)
    db.session.add_all(rows)
    return len(rows)


STAY = [
    "A clearer path to the next role.", "More time with my manager.", "A realistic workload in the busy months.",
    "A salary that kept up with the market.", "Nothing: the move was for family reasons.",
]
CHALLENGES = [
    "Unclear priorities from above.", "Too much overtime before deadlines.", "Few chances to learn new things.",
    "The commute.", "Little feedback on my work.",
]
VALUED = ["My colleagues.", "The learning offers.", "Flexible hours.", "The customers.", "My mentor."]


def _exit_interviews(rng: random.Random, cal: _Calendar, lives: list[Life]) -> tuple[int, int]:
    """Exit questionnaires for the window's leavers, as `exits.invite_new_leavers` would have sent
    them (voluntary ones about 70 % answered, with coded reasons that follow their causes), and
    alumni opt-ins. Every one is marked sent, so the invitation task has nothing left to mail."""
    leavers = sorted(
        ((stint.end, life, stint) for life in lives for stint in life.stints
         if stint.end is not None and cal.start <= stint.end < cal.today),
        key=lambda x: (x[0], x[1].user.id),
    )
    repeated_dept, repeated = REPEATED_REASON
    in_dept = [x for x in leavers if x[2].department == repeated_dept and x[2].end_type is EndType.voluntary]
    last_seven = {id(x[2]) for x in in_dept[-7:]}
    citing = set(rng.sample(sorted(last_seven), min(5, len(last_seven)))) if len(last_seven) >= 5 else last_seven
    interviews = alumni = 0
    members = set(db.session.execute(select(AlumniMember.user_id)).scalars())
    for end, life, stint in leavers:
        sent = datetime.combine(end - timedelta(days=rng.randint(0, 10)), time(9), tzinfo=timezone.utc)
        voluntary = stint.end_type is EndType.voluntary
        answered = id(stint) in last_seven or rng.random() < (0.7 if voluntary else 0.3)
        interview = ExitInterview(
            spell_id=stint.spell.id, user_id=life.user.id, sent_at=sent,
            token_hash=hashlib.sha256(rng.getrandbits(256).to_bytes(32, "big")).hexdigest(),
        )
        if answered:
            reasons: set[ExitReason] = set()
            if stint.weak and rng.random() < 0.6:
                reasons.add(ExitReason.manager)
            if stint.onboarded is False and rng.random() < 0.5:
                reasons.add(rng.choice((ExitReason.culture, ExitReason.workload)))
            if life.mean < 0 and rng.random() < 0.35:
                reasons.add(ExitReason.career)
            for reason, p in ((ExitReason.opportunity, 0.35), (ExitReason.pay, 0.3), (ExitReason.workload, 0.12),
                              (ExitReason.relocation, 0.07), (ExitReason.personal, 0.1)):
                if rng.random() < p:
                    reasons.add(reason)
            if id(stint) in last_seven:
                reasons.discard(repeated)
                if id(stint) in citing:
                    reasons.add(repeated)
            if not voluntary:
                reasons = {rng.choice((ExitReason.other, ExitReason.personal, ExitReason.workload))}
            if not reasons:
                reasons.add(rng.choice((ExitReason.opportunity, ExitReason.other, ExitReason.personal)))
            interview.submitted_at = sent + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
            interview.recommend_score = _clamp(7 + 1.2 * life.mean - (1.5 if stint.weak else 0) + rng.gauss(0, 1.5), 0, 10)
            interview.would_return = (WouldReturn.yes if stint.regretted and rng.random() < 0.6
                                      else rng.choice((WouldReturn.maybe, WouldReturn.no, WouldReturn.maybe)))
            interview.stay_suggestion = STAY[0] if repeated in reasons else rng.choice(STAY)
            interview.challenges = rng.choice(CHALLENGES)
            interview.valued = rng.choice(VALUED)
            interview.reasons = [ExitInterviewReason(reason=r) for r in sorted(reasons, key=lambda r: r.value)]
        db.session.add(interview)
        interviews += 1
        if voluntary and rng.random() < (0.7 if stint.regretted else 0.3) and life.user.id not in members:
            members.add(life.user.id)
            local = life.user.email.split("@")[0]
            db.session.add(AlumniMember(
                user_id=life.user.id, contact_email=f"{local}@mail.example",
                opted_in_at=datetime.combine(end, time(12), tzinfo=timezone.utc),
                rehire=RehireEligibility.eligible if stint.regretted else RehireEligibility.unknown,
            ))
            alumni += 1
    return interviews, alumni


def _refresh_engagement() -> None:
    """Rebuild the weekly engagement table from the whole LRS, when that module is present."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("analytics.engagement") is None:  # merged separately
        return
    importlib.import_module("analytics.engagement").refresh(full=True)
