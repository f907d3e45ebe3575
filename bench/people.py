"""Benchmark: the people directory and sign-in at organisation scale (not a test).

Builds the demo organisation with N people (default 5,000) in a throw-away SQLite database (or
the database in BENCH_DATABASE_URL, e.g. PostgreSQL) and measures p50/p95 latency through the
WSGI app of: the first page of the people list, a search, a department filter, page 100, a
person's page, the audit log, and a sign-in (argon2id verification included).

    .venv/bin/python bench/people.py [--employees 5000] [--rounds 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    import os

    from flask_migrate import upgrade
    from sqlalchemy import select

    from lms.app import create_app
    from lms.demo import DEMO_PASSWORD, build_demo
    from lms.extensions import db
    from lms.people.models import Department, User

    tmp = Path(tempfile.mkdtemp(prefix="fasthold-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"ENV": "testing", "INSTANCE_PATH": str(tmp), "DATABASE_URL": url,
                      "SECRET_KEY": "b" * 48, "CELERY_BROKER_URL": "memory://", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        build_demo(employees=args.employees, seed=1, today=date.today())
        db.session.commit()
        print(f"built {args.employees} people in {time.perf_counter() - started:.1f} s on {db.engine.dialect.name}")
        dept_id = db.session.execute(select(Department.id).where(Department.name == "Warehouse Copenhagen")).scalar_one()
        person_id = db.session.execute(select(User.id).order_by(User.id.desc())).scalars().first()

    client = app.test_client()
    client.post("/login", data={"email": "hr@fjordhavn.example", "password": DEMO_PASSWORD})
    cases = {
        "people list, page 1": "/people",
        "people search": "/people?q=anders",
        "people by department": f"/people?department={dept_id}",
        "people list, page 100": "/people?page=100",
        "person page": f"/people/{person_id}",
        "audit log": "/audit",
    }
    print(f"{'case':<26}{'p50 ms':>9}{'p95 ms':>9}")
    for name, path in cases.items():
        timings = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"{name:<26}{statistics.median(timings):>9.1f}{percentile(timings, 95):>9.1f}")
    timings = []
    other = app.test_client()
    for _ in range(min(args.rounds, 20)):
        t = time.perf_counter()
        response = other.post("/login", data={"email": "employee@fjordhavn.example", "password": DEMO_PASSWORD})
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 302
        other.post("/logout")
    print(f"{'sign-in (argon2id)':<26}{statistics.median(timings):>9.1f}{percentile(timings, 95):>9.1f}")


if __name__ == "__main__":
    main()
