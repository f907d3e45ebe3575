"""Demo data for analytics: a quarterly pulse survey with two completed rounds and one open now.

Departments differ in mood (Customer Success and the warehouses are less happy than Platform),
large departments show results and small ones are suppressed. No HRIS import is needed: the demo
organisation is built directly; a sample HRIS file is in analytics/samples/hris_sample.csv.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.people.models import Department, User

from . import pulse
from .models import PulseInvitation, QuestionKind, Schedule

#: each department's mean mood (shifts eNPS and Likert answers); unknown departments are neutral
MOOD = {
    "Platform": 1.2, "Product Development": 0.6, "Data & Analytics": 0.8, "Sales Denmark": 0.0,
    "Sales Sweden": 0.3, "Marketing": -0.2, "Customer Success": -1.0, "Warehouse Copenhagen": -0.8,
    "Warehouse Malmö": -0.4, "People & Culture": 0.8, "Finance": 0.2,
}
COMMENTS = [
    "More time for learning during the working week would help.",
    "My manager gives me honest and useful feedback.",
    "The workload before the quarter's end is too much.",
    "I would like a clearer path to the next role.",
    "Great colleagues; I feel welcome here.",
    "Fewer meetings, please.",
    "The new onboarding made my first weeks much easier.",
    "I don't see where my career goes from here.",
]


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def seed_demo(today: date, rng: random.Random) -> None:
    """Create the survey, answer and seal two past rounds, and open the current one."""
    root = db.session.execute(select(Department).where(Department.parent_id.is_(None)).order_by(Department.id)
                              .limit(1)).scalar_one_or_none()
    survey = pulse.create_survey(pulse.SurveyData(
        title="Quarterly pulse", organisation=root.name if root else "Fjordhavn Group", schedule=Schedule.quarterly,
        starts_on=today - timedelta(days=190), open_days=14, department_ids=[],
        topics=["growth", "manager", "workload", "belonging", "stay", "comment"],
    ))
    names = {d.id: d.name for d in db.session.execute(select(Department)).scalars()}
    keep_open = {"employee@fjordhavn.example", "newhire@fjordhavn.example"}
    for i, opens_on in enumerate((survey.starts_on, survey.starts_on + timedelta(days=91),
                                  survey.starts_on + timedelta(days=182))):
        current = opens_on + timedelta(days=survey.open_days - 1) >= today
        rnd = pulse.open_round(survey, opens_on, notify_people=current)
        invitations = db.session.execute(
            select(PulseInvitation, User).join(User, User.id == PulseInvitation.user_id)
            .where(PulseInvitation.round_id == rnd.id).order_by(User.id)
        ).all()
        share = 0.45 if current else 0.8
        for _invitation, person in invitations:
            if person.email in keep_open or rng.random() > share:
                continue
            spell = person.current_spell
            mood = MOOD.get(names.get(spell.department_id, ""), 0.0) if spell else 0.0
            mood += rng.gauss(0, 0.9) - 0.2 * i  # a slight downward drift over the quarters
            scores, texts = {}, {}
            for q in survey.questions:
                if q.kind is QuestionKind.enps:
                    scores[q.id] = _clamp(8.0 + 1.1 * mood + rng.gauss(0, 1.1), 0, 10)
                elif q.kind is QuestionKind.likert:
                    scores[q.id] = _clamp(3.5 + 0.7 * mood + rng.gauss(0, 0.7), 1, 5)
                elif rng.random() < 0.25:
                    texts[q.id] = rng.choice(COMMENTS)
            pulse.submit_answers(person, rnd, scores, texts, today=opens_on)
        if not current:
            pulse.seal_round(rnd, rng)
    db.session.flush()
