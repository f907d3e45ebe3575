"""Demo forums for the demo organisation: open groups with realistic threads, replies, mentions
and helpful answers, written by the demo people through the forum services (so statements and
notifications exist as they would in real use)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select, update

from ..extensions import db
from ..notifications.models import Notification
from ..people.models import EmploymentSpell, User
from . import service
from .models import ForumPost, ForumThread

GROUPS = [
    ("Mentors", "For mentors and anyone looking for one: how to start, what to talk about, and what works. "
                "Mentors meet here once a month."),
    ("New to Fjordhavn", "Started in the last few months? Ask anything: where things are, who knows what, "
                         "how things are done here. No question is too small."),
    ("Tech talk", "Engineering, data and tools across Copenhagen and Malmö."),
    ("Sustainability at Fjordhavn", "Ideas for greener warehouses, travel and offices."),
    ("Running & outdoors", "Lunch runs, the DHL relay, hikes in Skåne. Everyone welcome, any pace."),
]

# (group, title, body, replies: [(body, helpful)]); "{mention}" becomes an @handle of a colleague.
THREADS = [
    ("Mentors", "How often should a mentor and mentee meet?",
     "I just started mentoring someone in Customer Success. We agreed on \"regularly\", which is vague. "
     "What rhythm works for you? Every two weeks feels like a lot next to everything else.",
     [("Once a month for an hour has worked well for me, with a short check-in message in between. "
       "The important thing is that the **mentee** sets the agenda.", True),
      ("We started every two weeks for the first three months and then went monthly. The early frequency helped "
       "build trust quickly.", False),
      ("Agree with both. I also keep a shared note with what we talked about, so we never start from zero.", False)]),
    ("Mentors", "Good first questions for a mentoring session",
     "Collecting questions that open up a first conversation. Mine:\n\n"
     "- What would make this year a success for you?\n- What do you want to get better at?\n"
     "- What is something you would never want to do again?",
     [("\"Who do you admire at work, and why?\" always tells me a lot.", True),
      ("I ask what they expect from *me*. Saves a lot of guessing later.", False)]),
    ("Mentors", "Looking for a mentor in data engineering",
     "I am moving from analytics towards data engineering and would love a mentor who has made the same move. "
     "Maybe {mention} knows someone?",
     [("Happy to help! I went from BI to the platform team two years ago. Send me a message and we can "
       "grab a coffee in Malmö or on Teams.", True),
      ("Also have a look at the *Data & Analytics* learning path, the pipeline course is good.", False)]),
    ("New to Fjordhavn", "Where do I find the expense policy?",
     "Started two weeks ago and I have a taxi receipt from the customer visit in Aarhus. Where do I submit it?",
     [("It is in the finance section of the intranet, under *Travel and expenses*. Receipts go in the expense app; "
       "approve within the month or it rolls over.", True),
      ("Tip: take a photo of the receipt right away, the app reads it for you.", False)]),
    ("New to Fjordhavn", "Hvor spiser I frokost i Kødbyen?",
     "Hej alle, jeg er ny på kontoret i København. Er der nogen der spiser sammen, eller tager alle bare en sandwich?",
     [("Vi er en flok fra Sales der går ned kl. 12 hver dag, du er mere end velkommen!", False),
      ("Fredag er der fælles morgenmad i kantinen kl. 9. Det er den bedste måde at møde folk på.", True)]),
    ("New to Fjordhavn", "Tips för första veckan i Malmö?",
     "Hej! Jag börjar på lagret i Malmö på måndag efter några veckor på kontoret. Något jag borde veta?",
     [("Ta med skor med stålhätta om du har, annars fixar {mention} ett par första dagen.", True),
      ("Fika kl. 15 i personalrummet, det är helig tid. Välkommen!", False)]),
    ("New to Fjordhavn", "What does \"the Friday note\" mean?",
     "My manager mentioned writing \"the Friday note\". Is this a Fjordhavn thing?",
     [("Yes! Every team writes a short note on Fridays: what we shipped, what we learned, what is blocked. "
       "Five lines is enough.", True)]),
    ("Tech talk", "Postgres upgrade weekend: what we learned",
     "We moved the order database to PostgreSQL 16 last weekend. Short version: logical replication made the "
     "switch-over take 4 minutes. Long version in the post-mortem; questions welcome.",
     [("How did you handle the sequences? That bit us last time.", False),
      ("We synced them with a small script right before the switch: `SELECT setval(...)` for every sequence.", True),
      ("Great write-up. Could we do the same for the warehouse database? {mention}", False)]),
    ("Tech talk", "Feature flags: build or buy?",
     "Product Development is discussing whether to keep our home-grown flags or move to a service. Opinions?",
     [("Our flags are fine until you need percentage rollouts and audit history. Then you end up building a "
       "product.", False),
      ("Whatever we choose, please let flags expire. We found 140 flags older than a year.", True)]),
    ("Sustainability at Fjordhavn", "Reusable pallets between Copenhagen and Malmö",
     "We throw away about 300 single-use pallets a month in Malmö. Could the shuttle take them back to Copenhagen?",
     [("Great idea. The shuttle comes back half-empty on Tuesdays and Thursdays.", False),
      ("I checked with the logistics coordinator: we can start a trial next month.", True)]),
    ("Sustainability at Fjordhavn", "Train instead of plane to Stockholm",
     "The night train from Copenhagen to Stockholm is back. Is it allowed for business travel?",
     [("Yes, and the travel policy now prefers it for trips under 7 hours door to door.", True)]),
    ("Running & outdoors", "Lunch run Wednesdays, 5 km along the harbour",
     "We leave from the main entrance at 12:05 every Wednesday. Easy pace, showers on the 2nd floor.",
     [("Count me in from next week!", False), ("Is there a Malmö version? Ribersborg is perfect for it.", False),
      ("Started one in Malmö, Thursdays at 12. See you there.", False)]),
    ("Running & outdoors", "Skåneleden hike in September",
     "Planning a Saturday hike on the Skåneleden, about 15 km, with a picnic. Families welcome.",
     [("Sounds lovely. Which section?", False), ("Söderåsen: the views over Skäralid are worth it.", False)]),
    ("Mentors", "Reverse mentoring: anyone tried it?",
     "A new graduate in my team offered to show me how she uses AI tools for research, and I would show her how "
     "we negotiate with suppliers. Has anyone set up something like this?",
     [("We did it in Marketing last year. Agree on one topic each and timebox it to six sessions.", True),
      ("Love this. Please share how it goes in a few months!", False)]),
    ("New to Fjordhavn", "How do I book a meeting room in Malmö?",
     "The rooms on the 3rd floor look empty but the calendar says they are booked. Am I doing it wrong?",
     [("Book through the room calendar in Outlook, not the screen by the door. And ghost bookings are "
       "released after 15 minutes without check-in.", True),
      ("Ask {mention} too, they sorted out the screens last month.", False)]),
    ("New to Fjordhavn", "VPN keeps disconnecting at home",
     "My VPN drops every 10 minutes when I work from home. Is there a known fix?",
     [("Switch the client to the TCP profile (Settings → Connection). Fixed it for me.", True),
      ("If that does not help, raise a ticket with IT; they can check your certificate.", False)]),
    ("New to Fjordhavn", "Who do I ask about my pension setup?",
     "I got a letter about choosing a pension fund. Who in People & Culture handles this?",
     [("Payroll handles the practical side; the pension provider has a drop-in at the Copenhagen office on the "
       "first Tuesday of the month.", True)]),
    ("Tech talk", "Data quality checks before the monthly report",
     "Before every monthly KPI report we find broken numbers at the last minute. What checks do you run "
     "automatically, and where?",
     [("Row counts and null checks in the pipeline, plus a *freshness* check on each source table.", True),
      ("We added dbt tests for the ten most used models. Caught three problems in the first week.", False),
      ("{mention} gave a great talk on this at the last demo day, maybe the slides are on the intranet?", False)]),
    ("Tech talk", "Accessibility review of the customer portal",
     "We are doing an accessibility review of the customer portal. Anyone with screen reader experience "
     "who could test with us for an hour?",
     [("I use VoiceOver daily, happy to join.", False), ("Count me in, I can test keyboard-only use.", False)]),
    ("Sustainability at Fjordhavn", "Bike leasing scheme",
     "Does Fjordhavn offer bike leasing like some other companies do? Would love an e-bike for the commute.",
     [("Not yet, but People & Culture is looking at it for next year. Add your vote in the survey!", True)]),
    ("Running & outdoors", "DHL relay team 2026",
     "We have two teams for the DHL relay in Fælledparken. One spot left in team B, 5 km. Who is in?",
     [("Me! I run about 25 minutes on a good day.", False), ("Great, you are on team B. T-shirts next week.", False)]),
]


def _demo_people(today: date) -> tuple[dict[str, User], list[User], list[User]]:
    """The demo logins by role, started staff, and people who started in the last year."""
    from ..demo import DEMO_LOGINS

    logins = {}
    for role, email, _f, _l in DEMO_LOGINS:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is not None:
            logins[role] = user
    rows = db.session.execute(
        select(User, EmploymentSpell.hire_date)
        .join(EmploymentSpell, EmploymentSpell.user_id == User.id)
        .where(User.is_active.is_(True), EmploymentSpell.hire_date <= today,
               (EmploymentSpell.end_date.is_(None)) | (EmploymentSpell.end_date >= today))
        .order_by(User.id)
    ).all()
    login_ids = {u.id for u in logins.values()}
    staff = [u for u, _h in rows if u.id not in login_ids]
    recent = [u for u, hired in rows if (today - hired).days <= 365 and u.id not in login_ids]
    return logins, staff, recent


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 17), rng.randint(0, 59)), tzinfo=timezone.utc)


def seed_demo(today: date, rng: random.Random) -> dict[str, int]:
    """Open groups with threads and replies over the last weeks; the caller commits."""
    logins, staff, recent = _demo_people(today)
    if not staff:
        return {"forums": 0, "threads": 0, "posts": 0}
    groups = {title: service.create_forum("group", title=title, description=description)
              for title, description in GROUPS}

    def somebody(exclude: set[int]) -> User:
        pool = [u for u in staff if u.id not in exclude] or staff
        return rng.choice(pool)

    # The demo logins' stories: Mads (employee) follows Tech talk, Ingrid (mentor) is in Mentors.
    memberships = {"employee": ["Tech talk", "Running & outdoors", "New to Fjordhavn"], "mentor": ["Mentors", "Tech talk"],
                   "manager": ["Mentors", "Tech talk"], "hr": ["Mentors", "New to Fjordhavn"]}
    for role, titles in memberships.items():
        if role in logins:
            for title in titles:
                service.subscribe_forum(logins[role], groups[title])
    for person in rng.sample(staff, min(len(staff), 25)):
        service.subscribe_forum(person, groups[rng.choice(list(groups))])

    newcomers = rng.sample(recent, len(recent)) if recent else []
    threads, posts = 0, 0
    for index, (group_title, title, body, replies) in enumerate(THREADS):
        forum = groups[group_title]
        if group_title == "New to Fjordhavn" and newcomers:
            author = newcomers[threads % len(newcomers)]
        elif group_title == "Mentors" and index == 0 and "mentor" in logins:
            author = logins["mentor"]
        elif group_title == "Tech talk" and index == 7 and "employee" in logins:
            author = logins["employee"]
        else:
            author = somebody(set())
        # Mads's thread is fresh, so his notifications about it are still unread.
        started = today - timedelta(days=2 if author is logins.get("employee") else rng.randint(1, 40))
        mention = service.mention_handle(somebody({author.id}))
        mark = _last_notification_id()
        thread = service.start_thread(forum, author, title=title, body=body.format(mention="@" + mention))
        when = _at(started, rng)
        _backdate(thread, when)
        _backdate_notifications(mark, when, today)
        threads += 1
        posts += 1
        writers = {author.id}
        for n, (reply_body, helpful) in enumerate(replies):
            if n == 0 and group_title == "Mentors" and "mentor" in logins and author.id != logins["mentor"].id:
                replier = logins["mentor"]
            elif n == 0 and "employee" in logins and author.id == logins["employee"].id:
                replier = logins.get("mentor") or somebody(writers)
            else:
                replier = somebody(writers)
            writers.add(replier.id)
            text = reply_body.format(mention="@" + service.mention_handle(somebody(writers)))
            mark = _last_notification_id()
            post = service.reply(thread, replier, body=text)
            when = min(when + timedelta(minutes=rng.randint(20, 600)), datetime.now(timezone.utc) - timedelta(minutes=5))
            post.created_at = when
            thread.last_post_at = when
            posts += 1
            if helpful:
                service.set_helpful(post, author, True)
            _backdate_notifications(mark, when, today)
    service.set_pinned(db.session.execute(
        select(ForumThread).where(ForumThread.forum_id == groups["New to Fjordhavn"].id,
                                  ForumThread.title == "What does \"the Friday note\" mean?")
    ).scalar_one(), True)
    db.session.flush()
    return {"forums": len(groups), "threads": threads, "posts": posts}


def _backdate(thread: ForumThread, when: datetime) -> None:
    thread.created_at = thread.last_post_at = when
    for post in db.session.execute(select(ForumPost).where(ForumPost.thread_id == thread.id)).scalars():
        post.created_at = when


def _last_notification_id() -> int:
    from sqlalchemy import func

    return db.session.execute(select(func.coalesce(func.max(Notification.id), 0))).scalar_one()


def _backdate_notifications(after_id: int, when: datetime, today: date) -> None:
    """Notifications made for demo activity carry its time; those older than four days are read."""
    read_at = when + timedelta(hours=3) if (today - when.date()).days > 4 else None
    db.session.execute(
        update(Notification).where(Notification.id > after_id)
        .values(created_at=when, read_at=read_at, emailed_at=when)
        .execution_options(synchronize_session=False)
    )
