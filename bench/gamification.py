"""Benchmark: leaderboards at 10,000 people and 2,000,000 ledger rows, and the statement stream
through every rule (not a test).

Builds, in a throw-away SQLite database (or BENCH_DATABASE_URL, e.g. PostgreSQL):
- N people (default 10,000) in 100 departments, in teams of about 8 under managers;
- a ledger of M points entries (default 2,000,000) spread over the last 52 weeks, with the
  bucket table (week, month, all time) filled from it exactly as the engine does;
then measures p50/p95 of every leaderboard (people, teams, departments x week, month, all time)
through the service and through the WSGI app (the whole page), and the engine's throughput: S
fresh statements (default 20,000; a mix of course, module, quiz, forum, goal and mentoring
statements) processed by 6 points rules (3 capped) and 8 badges (every rule kind), in batches as
xapi.announce_statements delivers them, with the badge rules for the people they touch.

    .venv/bin/python bench/gamification.py [--people 10000] [--ledger 2000000] [--statements 20000]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/fasthold_bench_gam \
        .venv/bin/python bench/gamification.py --workers 2     # an empty database; --reuse DIR then skips the build

On PostgreSQL the ledger goes in with COPY. `--workers N` (N > 1) processes the stream in N
worker processes, each with its own app and engine, pulling disjoint batches from one queue as
Celery workers would (a batch whose transaction lost a race or a deadlock is retried, as the
idempotent tasks allow); `--skip-boards` skips the leaderboard timings.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def time_every_board(title: str, run, rounds: int, before=None) -> None:
    """p50/p95 of `run(kind, period)` for every leaderboard, as a table, and the worst p95;
    `before()` runs untimed ahead of each call."""
    from gamification import service

    print(f"\n{title} (ms)")
    print(f"{'board':<14}{'period':<8}{'p50':>8}{'p95':>8}")
    worst = 0.0
    for kind in service.BOARDS:
        for period in service.PERIODS:
            times = []
            for _ in range(rounds):
                if before is not None:
                    before()
                t = time.perf_counter()
                run(kind, period)
                times.append((time.perf_counter() - t) * 1000)
            worst = max(worst, percentile(times, 95))
            print(f"{kind:<14}{period:<8}{statistics.median(times):8.1f}{percentile(times, 95):8.1f}")
    print(f"worst p95: {worst:.1f} ms")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build_people(db, n: int, today: date) -> list[int]:
    from sqlalchemy import insert

    from lms.people.models import Department, EmploymentSpell, User, UserRole

    now = datetime.now(timezone.utc)
    db.session.execute(insert(Department), [{"id": i, "name": f"Department {i}", "is_active": True, "created_at": now}
                                             for i in range(1, 101)])
    users, spells, roles = [], [], []
    for i in range(1, n + 1):
        users.append({"id": i, "email": f"p{i}@bench.example", "first_name": f"First{i}", "last_name": f"Last{i}",
                      "is_active": True, "is_mentor": False, "created_at": now, "updated_at": now,
                      "must_change_password": False})
        roles.append({"user_id": i, "role": "employee"})
    db.session.execute(insert(User), users)
    db.session.execute(insert(UserRole), roles)
    for i in range(1, n + 1):
        # every 9th person manages the next 8; departments are blocks of people
        manager = None if i % 9 == 1 else i - (i - 1) % 9
        spells.append({"user_id": i, "hire_date": today - timedelta(days=400 + i % 300), "department_id": 1 + (i - 1) * 100 // n,
                       "manager_id": manager, "job_title": "Analyst", "is_regretted": False, "created_at": now,
                       "updated_at": now})
    db.session.execute(insert(EmploymentSpell), spells)
    db.session.commit()
    return list(range(1, n + 1))


def _ledger_rows(people: list[int], rows: int, rule_ids: list[int], rng: random.Random, now: datetime):
    for seq in range(1, rows + 1):
        user = people[int(rng.paretovariate(1.2)) % len(people)] if seq % 3 else rng.choice(people)
        moment = now - timedelta(minutes=rng.randrange(0, 364 * 24 * 60))
        yield (user, rng.choice(rule_ids), seq, str(uuid.UUID(int=seq)), rng.choice((5, 10, 10, 20, 50)),
               "Completed a course: Bench", moment, moment.date(), now)


LEDGER_COLUMNS = ("user_id", "rule_id", "statement_seq", "statement_id", "points", "reason", "earned_at", "earned_on",
                  "created_at")


def build_ledger(db, people: list[int], rows: int, rule_ids: list[int], rng: random.Random) -> None:
    from sqlalchemy import insert, text

    from gamification.engine import add_to_totals, periods_of
    from gamification.models import PointsEntry

    now = datetime.now(timezone.utc)
    totals: dict[tuple[str, int], int] = defaultdict(int)
    is_pg = db.engine.dialect.name == "postgresql"
    if is_pg:  # COPY: about 20x the rows per second of executemany
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY points_entries ({', '.join(LEDGER_COLUMNS)}) FROM STDIN") as copy:
            for n, row in enumerate(_ledger_rows(people, rows, rule_ids, rng, now), 1):
                copy.write_row(row)
                for period in periods_of(row[6]):
                    totals[(period, row[0])] += row[4]
                if n % 250_000 == 0:
                    print(f"  ledger rows: {n:,}", flush=True)
    else:
        batch = []
        for n, row in enumerate(_ledger_rows(people, rows, rule_ids, rng, now), 1):
            batch.append(dict(zip(LEDGER_COLUMNS, row)))
            for period in periods_of(row[6]):
                totals[(period, row[0])] += row[4]
            if len(batch) == 50_000:
                print(f"  ledger rows: {n:,}", flush=True)
                db.session.execute(insert(PointsEntry), batch)
                batch = []
        if batch:
            db.session.execute(insert(PointsEntry), batch)
    items = list(totals.items())
    for start in range(0, len(items), 50_000):
        add_to_totals(dict(items[start:start + 50_000]))
    db.session.commit()
    if is_pg:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def make_statements(people: list[int], n: int, rng: random.Random, base: str, course_ids: list[int]) -> list[dict]:
    from xapi.vocabulary import ActivityType, Verb

    out = []
    now = datetime.now(timezone.utc)
    for i in range(n):
        user = rng.choice(people)
        kind = rng.random()
        if kind < 0.35:
            verb, obj, typ = Verb.EXPERIENCED, f"{base}/courses/{rng.choice(course_ids)}/modules/{rng.randrange(50)}", ActivityType.LESSON
        elif kind < 0.55:
            verb, obj, typ = Verb.ANSWERED, f"{base}/courses/1/modules/3/questions/{rng.randrange(500)}", ActivityType.QUESTION
        elif kind < 0.70:
            verb, obj, typ = Verb.COMPLETED, f"{base}/courses/{rng.choice(course_ids)}/modules/{rng.randrange(50)}", ActivityType.LESSON
        elif kind < 0.80:
            verb, obj, typ = Verb.COMPLETED, f"{base}/courses/{rng.choice(course_ids)}", ActivityType.COURSE
        elif kind < 0.90:
            verb, obj, typ = Verb.RECEIVED, f"{base}/forums/posts/{rng.randrange(100_000)}", ActivityType.QUESTION_THREAD
        elif kind < 0.95:
            verb, obj, typ = Verb.COMPLETED, f"{base}/plans/goals/{rng.randrange(100_000)}", ActivityType.GOAL
        else:
            verb, obj, typ = Verb.MENTORED, f"{base}/mentoring/sessions/{rng.randrange(100_000)}", ActivityType.TUTOR_SESSION
        out.append(({
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "mbox": f"mailto:p{user}@bench.example"},
            "verb": {"id": verb[0], "display": {"en-US": verb[1]}},
            "object": {"objectType": "Activity", "id": obj, "definition": {"type": typ, "name": {"en-US": "Bench"}}},
            "timestamp": (now - timedelta(minutes=rng.randrange(0, 60 * 24 * 60))).isoformat(),
        }, user))
    return out


def bench_config(tmp: Path, url: str, base: str) -> dict:
    return {"ENV": "testing", "INSTANCE_PATH": str(tmp), "DATABASE_URL": url, "SECRET_KEY": "b" * 48,
            "CELERY_BROKER_URL": "memory://", "WTF_CSRF_ENABLED": False, "BASE_URL": base}


def _retrying(work, stats: dict):
    """Run one task's work and commit; on a lost race (a unique key another worker's transaction
    took first) or a deadlock, roll back and run it again, as a retried idempotent task would."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    from lms.extensions import db

    for _attempt in range(20):
        try:
            result = work()
            db.session.commit()
            return result
        except (IntegrityError, OperationalError) as exc:
            db.session.rollback()
            stats["retries"] += 1
            stats["lost races" if isinstance(exc, IntegrityError) else "deadlocks"] += 1
    raise RuntimeError("a batch failed 20 times")


def stream_worker(tmp: str, url: str, base: str, jobs, results) -> None:
    """One worker process: its own app and engine; pulls batches of seqs until None; per batch the
    subscriber's work (points, facts, buckets, certificates) then the badge task's, each committed."""
    from sqlalchemy import text

    from gamification.badges import evaluate_badges
    from gamification.engine import process_statements
    from lms.app import create_app
    from lms.extensions import db

    app = create_app(bench_config(Path(tmp), url, base))
    gc.freeze()  # as wsgi.py does in every Celery worker process
    with app.app_context():
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() \
            if db.engine.dialect.name == "postgresql" else None
        db.session.commit()
        results.put(("ready", os.getpid()))
        server_cpu = _process_cpu(backend)
        stats = {"batches": 0, "statements": 0, "entries": 0, "awards": 0, "retries": 0, "lost races": 0,
                 "deadlocks": 0, "stream": 0.0, "badges": 0.0, "cpu": 0.0, "server_cpu": 0.0}
        cpu = time.process_time()
        while (seqs := jobs.get()) is not None:
            stats["batches"] += 1
            stats["statements"] += len(seqs)
            t = time.perf_counter()
            outcome = _retrying(lambda: process_statements(seqs), stats)
            stats["stream"] += time.perf_counter() - t
            t = time.perf_counter()
            stats["awards"] += len(_retrying(lambda: evaluate_badges(outcome.user_ids), stats))
            stats["badges"] += time.perf_counter() - t
            stats["entries"] += outcome.points_entries
        stats["cpu"] = time.process_time() - cpu
        stats["server_cpu"] = _process_cpu(backend) - server_cpu
        results.put(("done", stats))


def _process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of a process on this machine: the worker's PostgreSQL backend."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_workers(n: int, tmp: Path, url: str, base: str, seqs: list[int], batch: int) -> tuple[float, list[dict]]:
    """Process `seqs` in `n` worker processes (started and connected before the clock starts)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    jobs, results = ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=stream_worker, args=(str(tmp), url, base, jobs, results)) for _ in range(n)]
    for proc in procs:
        proc.start()
    for _ in procs:
        assert results.get(timeout=120)[0] == "ready"
    started = time.perf_counter()
    for start in range(0, len(seqs), batch):
        jobs.put(seqs[start:start + batch])
    for _ in procs:
        jobs.put(None)
    stats = [results.get()[1] for _ in procs]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    return elapsed, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--ledger", type=int, default=2_000_000)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--batch", type=int, default=200, help="statements per announcement")
    parser.add_argument("--reuse", help="a folder from an earlier run (holding bench.sqlite, or the instance "
                        "folder when BENCH_DATABASE_URL is set): skip the build")
    parser.add_argument("--workers", type=int, default=1, help="worker processes for the stream (PostgreSQL)")
    parser.add_argument("--skip-boards", action="store_true", help="skip the leaderboard timings")
    parser.add_argument("--seed", type=int, default=7, help="of the statement stream (a new seed with --reuse: "
                        "new facts, so new badges, as in a live stream)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from gamification import service
    from gamification.badges import evaluate_badges, save_badge
    from gamification.engine import process_statements
    from gamification.models import PointsEntry
    from lms.app import create_app
    from lms.auth.service import hash_password
    from lms.courses.models import Course
    from lms.extensions import db
    from lms.people.models import User
    from xapi.emitter import record_statement
    from xapi.models import Statement
    from xapi.vocabulary import ActivityType, Verb

    rng = random.Random(7)
    tmp = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="fasthold-bench-gam-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    base = "http://bench.example"
    app = create_app(bench_config(tmp, url, base))
    today = date.today()
    with app.app_context():
        upgrade()
        if args.reuse:
            people = list(db.session.execute(select(User.id).order_by(User.id)).scalars())
            course_ids = list(db.session.execute(select(Course.id).order_by(Course.id)).scalars())
            viewer = db.session.get(User, 5)
            print(f"reusing {tmp}: {len(people)} people, "
                  f"{db.session.execute(select(db.func.count()).select_from(PointsEntry)).scalar_one()} ledger rows")
        else:
            if db.session.execute(select(User.id).limit(1)).first() is not None:
                sys.exit("The bench database is not empty: give --reuse DIR, or an empty database.")
            started = time.perf_counter()
            people = build_people(db, args.people, today)
            rules = [
                service.save_rule(None, name="Completed a course", verb_id=Verb.COMPLETED[0], activity_type=ActivityType.COURSE, points=50, daily_cap=None),
                service.save_rule(None, name="Completed a lesson", verb_id=Verb.COMPLETED[0], activity_type=ActivityType.LESSON, points=5, daily_cap=50),
                service.save_rule(None, name="Experienced", verb_id=Verb.EXPERIENCED[0], activity_type=None, points=1, daily_cap=10),
                service.save_rule(None, name="Answered", verb_id=Verb.ANSWERED[0], activity_type=ActivityType.QUESTION, points=2, daily_cap=20),
                service.save_rule(None, name="Helpful answer", verb_id=Verb.RECEIVED[0], activity_type=ActivityType.QUESTION_THREAD, points=10, daily_cap=None),
                service.save_rule(None, name="Goal reached", verb_id=Verb.COMPLETED[0], activity_type=ActivityType.GOAL, points=30, daily_cap=None),
            ]
            courses = [Course(title=f"Course {i}", summary="", category=("Leadership", "Compliance")[i % 2], duration_minutes=30)
                       for i in range(20)]
            db.session.add_all(courses)
            db.session.flush()
            course_ids = [c.id for c in courses]
            for name, kind, param, count in (("GDPR", "course", str(courses[0].id), None), ("Leader", "category", "Leadership", 3),
                                             ("Onboarded", "onboarding", None, None), ("Helper", "helpful_answers", None, 3),
                                             ("Goal", "first_goal", None, None), ("Mentor", "mentor_sessions", None, 2),
                                             ("Steady", "learning_streak", None, 4), ("Star", "manual", None, None)):
                save_badge(None, name=name, description=name, criteria=name, rule_kind=kind, rule_param=param, rule_count=count)
            viewer = db.session.get(User, 5)
            viewer.password_hash = hash_password("bench password 123")
            db.session.commit()
            build_ledger(db, people, args.ledger, [r.id for r in rules], rng)
            n_ledger = db.session.execute(select(db.func.count()).select_from(PointsEntry)).scalar_one()
            print(f"built {args.people} people and {n_ledger} ledger rows in {time.perf_counter() - started:.1f} s "
                  f"on {db.engine.dialect.name}")

        gc.freeze()  # as wsgi.py does in every web process: the loaded app out of the collector's reach
        if args.skip_boards:
            print("leaderboards skipped")
        else:
            time_every_board("leaderboards through the service",
                             lambda kind, period: service.board(viewer, kind, period, today), args.rounds,
                             before=db.session.expire_all)
            if os.environ.get("BENCH_PROFILE_BOARDS"):
                import cProfile
                cProfile.runctx("for _ in range(20): service.board(viewer, 'teams', 'all', today)", globals(), locals(), sort="cumtime")
                cProfile.runctx("for _ in range(20): service.board(viewer, 'people', 'all', today)", globals(), locals(), sort="tottime")

    if not args.skip_boards:
        client = app.test_client()
        assert client.post("/login", data={"email": "p5@bench.example", "password": "bench password 123"}).status_code == 302

        def as_page(kind, period):
            assert client.get(f"/gamification/leaderboards?board={kind}&period={period}").status_code == 200

        time_every_board("leaderboard pages through the WSGI app", as_page, args.rounds)

    with app.app_context():
        statements = make_statements(people, args.statements, random.Random(args.seed) if args.reuse else rng, base,
                                     course_ids)
        started = time.perf_counter()
        for start in range(0, len(statements), 500):
            chunk = statements[start:start + 500]
            record_statement([s for s, _u in chunk], user_ids={f"mbox:mailto:p{u}@bench.example": u for _s, u in chunk})
        db.session.commit()
        print(f"\nstored {len(statements)} statements in the LRS in {time.perf_counter() - started:.1f} s (not counted below)")
        seqs = list(db.session.execute(select(Statement.seq).order_by(Statement.seq)).scalars())[-len(statements):]
        db.session.remove()
        if args.workers > 1:
            stream_in_workers(args, tmp, url, base, seqs)
            return
        load = os.getloadavg()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        started = time.perf_counter()
        entries = awards = 0
        stream = badge_time = 0.0
        for start in range(0, len(seqs), args.batch):
            t = time.perf_counter()
            outcome = process_statements(seqs[start:start + args.batch])  # the subscriber's work
            db.session.commit()
            stream += time.perf_counter() - t
            t = time.perf_counter()
            awards += len(evaluate_badges(outcome.user_ids))  # the badge task's work
            db.session.commit()
            badge_time += time.perf_counter() - t
            entries += outcome.points_entries
        elapsed = time.perf_counter() - started
        print(f"  points, facts, buckets and certificates: {stream:.1f} s ({len(seqs) / stream:,.0f} statements/s); "
              f"badge rules and awards: {badge_time:.1f} s")
        if os.environ.get("BENCH_PROFILE"):
            prof.disable()
            sort = os.environ["BENCH_PROFILE"] if os.environ["BENCH_PROFILE"] in ("tottime", "cumtime") else "cumtime"
            pstats.Stats(prof).sort_stats(sort).print_stats(45)
        print(f"processed {len(seqs)} statements through 6 rules and 8 badges in {elapsed:.1f} s: "
              f"{len(seqs) / elapsed:,.0f} statements/s on one process ({entries} ledger entries, {awards} badges); "
              f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")
        started = time.perf_counter()
        for start in range(0, len(seqs), args.batch):
            process_statements(seqs[start:start + args.batch])
            db.session.commit()
        elapsed = time.perf_counter() - started
        print(f"redelivery of all of them (no new entries): {len(seqs) / elapsed:,.0f} statements/s")


def stream_in_workers(args, tmp: Path, url: str, base: str, seqs: list[int]) -> None:
    """The stream through `args.workers` processes; then a check that no concurrent upsert lost
    points (the all-time buckets add up to the ledger), and redelivery the same way."""
    from sqlalchemy import func, select

    from gamification.models import PointsEntry, PointsGroupTotal, PointsTotal
    from lms.extensions import db

    load = os.getloadavg()
    elapsed, stats = run_workers(args.workers, tmp, url, base, seqs, args.batch)
    after = os.getloadavg()
    total = {k: sum(st[k] for st in stats) for k in stats[0]}
    print(f"processed {len(seqs)} statements through 6 rules and 8 badges in {elapsed:.1f} s with {args.workers} "
          f"worker processes: {len(seqs) / elapsed:,.0f} statements/s end to end ({total['entries']} ledger entries, "
          f"{total['awards']} badges, {total['retries']} batches retried: {total['lost races']} lost a race on a "
          f"unique key, {total['deadlocks']} a deadlock); "
          f"load average before {load[0]:.2f}, after {after[0]:.2f}")
    for n, st in enumerate(stats, 1):
        print(f"  worker {n}: {st['batches']} batches, {st['statements']} statements; subscriber {st['stream']:.1f} s, "
              f"badge task {st['badges']:.1f} s; CPU: worker {st['cpu']:.1f} s, its PostgreSQL backend "
              f"{st['server_cpu']:.1f} s ({(st['cpu'] + st['server_cpu']) / max(st['statements'], 1) * 1000:.2f} ms "
              f"per statement)")
    ledger = db.session.execute(select(func.coalesce(func.sum(PointsEntry.points), 0))).scalar_one()
    people = db.session.execute(select(func.coalesce(func.sum(PointsTotal.points), 0))
                                .where(PointsTotal.period == "all")).scalar_one()
    departments = db.session.execute(select(func.coalesce(func.sum(PointsGroupTotal.points), 0))
                                     .where(PointsGroupTotal.period == "all", PointsGroupTotal.kind == "department")
                                     ).scalar_one()
    print(f"ledger {ledger:,} points; all-time buckets: people {people:,}, departments {departments:,}"
          f" ({'consistent' if ledger == people == departments else 'MISMATCH'})")
    db.session.remove()
    elapsed, stats = run_workers(args.workers, tmp, url, base, seqs, args.batch)
    print(f"redelivery of all of them with {args.workers} workers (no new entries): {len(seqs) / elapsed:,.0f} "
          f"statements/s ({sum(st['entries'] for st in stats)} new entries)")


if __name__ == "__main__":
    main()
