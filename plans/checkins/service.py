"""1:1 check-in logic: pairs from the org chart, cadence and next dates, prep, agenda, agreements
that carry over, holding a meeting (with its statements), reminders, the manager's overview and
HR's coverage figures (counts only, never content).

Functions add and flush; the caller (a view, a task, the demo) commits.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from lms.extensions import db
from lms.notifications.service import notify, register_kind
from lms.people.models import Department, EmploymentSpell, User, utcnow
from lms.people.service import ValidationError, is_latest_spell
from xapi.emitter import record
from xapi.vocabulary import ActivityType, Verb

from .models import (
    SCALE_MAX,
    SCALE_MIN,
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

#: a new pair's first check-in is this many days away, so the employee has time to prepare
FIRST_MEETING_AFTER_DAYS = 7
#: the employee is asked to prepare this many days before
PREP_REMINDER_DAYS = 3
#: an unheld check-in counts as missed this many days after its date (shorter for weekly pairs)
GRACE_DAYS = {Cadence.weekly: 3, Cadence.biweekly: 5, Cadence.monthly: 7, Cadence.six_weeks: 7}
#: HR's coverage counts misses over this period
MISSED_WINDOW_DAYS = 180

register_kind("checkins.prep_reminder", _l("Your check-in with %(manager)s is on %(date)s: please fill in your preparation."))
register_kind("checkins.tomorrow", _l("Your check-in with %(other)s is tomorrow, %(date)s."))
register_kind("checkins.missed", _l("Your check-in with %(report)s planned for %(date)s has not been held. Set a new date."))
register_kind("checkins.prepared", _l("%(actor)s has prepared for your check-in on %(date)s."))
register_kind("checkins.rescheduled", _l("%(actor)s moved your check-in to %(date)s."))
register_kind("checkins.cadence_changed", _l("%(actor)s changed how often you meet in your check-ins."))
register_kind("checkins.held", _l("%(actor)s marked your check-in of %(date)s as held; the notes are shared."))


def cadence_labels() -> dict[Cadence, str]:
    return {
        Cadence.weekly: _l("Every week"),
        Cadence.biweekly: _l("Every two weeks"),
        Cadence.monthly: _l("Every month"),
        Cadence.six_weeks: _l("Every six weeks"),
    }


def _path(endpoint: str, **values) -> str:
    """A link for a notification, built without a request (Celery tasks have none)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def meeting_iri(meeting: OneOnOne) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/checkins/{meeting.id}"


# --- cadence ---------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 January + 1 = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_cadence(day: date, cadence: Cadence) -> date:
    if cadence == Cadence.monthly:
        return add_months(day, 1)
    return day + timedelta(days={Cadence.weekly: 7, Cadence.biweekly: 14, Cadence.six_weeks: 42}[cadence])


def window_start(today: date, cadence: Cadence) -> date:
    """A pair is covered when it met on or after this day: one cadence interval plus the grace back."""
    if cadence == Cadence.monthly:
        start = add_months(today, -1)
    else:
        start = today - (add_cadence(today, cadence) - today)
    return start - timedelta(days=GRACE_DAYS[cadence])


def next_due_on(cadence: Cadence, last_held_on: date | None, today: date) -> date:
    """When the next check-in is due: one interval after the last held one, or soon for a new pair."""
    if last_held_on is None:
        return today + timedelta(days=FIRST_MEETING_AFTER_DAYS)
    return add_cadence(last_held_on, cadence)


def is_missed(meeting: OneOnOne, today: date) -> bool:
    """Scheduled, and its date plus the grace period has passed."""
    return (meeting.status == MeetingStatus.scheduled
            and meeting.scheduled_on + timedelta(days=GRACE_DAYS[meeting.pair.cadence]) < today)


# --- pairs from the org chart ----------------------------------------------------------------


def current_pair_keys(today: date, manager_id: int | None = None, report_id: int | None = None) -> set[tuple[int, int]]:
    """(manager id, report id) of every active person whose current spell names an active manager."""
    manager = aliased(User)
    q = (
        select(EmploymentSpell.manager_id, EmploymentSpell.user_id)
        .join(User, User.id == EmploymentSpell.user_id)
        .join(manager, manager.id == EmploymentSpell.manager_id)
        .where(
            is_latest_spell(), EmploymentSpell.hire_date <= today,
            or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today),
            User.is_active.is_(True), manager.is_active.is_(True),
        )
    )
    if manager_id is not None:
        q = q.where(EmploymentSpell.manager_id == manager_id)
    if report_id is not None:
        q = q.where(EmploymentSpell.user_id == report_id)
    return {(m, r) for m, r in db.session.execute(q).all()}


def last_held_dates(pair_ids: list[int]) -> dict[int, date]:
    if not pair_ids:
        return {}
    return dict(db.session.execute(
        select(OneOnOne.pair_id, func.max(OneOnOne.held_on))
        .where(OneOnOne.pair_id.in_(pair_ids), OneOnOne.status == MeetingStatus.held)
        .group_by(OneOnOne.pair_id)
    ).all())


def open_meeting(pair: OneOnOnePair) -> OneOnOne | None:
    return db.session.execute(
        select(OneOnOne).where(OneOnOne.pair_id == pair.id, OneOnOne.status == MeetingStatus.scheduled)
    ).scalar_one_or_none()


def schedule_next(pair: OneOnOnePair, today: date, last_held_on: date | None = None,
                  on: date | None = None) -> OneOnOne:
    """The pair's open meeting, created at the next due date if there is none (idempotent)."""
    existing = open_meeting(pair)
    if existing is not None:
        return existing
    if on is None:
        if last_held_on is None:
            last_held_on = last_held_dates([pair.id]).get(pair.id)
        on = next_due_on(pair.cadence, last_held_on, today)
    # The partial unique index keeps it to one open meeting per pair even under a race (the loser's
    # transaction fails). No savepoint here: releasing one would send the tasks queued so far
    # before the outer transaction commits.
    meeting = OneOnOne(pair=pair, scheduled_on=on, status=MeetingStatus.scheduled)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def sync_pairs(today: date | None = None, *, manager: User | None = None, report: User | None = None) -> int:
    """Make the pairs match the org chart: a pair (with an open meeting) for every current manager
    and report, and former pairs inactive. Scoped to one manager's or one report's pairs when given.
    Returns how many rows changed; a second run changes nothing."""
    today = today or date.today()
    keys = current_pair_keys(today, manager.id if manager else None, report.id if report else None)
    q = select(OneOnOnePair)
    if manager is not None:
        q = q.where(OneOnOnePair.manager_id == manager.id)
    if report is not None:
        q = q.where(OneOnOnePair.report_id == report.id)
    pairs = {(p.manager_id, p.report_id): p for p in db.session.execute(q).scalars()}
    changed = 0
    for key, pair in pairs.items():
        active = key in keys
        if pair.is_active != active:
            pair.is_active = active
            changed += 1
    for manager_id, report_id in sorted(keys - pairs.keys()):
        pair = OneOnOnePair(manager_id=manager_id, report_id=report_id, cadence=Cadence.monthly, is_active=True)
        db.session.add(pair)
        pairs[(manager_id, report_id)] = pair
        changed += 1
    db.session.flush()
    active = [p for p in pairs.values() if p.is_active]
    with_open = set(db.session.execute(
        select(OneOnOne.pair_id).where(OneOnOne.pair_id.in_([p.id for p in active]),
                                       OneOnOne.status == MeetingStatus.scheduled)
    ).scalars()) if active else set()
    needing = [p for p in active if p.id not in with_open]
    held = last_held_dates([p.id for p in needing])
    for pair in needing:
        schedule_next(pair, today, held.get(pair.id))
        changed += 1
    db.session.flush()
    return changed


# --- the meeting -----------------------------------------------------------------------------


@dataclass
class PrepData:
    went_well: str
    could_be_better: str
    workload: int
    flow: int
    learning: str
    wellbeing: int
    wellbeing_comment: str


def _check_open(meeting: OneOnOne) -> None:
    if meeting.status != MeetingStatus.scheduled:
        raise ValidationError(_l("This check-in has been held; it can no longer be changed."))


def save_prep(meeting: OneOnOne, data: PrepData, by: User) -> OneOnOnePrep:
    """The employee's preparation: saved again as often as they like until the meeting is held.
    The manager hears about it the first time."""
    _check_open(meeting)
    for name in ("workload", "flow", "wellbeing"):
        if not SCALE_MIN <= getattr(data, name) <= SCALE_MAX:
            raise ValidationError(_l("Choose a number from 1 to 5."), name)
    prep = meeting.prep
    first = prep is None or prep.submitted_at is None
    if prep is None:
        prep = OneOnOnePrep(meeting=meeting)
        db.session.add(prep)
    for name, value in vars(data).items():
        setattr(prep, name, value.strip() if isinstance(value, str) else value)
    prep.submitted_at = prep.submitted_at or utcnow()
    db.session.flush()
    if first:
        notify(meeting.pair.manager, "checkins.prepared", actor=by, date=meeting.scheduled_on,
               url=_path("checkins.meeting", meeting_id=meeting.id))
    return prep


def add_agenda_item(meeting: OneOnOne, text: str, by: User) -> OneOnOneAgendaItem:
    _check_open(meeting)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_l("Write the topic."), "topic")
    item = OneOnOneAgendaItem(meeting=meeting, author=by, text=text[:500])
    db.session.add(item)
    db.session.flush()
    return item


def set_discussed(item: OneOnOneAgendaItem, discussed: bool) -> OneOnOneAgendaItem:
    _check_open(item.meeting)
    item.is_discussed = discussed
    db.session.flush()
    return item


def add_agreement(meeting: OneOnOne, text: str, owner: AgreementOwner, follow_up_on: date | None,
                  by: User) -> OneOnOneAgreement:
    """Something agreed in `meeting`; it stays open (and shows in later meetings) until closed."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_l("Write what you agreed."), "text")
    if follow_up_on is not None and follow_up_on < meeting.scheduled_on - timedelta(days=31):
        raise ValidationError(_l("The follow-up date is before the check-in."), "follow_up_on")
    agreement = OneOnOneAgreement(pair=meeting.pair, meeting=meeting, text=text[:500], owner=owner,
                                  follow_up_on=follow_up_on, created_by=by, status=AgreementStatus.open)
    db.session.add(agreement)
    db.session.flush()
    return agreement


def set_agreement_status(agreement: OneOnOneAgreement, status: AgreementStatus) -> OneOnOneAgreement:
    if agreement.status != status:
        agreement.status = status
        agreement.closed_at = None if status == AgreementStatus.open else utcnow()
        db.session.flush()
    return agreement


def reschedule(meeting: OneOnOne, on: date, at: time | None, by: User, today: date | None = None) -> OneOnOne:
    """The manager sets the date (and time): reminders go out again for the new date."""
    _check_open(meeting)
    today = today or date.today()
    if on < today:
        raise ValidationError(_l("Choose today or a later day."), "scheduled_on")
    if on > today + timedelta(days=366):
        raise ValidationError(_l("Choose a day within the next year."), "scheduled_on")
    moved = on != meeting.scheduled_on
    meeting.scheduled_on, meeting.scheduled_time = on, at
    if moved:
        meeting.prep_reminded_at = meeting.eve_reminded_at = None
    db.session.flush()
    if moved:
        notify(meeting.pair.report, "checkins.rescheduled", actor=by, date=on,
               url=_path("checkins.meeting", meeting_id=meeting.id))
    return meeting


def mark_held(meeting: OneOnOne, notes: str, by: User, today: date | None = None,
              held_on: date | None = None) -> OneOnOne:
    """The manager marks the meeting held with shared notes: both participants get an `attended`
    statement, and the next check-in is scheduled one interval on. Returns the next meeting."""
    _check_open(meeting)
    today = today or date.today()
    held_on = held_on or today
    meeting.status = MeetingStatus.held
    meeting.held_on = held_on
    meeting.held_at = utcnow()
    meeting.notes = (notes or "").strip()
    db.session.flush()
    pair = meeting.pair
    for person in (pair.report, pair.manager):
        record(person, Verb.ATTENDED, meeting_iri(meeting), activity_name="1:1 check-in",
               activity_type=ActivityType.MEETING)
    nxt = schedule_next(pair, today, held_on)
    notify(pair.report, "checkins.held", actor=by, date=held_on,
           url=_path("checkins.meeting", meeting_id=meeting.id))
    return nxt


def change_cadence(pair: OneOnOnePair, cadence: Cadence, by: User, today: date | None = None) -> OneOnOnePair:
    """Either participant changes how often they meet; the open meeting moves to the new due date
    (never into the past)."""
    today = today or date.today()
    if pair.cadence == cadence:
        return pair
    pair.cadence = cadence
    meeting = open_meeting(pair)
    last = last_held_dates([pair.id]).get(pair.id)
    if meeting is not None and last is not None:
        due = max(add_cadence(last, cadence), today)
        if due != meeting.scheduled_on:
            meeting.scheduled_on = due
            meeting.prep_reminded_at = meeting.eve_reminded_at = None
    db.session.flush()
    other = pair.report if by.id == pair.manager_id else pair.manager
    notify(other, "checkins.cadence_changed", actor=by, url=_path("checkins.pair_detail", pair_id=pair.id))
    return pair


# --- reading ---------------------------------------------------------------------------------


def carried_agreements(meeting: OneOnOne) -> list[OneOnOneAgreement]:
    """Open agreements from the pair's earlier meetings: they carry into this one."""
    return list(db.session.execute(
        select(OneOnOneAgreement)
        .where(OneOnOneAgreement.pair_id == meeting.pair_id, OneOnOneAgreement.meeting_id < meeting.id,
               OneOnOneAgreement.status == AgreementStatus.open)
        .options(joinedload(OneOnOneAgreement.meeting))
        .order_by(OneOnOneAgreement.follow_up_on.is_(None), OneOnOneAgreement.follow_up_on, OneOnOneAgreement.id)
    ).scalars())


def agreements_made_in(meeting: OneOnOne) -> list[OneOnOneAgreement]:
    return list(db.session.execute(
        select(OneOnOneAgreement).where(OneOnOneAgreement.meeting_id == meeting.id).order_by(OneOnOneAgreement.id)
    ).scalars())


def pair_meetings_query(pair: OneOnOnePair):
    """A pair's meetings, newest first (paginate it)."""
    return (select(OneOnOne).where(OneOnOne.pair_id == pair.id)
            .options(selectinload(OneOnOne.prep))
            .order_by(OneOnOne.scheduled_on.desc(), OneOnOne.id.desc()))


def open_agreements(pair_ids: list[int]) -> list[OneOnOneAgreement]:
    if not pair_ids:
        return []
    return list(db.session.execute(
        select(OneOnOneAgreement)
        .where(OneOnOneAgreement.pair_id.in_(pair_ids), OneOnOneAgreement.status == AgreementStatus.open)
        .order_by(OneOnOneAgreement.follow_up_on.is_(None), OneOnOneAgreement.follow_up_on, OneOnOneAgreement.id)
    ).scalars())


def pairs_as_report(user: User) -> list[OneOnOnePair]:
    """The user's pairs with their manager(s), the active one first."""
    return list(db.session.execute(
        select(OneOnOnePair).where(OneOnOnePair.report_id == user.id)
        .options(joinedload(OneOnOnePair.manager))
        .order_by(OneOnOnePair.is_active.desc(), OneOnOnePair.id.desc())
    ).scalars())


@dataclass
class TeamRow:
    """One report in the manager's overview."""

    pair: OneOnOnePair
    last_held_on: date | None
    next_meeting: OneOnOne | None
    is_overdue: bool
    missed: int
    open_agreements: int


def team_overview(manager: User, today: date | None = None) -> list[TeamRow]:
    """Each active report: last held, next due, missed check-ins and open agreements (four queries)."""
    today = today or date.today()
    pairs = list(db.session.execute(
        select(OneOnOnePair).join(User, User.id == OneOnOnePair.report_id)
        .where(OneOnOnePair.manager_id == manager.id, OneOnOnePair.is_active.is_(True))
        .options(joinedload(OneOnOnePair.report))
        .order_by(User.last_name, User.first_name, User.id)
    ).scalars())
    ids = [p.id for p in pairs]
    if not ids:
        return []
    held = last_held_dates(ids)
    opened = {m.pair_id: m for m in db.session.execute(
        select(OneOnOne).where(OneOnOne.pair_id.in_(ids), OneOnOne.status == MeetingStatus.scheduled)
        .options(selectinload(OneOnOne.prep))
    ).scalars()}
    missed = dict(db.session.execute(
        select(OneOnOne.pair_id, func.count()).where(
            OneOnOne.pair_id.in_(ids), OneOnOne.missed_on >= today - timedelta(days=MISSED_WINDOW_DAYS)
        ).group_by(OneOnOne.pair_id)
    ).all())
    agreements = dict(db.session.execute(
        select(OneOnOneAgreement.pair_id, func.count()).where(
            OneOnOneAgreement.pair_id.in_(ids), OneOnOneAgreement.status == AgreementStatus.open
        ).group_by(OneOnOneAgreement.pair_id)
    ).all())
    rows = []
    for pair in pairs:
        meeting = opened.get(pair.id)
        rows.append(TeamRow(
            pair=pair, last_held_on=held.get(pair.id), next_meeting=meeting,
            is_overdue=meeting is not None and is_missed(meeting, today),
            missed=missed.get(pair.id, 0), open_agreements=agreements.get(pair.id, 0),
        ))
    return rows


@dataclass
class CoverageRow:
    """Counts for one department or one manager's team: no content, ever."""

    label: str
    pairs: int
    covered: int
    overdue: int
    missed: int

    @property
    def share(self) -> float:
        return self.covered / self.pairs if self.pairs else 0.0


def coverage(today: date | None = None) -> tuple[list[CoverageRow], list[CoverageRow], CoverageRow]:
    """HR's figures per department (the report's current department) and per manager: active pairs,
    pairs that met within their cadence window, pairs overdue now, and misses in the last 180 days."""
    today = today or date.today()
    manager = aliased(User)
    rows = db.session.execute(
        select(OneOnOnePair.id, OneOnOnePair.cadence, Department.name, manager.id,
               manager.first_name, manager.last_name)
        .select_from(OneOnOnePair)
        .join(EmploymentSpell, and_(EmploymentSpell.user_id == OneOnOnePair.report_id, is_latest_spell()))
        .join(Department, Department.id == EmploymentSpell.department_id)
        .join(manager, manager.id == OneOnOnePair.manager_id)
        .where(OneOnOnePair.is_active.is_(True))
    ).all()
    ids = [r[0] for r in rows]
    held = last_held_dates(ids)
    open_dates = dict(db.session.execute(
        select(OneOnOne.pair_id, OneOnOne.scheduled_on).where(OneOnOne.status == MeetingStatus.scheduled)
    ).all()) if ids else {}
    missed = dict(db.session.execute(
        select(OneOnOne.pair_id, func.count())
        .where(OneOnOne.missed_on >= today - timedelta(days=MISSED_WINDOW_DAYS)).group_by(OneOnOne.pair_id)
    ).all()) if ids else {}
    by_dept: dict[str, CoverageRow] = {}
    by_manager: dict[int, CoverageRow] = {}
    total = CoverageRow(str(_l("Everyone")), 0, 0, 0, 0)
    for pair_id, cadence, dept_name, manager_id, first, last in rows:
        last_held = held.get(pair_id)
        covered = last_held is not None and last_held >= window_start(today, cadence)
        due = open_dates.get(pair_id)
        overdue = due is not None and due + timedelta(days=GRACE_DAYS[cadence]) < today
        for row in (by_dept.setdefault(dept_name, CoverageRow(dept_name, 0, 0, 0, 0)),
                    by_manager.setdefault(manager_id, CoverageRow(f"{first} {last}", 0, 0, 0, 0)), total):
            row.pairs += 1
            row.covered += covered
            row.overdue += overdue
            row.missed += missed.get(pair_id, 0)
    return (sorted(by_dept.values(), key=lambda r: r.label), sorted(by_manager.values(), key=lambda r: r.label),
            total)


def dashboard_context(user: User, today: date | None = None) -> dict:
    """For the home page: my next check-in and open agreements; a manager's overdue check-ins.
    Reads only (the pairs are kept in step by the daily task and the check-in pages)."""
    today = today or date.today()
    mine = db.session.execute(
        select(OneOnOnePair).where(OneOnOnePair.report_id == user.id, OneOnOnePair.is_active.is_(True))
        .options(joinedload(OneOnOnePair.manager)).order_by(OneOnOnePair.id.desc()).limit(1)
    ).scalar_one_or_none()
    ctx: dict = {"checkin_next": None, "checkin_agreements": [], "checkin_overdue": [], "checkin_pair": mine}
    if mine is not None:
        ctx["checkin_next"] = open_meeting(mine)
        ctx["checkin_agreements"] = open_agreements([mine.id])[:5]
    overdue = db.session.execute(
        select(OneOnOne).join(OneOnOnePair, OneOnOnePair.id == OneOnOne.pair_id)
        .where(OneOnOnePair.manager_id == user.id, OneOnOnePair.is_active.is_(True),
               OneOnOne.status == MeetingStatus.scheduled,
               OneOnOne.scheduled_on < today - timedelta(days=min(GRACE_DAYS.values())))
        .options(joinedload(OneOnOne.pair).joinedload(OneOnOnePair.report))
        .order_by(OneOnOne.scheduled_on)
    ).scalars()
    ctx["checkin_overdue"] = [m for m in overdue if is_missed(m, today)]
    return ctx


# --- reminders (the daily task) ----------------------------------------------------------------


def _claim(meeting_id: int, column, value, *extra) -> bool:
    """Set a reminder column if still unset: one conditional UPDATE, so two runs cannot both send."""
    return bool(db.session.execute(
        update(OneOnOne).where(OneOnOne.id == meeting_id, OneOnOne.status == MeetingStatus.scheduled,
                               column.is_(None), *extra)
        .values({column.key: value}).execution_options(synchronize_session=False)
    ).rowcount)


def send_reminders(today: date | None = None) -> dict[str, int]:
    """Ask employees to prepare a few days before, remind both the day before, and tell the manager
    when a check-in passes its grace period unheld. Each reminder goes out once per date."""
    today = today or date.today()
    sent = {"prep": 0, "tomorrow": 0, "missed": 0}
    meetings = db.session.execute(
        select(OneOnOne).join(OneOnOnePair, OneOnOnePair.id == OneOnOne.pair_id)
        .where(OneOnOne.status == MeetingStatus.scheduled, OneOnOnePair.is_active.is_(True),
               OneOnOne.scheduled_on <= today + timedelta(days=PREP_REMINDER_DAYS),
               or_(OneOnOne.prep_reminded_at.is_(None), OneOnOne.eve_reminded_at.is_(None),
                   OneOnOne.missed_on.is_(None)))
        .options(joinedload(OneOnOne.pair).joinedload(OneOnOnePair.manager),
                 joinedload(OneOnOne.pair).joinedload(OneOnOnePair.report), selectinload(OneOnOne.prep))
        .order_by(OneOnOne.id)
    ).scalars().all()
    now = utcnow()
    for meeting in meetings:
        pair, day = meeting.pair, meeting.scheduled_on
        url = _path("checkins.meeting", meeting_id=meeting.id)
        if (today < day and meeting.prep_reminded_at is None and not meeting.is_prepared
                and _claim(meeting.id, OneOnOne.prep_reminded_at, now)):
            sent["prep"] += notify(pair.report, "checkins.prep_reminder", url=url, manager=pair.manager.full_name,
                                   date=day) is not None
        if day == today + timedelta(days=1) and meeting.eve_reminded_at is None \
                and _claim(meeting.id, OneOnOne.eve_reminded_at, now):
            sent["tomorrow"] += notify(pair.report, "checkins.tomorrow", url=url, other=pair.manager.full_name,
                                       date=day) is not None
            sent["tomorrow"] += notify(pair.manager, "checkins.tomorrow", url=url, other=pair.report.full_name,
                                       date=day) is not None
        if is_missed(meeting, today) and meeting.missed_on is None \
                and _claim(meeting.id, OneOnOne.missed_on, today):
            sent["missed"] += notify(pair.manager, "checkins.missed", url=url, report=pair.report.full_name,
                                     date=day) is not None
        # the claims bypassed the identity map: reload these columns when next read
        db.session.expire(meeting, ["prep_reminded_at", "eve_reminded_at", "missed_on"])
    db.session.flush()
    return sent
