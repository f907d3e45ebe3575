"""What a person does in the browser: sign in as each demo role in each language and use the pages."""

from __future__ import annotations

import re

import pytest

from lms.demo import DEMO_LOGINS, DEMO_PASSWORD
from tests.e2e.conftest import screenshot

ROLE_EMAIL = {role.replace(" ", "_"): email for role, email, _f, _l in DEMO_LOGINS}
# Pages each role reaches from its navigation (by role-aware links).
NAV = {
    "new_hire": ["/", "/me", "/onboarding/"],
    "employee": ["/", "/me", "/courses"],
    "mentor": ["/", "/me", "/onboarding/", "/courses"],  # the new hire's buddy
    "manager": ["/", "/me", "/team", "/onboarding/", "/courses"],
    "hr": ["/", "/me", "/team", "/onboarding/", "/people", "/departments", "/audit", "/admin/lrs/packages", "/courses",
           "/analytics/"],
    "admin": ["/", "/me", "/onboarding/", "/people", "/departments", "/audit", "/admin/lrs/packages", "/admin/lrs/statements",
              "/admin/lrs/credentials", "/admin/system", "/courses"],
}
# Pages every signed-in person reaches from the main navigation.
for _pages in NAV.values():
    _pages.append("/forums")
# Everyone with a manager (or reports, or HR) has 1:1 check-ins; a new hire before day one does not.
for _role in ("employee", "mentor", "manager", "hr", "admin"):
    NAV[_role].append("/checkins/")
# Mentoring from the first day on (not before it).
for _role, _pages in NAV.items():
    if _role != "new_hire":
        _pages.append("/mentoring/")
# Everyone who has started has a development plan (plans/devplans) and points and badges.
for _role, _pages in NAV.items():
    if _role != "new_hire":
        _pages.extend(["/plans/", "/gamification/"])
# Words of the English interface that must not appear in the Danish or Swedish one.
ENGLISH_UI = ["Sign out", "Home", "My profile", "Employment history", "Job title", "Departments", "Audit log",
              "Language", "Change password", "My team"]


def select_by_text(page, selector, text):
    value = page.locator(f"{selector} option", has_text=text).first.get_attribute("value")
    page.select_option(selector, value)


def choose_language(page, language):
    """Use the switcher in the header (it submits itself on change)."""
    if page.get_attribute("html", "lang") != language:
        with page.expect_navigation():
            page.select_option("#language-select", language)
    assert page.get_attribute("html", "lang") == language


def sign_in(page, base, email, language=None):
    """Sign in; with `language`, switch to it afterwards (the person's saved choice wins at sign-in)."""
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form input[type=submit]")
    page.wait_for_load_state()
    if language:
        choose_language(page, language)


# Every role in English and in one of Danish and Swedish, taking turns: an English word left in
# the interface shows in both (the catalogues themselves are checked complete by test_i18n), so
# the second Scandinavian pass per role would only double the time.
ROLE_LANGUAGES = [(role, language) for n, role in enumerate(sorted(NAV)) for language in ("en", ("da", "sv")[n % 2])]


@pytest.mark.parametrize(("role", "language"), ROLE_LANGUAGES)
def test_each_demo_role_sees_its_pages_in_each_language(page, live_server, role, language):
    sign_in(page, live_server, ROLE_EMAIL[role], language)
    for path in NAV[role]:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        assert page.get_attribute("html", "lang") == language
        assert page.locator("h1").first.is_visible()
        visible = page.inner_text("body")
        if language != "en":
            leftovers = [w for w in ENGLISH_UI if re.search(rf"\b{re.escape(w)}\b", visible)]
            assert leftovers == [], (path, leftovers)
        screenshot(page, f"{role}-{language}{path.replace('/', '_') or '_home'}")
    nav_links = page.locator("nav[aria-label] .main-nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert set(nav_links) <= set(NAV[role])


def test_other_roles_pages_are_refused_in_the_browser(page, live_server):
    sign_in(page, live_server, ROLE_EMAIL["employee"])
    for path in ["/people", "/departments", "/audit", "/admin/system", "/team"]:
        response = page.goto(live_server + path)
        assert response.status == 403, path
    screenshot(page, "employee-403")


def test_wrong_password_shows_error_next_to_the_field(page, live_server):
    page.goto(live_server + "/login")
    page.fill("#email", ROLE_EMAIL["employee"])
    page.fill("#password", "not the password")
    page.click("form input[type=submit]")
    assert page.get_attribute("#password", "aria-invalid") == "true"
    assert "wrong" in page.inner_text("#password-error")
    screenshot(page, "login-error")


def test_hr_adds_a_department_and_a_person_with_employment(page, live_server):
    sign_in(page, live_server, ROLE_EMAIL["hr"], language="en")
    page.goto(live_server + "/departments/new")
    page.fill("#name", "Research Lab")
    select_by_text(page, "#parent_id", "Engineering")
    page.click("form input[type=submit]")
    assert "Research Lab" in page.inner_text("main")

    page.goto(live_server + "/people/new")
    page.fill("#first_name", "Karin")
    page.fill("#last_name", "Nyström")
    page.fill("#email", "karin.nystrom@fjordhavn.example")
    page.check("input[value=manager]")
    page.click("form input[type=submit]")
    assert "/spells/new" in page.url
    page.fill("#job_title", "Research Lead")
    select_by_text(page, "#department_id", "Research Lab")
    page.fill("#hire_date", "2026-01-05")
    page.click("form input[type=submit]")
    main = page.inner_text("main")
    assert "Karin Nyström" in main and "Research Lead" in main
    screenshot(page, "hr-new-person")

    # A leaving is recorded on the same spell and shows up in the audit log.
    page.click("text=Edit >> nth=-1")
    page.fill("#end_date", "2026-06-30")
    page.select_option("#end_type", "voluntary")
    page.check("#is_regretted")
    page.click("form input[type=submit]")
    assert "regretted" in page.inner_text("main")
    page.goto(live_server + "/audit")
    assert "Karin Nyström" in page.inner_text("main")
    screenshot(page, "hr-audit")


def test_skip_link_is_the_first_stop_for_keyboard_users(page, live_server):
    page.goto(live_server + "/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()


def test_every_form_field_has_a_label(page, live_server):
    sign_in(page, live_server, ROLE_EMAIL["admin"], language="en")
    for path in ["/login", "/people/new", "/departments/new", "/me", "/password/change", "/people"]:
        page.goto(live_server + path)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]):not([type=submit]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id)""")
        assert unlabelled == [], (path, unlabelled)
