"""1:1 check-ins in the browser: the employee prepares, the manager runs and holds the meeting,
and the agreement carries into the next check-in."""

from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import sign_in

EMPLOYEE = "employee@fjordhavn.example"
MANAGER = "manager@fjordhavn.example"
HR = "hr@fjordhavn.example"
AGREEMENT = "Mads writes the on-call runbook"


def test_a_manager_and_report_hold_a_check_in(browser, live_server):
    # Mads prepares his next check-in with Henrik.
    mads = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(mads, live_server, EMPLOYEE, "en")
    mads.get_by_role("link", name="Check-ins").first.click()
    mads.wait_for_load_state()
    mads.get_by_role("button", name="Prepare").first.click()
    mads.wait_for_load_state()
    assert "Prepare your check-in with Henrik Dahl" in mads.locator("h1").inner_text()
    mads.fill("#went_well", "Shipped the billing migration without downtime")
    mads.fill("#could_be_better", "On-call weeks are noisy")
    mads.check("#workload-3")  # 4 of 5
    mads.check("#flow-1")  # 2 of 5
    mads.fill("#learning", "Kubernetes operators")
    mads.check("#wellbeing-3")
    mads.get_by_role("button", name="Save my preparation").click()
    mads.wait_for_load_state()
    assert "Your preparation is saved" in mads.inner_text("body")
    meeting_url = mads.url
    assert "Shipped the billing migration without downtime" in mads.inner_text("#prep")
    screenshot(mads, "checkins-employee-prepared")

    # Henrik opens it from his team overview, adds a topic and an agreement, and marks it held.
    henrik = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(henrik, live_server, MANAGER, "en")
    henrik.goto(live_server + "/checkins/")
    row = henrik.locator("table.checkins-team tr", has_text="Mads Kristensen")
    assert row.locator(".tag-ok", has_text="prepared").is_visible()
    row.locator("td").nth(3).get_by_role("link").click()
    henrik.wait_for_load_state()
    assert henrik.url == meeting_url
    assert "On-call weeks are noisy" in henrik.inner_text("#prep")
    henrik.fill("#topic", "On-call rota for December")
    henrik.get_by_role("button", name="Add to the agenda").click()
    henrik.wait_for_load_state()
    item = henrik.locator(".checkin-agenda li", has_text="On-call rota for December")
    item.get_by_role("button", name="Mark discussed").click()
    henrik.wait_for_load_state()
    assert henrik.locator(".checkin-agenda li", has_text="On-call rota for December").locator(".tag-ok").is_visible()
    form = henrik.locator("#agreements form.checkin-add")
    form.locator("input[name=text]").fill(AGREEMENT)
    form.locator("select[name=owner]").select_option("employee")
    form.locator("input[name=follow_up_on]").fill("2030-01-15")
    form.get_by_role("button", name="Add the agreement").click()
    henrik.wait_for_load_state()
    assert AGREEMENT in henrik.inner_text("#agreements")
    henrik.fill("#notes", "Good talk. Mads takes the **runbook**; we revisit the rota in January.")
    screenshot(henrik, "checkins-manager-meeting")
    henrik.get_by_role("button", name="Mark as held").click()
    henrik.wait_for_load_state()
    assert "The check-in is held" in henrik.inner_text("body")
    assert henrik.locator("h1 + p .tag-ok", has_text="held").is_visible()
    assert henrik.locator("#meeting-notes strong", has_text="runbook").is_visible()

    # The next check-in is scheduled and shows the open agreement, carried over.
    henrik.goto(live_server + "/checkins/")
    row = henrik.locator("table.checkins-team tr", has_text="Mads Kristensen")
    row.locator("td").nth(3).get_by_role("link").click()
    henrik.wait_for_load_state()
    assert henrik.url != meeting_url
    carried = henrik.locator("ul.carried")
    assert AGREEMENT in carried.inner_text()
    screenshot(henrik, "checkins-next-meeting")

    # Mads sees the same agreement on his next check-in and on his home page.
    mads.goto(live_server + "/")
    assert AGREEMENT in mads.inner_text("body")
    mads.goto(henrik.url)
    assert AGREEMENT in mads.locator("ul.carried").inner_text()
    mads.context.close()
    henrik.context.close()


def test_hr_sees_coverage_but_not_the_conversation(page, live_server):
    sign_in(page, live_server, HR, "en")
    page.goto(live_server + "/checkins/coverage")
    assert page.get_by_role("heading", name="Check-in coverage").is_visible()
    assert "Platform" in page.inner_text("body")
    assert AGREEMENT not in page.inner_text("body")
    screenshot(page, "checkins-coverage")
