"""Benchmark: the dashboard's CPU time and queries per request, per role and per panel (not a test).

Runs against the database bench/pages.py fills (run that first), in one process through the test
client, so the figures do not depend on how busy the machine is:

    .venv/bin/python bench/dashboard.py                     # best of 5 runs of 20 requests per person
    .venv/bin/python bench/dashboard.py --profile manager   # and a cProfile listing for that role

For each measured kind of person (new hire, employee, manager, HR, admin; the first of each that
bench/pages.py signs in) it prints the CPU time of a whole `GET /` (`time.process_time`, best of
--runs runs of --requests requests), the number of SQL statements and the time spent waiting on
them; then, for one more request, each panel's context function and template separately, and the
part of the page outside the panels (sign-in, header, the page's own cards).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import re
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import INSTANCE, pick_users, server_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/fasthold_pages")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--profile", help="a kind of person (e.g. manager) to list with cProfile")
    parser.add_argument("--sql", help="a kind of person whose SQL statements of one request to print")
    args = parser.parse_args()

    env = server_env(args.database, 5099)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "FASTHOLD_ENV", "SECRET_KEY", "CELERY_BROKER_URL",
                                            "FASTHOLD_INSTANCE_PATH", "BASE_URL")})
    Path(INSTANCE).mkdir(parents=True, exist_ok=True)
    from sqlalchemy import event

    from lms.app import create_app
    from lms.core import dashboard
    from lms.demo import DEMO_PASSWORD
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        users = pick_users(date.today())
        engine = db.engine
    kinds: dict[str, tuple[str, str]] = {}
    for kind, _id, email, _first in users:
        kinds.setdefault(kind, (email, _first))

    sql = {"n": 0, "wall": 0.0, "log": None}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["fh_t"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        sql["n"] += 1
        if sql["log"] is not None:
            sql["log"].append(" ".join(statement.split())[:160])
        sql["wall"] += time.perf_counter() - conn.info.pop("fh_t", time.perf_counter())

    # Each panel's context and template, timed separately (CPU and queries).
    per_panel: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0.0, 0])

    def timed_render(user, today):
        from flask import render_template
        from markupsafe import Markup

        out = []
        for panel in sorted(dashboard._PANELS.values(), key=lambda p: (p.order, p.name)):
            c0, q0 = time.process_time(), sql["n"]
            context = panel.context(user, today)
            c1, q1 = time.process_time(), sql["n"]
            if context:
                out.append(Markup(render_template(panel.template, today=today, **context)))
            c2, q2 = time.process_time(), sql["n"]
            row = per_panel[panel.name]
            row[0] += c1 - c0
            row[1] += q1 - q0
            row[2] += c2 - c1
            row[3] += q2 - q1
        return out

    print(f"{'signed in as':<14}{'cached: CPU ms':>16}{'queries':>9}{'SQL wait ms':>13}"
          f"{'uncached: CPU ms':>18}{'queries':>9}{'bytes':>9}")
    for kind, (email, first) in kinds.items():
        client = app.test_client()
        # production settings: the session cookie is Secure, so the client speaks https
        client.get = functools.partial(client.get, base_url="https://127.0.0.1")
        client.post = functools.partial(client.post, base_url="https://127.0.0.1")
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        r = client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": DEMO_PASSWORD},
                        headers={"Referer": "https://127.0.0.1/login"})  # Flask-WTF checks it over https
        assert r.status_code == 302, (email, r.status_code, r.get_data(as_text=True)[:3000])
        for _ in range(3):  # warm: templates compiled, caches filled
            r = client.get("/")
            assert r.status_code == 200 and first in r.get_data(as_text=True), (kind, r.status_code)
        ttl = app.config["DASHBOARD_CACHE_SECONDS"]
        figures = []
        for seconds in (ttl, 0):  # as configured (panels reused), then every panel computed
            app.config["DASHBOARD_CACHE_SECONDS"] = seconds
            best = None
            for _ in range(args.runs):
                sql["n"], sql["wall"] = 0, 0.0
                started = time.process_time()
                for _ in range(args.requests):
                    client.get("/")
                cpu = (time.process_time() - started) / args.requests
                if best is None or cpu < best[0]:
                    best = (cpu, sql["n"] / args.requests, sql["wall"] / args.requests)
            figures.append(best)
        app.config["DASHBOARD_CACHE_SECONDS"] = ttl
        size = len(client.get("/").data)
        (c_cpu, c_q, c_wait), (u_cpu, u_q, _w) = figures
        print(f"{kind:<14}{c_cpu * 1000:>16.1f}{c_q:>9.0f}{c_wait * 1000:>13.1f}{u_cpu * 1000:>18.1f}{u_q:>9.0f}"
              f"{size:>9,}", flush=True)
        if args.sql == kind:
            for seconds, label in ((ttl, "reused panels"), (0, "every panel computed")):
                app.config["DASHBOARD_CACHE_SECONDS"] = seconds
                sql["log"] = []
                client.get("/")
                print(f"    SQL of one request, {label}:")
                print("\n".join("      " + line for line in sql["log"]))
                sql["log"] = None
            app.config["DASHBOARD_CACHE_SECONDS"] = ttl

        # One more pass with each panel timed on its own, computed every time (as on a first view).
        per_panel.clear()
        original = dashboard.render_panels
        dashboard.render_panels = timed_render
        import lms.core.views as core_views

        core_views.render_panels = timed_render
        try:
            n = args.requests
            sql["n"] = 0
            started = time.process_time()
            for _ in range(n):
                client.get("/")
            total, queries = (time.process_time() - started) / n, sql["n"] / n
        finally:
            dashboard.render_panels = original
            core_views.render_panels = original
        in_panels = sum(v[0] + v[2] for v in per_panel.values()) / n
        for name, (ctx, qc, tpl, qt) in sorted(per_panel.items(), key=lambda kv: -(kv[1][0] + kv[1][2])):
            print(f"    {name:<14} context {ctx / n * 1000:5.1f} ms {qc / n:3.0f} q   template {tpl / n * 1000:5.1f} ms"
                  f" {qt / n:3.0f} q")
        print(f"    {'(the rest)':<14} {(total - in_panels) * 1000:5.1f} ms, "
              f"{queries - sum(v[1] + v[3] for v in per_panel.values()) / n:.0f} q "
              "(sign-in, header, the page's own cards)")
        if args.profile == kind:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(n):
                client.get("/")
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
            stats.print_stats(60)
            out.write("\n--- by own time ---\n")
            stats.sort_stats("tottime").print_stats(40)
            print(out.getvalue())


if __name__ == "__main__":
    main()
