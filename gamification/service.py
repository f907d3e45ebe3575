"""Points rules, a person's points and history, leaderboards from the bucket table, and the
profile's privacy choices. Plain functions: no request, no commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, and_, cast, func, or_, select
from sqlalchemy.orm import joinedload

from lms.core.pagination import Page, paginate_rows
from lms.extensions import db
from lms.people.models import Department, EmploymentSpell, User
from lms.people.service import ValidationError

from .engine import periods_of
from .models import BadgeAward, Certificate, GamificationProfile, PointsEntry, PointsGroupTotal, PointsRule, PointsTotal

PERIODS = ("week", "month", "all")
PERIOD_LABELS = {"week": _l("This week"), "month": _l("This month"), "all": _l("All time")}
BOARDS = ("people", "teams", "departments")
BOARD_LABELS = {"people": _l("People"), "teams": _l("Teams"), "departments": _l("Departments")}
#: teams and departments smaller than this are left off boards (a per-capita figure of one or
#: two people would show an opted-out person's points)
MIN_GROUP = 3
BOARD_SIZE = 20


# --- rules ------------------------------------------------------------------------------------


def save_rule(rule: PointsRule | None, *, name: str, verb_id: str, activity_type: str | None, points: int,
              daily_cap: int | None, is_active: bool = True) -> PointsRule:
    """Create or change a points rule (changes apply to statements processed from now on)."""
    if not name.strip():
        raise ValidationError(_l("Give the rule a name."), "name")
    if not verb_id.strip().startswith(("http://", "https://")):
        raise ValidationError(_l("The verb must be an IRI (http:// or https://)."), "verb_id")
    activity_type = (activity_type or "").strip() or None
    if activity_type and not activity_type.startswith(("http://", "https://")):
        raise ValidationError(_l("The activity type must be an IRI (http:// or https://)."), "activity_type")
    if points is None or points < 1:
        raise ValidationError(_l("Points must be at least 1."), "points")
    if daily_cap is not None and daily_cap < points:
        raise ValidationError(_l("The daily cap must allow at least one award."), "daily_cap")
    if rule is None:
        rule = PointsRule(name="", verb_id="", points=1)
        db.session.add(rule)
    rule.name, rule.verb_id, rule.activity_type = name.strip(), verb_id.strip(), activity_type
    rule.points, rule.daily_cap, rule.is_active = points, daily_cap, is_active
    db.session.flush()
    return rule


def rules() -> list[PointsRule]:
    return list(db.session.execute(select(PointsRule).order_by(PointsRule.is_active.desc(), PointsRule.name)).scalars())


# --- a person's points ------------------------------------------------------------------------


def points_of(user: User, today: date) -> dict[str, int]:
    """This person's points this week, this month and all time (from the buckets)."""
    keys = dict(zip(PERIODS, period_keys(today)))
    found = dict(db.session.execute(
        select(PointsTotal.period, PointsTotal.points)
        .where(PointsTotal.user_id == user.id, PointsTotal.period.in_(keys.values()))).tuples().all())
    return {name: found.get(key, 0) for name, key in keys.items()}


def history(user: User, page: int, per_page: int = 25) -> Page:
    """The ledger entries of a person, newest first, each with the reason."""
    return paginate_rows(
        select(PointsEntry).where(PointsEntry.user_id == user.id)
        .order_by(PointsEntry.earned_at.desc(), PointsEntry.id.desc()), page, per_page)


def period_keys(today: date) -> tuple[str, str, str]:
    from datetime import datetime, timezone

    return periods_of(datetime(today.year, today.month, today.day, tzinfo=timezone.utc))


def period_key(period: str, today: date) -> str:
    return dict(zip(PERIODS, period_keys(today)))[period]


# --- leaderboards -----------------------------------------------------------------------------


@dataclass
class Row:
    rank: int
    name: str
    points: float
    #: a team or department's head-count; None on the people board
    size: int | None = None
    is_me: bool = False
    user_id: int | None = None


@dataclass
class Board:
    rows: list[Row]
    #: the viewer's own rank and points (shown even when they are hidden from others)
    my_rank: int | None = None
    my_points: float = 0
    #: the viewer's team or department, on the group boards
    my_group: str | None = None


def _hidden():
    return select(GamificationProfile.user_id).where(GamificationProfile.is_hidden_from_boards.is_(True))


def people_board(viewer: User, period: str, today: date, limit: int = BOARD_SIZE) -> Board:
    """The top people of the period, without those who opted out (the viewer always sees their
    own rank, counted among the people others can see)."""
    key = period_key(period, today)
    hidden = _hidden()
    visible = and_(PointsTotal.period == key, PointsTotal.points > 0, PointsTotal.user_id.not_in(hidden))
    rows = db.session.execute(
        select(PointsTotal.user_id, PointsTotal.points, User.first_name, User.last_name)
        .join(User, User.id == PointsTotal.user_id)
        .where(visible, User.is_active.is_(True))
        .order_by(PointsTotal.points.desc(), PointsTotal.user_id).limit(limit)
    ).all()
    out, rank, previous = [], 0, None
    for i, (user_id, points, first, last) in enumerate(rows, start=1):
        if points != previous:
            rank, previous = i, points
        out.append(Row(rank=rank, name=f"{first} {last}", points=points, is_me=user_id == viewer.id, user_id=user_id))
    mine = db.session.execute(
        select(PointsTotal.points).where(PointsTotal.period == key, PointsTotal.user_id == viewer.id)).scalar() or 0
    # Everyone visible ahead (a walk of the board index), less the deactivated among them (few).
    ahead = db.session.execute(
        select(func.count()).select_from(PointsTotal)
        .where(visible, PointsTotal.points > mine, PointsTotal.user_id != viewer.id)
    ).scalar_one() - db.session.execute(
        select(func.count()).select_from(User).join(PointsTotal, and_(PointsTotal.user_id == User.id, visible))
        .where(User.is_active.is_(False), PointsTotal.points > mine)
    ).scalar_one()
    return Board(rows=out, my_rank=ahead + 1 if mine else None, my_points=mine)


def _group_board(viewer: User, period: str, today: date, kind: str, limit: int) -> Board:
    """Teams or departments ranked by points per person: the group's bucket (points earned by
    its members while in it) over its current head-count. Everyone counts, opted out or not;
    groups under MIN_GROUP people are left off."""
    key = period_key(period, today)
    column = EmploymentSpell.manager_id if kind == "team" else EmploymentSpell.department_id
    my_group = db.session.execute(
        select(column).where(EmploymentSpell.user_id == viewer.id, EmploymentSpell.end_date.is_(None))
        .order_by(EmploymentSpell.hire_date.desc()).limit(1)).scalar()
    # Ranked in the database, one query: the top `limit` groups and the viewer's own (a thousand
    # teams no longer travel to Python to be sorted for ten of them).
    sizes = (select(column.label("g"), func.count().label("n"))
             .where(EmploymentSpell.end_date.is_(None), column.is_not(None))
             .group_by(column).having(func.count() >= MIN_GROUP).subquery())
    per_capita = cast(func.coalesce(PointsGroupTotal.points, 0), Float) / sizes.c.n
    ranked = (
        select(sizes.c.g, sizes.c.n, per_capita.label("pc"),
               func.rank().over(order_by=per_capita.desc()).label("rank"),
               func.row_number().over(order_by=(per_capita.desc(), sizes.c.g)).label("i"))
        .outerjoin(PointsGroupTotal, and_(PointsGroupTotal.group_id == sizes.c.g, PointsGroupTotal.period == key,
                                          PointsGroupTotal.kind == kind))
        .subquery()
    )
    wanted = ranked.c.i <= limit if my_group is None else or_(ranked.c.i <= limit, ranked.c.g == my_group)
    found = db.session.execute(
        select(ranked.c.g, ranked.c.n, ranked.c.pc, ranked.c.rank, ranked.c.i).where(wanted).order_by(ranked.c.i)
    ).all()
    labels = names_for(kind, [r.g for r in found] + ([my_group] if my_group is not None else []))
    rows, my_rank, my_points = [], None, 0.0
    for g, n, pc, rank, i in found:
        if g == my_group:
            my_rank, my_points = rank, pc
        if i <= limit:
            rows.append(Row(rank=rank, name=labels.get(g, "?"), points=round(pc, 1), size=n, is_me=g == my_group))
    return Board(rows=rows, my_rank=my_rank, my_points=round(my_points, 1),
                 my_group=labels.get(my_group) if my_group is not None else None)


def names_for(kind: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    if kind == "department":
        return dict(db.session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).tuples().all())
    return {i: str(_l("Team of %(name)s", name=f"{f} {l}")) for i, f, l in db.session.execute(
        select(User.id, User.first_name, User.last_name).where(User.id.in_(ids))).tuples()}


def team_board(viewer: User, period: str, today: date, limit: int = BOARD_SIZE) -> Board:
    """Teams (a manager's direct reports) by points per person."""
    return _group_board(viewer, period, today, "team", limit)


def department_board(viewer: User, period: str, today: date, limit: int = BOARD_SIZE) -> Board:
    """Departments by points per person."""
    return _group_board(viewer, period, today, "department", limit)


def board(viewer: User, kind: str, period: str, today: date, limit: int = BOARD_SIZE) -> Board:
    return {"people": people_board, "teams": team_board, "departments": department_board}[kind](
        viewer, period, today, limit)


# --- profile ----------------------------------------------------------------------------------


def profile_of(user: User) -> GamificationProfile:
    """The person's choices; an unsaved default (private, on the boards) until they save."""
    found = db.session.get(GamificationProfile, user.id)
    return found or GamificationProfile(user_id=user.id, is_hidden_from_boards=False, is_public=False,
                                        shows_points=True, shows_badges=True, shows_certificates=True, public_key="")


def save_profile(user: User, **choices: bool) -> GamificationProfile:
    profile = db.session.get(GamificationProfile, user.id)
    if profile is None:
        profile = GamificationProfile(user_id=user.id, public_key=secrets.token_urlsafe(12))
        db.session.add(profile)
    for name in ("is_hidden_from_boards", "is_public", "shows_points", "shows_badges", "shows_certificates"):
        setattr(profile, name, bool(choices.get(name)))
    db.session.flush()
    return profile


def public_profile(key: str) -> GamificationProfile | None:
    if not key:
        return None
    profile = db.session.execute(
        select(GamificationProfile).where(GamificationProfile.public_key == key)).scalar_one_or_none()
    return profile if profile is not None and profile.is_public and profile.user.is_active else None


def awards_of(user: User, include_revoked: bool = True, limit: int | None = None) -> list[BadgeAward]:
    """A person's awards, newest first, each with its badge loaded in the same query."""
    q = (select(BadgeAward).where(BadgeAward.user_id == user.id).options(joinedload(BadgeAward.badge))
         .order_by(BadgeAward.issued_at.desc()).limit(limit))
    if not include_revoked:
        q = q.where(BadgeAward.revoked_at.is_(None))
    return list(db.session.execute(q).scalars())


def certificates_of(user: User) -> list[Certificate]:
    return list(db.session.execute(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.completed_at.desc())).scalars())


def dashboard_context(user: User, today: date) -> dict | None:
    """Points this week and all time and the latest badge, for the home page."""
    points = points_of(user, today)
    awards = awards_of(user, include_revoked=False, limit=3)
    if not points["all"] and not awards:
        return None
    return {"gam_points": points, "gam_awards": awards}
