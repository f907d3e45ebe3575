"""Check-in fixtures: two teams, a colleague, HR; pairs synced from the org chart."""

from __future__ import annotations

from datetime import date, timedelta

import pytest


@pytest.fixture
def teams(db, create_user, create_department):
    """Platform: manager Maja with reports Rune and Rita. Sales: manager Sven with report Sara. HR: Hanne."""
    from plans.checkins import service

    platform, sales = create_department("Platform"), create_department("Sales")
    old = date.today() - timedelta(days=900)
    maja = create_user("manager", department=platform, first_name="Maja", hire_date=old)
    rune = create_user(department=platform, manager=maja, first_name="Rune", hire_date=old)
    rita = create_user(department=platform, manager=maja, first_name="Rita", hire_date=old)
    sven = create_user("manager", department=sales, first_name="Sven", hire_date=old)
    sara = create_user(department=sales, manager=sven, first_name="Sara", hire_date=old)
    hr = create_user(("hr", "manager"), first_name="Hanne", hire_date=old)
    service.sync_pairs()
    return {"maja": maja, "rune": rune, "rita": rita, "sven": sven, "sara": sara, "hr": hr,
            "platform": platform, "sales": sales}


@pytest.fixture
def pair_of(db):
    """pair_of(manager, report) -> the OneOnOnePair."""
    from sqlalchemy import select

    from plans.checkins.models import OneOnOnePair

    def get(manager, report):
        return db.session.execute(
            select(OneOnOnePair).where(OneOnOnePair.manager_id == manager.id, OneOnOnePair.report_id == report.id)
        ).scalar_one()

    return get


@pytest.fixture
def login(client):
    """login(user): sign out whoever is signed in, then sign `user` in through the real form."""
    from tests.conftest import PASSWORD

    def do(user, password: str = PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do
