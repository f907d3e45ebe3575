"""Pulse surveys and eNPS: define surveys, open rounds, invite and remind, take anonymous answers,
and report results that cannot single anyone out.

Anonymity (see also the note in models.py):

- An answer is stored as a `PulseResponse` with a random uuid4 key and only the round, the
  respondent's department and tenure band; its scores in `PulseAnswer`, its free text in
  `PulseComment` (a separate table with its own random key, so a comment cannot be joined to the
  scores). Nothing carries a person, a timestamp or a sequence number.
- Who has answered is `PulseInvitation.has_answered`, a flag without a time.
- Keys are random and the tables are WITHOUT ROWID on SQLite, so neither the keys nor the storage
  order reveal who answered first. When a round closes, `seal_round` deletes its answers and
  inserts them again in one transaction, in random order and with new keys, so PostgreSQL's
  physical order and transaction ids no longer match the invitation rows either.
- Results are shown only for sealed (closed) rounds, so watching a number move while one person
  answers reveals nothing.
- What remains: while a round is open, someone with direct access to the database files (not an
  application user) could still match an answer to its invitation through storage internals
  (PostgreSQL's transaction id of the two rows written together, SQLite's write-ahead log); sealing
  at the close removes that, so the window is the open period of the round.

Disclosure control on results: a group needs at least `MIN_RESULT` (5) respondents for scores
and `MIN_DETAIL` (10) for answer distributions and comments. Groups form a tree (the
organisation, departments, sub-departments); a group that could be worked out by subtracting
shown groups from a shown parent is suppressed too (`suppress`).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from lms.extensions import db
from lms.notifications.service import notify, register_kind
from lms.people.models import Department, EmploymentSpell, User
from lms.people.service import ValidationError, is_latest_spell

from .models import (
    PulseAnswer,
    PulseComment,
    PulseInvitation,
    PulseQuestion,
    PulseResponse,
    PulseRound,
    PulseSurvey,
    QuestionKind,
    Schedule,
)

#: fewest respondents for any score of a group
MIN_RESULT = 5
#: fewest respondents for answer distributions and free-text comments
MIN_DETAIL = 10
#: a reminder goes to those who have not answered this many days before the round closes
REMIND_DAYS_BEFORE_CLOSE = 3
TENURE_BANDS = ("<1", "1-2", "2-5", "5+")

register_kind("pulse.invited", _l("A short, anonymous pulse survey is open until %(date)s: “%(title)s”."))
register_kind("pulse.reminder", _l("Reminder: the anonymous pulse survey “%(title)s” closes on %(date)s."))


def standard_questions() -> dict[str, tuple[QuestionKind, object]]:
    """The standard items by topic: kind and (lazily translated) wording."""
    return {
        "enps": (QuestionKind.enps, _l("On a scale from 0 to 10, how likely is it that you would recommend "
                                       "%(organisation)s as a place to work?")),
        "growth": (QuestionKind.likert, _l("I have good opportunities to learn and grow here.")),
        "manager": (QuestionKind.likert, _l("My manager supports me in doing my best work.")),
        "workload": (QuestionKind.likert, _l("My workload is manageable.")),
        "belonging": (QuestionKind.likert, _l("I feel I belong here.")),
        "stay": (QuestionKind.likert, _l("I see myself working here in two years.")),
        "comment": (QuestionKind.text, _l("Is there anything else you would like to tell us?")),
    }


STANDARD_TOPICS = ("enps", "growth", "manager", "workload", "belonging", "stay", "comment")


def question_text(question: PulseQuestion) -> str:
    if question.text:
        return question.text
    _kind, wording = standard_questions()[question.topic]
    return str(wording) % {"organisation": question.survey.organisation}


def likert_labels() -> dict[int, str]:
    return {1: _("Strongly disagree"), 2: _("Disagree"), 3: _("Neither agree nor disagree"), 4: _("Agree"),
            5: _("Strongly agree")}


# --- defining surveys ---------------------------------------------------------------------------


@dataclass
class SurveyData:
    title: str
    organisation: str
    schedule: Schedule
    starts_on: date
    open_days: int
    department_ids: list[int]
    topics: list[str]
    custom_question: str = ""


def create_survey(data: SurveyData, created_by: User | None = None) -> PulseSurvey:
    """A survey with the eNPS question, the chosen standard items and an optional own Likert item."""
    if data.open_days < 1 or data.open_days > 60:
        raise ValidationError(_l("A round can be open from 1 to 60 days."), "open_days")
    departments = []
    if data.department_ids:
        departments = list(db.session.execute(select(Department).where(Department.id.in_(data.department_ids))).scalars())
        if len(departments) != len(set(data.department_ids)):
            raise ValidationError(_l("Choose departments from the list."), "department_ids")
    survey = PulseSurvey(
        title=data.title.strip(), organisation=data.organisation.strip(), schedule=data.schedule,
        starts_on=data.starts_on, open_days=data.open_days, is_all_staff=not departments, departments=departments,
        created_by_id=created_by.id if created_by else None, is_active=True,
    )
    topics = ["enps"] + [t for t in STANDARD_TOPICS if t != "enps" and t in data.topics]
    position = 0
    for topic in topics:
        if topic == "comment" and data.custom_question.strip():
            survey.questions.append(PulseQuestion(position=position, kind=QuestionKind.likert, topic="custom",
                                                  text=data.custom_question.strip()[:300]))
            position += 1
        kind, _wording = standard_questions()[topic]
        survey.questions.append(PulseQuestion(position=position, kind=kind, topic=topic, text=""))
        position += 1
    if "comment" not in topics and data.custom_question.strip():
        survey.questions.append(PulseQuestion(position=position, kind=QuestionKind.likert, topic="custom",
                                              text=data.custom_question.strip()[:300]))
    db.session.add(survey)
    db.session.flush()
    return survey


# --- rounds -------------------------------------------------------------------------------------


def period_of(survey: PulseSurvey, day: date) -> str:
    if survey.schedule is Schedule.quarterly:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def due_opening(survey: PulseSurvey, today: date) -> date | None:
    """The opening day of the round that should be open or have opened latest by `today`, if any."""
    if not survey.is_active or survey.starts_on > today:
        return None
    if survey.schedule is Schedule.once:
        return survey.starts_on
    step = 1 if survey.schedule is Schedule.monthly else 3
    months = (today.year - survey.starts_on.year) * 12 + today.month - survey.starts_on.month
    k = months // step
    opening = _add_months(survey.starts_on, k * step)
    if opening > today:
        opening = _add_months(survey.starts_on, (k - 1) * step)
    return opening


def audience(survey: PulseSurvey, day: date) -> list[User]:
    """Active people employed on `day` (not before their first day), in the survey's departments and
    their sub-departments, or everyone."""
    q = (
        select(User)
        .join(EmploymentSpell, EmploymentSpell.user_id == User.id)
        .where(User.is_active.is_(True), is_latest_spell(EmploymentSpell), EmploymentSpell.hire_date <= day,
               or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= day))
        .order_by(User.id)
    )
    if not survey.is_all_staff:
        q = q.where(EmploymentSpell.department_id.in_(subtree_ids([d.id for d in survey.departments])))
    return list(db.session.execute(q).scalars())


def subtree_ids(roots: list[int]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in db.session.execute(select(Department.id, Department.parent_id)):
        children.setdefault(parent_id, []).append(dept_id)
    out, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        if node not in out:
            out.add(node)
            stack.extend(children.get(node, []))
    return out


def _path(endpoint: str, **values) -> str:
    return current_app.url_map.bind("localhost").build(endpoint, values)


def open_round(survey: PulseSurvey, opens_on: date, *, notify_people: bool = True) -> PulseRound:
    """Open the round for the period of `opens_on` and invite the audience. Idempotent: a period's
    round is opened once, and each person is invited to it once."""
    period = period_of(survey, opens_on)
    rnd = db.session.execute(select(PulseRound).where(PulseRound.survey_id == survey.id,
                                                      PulseRound.period == period)).scalar_one_or_none()
    if rnd is None:
        rnd = PulseRound(survey_id=survey.id, period=period, opens_on=opens_on,
                         closes_on=opens_on + timedelta(days=survey.open_days - 1), is_sealed=False)
        db.session.add(rnd)
        db.session.flush()
    invited = set(db.session.execute(select(PulseInvitation.user_id).where(PulseInvitation.round_id == rnd.id)).scalars())
    url = _path("analytics.pulse_answer", round_id=rnd.id)
    for person in audience(survey, opens_on):
        if person.id in invited:
            continue
        db.session.add(PulseInvitation(round_id=rnd.id, user_id=person.id, has_answered=False))
        if notify_people:
            notify(person, "pulse.invited", url=url, title=survey.title, date=rnd.closes_on)
    db.session.flush()
    return rnd


def open_due_rounds(today: date | None = None) -> int:
    """Open every round that is due and not open yet; returns how many were opened."""
    today = today or date.today()
    opened = 0
    for survey in db.session.execute(select(PulseSurvey).where(PulseSurvey.is_active.is_(True))).scalars():
        opening = due_opening(survey, today)
        if opening is None or opening + timedelta(days=survey.open_days - 1) < today:
            continue
        exists = db.session.execute(select(PulseRound.id).where(
            PulseRound.survey_id == survey.id, PulseRound.period == period_of(survey, opening))).first()
        if exists is None:
            open_round(survey, opening)
            opened += 1
    return opened


def send_reminders(today: date | None = None) -> int:
    """Remind those who have not answered, a few days before the round closes; once per person and round."""
    today = today or date.today()
    rows = db.session.execute(
        select(PulseInvitation, PulseRound)
        .join(PulseRound, PulseRound.id == PulseInvitation.round_id)
        .where(PulseInvitation.has_answered.is_(False), PulseInvitation.reminded_on.is_(None),
               PulseRound.is_sealed.is_(False), PulseRound.opens_on < today, PulseRound.closes_on >= today,
               PulseRound.closes_on <= today + timedelta(days=REMIND_DAYS_BEFORE_CLOSE))
    ).all()
    for invitation, rnd in rows:
        invitation.reminded_on = today
        notify(invitation.user, "pulse.reminder", url=_path("analytics.pulse_answer", round_id=rnd.id),
               title=rnd.survey.title, date=rnd.closes_on)
    db.session.flush()
    return len(rows)


def seal_round(rnd: PulseRound, rng: random.Random | None = None) -> None:
    """Close the round for good: re-write its answers in random order with new keys (see module doc)."""
    if rnd.is_sealed:
        return
    rng = rng or random.SystemRandom()
    responses = db.session.execute(select(PulseResponse).where(PulseResponse.round_id == rnd.id)).scalars().all()
    answers: dict[str, list[tuple[int, int]]] = {}
    ids = [r.id for r in responses]
    for a in db.session.execute(select(PulseAnswer).where(PulseAnswer.response_id.in_(ids))).scalars() if ids else []:
        answers.setdefault(a.response_id, []).append((a.question_id, a.value))
    comments = db.session.execute(select(PulseComment).where(PulseComment.round_id == rnd.id)).scalars().all()
    kept_responses = [(r.department_id, r.tenure_band, answers.get(r.id, [])) for r in responses]
    kept_comments = [(c.question_id, c.department_id, c.body) for c in comments]
    if ids:
        db.session.execute(delete(PulseAnswer).where(PulseAnswer.response_id.in_(ids)))
    db.session.execute(delete(PulseResponse).where(PulseResponse.round_id == rnd.id))
    db.session.execute(delete(PulseComment).where(PulseComment.round_id == rnd.id))
    rng.shuffle(kept_responses)
    rng.shuffle(kept_comments)
    new_answers = []
    for department_id, band, values in kept_responses:
        rid = uuid.uuid4().hex
        db.session.add(PulseResponse(id=rid, round_id=rnd.id, department_id=department_id, tenure_band=band))
        new_answers.extend(PulseAnswer(response_id=rid, question_id=q, value=v) for q, v in values)
    db.session.flush()  # responses before their answers (no ORM relationship orders them)
    db.session.add_all(new_answers)
    for question_id, department_id, body in kept_comments:
        db.session.add(PulseComment(id=uuid.uuid4().hex, round_id=rnd.id, question_id=question_id,
                                    department_id=department_id, body=body))
    rnd.is_sealed = True
    db.session.flush()


def close_round(rnd: PulseRound, today: date | None = None) -> None:
    """HR closes a round before its last day: no more answers, and results become available."""
    today = today or date.today()
    rnd.closes_on = max(rnd.opens_on, min(rnd.closes_on, today))
    seal_round(rnd)


def seal_closed_rounds(today: date | None = None) -> int:
    today = today or date.today()
    rounds = db.session.execute(select(PulseRound).where(PulseRound.is_sealed.is_(False),
                                                         PulseRound.closes_on < today)).scalars().all()
    for rnd in rounds:
        seal_round(rnd)
    return len(rounds)


# --- answering ----------------------------------------------------------------------------------


def tenure_band(hire_date: date, on: date) -> str:
    years = (on - hire_date).days / 365.25
    return "<1" if years < 1 else "1-2" if years < 2 else "2-5" if years < 5 else "5+"


def invitation_for(user: User, rnd: PulseRound) -> PulseInvitation | None:
    return db.session.execute(select(PulseInvitation).where(
        PulseInvitation.round_id == rnd.id, PulseInvitation.user_id == user.id)).scalar_one_or_none()


def open_invitations(user: User, today: date | None = None) -> list[tuple[PulseInvitation, PulseRound]]:
    """The person's own rounds that are open and not answered yet."""
    today = today or date.today()
    return [tuple(row) for row in db.session.execute(
        select(PulseInvitation, PulseRound).join(PulseRound, PulseRound.id == PulseInvitation.round_id)
        .where(PulseInvitation.user_id == user.id, PulseInvitation.has_answered.is_(False),
               PulseRound.is_sealed.is_(False), PulseRound.opens_on <= today, PulseRound.closes_on >= today)
        .order_by(PulseRound.closes_on)
    ).all()]


class AlreadyAnswered(ValidationError):
    pass


def submit_answers(user: User, rnd: PulseRound, scores: dict[int, int], texts: dict[int, str],
                   today: date | None = None) -> None:
    """Store one anonymous response and mark the person as having answered, once.

    The flag is set by a conditional UPDATE (`has_answered` false -> true), so two concurrent
    submissions cannot both pass; the answer is stored only when this request set the flag.
    """
    today = today or date.today()
    if not rnd.is_open_on(today):
        raise ValidationError(_l("This survey is closed."))
    questions = {q.id: q for q in rnd.survey.questions}
    for q in questions.values():
        if q.kind is QuestionKind.text:
            continue
        value = scores.get(q.id)
        low, high = (0, 10) if q.kind is QuestionKind.enps else (1, 5)
        if value is None or not low <= value <= high:
            raise ValidationError(_l("Answer every question with a number on its scale."), f"q{q.id}")
    claimed = db.session.execute(
        update(PulseInvitation)
        .where(PulseInvitation.round_id == rnd.id, PulseInvitation.user_id == user.id,
               PulseInvitation.has_answered.is_(False))
        .values(has_answered=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        if invitation_for(user, rnd) is None:
            raise ValidationError(_l("You are not invited to this survey."))
        raise AlreadyAnswered(_l("You have already answered this survey. Thank you!"))
    spell = user.current_spell
    rid = uuid.uuid4().hex
    db.session.add(PulseResponse(
        id=rid, round_id=rnd.id, department_id=spell.department_id if spell else None,
        tenure_band=tenure_band(spell.hire_date, rnd.opens_on) if spell else "<1",
    ))
    db.session.flush()  # the response before its answers (no ORM relationship orders them)
    db.session.add_all(PulseAnswer(response_id=rid, question_id=qid, value=scores[qid])
                       for qid, q in questions.items() if q.kind is not QuestionKind.text)
    for qid, q in questions.items():
        body = (texts.get(qid) or "").strip()
        if q.kind is QuestionKind.text and body:
            db.session.add(PulseComment(id=uuid.uuid4().hex, round_id=rnd.id, question_id=qid,
                                        department_id=spell.department_id if spell else None, body=body[:4000]))
    db.session.flush()


# --- results ------------------------------------------------------------------------------------


def enps(values: list[int] | dict[int, int]) -> float | None:
    """% promoters (9-10) minus % detractors (0-6), from -100 to +100; `values` as a list or {value: count}."""
    counts = values if isinstance(values, dict) else _count(values)
    n = sum(counts.values())
    if not n:
        return None
    promoters = sum(c for v, c in counts.items() if v >= 9)
    detractors = sum(c for v, c in counts.items() if v <= 6)
    return 100.0 * (promoters - detractors) / n


def _count(values: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


ROOT = "all"


def suppress(parent_of: dict, direct: dict, k: int) -> set:
    """The groups that may be shown: at least `k` respondents, and no group of 1..k-1 can be derived.

    `parent_of` maps each group to its parent (ROOT's parent is None); `direct[g]` counts the
    respondents in g itself and not in a sub-group. The published counts form a tree; what can be
    worked out from them is sums of the regions "a shown group minus its nearest shown
    sub-groups". Each such region must hold 0 or at least k respondents; while one holds 1..k-1,
    the smallest nearest shown sub-group is suppressed too (its people join the region).
    """
    children: dict = {}
    for g, p in parent_of.items():
        if p is not None:
            children.setdefault(p, []).append(g)
    size: dict = {}

    def total(g) -> int:
        if g not in size:
            size[g] = direct.get(g, 0) + sum(total(c) for c in children.get(g, []))
        return size[g]

    for g in parent_of:
        total(g)
    shown = {g for g in parent_of if size[g] >= k}

    def nearest_shown(g) -> list:
        out, stack = [], list(children.get(g, []))
        while stack:
            c = stack.pop()
            if c in shown:
                out.append(c)
            else:
                stack.extend(children.get(c, []))
        return out

    changed = True
    while changed:
        changed = False
        for g in sorted(shown, key=lambda x: (_depth(x, parent_of), str(x))):
            if g not in shown:
                continue
            inner = nearest_shown(g)
            residual = size[g] - sum(size[c] for c in inner)
            if 0 < residual < k and inner:
                shown.discard(min(inner, key=lambda c: (size[c], str(c))))
                changed = True
    return shown


def _depth(g, parent_of) -> int:
    d = 0
    while parent_of.get(g) is not None:
        g, d = parent_of[g], d + 1
    return d


@dataclass
class GroupResult:
    """What may be shown for one group (the organisation or a department with its sub-departments)."""

    key: object
    name: str
    depth: int
    n: int
    #: scores shown (n >= 5 and not derivable)
    is_shown: bool
    #: distributions and comments shown (n >= 10 and not derivable)
    is_detailed: bool
    enps: float | None = None
    promoters: float | None = None
    passives: float | None = None
    detractors: float | None = None
    #: question id -> mean (Likert)
    means: dict[int, float] = field(default_factory=dict)
    #: question id -> {value: count}
    distributions: dict[int, dict[int, int]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


def round_results(rnd: PulseRound, rng: random.Random | None = None) -> list[GroupResult]:
    """The organisation and each department (with sub-departments), with disclosure control.

    Counts come from SQL grouped by department, question and value; nothing is shown for an open round.
    """
    if not rnd.is_sealed:
        return []
    depts = {d.id: d for d in db.session.execute(select(Department)).scalars()}
    n_direct: dict = {ROOT: 0}
    for dept_id, n in db.session.execute(select(PulseResponse.department_id, func.count())
                                         .where(PulseResponse.round_id == rnd.id)
                                         .group_by(PulseResponse.department_id)):
        n_direct[dept_id if dept_id in depts else ROOT] = n_direct.get(dept_id if dept_id in depts else ROOT, 0) + n
    value_counts: dict = {}
    for dept_id, qid, value, n in db.session.execute(
        select(PulseResponse.department_id, PulseAnswer.question_id, PulseAnswer.value, func.count())
        .join(PulseAnswer, PulseAnswer.response_id == PulseResponse.id)
        .where(PulseResponse.round_id == rnd.id)
        .group_by(PulseResponse.department_id, PulseAnswer.question_id, PulseAnswer.value)
    ):
        key = dept_id if dept_id in depts else ROOT
        per_q = value_counts.setdefault(key, {}).setdefault(qid, {})
        per_q[value] = per_q.get(value, 0) + n
    parent_of: dict = {ROOT: None}
    for d in depts.values():
        parent_of[d.id] = d.parent_id if d.parent_id in depts else ROOT
    shown = suppress(parent_of, n_direct, MIN_RESULT)
    detailed = suppress(parent_of, n_direct, MIN_DETAIL) & shown

    children: dict = {}
    for g, p in parent_of.items():
        if p is not None:
            children.setdefault(p, []).append(g)

    def members(g) -> list:
        out, stack = [], [g]
        while stack:
            x = stack.pop()
            out.append(x)
            stack.extend(children.get(x, []))
        return out

    comments_by_dept: dict = {}
    if detailed:
        for dept_id, body in db.session.execute(select(PulseComment.department_id, PulseComment.body)
                                                .where(PulseComment.round_id == rnd.id)):
            comments_by_dept.setdefault(dept_id if dept_id in depts else ROOT, []).append(body)
    questions = list(rnd.survey.questions)
    enps_q = next((q for q in questions if q.kind is QuestionKind.enps), None)
    rng = rng or random.SystemRandom()
    results: list[GroupResult] = []

    def walk(g, depth: int) -> None:
        group = members(g)
        n = sum(n_direct.get(x, 0) for x in group)
        if n == 0 and g != ROOT:
            return
        name = _("Whole organisation") if g == ROOT else depts[g].name
        res = GroupResult(key=g, name=name, depth=depth, n=n, is_shown=g in shown, is_detailed=g in detailed)
        if res.is_shown:
            merged: dict[int, dict[int, int]] = {}
            for x in group:
                for qid, counts in value_counts.get(x, {}).items():
                    m = merged.setdefault(qid, {})
                    for v, c in counts.items():
                        m[v] = m.get(v, 0) + c
            if enps_q is not None and merged.get(enps_q.id):
                counts = merged[enps_q.id]
                total = sum(counts.values())
                res.enps = enps(counts)
                res.promoters = 100.0 * sum(c for v, c in counts.items() if v >= 9) / total
                res.detractors = 100.0 * sum(c for v, c in counts.items() if v <= 6) / total
                res.passives = 100.0 - res.promoters - res.detractors
            for q in questions:
                if q.kind is QuestionKind.likert and merged.get(q.id):
                    counts = merged[q.id]
                    res.means[q.id] = sum(v * c for v, c in counts.items()) / sum(counts.values())
            if res.is_detailed:
                res.distributions = merged
                res.comments = [c for x in group for c in comments_by_dept.get(x, [])]
                rng.shuffle(res.comments)
        results.append(res)
        for c in sorted(children.get(g, []), key=lambda c: depts[c].name if c in depts else ""):
            walk(c, depth + 1)

    top = children.get(ROOT, [])
    if not n_direct.get(ROOT) and len(top) == 1:
        walk(top[0], 0)  # the organisation is one top department: show it once, not twice
    else:
        walk(ROOT, 0)
    return results


def enps_trend(survey: PulseSurvey) -> list[tuple[PulseRound, list[GroupResult]]]:
    """eNPS over time: each sealed round's results (organisation and departments), oldest first."""
    return [(rnd, round_results(rnd)) for rnd in survey.rounds if rnd.is_sealed]


def response_counts(rnd: PulseRound) -> tuple[int, int]:
    """(invited, answered) for a round; counts only, never who."""
    invited, answered = db.session.execute(
        select(func.count(), func.coalesce(func.sum(PulseInvitation.has_answered.cast(db.Integer)), 0))
        .where(PulseInvitation.round_id == rnd.id)
    ).one()
    return invited, int(answered)
