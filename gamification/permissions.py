"""Who may do what in gamification; usable from views and templates."""

from __future__ import annotations

from lms.people.models import Role, User

from .models import Certificate


def can_manage_gamification(user: User) -> bool:
    """HR and admins configure points rules and badges, and award and revoke badges by hand."""
    return user.is_authenticated and user.has_role(Role.hr, Role.admin)


def can_download_certificate(user: User, certificate: Certificate) -> bool:
    """The holder, and HR and admins."""
    return user.is_authenticated and (certificate.user_id == user.id or can_manage_gamification(user))
