"""record(): platform modules write statements in their own transaction; subscribers hear after commit."""

from __future__ import annotations

import json

from sqlalchemy import select

from xapi.emitter import SUBSCRIBERS, record, subscribe
from xapi.models import Statement
from xapi.tasks import announce_statements
from xapi.vocabulary import ActivityType, Verb


def test_record_stores_a_valid_statement_about_the_person(db, create_user, sent_tasks):
    user = create_user(first_name="Maja")
    statement_id = record(user, Verb.COMPLETED, "http://fasthold.example/courses/gdpr",
                          activity_name="GDPR basics", activity_type=ActivityType.COURSE)
    row = db.session.execute(select(Statement).where(Statement.id == statement_id)).scalar_one()
    assert row.user_id == user.id
    assert row.data["actor"]["mbox"] == f"mailto:{user.email}"
    assert row.data["verb"]["id"] == Verb.COMPLETED[0]
    assert row.data["object"]["definition"]["type"] == ActivityType.COURSE
    assert row.data["authority"]["account"]["name"] == "fasthold-platform"
    assert sent_tasks == []  # nothing is announced before the commit
    db.session.commit()
    assert [name for name, _a, _k in sent_tasks] == ["xapi.announce_statements"]


def test_record_is_rolled_back_with_the_change_it_belongs_to(db, create_user, sent_tasks):
    user = create_user()
    db.session.commit()
    statement_id = record(user, Verb.PASSED, "http://fasthold.example/quiz/1")
    db.session.rollback()
    assert db.session.execute(select(Statement).where(Statement.id == statement_id)).first() is None
    db.session.commit()
    assert sent_tasks == []


def test_announce_calls_every_subscriber_with_the_stored_seqs(db):
    heard = []

    def listener(seqs):
        heard.append(seqs)

    subscribe(listener)
    try:
        assert announce_statements.apply(args=([3, 4],)).get() >= 1
    finally:
        SUBSCRIBERS.remove(listener)
    assert heard == [[3, 4]]


def test_cli_creates_lists_and_revokes_credentials(app, db):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["xapi", "credentials", "create", "Storyline", "--scope", "statements/write",
                                  "--scope", "state"])
    assert created.exit_code == 0, created.output
    data = json.loads(created.output)
    assert data["scopes"] == ["state", "statements/write"] and len(data["secret"]) > 30
    listed = runner.invoke(args=["xapi", "credentials", "list"])
    assert data["key"] in listed.output and data["secret"] not in listed.output
    assert runner.invoke(args=["xapi", "credentials", "revoke", data["key"]]).exit_code == 0
    assert "revoked" in runner.invoke(args=["xapi", "credentials", "list"]).output
    bad = runner.invoke(args=["xapi", "credentials", "create", "X", "--scope", "everything"])
    assert bad.exit_code == 2 and "everything" in bad.output
    missing = runner.invoke(args=["xapi", "credentials", "revoke", "nope"])
    assert missing.exit_code == 1 and "no credential" in missing.output
