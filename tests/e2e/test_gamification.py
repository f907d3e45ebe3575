"""Browser journey for gamification: a learner completes a course, the worker runs the rules over
the statements, the learner sees the points and the badge on their profile, and the badge's
public verification page (opened signed out, as someone outside would) says it is valid."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import database_url_for, drop_database, make_test_app, migrate_schema, serve
from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import ROLE_EMAIL, sign_in


@pytest.fixture(scope="module")
def gam_server(tmp_path_factory):
    """The demo organisation on its own server, with the app at hand to run the worker's step."""
    from lms.demo import build_demo
    from lms.extensions import db

    tmp = tmp_path_factory.mktemp("gam-live")
    url = database_url_for("gam_live", tmp)
    app = make_test_app(tmp, url, WTF_CSRF_ENABLED=True)
    migrate_schema(app)
    with app.app_context():
        build_demo(employees=40, seed=11, today=date.today())
        db.session.commit()
        db.session.remove()
    with serve(app) as base_url:
        yield app, base_url
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


def run_worker(app) -> None:
    """What the Celery worker does after the commit: the stream subscriber, then the badge task
    (here through the periodic catch-up, which processes every statement not yet seen)."""
    from gamification.tasks import catch_up
    from lms.extensions import db

    with app.app_context():  # this app's, whichever Celery app is the default in the session
        catch_up.run()
        db.session.commit()
        db.session.remove()


def _points(page) -> int:
    return int(page.inner_text("[data-testid=points-all]").replace(",", "").replace(".", "").strip())


def test_completing_a_course_earns_points_a_badge_and_a_verifiable_assertion(page, gam_server):
    app, base = gam_server
    sign_in(page, base, ROLE_EMAIL["mentor"], language="en")
    page.click("nav .main-nav >> text=Badges")
    before = _points(page)
    assert "Good communicator" not in page.inner_text("#badges ~ div, #badges ~ p")

    page.goto(base + "/courses")
    page.click("text=Running effective meetings")
    page.click("text=Enrol and start")
    page.click("text=Mark as done and continue")
    page.click("text=Mark as done and continue")
    page.click("text=Start the quiz")
    page.get_by_label("False", exact=True).check()
    page.get_by_label("The purpose of the meeting").check()
    page.get_by_label("The same day, in writing").check()
    page.click("text=Hand in")
    assert "Passed: 100%" in page.inner_text("main")

    run_worker(app)

    page.click("nav .main-nav >> text=Badges")
    after = _points(page)
    assert after >= before + 50  # "Completed a course" alone is 50
    assert "Completed a course: Running effective meetings" in page.inner_text("#history ~ div")
    badge = page.locator("article.gam-badge", has_text="Good communicator")
    assert badge.count() == 1
    assert "Running effective meetings" in page.inner_text("#certificates ~ ul")
    screenshot(page, "gamification-profile")
    share = badge.locator("input[readonly]").input_value()
    assert share.endswith("/verify")

    # Someone outside the platform opens the shared link.
    outsider = page.context.browser.new_context()
    try:
        other = outsider.new_page()
        other.goto(base + share[share.index("/badges/"):])
        assert other.inner_text("[data-testid=badge-status]") == "Valid"
        assert "Good communicator" in other.inner_text("h1")
        assert "Fasthold" in other.inner_text("main")
        screenshot(other, "gamification-verify")
    finally:
        outsider.close()
