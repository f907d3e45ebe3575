"""Tasks asked for during a transaction are sent only if it commits."""

from lms.auth.tasks import send_password_reset_email
from lms.queue import enqueue


def test_task_is_sent_after_commit(db, create_user, sent_tasks):
    user = create_user()
    enqueue(send_password_reset_email, user.id)
    assert sent_tasks == []
    db.session.commit()
    assert sent_tasks == [("auth.send_password_reset_email", (user.id,), {})]


def test_task_is_dropped_on_rollback(db, create_user, sent_tasks):
    user = create_user()
    db.session.commit()
    enqueue(send_password_reset_email, user.id)
    db.session.rollback()
    db.session.commit()
    assert sent_tasks == []


def test_tasks_use_json_and_take_ids(app):
    celery = app.extensions["celery"]
    assert celery.conf.task_serializer == "json"
    assert "pickle" not in celery.conf.accept_content
