"""Forum fixtures: stand-in scopes for course and cohort forums (their packages register the
real ones), restored after each test so nothing leaks into other packages' tests."""

from __future__ import annotations

import pytest

from lms.forums import permissions
from lms.forums import service


@pytest.fixture
def scopes(monkeypatch):
    """Course forum N is readable by people in `scopes.course_members[N]`, moderated by those in
    `scopes.course_moderators[N]`; the same for cohorts."""

    class Registry:
        course_members: dict[int, set[int]] = {}
        course_moderators: dict[int, set[int]] = {}
        cohort_members: dict[int, set[int]] = {}

    reg = Registry()
    reg.course_members, reg.course_moderators, reg.cohort_members = {}, {}, {}
    monkeypatch.setitem(permissions._SCOPES, "course", permissions.Scope(
        can_view=lambda u, sid: u.id in reg.course_members.get(sid, set()) | reg.course_moderators.get(sid, set()),
        can_post=lambda u, sid: u.id in reg.course_members.get(sid, set()) | reg.course_moderators.get(sid, set()),
        can_moderate=lambda u, sid: u.id in reg.course_moderators.get(sid, set()),
    ))
    monkeypatch.setitem(permissions._SCOPES, "cohort", permissions.Scope(
        can_view=lambda u, sid: u.id in reg.cohort_members.get(sid, set()),
        can_post=lambda u, sid: u.id in reg.cohort_members.get(sid, set()),
        can_moderate=lambda u, sid: False,
        visible_scope_ids=lambda u: [sid for sid, members in reg.cohort_members.items() if u.id in members],
    ))
    return reg


@pytest.fixture
def group(db):
    return service.create_forum("group", title="Mentors", description="For mentors and mentees")


@pytest.fixture
def statements(db):
    """statements(verb_suffix) -> stored statement JSON with that verb, oldest first."""
    from sqlalchemy import select

    from xapi.models import Statement

    def find(verb: str | None = None):
        rows = db.session.execute(select(Statement).order_by(Statement.seq)).scalars()
        return [s.data for s in rows if verb is None or s.data["verb"]["id"].endswith("/" + verb)]

    return find
