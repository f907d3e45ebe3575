"""A task round trip through a real broker and a real Celery worker process.

On the embedded default this is kombu's SQLAlchemy transport over a SQLite file; in CI it is
Redis, with the database on PostgreSQL.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, TEST_BROKER_URL, database_url_for, drop_database, make_test_app, migrate_schema

ROOT = Path(__file__).resolve().parents[1]
SECRET = "worker-test-secret-" + "y" * 40
BASE_URL = "http://fasthold.test.example"

pytestmark = pytest.mark.worker


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


@pytest.fixture
def worker_setup(tmp_path):
    database_url = database_url_for("worker", tmp_path)
    broker_url = TEST_BROKER_URL or f"sqla+sqlite:///{tmp_path}/broker.sqlite"
    queue = f"fasthold-test-{uuid.uuid4().hex[:10]}"
    app = make_test_app(tmp_path, database_url, CELERY_BROKER_URL=broker_url, SECRET_KEY=SECRET, BASE_URL=BASE_URL)
    app.extensions["celery"].conf.task_default_queue = queue
    migrate_schema(app)
    env = {
        **os.environ,
        "FASTHOLD_ENV": "testing",
        "FASTHOLD_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": BASE_URL,
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "wsgi:celery_app", "worker", "--pool", "solo",
         "--loglevel", "INFO", "--queues", queue, "--hostname", f"{queue}@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield app, tmp_path, worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        from lms.extensions import db

        with app.app_context():
            db.engine.dispose()
        drop_database(database_url)


def _worker_log(tmp_path: Path) -> str:
    return (tmp_path / "worker.log").read_text()[-3000:]


def test_password_reset_mail_is_sent_by_a_real_worker_after_commit(worker_setup):
    from lms.auth.service import hash_password
    from lms.extensions import db
    from lms.people.service import create_user

    app, tmp_path, worker = worker_setup
    with app.app_context():
        user = create_user(email="reset.me@example.com", first_name="Reset", last_name="Me", preferred_language="sv")
        user.password_hash = hash_password(PASSWORD)
        db.session.commit()

    client = app.test_client()
    assert client.post("/password/forgot", data={"email": "reset.me@example.com"}).status_code == 302

    outbox = tmp_path / "outbox"
    mail_file = wait_for(lambda: next(iter(sorted(outbox.glob("*.eml"))), None) if outbox.exists() else None)
    assert mail_file is not None, f"the worker sent no mail; its log:\n{_worker_log(tmp_path)}"
    assert worker.poll() is None
    message = email.message_from_bytes(mail_file.read_bytes(), policy=email.policy.default)
    assert message["To"] == "reset.me@example.com"
    assert "lösenord" in message["Subject"].lower()  # in the person's language
    path = re.search(re.escape(BASE_URL) + r"(/password/reset/[\w.\-]+)", message.get_content()).group(1)
    response = client.post(path, data={"password": "worker-made-this", "confirm": "worker-made-this"})
    assert response.status_code == 302
    assert client.post("/login", data={"email": "reset.me@example.com", "password": "worker-made-this"}).status_code == 302


def test_heartbeat_task_round_trip_writes_to_the_database(worker_setup):
    from lms.core.models import WorkerHeartbeat
    from lms.extensions import db

    app, tmp_path, _worker = worker_setup
    celery = app.extensions["celery"]
    celery.send_task("core.heartbeat", args=["round-trip-host"], queue=celery.conf.task_default_queue)
    celery.send_task("core.heartbeat", args=["round-trip-host"], queue=celery.conf.task_default_queue)

    def beats():
        with app.app_context():
            row = db.session.execute(
                select(WorkerHeartbeat).where(WorkerHeartbeat.hostname == "round-trip-host")
            ).scalar_one_or_none()
            result = row.beats if row is not None and row.beats >= 2 else None
            db.session.remove()
            return result

    assert wait_for(beats) == 2, _worker_log(tmp_path)
