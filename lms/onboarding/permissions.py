"""Who may see and do what in onboarding; usable from views and templates."""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from ..extensions import db
from ..people.models import EmploymentSpell, Role, User
from .models import BuddyStatus, CheckIn, OnboardingPlan, Owner, PlanTask

#: what a person who has not started yet may open; everything else sends them to the welcome page
PREBOARDING_BLUEPRINTS = frozenset({"auth", "onboarding", "forums", "notifications"})
PREBOARDING_ENDPOINTS = frozenset({"static", "core.set_language", "core.profile", "core.healthz"})


def preboarding_allows(endpoint: str | None) -> bool:
    """May a pre-boarding new hire reach `endpoint`? (Forum and onboarding predicates narrow it further.)"""
    if endpoint is None:
        return True  # a 404 or 405 follows anyway
    return endpoint in PREBOARDING_ENDPOINTS or endpoint.partition(".")[0] in PREBOARDING_BLUEPRINTS


def can_manage_onboarding(user: User) -> bool:
    """HR and admins build tracks, assign onboarding and see every plan."""
    return user.is_authenticated and user.has_role(Role.hr, Role.admin)


def can_open_onboarding(user: User) -> bool:
    """Show the Onboarding entry: to managers, HR and admins, to people before or in their first 90 days,
    and to the buddies of people in onboarding."""
    from datetime import date, timedelta

    from .models import ONBOARDING_DAYS

    if not user.is_authenticated:
        return False
    if user.has_role(Role.manager, Role.hr, Role.admin):
        return True
    today = date.today()
    spell = user.current_spell
    if spell is not None and spell.hire_date >= today - timedelta(days=ONBOARDING_DAYS):
        return True
    # a confirmed buddy of someone in onboarding (one indexed lookup)
    return db.session.execute(select(exists().where(
        OnboardingPlan.buddy_id == user.id, OnboardingPlan.buddy_status == BuddyStatus.confirmed,
        OnboardingPlan.starts_on >= today - timedelta(days=ONBOARDING_DAYS),
    ))).scalar()


def is_plan_manager(user: User, plan: OnboardingPlan) -> bool:
    return plan.spell.manager_id == user.id


def is_plan_buddy(user: User, plan: OnboardingPlan) -> bool:
    return plan.buddy_id == user.id and plan.buddy_status == BuddyStatus.confirmed


def can_view_plan(user: User, plan: OnboardingPlan) -> bool:
    """The new hire, their manager, their confirmed buddy, HR and admins."""
    if not user.is_authenticated:
        return False
    return (
        user.id == plan.user_id or can_manage_onboarding(user)
        or is_plan_manager(user, plan) or is_plan_buddy(user, plan)
    )


def can_complete_task(user: User, task: PlanTask) -> bool:
    """The task's owner: the new hire, the manager, the confirmed buddy; IT tasks by admins, HR tasks by HR."""
    plan = task.plan
    if not user.is_authenticated or task.completed_at is not None or not plan.user.is_active:
        return False
    if task.owner == Owner.new_hire:
        return user.id == plan.user_id
    if task.owner == Owner.manager:
        return is_plan_manager(user, plan)
    if task.owner == Owner.buddy:
        return is_plan_buddy(user, plan)
    if task.owner == Owner.it:
        return user.has_role(Role.admin)
    return user.has_role(Role.hr)


def can_reopen_task(user: User, task: PlanTask) -> bool:
    """Whoever completed it (a slip of the finger) or HR."""
    return (
        user.is_authenticated and task.completed_at is not None
        and (task.completed_by_id == user.id or can_manage_onboarding(user))
    )


def can_set_buddy(user: User, plan: OnboardingPlan) -> bool:
    """The new hire's manager or HR confirms or changes the buddy."""
    return user.is_authenticated and (is_plan_manager(user, plan) or can_manage_onboarding(user))


def can_view_checkins(user: User, plan: OnboardingPlan) -> bool:
    """Answers are for the new hire, their manager and HR (not the buddy)."""
    return user.is_authenticated and (
        user.id == plan.user_id or is_plan_manager(user, plan) or can_manage_onboarding(user)
    )


def can_answer_checkin(user: User, checkin: CheckIn, today=None) -> bool:
    from datetime import date

    return (
        user.is_authenticated and user.id == checkin.plan.user_id and checkin.answered_at is None
        and checkin.due_on <= (today or date.today())
    )


# --- the cohort forum (registered with lms.forums as scope "cohort") ----------------------------


def _is_cohort_member(user: User, cohort_id: int) -> bool:
    return db.session.execute(
        select(exists().where(OnboardingPlan.cohort_id == cohort_id, OnboardingPlan.user_id == user.id))
    ).scalar()


def can_view_cohort(user: User, cohort_id: int) -> bool:
    """Members, their managers and confirmed buddies, HR and admins."""
    if not user.is_authenticated or not user.is_active:
        return False
    if can_manage_onboarding(user):
        return True
    return db.session.execute(
        select(exists().where(
            OnboardingPlan.cohort_id == cohort_id,
            EmploymentSpell.id == OnboardingPlan.spell_id,
            or_(
                OnboardingPlan.user_id == user.id,
                EmploymentSpell.manager_id == user.id,
                (OnboardingPlan.buddy_id == user.id) & (OnboardingPlan.buddy_status == BuddyStatus.confirmed),
            ),
        ))
    ).scalar()


def visible_cohort_ids(user: User) -> list[int]:
    """Every cohort whose forum the user may read, in one query (the forum list asks this in bulk)."""
    from .models import Cohort

    if not user.is_authenticated or not user.is_active:
        return []
    if can_manage_onboarding(user):
        return list(db.session.execute(select(Cohort.id)).scalars())
    return list(db.session.execute(
        select(OnboardingPlan.cohort_id).distinct()
        .join(EmploymentSpell, EmploymentSpell.id == OnboardingPlan.spell_id)
        .where(or_(
            OnboardingPlan.user_id == user.id,
            EmploymentSpell.manager_id == user.id,
            (OnboardingPlan.buddy_id == user.id) & (OnboardingPlan.buddy_status == BuddyStatus.confirmed),
        ))
    ).scalars())


def can_post_cohort(user: User, cohort_id: int) -> bool:
    """Members write (HR too, to welcome them); managers and buddies read along."""
    if not user.is_authenticated or not user.is_active:
        return False
    return can_manage_onboarding(user) or _is_cohort_member(user, cohort_id)


def can_moderate_cohort(user: User, cohort_id: int) -> bool:
    return can_manage_onboarding(user) and user.is_active
