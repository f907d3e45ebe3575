"""Retention analytics in the browser: a leaver answers the exit questionnaire from the e-mailed link and
HR reads it (a manager cannot); HR reads the analytics pages in Danish with working charts and no
console errors; HR goes from a high-risk alert to a recorded action and its follow-up.

The server holds only what these journeys need (a small organisation, no demo build), so the module
sets up in a few seconds.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms.demo import DEMO_PASSWORD
from tests.conftest import database_url_for, drop_database, make_test_app, migrate_schema, serve
from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import sign_in

TODAY = date.today()
HR = "hanne.holm@nordhavn.example"
HR_DA = "dorthe.dam@nordhavn.example"  # HR who reads the platform in Danish
MANAGER = "magnus.mark@nordhavn.example"
LEAVER = "astrid.lund@nordhavn.example"
AT_RISK = "bo.berg@nordhavn.example"
STAFF = 14  # enough people in the department for its rates to be shown (average headcount >= 10)


@pytest.fixture(scope="module")
def analytics_server(tmp_path_factory):
    """A small organisation on its own server: HR (one in Danish), a manager with a team, a recent
    leaver, two earlier leavers; the app is at hand to run the worker's steps."""
    from lms.auth.service import hash_password
    from lms.extensions import db
    from lms.people.models import EndType, Role
    from lms.people.service import SpellData, add_spell, create_department, create_user

    tmp = tmp_path_factory.mktemp("analytics-live")
    url = database_url_for("analytics_live", tmp)
    app = make_test_app(tmp, url, WTF_CSRF_ENABLED=True)
    migrate_schema(app)
    password = hash_password(DEMO_PASSWORD)
    with app.app_context():
        dept = create_department("Harbour Operations", None)

        def person(email, first, last, roles=(), *, language=None, manager=None, hired=TODAY - timedelta(days=900),
                   ended=None):
            user = create_user(email=email, first_name=first, last_name=last, roles={Role(r) for r in roles},
                               preferred_language=language)
            user.password_hash = password
            add_spell(user, SpellData(hire_date=hired, end_date=ended, end_type=EndType.voluntary if ended else None,
                                      is_regretted=False, department_id=dept.id,
                                      manager_id=manager.id if manager else None, job_title="Planner"))
            return user

        person(HR, "Hanne", "Holm", ["hr"])
        person(HR_DA, "Dorthe", "Dam", ["hr"], language="da")
        boss = person(MANAGER, "Magnus", "Mark", ["manager"])
        person(AT_RISK, "Bo", "Berg", manager=boss)
        for n in range(STAFF):
            person(f"staff{n}@nordhavn.example", "Staff", f"Member{n:02d}", manager=boss,
                   hired=TODAY - timedelta(days=400 + 60 * n))
        # earlier leavers (outside the invitation window): turnover to draw
        person("ole.olsen@nordhavn.example", "Ole", "Olsen", manager=boss, ended=TODAY - timedelta(days=120))
        person("pia.poulsen@nordhavn.example", "Pia", "Poulsen", manager=boss, ended=TODAY - timedelta(days=250))
        # the leaver of journey 1: her last day was five days ago
        person(LEAVER, "Astrid", "Lund", manager=boss, hired=TODAY - timedelta(days=1100),
               ended=TODAY - timedelta(days=5))
        db.session.commit()
        db.session.remove()
    with serve(app) as base_url:
        yield app, base_url
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


def _outbox(app) -> list:
    folder = Path(app.config["MAIL_OUTBOX"])
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def _console_errors(page) -> list[str]:
    """Console errors (CSP violations among them) and uncaught exceptions of the page, as they happen."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def test_a_leaver_answers_from_the_mailed_link_and_only_hr_reads_it(browser, page, analytics_server):
    from analytics.models import ExitInterview
    from analytics.tasks import invite_leavers, send_exit_invitation
    from lms.extensions import db

    app, base = analytics_server
    # What the worker does: the hourly invitation run, then the e-mail task it asks for.
    with app.app_context():
        assert invite_leavers.run() == 1
        interview_id = db.session.execute(select(ExitInterview.id).join(ExitInterview.user)
                                          .where(ExitInterview.user.has(email=LEAVER))).scalar_one()
        assert send_exit_invitation.run(interview_id) is True
        db.session.remove()
    mail = next(m for m in _outbox(app) if m["To"] == LEAVER)
    link = re.search(r"http://fasthold\.test\.example(/analytics/exit/\S+)", mail.get_content()).group(1)

    # Astrid opens the link, signed out, ticks two reasons and joins the alumni list.
    page.goto(base + link)
    assert page.locator("h1").inner_text() == "Exit questionnaire"
    page.fill("#stay_suggestion", "A clearer path to senior planner roles")
    page.get_by_label("Career development").check()
    page.get_by_label("Pay", exact=True).check()
    page.fill("#recommend_score", "7")
    page.get_by_label("Maybe", exact=True).check()
    page.get_by_label("Add me to the alumni list").check()
    page.fill("#alumni_email", "astrid.private@example.org")
    screenshot(page, "analytics-exit-questionnaire")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Thank you"
    assert "Your answers are with HR." in page.inner_text("main")
    screenshot(page, "analytics-exit-thanks")

    # HR finds her answers under Analytics → Exit interviews, and her on the alumni list.
    sign_in(page, base, HR, "en")
    page.goto(base + "/analytics/")
    page.get_by_role("button", name="Exit interviews", exact=True).click()  # links styled as buttons
    page.wait_for_load_state()
    row = page.locator("tbody tr", has_text="Astrid Lund")
    assert "Answered" in row.inner_text()
    screenshot(page, "analytics-exits-list")
    row.get_by_role("link", name="Astrid Lund").click()
    page.wait_for_load_state()
    detail_url = page.url
    answers = page.locator("section", has=page.get_by_role("heading", name="The leaver's answers")).inner_text()
    assert "A clearer path to senior planner roles" in answers and "Maybe" in answers
    assert page.get_by_label("Career development").is_checked() and page.get_by_label("Pay", exact=True).is_checked()
    assert not page.get_by_label("Workload").is_checked()
    screenshot(page, "analytics-exit-detail")
    page.goto(base + "/analytics/exits")
    page.get_by_role("button", name="Alumni", exact=True).click()
    page.wait_for_load_state()
    member = page.locator("tbody tr", has_text="Astrid Lund")
    assert "astrid.private@example.org" in member.inner_text()
    screenshot(page, "analytics-alumni")

    # Her manager cannot open the answers.
    manager = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        sign_in(manager, base, MANAGER, "en")
        assert manager.goto(detail_url).status == 403
        assert manager.goto(base + "/analytics/exits").status == 403
    finally:
        manager.context.close()


# Headings of the English pages that a Danish page must not show.
ENGLISH_HEADINGS = ["Key figures", "Trends", "KPIs by period", "Where and why people leave", "Exit interviews",
                    "Early warning", "Retention and learning engagement", "Not enough history yet", "Retention alerts"]


def test_hr_reads_the_analytics_in_danish_with_charts_and_no_console_errors(page, analytics_server):
    _app, base = analytics_server
    errors = _console_errors(page)
    sign_in(page, base, HR_DA)  # her saved language, Danish, applies at sign-in
    assert page.get_attribute("html", "lang") == "da"

    page.goto(base + "/analytics/")
    assert page.locator("h1").inner_text() == "Analyse"
    screenshot(page, "analytics-da-home")
    pages = {"home": page.inner_text("main")}

    page.get_by_role("button", name="Åbn nøgletallene").click()
    page.wait_for_load_state()
    charts = page.locator("img.chart")
    assert charts.count() >= 2  # headcount and turnover at least
    widths = charts.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in widths), widths
    assert page.get_by_role("heading", name=re.compile("^Nøgletal")).count() >= 1
    screenshot(page, "analytics-da-kpis")
    pages["kpis"] = page.inner_text("main")

    page.goto(base + "/analytics/")
    page.locator("a[href='/analytics/retention']").click()
    page.wait_for_load_state()
    assert page.locator("h1").is_visible()
    screenshot(page, "analytics-da-retention")
    pages["retention"] = page.inner_text("main")

    page.goto(base + "/analytics/")
    page.locator("a[href='/analytics/risk']").click()
    page.wait_for_load_state()
    assert page.locator("h1").is_visible()
    screenshot(page, "analytics-da-risk")
    pages["risk"] = page.inner_text("main")

    for name, text in pages.items():
        leftovers = [h for h in ENGLISH_HEADINGS if re.search(rf"\b{re.escape(h)}\b", text)]
        assert leftovers == [], (name, leftovers)
    assert errors == []


def test_hr_goes_from_a_high_risk_alert_to_an_action_and_its_follow_up(page, analytics_server):
    from analytics.models import AlertKind, RetentionAlert, RiskRun, RiskRunStatus, RiskScore
    from analytics.tasks import raise_alerts
    from lms.extensions import db
    from lms.people.models import AuditEntry, User

    app, base = analytics_server
    # Last night's run scored Bo in the high band (as the scoring task would have stored it).
    with app.app_context():
        bo = db.session.execute(select(User).where(User.email == AT_RISK)).scalar_one()
        run = RiskRun(as_of=TODAY, status=RiskRunStatus.scored, horizon_days=90, metrics={}, model={})
        db.session.add(run)
        db.session.flush()
        score = RiskScore(run_id=run.id, user_id=bo.id, probability=0.62, band="high",
                          factors=[{"feature": "checkins_90d", "value": 0, "effect": 0.8}])
        db.session.add(score)
        db.session.commit()
        score_id = score.id
        assert raise_alerts.run() >= 1
        alert_id = db.session.execute(select(RetentionAlert.id).where(
            RetentionAlert.kind == AlertKind.high_risk, RetentionAlert.scope_id == bo.id)).scalar_one()
        bo_id = bo.id
        db.session.remove()

    sign_in(page, base, HR, "en")
    page.goto(base + "/analytics/")
    page.get_by_role("button", name="Retention alerts", exact=True).click()
    page.wait_for_load_state()
    alert = page.locator(f"#alert-{alert_id}")
    text = alert.inner_text()
    assert "Bo Berg" in text and "62%" in text and "checkins_90d" not in text
    screenshot(page, "analytics-alert-centre")
    alert.get_by_role("button", name="Record an action").click()
    page.wait_for_load_state()
    assert page.locator("#person").input_value() == AT_RISK  # filled in from the alert
    page.select_option("#kind", "mentor_match")
    page.fill("#taken_on", (TODAY - timedelta(days=2)).isoformat())
    page.fill("#note", "Offered a mentor from the planning team.")
    screenshot(page, "analytics-alert-act")
    page.get_by_role("button", name="Record the action").click()
    page.wait_for_load_state()
    assert re.search(r"/analytics/actions/\d+$", page.url)
    assert "The action is recorded." in page.inner_text("body")
    assert "Too early to tell." in page.inner_text("main")
    screenshot(page, "analytics-action-follow-up")

    with app.app_context():
        hr_id = db.session.execute(select(User.id).where(User.email == HR)).scalar_one()
        viewed = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "view", AuditEntry.subject_user_id == bo_id, AuditEntry.actor_id == hr_id,
            AuditEntry.entity_type == "risk_score", AuditEntry.entity_id == score_id)).scalars().all()
        assert len(viewed) >= 1  # the alert centre (and the action pages) showed HR Bo's score
        assert db.session.get(RetentionAlert, alert_id).status.value == "acted"
        db.session.remove()
