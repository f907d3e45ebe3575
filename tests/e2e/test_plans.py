"""Development plans in the browser: an employee builds a goal with three steps, orders them and
completes one (the progress moves); HR reads the gap heatmap."""

from __future__ import annotations

import re

from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import sign_in

EMPLOYEE = "employee@fjordhavn.example"
HR = "hr@fjordhavn.example"


def _select_label(page, selector, label):
    value = page.locator(f"{selector} option", has_text=label).first.get_attribute("value")
    page.select_option(selector, value)


def _submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_an_employee_builds_a_goal_with_three_steps_and_completes_one(page, live_server):
    sign_in(page, live_server, EMPLOYEE, "en")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Development", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "My development plan"
    before = page.locator("#plan-progress-text").inner_text()

    page.get_by_role("button", name="Add a goal").click()
    page.fill("#title", "Lead a design review")
    page.fill("#why", "Senior engineers run the reviews of their area.")
    _select_label(page, "#competency_id", "Software design")
    page.select_option("#target_level", "3")
    page.fill("#target_date", "2027-06-30")
    _submit(page, "Add goal")
    assert page.locator("h1").inner_text() == "Add a step"  # straight on to the first step

    page.select_option("#kind", "course")
    _select_label(page, "#course_id", "Giving feedback")
    _submit(page, "Add step")
    goal = page.locator("article.plan-goal", has_text="Lead a design review")
    goal.get_by_role("link", name="Add a step").click()
    page.select_option("#kind", "shadowing")
    page.fill("#title", "Shadow Ingrid in a design review")
    _select_label(page, "#colleague_id", "Ingrid Solberg")
    _submit(page, "Add step")
    goal.get_by_role("link", name="Add a step").click()
    page.select_option("#kind", "stretch")
    page.fill("#title", "Run the next design review")
    page.fill("#due_on", "2027-05-15")
    page.fill("#position", "1")  # inserted first
    _submit(page, "Add step")

    titles = goal.locator("li.plan-item .plan-item-title")
    assert titles.all_inner_texts() == ["Run the next design review", "Giving feedback", "Shadow Ingrid in a design review"]
    assert "0 of 3 steps done" in goal.locator(".goal-progress-text").inner_text()

    # Reorder without JavaScript: move the stretch task down one place.
    with page.expect_navigation():
        goal.locator("li.plan-item", has_text="Run the next design review").get_by_role("button", name="↓").click()
    assert titles.all_inner_texts() == ["Giving feedback", "Run the next design review", "Shadow Ingrid in a design review"]

    # Complete the shadowing with a reflection.
    step = goal.locator("li.plan-item", has_text="Shadow Ingrid in a design review")
    step.locator("summary", has_text="Mark as done").click()
    step.locator("textarea").fill("Ingrid keeps the review to three questions; I will try that.")
    with page.expect_navigation():
        step.get_by_role("button", name="Complete step").click()
    goal = page.locator("article.plan-goal", has_text="Lead a design review")
    assert "1 of 3 steps done" in goal.locator(".goal-progress-text").inner_text()
    assert goal.locator("li.plan-item", has_text="Shadow Ingrid").locator(".tag-ok").is_visible()
    assert "Ingrid keeps the review to three questions" in goal.inner_text()
    after = page.locator("#plan-progress-text").inner_text()
    done_before, total_before = map(int, re.findall(r"\d+", before)[:2])
    done_after, total_after = map(int, re.findall(r"\d+", after)[:2])
    assert (done_after, total_after) == (done_before + 1, total_before + 3)
    screenshot(page, "plans-employee-plan")

    # The home page panel lists the new goal with its next step.
    page.goto(live_server + "/")
    panel = page.locator("article.devplan-dashboard")
    assert "Lead a design review" in panel.inner_text() and "Next: Giving feedback" in panel.inner_text()


def test_hr_reads_the_gap_heatmap(page, live_server):
    sign_in(page, live_server, HR, "en")
    page.goto(live_server + "/competencies/heatmap")
    table = page.locator("table.heatmap")
    assert table.is_visible()
    assert table.locator("tbody tr").count() > 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the table scrolls in its box
    page.select_option("#by", "team")
    _submit(page, "Show")
    assert "Team of Henrik Dahl" in table.inner_text()
    screenshot(page, "plans-hr-heatmap")


def test_a_manager_suggests_a_step_and_comments_on_a_reports_plan(page, live_server):
    sign_in(page, live_server, "manager@fjordhavn.example", "en")
    page.goto(live_server + "/plans/team")
    page.get_by_role("link", name="Mads Kristensen").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Development plan of Mads Kristensen"
    goal = page.locator("article.plan-goal", has_text="Write SQL that scales with our data")
    goal.get_by_role("link", name="Add a step").click()
    page.select_option("#kind", "mentoring")
    page.fill("#title", "Session with Henrik on query reviews")
    _submit(page, "Add step")
    step = page.locator("li.plan-item", has_text="Session with Henrik on query reviews")
    assert "suggested by Henrik Dahl" in step.inner_text()
    # The employee owns completion: the manager has no button for it.
    assert step.get_by_role("button", name="Complete step").count() == 0
    page.fill("#body", "Added a review session; book it when it suits you.")
    _submit(page, "Add comment")
    assert "Added a review session" in page.locator("#comments").inner_text()
