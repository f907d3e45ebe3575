"""The demo tells the check-in story: history for most pairs, Henrik's team and Mads in full."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from plans.checkins import service
from plans.checkins.models import MeetingStatus, OneOnOne, OneOnOnePair


def test_demo_has_history_missed_upcoming_prepared_and_open_agreements(app, db):
    from lms.demo import DOMAIN, build_demo
    from lms.people.models import User

    today = date(2026, 11, 23)
    build_demo(employees=60, seed=5, today=today, history=False)
    henrik = db.session.execute(select(User).where(User.email == f"manager@{DOMAIN}")).scalar_one()
    mads = db.session.execute(select(User).where(User.email == f"employee@{DOMAIN}")).scalar_one()
    rows = service.team_overview(henrik, today)
    assert mads.id in {r.pair.report_id for r in rows}
    assert all(r.last_held_on is not None for r in rows), "every report of Henrik has met him"
    assert any(r.is_overdue for r in rows), "a missed check-in in Henrik's team"
    assert any(r.next_meeting and r.next_meeting.is_prepared for r in rows), "an upcoming prepared one"
    mine = service.dashboard_context(mads, today)
    assert mine["checkin_next"].scheduled_on > today and not mine["checkin_next"].is_prepared
    assert len(mine["checkin_agreements"]) >= 2
    held_per_pair = db.session.execute(
        select(OneOnOne.pair_id, func.count()).where(OneOnOne.status == MeetingStatus.held).group_by(OneOnOne.pair_id)
    ).all()
    pairs = db.session.execute(select(func.count()).select_from(OneOnOnePair)).scalar()
    assert len(held_per_pair) >= 0.7 * pairs and max(n for _p, n in held_per_pair) >= 4
    assert db.session.execute(select(func.count()).where(OneOnOne.missed_on.is_not(None))).scalar() > 0
    # every active pair has exactly one open meeting
    assert service.sync_pairs(today) == 0
    db.session.rollback()
