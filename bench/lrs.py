"""Benchmark: the LRS at scale, on PostgreSQL under gunicorn (not a test).

Fills the store to --statements (default 1,000,000) with realistic statements posted in batches
of 100 by 4 concurrent HTTP clients; then measures ingest throughput by posting --ingest more
(default 100,000) statements, made beforehand so the clients take little of the two cores; then
p50/p95 latency of every query kind, and the server's memory while paging through the whole store.

    .venv/bin/python bench/lrs.py --database postgresql+psycopg://postgres@127.0.0.1:5432/fasthold_bench

The database is created if missing and reused if it already holds enough statements (so a run
can be repeated without refilling). Results go to stdout; copy them to bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
VERBS = [f"http://adlnet.gov/expapi/verbs/{v}" for v in (
    "experienced", "attempted", "answered", "passed", "failed", "completed", "launched", "initialized",
    "progressed", "commented", "asked", "responded", "registered", "attended")]
N_ACTORS, N_COURSES, MODULES_PER_COURSE = 5000, 400, 10


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def make_statement(rng: random.Random) -> dict:
    actor = rng.randrange(N_ACTORS)
    course = rng.randrange(N_COURSES)
    module = rng.randrange(MODULES_PER_COURSE)
    s = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {"objectType": "Agent", "name": f"Learner {actor}", "mbox": f"mailto:learner{actor}@bench.example"},
        "verb": {"id": rng.choice(VERBS), "display": {"en-US": "did"}},
        "object": {"objectType": "Activity", "id": f"http://bench.example/courses/{course}/modules/{module}",
                   "definition": {"name": {"en-US": f"Module {module}", "da": f"Modul {module}"},
                                  "type": "http://adlnet.gov/expapi/activities/module"}},
        "context": {
            "registration": str(uuid.UUID(int=actor * 1000 + course, version=4)),
            "contextActivities": {"parent": [{"id": f"http://bench.example/courses/{course}"}]},
            "instructor": {"mbox": f"mailto:teacher{course % 50}@bench.example"},
        },
        "result": {"completion": True, "success": rng.random() < 0.8, "duration": f"PT{rng.randint(10, 3600)}S",
                   "score": {"scaled": round(rng.random(), 2)}},
        "timestamp": "2026-11-01T12:00:00.000Z",
    }
    return s


class Client:
    def __init__(self, port: int, auth: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, ConnectionError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.conn.host, self.conn.port, timeout=120)
            raise


def pg_setting(url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    with create_engine(url).connect() as conn:
        return conn.execute(text(f"SHOW {name}")).scalar_one()


def vacuum_analyze(url: str) -> None:
    from sqlalchemy import create_engine, text

    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))


def count_statements(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT count(*) FROM xapi_statements")).scalar_one()
        except Exception:  # noqa: BLE001 - no schema yet
            return 0
        finally:
            engine.dispose()


def ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}).first():
            conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, IndexError):
            pass
    return total / tick


def pids_of(*pgrep_args: str) -> list[int]:
    return [int(p) for p in subprocess.run(["pgrep", *pgrep_args], capture_output=True, text=True).stdout.split()]


def rss_of(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def post_all(port: int, auth: str, bodies, clients: int, progress: bool = False):
    """POST every body with `clients` concurrent connections: (statements, seconds, errors)."""
    lock = threading.Lock()
    errors: list = []
    done = [0]

    def worker() -> None:
        client = Client(port, auth)
        while True:
            with lock:
                body = next(bodies, None)
            if body is None:
                return
            status, data = client.request("POST", "/xapi/statements", body)
            with lock:
                if status == 200:
                    done[0] += len(json.loads(data))
                else:
                    errors.append((status, data[:200]))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    last = started
    while any(t.is_alive() for t in threads):
        time.sleep(1)
        now = time.perf_counter()
        if progress and now - last > 60:
            print(f"  {done[0]:,} posted, {done[0] / (now - started):,.0f}/s", flush=True)
            last = now
    return done[0], time.perf_counter() - started, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/fasthold_bench")
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync",
                        help="gunicorn worker class: sync (as the README's production command) or gthread")
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--ingest", type=int, default=100_000, help="statements posted in the measured ingest")
    parser.add_argument("--skip-paging", action="store_true")
    args = parser.parse_args()

    ensure_database(args.database)
    env = {**os.environ, "DATABASE_URL": args.database, "FASTHOLD_ENV": "production",
           "SECRET_KEY": "bench-" + "k" * 48, "CELERY_BROKER_URL": "memory://",
           "FASTHOLD_INSTANCE_PATH": "/tmp/fasthold-bench-instance", "BASE_URL": "http://127.0.0.1"}
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    created = subprocess.run([*flask, "xapi", "credentials", "create", "bench", "--scope", "all"],
                             env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    cred = json.loads(created.stdout.strip().splitlines()[-1])
    auth = "Basic " + base64.b64encode(f"{cred['key']}:{cred['secret']}".encode()).decode()

    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
         "--worker-class", args.worker_class,
         *(["--threads", str(args.threads)] if args.worker_class == "gthread" else []),
         "--log-level", "warning", "wsgi:app"],
        env=env, cwd=ROOT, start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                Client(args.port, auth).request("GET", "/xapi/about")
                break
            except OSError:
                time.sleep(0.2)
        shape = f"{args.workers} {args.worker_class} workers" + (
            f" x {args.threads} threads" if args.worker_class == "gthread" else "")
        print(f"server: gunicorn, {shape}, PostgreSQL (shared_buffers {pg_setting(args.database, 'shared_buffers')}); "
              f"clients: {args.clients}")

        have = count_statements(args.database)
        missing = max(0, args.statements - have)
        if missing:
            batches = missing // args.batch
            print(f"store holds {have:,}; filling with {batches * args.batch:,} more in batches of {args.batch}")
            rng = random.Random(have)
            bodies = (json.dumps([make_statement(rng) for _ in range(args.batch)]).encode() for _ in range(batches))
            done, elapsed, errors = post_all(args.port, auth, bodies, args.clients, progress=True)
            print(f"fill: {done:,} statements in {elapsed:,.1f} s ({len(errors)} failed batches"
                  f"{': ' + str(errors[0]) if errors else ''}; clients generated the statements as they went)")
            # After a bulk load the planner needs statistics (autovacuum gets there eventually):
            # without them `verb` at 1M took 0.6-0.9 s instead of milliseconds.
            started = time.perf_counter()
            vacuum_analyze(args.database)
            print(f"VACUUM ANALYZE after the fill: {time.perf_counter() - started:.0f} s")

        # The measured ingest: bodies made beforehand, so the clients cost the two cores little.
        if args.ingest:
            rng = random.Random(time.time_ns())
            bodies = [json.dumps([make_statement(rng) for _ in range(args.batch)]).encode()
                      for _ in range(args.ingest // args.batch)]
            group = str(os.getpgid(server.pid))
            # Per process, so PostgreSQL backends that connect during the run count from zero.
            before = {pid: cpu_seconds([pid]) for pid in pids_of("-g", group) + pids_of("-u", "postgres")}
            client_before = time.process_time()
            done, elapsed, errors = post_all(args.port, auth, iter(bodies), args.clients)
            used = [sum(cpu_seconds([pid]) - before.get(pid, 0.0) for pid in pids_of(*which))
                    for which in (("-g", group), ("-u", "postgres"))] + [time.process_time() - client_before]
            print(f"ingest: {done:,} statements in {elapsed:,.1f} s = {done / elapsed:,.0f} statements/s "
                  f"with {args.clients} clients ({len(errors)} failed batches{': ' + str(errors[0]) if errors else ''})")
            per = [u / max(done, 1) * 1e6 for u in used]
            print(f"  CPU per statement: server {per[0]:.0f} µs, PostgreSQL {per[1]:.0f} µs, clients {per[2]:.0f} µs; "
                  f"{os.cpu_count()} cores could serve {os.cpu_count() * 1e6 / sum(per):,.0f}/s if nothing else ran "
                  f"(load average {os.getloadavg()[0]:.1f})")
        total = count_statements(args.database)
        print(f"store holds {total:,} statements")

        client = Client(args.port, auth)
        rng = random.Random(1)
        status, data = client.request("GET", "/xapi/statements?limit=1")
        sample = json.loads(data)["statements"][0]
        actor = json.dumps({"mbox": f"mailto:learner{rng.randrange(N_ACTORS)}@bench.example"})
        teacher = json.dumps({"mbox": "mailto:teacher7@bench.example"})
        cases = {
            "statementId": f"statementId={sample['id']}",
            "agent": f"agent={quote(actor)}&limit=10",
            "verb": f"verb={quote(VERBS[3])}&limit=10",
            "activity": f"activity={quote('http://bench.example/courses/17/modules/3')}&limit=10",
            "registration": f"registration={sample['context']['registration']}&limit=10",
            "related_activities": f"activity={quote('http://bench.example/courses/17')}&related_activities=true&limit=10",
            "related_agents": f"agent={quote(teacher)}&related_agents=true&limit=10",
            "since": f"since={quote(sample['stored'])}&limit=10",
            "until": f"until={quote(sample['stored'])}&limit=10",
            "ascending": "ascending=true&limit=10",
            "format=ids": "limit=10&format=ids",
            "format=canonical": "limit=10&format=canonical",
            "agent+verb+since": f"agent={quote(actor)}&verb={quote(VERBS[5])}&since=2026-01-01T00:00:00Z&limit=10",
            "page of 100": "limit=100",
        }
        print(f"{'query':<22}{'p50 ms':>9}{'p95 ms':>9}")
        for name, query in cases.items():
            timings = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                status, data = client.request("GET", "/xapi/statements?" + query)
                timings.append((time.perf_counter() - t) * 1000)
                assert status == 200, (name, status, data[:300])
            print(f"{name:<22}{statistics.median(timings):>9.1f}{pct(timings, 95):>9.1f}", flush=True)
        # the second page through `more`
        status, data = client.request("GET", "/xapi/statements?" + cases["verb"])
        more = json.loads(data)["more"]
        timings = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            status, data = client.request("GET", more)
            timings.append((time.perf_counter() - t) * 1000)
        print(f"{'more (page 2)':<22}{statistics.median(timings):>9.1f}{pct(timings, 95):>9.1f}")

        if not args.skip_paging:
            pids = [int(p) for p in subprocess.run(["pgrep", "-g", str(os.getpgid(server.pid))],
                                                   capture_output=True, text=True).stdout.split()]
            rss_before = rss_of(pids)
            url, pages, seen, samples = "/xapi/statements?limit=500&format=ids", 0, 0, []
            started = time.perf_counter()
            while url:
                status, data = client.request("GET", url)
                body = json.loads(data)
                seen += len(body["statements"])
                url = body["more"]
                pages += 1
                if pages % 200 == 0:
                    samples.append(rss_of(pids))
            elapsed = time.perf_counter() - started
            print(f"paged through {seen:,} statements in {pages:,} pages in {elapsed:.0f} s "
                  f"({elapsed / pages * 1000:.1f} ms a page); server RSS {rss_before / 1024:.0f} MiB before, "
                  f"{max(samples or [rss_before]) / 1024:.0f} MiB peak, {rss_of(pids) / 1024:.0f} MiB after")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
