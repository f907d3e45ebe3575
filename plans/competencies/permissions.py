"""Who may see and change competencies, levels, gaps and career interests."""

from __future__ import annotations

from lms.people.models import Role, User
from lms.people.service import is_manager_of

from .models import AssessmentSource


def can_manage_framework(user: User) -> bool:
    """HR maintains the competency framework, role profiles and career paths."""
    return user.is_authenticated and user.has_role(Role.hr, Role.admin)


def can_view_org_gaps(user: User) -> bool:
    """Heatmaps, the forecast and internal candidates: HR only (a small team's cell shows one
    person's level, so no aggregate goes to anyone else)."""
    return user.is_authenticated and user.has_role(Role.hr)


def can_view_skills(user: User, person: User) -> bool:
    """A person's levels, gaps and career interests: themselves, their manager and HR."""
    if not user.is_authenticated:
        return False
    return user.id == person.id or user.has_role(Role.hr) or is_manager_of(user, person)


def assessment_source(user: User, person: User) -> AssessmentSource | None:
    """Which judgement `user` may record about `person`: their own, or as the manager; else None."""
    if not user.is_authenticated or not person.is_active:
        return None
    if user.id == person.id:
        return AssessmentSource.self
    if is_manager_of(user, person):
        return AssessmentSource.manager
    return None
