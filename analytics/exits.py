"""Exit interviews and alumni: invite leavers to a confidential questionnaire, take their answers,
HR's notes and coding, regretted-leaver flags, the alumni list and invitations back, reason patterns
by department, manager and tenure (small groups hidden), and the repeated-reason alert.

Invitations: a spell that gets an end date (people pages, HRIS import, CLI, anything that flushes)
asks for `tasks.invite_leavers` after its transaction commits (`_watch_end_dates`); the same task
runs hourly, so a lost message is caught up. `invite_new_leavers` creates one `ExitInterview` per
ended spell (unique `spell_id`) with a throw-away token hash; the e-mail task then claims the row
with a conditional UPDATE, stores the hash of a fresh random token and mails the link, so the token
exists only in the e-mail (never in a Celery message or the database) and a second run sends nothing.
A reminder issues a new link the same way (the first one then stops working: only one hash is kept).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import event, exists, func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from lms.extensions import db
from lms.people import service as people
from lms.people.models import Department, EmploymentSpell, EndType, User, utcnow
from lms.people.service import ValidationError, is_latest_spell

from .models import (
    AlertKind,
    AlumniMember,
    ExitInterview,
    ExitInterviewReason,
    ExitReason,
    RehireEligibility,
    RetentionAlert,
    WouldReturn,
)

#: ended spells are invited when the end date is at most this many days ago (or in the future)
INVITE_WINDOW_DAYS = 60
#: one reminder this many days after the invitation, if not answered
REMIND_AFTER_DAYS = 7
#: the link stops working this many days after the invitation (and once answered)
LINK_VALID_DAYS = 90
#: fewest answered interviews for a group's reason counts
MIN_GROUP = 5
#: the repeated-reason alert: `ALERT_MIN_K` of a department's last `ALERT_LAST_N` voluntary leavers
ALERT_LAST_N = 7
ALERT_MIN_K = 5
#: only leavers of the last year count for the alert
ALERT_LOOKBACK_DAYS = 365
TEXT_MAX = 4000


def reason_labels() -> dict[ExitReason, str]:
    return {
        ExitReason.career: _l("Career development"),
        ExitReason.manager: _l("Manager or leadership"),
        ExitReason.pay: _l("Pay"),
        ExitReason.workload: _l("Workload"),
        ExitReason.culture: _l("Culture"),
        ExitReason.relocation: _l("Relocation"),
        ExitReason.personal: _l("Personal reasons"),
        ExitReason.opportunity: _l("A new opportunity"),
        ExitReason.other: _l("Other"),
    }


def would_return_labels() -> dict[WouldReturn, str]:
    return {WouldReturn.yes: _l("Yes"), WouldReturn.maybe: _l("Maybe"), WouldReturn.no: _l("No")}


def rehire_labels() -> dict[RehireEligibility, str]:
    return {RehireEligibility.unknown: _l("Unknown"), RehireEligibility.eligible: _l("Eligible for rehire"),
            RehireEligibility.not_eligible: _l("Not eligible for rehire")}


# --- tokens --------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """(token, its sha256 hex)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def interview_for_token(token: str) -> ExitInterview | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(ExitInterview).where(ExitInterview.token_hash == hash_token(token))).scalar_one_or_none()


def link_expires_at(interview: ExitInterview) -> datetime:
    return (interview.sent_at or interview.created_at) + timedelta(days=LINK_VALID_DAYS)


def is_link_expired(interview: ExitInterview, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= link_expires_at(interview)


# --- invitations ---------------------------------------------------------------------------------


def invite_new_leavers(today: date | None = None) -> int:
    """Create an exit interview for every ended spell (end date in the last 60 days or later) that has
    none, and ask for the invitation e-mails after commit; returns how many were created.

    Idempotent: the unique spell_id makes a concurrent second run skip the spell. Interviews whose
    e-mail never went out (a lost message) are asked for again; the e-mail task sends each once.
    """
    from lms.queue import enqueue

    from .tasks import send_exit_invitation

    today = today or date.today()
    spells = db.session.execute(
        select(EmploymentSpell.id, EmploymentSpell.user_id)
        .where(EmploymentSpell.end_date.is_not(None),
               EmploymentSpell.end_date >= today - timedelta(days=INVITE_WINDOW_DAYS),
               is_latest_spell(),  # already re-hired: no exit questionnaire
               ~exists().where(ExitInterview.spell_id == EmploymentSpell.id))
        .order_by(EmploymentSpell.id)
    ).all()
    created = 0
    for spell_id, user_id in spells:
        try:
            with db.session.begin_nested():
                interview = ExitInterview(spell_id=spell_id, user_id=user_id, token_hash=new_token()[1])
                db.session.add(interview)
                db.session.flush()
        except IntegrityError:
            continue  # another run invited this spell meanwhile
        created += 1
    cutoff = utcnow() - timedelta(days=LINK_VALID_DAYS)
    unsent = db.session.execute(
        select(ExitInterview.id).where(ExitInterview.sent_at.is_(None), ExitInterview.submitted_at.is_(None),
                                       ExitInterview.created_at >= cutoff).order_by(ExitInterview.id)
    ).scalars().all()
    for interview_id in unsent:
        enqueue(send_exit_invitation, interview_id)
    return created


def _language(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.preferred_language if user.preferred_language in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _mail_questionnaire(interview: ExitInterview, token: str, *, reminder: bool) -> None:
    from flask import render_template
    from flask_babel import force_locale

    from lms.mail import external_url, send_mail

    user = interview.user
    with force_locale(_language(user)):
        body = render_template("analytics/exits/email_invitation.txt", user=user, reminder=reminder,
                               link=external_url("analytics.exit_questionnaire", token=token),
                               days=LINK_VALID_DAYS)
        subject = (_("Reminder: your confidential exit questionnaire") if reminder
                   else _("Your confidential exit questionnaire"))
        send_mail(user.email, subject, body)


def send_invitation(interview_id: int, now: datetime | None = None) -> bool:
    """Mail the questionnaire link once: claim the unsent row and store the new token's hash."""
    now = now or utcnow()
    interview = db.session.get(ExitInterview, interview_id)
    if interview is None or interview.sent_at is not None or interview.submitted_at is not None:
        return False
    token, digest = new_token()
    claimed = db.session.execute(
        update(ExitInterview).where(ExitInterview.id == interview_id, ExitInterview.sent_at.is_(None))
        .values(sent_at=now, token_hash=digest).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return False
    db.session.refresh(interview)
    _mail_questionnaire(interview, token, reminder=False)
    return True


def send_reminders(now: datetime | None = None) -> int:
    """One reminder 7 days after the invitation to those who have not answered, with a new link."""
    now = now or utcnow()
    ids = db.session.execute(
        select(ExitInterview.id).where(
            ExitInterview.sent_at.is_not(None), ExitInterview.sent_at <= now - timedelta(days=REMIND_AFTER_DAYS),
            ExitInterview.sent_at > now - timedelta(days=LINK_VALID_DAYS - 1),
            ExitInterview.reminded_at.is_(None), ExitInterview.submitted_at.is_(None))
        .order_by(ExitInterview.id)
    ).scalars().all()
    sent = 0
    for interview_id in ids:
        token, digest = new_token()
        claimed = db.session.execute(
            update(ExitInterview).where(ExitInterview.id == interview_id, ExitInterview.reminded_at.is_(None),
                                        ExitInterview.submitted_at.is_(None))
            .values(reminded_at=now, token_hash=digest).execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            interview = db.session.get(ExitInterview, interview_id)
            db.session.refresh(interview)
            _mail_questionnaire(interview, token, reminder=True)
            sent += 1
    return sent


@event.listens_for(Session, "after_flush")
def _watch_end_dates(session: Session, flush_context) -> None:
    """A spell that got a (recent or future) end date asks for the invitation run after commit."""
    if session.info.get("exits_invite_asked"):
        return
    horizon = date.today() - timedelta(days=INVITE_WINDOW_DAYS)
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, EmploymentSpell) or obj.end_date is None or obj.end_date < horizon:
            continue
        hist = inspect(obj).attrs.end_date.history
        if obj in session.new or hist.has_changes():
            from lms.queue import enqueue

            from .tasks import invite_leavers

            session.info["exits_invite_asked"] = True
            enqueue(invite_leavers)
            return


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_invite_asked(session: Session, *args) -> None:
    session.info.pop("exits_invite_asked", None)


# --- the questionnaire ---------------------------------------------------------------------------


class AlreadySubmitted(Exception):
    """The questionnaire was answered already; answers are never overwritten."""


@dataclass
class Answers:
    stay_suggestion: str = ""
    challenges: str = ""
    valued: str = ""
    reasons: list[ExitReason] = field(default_factory=list)
    recommend_score: int | None = None
    would_return: WouldReturn | None = None
    alumni_opt_in: bool = False
    alumni_email: str = ""


def _check_answers(answers: Answers) -> None:
    texts = (answers.stay_suggestion, answers.challenges, answers.valued)
    if not answers.reasons and not any(t.strip() for t in texts):
        raise ValidationError(_l("Choose at least one reason or write an answer to one of the questions."), "reasons")
    if answers.recommend_score is not None and not 0 <= answers.recommend_score <= 10:
        raise ValidationError(_l("Choose a number from 0 to 10."), "recommend_score")
    if answers.alumni_opt_in and not answers.alumni_email.strip():
        raise ValidationError(_l("Give an e-mail address so we can reach you as an alumnus."), "alumni_email")


def submit_answers(interview: ExitInterview, answers: Answers, now: datetime | None = None) -> ExitInterview:
    """Store the leaver's answers once (a conditional UPDATE wins only once) and the alumni opt-in."""
    now = now or utcnow()
    _check_answers(answers)
    if interview.submitted_at is not None or is_link_expired(interview, now):
        raise AlreadySubmitted()
    claimed = db.session.execute(
        update(ExitInterview).where(ExitInterview.id == interview.id, ExitInterview.submitted_at.is_(None))
        .values(submitted_at=now, stay_suggestion=answers.stay_suggestion.strip()[:TEXT_MAX],
                challenges=answers.challenges.strip()[:TEXT_MAX], valued=answers.valued.strip()[:TEXT_MAX],
                recommend_score=answers.recommend_score, would_return=answers.would_return)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise AlreadySubmitted()
    db.session.refresh(interview)
    for reason in sorted(set(answers.reasons), key=lambda r: r.value):
        db.session.add(ExitInterviewReason(interview_id=interview.id, reason=reason))
    if answers.alumni_opt_in:
        join_alumni(interview.user, answers.alumni_email, now)
    db.session.flush()
    db.session.refresh(interview, ["reasons"])
    return interview


def join_alumni(user: User, contact_email: str, now: datetime | None = None) -> AlumniMember:
    """Add (or re-add, after an opt-out) a leaver to the alumni list."""
    now = now or utcnow()
    member = db.session.execute(select(AlumniMember).where(AlumniMember.user_id == user.id)).scalar_one_or_none()
    if member is None:
        member = AlumniMember(user_id=user.id, contact_email=contact_email.strip()[:255], opted_in_at=now)
        db.session.add(member)
    else:
        member.contact_email = contact_email.strip()[:255]
        member.opted_in_at = now
        member.opted_out_at = None
    db.session.flush()
    return member


# --- HR ------------------------------------------------------------------------------------------


def interviews_query(department_ids: set[int] | None = None, status: str = ""):
    """Exit interviews with their spell and person, newest leavers first, for HR's list."""
    q = (
        select(ExitInterview, EmploymentSpell, User)
        .join(EmploymentSpell, EmploymentSpell.id == ExitInterview.spell_id)
        .join(User, User.id == ExitInterview.user_id)
        .options(selectinload(EmploymentSpell.department))
        .order_by(EmploymentSpell.end_date.desc(), ExitInterview.id.desc())
    )
    if department_ids:
        q = q.where(EmploymentSpell.department_id.in_(department_ids))
    if status == "answered":
        q = q.where(ExitInterview.submitted_at.is_not(None))
    elif status == "pending":
        q = q.where(ExitInterview.submitted_at.is_(None))
    return q


def save_hr_notes(interview: ExitInterview, notes: str, reasons: list[ExitReason], by: User,
                  now: datetime | None = None) -> ExitInterview:
    """HR's notes from an exit conversation and HR's coding of the reasons (replacing the coded set)."""
    interview.hr_notes = notes.strip()[:20_000]
    wanted = set(reasons)
    for row in list(interview.reasons):
        if row.reason not in wanted:
            interview.reasons.remove(row)
    have = {row.reason for row in interview.reasons}
    for reason in sorted(wanted - have, key=lambda r: r.value):
        interview.reasons.append(ExitInterviewReason(reason=reason))
    interview.notes_by_id = by.id
    interview.notes_at = now or utcnow()
    db.session.flush()
    return interview


def set_regretted(spell: EmploymentSpell, regretted: bool) -> EmploymentSpell:
    """Flag or unflag a voluntary leaver as regretted through the people service (audited with the actor)."""
    if spell.end_date is None or spell.end_type is not EndType.voluntary:
        raise ValidationError(_l("Only a voluntary leaver can be flagged as regretted."), "is_regretted")
    data = people.SpellData(hire_date=spell.hire_date, end_date=spell.end_date, end_type=spell.end_type,
                            is_regretted=regretted, department_id=spell.department_id, manager_id=spell.manager_id,
                            job_title=spell.job_title)
    return people.update_spell(spell, data)


def former_reports(manager: User, today: date | None = None, days: int = 365) -> list[EmploymentSpell]:
    """Spells of the manager's reports that ended (or will end) within the last `days`: no answers."""
    today = today or date.today()
    return list(db.session.execute(
        select(EmploymentSpell).where(EmploymentSpell.manager_id == manager.id, EmploymentSpell.end_date.is_not(None),
                                      EmploymentSpell.end_date >= today - timedelta(days=days))
        .options(selectinload(EmploymentSpell.user), selectinload(EmploymentSpell.department))
        .order_by(EmploymentSpell.end_date.desc(), EmploymentSpell.id.desc())
    ).scalars())


# --- alumni --------------------------------------------------------------------------------------


def alumni_query(eligible_only: bool = False):
    q = (select(AlumniMember).join(User, User.id == AlumniMember.user_id)
         .where(AlumniMember.opted_out_at.is_(None))
         .options(selectinload(AlumniMember.user).selectinload(User.spells))
         .order_by(User.last_name, User.first_name, AlumniMember.id))
    if eligible_only:
        q = q.where(AlumniMember.rehire == RehireEligibility.eligible)
    return q


def boomerang_spell(member: AlumniMember) -> EmploymentSpell | None:
    """The re-hire of an alumnus: a spell that starts after an earlier spell of theirs ended."""
    spells = sorted(member.user.spells, key=lambda s: s.hire_date)
    for earlier, later in zip(spells, spells[1:]):
        if earlier.end_date is not None and later.hire_date > earlier.end_date \
                and later.hire_date >= member.opted_in_at.date() - timedelta(days=1):
            return later
    return None


def set_rehire(member: AlumniMember, rehire: RehireEligibility, note: str, by: User) -> AlumniMember:
    member.rehire = rehire
    member.rehire_note = note.strip()[:500]
    member.rehire_set_by_id = by.id
    db.session.flush()
    return member


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def invite_alumni_back(member_ids: list[int], message: str = "", today: date | None = None) -> list[int]:
    """Ask for the invite-back e-mail to the chosen eligible alumni not invited today; returns their ids.

    The e-mail task claims each (member, day) with a conditional UPDATE of last_invited_at, so a
    second click or run the same day sends nothing."""
    from lms.queue import enqueue

    from .tasks import send_alumni_invitation

    today = today or utcnow().date()
    ids = list(db.session.execute(
        select(AlumniMember.id).where(
            AlumniMember.id.in_(member_ids), AlumniMember.opted_out_at.is_(None),
            AlumniMember.rehire == RehireEligibility.eligible,
            (AlumniMember.last_invited_at.is_(None)) | (AlumniMember.last_invited_at < _start_of_day(today)))
        .order_by(AlumniMember.id)
    ).scalars())
    for member_id in ids:
        enqueue(send_alumni_invitation, member_id, today.isoformat(), message[:2000])
    return ids


def _opt_out_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="alumni-opt-out")


def opt_out_token(member: AlumniMember) -> str:
    return _opt_out_serializer().dumps(member.id)


def member_for_opt_out_token(token: str) -> AlumniMember | None:
    try:
        member_id = _opt_out_serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(AlumniMember, member_id) if isinstance(member_id, int) else None


def send_alumni_invitation(member_id: int, day: str, message: str = "", now: datetime | None = None) -> bool:
    """E-mail one eligible alumnus an invitation back, at most once a day, with an opt-out link."""
    from flask import render_template
    from flask_babel import force_locale

    from lms.mail import external_url, send_mail

    now = now or utcnow()
    start = _start_of_day(date.fromisoformat(day))
    claimed = db.session.execute(
        update(AlumniMember).where(
            AlumniMember.id == member_id, AlumniMember.opted_out_at.is_(None),
            AlumniMember.rehire == RehireEligibility.eligible,
            (AlumniMember.last_invited_at.is_(None)) | (AlumniMember.last_invited_at < start))
        .values(last_invited_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return False
    member = db.session.get(AlumniMember, member_id)
    db.session.refresh(member)
    with force_locale(_language(member.user)):
        body = render_template("analytics/exits/email_alumni.txt", user=member.user, message=message,
                               opt_out=external_url("analytics.alumni_opt_out", token=opt_out_token(member)))
        send_mail(member.contact_email, _("We would like to have you back"), body)
    return True


def opt_out(member: AlumniMember, now: datetime | None = None) -> None:
    if member.opted_out_at is None:
        member.opted_out_at = now or utcnow()
        db.session.flush()


# --- reason patterns -----------------------------------------------------------------------------


GROUP_BYS = ("department", "manager", "tenure")
TENURE_BANDS = ("<3m", "3-12m", "1-2y", "2-5y", "5y+")
OTHER = "__other__"


def tenure_band_labels() -> dict[str, str]:
    return {"<3m": _l("Under 3 months"), "3-12m": _l("3–12 months"), "1-2y": _l("1–2 years"),
            "2-5y": _l("2–5 years"), "5y+": _l("5 years or more")}


def tenure_band(hire: date, end: date) -> str:
    days = (end - hire).days
    if days < 91:
        return "<3m"
    if days < 365:
        return "3-12m"
    if days < 730:
        return "1-2y"
    if days < 1826:
        return "2-5y"
    return "5y+"


@dataclass
class ReasonPatterns:
    """Coded reasons counted per group; only groups of at least `MIN_GROUP` answered interviews.

    `table`: rows = reasons (ExitReason values), columns = group labels, values = how many cited it.
    `answered`: answered interviews per shown group. `hidden`: how many groups are not shown (their
    interviews are in "Other groups" when that is shown, else not in any figure). `total`: answered
    interviews in all shown columns."""

    group_by: str
    table: pd.DataFrame
    answered: dict[str, int]
    hidden: int
    total: int
    has_other: bool


def _population(since: date, until: date) -> pd.DataFrame:
    """One row per (answered interview of a voluntary leaver, coded reason); aggregated by the caller."""
    manager = aliased(User)
    rows = db.session.execute(
        select(ExitInterview.id, EmploymentSpell.department_id, Department.name, EmploymentSpell.manager_id,
               manager.first_name, manager.last_name, EmploymentSpell.hire_date, EmploymentSpell.end_date,
               ExitInterviewReason.reason)
        .join(EmploymentSpell, EmploymentSpell.id == ExitInterview.spell_id)
        .join(Department, Department.id == EmploymentSpell.department_id)
        .outerjoin(manager, manager.id == EmploymentSpell.manager_id)
        .outerjoin(ExitInterviewReason, ExitInterviewReason.interview_id == ExitInterview.id)
        .where(ExitInterview.submitted_at.is_not(None), EmploymentSpell.end_type == EndType.voluntary,
               EmploymentSpell.end_date >= since, EmploymentSpell.end_date <= until)
    ).all()
    frame = pd.DataFrame(rows, columns=["interview", "dept_id", "dept", "manager_id", "mfirst", "mlast", "hire", "end",
                                        "reason"])
    if frame.empty:
        return frame.assign(department=[], manager=[], tenure=[])
    frame["department"] = frame["dept"]
    frame["manager"] = [f"{f} {l}" if m == m and m is not None else str(_("No manager"))
                        for m, f, l in zip(frame["manager_id"], frame["mfirst"], frame["mlast"])]
    # Two managers may share a name: keep them apart with a number only where needed.
    names = frame.drop_duplicates("manager_id").groupby("manager")["manager_id"].nunique()
    clash = set(names[names > 1].index)
    frame["manager"] = [f"{n} ({int(m)})" if n in clash and m == m else n for n, m in zip(frame["manager"], frame["manager_id"])]
    frame["tenure"] = [tenure_band(h, e) for h, e in zip(frame["hire"], frame["end"])]
    frame["reason"] = [r.value if r is not None else None for r in frame["reason"]]
    return frame


def _suppress(members: dict[str, dict[str, frozenset]]) -> dict[str, set[str]]:
    """Per dimension, the groups to hide, so that no released set of interviews can be subtracted from
    another released set to reveal fewer than MIN_GROUP interviews.

    Released sets: every shown group, the dimension's "Other groups" (its hidden groups together), and
    the whole population (the sum of a dimension's columns). Rules, repeated until nothing changes:
    a group under MIN_GROUP is hidden; a dimension whose hidden remainder is 1-4 interviews hides its
    smallest shown group too (so "Other groups" reaches MIN_GROUP, or everything is hidden); a shown
    group that another released set contains with 1-4 more interviews is hidden (e.g. a manager whose
    leavers are all but two of a department's)."""
    population = frozenset().union(*(s for groups in members.values() for s in groups.values()))
    hidden = {dim: {g for g, s in groups.items() if len(s) < MIN_GROUP} for dim, groups in members.items()}
    while True:
        changed = False
        released: list[frozenset] = [population] if len(population) >= MIN_GROUP else []
        for dim, groups in members.items():
            rest = frozenset().union(*(groups[g] for g in hidden[dim])) if hidden[dim] else frozenset()
            shown = [g for g in groups if g not in hidden[dim]]
            if 0 < len(rest) < MIN_GROUP and shown:
                smallest = min(shown, key=lambda g: (len(groups[g]), g))
                hidden[dim].add(smallest)
                changed = True
                break
            released.extend(groups[g] for g in shown)
            if len(rest) >= MIN_GROUP:
                released.append(rest)
        if changed:
            continue
        for dim, groups in members.items():
            for g in sorted(groups):
                if g in hidden[dim]:
                    continue
                a = groups[g]
                if any(a < b and len(b) - len(a) < MIN_GROUP for b in released):
                    hidden[dim].add(g)
                    changed = True
                    break
            if changed:
                break
        if not changed:
            return hidden


def reason_patterns(group_by: str, since: date, until: date) -> ReasonPatterns:
    """Coded reasons of answered interviews of voluntary leavers whose spell ended in [since, until],
    counted per department, manager or tenure band, with disclosure control (see `_suppress`)."""
    if group_by not in GROUP_BYS:
        raise ValueError(f"group_by must be one of {GROUP_BYS}")
    frame = _population(since, until)
    reasons = [r.value for r in ExitReason]
    if frame.empty:
        return ReasonPatterns(group_by, pd.DataFrame(index=reasons), {}, 0, 0, False)
    members = {dim: {str(g): frozenset(sub["interview"]) for g, sub in frame.groupby(dim)} for dim in GROUP_BYS}
    hidden = _suppress(members)[group_by]
    groups = members[group_by]
    shown = sorted((g for g in groups if g not in hidden), key=lambda g: (g == OTHER, g.lower()))
    frame = frame.assign(group=[g if g not in hidden else OTHER for g in frame[group_by].astype(str)])
    rest = frozenset().union(*(groups[g] for g in hidden)) if hidden else frozenset()
    has_other = len(rest) >= MIN_GROUP
    columns = shown + ([OTHER] if has_other else [])
    counted = frame[frame["group"].isin(columns) & frame["reason"].notna()]
    table = (pd.crosstab(counted["reason"], counted["group"]) if not counted.empty else pd.DataFrame())
    table = table.reindex(index=reasons, columns=columns, fill_value=0).fillna(0).astype(int)
    answered = {g: len(groups[g]) for g in shown}
    if has_other:
        answered[OTHER] = len(rest)
    return ReasonPatterns(group_by, table, answered, len(hidden), sum(answered.values()), has_other)


# --- repeated-reason alert -----------------------------------------------------------------------


def repeated_reason_alerts(today: date | None = None, last_n: int = ALERT_LAST_N,
                           min_k: int = ALERT_MIN_K) -> list[RetentionAlert]:
    """Alert HR when at least `min_k` of a department's last `last_n` voluntary leavers (answered
    interviews, the last year) cite the same reason; returns the alerts created now.

    One alert per department, reason and month (the unique key); and none again while the window
    of leavers is the one already alerted on. Details hold counts and dates only, never people."""
    today = today or date.today()
    ranked = (
        select(ExitInterview.id.label("interview_id"), EmploymentSpell.department_id.label("department_id"),
               EmploymentSpell.end_date.label("end_date"),
               func.row_number().over(partition_by=EmploymentSpell.department_id,
                                      order_by=(EmploymentSpell.end_date.desc(), EmploymentSpell.id.desc()))
               .label("rank"))
        .join(EmploymentSpell, EmploymentSpell.id == ExitInterview.spell_id)
        .where(ExitInterview.submitted_at.is_not(None), EmploymentSpell.end_type == EndType.voluntary,
               EmploymentSpell.end_date <= today, EmploymentSpell.end_date > today - timedelta(days=ALERT_LOOKBACK_DAYS))
        .subquery()
    )
    windows = db.session.execute(
        select(ranked.c.department_id, func.count(), func.max(ranked.c.end_date))
        .where(ranked.c.rank <= last_n).group_by(ranked.c.department_id)
    ).all()
    counts = db.session.execute(
        select(ranked.c.department_id, ExitInterviewReason.reason, func.count())
        .join(ExitInterviewReason, ExitInterviewReason.interview_id == ranked.c.interview_id)
        .where(ranked.c.rank <= last_n).group_by(ranked.c.department_id, ExitInterviewReason.reason)
    ).all()
    window = {dept: (n, latest) for dept, n, latest in windows}
    month = today.strftime("%Y-%m")
    created = []
    for dept_id, reason, k in sorted(counts, key=lambda r: (r[0], r[1].value)):
        n, latest = window[dept_id]
        if k < min_k:
            continue
        up_to = latest.isoformat()
        same = db.session.execute(
            select(RetentionAlert.id, RetentionAlert.details).where(
                RetentionAlert.kind == AlertKind.exit_reason, RetentionAlert.scope == "department",
                RetentionAlert.scope_id == dept_id, RetentionAlert.period.startswith(f"{reason.value}:"))
        ).all()
        if any(details.get("up_to") == up_to for _id, details in same):
            continue  # the same leavers alerted on before
        period = f"{reason.value}:{month}"
        try:
            with db.session.begin_nested():
                alert = RetentionAlert(kind=AlertKind.exit_reason, scope="department", scope_id=dept_id, period=period,
                                       details={"reason": reason.value, "k": int(k), "n": int(n), "up_to": up_to})
                db.session.add(alert)
                db.session.flush()
        except IntegrityError:
            continue  # this month's alert for the reason exists already
        created.append(alert)
    return created


def render_alert(alert: RetentionAlert) -> str:
    """"5 of the last 7 leavers in Marketing cite career development", in the reader's language."""
    details = alert.details or {}
    dept = db.session.get(Department, alert.scope_id)
    try:
        reason = str(reason_labels()[ExitReason(details.get("reason"))]).lower()
    except ValueError:
        reason = str(details.get("reason", ""))
    return _("%(k)d of the last %(n)d leavers in %(department)s cite %(reason)s",
             k=int(details.get("k", 0)), n=int(details.get("n", 0)),
             department=dept.name if dept else "?", reason=reason)
