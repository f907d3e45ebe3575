"""Demo competency framework for Fjordhavn: competencies with level descriptions, a role profile
for every job title of the demo organisation, course links, career paths, assessments for most
people and a few career interests. Competencies are got or created BY NAME (other demos share them)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import Department, User

from . import service
from .models import AssessmentSource, CareerInterest, CompetencyAssessment, JobRole, RoleRequirement, RoleTransition, TransitionKind

GENERIC_LEVELS = (
    "Knows the basics and applies them with guidance.",
    "Applies it in everyday work; asks for help with harder cases.",
    "Handles it independently and reliably, including the tricky cases.",
    "Is the one others ask; improves how the team does it.",
    "Shapes how the organisation does it; recognised beyond the team.",
)

# name, category, description, level descriptions (None: the generic ones)
COMPETENCIES = [
    ("Negotiation", "Commercial", "Reaching agreements that hold, with customers, suppliers and colleagues.", (
        "Prepares a simple negotiation with a checklist.", "Negotiates standard deals within set limits.",
        "Negotiates complex deals and knows the walk-away point.", "Coaches others; handles key accounts' renewals.",
        "Leads strategic negotiations for the group.")),
    ("Stakeholder management", "Leadership", "Knowing who cares about a piece of work and keeping them with you.", None),
    ("Python", "Technical", "Writing, testing and reviewing Python in our code base.", (
        "Reads Python and makes small changes with review.", "Writes tested features in an existing module.",
        "Designs modules; reviews others' code well.", "Sets patterns for the code base; mentors.",
        "Recognised expert; shapes the platform's architecture.")),
    ("SQL", "Technical", "Querying and modelling data in relational databases.", (
        "Writes simple SELECTs with filters.", "Joins and aggregates; reads a query plan with help.",
        "Writes efficient queries and indexes; models tables.", "Tunes the hard queries; reviews schema changes.",
        "Designs the organisation's data architecture.")),
    ("Data analysis", "Technical", "Turning data into decisions: questions, analysis and honest charts.", None),
    ("Coaching and feedback", "Leadership", "Helping others grow through questions and timely, specific feedback.", (
        "Gives specific thanks and asks for feedback.", "Gives balanced feedback in the moment.",
        "Coaches with open questions; feedback is welcomed.", "Builds a feedback culture in the team.",
        "Develops coaches and leaders across the organisation.")),
    ("Project management", "Delivery", "Planning, tracking and finishing work with others.", None),
    ("Customer empathy", "Commercial", "Understanding what customers need and feel, and acting on it.", None),
    ("Warehouse safety", "Operations", "Working safely with trucks, racking and loads, and keeping others safe.", (
        "Follows the safety rules and reports hazards.", "Spots risks in daily work and fixes small ones.",
        "Runs safety walks; trains new colleagues.", "Leads incident reviews; improves procedures.",
        "Owns the safety system across sites.")),
    ("Financial reporting", "Finance", "Closing the books and reporting figures people can trust.", None),
    ("Presentation skills", "Communication", "Explaining ideas clearly to a room or a screen.", None),
    ("Leadership", "Leadership", "Setting direction, building teams and taking responsibility for results.", None),
    ("Software design", "Technical", "Structuring systems so they are easy to change and operate.", None),
    ("Design and user research", "Technical", "Understanding users and designing for them.", None),
    ("Data protection and security", "Compliance", "Handling data and systems safely and lawfully.", None),
    ("Logistics planning", "Operations", "Planning flows of goods, people and vehicles.", None),
]

# Profiles by family: {competency: (level today, level in 12–24 months or None)}
_ENG = {"Python": (3, None), "SQL": (2, 3), "Software design": (2, 3), "Project management": (1, None),
        "Data protection and security": (2, None)}
_DATA = {"SQL": (3, 4), "Data analysis": (3, 4), "Python": (2, 3), "Presentation skills": (2, None),
         "Data protection and security": (2, 3)}
_SALES = {"Negotiation": (3, None), "Customer empathy": (3, None), "Stakeholder management": (2, 3),
          "Presentation skills": (3, None), "Data analysis": (1, 2)}
_CS = {"Customer empathy": (4, None), "Stakeholder management": (2, 3), "Presentation skills": (2, None),
       "Data analysis": (1, 2), "Project management": (2, None)}
_WH = {"Warehouse safety": (3, 4), "Logistics planning": (2, None), "Project management": (1, None)}
_FIN = {"Financial reporting": (3, None), "Data analysis": (2, 3), "SQL": (1, 2), "Data protection and security": (2, None)}
_HR = {"Coaching and feedback": (3, None), "Stakeholder management": (3, None), "Presentation skills": (2, None),
       "Data protection and security": (3, None), "Data analysis": (1, 2)}
_MKT = {"Customer empathy": (3, None), "Presentation skills": (3, None), "Data analysis": (2, 3),
        "Design and user research": (2, None)}
_LEAD = {"Leadership": (4, None), "Coaching and feedback": (4, None), "Stakeholder management": (4, None),
         "Presentation skills": (3, 4), "Project management": (3, None)}
_EXEC = {"Leadership": (5, None), "Stakeholder management": (5, None), "Presentation skills": (4, None),
         "Negotiation": (4, None), "Coaching and feedback": (4, None), "Data analysis": (2, 3)}


def _with(base: dict, **changes) -> dict:
    """`base` with changes given by keyword (`software_design=(3, 4)` is "Software design")."""
    names = {name.lower().replace(" ", "_"): name for name, *_rest in COMPETENCIES}
    out = dict(base)
    for key, value in changes.items():
        out[names[key]] = value
    return out


# title: (seniority, requirements)
ROLES = {
    "Chief Executive Officer": (6, _EXEC), "Chief of Staff": (5, _EXEC), "Chief Technology Officer": (6, _with(_EXEC, software_design=(4, None))),
    "Chief Commercial Officer": (6, _with(_EXEC, negotiation=(5, None))), "Chief Operating Officer": (6, _with(_EXEC, logistics_planning=(4, None))),
    "Chief Financial Officer": (6, _with(_EXEC, financial_reporting=(5, None))),
    "Executive Assistant": (2, {"Project management": (3, None), "Stakeholder management": (3, None), "Presentation skills": (2, None)}),
    "Strategy Analyst": (3, {"Data analysis": (3, 4), "Presentation skills": (3, None), "Stakeholder management": (2, 3)}),
    "IT Administrator": (3, {"Data protection and security": (4, None), "Project management": (2, None), "Python": (1, 2)}),
    "Software Engineer": (2, _ENG),
    "Senior Software Engineer": (3, _with(_ENG, python=(4, None), software_design=(3, 4), coaching_and_feedback=(2, 3), sql=(3, None))),
    "Staff Engineer": (4, _with(_ENG, python=(4, 5), software_design=(4, 5), coaching_and_feedback=(3, None), stakeholder_management=(3, None), sql=(3, None))),
    "Site Reliability Engineer": (3, _with(_ENG, software_design=(3, None), data_protection_and_security=(3, 4))),
    "Frontend Developer": (2, _with(_ENG, python=(1, None), design_and_user_research=(2, 3))),
    "Product Designer": (3, {"Design and user research": (4, None), "Customer empathy": (3, None), "Presentation skills": (3, None), "Data analysis": (1, 2)}),
    "QA Engineer": (2, _with(_ENG, software_design=(2, None), project_management=(2, None))),
    "Engineering Manager": (4, _with(_LEAD, software_design=(3, None), python=(2, None))),
    "Head of Data": (4, _with(_LEAD, data_analysis=(4, 5), sql=(3, None))),
    "Data Analyst": (2, _DATA), "Data Engineer": (3, _with(_DATA, python=(3, 4), software_design=(2, 3))),
    "Data Scientist": (3, _with(_DATA, python=(3, 4), data_analysis=(4, 5))),
    "Sales Operations Analyst": (2, {"Data analysis": (3, None), "SQL": (2, 3), "Stakeholder management": (2, None)}),
    "Sales Manager": (4, _with(_LEAD, negotiation=(4, None), customer_empathy=(3, None))),
    "Account Executive": (2, _SALES), "Key Account Manager": (3, _with(_SALES, negotiation=(4, None), stakeholder_management=(3, 4))),
    "Sales Development Representative": (1, _with(_SALES, negotiation=(2, None), presentation_skills=(2, None))),
    "Head of Marketing": (4, _with(_LEAD, customer_empathy=(4, None), data_analysis=(3, None))),
    "Marketing Specialist": (2, _MKT), "Content Manager": (3, _with(_MKT, presentation_skills=(4, None))),
    "Brand Designer": (2, _with(_MKT, design_and_user_research=(4, None))),
    "Head of Customer Success": (4, _with(_LEAD, customer_empathy=(4, 5))),
    "Customer Success Manager": (3, _CS), "Support Specialist": (1, _with(_CS, customer_empathy=(3, None), stakeholder_management=(1, 2))),
    "Onboarding Specialist": (2, _with(_CS, presentation_skills=(3, None))),
    "Operations Planner": (3, {"Logistics planning": (4, None), "Data analysis": (2, 3), "Project management": (3, None)}),
    "Warehouse Manager": (4, _with(_LEAD, warehouse_safety=(4, 5), logistics_planning=(3, None))),
    "Warehouse Operative": (1, _WH), "Team Lead, Warehouse": (2, _with(_WH, coaching_and_feedback=(2, 3), leadership=(2, None))),
    "Logistics Coordinator": (2, _with(_WH, logistics_planning=(3, 4), data_analysis=(1, 2))),
    "Head of People & Culture": (4, _with(_LEAD, data_protection_and_security=(3, None))),
    "HR Business Partner": (3, _HR), "Talent Acquisition Partner": (2, _with(_HR, negotiation=(2, None))),
    "Learning Specialist": (2, _with(_HR, presentation_skills=(3, None), project_management=(2, None))),
    "Financial Controller": (3, _with(_FIN, financial_reporting=(4, None))), "Accountant": (2, _FIN),
    "Payroll Specialist": (2, _with(_FIN, data_protection_and_security=(3, None))),
}

PATHS = [
    ("Software Engineer", "Senior Software Engineer", "promotion"), ("Senior Software Engineer", "Staff Engineer", "promotion"),
    ("Senior Software Engineer", "Engineering Manager", "promotion"), ("Software Engineer", "Data Engineer", "lateral"),
    ("Software Engineer", "Site Reliability Engineer", "lateral"), ("Frontend Developer", "Software Engineer", "lateral"),
    ("QA Engineer", "Software Engineer", "lateral"), ("Data Analyst", "Data Scientist", "promotion"),
    ("Data Analyst", "Data Engineer", "lateral"), ("Data Scientist", "Head of Data", "promotion"),
    ("Sales Development Representative", "Account Executive", "promotion"), ("Account Executive", "Key Account Manager", "promotion"),
    ("Key Account Manager", "Sales Manager", "promotion"), ("Sales Operations Analyst", "Data Analyst", "lateral"),
    ("Support Specialist", "Customer Success Manager", "promotion"), ("Onboarding Specialist", "Customer Success Manager", "promotion"),
    ("Customer Success Manager", "Account Executive", "lateral"), ("Customer Success Manager", "Head of Customer Success", "promotion"),
    ("Warehouse Operative", "Team Lead, Warehouse", "promotion"), ("Team Lead, Warehouse", "Warehouse Manager", "promotion"),
    ("Warehouse Operative", "Logistics Coordinator", "lateral"), ("Logistics Coordinator", "Operations Planner", "promotion"),
    ("Accountant", "Financial Controller", "promotion"), ("Payroll Specialist", "Accountant", "lateral"),
    ("Marketing Specialist", "Content Manager", "promotion"), ("Brand Designer", "Product Designer", "lateral"),
    ("HR Business Partner", "Head of People & Culture", "promotion"), ("Learning Specialist", "HR Business Partner", "promotion"),
    ("Talent Acquisition Partner", "HR Business Partner", "promotion"),
]

# catalogue course title: {competency: level the course builds to}
COURSE_LINKS = {
    "Giving feedback": {"Coaching and feedback": 3},
    "First-line leadership": {"Leadership": 3, "Coaching and feedback": 3, "Stakeholder management": 2},
    "Running effective meetings": {"Presentation skills": 3, "Stakeholder management": 2, "Project management": 2},
    "Safe work in the warehouse": {"Warehouse safety": 3},
    "Information security basics": {"Data protection and security": 2},
    "GDPR basics": {"Data protection and security": 3},
}

# Mads (employee@): levels by himself and his manager (Henrik) — short in SQL and design for his next role.
MADS_LEVELS = {"Python": (3, 3), "SQL": (2, 2), "Software design": (2, 2), "Project management": (2, 1),
               "Data protection and security": (2, 2), "Coaching and feedback": (2, 1), "Presentation skills": (2, 2)}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=timezone.utc)


def seed_demo(today: date, rng: random.Random) -> None:
    """The framework, role profiles, course links, career paths, assessments and interests; no commit."""
    comps = {}
    for name, category, description, levels in COMPETENCIES:
        comp = service.get_or_create_competency(name, category, description)
        comp.category = comp.category or category
        comp.description = comp.description or description
        have = {lv.level for lv in comp.levels}
        if not have:
            service.save_competency(comp, comp.name, comp.category, comp.description,
                                    dict(enumerate(levels or GENERIC_LEVELS, start=1)))
        comps[name] = comp
    depts = {d.name: d for d in db.session.execute(select(Department)).scalars()}
    from lms.demo import DEPARTMENTS

    home = {}
    for name, _parent, _weight, head, titles in DEPARTMENTS:
        for title in [head, *titles]:
            home.setdefault(title, depts.get(name))
    roles = {}
    for title, (seniority, reqs) in ROLES.items():
        role = db.session.execute(select(JobRole).where(JobRole.title == title)).scalar_one_or_none()
        if role is None:
            role = JobRole(title=title, seniority=seniority, department=home.get(title),
                           description=f"The {title} role at Fjordhavn.")
            db.session.add(role)
        if not role.requirements:
            role.requirements = [RoleRequirement(competency=comps[c], level=lv, future_level=fut)
                                 for c, (lv, fut) in reqs.items()]
        roles[title] = role
    db.session.flush()
    for a, b, kind in PATHS:
        service.add_transition(roles[a], roles[b], TransitionKind(kind))
    courses = {c.title: c for c in db.session.execute(select(Course)).scalars()}
    for title, links in COURSE_LINKS.items():
        if title in courses:
            for comp_name, level in links.items():
                service.link_course(courses[title].id, comps[comp_name], level)
    _assess_everyone(today, rng, roles, comps)
    _interests(today, rng, roles)
    db.session.flush()


def _assess_everyone(today: date, rng: random.Random, roles: dict, comps: dict) -> None:
    """Most people assessed themselves; most managers assessed their reports (a little lower)."""
    employee = db.session.execute(select(User).where(User.email == "employee@fjordhavn.example")).scalar_one_or_none()
    rows = []
    for user, spell in service.current_staff(today):
        role = roles.get(spell.job_title)
        if role is None:
            continue
        if employee is not None and user.id == employee.id:
            for name, (mine, manager_says) in MADS_LEVELS.items():
                rows.append(CompetencyAssessment(user_id=user.id, competency_id=comps[name].id, source=AssessmentSource.self,
                                                 assessor_id=user.id, level=mine, assessed_at=_at(today - timedelta(days=40))))
                if spell.manager_id:
                    rows.append(CompetencyAssessment(user_id=user.id, competency_id=comps[name].id,
                                                     source=AssessmentSource.manager, assessor_id=spell.manager_id,
                                                     level=manager_says, assessed_at=_at(today - timedelta(days=30))))
            continue
        if rng.random() > 0.85:
            continue
        tenure = (today - spell.hire_date).days
        when = today - timedelta(days=rng.randint(5, 200))
        for req in role.requirements:
            base = req.level + (1 if tenure > 1500 else 0) + rng.choice((-2, -1, -1, 0, 0, 0, 1))
            level = min(5, max(1, base))
            rows.append(CompetencyAssessment(user_id=user.id, competency_id=req.competency_id, source=AssessmentSource.self,
                                             assessor_id=user.id, level=level, assessed_at=_at(when)))
            if spell.manager_id and rng.random() < 0.7:
                rows.append(CompetencyAssessment(
                    user_id=user.id, competency_id=req.competency_id, source=AssessmentSource.manager,
                    assessor_id=spell.manager_id, level=min(5, max(1, level + rng.choice((-1, 0, 0, 0, 1)))),
                    assessed_at=_at(when + timedelta(days=rng.randint(1, 20)))))
    db.session.add_all(rows)
    db.session.flush()


def _interests(today: date, rng: random.Random, roles: dict) -> None:


    transitions = db.session.execute(select(RoleTransition)).scalars().all()
    by_from: dict[int, list] = {}
    for t in transitions:
        by_from.setdefault(t.from_role_id, []).append(t)
    for user, spell in service.current_staff(today):
        role = roles.get(spell.job_title)
        if role is None or role.id not in by_from:
            continue
        if user.email == "employee@fjordhavn.example":
            target = roles["Senior Software Engineer"]
            db.session.add(CareerInterest(user_id=user.id, role_id=target.id,
                                          note="I would like to own more of the platform's design."))
        elif rng.random() < 0.15:
            t = rng.choice(by_from[role.id])
            db.session.add(CareerInterest(user_id=user.id, role_id=t.to_role_id))
    db.session.flush()
