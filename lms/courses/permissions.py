"""Who may see, take, edit and sign off courses; usable from views and templates.

People before their first day (pre-boarding) are refused everything here: they see only
pre-boarding content, and that guard is kept here too, not only app-wide.
"""

from __future__ import annotations

from typing import Callable, Iterable

from ..people.models import Role, User
from .models import Course, Enrolment, ModuleProgress

#: Extra "may sign off this learner's practical tasks" checks, e.g. onboarding's buddy relation:
#: register_sign_off_check(lambda signer, learner: is_buddy_of(signer, learner)).
SIGN_OFF_CHECKS: list[Callable[[User, User], bool]] = []


#: Who else's tasks a person may sign off, for their "to sign off" list: each returns learner ids
#: (onboarding: the new hires someone is buddy to). Pair it with a check above.
SIGN_OFF_SCOPES: list[Callable[[User], Iterable[int]]] = []


def register_sign_off_check(check: Callable[[User, User], bool],
                            scope: Callable[[User], Iterable[int]] | None = None) -> Callable[[User, User], bool]:
    """Let more people sign off practical tasks: `check(signer, learner)` decides one case, and the
    optional `scope(signer)` lists the learner ids whose tasks appear on the signer's list."""
    if check not in SIGN_OFF_CHECKS:
        SIGN_OFF_CHECKS.append(check)
    if scope is not None and scope not in SIGN_OFF_SCOPES:
        SIGN_OFF_SCOPES.append(scope)
    return check


def _is_learner(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.is_preboarding())


def _is_hr(user: User) -> bool:
    return user.has_role(Role.hr)


def _manages(user: User, person: User) -> bool:
    from ..people.service import is_manager_of

    return user.has_role(Role.manager) and is_manager_of(user, person)


def can_use_courses(user: User) -> bool:
    """The catalogue and one's own learning: active people who have started."""
    return _is_learner(user)


def can_create_courses(user: User) -> bool:
    return _is_learner(user) and user.has_role(Role.author, Role.hr)


def can_edit_course(user: User, course: Course) -> bool:
    """HR, and the course's own authors while they hold the author role."""
    if not _is_learner(user):
        return False
    if _is_hr(user):
        return True
    return user.has_role(Role.author) and any(a.id == user.id for a in course.authors)


def can_view_course(user: User, course: Course) -> bool:
    """Published courses for every learner; drafts for those who edit them."""
    return _is_learner(user) and (course.is_published or can_edit_course(user, course))


def can_enrol(user: User, course: Course) -> bool:
    return _is_learner(user) and course.is_published


def can_learn(user: User, enrolment: Enrolment) -> bool:
    """Only the learner works through their own enrolment, and only in a published course."""
    return _is_learner(user) and enrolment.user_id == user.id and enrolment.course.is_published


def can_view_enrolment(user: User, enrolment: Enrolment) -> bool:
    """The learner, their manager and HR see an enrolment's progress."""
    if not _is_learner(user):
        return False
    return enrolment.user_id == user.id or _is_hr(user) or _manages(user, enrolment.user)


def can_assign_course(user: User, person: User) -> bool:
    """Managers enrol their reports; HR enrols anyone."""
    if not _is_learner(user) or not person.is_active:
        return False
    return _is_hr(user) or _manages(user, person)


def can_manage_rules(user: User) -> bool:
    return _is_learner(user) and _is_hr(user)


def can_sign_off(user: User, progress: ModuleProgress) -> bool:
    """The learner's manager, HR, or whoever a registered check allows (a buddy); never oneself."""
    learner = progress.enrolment.user
    if not _is_learner(user) or user.id == learner.id:
        return False
    return _is_hr(user) or _manages(user, learner) or any(check(user, learner) for check in SIGN_OFF_CHECKS)
