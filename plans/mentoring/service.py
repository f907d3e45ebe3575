"""Mentoring logic: mentor profiles and requests, matching runs (the engine over the whole
organisation), HR's review, the mentor's answer, mentorships with sessions and feedback, and onboarding
buddy proposals through the same engine.

Functions add and flush; the caller (a view, a task, the demo) commits.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from tincan import Activity, Context, ContextActivities, Result

from lms.extensions import db
from lms.notifications.service import notify, register_kind
from lms.onboarding import service as onboarding
from lms.onboarding.models import ONBOARDING_DAYS, OnboardingPlan
from lms.people.models import EmploymentSpell, Role, User, UserRole, utcnow
from lms.people.service import ValidationError
from plans.competencies import service as competencies
from plans.competencies.models import Competency, JobRole
from xapi.emitter import record
from xapi.vocabulary import ActivityType, Verb

from . import engine
from .models import (
    BAD_RATING,
    MAX_CAPACITY,
    MENTORING_LANGUAGES,
    MIN_CAPACITY,
    PENDING,
    MatchingRun,
    MatchStatus,
    MentoringSession,
    MentorMatch,
    MentorProfile,
    MentorRequest,
    MentorshipStatus,
    Mentorship,
    MentorSkill,
    RequestSkill,
    RequestStatus,
    RunStatus,
    WorkMode,
)

#: seniority of a person whose job title has no JobRole (JobRole's own default)
DEFAULT_SENIORITY = 2
#: runs with more open requests than this go to Celery; smaller ones run while HR waits
SYNC_LIMIT = 300
#: a buddy looks after at most this many new hires in onboarding at once
BUDDY_CAPACITY = 2

register_kind("mentoring.proposal", _l("%(mentee)s is looking for a mentor: would you mentor them?"))
register_kind("mentoring.accepted", _l("%(mentor)s will be your mentor."))
register_kind("mentoring.ended", _l("%(actor)s ended your mentorship: add your feedback."))
register_kind("mentoring.declined", _l("Your mentor request is back in the pool: the proposed mentor could not take it on. "
                                      "The next matching run will look again."))
register_kind("mentoring.run_done", _l("Mentor matching finished: %(n)s proposals to review."))


def language_names() -> dict[str, str]:
    return {"en": _("English"), "da": _("Danish"), "sv": _("Swedish"), "no": _("Norwegian"),
            "de": _("German"), "fi": _("Finnish")}


def _path(endpoint: str, **values) -> str:
    return current_app.url_map.bind("localhost").build(endpoint, values)


def session_iri(session: MentoringSession) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/mentoring/sessions/{session.id}"


def mentorship_iri(mentorship: Mentorship) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/mentoring/mentorships/{mentorship.id}"


# --- profiles and requests -------------------------------------------------------------------


@dataclass
class ProfileData:
    capacity: int
    languages: list[str]
    mode: WorkMode
    location: str = ""
    bio: str = ""
    is_published: bool = True
    #: {competency_id: level 1–5}
    skills: dict[int, int] = field(default_factory=dict)


def profile_of(user: User) -> MentorProfile | None:
    return db.session.execute(
        select(MentorProfile).where(MentorProfile.user_id == user.id)
        .options(selectinload(MentorProfile.skills).joinedload(MentorSkill.competency))
    ).scalar_one_or_none()


def _check_competencies(ids) -> None:
    ids = set(ids)
    if not ids:
        return
    found = set(db.session.execute(
        select(Competency.id).where(Competency.id.in_(ids), Competency.is_active.is_(True))
    ).scalars())
    if found != ids:
        raise ValidationError(_l("Choose competencies from the framework."), "skills")


def save_profile(user: User, data: ProfileData) -> MentorProfile:
    """Create or update the mentor profile; publishing makes the person a mentor in matching."""
    if not MIN_CAPACITY <= data.capacity <= MAX_CAPACITY:
        raise ValidationError(_l("Choose from 1 to 5 mentees."), "capacity")
    languages = [x for x in dict.fromkeys(data.languages) if x in MENTORING_LANGUAGES]
    if not languages:
        raise ValidationError(_l("Choose at least one language."), "languages")
    if data.is_published and not data.skills:
        raise ValidationError(_l("Offer at least one skill before publishing."), "skills")
    if any(not 1 <= lv <= 5 for lv in data.skills.values()):
        raise ValidationError(_l("Levels run from 1 to 5."), "skills")
    _check_competencies(data.skills)
    profile = profile_of(user)
    if profile is None:
        profile = MentorProfile(user=user)
        db.session.add(profile)
    profile.capacity = data.capacity
    profile.languages = languages
    profile.mode = data.mode
    profile.location = (data.location or "").strip()
    profile.bio = (data.bio or "").strip()
    profile.is_published = data.is_published
    have = {s.competency_id: s for s in profile.skills}
    profile.skills = [
        (have[cid] if cid in have else MentorSkill(competency_id=cid)) for cid in sorted(data.skills)
    ]
    for skill in profile.skills:
        skill.level = data.skills[skill.competency_id]
    if data.is_published:
        user.is_mentor = True
    db.session.flush()
    return profile


def set_published(profile: MentorProfile, published: bool) -> MentorProfile:
    """Publish or pause: a paused profile takes no new mentees; its mentorships go on."""
    if published and not profile.skills:
        raise ValidationError(_l("Offer at least one skill before publishing."), "skills")
    profile.is_published = published
    if published:
        profile.user.is_mentor = True
    db.session.flush()
    return profile


@dataclass
class RequestData:
    goal: str
    skills: list[int]
    language: str | None = None
    is_language_required: bool = False
    mode: WorkMode = WorkMode.either
    location: str = ""
    prefers_other_department: bool = True
    goal_id: int | None = None


def open_request_of(user: User) -> MentorRequest | None:
    return db.session.execute(
        select(MentorRequest).where(MentorRequest.mentee_id == user.id, MentorRequest.status == RequestStatus.open)
        .options(selectinload(MentorRequest.skills).joinedload(RequestSkill.competency))
        .order_by(MentorRequest.id.desc()).limit(1)
    ).scalar_one_or_none()


def own_goal(user: User, goal_id: int | None):
    """The development-plan goal `goal_id` if it belongs to `user`'s own plan, else None."""
    if goal_id is None:
        return None
    from plans.devplans.models import DevelopmentPlan, Goal

    return db.session.execute(
        select(Goal).join(DevelopmentPlan, DevelopmentPlan.id == Goal.plan_id)
        .where(Goal.id == goal_id, DevelopmentPlan.user_id == user.id)
    ).scalar_one_or_none()


def create_request(mentee: User, data: RequestData) -> MentorRequest:
    """Ask for a mentor: one open request at a time."""
    goal = (data.goal or "").strip()
    if not goal:
        raise ValidationError(_l("Say what you want to achieve."), "goal")
    if not data.skills:
        raise ValidationError(_l("Choose at least one skill you want to grow."), "skills")
    _check_competencies(data.skills)
    if data.language is not None and data.language not in MENTORING_LANGUAGES:
        raise ValidationError(_l("Choose a language from the list."), "language")
    if data.is_language_required and not data.language:
        raise ValidationError(_l("Choose the language the mentor must speak."), "language")
    if open_request_of(mentee) is not None:
        raise ValidationError(_l("You already have an open request. Withdraw it to ask again."))
    request = MentorRequest(
        mentee=mentee, goal=goal, goal_id=data.goal_id, language=data.language,
        is_language_required=data.is_language_required and bool(data.language), mode=data.mode,
        location=(data.location or "").strip(), prefers_other_department=data.prefers_other_department,
        skills=[RequestSkill(competency_id=cid) for cid in sorted(set(data.skills))],
    )
    db.session.add(request)
    db.session.flush()
    return request


def withdraw_request(request: MentorRequest) -> MentorRequest:
    """The mentee no longer wants a mentor; pending proposals for it lapse."""
    if request.status != RequestStatus.open:
        raise ValidationError(_l("Only an open request can be withdrawn."))
    request.status = RequestStatus.withdrawn
    for match in request.matches:
        if match.status in PENDING:
            match.status = MatchStatus.rejected
            match.decided_at = utcnow()
    db.session.flush()
    return request


# --- building the problem --------------------------------------------------------------------


def _seniority_by_title() -> dict[str, int]:
    return dict(db.session.execute(select(JobRole.title, JobRole.seniority)).all())


def _load_counts(mentor_ids) -> Counter:
    """Taken places per mentor: active mentorships and pending proposals."""
    ids = list(mentor_ids)
    taken: Counter = Counter()
    if not ids:
        return taken
    for mid, n in db.session.execute(
        select(Mentorship.mentor_id, func.count()).where(Mentorship.mentor_id.in_(ids),
                                                         Mentorship.status == MentorshipStatus.active)
        .group_by(Mentorship.mentor_id)
    ):
        taken[mid] += n
    for mid, n in db.session.execute(
        select(MentorMatch.mentor_id, func.count()).where(MentorMatch.mentor_id.in_(ids),
                                                          MentorMatch.status.in_(PENDING))
        .group_by(MentorMatch.mentor_id)
    ):
        taken[mid] += n
    return taken


def bad_pairs() -> list[tuple[int, int]]:
    """(mentor, mentee) of every mentorship that ended with a rating ≤ BAD_RATING from either side."""
    return list(db.session.execute(
        select(Mentorship.mentor_id, Mentorship.mentee_id).where(
            Mentorship.status == MentorshipStatus.ended,
            (Mentorship.mentor_rating <= BAD_RATING) | (Mentorship.mentee_rating <= BAD_RATING),
        )
    ).tuples())


def pool_requests() -> list[MentorRequest]:
    """Open requests of active people without a pending proposal: the next run's mentees."""
    pending = select(MentorMatch.request_id).where(MentorMatch.status.in_(PENDING))
    return list(db.session.execute(
        select(MentorRequest).join(User, User.id == MentorRequest.mentee_id)
        .where(MentorRequest.status == RequestStatus.open, User.is_active.is_(True),
               MentorRequest.id.not_in(pending))
        .options(selectinload(MentorRequest.skills), selectinload(MentorRequest.matches),
                 joinedload(MentorRequest.mentee).selectinload(User.spells))
        .order_by(MentorRequest.id)
    ).unique().scalars())


def published_profiles() -> list[MentorProfile]:
    return list(db.session.execute(
        select(MentorProfile).join(User, User.id == MentorProfile.user_id)
        .where(MentorProfile.is_published.is_(True), User.is_active.is_(True))
        .options(selectinload(MentorProfile.skills), joinedload(MentorProfile.user).selectinload(User.spells))
        .order_by(MentorProfile.user_id)
    ).unique().scalars())


def build_problem(requests: list[MentorRequest], profiles: list[MentorProfile]) -> engine.Problem:
    """Requests and profiles as the engine's mentees and mentors (gaps, seniority, remaining capacity)."""
    seniority = _seniority_by_title()
    roles = {title: rid for rid, title in db.session.execute(select(JobRole.id, JobRole.title))}

    def spell_of(user: User) -> EmploymentSpell | None:
        return user.current_spell

    role_of = {}
    for req in requests:
        spell = spell_of(req.mentee)
        role_of[req.mentee_id] = roles.get(spell.job_title) if spell else None
    gaps = competencies.gaps(role_of) if role_of else {}

    mentees = []
    for req in requests:
        spell = spell_of(req.mentee)
        mine = gaps.get(req.mentee_id, {})
        languages = {x for x in (req.language, req.mentee.preferred_language) if x}
        mentees.append(engine.Mentee(
            key=req.id, user_id=req.mentee_id,
            wanted={s.competency_id: float(mine.get(s.competency_id) or 1) for s in req.skills},
            languages=frozenset(languages),
            required_language=req.language if req.is_language_required else None,
            department_id=spell.department_id if spell else None,
            seniority=seniority.get(spell.job_title, DEFAULT_SENIORITY) if spell else DEFAULT_SENIORITY,
            manager_id=spell.manager_id if spell else None,
            mode=req.mode.value, location=req.location,
            prefers_other_department=req.prefers_other_department,
            excluded_mentors=frozenset(m.mentor_id for m in req.matches
                                       if m.status in (MatchStatus.declined, MatchStatus.rejected)),
        ))
    taken = _load_counts(p.user_id for p in profiles)
    mentors = []
    for profile in profiles:
        spell = spell_of(profile.user)
        mentors.append(engine.Mentor(
            user_id=profile.user_id, skills={s.competency_id: s.level for s in profile.skills},
            languages=frozenset(profile.languages or ()),
            department_id=spell.department_id if spell else None,
            seniority=seniority.get(spell.job_title, DEFAULT_SENIORITY) if spell else DEFAULT_SENIORITY,
            mode=profile.mode.value, location=profile.location,
            capacity=max(0, profile.capacity - taken[profile.user_id]),
        ))
    return engine.Problem(mentees, mentors, bad_pairs())


def _reasons_json(reasons: engine.Reasons) -> dict:
    return {"competencies": reasons.competencies, "different_department": reasons.different_department,
            "languages": reasons.languages, "seniority_gap": reasons.seniority_gap, "same_mode": reasons.same_mode}


# --- matching runs ---------------------------------------------------------------------------


def running_run() -> MatchingRun | None:
    return db.session.execute(
        select(MatchingRun).where(MatchingRun.status == RunStatus.running).order_by(MatchingRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def start_run(by: User | None) -> MatchingRun:
    """A new run, not yet computed (`execute_run` does the work, now or in a task)."""
    if running_run() is not None:
        raise ValidationError(_l("A matching run is already in progress."))
    run = MatchingRun(started_by=by, status=RunStatus.running)
    db.session.add(run)
    db.session.flush()
    return run


def execute_run(run: MatchingRun) -> MatchingRun:
    """Match every request in the pool with published mentors and store the proposals. Idempotent:
    a finished run is left as it is."""
    if run.status != RunStatus.running:
        return run
    t0 = time.perf_counter()
    requests, profiles = pool_requests(), published_profiles()
    problem = build_problem(requests, profiles)
    fm = engine.build_fit(problem)
    best = engine.assign(fm.fit, fm.feasible, fm.capacity)
    baseline = engine.greedy(fm.fit, fm.feasible, fm.capacity)
    for pair in best.pairs:
        req, mentor = requests[pair.mentee], problem.mentors[pair.mentor]
        db.session.add(MentorMatch(
            run=run, request=req, mentor_id=mentor.user_id, fit=round(pair.fit, 3),
            reasons=_reasons_json(engine.explain(problem, pair.mentee, pair.mentor)),
        ))
    run.n_requests, run.n_mentors, run.n_proposals = len(requests), len(profiles), len(best.pairs)
    run.total_fit, run.greedy_fit = round(best.total, 3), round(baseline.total, 3)
    run.status = RunStatus.done
    run.finished_at = utcnow()
    run.elapsed_ms = int((time.perf_counter() - t0) * 1000)
    db.session.flush()
    return run


def run_matching(by: User | None) -> MatchingRun:
    """Start and compute a run in one go (small organisations, tests, the demo)."""
    return execute_run(start_run(by))


def _pending_match(match: MentorMatch, *states: MatchStatus) -> None:
    if match.status not in states:
        raise ValidationError(_l("This proposal has already been decided."))


def approve(match: MentorMatch, by: User) -> MentorMatch:
    """HR agrees with a proposal: the mentor is asked."""
    _pending_match(match, MatchStatus.proposed)
    match.status = MatchStatus.approved
    match.decided_by = by
    match.decided_at = utcnow()
    db.session.flush()
    notify(match.mentor, "mentoring.proposal", url=_path("mentoring.inbox"), actor=by,
           mentee=match.request.mentee.full_name)
    return match


def reject(match: MentorMatch, by: User) -> MentorMatch:
    """HR turns a proposal down: the request goes back to the pool, never again with this mentor."""
    _pending_match(match, MatchStatus.proposed)
    match.status = MatchStatus.rejected
    match.decided_by = by
    match.decided_at = utcnow()
    db.session.flush()
    return match


def approve_all(run: MatchingRun, by: User) -> int:
    n = 0
    for match in run.matches:
        if match.status == MatchStatus.proposed:
            approve(match, by)
            n += 1
    return n


def accept(match: MentorMatch, mentor: User, today: date | None = None) -> Mentorship:
    """The mentor says yes: the mentorship starts with the request's goal."""
    _pending_match(match, MatchStatus.approved)
    if match.mentor_id != mentor.id:
        raise ValidationError(_l("Only the proposed mentor can answer."))
    profile = profile_of(mentor)
    active = db.session.execute(
        select(func.count()).select_from(Mentorship)
        .where(Mentorship.mentor_id == mentor.id, Mentorship.status == MentorshipStatus.active)
    ).scalar_one()
    if profile is None or active >= profile.capacity:
        # the capacity may have been lowered since the run: decline, or raise it on the profile first
        raise ValidationError(_l("You already mentor as many people as your profile allows. "
                                 "Raise your capacity on your mentor profile, or decline."))
    request = match.request
    match.status = MatchStatus.accepted
    match.responded_at = utcnow()
    request.status = RequestStatus.matched
    mentorship = Mentorship(mentor=mentor, mentee=request.mentee, request=request, match_id=match.id,
                            goals=request.goal, started_on=today or date.today())
    db.session.add(mentorship)
    db.session.flush()
    notify(request.mentee, "mentoring.accepted", url=_path("mentoring.mentorship_detail", mentorship_id=mentorship.id),
           actor=mentor, mentor=mentor.full_name)
    return mentorship


def decline(match: MentorMatch, mentor: User, note: str = "") -> MentorMatch:
    """The mentor says no: the mentee goes back to the pool and is never proposed to them again."""
    _pending_match(match, MatchStatus.approved)
    if match.mentor_id != mentor.id:
        raise ValidationError(_l("Only the proposed mentor can answer."))
    match.status = MatchStatus.declined
    match.responded_at = utcnow()
    match.response_note = (note or "").strip()
    db.session.flush()
    # the mentee hears that the search goes on (not who declined, nor why)
    notify(match.request.mentee, "mentoring.declined", url=_path("mentoring.home"))
    return match


# --- mentorships -----------------------------------------------------------------------------


def update_goals(mentorship: Mentorship, goals: str) -> Mentorship:
    mentorship.goals = (goals or "").strip()
    db.session.flush()
    return mentorship


def log_session(mentorship: Mentorship, by: User, held_on: date, minutes: int, notes: str = "",
                today: date | None = None) -> MentoringSession:
    """Log a meeting and record it: `mentored` for the mentor, `attended` for the mentee."""
    if not mentorship.is_active:
        raise ValidationError(_l("This mentorship has ended."))
    if held_on > (today or date.today()):
        raise ValidationError(_l("A session is logged once it has happened."), "held_on")
    if held_on < mentorship.started_on:
        raise ValidationError(_l("The mentorship started on %(date)s.", date=mentorship.started_on.isoformat()),
                              "held_on")
    if not 5 <= minutes <= 480:
        raise ValidationError(_l("Between 5 minutes and 8 hours."), "duration_minutes")
    session = MentoringSession(mentorship=mentorship, held_on=held_on, duration_minutes=minutes,
                               notes=(notes or "").strip(), logged_by=by)
    db.session.add(session)
    db.session.flush()
    name = f"Mentoring session {held_on.isoformat()}: {mentorship.mentor.full_name} and {mentorship.mentee.full_name}"
    context = Context(context_activities=ContextActivities(parent=[Activity(id=mentorship_iri(mentorship))]))
    result = Result(duration=timedelta(minutes=minutes), completion=True)
    for person, verb in ((mentorship.mentor, Verb.MENTORED), (mentorship.mentee, Verb.ATTENDED)):
        record(person, verb, session_iri(session), activity_name=name, activity_type=ActivityType.TUTOR_SESSION,
               result=result, context=context)
    return session


def end_mentorship(mentorship: Mentorship, by: User, rating: int, feedback: str = "") -> Mentorship:
    """End it (either side), or add the other side's feedback afterwards; rating 1–5 from each once."""
    if not 1 <= rating <= 5:
        raise ValidationError(_l("Choose a number from 1 to 5."), "rating")
    side = "mentor" if by.id == mentorship.mentor_id else "mentee" if by.id == mentorship.mentee_id else None
    if side is None:
        raise ValidationError(_l("Only the mentor and the mentee give feedback."))
    if getattr(mentorship, f"{side}_rating") is not None:
        raise ValidationError(_l("You have already given your feedback."))
    setattr(mentorship, f"{side}_rating", rating)
    setattr(mentorship, f"{side}_feedback", (feedback or "").strip())
    if mentorship.is_active:
        mentorship.status = MentorshipStatus.ended
        mentorship.ended_at = utcnow()
        mentorship.ended_by_id = by.id
        other = mentorship.mentee if side == "mentor" else mentorship.mentor
        db.session.flush()
        notify(other, "mentoring.ended", url=_path("mentoring.mentorship_detail", mentorship_id=mentorship.id),
               actor=by)
    db.session.flush()
    return mentorship


# --- reading ---------------------------------------------------------------------------------


def competency_names(ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Competency.id, Competency.name).where(Competency.id.in_(ids))).all())


def _and_join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(list)s and %(last)s", list=", ".join(items[:-1]), last=items[-1])


def explanation(reasons: dict, names: dict[int, str]) -> str:
    """“matched on Negotiation and Stakeholder management; different department; both speak Danish”."""
    parts = []
    skills = [names[c] for c in reasons.get("competencies", []) if c in names]
    if skills:
        parts.append(_("matched on %(skills)s", skills=_and_join(skills)))
    if reasons.get("different_department"):
        parts.append(_("different department"))
    else:
        parts.append(_("same department"))
    langs = language_names()
    spoken = [langs.get(x, x) for x in reasons.get("languages", [])]
    if spoken:
        parts.append(_("both speak %(languages)s", languages=_and_join(spoken)))
    gap = reasons.get("seniority_gap")
    if gap is not None and 1 <= gap <= 3:
        parts.append(ngettext("mentor %(num)d level more senior", "mentor %(num)d levels more senior", gap))
    if reasons.get("same_mode") == WorkMode.on_site.value:
        parts.append(_("both prefer to meet on site"))
    elif reasons.get("same_mode") == WorkMode.remote.value:
        parts.append(_("both prefer to meet remotely"))
    return "; ".join(parts)


def explanations(matches: list[MentorMatch]) -> dict[int, str]:
    """{match id: explanation} with competency names loaded once."""
    names = competency_names(c for m in matches for c in (m.reasons or {}).get("competencies", []))
    return {m.id: explanation(m.reasons or {}, names) for m in matches}


def inbox(mentor: User) -> list[MentorMatch]:
    """Approved proposals waiting for this mentor's answer."""
    return list(db.session.execute(
        select(MentorMatch).where(MentorMatch.mentor_id == mentor.id, MentorMatch.status == MatchStatus.approved)
        .options(joinedload(MentorMatch.request).joinedload(MentorRequest.mentee),
                 joinedload(MentorMatch.request).selectinload(MentorRequest.skills).joinedload(RequestSkill.competency))
        .order_by(MentorMatch.id)
    ).unique().scalars())


def mentorships_of(user: User) -> tuple[list[Mentorship], list[Mentorship]]:
    """(as mentee, as mentor), active first then most recent."""
    rows = db.session.execute(
        select(Mentorship).where((Mentorship.mentor_id == user.id) | (Mentorship.mentee_id == user.id))
        .options(joinedload(Mentorship.mentor), joinedload(Mentorship.mentee))
        .order_by(Mentorship.status, Mentorship.started_on.desc(), Mentorship.id.desc())
    ).scalars().all()
    return [m for m in rows if m.mentee_id == user.id], [m for m in rows if m.mentor_id == user.id]


def request_state(request: MentorRequest) -> str:
    """"waiting" (in the pool), "review" (HR is looking at a proposal), "asked" (the mentor is asked)."""
    statuses = {m.status for m in request.matches}
    if MatchStatus.approved in statuses:
        return "asked"
    if MatchStatus.proposed in statuses:
        return "review"
    return "waiting"


def mentor_loads() -> list[dict]:
    """HR: every profile with its capacity, active mentorships and pending proposals."""
    profiles = db.session.execute(
        select(MentorProfile).options(joinedload(MentorProfile.user).selectinload(User.spells),
                                      selectinload(MentorProfile.skills).joinedload(MentorSkill.competency))
        .join(User, User.id == MentorProfile.user_id).order_by(User.last_name, User.first_name)
    ).unique().scalars().all()
    ids = [p.user_id for p in profiles]
    active = Counter(dict(db.session.execute(
        select(Mentorship.mentor_id, func.count()).where(Mentorship.mentor_id.in_(ids),
                                                         Mentorship.status == MentorshipStatus.active)
        .group_by(Mentorship.mentor_id)).all())) if ids else Counter()
    pending = Counter(dict(db.session.execute(
        select(MentorMatch.mentor_id, func.count()).where(MentorMatch.mentor_id.in_(ids),
                                                          MentorMatch.status.in_(PENDING))
        .group_by(MentorMatch.mentor_id)).all())) if ids else Counter()
    return [{"profile": p, "active": active[p.user_id], "pending": pending[p.user_id]} for p in profiles]


def open_requests() -> list[MentorRequest]:
    return list(db.session.execute(
        select(MentorRequest).where(MentorRequest.status == RequestStatus.open)
        .options(joinedload(MentorRequest.mentee), selectinload(MentorRequest.matches),
                 selectinload(MentorRequest.skills).joinedload(RequestSkill.competency))
        .order_by(MentorRequest.created_at, MentorRequest.id)
    ).unique().scalars())


def dashboard_context(user: User, today: date | None = None) -> dict:
    """The home page's mentoring card: my mentorships, the mentor's inbox, my open request, HR's queue."""
    as_mentee, as_mentor = mentorships_of(user)
    ctx = {
        "mentoring_mentee": [m for m in as_mentee if m.is_active],
        "mentoring_mentor": [m for m in as_mentor if m.is_active],
        "mentoring_inbox": len(inbox(user)) if user.is_mentor else 0,
        "mentoring_request": open_request_of(user),
        "mentoring_review": 0,
    }
    if user.has_role(Role.hr, Role.admin):
        ctx["mentoring_review"] = db.session.execute(
            select(func.count()).select_from(MentorMatch).where(MentorMatch.status == MatchStatus.proposed)
        ).scalar_one()
    return ctx


# --- onboarding buddies through the same engine ----------------------------------------------


def _open_buddy_loads(user_ids, today: date) -> Counter:
    ids = list(user_ids)
    if not ids:
        return Counter()
    return Counter(dict(db.session.execute(
        select(OnboardingPlan.buddy_id, func.count())
        .where(OnboardingPlan.buddy_id.in_(ids), OnboardingPlan.starts_on >= today - timedelta(days=ONBOARDING_DAYS))
        .group_by(OnboardingPlan.buddy_id)
    ).all()))


def buddy_fit(candidates: list[User], spell: EmploymentSpell, today: date) -> tuple[list[float], list[bool], list[int]]:
    """Fit, feasibility and capacity left of each candidate as the new hire's buddy.

    Hard: same department, not the new hire, not their manager, fewer than BUDDY_CAPACITY new hires now.
    Fit: fewest current new hires first, then a peer's seniority (same or one level above), then tenure.
    """
    seniority = _seniority_by_title()
    mine = seniority.get(spell.job_title, DEFAULT_SENIORITY)
    loads = _open_buddy_loads((c.id for c in candidates), today)
    fit, feasible, capacity = [], [], []
    for person in candidates:
        theirs = person.current_spell
        load = loads[person.id]
        tenure_years = ((today - theirs.hire_date).days / 365.25) if theirs else 0.0
        gap = (seniority.get(theirs.job_title, DEFAULT_SENIORITY) if theirs else DEFAULT_SENIORITY) - mine
        fit.append(engine.BASE + 2.0 * (BUDDY_CAPACITY - load) + (0.6 if gap in (0, 1) else 0.0)
                   + min(tenure_years, 10.0) / 20.0)
        feasible.append(
            theirs is not None and theirs.department_id == spell.department_id
            and person.id != spell.user_id and person.id != spell.manager_id and person.is_active
        )
        capacity.append(max(0, BUDDY_CAPACITY - load))
    return fit, feasible, capacity


def propose_buddy(spell: EmploymentSpell, today: date) -> User | None:
    """The onboarding buddy the matching engine proposes (registered with lms.onboarding)."""
    candidates = onboarding.buddy_candidates(spell, today)
    if not candidates:
        return None
    fit, feasible, capacity = buddy_fit(candidates, spell, today)
    best = engine.best_candidate(fit, feasible, capacity)
    return candidates[best] if best is not None else None


onboarding.register_buddy_proposer(propose_buddy)


def hr_staff() -> list[User]:
    return list(db.session.execute(
        select(User).where(User.is_active.is_(True), User.role_rows.any(UserRole.role == Role.hr)).order_by(User.id)
    ).scalars())


def notify_run_done(run: MatchingRun) -> None:
    """Tell HR a background run has finished."""
    for person in hr_staff():
        notify(person, "mentoring.run_done", url=_path("mentoring.run_detail", run_id=run.id), n=run.n_proposals)

