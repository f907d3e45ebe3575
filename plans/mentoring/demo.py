"""Demo mentoring: mentor profiles (Ingrid Solberg among them), open requests (one by the demo
employee), active mentorships with logged sessions, and one that has ended."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.people.models import EmploymentSpell, Role, User, UserRole
from lms.people.service import is_latest_spell
from plans.competencies.models import Competency

from . import service
from .models import Mentorship, MentorRequest, RequestSkill, RequestStatus, WorkMode

#: the framework's names (the competencies demo seeds the same); created here when missing
COMPETENCIES = {
    "Negotiation": "Commercial", "Stakeholder management": "Commercial", "Customer empathy": "Commercial",
    "Python": "Technical", "SQL": "Technical", "Data analysis": "Technical",
    "Coaching and feedback": "Leadership", "Leadership": "Leadership", "Project management": "Delivery",
    "Presentation skills": "Communication",
}
#: what other mentors offer and other people ask for (Ingrid's Python and SQL stay hers, so a demo
#: request for Python always finds her)
SHARED_SKILLS = ["Negotiation", "Stakeholder management", "Customer empathy", "Data analysis",
                 "Coaching and feedback", "Leadership", "Project management", "Presentation skills"]
GOALS = [
    "Lead my first customer negotiation on my own this spring.",
    "Present our quarterly results to the leadership team with confidence.",
    "Run a cross-team project from kick-off to delivery.",
    "Give my team better feedback in our 1:1s.",
    "Understand our customers well enough to shape the roadmap.",
]
PYTHON_GOAL = "Review Python code with confidence and own the data pipeline of the team."
PYTHON_NOTES = [
    "Paired on the pipeline's tests; agreed to read 'Fluent Python' chapter 5 before next time.",
    "Reviewed a pull request together: naming, small functions, type hints.",
    "Profiled the nightly import; found the slow query and rewrote it.",
]
SESSION_NOTES = [
    "Talked through the next negotiation; agreed to prepare a BATNA before Friday.",
    "Reviewed the slide deck together. Fewer words, one message per slide.",
    "Mapped the stakeholders of the project and who needs what, when.",
    "Practised a difficult feedback conversation in a role play.",
]


def competencies_by_name() -> dict[str, Competency]:
    """Get or create the demo competencies by name (the framework may be empty in this branch)."""
    have = {c.name: c for c in db.session.execute(
        select(Competency).where(Competency.name.in_(list(COMPETENCIES)))).scalars()}
    for name, category in COMPETENCIES.items():
        if name not in have:
            have[name] = Competency(name=name, category=category, description="")
            db.session.add(have[name])
    db.session.flush()
    return have


def _login(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _staff(today: date) -> list[User]:
    """Active people employed today for at least a year, not HR or admins."""
    return list(db.session.execute(
        select(User).join(EmploymentSpell, EmploymentSpell.user_id == User.id)
        .where(User.is_active.is_(True), is_latest_spell(), EmploymentSpell.end_date.is_(None),
               EmploymentSpell.hire_date <= today - timedelta(days=365),
               ~User.role_rows.any(UserRole.role.in_([Role.hr, Role.admin])))
        .order_by(User.id)
    ).scalars())


def seed_demo(today: date, rng: random.Random) -> None:
    comps = competencies_by_name()
    ingrid, mads = _login("mentor@fjordhavn.example"), _login("employee@fjordhavn.example")
    logins = {"mentor@fjordhavn.example", "employee@fjordhavn.example", "newhire@fjordhavn.example",
              "manager@fjordhavn.example"}
    staff = [u for u in _staff(today) if u.email not in logins]

    # Mentors: Ingrid, the people the demo marked as mentors, and enough seniors to make a market.
    mentors: list[User] = []
    if ingrid is not None:
        service.save_profile(ingrid, service.ProfileData(
            capacity=3, languages=["sv", "en", "da"], mode=WorkMode.either, location="Copenhagen",
            bio="Fifteen years of Python in production. Happy to pair, review and talk careers.",
            skills={comps["Python"].id: 5, comps["SQL"].id: 4},
        ))
    marked = [u for u in staff if u.is_mentor]
    others = [u for u in staff if not u.is_mentor]
    rng.shuffle(others)
    for user in (marked + others)[:max(6, len(marked))][:12]:
        offered = rng.sample(SHARED_SKILLS, rng.randint(2, 4))
        langs = sorted({user.preferred_language or "da", "en"})
        service.save_profile(user, service.ProfileData(
            capacity=rng.randint(1, 4), languages=langs, mode=rng.choice(list(WorkMode)),
            location=rng.choice(["Copenhagen", "Malmö", ""]),
            skills={comps[name].id: rng.randint(3, 5) for name in offered},
        ))
        mentors.append(user)
    db.session.flush()
    mentor_ids = {u.id for u in mentors} | ({ingrid.id} if ingrid else set())
    mentees = [u for u in staff if u.id not in mentor_ids]
    rng.shuffle(mentees)

    # Open requests: the demo employee's and a few more.
    if mads is not None:
        service.create_request(mads, service.RequestData(
            goal="Present our platform roadmap to the sales teams and win their support.",
            skills=[comps["Stakeholder management"].id, comps["Presentation skills"].id],
            language="da", mode=WorkMode.either, prefers_other_department=True,
        ))
    for user in mentees[:5]:
        service.create_request(user, service.RequestData(
            goal=rng.choice(GOALS), skills=[comps[n].id for n in rng.sample(SHARED_SKILLS, rng.randint(1, 3))],
            language=user.preferred_language, mode=rng.choice(list(WorkMode)),
            prefers_other_department=rng.random() < 0.7,
        ))

    # Mentorships: Ingrid with one mentee, two more active ones, and one that ended well.
    pairs = []
    if ingrid is not None and len(mentees) > 5:
        pairs.append((ingrid, mentees[5], ["Python"], True))
    for k, mentor in enumerate(mentors[:3]):
        if len(mentees) > 6 + k:
            offered = [s.competency.name for s in service.profile_of(mentor).skills]
            pairs.append((mentor, mentees[6 + k], offered[:2], k < 2))
    for mentor, mentee, skills, active in pairs:
        started = today - timedelta(days=rng.randint(60, 200))
        python = skills == ["Python"]
        request = MentorRequest(mentee=mentee, goal=PYTHON_GOAL if python else rng.choice(GOALS),
                                status=RequestStatus.matched,
                                mode=WorkMode.either, language=None,
                                skills=[RequestSkill(competency_id=comps[n].id) for n in skills])
        db.session.add(request)
        mentorship = Mentorship(mentor=mentor, mentee=mentee, request=request, goals=request.goal, started_on=started)
        db.session.add(mentorship)
        db.session.flush()
        held = started
        for _n in range(rng.randint(2, 4)):
            held = min(held + timedelta(days=rng.randint(14, 30)), today - timedelta(days=1))
            service.log_session(mentorship, mentor, held, rng.choice([30, 45, 60]),
                                rng.choice(PYTHON_NOTES if python else SESSION_NOTES), today=today)
        if not active:
            service.end_mentorship(mentorship, mentee, 5, "Exactly what I needed. Thank you!")
            service.end_mentorship(mentorship, mentor, 4, "A motivated mentee; we reached the goal.")
    db.session.flush()
