"""Tasks asked for during a transaction are sent only if it commits."""

from lms.auth.tasks import send_password_reset_email
from lms.queue import enqueue


def test_task_is_sent_after_commit(db, create_user, sent_tasks):
    user = create_user()
    enqueue(send_password_reset_email, user.email)
    assert sent_tasks == []
    db.session.commit()
    assert sent_tasks == [("auth.send_password_reset_email", (user.email,), {})]


def test_task_is_dropped_on_rollback(db, create_user, sent_tasks):
    user = create_user()
    db.session.commit()
    enqueue(send_password_reset_email, user.email)
    db.session.rollback()
    db.session.commit()
    assert sent_tasks == []


def test_a_released_savepoint_sends_nothing_until_the_transaction_commits(db, sent_tasks):
    with db.session.begin_nested():
        enqueue(send_password_reset_email, "inner@example.com")
    assert sent_tasks == []  # SQLAlchemy fires after_commit for the savepoint: not a commit yet
    db.session.rollback()
    db.session.commit()
    assert sent_tasks == []


def test_a_rolled_back_savepoint_drops_only_its_own_tasks(db, sent_tasks):
    enqueue(send_password_reset_email, "outer@example.com")
    savepoint = db.session.begin_nested()
    enqueue(send_password_reset_email, "inner@example.com")
    with db.session.begin_nested():
        enqueue(send_password_reset_email, "innermost@example.com")
    savepoint.rollback()
    with db.session.begin_nested():
        enqueue(send_password_reset_email, "kept@example.com")
    db.session.commit()
    assert [args for _name, args, _kw in sent_tasks] == [("outer@example.com",), ("kept@example.com",)]


def test_tasks_use_json_and_take_ids(app):
    celery = app.extensions["celery"]
    assert celery.conf.task_serializer == "json"
    assert "pickle" not in celery.conf.accept_content


def test_broker_failure_after_commit_neither_fails_the_request_nor_drops_other_tasks(db, monkeypatch, caplog):
    from lms.core.tasks import heartbeat

    sent = []

    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(send_password_reset_email, "apply_async", broken)
    monkeypatch.setattr(heartbeat, "apply_async", lambda *a, **k: sent.append(k))
    enqueue(send_password_reset_email, "a@example.com")
    enqueue(heartbeat, "host")
    db.session.commit()  # does not raise
    assert sent == [{"args": ("host",), "kwargs": {}}]
    assert "Could not send task auth.send_password_reset_email" in caplog.text
