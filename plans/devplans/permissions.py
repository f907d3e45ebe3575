"""Who may see and change a development plan: the person owns it, their manager shares it, HR
reads it; nobody else. Usable from views and templates."""

from __future__ import annotations

from lms.people.models import Role, User
from lms.people.service import is_manager_of

from .models import DevelopmentPlan, PlanItem


def is_hr(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.hr)


def is_owner(user: User, person: User) -> bool:
    return user.is_authenticated and user.id == person.id


def is_manager(user: User, person: User) -> bool:
    """The person's current manager (not a former one)."""
    return user.is_authenticated and user.id != person.id and is_manager_of(user, person)


def can_view_person_plan(user: User, person: User) -> bool:
    """The person, their manager, and HR."""
    return is_owner(user, person) or is_hr(user) or is_manager(user, person)


def can_view_plan(user: User, plan: DevelopmentPlan) -> bool:
    return can_view_person_plan(user, plan.user)


def can_edit_person_plan(user: User, person: User) -> bool:
    """Goals and items are added, ordered and commented on by the person and their manager (HR reads)."""
    if not person.is_active:
        return False
    return is_owner(user, person) or is_manager(user, person)


def can_edit_plan(user: User, plan: DevelopmentPlan) -> bool:
    return can_edit_person_plan(user, plan.user)


def can_complete(user: User, plan: DevelopmentPlan) -> bool:
    """The employee owns completion: only they start and complete items and goals."""
    return is_owner(user, plan.user) and plan.user.is_active


def can_complete_item(user: User, item: PlanItem) -> bool:
    return can_complete(user, item.goal.plan) and item.completed_at is None


def can_view_team_plans(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.manager, Role.hr)
