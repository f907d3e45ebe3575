"""The demo organisation: a deterministic, realistic Scandinavian company.

Same seed and same `today`, same organisation. Later capabilities extend `build_demo` with their
own data (courses, plans, badges, surveys).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from .auth.service import hash_password
from .extensions import db
from .people.models import Department, EmploymentSpell, EndType, Role, User

ORGANISATION = "Fjordhavn Group"
DOMAIN = "fjordhavn.example"
DEMO_PASSWORD = "fasthold-demo"

# (role shown to the user, e-mail, first name, last name)
DEMO_LOGINS = [
    ("new hire", f"newhire@{DOMAIN}", "Freja", "Lindqvist"),
    ("employee", f"employee@{DOMAIN}", "Mads", "Kristensen"),
    ("mentor", f"mentor@{DOMAIN}", "Ingrid", "Solberg"),
    ("manager", f"manager@{DOMAIN}", "Henrik", "Dahl"),
    ("hr", f"hr@{DOMAIN}", "Sofie", "Holm"),
    ("admin", f"admin@{DOMAIN}", "Anders", "Berg"),
]

# name, parent, weight of head-count, head's job title, staff job titles
DEPARTMENTS = [
    ("Fjordhavn Group", None, 0, "Chief Executive Officer", []),
    ("Executive Office", "Fjordhavn Group", 1, "Chief of Staff", ["Executive Assistant", "Strategy Analyst"]),
    ("Engineering", "Fjordhavn Group", 1, "Chief Technology Officer", ["Staff Engineer"]),
    ("Platform", "Engineering", 5, "Engineering Manager", ["Software Engineer", "Senior Software Engineer", "Site Reliability Engineer"]),
    ("Product Development", "Engineering", 6, "Engineering Manager", ["Software Engineer", "Frontend Developer", "Product Designer", "QA Engineer"]),
    ("Data & Analytics", "Engineering", 3, "Head of Data", ["Data Analyst", "Data Engineer", "Data Scientist"]),
    ("Sales", "Fjordhavn Group", 1, "Chief Commercial Officer", ["Sales Operations Analyst"]),
    ("Sales Denmark", "Sales", 5, "Sales Manager", ["Account Executive", "Key Account Manager", "Sales Development Representative"]),
    ("Sales Sweden", "Sales", 4, "Sales Manager", ["Account Executive", "Key Account Manager", "Sales Development Representative"]),
    ("Marketing", "Fjordhavn Group", 4, "Head of Marketing", ["Marketing Specialist", "Content Manager", "Brand Designer"]),
    ("Customer Success", "Fjordhavn Group", 6, "Head of Customer Success", ["Customer Success Manager", "Support Specialist", "Onboarding Specialist"]),
    ("Operations", "Fjordhavn Group", 1, "Chief Operating Officer", ["Operations Planner"]),
    ("Warehouse Copenhagen", "Operations", 8, "Warehouse Manager", ["Warehouse Operative", "Team Lead, Warehouse", "Logistics Coordinator"]),
    ("Warehouse Malmö", "Operations", 7, "Warehouse Manager", ["Warehouse Operative", "Team Lead, Warehouse", "Logistics Coordinator"]),
    ("People & Culture", "Fjordhavn Group", 2, "Head of People & Culture", ["HR Business Partner", "Talent Acquisition Partner", "Learning Specialist"]),
    ("Finance", "Fjordhavn Group", 3, "Chief Financial Officer", ["Financial Controller", "Accountant", "Payroll Specialist"]),
]

FIRST_NAMES = [
    "Anna", "Astrid", "Camilla", "Emma", "Ida", "Karin", "Linnea", "Maja", "Nora", "Sara", "Signe", "Sofia",
    "Ebba", "Elin", "Julie", "Louise", "Mette", "Cecilie", "Hanna", "Klara", "Agnes", "Liv", "Tove", "Lærke",
    "Anders", "Bjørn", "Emil", "Erik", "Frederik", "Gustav", "Jonas", "Kasper", "Lars", "Magnus", "Mikkel",
    "Niklas", "Oskar", "Rasmus", "Simon", "Søren", "Viktor", "Axel", "Johan", "Mathias", "Nils", "Tobias",
    "Ahmed", "Fatima", "Yasmin", "Omar", "Leyla", "Ali", "Mira", "Daniel",
]
LAST_NAMES = [
    "Andersen", "Andersson", "Berg", "Bergström", "Christensen", "Dahl", "Eriksson", "Hansen", "Holm",
    "Jakobsen", "Jensen", "Johansson", "Karlsson", "Larsen", "Lindberg", "Lindqvist", "Madsen", "Mortensen",
    "Nielsen", "Nilsson", "Nyström", "Olsen", "Pedersen", "Persson", "Petersen", "Rasmussen", "Sandberg",
    "Sørensen", "Svensson", "Thomsen", "Sjöberg", "Åberg", "Lund", "Møller", "Kaya", "Hassan", "Ali",
]


@dataclass
class DemoResult:
    organisation: str
    people: int
    departments: int
    spells: int


def database_is_empty() -> bool:
    return db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def _email(first: str, last: str, taken: set[str]) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "a", "ö": "o", "é": "e"})
    base = f"{first}.{last}".lower().translate(table).replace(" ", "")
    email, n = f"{base}@{DOMAIN}", 2
    while email in taken:
        email, n = f"{base}{n}@{DOMAIN}", n + 1
    taken.add(email)
    return email


def build_demo(employees: int = 150, seed: int = 2026, today: date | None = None, history: bool = True) -> DemoResult:
    """Create the organisation; the caller commits. Without `history` the two simulated years (their
    leavers, activity, pulse rounds and exit interviews) are left out: quicker, for tests that do
    not need them."""
    rng = random.Random(seed)
    today = today or date.today()
    depts: dict[str, Department] = {}
    for name, parent, *_rest in DEPARTMENTS:
        depts[name] = Department(name=name, parent=depts.get(parent), is_active=True)
        db.session.add(depts[name])
    db.session.flush()

    taken: set[str] = {email for _r, email, _f, _l in DEMO_LOGINS}
    counter = iter(range(1001, 1_000_000))
    password_hash = hash_password(DEMO_PASSWORD)

    def person(first: str, last: str, email: str | None = None, roles: set[Role] | None = None,
               mentor: bool = False, language: str | None = None, active: bool = True) -> User:
        user = User(
            email=email or _email(first, last, taken), first_name=first, last_name=last,
            employee_number=f"FH{next(counter)}", is_active=active, is_mentor=mentor,
            preferred_language=language,
        )
        user.set_roles((roles or set()) | {Role.employee})
        db.session.add(user)
        return user

    def spell(user: User, dept: str, title: str, manager: User | None, hire: date,
              end: date | None = None, end_type: EndType | None = None, regretted: bool = False) -> None:
        user.spells.append(EmploymentSpell(
            department=depts[dept], job_title=title, manager=manager, hire_date=hire,
            end_date=end, end_type=end_type, is_regretted=regretted,
        ))

    def random_name() -> tuple[str, str]:
        return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)

    def past(min_days: int, max_days: int) -> date:
        return today - timedelta(days=rng.randint(min_days, max_days))

    # Leadership: one head per department, reporting up the tree.
    heads: dict[str, User] = {}
    logins = {role: (email, first, last) for role, email, first, last in DEMO_LOGINS}
    for name, parent, _weight, head_title, _titles in DEPARTMENTS:
        if name == "Platform":
            email, first, last = logins["manager"]
            head = person(first, last, email, {Role.manager}, language="da")
            head.password_hash = password_hash
        elif name == "People & Culture":
            email, first, last = logins["hr"]
            head = person(first, last, email, {Role.manager, Role.hr}, language="da")
            head.password_hash = password_hash
        else:
            head = person(*random_name(), roles={Role.manager}, mentor=rng.random() < 0.4)
        heads[name] = head
        spell(head, name, head_title, heads.get(parent) if parent else None, past(900, 4000))

    # The remaining demo logins, placed where their stories make sense.
    email, first, last = logins["admin"]
    admin = person(first, last, email, {Role.admin}, language="sv")
    admin.password_hash = password_hash
    spell(admin, "Executive Office", "IT Administrator", heads["Executive Office"], past(700, 1500))

    email, first, last = logins["employee"]
    employee = person(first, last, email, language="da")
    employee.password_hash = password_hash
    spell(employee, "Platform", "Software Engineer", heads["Platform"], past(400, 700))

    email, first, last = logins["mentor"]
    mentor = person(first, last, email, mentor=True, language="sv")
    mentor.password_hash = password_hash
    spell(mentor, "Platform", "Senior Software Engineer", heads["Platform"], past(1500, 2800))

    email, first, last = logins["new hire"]
    newhire = person(first, last, email, language="sv")
    newhire.password_hash = password_hash
    spell(newhire, "Platform", "Software Engineer", heads["Platform"], today + timedelta(days=14))

    # Everyone else: current staff, boomerangs and people starting soon. The leavers (a share of
    # `employees`) come from the simulated history below, which makes them leave for reasons.
    from analytics.history import leaver_count

    staff_depts = [(name, weight, titles) for name, _p, weight, _h, titles in DEPARTMENTS if weight]
    names, weights = [d[0] for d in staff_depts], [d[1] for d in staff_depts]
    made = len(heads) + 4
    leavers = min(leaver_count(employees), max(0, employees - made))
    while made < employees - leavers:
        dept = rng.choices(names, weights)[0]
        titles = next(t for n, _w, t in staff_depts if n == dept)
        first, last = random_name()
        roll = rng.random()
        manager = heads[dept]
        if roll < 0.05:  # starts within the next six weeks
            user = person(first, last)
            spell(user, dept, rng.choice(titles), manager, today + timedelta(days=rng.randint(3, 45)))
        elif roll < 0.1:  # boomerang: left, came back
            first_hire = past(1500, 3200)
            first_end = first_hire + timedelta(days=rng.randint(300, 900))
            user = person(first, last)
            spell(user, dept, rng.choice(titles), manager, first_hire, first_end, EndType.voluntary,
                  regretted=rng.random() < 0.6)
            spell(user, dept, rng.choice(titles), manager,
                  min(first_end + timedelta(days=rng.randint(180, 700)), today - timedelta(days=30)))
        else:
            user = person(first, last, mentor=rng.random() < 0.08)
            spell(user, dept, rng.choice(titles), manager, past(14, 3200))
        made += 1
    db.session.flush()
    from .courses.demo import seed_demo as seed_courses

    seed_courses(today, random.Random(seed + 1))
    from .forums.demo import seed_demo as seed_forums

    seed_forums(today, rng)
    from .onboarding.demo import seed_demo as seed_onboarding

    seed_onboarding(today, rng)
    from plans.competencies.demo import seed_demo as seed_competencies
    from plans.devplans.demo import seed_demo as seed_devplans

    seed_competencies(today, random.Random(seed + 5))
    seed_devplans(today, random.Random(seed + 6))
    from plans.checkins.demo import seed_demo as seed_checkins

    seed_checkins(today, rng)
    from plans.mentoring.demo import seed_demo as seed_mentoring

    seed_mentoring(today, rng)
    from analytics.demo import seed_demo as seed_analytics

    seed_analytics(today, random.Random(seed + 15))
    from gamification.demo import seed_demo as seed_gamification

    seed_gamification(today, rng)  # it awards from the history the others recorded
    from analytics.history import simulate_history

    # Two years of past life: leavers, learning activity, pulse rounds, absences, exit interviews.
    # It predates the points programme: the engine's cursor moves past it, so nobody's points,
    # badges or leaderboard place (the demo logins' stories) change because of it.
    if history:
        simulate_history(today, random.Random(seed + 16), leavers=employees - made)
    from gamification.models import StreamCursor
    from xapi.models import Statement

    cursor = db.session.get(StreamCursor, "engine")
    if cursor is not None:
        cursor.last_seq = db.session.execute(select(func.max(Statement.seq))).scalar_one() or 0
    # The demo's history is not news: nobody is e-mailed about it (tasks already queued find
    # their notification e-mailed and do nothing).
    from .notifications.service import mark_all_emailed

    mark_all_emailed()
    return DemoResult(
        organisation=ORGANISATION,
        people=db.session.execute(select(func.count()).select_from(User)).scalar_one(),
        departments=len(depts),
        spells=db.session.execute(select(func.count()).select_from(EmploymentSpell)).scalar_one(),
    )
