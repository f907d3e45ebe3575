"""Benchmark: retention analytics at organisation scale (not a test).

Fills a fresh PostgreSQL database (default ``fasthold_bench_analytics`` on 127.0.0.1, created and
dropped by this script; or BENCH_DATABASE_URL) with N employees (default 10,000) and their
history — departments, managers, six years of employment spells with voluntary, involuntary and
regretted leavers — and M xAPI statements (default 5,000,000) spread over two years, written with
COPY in the shape the platform's emitter stores them. Then it measures, on this machine:

- the nightly work exactly as the Celery task runs it (`analytics.tasks.nightly`: engagement
  refresh of the recent weeks, early-warning validation and scoring, alerts, the stored retention
  curves and Cox model), its wall time and the peak memory of this process (``ru_maxrss``; the
  database server's own memory is bounded by its settings, e.g. the engagement refresh's
  ``work_mem`` of 128 MB);
- the full rebuild of the engagement table from all statements (what the first night does);
- p50/p95 latency of each HR page through the WSGI app, signed in as HR, with the best CPU time
  of one request (independent of the load of a shared machine). The KPI page's charts are their
  own requests (the browser fetches them after the page, in parallel): each is timed drawn with
  the page's report, drawn with the report computed too (a request that lands on another worker
  process) and drawn before; the PDF export after the page, alone, and again.

    .venv/bin/python bench/analytics.py [--employees 10000] [--statements 5000000] [--rounds 10]
    .venv/bin/python bench/analytics.py --keep [--pages-only]

Targets (issue 7): nightly features and scoring within 120 s and 2 GB on two cores; each HR page
within 1 s. Results go in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fasthold_bench_analytics"
VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "asked": "http://adlnet.gov/expapi/verbs/asked",
    "responded": "http://adlnet.gov/expapi/verbs/responded",
    "attended": "http://adlnet.gov/expapi/verbs/attended",
    "mentored": "http://id.tincanapi.com/verb/mentored",
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _recreate_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{u.database}"')


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_organisation(employees: int, today: date, rng: random.Random) -> dict:
    """Departments, managers and employment spells with leavers, inserted in bulk. Returns ids and
    each person's employed period so statements fall only inside employment."""
    from sqlalchemy import insert

    from lms.extensions import db
    from lms.people.models import Department, EmploymentSpell, Role, User, UserRole
    from lms.auth.service import hash_password

    password = hash_password("fasthold-bench")
    root = Department(name="Bench Group")
    db.session.add(root)
    db.session.flush()
    depts = []
    for i in range(40):
        d = Department(name=f"Department {i:02d}", parent_id=root.id)
        db.session.add(d)
        depts.append(d)
    db.session.flush()
    dept_ids = [d.id for d in depts]
    # current employees plus about a third more who left over the years
    total = int(employees * 1.35)
    users = [{"email": f"p{i}@bench.example", "first_name": f"Person{i}", "last_name": "Bench",
              "employee_number": f"B{i:06d}", "password_hash": password, "is_active": True}
             for i in range(total)]
    users.append({"email": "hr@bench.example", "first_name": "Hanne", "last_name": "HR",
                  "employee_number": "HR0001", "password_hash": password, "is_active": True})
    ids = list(db.session.execute(insert(User).returning(User.id, sort_by_parameter_order=True), users).scalars())
    hr_id = ids.pop()
    db.session.execute(insert(UserRole), [{"user_id": hr_id, "role": Role.hr}])
    managers = {d: ids[k] for k, d in enumerate(dept_ids)}  # the first 40 manage a department each
    spells, periods, quiet = [], {}, {}
    left = 0
    for k, uid in enumerate(ids):
        dept = dept_ids[k % len(dept_ids)]
        hire = today - timedelta(days=rng.randint(30, 6 * 365))
        end = end_type = None
        regretted = False
        if k >= len(dept_ids) and left < total - employees:
            # leavers: end somewhere in the last two years after at least 30 days
            if hire < today - timedelta(days=60):
                earliest = max(hire + timedelta(days=30), today - timedelta(days=730))
                end = earliest + timedelta(days=rng.randint(0, max(0, (today - earliest).days - 1)))
                end_type = "voluntary" if rng.random() < 0.75 else "involuntary"
                regretted = end_type == "voluntary" and rng.random() < 0.3
                left += 1
        spells.append({"user_id": uid, "hire_date": hire, "end_date": end, "end_type": end_type,
                       "is_regretted": regretted, "department_id": dept,
                       "manager_id": None if uid == managers[dept] else managers[dept], "job_title": "Specialist"})
        periods[uid] = (hire, end or today)
        if end_type == "voluntary" and rng.random() < 0.7:
            # a signal for the model to find: most voluntary leavers stop learning months before they go
            quiet[uid] = max(hire + timedelta(days=1), end - timedelta(days=rng.randint(60, 150)))
    db.session.execute(insert(EmploymentSpell), spells)
    inactive = [uid for uid, (_h, e) in periods.items() if e < today]
    db.session.execute(User.__table__.update().where(User.id.in_(inactive)).values(is_active=False))
    db.session.commit()
    return {"ids": ids, "periods": periods, "quiet": quiet, "hr_id": hr_id, "departments": dept_ids}


def copy_statements(org: dict, count: int, today: date, base_url: str, rng: random.Random) -> int:
    """About `count` statements over the last two years, only while each person was employed,
    generated inside PostgreSQL (``generate_series``; Python would be the bottleneck) in the shape
    the platform's emitter stores them (timestamp = stored, in the past), with the link rows for
    the object. Each person gets an activity level; statements are spread by level over their
    employed days."""
    from sqlalchemy import text

    from lms.extensions import db

    start = today - timedelta(days=730)
    people = [(uid, max(h, start), org["quiet"].get(uid, e)) for uid, (h, e) in org["periods"].items()
              if org["quiet"].get(uid, e) > start]
    weight = [rng.lognormvariate(0, 0.8) * max(1, (e - h).days) for _, h, e in people]
    scale = count / sum(weight)
    db.session.execute(text("CREATE TEMP TABLE bench_people (user_id int, first_day date, last_day date, n int)"))
    db.session.execute(text("INSERT INTO bench_people VALUES (:u, :f, :l, :n)"),
                       [{"u": uid, "f": h, "l": e, "n": int(round(w * scale))} for (uid, h, e), w in zip(people, weight)])
    verbs = VERBS
    db.session.execute(text(f"""
        WITH raw AS (
            SELECT p.user_id,
                   (p.first_day + (random() * greatest(p.last_day - p.first_day - 1, 0))::int)::timestamptz
                     + make_interval(secs => 25200 + random() * 39600) AS at,
                   random() AS r, (random() * 100000)::int AS k
            FROM bench_people p CROSS JOIN LATERAL generate_series(1, p.n)
        ), typed AS (
            SELECT user_id, at, k,
                   CASE WHEN r < 0.12 THEN 'completed' WHEN r < 0.47 THEN 'experienced'
                        WHEN r < 0.62 THEN 'launched' WHEN r < 0.77 THEN 'answered' WHEN r < 0.81 THEN 'passed'
                        WHEN r < 0.84 THEN 'asked' WHEN r < 0.92 THEN 'responded' WHEN r < 0.97 THEN 'attended'
                        ELSE 'mentored' END AS verb
            FROM raw
        ), objects AS (
            SELECT gen_random_uuid()::text AS sid, user_id, at, verb,
                   CASE verb
                     WHEN 'attended' THEN :base || '/checkins/' || k
                     WHEN 'mentored' THEN :base || '/mentoring/sessions/' || k
                     WHEN 'asked' THEN :base || '/forums/threads/' || (k % 20000)
                     WHEN 'responded' THEN :base || '/forums/threads/' || (k % 20000)
                     ELSE CASE WHEN verb = 'completed' AND k % 5 < 2 THEN :base || '/plans/items/' || k
                               ELSE :base || '/courses/' || (k % 300) || '/modules/' || (k % 12) END
                   END AS obj
            FROM typed
        )
        INSERT INTO xapi_statements (id, stored, timestamp, actor_ifi, verb_id, object_type, is_voided,
                                     is_voiding, user_id, data, has_attachments)
        SELECT sid, at, at, 'mbox:mailto:p' || user_id || '@bench.example',
               CASE verb {" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in verbs.items())} END,
               'Activity', false, false, user_id,
               jsonb_build_object(
                   'id', sid, 'version', '1.0.0',
                   'actor', jsonb_build_object('objectType', 'Agent', 'mbox', 'mailto:p' || user_id || '@bench.example'),
                   'verb', jsonb_build_object('id', CASE verb {" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in verbs.items())} END,
                                              'display', jsonb_build_object('en-US', verb)),
                   'object', jsonb_build_object('objectType', 'Activity', 'id', obj),
                   'timestamp', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'stored', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'authority', jsonb_build_object('objectType', 'Agent', 'mbox', 'mailto:lrs@bench.example')),
               false
        FROM objects
    """), {"base": base_url})
    db.session.execute(text("INSERT INTO xapi_statement_activities (activity_id, stored, statement_seq, is_direct) "
                            "SELECT data->'object'->>'id', stored, seq, true FROM xapi_statements"))
    written = db.session.execute(text("SELECT count(*) FROM xapi_statements")).scalar()
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return written


def time_nightly(app, today: date) -> None:
    """The full engagement rebuild (the first night), then the nightly task as Celery runs it."""
    from analytics import engagement, tasks
    from lms.extensions import db

    with app.app_context():
        rss0 = _rss_mb()
        t = time.perf_counter()
        rows = engagement.refresh(full=True)
        db.session.commit()
        print(f"engagement full rebuild: {rows:,} person-weeks in {time.perf_counter() - t:.1f} s "
              f"(peak RSS {_rss_mb():.0f} MB, was {rss0:.0f} MB)")

    with app.app_context():
        t = time.perf_counter()
        result = tasks.nightly.run(today.isoformat())
        print(f"nightly (refresh recent weeks, score, alerts): {time.perf_counter() - t:.1f} s, "
              f"peak RSS of this process {_rss_mb():.0f} MB; result {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="reuse the database if it is already filled")
    parser.add_argument("--pages-only", action="store_true",
                        help="with --keep: time the HR pages only (the nightly work has run on this database before)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from lms.app import create_app
    from lms.extensions import db
    from xapi.models import Statement

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    today = date.today()
    rng = random.Random(7)
    if not args.keep:
        _recreate_database(url)
    app = create_app({"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "b" * 48,
                      "CELERY_BROKER_URL": "memory://", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        if not db.session.execute(select(func.count()).select_from(Statement)).scalar():
            t = time.perf_counter()
            org = build_organisation(args.employees, today, rng)
            print(f"organisation: {len(org['ids']):,} people in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            n = copy_statements(org, args.statements, today, app.config["BASE_URL"].rstrip("/"), rng)
            print(f"statements: {n:,} copied in {time.perf_counter() - t:.1f} s")
        total = db.session.execute(select(func.count()).select_from(Statement)).scalar()
        print(f"database: {total:,} statements on {db.engine.dialect.name}")

    if not args.pages_only:
        time_nightly(app, today)

    # As wsgi.py does for every server and worker process: the loaded app's objects are frozen out
    # of the garbage collector, so full collections during a request do not walk them.
    import gc
    gc.freeze()
    client = app.test_client()
    with app.app_context():
        from lms.people.models import Department, User

        hr = db.session.execute(select(User).where(User.email == "hr@bench.example")).scalar_one()
        org_departments = db.session.execute(select(Department.id).where(Department.parent_id.is_not(None))
                                             .order_by(Department.id)).scalars().all()
    client.post("/login", data={"email": "hr@bench.example", "password": "fasthold-bench"})
    dept = org_departments[len(org_departments) // 2]
    pages = {
        "KPIs (by quarter, two years)": "/analytics/kpis",
        "KPIs (by month, one department)": f"/analytics/kpis?granularity=month&department_id={dept}",
        "KPIs as PDF": "/analytics/kpis.pdf",
        "retention curves and Cox (stored)": "/analytics/retention",
        "early warning": "/analytics/risk",
        "alerts": "/analytics/alerts",
        "exit reason patterns": "/analytics/exits/patterns",
        "actions": "/analytics/actions",
    }
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'HR page':<58}{'p50 ms':>9}{'p95 ms':>9}{'CPU ms':>9}")

    def timed(name: str, path: str, before=None) -> str | None:
        """`rounds` requests of `path` (calling `before()` untimed first each time): p50, p95 and the
        best CPU time of this process (load-independent). Returns the last response's body."""
        timings, cpu = [], []
        response = None
        for _ in range(args.rounds):
            if before is not None:
                before()
            t, c = time.perf_counter(), time.process_time()
            response = client.get(path)
            cpu.append((time.process_time() - c) * 1000)
            timings.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            print(f"{name:<58} status {response.status_code}")
            return None
        print(f"{name:<58}{statistics.median(timings):>9.0f}{percentile(timings, 95):>9.0f}{min(cpu):>9.0f}")
        return response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""

    from analytics import charts, kpi_views

    def forget_pictures():
        charts._SVG_CACHE.clear()
        charts._PNG_CACHE.clear()

    def forget_all():
        forget_pictures()
        kpi_views._REPORTS.clear()

    # a new worker process's first request also imports, compiles templates and loads the spells:
    # timed once on its own, so the p95 below is of a running server
    t = time.perf_counter()
    client.get("/analytics/kpis")
    print(f"{'first request of the process (KPIs)':<58}{(time.perf_counter() - t) * 1000:>9.0f}")
    kpi_views._REPORTS.clear()
    forget_pictures()
    for name, path in pages.items():
        if path.startswith("/analytics/kpis?") or path == "/analytics/kpis":
            html = timed(name, path)
            # the charts the page links, each its own request from the browser (fetched in parallel)
            urls = dict.fromkeys(re.findall(r'src="(/analytics/kpis/charts/[^"]+)"', html or ""))
            for url in urls:
                url = url.replace("&amp;", "&")
                chart = url.split("/charts/")[1].split(".svg")[0]
                timed(f"  chart {chart}: drawn (report from the page)", url, before=forget_pictures)
                timed(f"  chart {chart}: drawn and report computed", url, before=forget_all)
                timed(f"  chart {chart}: drawn before", url)
        elif path.startswith("/analytics/kpis.pdf"):
            def view_page():
                """What the browser did before the export link was clicked: the page and its charts."""
                forget_pictures()
                html = client.get("/analytics/kpis").get_data(as_text=True)
                for url in dict.fromkeys(re.findall(r'src="(/analytics/kpis/charts/[^"]+)"', html)):
                    client.get(url.replace("&amp;", "&")).close()

            timed(f"{name}: after the page and its charts", path, before=view_page)
            timed(f"{name}: alone (report computed, charts drawn)", path, before=forget_all)
            timed(f"{name}: again", path)
        else:
            timed(name, path)
    print(f"peak RSS of this process {_rss_mb():.0f} MB (hr id {hr.id})")


if __name__ == "__main__":
    main()
