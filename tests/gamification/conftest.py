"""Fixtures for gamification: statements about people, stored through the LRS as modules do."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

BASE = "http://fasthold.test.example"


@pytest.fixture
def statement(db):
    """statement(user, verb, object_id, type=..., at=datetime, name=..., extensions=...) -> seq (stored, not processed)."""
    from xapi.emitter import record_statement
    from xapi.models import Statement

    def make(user, verb, object_id, *, type=None, at=None, name=None, extensions=None, result=None):
        data = {
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "name": user.full_name, "mbox": f"mailto:{user.email}"},
            "verb": {"id": verb[0], "display": {"en-US": verb[1]}},
            "object": {"objectType": "Activity", "id": object_id},
            "timestamp": (at or datetime.now(timezone.utc)).isoformat(),
        }
        definition = {}
        if type:
            definition["type"] = type
        if name:
            definition["name"] = {"en-US": name}
        if definition:
            data["object"]["definition"] = definition
        if extensions:
            data["context"] = {"extensions": extensions}
        if result:
            data["result"] = result
        (sid,) = record_statement(data, user_ids={f"mbox:mailto:{user.email}": user.id})
        return db.session.execute(select(Statement.seq).where(Statement.id == sid)).scalar_one()

    return make


@pytest.fixture
def rule(db):
    from gamification.service import save_rule

    def make(name="Completed a course", verb=None, type=None, points=10, cap=None):
        from xapi.vocabulary import ActivityType, Verb

        return save_rule(None, name=name, verb_id=(verb or Verb.COMPLETED)[0],
                         activity_type=type if type is not None else ActivityType.COURSE, points=points, daily_cap=cap)

    return make


@pytest.fixture
def badge(db):
    from gamification.badges import save_badge

    def make(name="Badge", kind="manual", param=None, count=None, **kw):
        kw.setdefault("description", f"{name} description")
        return save_badge(None, name=name, criteria=f"Do {name}",
                          rule_kind=kind, rule_param=param, rule_count=count, **kw)

    return make


@pytest.fixture
def awarded(db, create_user, badge):
    """A badge awarded by hand by HR, committed: what the Open Badges tests export and verify."""
    from gamification.badges import award_by_hand

    hr = create_user("hr")
    user = create_user(email="Maja.Holm@Example.com")
    b = badge("Team spirit", description="For lifting the team")
    award = award_by_hand(b, user, hr, "Organised the summer party")
    db.session.commit()
    return {"hr": hr, "user": user, "badge": b, "award": award}
