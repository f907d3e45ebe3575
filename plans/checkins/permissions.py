"""Who may see and do what with 1:1 check-ins; usable from views and templates.

The content of a check-in (prep, agenda, notes, agreements) belongs to the pair: the manager and
the report. HR and admins see coverage counts only, never the content.
"""

from __future__ import annotations

from lms.people.models import Role, User

from .models import MeetingStatus, OneOnOne, OneOnOneAgreement, OneOnOnePair


def can_open_checkins(user: User) -> bool:
    """Show the Check-ins entry: to managers, HR and admins, and to anyone who has a manager."""
    if not user.is_authenticated or user.is_preboarding():
        return False
    if user.has_role(Role.manager, Role.hr, Role.admin):
        return True
    spell = user.current_spell
    return spell is not None and spell.manager_id is not None


def can_view_coverage(user: User) -> bool:
    """HR's coverage figures (counts per department and team)."""
    return user.is_authenticated and user.has_role(Role.hr, Role.admin)


def is_pair_manager(user: User, pair: OneOnOnePair) -> bool:
    return user.is_authenticated and user.id == pair.manager_id


def is_pair_report(user: User, pair: OneOnOnePair) -> bool:
    return user.is_authenticated and user.id == pair.report_id


def can_view_pair(user: User, pair: OneOnOnePair) -> bool:
    """The two participants, and nobody else: not HR, not a later manager."""
    return user.is_authenticated and pair.is_participant(user)


def can_view_meeting(user: User, meeting: OneOnOne) -> bool:
    return can_view_pair(user, meeting.pair)


def _open_for(user: User, meeting: OneOnOne) -> bool:
    return (can_view_pair(user, meeting.pair) and meeting.pair.is_active
            and meeting.status == MeetingStatus.scheduled)


def can_prepare(user: User, meeting: OneOnOne) -> bool:
    """The employee fills in the prep form until the meeting is held."""
    return _open_for(user, meeting) and is_pair_report(user, meeting.pair)


def can_edit_agenda(user: User, meeting: OneOnOne) -> bool:
    """Either participant adds topics and ticks them off until the meeting is held."""
    return _open_for(user, meeting)


def can_add_agreement(user: User, meeting: OneOnOne) -> bool:
    """Either participant, while the pair is current (also right after marking it held)."""
    return can_view_pair(user, meeting.pair) and meeting.pair.is_active


def can_update_agreement(user: User, agreement: OneOnOneAgreement) -> bool:
    return can_view_pair(user, agreement.pair) and agreement.pair.is_active


def can_run_meeting(user: User, meeting: OneOnOne) -> bool:
    """The manager sets the date and marks the meeting held."""
    return _open_for(user, meeting) and is_pair_manager(user, meeting.pair)


def can_change_cadence(user: User, pair: OneOnOnePair) -> bool:
    """Either participant of a current pair."""
    return can_view_pair(user, pair) and pair.is_active
