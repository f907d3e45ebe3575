"""Demo 1:1 check-ins: months of history for most manager–report pairs, some missed, upcoming
ones (some prepared) and open agreements; Henrik Dahl's team and Mads get a full story."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta, timezone

from lms.demo import DOMAIN
from lms.extensions import db
from lms.people.models import EmploymentSpell, User
from lms.people.service import is_latest_spell
from tincan import Activity, ActivityDefinition, LanguageMap, Statement
from tincan import Verb as XVerb

from xapi.emitter import actor_for, record_statement
from xapi.vocabulary import ActivityType, Verb

from . import service
from .models import (
    AgreementOwner,
    AgreementStatus,
    Cadence,
    MeetingStatus,
    OneOnOne,
    OneOnOneAgendaItem,
    OneOnOneAgreement,
    OneOnOnePair,
    OneOnOnePrep,
)

#: how far back the history goes
HISTORY_DAYS = 180

WENT_WELL = [
    "Shipped the release on time, and the handover to support was smooth.",
    "The customer workshop went better than expected; they want a follow-up.",
    "Finally closed the long-running ticket about invoices.",
    "Pairing with a colleague on the tricky part saved days.",
    "Got good feedback on my presentation at the team meeting.",
    "The new routine for the morning shift works.",
]
COULD_BE_BETTER = [
    "Too many meetings on Tuesdays and Wednesdays.",
    "Priorities changed twice in one week; hard to plan.",
    "I waited a long time for access to the test environment.",
    "I would like clearer feedback on my reports.",
    "On-call weeks leave little time for learning.",
    "",
]
LEARNING = [
    "Working through the SQL course; halfway.",
    "Reading about negotiation; would like to try it in a real deal.",
    "I want to learn more about our cloud costs.",
    "Started the GDPR basics module.",
    "Shadowing a senior colleague on customer calls.",
    "",
]
AGENDA = [
    "Feedback on the last project", "Training budget for next quarter", "Holiday planning",
    "How the new team setup works for me", "Career: what would a next step look like?",
    "Workload during the peak season", "Conference in the spring", "Moving to the new office",
]
AGREEMENTS = [
    ("Sign up for the next presentation skills workshop", AgreementOwner.employee),
    ("Book a half-day to write down the deployment routine", AgreementOwner.employee),
    ("Ask finance about the training budget", AgreementOwner.manager),
    ("Introduce you to the head of Data for a coffee", AgreementOwner.manager),
    ("Block two focus mornings a week in the calendar", AgreementOwner.employee),
    ("Move the Wednesday status meeting to a written update", AgreementOwner.manager),
    ("Draft a development goal for the plan", AgreementOwner.employee),
    ("Check whether the conference fits the budget", AgreementOwner.manager),
]
NOTES = [
    "Good conversation. Workload is high but manageable; we agreed on the priorities for the next weeks.",
    "We talked about the project and the next steps. Follow up on the training question next time.",
    "Short one today. Everything on track.",
    "We went through the feedback from the customer and what to change. Positive overall.",
    "Discussed growth and what a next role could look like. Revisit in two months.",
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def _cadence(rng: random.Random) -> Cadence:
    roll = rng.random()
    if roll < 0.7:
        return Cadence.monthly
    if roll < 0.85:
        return Cadence.biweekly
    if roll < 0.92:
        return Cadence.weekly
    return Cadence.six_weeks


def _prep(rng: random.Random, meeting: OneOnOne, when: date) -> None:
    wellbeing = rng.choices([2, 3, 4, 5], [1, 3, 5, 3])[0]
    meeting.prep = OneOnOnePrep(
        went_well=rng.choice(WENT_WELL), could_be_better=rng.choice(COULD_BE_BETTER),
        workload=rng.choices([2, 3, 4, 5], [1, 5, 4, 2])[0], flow=rng.choices([2, 3, 4, 5], [2, 4, 4, 1])[0],
        learning=rng.choice(LEARNING), wellbeing=wellbeing,
        wellbeing_comment="A lot at home at the moment." if wellbeing <= 2 else "",
        submitted_at=_at(when, 8), updated_at=_at(when, 8),
    )


def _agenda(rng: random.Random, meeting: OneOnOne, pair: OneOnOnePair, discussed: bool, when: date) -> None:
    for text in rng.sample(AGENDA, rng.randint(1, 3)):
        meeting.agenda.append(OneOnOneAgendaItem(
            text=text, author_id=rng.choice([pair.manager_id, pair.report_id]), is_discussed=discussed,
            created_at=_at(when, 9),
        ))


def _history(rng: random.Random, pair: OneOnOnePair, start: date, today: date, attended: list, *,
             open_in: int | None, prep_upcoming: bool, overdue: bool) -> None:
    """Held meetings from `start`, a few missed and held late, agreements opened and closed, and
    the open meeting: upcoming (in `open_in` days, or when due), or overdue when `overdue`."""
    grace = service.GRACE_DAYS[pair.cadence]
    stop = today - timedelta(days=grace + 14 if overdue else 2)
    day = start
    open_agreements: list[OneOnOneAgreement] = []
    while day <= stop:
        missed_on = None
        held_on = day + timedelta(days=rng.choice([0, 0, 0, 1, -1]))
        if rng.random() < 0.1:  # missed, then held late
            missed_on = day + timedelta(days=grace + 1)
            held_on = missed_on + timedelta(days=rng.randint(1, 6))
        if held_on >= today - timedelta(days=1):
            break
        meeting = OneOnOne(pair=pair, scheduled_on=day, status=MeetingStatus.held, missed_on=missed_on,
                           held_on=held_on, held_at=_at(held_on, 15), notes=rng.choice(NOTES),
                           created_at=_at(day - timedelta(days=20)))
        if rng.random() < 0.8:
            _prep(rng, meeting, held_on - timedelta(days=2))
        _agenda(rng, meeting, pair, True, held_on - timedelta(days=3))
        db.session.add(meeting)
        for agreement in list(open_agreements):  # most earlier agreements get done
            if rng.random() < 0.65:
                agreement.status = AgreementStatus.done if rng.random() < 0.85 else AgreementStatus.dropped
                agreement.closed_at = _at(held_on, 15)
                open_agreements.remove(agreement)
        for text, owner in rng.sample(AGREEMENTS, rng.choice([0, 1, 1, 2])):
            agreement = OneOnOneAgreement(
                pair=pair, meeting=meeting, text=text, owner=owner, status=AgreementStatus.open,
                follow_up_on=held_on + timedelta(days=rng.choice([14, 21, 30])),
                created_by_id=pair.manager_id, created_at=_at(held_on, 15),
            )
            db.session.add(agreement)
            open_agreements.append(agreement)
        attended.extend((person, meeting, held_on) for person in (pair.report, pair.manager))
        day = service.add_cadence(held_on, pair.cadence)
    if overdue:
        on = min(day, today - timedelta(days=grace + 3))
        meeting = OneOnOne(pair=pair, scheduled_on=on, status=MeetingStatus.scheduled,
                           missed_on=on + timedelta(days=grace + 1), created_at=_at(on - timedelta(days=20)))
    else:
        on = today + timedelta(days=open_in) if open_in is not None else max(today + timedelta(days=1), day)
        meeting = OneOnOne(pair=pair, scheduled_on=on, status=MeetingStatus.scheduled, created_at=_at(today))
        if prep_upcoming and on <= today + timedelta(days=service.PREP_REMINDER_DAYS + 2):
            _prep(rng, meeting, today)
            _agenda(rng, meeting, pair, False, today)
    db.session.add(meeting)


def seed_demo(today: date, rng: random.Random) -> int:
    """Check-in history for most current pairs; returns how many pairs have history."""
    manager = db.session.execute(db.select(User).where(User.email == f"manager@{DOMAIN}")).scalar_one_or_none()
    employee = db.session.execute(db.select(User).where(User.email == f"employee@{DOMAIN}")).scalar_one_or_none()
    keys = sorted(service.current_pair_keys(today))
    users = {u.id: u for u in db.session.execute(
        db.select(User).where(User.id.in_({i for key in keys for i in key}))
    ).scalars()}
    seeded = 0
    attended: list[tuple[User, OneOnOne, date]] = []
    henrik_reports = [r for m, r in keys if manager is not None and m == manager.id
                      and (employee is None or r != employee.id)]
    overdue_in_team = set(henrik_reports[:1])
    prepared_in_team = set(henrik_reports[1:2])
    spells = {s.user_id: s for s in db.session.execute(
        db.select(EmploymentSpell).where(EmploymentSpell.user_id.in_([r for _m, r in keys]), is_latest_spell())
    ).scalars()}
    for manager_id, report_id in keys:
        report = users[report_id]
        is_henrik = manager is not None and manager_id == manager.id
        is_mads = employee is not None and report_id == employee.id
        pair = OneOnOnePair(manager_id=manager_id, report_id=report_id, is_active=True,
                            cadence=Cadence.monthly if is_henrik else _cadence(rng))
        pair.manager, pair.report = users[manager_id], report
        db.session.add(pair)
        if not (is_henrik or rng.random() < 0.85):
            continue  # no history: the daily sync schedules their first check-in
        hire = spells[report_id].hire_date
        start = max(hire + timedelta(days=14), today - timedelta(days=HISTORY_DAYS) + timedelta(days=rng.randint(0, 20)))
        if start >= today - timedelta(days=30):
            continue
        _history(
            rng, pair, start, today, attended,
            open_in=4 if is_mads else 2 if report_id in prepared_in_team else None,
            prep_upcoming=not is_mads and (report_id in prepared_in_team or rng.random() < 0.5),
            overdue=report_id in overdue_in_team or (not is_henrik and rng.random() < 0.12),
        )
        seeded += 1
    db.session.flush()  # once: meeting ids for the statements
    _record_attended(attended)
    if employee is not None and manager is not None:
        _mads_story(today, manager, employee)
    service.sync_pairs(today)  # pairs without history get their first check-in
    return seeded


def _record_attended(attended: list[tuple[User, OneOnOne, date]]) -> None:
    """The `attended` statements of the history, dated when each check-in was held, stored in one batch."""
    statements, user_ids = [], {}
    for person, meeting, held_on in attended:
        statement = Statement(
            actor=actor_for(person), verb=XVerb(id=Verb.ATTENDED[0], display=LanguageMap({"en-US": Verb.ATTENDED[1]})),
            object=Activity(id=service.meeting_iri(meeting), definition=ActivityDefinition(
                name=LanguageMap({"en-US": "1:1 check-in"}), type=ActivityType.MEETING)),
            timestamp=_at(held_on, 15),
        )
        statements.append(json.loads(statement.to_json()))
        user_ids[f"mbox:mailto:{person.email}"] = person.id
    if statements:
        record_statement(statements, user_ids=user_ids)


def _mads_story(today: date, manager: User, employee: User) -> None:
    """Mads has two open agreements from his last check-in with Henrik, one of them due soon."""
    pair = db.session.execute(db.select(OneOnOnePair).where(
        OneOnOnePair.manager_id == manager.id, OneOnOnePair.report_id == employee.id)).scalar_one_or_none()
    if pair is None:
        return
    last = db.session.execute(
        db.select(OneOnOne).where(OneOnOne.pair_id == pair.id, OneOnOne.status == MeetingStatus.held)
        .order_by(OneOnOne.held_on.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None:
        return
    for text, owner, days in [("Finish the Kubernetes module in the catalogue", AgreementOwner.employee, 5),
                              ("Find a senior engineer Mads can shadow on incident reviews", AgreementOwner.manager, 12)]:
        db.session.add(OneOnOneAgreement(
            pair=pair, meeting=last, text=text, owner=owner, status=AgreementStatus.open,
            follow_up_on=today + timedelta(days=days), created_by_id=manager.id, created_at=_at(last.held_on, 15),
        ))
    db.session.flush()
