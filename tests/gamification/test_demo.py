"""The demo organisation gets rules and badges, awarded from its statement history by the engine."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from gamification.models import BadgeAward, BadgeClass, Certificate, PointsEntry, PointsRule, StreamCursor
from xapi.models import Statement


def test_demo_awards_points_badges_and_certificates_from_its_history(db):
    from lms.demo import build_demo

    build_demo(employees=40, seed=11, today=date(2026, 11, 18), history=False)
    count = lambda model: db.session.execute(select(func.count()).select_from(model)).scalar_one()
    assert count(PointsRule) >= 10 and count(BadgeClass) >= 8
    assert count(PointsEntry) > 0 and count(Certificate) > 0
    # every award came from a statement the engine processed (none by hand), and recorded `earned`
    awards = db.session.execute(select(BadgeAward)).scalars().all()
    assert awards and all(a.statement_seq is not None or a.badge.rule_kind.value == "learning_streak" for a in awards)
    assert all(a.awarded_by_id is None for a in awards)
    earned = db.session.execute(select(func.count()).select_from(Statement)
                                .where(Statement.verb_id == "http://id.tincanapi.com/verb/earned")).scalar_one()
    assert earned == len(awards)
    last = db.session.execute(select(func.max(Statement.seq))).scalar_one()
    assert db.session.get(StreamCursor, "engine").last_seq == last  # the whole history was processed
