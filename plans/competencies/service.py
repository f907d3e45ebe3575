"""Current competency levels and gaps to a role. No Flask request objects: callable from tasks,
the matching engine and tests.

A person's current level in a competency is their manager's latest assessment if there is one,
else their own latest self-assessment, else unknown (treated as level 0 for gaps: nobody has
shown it yet).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import func, select

from lms.extensions import db
from lms.people.models import User

from .models import AssessmentSource, CompetencyAssessment, JobRole, RoleRequirement


def current_levels(user_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """{user_id: {competency_id: level}}: manager's latest judgement wins over the self-assessment."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    latest = (
        select(
            CompetencyAssessment.user_id,
            CompetencyAssessment.competency_id,
            CompetencyAssessment.source,
            func.max(CompetencyAssessment.assessed_at).label("at"),
        )
        .where(CompetencyAssessment.user_id.in_(ids))
        .group_by(CompetencyAssessment.user_id, CompetencyAssessment.competency_id, CompetencyAssessment.source)
        .subquery()
    )
    rows = db.session.execute(
        select(CompetencyAssessment.user_id, CompetencyAssessment.competency_id, CompetencyAssessment.source,
               CompetencyAssessment.level, CompetencyAssessment.id)
        .join(latest, (latest.c.user_id == CompetencyAssessment.user_id)
              & (latest.c.competency_id == CompetencyAssessment.competency_id)
              & (latest.c.source == CompetencyAssessment.source)
              & (latest.c.at == CompetencyAssessment.assessed_at))
        .order_by(CompetencyAssessment.id)  # a tie on the timestamp: the later row wins
    ).all()
    by_source: dict[tuple[int, int], dict[AssessmentSource, int]] = defaultdict(dict)
    for user_id, competency_id, source, level, _id in rows:
        by_source[(user_id, competency_id)][AssessmentSource(source)] = level
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for (user_id, competency_id), levels in by_source.items():
        out[user_id][competency_id] = levels.get(AssessmentSource.manager, levels.get(AssessmentSource.self))
    return dict(out)


def role_of(user: User) -> JobRole | None:
    """The job role matching the title of the person's current spell, if HR has defined it."""
    spell = user.current_spell
    if spell is None:
        return None
    return db.session.execute(select(JobRole).where(JobRole.title == spell.job_title)).scalar_one_or_none()


def requirements(role_ids: Iterable[int], future: bool = False) -> dict[int, dict[int, int]]:
    """{role_id: {competency_id: required level}}; with `future`, the 12–24 month level where set."""
    ids = list(set(role_ids))
    if not ids:
        return {}
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for req in db.session.execute(select(RoleRequirement).where(RoleRequirement.role_id.in_(ids))).scalars():
        out[req.role_id][req.competency_id] = (req.future_level or req.level) if future else req.level
    return dict(out)


def gaps(user_role: dict[int, int | None], future: bool = False) -> dict[int, dict[int, int]]:
    """{user_id: {competency_id: gap}} for each person against a role ({user_id: role_id}); only
    positive gaps are listed. A competency nobody has assessed counts from level 0."""
    levels = current_levels(user_role)
    reqs = requirements([r for r in user_role.values() if r is not None], future=future)
    out: dict[int, dict[int, int]] = {}
    for user_id, role_id in user_role.items():
        mine = levels.get(user_id, {})
        out[user_id] = {
            cid: need - mine.get(cid, 0)
            for cid, need in reqs.get(role_id, {}).items()
            if need - mine.get(cid, 0) > 0
        }
    return out
