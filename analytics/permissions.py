"""Who may see and do what in analytics; usable from views and templates."""

from __future__ import annotations

from lms.people.models import Role, User


def can_import_hr_data(user: User) -> bool:
    """HRIS and absence imports, their reports and person attributes: HR only."""
    return user.is_authenticated and user.has_role(Role.hr)


def can_manage_surveys(user: User) -> bool:
    """Defining pulse surveys and reading their (anonymous, thresholded) results: HR only."""
    return user.is_authenticated and user.has_role(Role.hr)


def can_open_analytics(user: User) -> bool:
    """The Analytics entry in the navigation."""
    return can_import_hr_data(user) or can_manage_surveys(user)


def can_read_exit_interviews(user: User) -> bool:
    """Exit questionnaire answers, HR's interview notes and reason patterns: HR only, never the manager."""
    return user.is_authenticated and user.has_role(Role.hr)


def can_manage_alumni(user: User) -> bool:
    """The alumni list, rehire eligibility and invitations back: HR only."""
    return user.is_authenticated and user.has_role(Role.hr)


def can_flag_regretted(user: User, spell) -> bool:
    """HR, or the leaver's manager on that spell, may flag (or unflag) an ended spell as a regretted leaving."""
    if not user.is_authenticated or spell.end_date is None:
        return False
    if user.has_role(Role.hr):
        return True
    return user.has_role(Role.manager) and spell.manager_id == user.id


def can_view_former_reports(user: User) -> bool:
    """A manager's list of their reports who left (names and dates only, to flag regretted leavers)."""
    return user.is_authenticated and user.has_role(Role.manager)


def can_view_risk_scores(user: User) -> bool:
    """Individual early-warning scores, their factors and feedback: HR only (managers never; every view is audited)."""
    return user.is_authenticated and user.has_role(Role.hr)


def can_view_retention_analytics(user: User) -> bool:
    """Retention curves and the engagement–exit models (group figures from HR data): HR only."""
    return user.is_authenticated and user.has_role(Role.hr)


def can_manage_retention_actions(user: User) -> bool:
    """The alert centre, recording actions for people or teams and following them up: HR only."""
    return user.is_authenticated and user.has_role(Role.hr)


def can_view_kpis(user: User) -> bool:
    """The KPI pages and their exports (group figures, thresholded): HR only."""
    return user.is_authenticated and user.has_role(Role.hr)
