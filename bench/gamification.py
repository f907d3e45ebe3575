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
"""

from __future__ import annotations

import argparse
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


def build_ledger(db, people: list[int], rows: int, rule_ids: list[int], rng: random.Random) -> None:
    from sqlalchemy import insert

    from gamification.engine import add_to_totals, periods_of
    from gamification.models import PointsEntry

    now = datetime.now(timezone.utc)
    totals: dict[tuple[str, int], int] = defaultdict(int)
    batch = []
    for seq in range(1, rows + 1):
        user = people[int(rng.paretovariate(1.2)) % len(people)] if seq % 3 else rng.choice(people)
        moment = now - timedelta(minutes=rng.randrange(0, 364 * 24 * 60))
        points = rng.choice((5, 10, 10, 20, 50))
        batch.append({"user_id": user, "rule_id": rng.choice(rule_ids), "statement_seq": seq,
                      "statement_id": str(uuid.UUID(int=seq)), "points": points, "reason": "Completed a course: Bench",
                      "earned_at": moment, "earned_on": moment.date(), "created_at": now})
        for period in periods_of(moment):
            totals[(period, user)] += points
        if len(batch) == 50_000:
            print(f"  ledger rows: {seq:,}", flush=True)
            db.session.execute(insert(PointsEntry), batch)
            batch = []
    if batch:
        db.session.execute(insert(PointsEntry), batch)
    items = list(totals.items())
    for start in range(0, len(items), 50_000):
        add_to_totals(dict(items[start:start + 50_000]))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--ledger", type=int, default=2_000_000)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--batch", type=int, default=200, help="statements per announcement")
    parser.add_argument("--reuse", help="a folder holding bench.sqlite from an earlier run: skip the build")
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
    app = create_app({"ENV": "testing", "INSTANCE_PATH": str(tmp), "DATABASE_URL": url, "SECRET_KEY": "b" * 48,
                      "CELERY_BROKER_URL": "memory://", "WTF_CSRF_ENABLED": False, "BASE_URL": base})
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


        print("\nleaderboards through the service (ms)")
        print(f"{'board':<14}{'period':<8}{'p50':>8}{'p95':>8}")
        worst = 0.0
        for kind in service.BOARDS:
            for period in service.PERIODS:
                times = []
                for _ in range(args.rounds):
                    db.session.expire_all()
                    t = time.perf_counter()
                    service.board(viewer, kind, period, today)
                    times.append((time.perf_counter() - t) * 1000)
                worst = max(worst, percentile(times, 95))
                print(f"{kind:<14}{period:<8}{statistics.median(times):8.1f}{percentile(times, 95):8.1f}")
        print(f"worst p95: {worst:.1f} ms")
        if os.environ.get("BENCH_PROFILE_BOARDS"):
            import cProfile
            cProfile.runctx("for _ in range(20): service.board(viewer, 'teams', 'all', today)", globals(), locals(), sort="cumtime")
            cProfile.runctx("for _ in range(20): service.board(viewer, 'people', 'all', today)", globals(), locals(), sort="tottime")

    client = app.test_client()
    assert client.post("/login", data={"email": "p5@bench.example", "password": "bench password 123"}).status_code == 302
    print("\nleaderboard pages through the WSGI app (ms)")
    print(f"{'board':<14}{'period':<8}{'p50':>8}{'p95':>8}")
    worst = 0.0
    for kind in service.BOARDS:
        for period in service.PERIODS:
            times = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                response = client.get(f"/gamification/leaderboards?board={kind}&period={period}")
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
            worst = max(worst, percentile(times, 95))
            print(f"{kind:<14}{period:<8}{statistics.median(times):8.1f}{percentile(times, 95):8.1f}")
    print(f"worst p95: {worst:.1f} ms")

    with app.app_context():
        statements = make_statements(people, args.statements, rng, base, course_ids)
        started = time.perf_counter()
        for start in range(0, len(statements), 500):
            chunk = statements[start:start + 500]
            record_statement([s for s, _u in chunk], user_ids={f"mbox:mailto:p{u}@bench.example": u for _s, u in chunk})
        db.session.commit()
        print(f"\nstored {len(statements)} statements in the LRS in {time.perf_counter() - started:.1f} s (not counted below)")
        seqs = list(db.session.execute(select(Statement.seq).order_by(Statement.seq)).scalars())[-len(statements):]
        db.session.remove()
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
            pstats.Stats(prof).sort_stats("cumtime").print_stats(45)
        print(f"processed {len(seqs)} statements through 6 rules and 8 badges in {elapsed:.1f} s: "
              f"{len(seqs) / elapsed:,.0f} statements/s on one process ({entries} ledger entries, {awards} badges)")
        started = time.perf_counter()
        for start in range(0, len(seqs), args.batch):
            process_statements(seqs[start:start + args.batch])
            db.session.commit()
        elapsed = time.perf_counter() - started
        print(f"redelivery of all of them (no new entries): {len(seqs) / elapsed:,.0f} statements/s")


if __name__ == "__main__":
    main()
