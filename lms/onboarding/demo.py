"""Demo onboarding: a default track and an engineering track, and new hires at every stage."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from ..extensions import db
from ..people.models import Department, EmploymentSpell, Role, User, UserRole
from . import service
from .models import Area, OnboardingPlan, OnboardingTrack, Owner, PageKind, Phase, TrackPage, TrackTask

P, S, C = Area.professional, Area.social, Area.cultural

# (phase, area, owner, due offset, title, description)
DEFAULT_TASKS = [
    (Phase.preboarding, P, Owner.hr, -21, "Send the signed contract and welcome letter",
     "Contract countersigned, welcome letter with start date, time and address sent."),
    (Phase.preboarding, P, Owner.new_hire, -10, "Fill in your personal details",
     "Bank account, tax card, emergency contact and T-shirt size, in **My profile** or by reply to HR."),
    (Phase.preboarding, P, Owner.it, -5, "Prepare laptop, phone and accounts",
     "Laptop imaged, e-mail, calendar, chat and the HR system ready; access card ordered."),
    (Phase.preboarding, S, Owner.manager, -7, "Call your new team member",
     "A short call to say you look forward to day one and to answer questions. Tell them who meets them at reception."),
    (Phase.preboarding, S, Owner.buddy, -3, "Send a hello to your new colleague",
     "Introduce yourself, say you are their buddy and suggest lunch on day one."),
    (Phase.preboarding, C, Owner.new_hire, -2, "Read the welcome and the first-week programme",
     "Everything is on your pre-boarding page. Say hello in the cohort forum."),
    (Phase.week1, S, Owner.manager, 0, "Welcome at reception and team introduction",
     "Meet at reception at 9:00, walk round the office, introduce the team, lunch together."),
    (Phase.week1, S, Owner.buddy, 0, "Lunch with your buddy", "First lunch together; show the canteen and the coffee machines."),
    (Phase.week1, P, Owner.it, 0, "Hand over equipment and first sign-in", "Laptop, phone and access card; set up multi-factor sign-in together."),
    (Phase.week1, P, Owner.manager, 1, "Agree the goals for the first 90 days",
     "Three to five concrete goals, written down and shared. Revisit them at day 30, 60 and 90."),
    (Phase.week1, C, Owner.new_hire, 2, "Complete information security basics",
     "The course takes 30 minutes; it is required in your first week."),
    (Phase.week1, C, Owner.hr, 3, "Introduction to how we work", "Values, benefits, working hours, holidays, sick leave: one hour with HR."),
    (Phase.week1, P, Owner.new_hire, 4, "Set up your workspace and tools", "Desk, chair, screens; install what your team uses."),
    (Phase.day30, P, Owner.manager, 14, "Two-week check: what is unclear?", "Half an hour: what surprised you, what is missing, what is slow."),
    (Phase.day30, S, Owner.new_hire, 20, "Have coffee with three people outside your team",
     "Ask your buddy who to meet; the goal is to know who to ask about what."),
    (Phase.day30, C, Owner.new_hire, 25, "Complete GDPR basics", "How we handle personal data of customers and colleagues."),
    (Phase.day30, P, Owner.manager, 30, "30-day conversation", "Review the goals, give and ask for feedback, adjust the plan."),
    (Phase.day60, P, Owner.new_hire, 45, "Take ownership of your first piece of work", "Agree with your manager what you own from now on."),
    (Phase.day60, S, Owner.buddy, 50, "Buddy check: how are things going?", "An informal coffee: what works, what does not."),
    (Phase.day60, P, Owner.manager, 60, "60-day conversation", "Progress on the goals; training you may need."),
    (Phase.day90, C, Owner.new_hire, 75, "Share what you would improve in onboarding", "Fresh eyes see most: tell HR what to change for the next starters."),
    (Phase.day90, P, Owner.manager, 88, "90-day review and development plan",
     "Close the onboarding goals and start a development plan for the year."),
    (Phase.day90, C, Owner.hr, 90, "Close the onboarding", "Confirm the probation outcome and thank the buddy."),
]

ENGINEERING_TASKS = DEFAULT_TASKS + [
    (Phase.preboarding, P, Owner.it, -4, "Create GitHub, CI and cloud console accounts",
     "Add to the engineering team in GitHub, read access to CI and the staging cloud project."),
    (Phase.week1, P, Owner.buddy, 2, "Pair on setting up the development environment",
     "Clone the main repositories, run the test suite, get the app running locally."),
    (Phase.week1, P, Owner.new_hire, 4, "Ship your first small pull request",
     "A typo, a test or a small fix: the point is to go through review and deploy once."),
    (Phase.day30, P, Owner.buddy, 21, "Walk through the architecture and on-call runbooks", "One hour at the whiteboard."),
    (Phase.day60, P, Owner.new_hire, 55, "Shadow an on-call shift", "Sit with the on-call engineer for a day; read the last three incident reviews."),
    (Phase.day90, P, Owner.new_hire, 85, "Lead a small feature from design to production", "With your buddy as reviewer."),
]

PAGES = [
    (PageKind.welcome, "A welcome from our CEO",
     "Dear new colleague,\n\nwelcome to Fjordhavn Group! We move goods for Scandinavian companies, and we do it "
     "because of people like you.\n\nYour first weeks are about meeting people and learning how we work; nobody "
     "expects you to know everything. Ask, and ask again.\n\nWe are glad you chose us.",
     "https://video.fjordhavn.example/welcome-from-the-ceo"),
    (PageKind.programme, "Your first week",
     "| Day | What |\n|---|---|\n| Monday | 9:00 reception, team introduction, lunch with your buddy, laptop |\n"
     "| Tuesday | Goals for the first 90 days with your manager |\n| Wednesday | Information security basics, tools |\n"
     "| Thursday | How we work, with HR |\n| Friday | Team meeting and Friday breakfast |\n", None),
    (PageKind.practical, "Practical information",
     "- **Address:** Havnegade 12, Copenhagen (Malmö: Hamngatan 4)\n- **Arrive:** 9:00 on your first day, ask for your manager at reception\n"
     "- **Lunch:** the canteen is free for employees\n- **Parking and bikes:** bike cellar under the building; no parking spaces\n"
     "- **Questions before you start:** hr@fjordhavn.example\n", None),
]

ENGINEERING_WELCOME = (
    PageKind.welcome, "A welcome from our CTO",
    "Hi, and welcome to Engineering!\n\nWe ship small changes often, review each other's code kindly and own "
    "what we build in production. Your buddy will help you get your first change deployed in week one.",
    None,
)

COMMENTS = [
    "More time with the team's senior engineer would help.",
    "Everything is great so far; the buddy lunch was a good idea.",
    "I would like a clearer picture of our customers.",
    "A list of who to ask about what would help.",
    "",
]


def _track(name: str, department: Department | None, tasks, pages) -> OnboardingTrack:
    track = OnboardingTrack(name=name, department=department, job_title=None, is_active=True,
                            description="Built by People & Culture; review it every quarter.")
    track.tasks = [TrackTask(phase=ph, area=ar, owner=ow, due_offset_days=off, title=t, description=d, position=i)
                   for i, (ph, ar, ow, off, t, d) in enumerate(tasks)]
    track.pages = [TrackPage(kind=k, title=t, body=b, video_url=v, position=i) for i, (k, t, b, v) in enumerate(pages)]
    db.session.add(track)
    return track


def _login(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def _first_with_role(role: Role) -> User:
    return db.session.execute(
        select(User).where(User.role_rows.any(UserRole.role == role), User.is_active.is_(True)).order_by(User.id)
    ).scalars().first()


def _play_out(plan: OnboardingPlan, today: date, rng: random.Random, admin: User, hr: User) -> None:
    """Tasks due before today are mostly done (by their owners), check-ins due are mostly answered."""
    owners = {Owner.new_hire: plan.user, Owner.manager: plan.spell.manager or hr, Owner.buddy: plan.buddy or hr,
              Owner.it: admin, Owner.hr: hr}
    for task in plan.tasks:
        if task.due_on < today and rng.random() < 0.85:
            service.complete_task(task, owners[task.owner])
            task.completed_at = datetime.combine(task.due_on, time(11), tzinfo=timezone.utc)
    for checkin in plan.checkins:
        if checkin.due_on <= today:
            checkin.asked_at = datetime.combine(checkin.due_on, time(7), tzinfo=timezone.utc)
            service.answer_checkin(checkin, rng.choice([3, 4, 4, 5, 5]), rng.choice(COMMENTS))


def _welcome_thread(plan: OnboardingPlan, hr: User) -> None:
    """HR opens the cohort forum with a welcome; another starter of the month answers."""
    from ..forums import service as forums

    forum = service.cohort_forum(plan.cohort)
    if forum is None:
        return
    thread = forums.start_thread(
        forum, hr, title="Welcome, new colleagues!",
        body="Hello and welcome to everyone starting this month! Introduce yourself here: your name, your new "
             "team and something you enjoy outside work. Questions before day one are welcome too.",
    )
    other = next((p for p in service.cohort_members(plan.cohort) if p.user_id != plan.user_id), None)
    if other is not None:
        forums.reply(thread, other.user, body=f"Hi all, I am {other.user.first_name} and I join "
                                              f"{other.spell.department.name} as {other.spell.job_title}. See you soon!")


def seed_demo(today: date, rng: random.Random) -> None:
    """Tracks, then plans for every future starter and for four people in their first 90 days."""
    engineering = db.session.execute(select(Department).where(Department.name == "Engineering")).scalar_one()
    _track("Welcome to Fjordhavn", None, DEFAULT_TASKS, PAGES)
    _track("Engineering onboarding", engineering, ENGINEERING_TASKS, [ENGINEERING_WELCOME] + PAGES[1:])
    db.session.flush()

    admin, hr = _login("admin@fjordhavn.example"), _login("hr@fjordhavn.example")
    newhire, mentor = _login("newhire@fjordhavn.example"), _login("mentor@fjordhavn.example")

    service.assign_upcoming(today)
    plan = service.current_plan(newhire, today)
    if plan is not None:
        service.set_buddy(plan, mentor, plan.spell.manager or hr)
        _play_out(plan, today, rng, admin, hr)
        _welcome_thread(plan, hr)

    # People in their first 90 days: week 1, about day 30, day 60 and day 90. They are colleagues the
    # organisation already has (one spell, no leaving, no management role) whose start moves closer.
    logins = {"newhire@fjordhavn.example", "employee@fjordhavn.example", "mentor@fjordhavn.example"}
    candidates = db.session.execute(
        select(EmploymentSpell).join(User, User.id == EmploymentSpell.user_id)
        .where(EmploymentSpell.end_date.is_(None), EmploymentSpell.hire_date < today - timedelta(days=200),
               EmploymentSpell.manager_id.is_not(None), User.is_active.is_(True), User.email.not_in(logins),
               ~User.role_rows.any(UserRole.role.in_([Role.manager, Role.hr, Role.admin])),
               ~User.spells.any(EmploymentSpell.end_date.is_not(None)))
        .order_by(EmploymentSpell.id)
    ).scalars().all()
    used_departments: set[int] = set()
    chosen: list[EmploymentSpell] = []
    for spell in candidates:  # spread over departments when there are enough
        if spell.department_id not in used_departments:
            chosen.append(spell)
            used_departments.add(spell.department_id)
        if len(chosen) == 4:
            break
    for spell, days_in in zip(chosen, (3, 27, 52, 84)):
        spell.hire_date = today - timedelta(days=days_in)
        db.session.flush()
        # The plan was assigned when HR recorded the hire, a month before the start.
        plan = service.assign_onboarding(spell, today=spell.hire_date - timedelta(days=30))
        if plan is None:
            continue
        if plan.buddy is not None:
            service.set_buddy(plan, plan.buddy, spell.manager or hr)
        _play_out(plan, today, rng, admin, hr)
    db.session.flush()
