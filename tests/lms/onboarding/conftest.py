"""Onboarding fixtures: a track factory and a department with a manager, veterans and HR."""

from __future__ import annotations

from datetime import date, timedelta

import pytest


@pytest.fixture
def make_track(db):
    """make_track(department=None, job_title=None, name=...) -> a track with one task in every phase
    and every owner, plus a welcome page."""
    from lms.onboarding.models import Area, OnboardingTrack, Owner, PageKind, Phase, TrackPage, TrackTask

    def factory(department=None, job_title=None, name="Track", tasks=None):
        track = OnboardingTrack(name=name, department=department, job_title=job_title, is_active=True)
        track.tasks = [TrackTask(phase=ph, area=ar, owner=ow, due_offset_days=off, title=title, position=0)
                       for ph, ar, ow, off, title in (tasks or [
                           (Phase.preboarding, Area.professional, Owner.new_hire, -5, "Send your bank details"),
                           (Phase.preboarding, Area.professional, Owner.it, -3, "Prepare the laptop"),
                           (Phase.preboarding, Area.social, Owner.buddy, -2, "Say hello"),
                           (Phase.week1, Area.social, Owner.manager, 0, "Welcome at reception"),
                           (Phase.week1, Area.cultural, Owner.hr, 2, "How we work"),
                           (Phase.day30, Area.professional, Owner.manager, 30, "30-day talk"),
                           (Phase.day60, Area.social, Owner.new_hire, 45, "Coffee with three colleagues"),
                           (Phase.day90, Area.cultural, Owner.new_hire, 85, "Improve onboarding"),
                       ])]
        track.pages = [TrackPage(kind=PageKind.welcome, title="A welcome from our CEO",
                                 body="We are **glad** you are here.", position=0)]
        db.session.add(track)
        db.session.flush()
        return track

    return factory


@pytest.fixture
def org(create_user, create_department, make_track):
    """A department with a manager, two veterans (one buddying already), a recent joiner and HR."""
    dept = create_department("Platform")
    manager = create_user("manager", department=dept, first_name="Maja",
                          hire_date=date.today() - timedelta(days=2000))
    veteran = create_user(department=dept, manager=manager, first_name="Vera",
                          hire_date=date.today() - timedelta(days=1500))
    senior = create_user(department=dept, manager=manager, first_name="Sune",
                         hire_date=date.today() - timedelta(days=900))
    recent = create_user(department=dept, manager=manager, first_name="Rita",
                         hire_date=date.today() - timedelta(days=60))
    hr = create_user("hr", first_name="Hanne")
    admin = create_user("admin", first_name="Ivar")
    track = make_track(name="Default")
    return {"dept": dept, "manager": manager, "veteran": veteran, "senior": senior, "recent": recent, "hr": hr,
            "admin": admin, "track": track}


@pytest.fixture
def hire(create_user, org):
    """hire(days=14, **kw) -> a new hire in the org's department starting in `days` days."""

    def factory(days: int = 14, **kwargs):
        kwargs.setdefault("department", org["dept"])
        kwargs.setdefault("manager", org["manager"])
        return create_user(hire_date=date.today() + timedelta(days=days), first_name="Nina", **kwargs)

    return factory


@pytest.fixture
def plan_of():
    from lms.onboarding.service import current_plan

    def get(user):
        plan = current_plan(user)
        assert plan is not None, "no onboarding plan"
        return plan

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
