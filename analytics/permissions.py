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


def can_view_kpis(user: User) -> bool:
    """The KPI pages and their exports (group figures, thresholded): HR only."""
    return user.is_authenticated and user.has_role(Role.hr)
