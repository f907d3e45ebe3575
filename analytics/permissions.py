"""Who may see and do what in analytics; usable from views and templates."""

from __future__ import annotations

from lms.people.models import Role, User


def can_import_hr_data(user: User) -> bool:
    """HRIS and absence imports, their reports and person attributes: HR only."""
    return user.is_authenticated and user.has_role(Role.hr)
