"""Benchmark: dashboard, catalogue and a forum thread under 20 concurrent users (not a test).

Issue 4's target: with 2,000 people, 200 courses and 50,000 forum posts on PostgreSQL under
gunicorn, the dashboard, catalogue and a forum thread answer at p95 within 150 ms under 20
concurrent users.

    .venv/bin/python bench/pages.py --database postgresql+psycopg://postgres@127.0.0.1:5432/fasthold_pages

The database is created if missing and migrated. An empty one is filled: the demo organisation
with --employees people (build_demo: its courses, forums and onboarding go through the services),
then Core bulk inserts up to --courses published courses (modules, a quiz, a course forum each)
and up to --posts forum posts (threads over the open groups and course forums, with one big
thread of --big-thread posts, since threads page by 20), and enrolments with progress for the
measured people. A filled database is reused, so runs can be repeated.

Then gunicorn serves the app with production settings, as the README's production section runs
it (4 sync workers, the dashboard's panels cached in Redis; --threads 2 gives the 4 x 2 gthread
workers of earlier sessions, --dashboard-cache '' a cache in each process); 20 people
(new hires in their first 90 days, employees, managers, HR, admin) sign in through the real form
with its CSRF token, and for each page kind the 20 users request it --rounds times each, all at
once. Every response must be 200 with the page's own content (never the sign-in form). Prints
p50/p95/max and requests per second per kind, and a Markdown table for bench/README.md.

The dashboard "/" shows the panels the modules register (lms/core/dashboard.py): onboarding
(new hires, managers, buddies), my courses (and a manager's overdue team), forum activity and
unread notifications; the check requires the courses and forums panels, and the onboarding one
for the new hires.
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 150.0
INSTANCE = "/tmp/fasthold-bench-pages-instance"


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def server_env(url: str, port: int, dashboard_cache: str = "") -> dict:
    return {**os.environ, "DATABASE_URL": url, "FASTHOLD_ENV": "production",
            "SECRET_KEY": "bench-pages-" + "k" * 48, "CELERY_BROKER_URL": "memory://",
            "FASTHOLD_INSTANCE_PATH": INSTANCE, "BASE_URL": f"http://127.0.0.1:{port}",
            "DASHBOARD_CACHE_URL": dashboard_cache}


def ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}).first():
            conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


# --- data ----------------------------------------------------------------------------------------

TOPICS = [
    ("Compliance", ["Anti-bribery and gifts", "Export control essentials", "Competition law for sales teams",
                    "Whistleblowing: how to speak up", "Records retention", "Sanctions screening",
                    "Data protection for HR", "Working with personal data in support"]),
    ("Health and safety", ["Forklift safety refresher", "Manual handling", "Fire warden training",
                           "First aid at work", "Working at height", "Ergonomics at your desk",
                           "Hazardous goods in the warehouse", "Safe driving for field staff"]),
    ("Leadership", ["Leading hybrid teams", "Coaching conversations", "Delegating well",
                    "Running one-to-ones", "Hiring without bias", "Managing underperformance",
                    "Leading through change", "Budgeting for team leads"]),
    ("Communication", ["Writing clear e-mails", "Presenting with confidence", "Difficult conversations",
                       "Facilitating workshops", "Negotiation basics", "Listening skills",
                       "Writing for the intranet", "Cross-cultural collaboration in Scandinavia"]),
    ("Technology", ["Git for beginners", "SQL for analysts", "PostgreSQL performance", "Python data pipelines",
                    "Cloud cost awareness", "Secure coding", "Accessibility for developers",
                    "Observability and on-call", "Excel power tips", "Automating reports"]),
    ("Sales and customers", ["Discovery calls", "Key account planning", "Handling objections",
                             "Customer onboarding", "Pricing conversations", "CRM hygiene",
                             "Writing proposals", "Renewals and churn"]),
    ("Operations", ["Lean in the warehouse", "Inventory accuracy", "Route planning", "Returns handling",
                    "Quality checks on inbound goods", "Shift handovers", "Warehouse KPIs"]),
    ("Sustainability", ["Carbon accounting basics", "Greener logistics", "Circular packaging",
                        "Sustainable procurement"]),
    ("Personal effectiveness", ["Time management", "Focus and deep work", "Stress and resilience",
                                "Learning how to learn", "Running effective meetings", "Giving and receiving feedback"]),
]
LEVELS = ["", " for beginners", ": the essentials", " in practice", " (advanced)", " refresher"]
LANGS = ["en"] * 6 + ["da"] * 3 + ["sv"] * 2
PHRASES = [
    "Thanks for sharing this, it helped a lot.", "We tried the same in Malmö last quarter.",
    "Could you say more about how you measured it?", "I agree with the point about **keeping it simple**.",
    "Here is the checklist we use:\n\n- agree the goal\n- write it down\n- review after a month",
    "Has anyone asked People & Culture about this?", "The course module on this topic is worth the 20 minutes.",
    "In Copenhagen we do it every Friday after the team meeting.", "Good question, I was wondering the same.",
    "We ran into the same problem; the fix was to start smaller.", "See the intranet page, *Travel and expenses*.",
    "Jeg er enig, det fungerer godt hos os i København.", "Vi gör likadant på lagret i Malmö, det fungerar bra.",
    "Short answer: yes. Long answer: it depends on the team.", "+1, and please share the slides afterwards.",
]
THREAD_TITLES = [
    "Tips for the {t} module", "Question about {t}", "How do you apply {t} in your team?",
    "{t}: what worked for you?", "Resources on {t}", "Stuck on the quiz in {t}", "{t} in Malmö vs Copenhagen",
]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(PHRASES) for _ in range(n))


def build_data(app, args) -> None:
    """Make the database hold the organisation, courses, posts and the measured users' enrolments."""
    from sqlalchemy import func, insert, select, update

    from lms.courses.models import Course, CourseModule, Enrolment, ModuleProgress, course_authors
    from lms.courses.models import AnswerOption, Question
    from lms.demo import build_demo, database_is_empty
    from lms.extensions import db
    from lms.forums.models import Forum, ForumPost, ForumSubscription, ForumThread, ThreadSubscription
    from lms.people.models import EmploymentSpell, User

    today = date.today()
    now = datetime.now(timezone.utc)
    with app.app_context():
        if database_is_empty():
            started = time.perf_counter()
            result = build_demo(employees=args.employees, seed=2026, today=today)
            db.session.commit()
            print(f"build_demo: {result.people:,} people, {result.spells:,} spells in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        rng = random.Random(4)
        conn = db.session.connection()

        staff = list(db.session.execute(
            select(User.id).join(EmploymentSpell, EmploymentSpell.user_id == User.id)
            .where(User.is_active.is_(True), EmploymentSpell.hire_date <= today, EmploymentSpell.end_date.is_(None))
            .order_by(User.id)
        ).scalars())
        author_id = db.session.execute(select(User.id).where(User.email == "hr@fjordhavn.example")).scalar_one()

        # Courses up to --courses: published, 3-6 modules (text, video link, text, quiz), a forum each.
        have = db.session.execute(select(func.count()).select_from(Course)).scalar_one()
        if have < args.courses:
            started = time.perf_counter()
            taken = set(db.session.execute(select(Course.title)).scalars())
            titles = []
            for category, names in TOPICS:
                for name in names:
                    for level in LEVELS:
                        if f"{name}{level}" not in taken:
                            titles.append((category, f"{name}{level}"))
            rng.shuffle(titles)
            for category, title in titles[: args.courses - have]:
                language = rng.choice(LANGS)
                published = now - timedelta(days=rng.randint(1, 700))
                course_id = conn.execute(insert(Course.__table__).values(
                    title=title, category=category, language=language, status="published",
                    summary=f"{title}. A practical course for colleagues at Fjordhavn: short lessons, a video "
                            f"and a quiz at the end. {rng.choice(PHRASES)}",
                    duration_minutes=rng.choice([15, 20, 30, 45, 60, 90, 120, 180]),
                    published_at=published, created_by_id=author_id, created_at=published, updated_at=published,
                ).returning(Course.__table__.c.id)).scalar_one()
                conn.execute(insert(course_authors).values(course_id=course_id, user_id=author_id))
                n_text = rng.randint(1, 4)
                modules = [dict(kind="text", title=f"Part {i + 1}: {title}", body=_words(rng, 6)) for i in range(n_text)]
                modules.insert(1, dict(kind="video", title="Watch: the short version", body="Ten minutes.",
                                       video_url=f"https://video.fjordhavn.example/courses/{course_id}"))
                modules.append(dict(kind="quiz", title="Check your understanding", body="Three questions.",
                                    pass_mark=70, max_attempts=3))
                for position, m in enumerate(modules, 1):
                    module_id = conn.execute(insert(CourseModule.__table__).values(
                        course_id=course_id, position=position, is_required=True, **m,
                    ).returning(CourseModule.__table__.c.id)).scalar_one()
                    if m["kind"] == "quiz":
                        for q in range(1, 3):
                            qid = conn.execute(insert(Question.__table__).values(
                                module_id=module_id, position=q, kind="true_false",
                                text=f"Statement {q} about {title} is true.",
                            ).returning(Question.__table__.c.id)).scalar_one()
                            conn.execute(insert(AnswerOption.__table__), [
                                dict(question_id=qid, position=1, text="True", is_correct=q == 1, feedback="See part 1."),
                                dict(question_id=qid, position=2, text="False", is_correct=q != 1, feedback="See part 1."),
                            ])
                conn.execute(insert(Forum.__table__).values(kind="course", scope_id=course_id, title=title,
                                                            description=f"Questions and tips about {title}.",
                                                            created_at=published))
            db.session.commit()
            conn = db.session.connection()
            print(f"courses: {have} -> {db.session.execute(select(func.count()).select_from(Course)).scalar_one()} "
                  f"in {time.perf_counter() - started:.0f} s", flush=True)

        # Forum posts up to --posts: one big thread in "Tech talk", the rest over groups and course forums.
        have = db.session.execute(select(func.count()).select_from(ForumPost)).scalar_one()
        if have < args.posts:
            started = time.perf_counter()
            forums = list(db.session.execute(select(Forum.id, Forum.kind, Forum.title)).all())
            tech = next(f.id for f in forums if f.title == "Tech talk")
            spread = [f.id for f in forums if f.kind in ("group", "course")]
            course_titles = [t for _c, names in TOPICS for t in names]
            missing = args.posts - have
            plan = [(tech, args.big_thread, "Big thread: what are you working on this week?")]
            left = missing - args.big_thread
            while left > 0:
                n = min(left, max(1, int(rng.expovariate(1 / 18)) + 1))
                plan.append((rng.choice(spread), n, rng.choice(THREAD_TITLES).format(t=rng.choice(course_titles))))
                left -= n
            posts, subs = [], set()
            for forum_id, n, title in plan:
                author = rng.choice(staff)
                at = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
                if n > 100:
                    at = now - timedelta(days=200)
                thread_id = conn.execute(insert(ForumThread.__table__).values(
                    forum_id=forum_id, author_id=author, title=title, is_pinned=False, is_locked=False,
                    is_answered=False, reply_count=n - 1, created_at=at, last_post_at=at,
                    last_post_author_id=author,
                ).returning(ForumThread.__table__.c.id)).scalar_one()
                last_author = author
                for i in range(n):
                    writer = author if i == 0 else rng.choice(staff)
                    posts.append(dict(thread_id=thread_id, author_id=writer, body=_words(rng, rng.randint(1, 5)),
                                      is_first=i == 0, is_helpful=False, created_at=at))
                    subs.add((thread_id, writer))
                    last_author = writer
                    at = min(at + timedelta(minutes=rng.randint(5, 900)), now - timedelta(minutes=1))
                conn.execute(update(ForumThread.__table__).where(ForumThread.__table__.c.id == thread_id)
                             .values(last_post_at=at, last_post_author_id=last_author))
                if len(posts) >= 5000:
                    conn.execute(insert(ForumPost.__table__), posts)
                    posts = []
            if posts:
                conn.execute(insert(ForumPost.__table__), posts)
            existing = set(db.session.execute(select(ThreadSubscription.thread_id, ThreadSubscription.user_id)).all())
            rows = [dict(thread_id=t, user_id=u, created_at=now) for t, u in subs if (t, u) not in existing]
            for i in range(0, len(rows), 5000):
                conn.execute(insert(ThreadSubscription.__table__), rows[i:i + 5000])
            db.session.commit()
            conn = db.session.connection()
            print(f"forum posts: {have:,} -> {db.session.execute(select(func.count()).select_from(ForumPost)).scalar_one():,} "
                  f"in {len(plan):,} threads, {time.perf_counter() - started:.0f} s", flush=True)

        # The measured users: every one gets the demo password, a few groups and some courses.
        users = pick_users(today)
        password_hash = db.session.execute(
            select(User.password_hash).where(User.email == "hr@fjordhavn.example")).scalar_one()
        conn.execute(update(User.__table__).where(User.__table__.c.id.in_([u for _k, u, _e, _n in users]))
                     .values(password_hash=password_hash, must_change_password=False))
        groups = list(db.session.execute(select(Forum.id).where(Forum.kind == "group")).scalars())
        courses = list(db.session.execute(select(Course.id).where(Course.status == "published")).scalars())
        for _kind, user_id, _email, _name in users:
            subscribed = set(db.session.execute(
                select(ForumSubscription.forum_id).where(ForumSubscription.user_id == user_id)).scalars())
            for forum_id in rng.sample(groups, 2):
                if forum_id not in subscribed:
                    conn.execute(insert(ForumSubscription.__table__).values(forum_id=forum_id, user_id=user_id,
                                                                            created_at=now))
            enrolled = set(db.session.execute(select(Enrolment.course_id).where(Enrolment.user_id == user_id)).scalars())
            if len(enrolled) >= 6:
                continue
            for course_id in rng.sample([c for c in courses if c not in enrolled], 8 - len(enrolled)):
                roll = rng.random()
                enrolled_at = now - timedelta(days=rng.randint(5, 300))
                done = roll < 0.3
                enrolment_id = conn.execute(insert(Enrolment.__table__).values(
                    course_id=course_id, user_id=user_id, registration=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    source=rng.choice(["self", "self", "manager", "hr"]), enrolled_at=enrolled_at,
                    due_on=today + timedelta(days=rng.randint(-20, 60)) if roll > 0.5 else None,
                    started_at=enrolled_at if roll < 0.8 else None,
                    completed_at=enrolled_at + timedelta(days=3) if done else None,
                ).returning(Enrolment.__table__.c.id)).scalar_one()
                if roll < 0.8:
                    module_ids = list(db.session.execute(
                        select(CourseModule.id).where(CourseModule.course_id == course_id)
                        .order_by(CourseModule.position)).scalars())
                    steps = len(module_ids) if done else rng.randint(1, len(module_ids) - 1)
                    conn.execute(insert(ModuleProgress.__table__), [
                        dict(enrolment_id=enrolment_id, module_id=m, status="completed", started_at=enrolled_at,
                             completed_at=enrolled_at + timedelta(hours=1), is_passed=True, best_score=100)
                        for m in module_ids[:steps]])
                    conn.execute(update(Enrolment.__table__).where(Enrolment.__table__.c.id == enrolment_id)
                                 .values(last_module_id=module_ids[steps - 1], last_visited_at=enrolled_at))
        db.session.commit()
    # Fresh statistics after bulk loads (the LRS benchmark learnt this the hard way).
    from sqlalchemy import create_engine, text

    engine = create_engine(args.database, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text("ANALYZE"))
    engine.dispose()


def pick_users(today: date) -> list[tuple[str, int, str, str]]:
    """20 started, active people: (kind, id, e-mail, first name). Same database, same people."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.onboarding.models import OnboardingPlan
    from lms.people.models import EmploymentSpell, Role, User, UserRole
    from lms.people.service import is_latest_spell

    def started(q):
        return (q.join(EmploymentSpell, EmploymentSpell.user_id == User.id)
                .where(User.is_active.is_(True), is_latest_spell(), EmploymentSpell.hire_date <= today,
                       EmploymentSpell.end_date.is_(None)))

    chosen: dict[int, tuple[str, int, str, str]] = {}

    def add(kind: str, rows, n: int) -> None:
        for user in rows:
            if n <= 0:
                return
            if user.id not in chosen:
                chosen[user.id] = (kind, user.id, user.email, user.first_name)
                n -= 1

    by_email = {u.email: u for u in db.session.execute(select(User).where(User.email.in_(
        ["employee@fjordhavn.example", "mentor@fjordhavn.example", "manager@fjordhavn.example",
         "hr@fjordhavn.example", "admin@fjordhavn.example"]))).scalars()}
    add("new hire", db.session.execute(started(select(User)).join(OnboardingPlan, OnboardingPlan.user_id == User.id)
                                       .where(OnboardingPlan.starts_on <= today,
                                              OnboardingPlan.starts_on > today - timedelta(days=90))
                                       .order_by(User.id)).scalars(), 4)
    add("manager", [by_email["manager@fjordhavn.example"]], 1)
    add("manager", db.session.execute(started(select(User)).where(User.role_rows.any(UserRole.role == Role.manager))
                                      .order_by(User.id)).scalars(), 3)
    add("hr", [by_email["hr@fjordhavn.example"]], 1)
    add("admin", [by_email["admin@fjordhavn.example"]], 1)
    add("employee", [by_email["employee@fjordhavn.example"], by_email["mentor@fjordhavn.example"]], 2)
    add("employee", db.session.execute(started(select(User)).where(~User.role_rows.any(UserRole.role != Role.employee))
                                       .order_by(User.id).offset(50)).scalars(), 20 - len(chosen))
    return list(chosen.values())


def targets(app) -> dict:
    from sqlalchemy import func, select

    from lms.courses.models import Course
    from lms.extensions import db
    from lms.forums.models import ForumPost, ForumThread
    from lms.people.models import User

    with app.app_context():
        big = db.session.execute(select(ForumThread).order_by(ForumThread.reply_count.desc()).limit(1)).scalar_one()
        posts = list(db.session.execute(select(ForumPost.id).where(ForumPost.thread_id == big.id)
                                        .order_by(ForumPost.id)).scalars())
        counts = {
            "people": db.session.execute(select(func.count()).select_from(User)).scalar_one(),
            "courses": db.session.execute(select(func.count()).select_from(Course).where(Course.status == "published")).scalar_one(),
            "threads": db.session.execute(select(func.count()).select_from(ForumThread)).scalar_one(),
            "posts": db.session.execute(select(func.count()).select_from(ForumPost)).scalar_one(),
        }
        users = pick_users(date.today())
        return {"thread": big.id, "title": big.title, "first_post": posts[0], "last_post": posts[-1],
                "last_page": (len(posts) - 1) // 20 + 1, "thread_posts": len(posts), "counts": counts, "users": users}


# --- HTTP ------------------------------------------------------------------------------------------


class Browser:
    """One signed-in person: a keep-alive connection and the session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:  # once more only: gunicorn closes keep-alive connections idle for 2 s
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers), text

    def sign_in(self, email: str, password: str) -> None:
        status, _h, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
        assert status == 200 and token, (status, page[:300])
        status, headers, page = self.request("POST", "/login", {"csrf_token": token.group(1), "email": email,
                                                                 "password": password})
        assert status == 302, f"sign-in of {email} failed: {status} {page[:300]}"


def is_login_page(page: str) -> bool:
    return 'name="password"' in page


def measure(browsers, path_for, check, rounds: int, think: float = 0.0):
    """Every browser requests its path `rounds` times, all browsers at once, pausing a random
    0.5-1.5 × `think` seconds after each page as a reader does: (timings, seconds, errors)."""
    timings: list[float] = []
    errors: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(browsers))

    def run(b, user):
        path = path_for(user)
        mine = []
        pause = random.Random(str(user)).uniform
        barrier.wait()
        for i in range(rounds):
            if think and i:
                time.sleep(pause(0.5 * think, 1.5 * think))
            t = time.perf_counter()
            try:
                status, _h, page = b.request("GET", path)
            except Exception as exc:  # noqa: BLE001 - counted as a failure
                with lock:
                    errors.append((path, repr(exc)))
                continue
            mine.append((time.perf_counter() - t) * 1000)
            problem = None if status == 200 and not is_login_page(page) else f"status {status}"
            problem = problem or check(user, page)
            if problem:
                with lock:
                    errors.append((path, problem))
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=run, args=bu) for bu in browsers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, time.perf_counter() - started, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/fasthold_pages")
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--courses", type=int, default=200)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--big-thread", type=int, default=400, help="posts in the big thread")
    parser.add_argument("--users", type=int, default=20, help="concurrent users (at most 20)")
    parser.add_argument("--rounds", type=int, default=30, help="requests per user per page kind")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a user reads a page before the next (mean; 0 = back to back, the worst case)")
    # The README's production command: `gunicorn --workers 4` (sync workers, one request at a time each).
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker; more than 1 uses gthread workers (sessions 1-3 measured 2)")
    parser.add_argument("--port", type=int, default=5098)
    parser.add_argument("--dashboard-cache", default="redis://127.0.0.1:6379/13",
                        help="DASHBOARD_CACHE_URL, Redis as the README's production section sets it "
                             "('' for a cache in each worker process)")
    parser.add_argument("--only", help="measure only the page kinds whose name contains this (e.g. dashboard)")
    args = parser.parse_args()

    ensure_database(args.database)
    env = server_env(args.database, args.port, args.dashboard_cache)
    # sys.executable -m, not .venv/bin/flask: a copied venv's scripts may point at another checkout's Python
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "FASTHOLD_ENV", "SECRET_KEY", "CELERY_BROKER_URL",
                                            "FASTHOLD_INSTANCE_PATH", "BASE_URL")})
    from lms.app import create_app
    from lms.demo import DEMO_PASSWORD

    app = create_app()
    build_data(app, args)
    info = targets(app)
    users = info["users"][: args.users]
    print("data: " + ", ".join(f"{v:,} {k}" for k, v in info["counts"].items())
          + f"; big thread {info['thread']}: {info['thread_posts']} posts, {info['last_page']} pages", flush=True)

    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
         *(["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads > 1 else []),
         "--log-level", "warning", "wsgi:app"],
        env=env, cwd=ROOT, start_new_session=True,
    )
    try:
        for _ in range(150):
            try:
                if Browser(args.port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        browsers = []
        for kind, _id, email, _first in users:
            b = Browser(args.port)
            b.sign_in(email, DEMO_PASSWORD)
            browsers.append((b, (kind, email, _first)))
        mix = {}
        for kind, *_r in users:
            mix[kind] = mix.get(kind, 0) + 1
        kind = f"{args.threads} threads (gthread)" if args.threads > 1 else "1 request at a time (sync)"
        cache = f"dashboard panels in {args.dashboard_cache}" if args.dashboard_cache else "dashboard panels per process"
        print(f"server: gunicorn, {args.workers} workers x {kind}, PostgreSQL, {cache}; {len(browsers)} users signed in "
              f"({', '.join(f'{n} {k}' for k, n in mix.items())}); {args.rounds} requests each per page kind",
              flush=True)

        title = html.escape(info["title"])

        def has(*needles):
            def check(user, page):
                missing = [n for n in needles if n not in page]
                return f"missing {missing[0]!r}" if missing else None
            return check

        def greets(user, page):
            return None if re.search(r"<h1>[^<]*" + re.escape(html.escape(user[2])), page) else "no greeting"

        def dashboard(user, page):
            needles = ['class="courses-summary"', 'class="forum-dashboard"']
            if user[0] == "new hire":
                needles.append('class="welcome-card onb-dashboard"')
            return greets(user, page) or has(*needles)(user, page)

        thread = f"/forums/threads/{info['thread']}"
        cases = [
            ("dashboard `/`", lambda u: "/", dashboard),
            ("catalogue, page 1", lambda u: "/courses", has('class="course-card"')),
            ("catalogue search `q=safety`", lambda u: "/courses?q=safety", has('class="course-card"', "afety")),
            ("forum thread, page 1", lambda u: thread, has(title, f'id="post-{info["first_post"]}"')),
            (f"forum thread, last page ({info['last_page']})", lambda u: f"{thread}?page={info['last_page']}",
             has(title, f'id="post-{info["last_post"]}"')),
            ("forum index", lambda u: "/forums", has("Tech talk")),
        ]
        cases = [c for c in cases if not args.only or args.only in c[0]]
        loads: list[float] = []  # the 1-minute load average every 5 s while measuring
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(5):
                loads.append(os.getloadavg()[0])

        threading.Thread(target=sample, daemon=True).start()
        results = []
        print(f"{'page':<46}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}{'load':>7}", flush=True)
        for name, path_for, check in cases:
            measure(browsers, path_for, check, 1)  # warm-up: templates compiled, connections open
            first = len(loads)
            timings, elapsed, errors = measure(browsers, path_for, check, args.rounds, args.think)
            p50, p95 = statistics.median(timings), pct(timings, 95)
            load = statistics.mean(loads[first:] or [os.getloadavg()[0]])
            results.append((name, p50, p95, max(timings), len(timings) / elapsed, len(errors), load))
            print(f"{name:<46}{p50:>9.1f}{p95:>9.1f}{max(timings):>9.1f}{len(timings) / elapsed:>8.1f}"
                  f"{load:>7.1f}" + (f"  {len(errors)} FAILED, e.g. {errors[0]}" if errors else ""), flush=True)
        sampling.set()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)

    print()
    busy = statistics.mean(r[-1] for r in results)
    print(f"Measured {date.today().isoformat()} on {os.cpu_count()} cores; 1-minute load average while measuring "
          f"{min(r[-1] for r in results):.1f}-{max(r[-1] for r in results):.1f} (mean {busy:.1f})"
          + ("; other work shared the cores, so these figures are pessimistic" if busy > os.cpu_count() else ""))
    print()
    print(f"| page ({len(browsers)} concurrent users × {args.rounds}, think {args.think:g} s) | p50 ms | p95 ms | max ms | req/s | load | p95 ≤ 150 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, p50, p95, top, rate, failed, load in results:
        verdict = "met" if p95 <= TARGET_P95_MS else "**not met**"
        print(f"| {name} | {p50:.0f} | {p95:.0f} | {top:.0f} | {rate:.1f} | {load:.1f} | {verdict}"
              + (f" ({failed} failed)" if failed else "") + " |")
    if any(r[5] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
