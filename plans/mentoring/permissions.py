"""Who may see and do what in mentoring; usable from views and templates."""

from __future__ import annotations

from lms.people.models import Role, User

from .models import MatchStatus, MentorMatch, MentorRequest, Mentorship


def can_manage_mentoring(user: User) -> bool:
    """HR and admins run matching, review proposals and see every request and mentorship."""
    return user.is_authenticated and user.has_role(Role.hr, Role.admin)


def can_view_request(user: User, request: MentorRequest) -> bool:
    """The mentee, HR, and a mentor who is asked to take it on (or took it on)."""
    if not user.is_authenticated:
        return False
    return (
        user.id == request.mentee_id or can_manage_mentoring(user)
        or any(m.mentor_id == user.id and m.status in (MatchStatus.approved, MatchStatus.accepted)
            for m in request.matches)
    )


def can_withdraw_request(user: User, request: MentorRequest) -> bool:
    return user.is_authenticated and user.id == request.mentee_id


def can_respond(user: User, match: MentorMatch) -> bool:
    """Only the proposed mentor answers, once HR has approved the proposal."""
    return user.is_authenticated and match.mentor_id == user.id and match.status == MatchStatus.approved


def is_participant(user: User, mentorship: Mentorship) -> bool:
    return user.is_authenticated and user.id in (mentorship.mentor_id, mentorship.mentee_id)


def can_view_mentorship(user: User, mentorship: Mentorship) -> bool:
    """The two participants and HR; nobody else, whatever the id."""
    return is_participant(user, mentorship) or can_manage_mentoring(user)


def can_work_in(user: User, mentorship: Mentorship) -> bool:
    """Edit goals and log sessions: the participants while it is active."""
    return is_participant(user, mentorship) and mentorship.is_active


def can_give_feedback(user: User, mentorship: Mentorship) -> bool:
    """End it with feedback, or add one's own feedback after the other ended it."""
    if not is_participant(user, mentorship):
        return False
    rating = mentorship.mentor_rating if user.id == mentorship.mentor_id else mentorship.mentee_rating
    return rating is None
