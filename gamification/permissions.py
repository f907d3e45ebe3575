"""Who may do what in gamification; usable from views and templates."""

from __future__ import annotations

from lms.extensions import db
from lms.people.models import Role, User

from .models import BadgeAward, Certificate, GamificationProfile


def can_manage_gamification(user: User) -> bool:
    """HR and admins configure points rules and badges, and award and revoke badges by hand."""
    return user.is_authenticated and user.has_role(Role.hr, Role.admin)


def can_download_certificate(user: User, certificate: Certificate) -> bool:
    """The holder, and HR and admins."""
    return user.is_authenticated and (certificate.user_id == user.id or can_manage_gamification(user))


def can_export_credential(user: User, award: BadgeAward) -> bool:
    """The holder may download an award's signed Open Badges 3.0 credential; so may anyone while
    the holder's public profile shows their badges. Never a revoked one."""
    if award.is_revoked:
        return False
    if user.is_authenticated and award.user_id == user.id:
        return True
    profile = db.session.get(GamificationProfile, award.user_id)
    return profile is not None and profile.is_public and profile.shows_badges
