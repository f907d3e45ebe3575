"""Mentoring in the browser: a mentee asks for a mentor, HR runs matching and approves the match, the
mentor accepts and logs the first session."""

from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import sign_in

EMPLOYEE = "employee@fjordhavn.example"  # Mads Kristensen, Platform
MENTOR = "mentor@fjordhavn.example"  # Ingrid Solberg: the demo's only Python mentor
HR = "hr@fjordhavn.example"


def sign_out(page):
    page.locator("form[action='/logout'] button").click()
    page.wait_for_load_state()


def test_a_mentee_asks_hr_approves_and_the_mentor_accepts(page, live_server):
    # Mads has an open request from the demo; he replaces it with a new one.
    sign_in(page, live_server, EMPLOYEE, "en")
    page.get_by_role("link", name="Mentoring", exact=True).first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Mentoring"
    page.get_by_role("link", name="See my request").click()
    page.wait_for_load_state()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Withdraw").click()
    page.wait_for_load_state()
    assert "Your request is withdrawn." in page.inner_text("body")

    page.get_by_role("button", name="Ask for a mentor").click()  # a link styled as a button
    page.wait_for_load_state()
    page.fill("#goal", "Write the data pipeline of our new service in idiomatic Python")
    page.get_by_label("Python").check()
    page.select_option("#language", "en")
    page.get_by_label("Remote").check()
    screenshot(page, "mentoring-request-form")
    page.get_by_role("button", name="Ask for a mentor").click()
    page.wait_for_load_state()
    assert "Your request is in." in page.inner_text("body")
    assert "waiting for the next matching run" in page.inner_text("main")
    sign_out(page)

    # HR runs matching and approves Mads's match with Ingrid.
    sign_in(page, live_server, HR, "en")
    page.goto(live_server + "/mentoring/admin")
    page.get_by_role("button", name="Run matching").click()
    page.wait_for_load_state()
    assert "Matching done" in page.inner_text("body")
    proposal = page.locator("article.mentoring-proposal", has_text="Mads Kristensen with Ingrid Solberg")
    assert "matched on Python" in proposal.inner_text()
    screenshot(page, "mentoring-run")
    proposal.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert "Approved: Ingrid Solberg is asked to mentor Mads Kristensen." in page.inner_text("body")
    sign_out(page)

    # Ingrid sees the proposal in her inbox and accepts it.
    sign_in(page, live_server, MENTOR, "en")
    page.goto(live_server + "/mentoring/inbox")
    card = page.locator("article.mentoring-proposal", has_text="Mads Kristensen")
    assert "matched on Python" in card.inner_text()
    screenshot(page, "mentoring-inbox")
    card.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert "You are now the mentor of Mads Kristensen." in page.inner_text("body")
    assert "Mentorship: Ingrid Solberg and Mads Kristensen" in page.locator("h1").inner_text()

    # The first session.
    page.fill("#duration_minutes", "60")
    page.fill("#notes", "Walked through the **pipeline** design.")
    page.get_by_role("button", name="Log session").click()
    page.wait_for_load_state()
    assert "Session logged." in page.inner_text("body")
    assert page.locator("#sessions strong", has_text="pipeline").is_visible()
    screenshot(page, "mentoring-mentorship")
