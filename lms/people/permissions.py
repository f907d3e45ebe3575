"""Who may see and change people and organisation data; usable from views and templates."""

from __future__ import annotations

from .models import Role, User


def can_manage_people(user: User) -> bool:
    """HR and admins create, edit and deactivate people and departments."""
    return user.is_authenticated and user.has_role(Role.hr, Role.admin)


def can_view_person(user: User, person: User) -> bool:
    """Oneself, HR, admins, and the person's current manager."""
    if not user.is_authenticated:
        return False
    if user.id == person.id or can_manage_people(user):
        return True
    from .service import is_manager_of  # local: service imports nothing from here

    return user.has_role(Role.manager) and is_manager_of(user, person)


def can_edit_person(user: User, person: User) -> bool:
    """Admins edit everyone; HR edits people who hold neither HR nor admin (so HR cannot take
    over a colleague's account by changing its e-mail)."""
    if not can_manage_people(user):
        return False
    return user.has_role(Role.admin) or not person.has_role(Role.admin, Role.hr)


def grantable_roles(user: User) -> set[Role]:
    """Admins grant every role; HR grants employee, manager and author, never HR or admin."""
    if user.has_role(Role.admin):
        return set(Role)
    if user.has_role(Role.hr):
        return {Role.employee, Role.manager, Role.author}
    return set()


def can_view_audit(user: User) -> bool:
    return can_manage_people(user)


def can_view_system(user: User) -> bool:
    """The system status page: admins only."""
    return user.is_authenticated and user.has_role(Role.admin)


def can_view_team(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.manager)
