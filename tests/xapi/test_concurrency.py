"""Concurrent writers over real HTTP: nothing lost, nothing stored twice, no server errors.

Runs on SQLite by default and on PostgreSQL in CI (FASTHOLD_TEST_DATABASE_URL), where writers
really run in parallel.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select

from tests.xapi.conftest import live_lrs, statement

WRITERS, BATCHES, BATCH = 6, 8, 25


@pytest.fixture(scope="module")
def lrs_server(tmp_path_factory):
    with live_lrs(tmp_path_factory, "concurrency") as (app, base, key, secret):
        yield app, base, "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def post(base, auth, payload):
    request = urllib.request.Request(
        f"{base}/xapi/statements", data=json.dumps(payload).encode(), method="POST",
        headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_concurrent_writers_lose_and_duplicate_nothing(lrs_server):
    from lms.extensions import db
    from xapi.models import Statement, StatementActivity

    app, base, auth = lrs_server
    # Every writer also re-sends a set of statements shared by all writers, at the same time.
    shared = [statement(id=str(uuid.uuid4()), object={"id": f"http://example.com/shared/{i}"}) for i in range(BATCH)]
    results, expected = [], set(s["id"] for s in shared)
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def writer(n):
        start.wait()
        for b in range(BATCHES):
            batch = [statement(id=str(uuid.uuid4()), object={"id": f"http://example.com/w{n}/{b}/{i}"})
                     for i in range(BATCH)]
            with lock:
                expected.update(s["id"] for s in batch)
            outcome = [post(base, auth, batch)]
            if b == BATCHES // 2:
                outcome.append(post(base, auth, shared))
            with lock:
                results.extend(outcome)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    failures = [r for r in results if r[0] != 200]
    assert failures == []
    with app.app_context():
        stored = db.session.execute(select(Statement.id)).scalars().all()
        links = db.session.execute(select(func.count()).select_from(StatementActivity)).scalar_one()
        db.session.remove()
    assert len(stored) == len(set(stored)) == len(expected)
    assert set(stored) == expected
    # one object link per statement: no half-written statements
    assert links == len(expected)
