"""The nightly retention task: engagement from the LRS, then scoring, then alerts, each committed."""

from datetime import date, timedelta

from sqlalchemy import func, select

from analytics.models import EngagementWeek, RiskRun
from analytics.tasks import nightly
from xapi.emitter import record
from xapi.vocabulary import ActivityType, Verb


def test_nightly_rebuilds_engagement_scores_and_is_idempotent(db, create_user):
    person = create_user(hire_date=date.today() - timedelta(days=400))
    record(person, Verb.COMPLETED, "https://example.org/courses/1", activity_name="Safety",
           activity_type=ActivityType.COURSE)
    db.session.commit()

    first = nightly.run(date.today().isoformat())
    assert first["engagement_weeks"] == 1
    row = db.session.execute(select(EngagementWeek).where(EngagementWeek.user_id == person.id)).scalar_one()
    assert row.statements == 1 and row.completions == 1
    # one person and no leavers: the model says so honestly instead of scoring
    run = db.session.execute(select(RiskRun)).scalar_one()
    assert first["risk"] == run.status.value == "insufficient"

    second = nightly.run(date.today().isoformat())
    assert second == first
    assert db.session.execute(select(func.count()).select_from(RiskRun)).scalar() == 1
