"""Forum journeys in the browser: a thread, a reply with an @mention, and the notification."""

from __future__ import annotations

import re

from lms.demo import DEMO_LOGINS
from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import sign_in

EMAIL = {role: email for role, email, _f, _l in DEMO_LOGINS}


def test_thread_reply_with_mention_reaches_the_author(browser, page, live_server):
    # Mads (employee) asks in Tech talk.
    sign_in(page, live_server, EMAIL["employee"], "en")
    page.click("nav .main-nav >> text=Forums")
    page.click("text=Tech talk")
    page.click("text=New thread")
    page.fill("#title", "Which linter do you use for SQL?")
    page.fill("#body", "We keep arguing about **formatting**. Suggestions?")
    page.click("form input[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Which linter do you use for SQL?"
    thread_url = page.url
    assert page.locator("article.forum-post strong", has_text="formatting").count() == 1  # Markdown rendered

    # Ingrid (mentor) answers and mentions Mads by his handle.
    other = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    mentor = other.new_page()
    mentor.set_default_timeout(10_000)
    try:
        sign_in(mentor, live_server, EMAIL["mentor"], "en")
        mentor.goto(thread_url)
        mentor.fill("#body", "We use sqlfluff in CI. @employee, I can show you the config.")
        mentor.click("#reply input[type=submit]")
        mentor.wait_for_load_state()
        assert "#post-" in mentor.url
        assert mentor.locator("article.forum-post", has_text="sqlfluff").count() == 1
        screenshot(mentor, "forums-reply-phone")
    finally:
        other.close()

    # Mads sees the notification in the header, in the centre, and follows it to the reply.
    page.goto(live_server + "/")
    badge = page.locator(".site-header .tag-new")
    assert int(re.match(r"\d+", badge.inner_text()).group()) >= 1
    page.click("header >> text=Notifications")
    item = page.locator("article.notification", has_text="Which linter do you use for SQL?").first
    assert re.search(r"mentioned you", item.inner_text())
    screenshot(page, "forums-notification")
    item.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(thread_url) and "#post-" in page.url
    assert page.locator("article.forum-post", has_text="sqlfluff").is_visible()


def test_new_hire_before_day_one_cannot_open_an_open_group(browser, page, live_server):
    sign_in(page, live_server, EMAIL["employee"], "en")
    page.goto(live_server + "/forums")
    group_url = live_server + page.locator("a", has_text="New to Fjordhavn").first.get_attribute("href")
    context = browser.new_context()
    newbie = context.new_page()
    try:
        sign_in(newbie, live_server, EMAIL["new hire"], "en")
        response = newbie.goto(group_url)
        assert response.status in (403, 404)
        newbie.goto(live_server + "/forums/search?q=Fjordhavn")
        assert newbie.locator("article", has_text="New to Fjordhavn").count() == 0
    finally:
        context.close()


def test_reported_post_is_removed_by_hr_from_the_queue(browser, page, live_server):
    # Mads reports the newest reply in Tech talk's first thread.
    sign_in(page, live_server, EMAIL["employee"], "en")
    page.goto(live_server + "/forums")
    page.click("text=Tech talk")
    page.locator("article h3 a").first.click()
    page.wait_for_load_state()
    thread_url = page.url.split("#")[0]
    reported = page.locator("article.forum-post", has=page.locator("a", has_text="Report")).last
    post_id = reported.get_attribute("id")
    reported.locator("a", has_text="Report").click()
    page.fill("#reason", "Off topic advertising")
    page.click("form input[type=submit]")
    page.wait_for_load_state()
    assert "moderators will look" in page.inner_text("body")

    context = browser.new_context()
    hr = context.new_page()
    try:
        sign_in(hr, live_server, EMAIL["hr"], "en")
        hr.goto(live_server + "/forums/reports")
        report = hr.locator("article", has_text="Off topic advertising")
        report.locator("button", has_text="Remove the post").click()
        hr.wait_for_load_state()
        assert hr.locator("article", has_text="Off topic advertising").count() == 0
    finally:
        context.close()

    page.goto(thread_url)
    assert "This post was removed." in page.locator(f"#{post_id}").inner_text()
