"""Browser journeys: the real app served on localhost, driven in Debian's headless Chromium."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import database_url_for, drop_database, make_test_app, migrate_schema, serve

CHROMIUM = os.environ.get("FASTHOLD_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium_path():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required in CI and was not found at {CHROMIUM} (.ci/run installs it).")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium package to run browser tests.")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with the demo organisation, served by a real HTTP server on a free port."""
    from lms.demo import build_demo
    from lms.extensions import db

    tmp = tmp_path_factory.mktemp("live")
    url = database_url_for("live", tmp)
    app = make_test_app(tmp, url, WTF_CSRF_ENABLED=True)
    migrate_schema(app)
    with app.app_context():
        build_demo(employees=40, seed=11, today=date.today())
        db.session.commit()
        db.session.remove()
    with serve(app) as base_url:
        yield base_url
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def screenshot(pg, name: str) -> None:
    """Full-page screenshots for people to look at, when FASTHOLD_SCREENSHOTS=1 (they cost time)."""
    if os.environ.get("FASTHOLD_SCREENSHOTS") != "1":
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
