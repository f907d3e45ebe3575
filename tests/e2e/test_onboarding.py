"""Onboarding in the browser: a new hire before day one, and the manager of a new hire."""

from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import sign_in

NEW_HIRE = "newhire@fjordhavn.example"
MANAGER = "manager@fjordhavn.example"


def test_a_new_hire_before_day_one_reads_the_welcome_and_posts_in_the_cohort_forum(page, live_server):
    sign_in(page, live_server, NEW_HIRE, "en")
    # Signing in lands on the pre-boarding page, not the home page.
    assert page.url.endswith("/onboarding/welcome")
    assert page.locator("h1").inner_text().startswith("Welcome, Freja")
    assert page.get_by_role("heading", name="A welcome from our CTO").is_visible()
    assert page.get_by_role("heading", name="Your first week").is_visible()
    assert page.get_by_role("heading", name="Before your first day").is_visible()
    assert "Ingrid Solberg" in page.inner_text("body")  # the buddy
    assert "Agree the goals for the first 90 days" not in page.inner_text("body")  # a week-1 task
    screenshot(page, "onboarding-welcome")

    # Anything else sends her back to the welcome.
    for path in ["/", "/people", "/team", "/admin/lrs/packages"]:
        page.goto(live_server + path)
        assert page.url.endswith("/onboarding/welcome"), path

    # A pre-boarding task of her own.
    task = page.locator("li.onb-task", has_text="Fill in your personal details")
    task.get_by_role("button", name="Mark as done").click()
    page.wait_for_load_state()
    assert page.locator("li.onb-task", has_text="Fill in your personal details").locator(".tag-ok").is_visible()

    # The cohort forum: read the welcome thread and start one.
    page.get_by_role("link", name="Cohort forum").click()
    page.wait_for_load_state()
    assert "Welcome, new colleagues!" in page.inner_text("body")
    page.get_by_role("button", name="New thread").click()
    page.fill("#title", "Hello from Freja")
    page.fill("#body", "I start in Platform in two weeks. Anyone else joining **Engineering**?")
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Hello from Freja").is_visible()
    assert page.locator("strong", has_text="Engineering").first.is_visible()  # Markdown rendered
    screenshot(page, "onboarding-cohort-forum")


def test_the_welcome_fits_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_server, NEW_HIRE, "en")
        assert page.url.endswith("/onboarding/welcome")
        # The page's own content (the shared header is checked by the layout's tests).
        assert page.evaluate("document.querySelector('main').scrollWidth") <= 390
        screenshot(page, "onboarding-welcome-phone")
    finally:
        context.close()


def test_the_manager_sees_the_new_hire_and_ticks_off_a_task(page, live_server):
    sign_in(page, live_server, MANAGER, "en")
    page.goto(live_server + "/onboarding/")
    page.get_by_role("link", name="Freja Lindqvist").first.click()
    page.wait_for_load_state()
    assert "Onboarding plan of Freja Lindqvist" in page.locator("h1").inner_text()
    assert "Ingrid Solberg" in page.inner_text("body")
    task = page.locator("li.onb-task", has_text="Agree the goals for the first 90 days")
    task.get_by_role("button", name="Mark as done").click()
    page.wait_for_load_state()
    assert page.locator("li.onb-task", has_text="Agree the goals for the first 90 days").locator(".tag-ok").is_visible()
    screenshot(page, "onboarding-manager-plan")
