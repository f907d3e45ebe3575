"""Mentoring fixtures: competencies by name, a mentor factory and a request factory."""

from __future__ import annotations

import pytest


@pytest.fixture
def competency(db):
    """competency("Negotiation") -> the Competency of that name (created once)."""
    from plans.mentoring.demo import competencies_by_name

    def get(name: str):
        from sqlalchemy import select

        from plans.competencies.models import Competency

        found = db.session.execute(select(Competency).where(Competency.name == name)).scalar_one_or_none()
        if found is None:
            found = Competency(name=name, category="Test")
            db.session.add(found)
            db.session.flush()
        return found

    competencies_by_name()  # the demo framework, so names resolve like in the demo
    return get


@pytest.fixture
def make_mentor(db, create_user, competency):
    """make_mentor(skills={"Negotiation": 5}, capacity=2, languages=["en"], user=None, **user_kw) -> User
    with a published profile."""
    from plans.mentoring import service
    from plans.mentoring.models import WorkMode

    def factory(skills=None, capacity: int = 2, languages=("en",), user=None, mode=WorkMode.either, **user_kw):
        user = user or create_user(is_mentor=True, **user_kw)
        service.save_profile(user, service.ProfileData(
            capacity=capacity, languages=list(languages), mode=mode,
            skills={competency(n).id: lv for n, lv in (skills or {"Negotiation": 4}).items()},
        ))
        return user

    return factory


@pytest.fixture
def ask(db, competency):
    """ask(user, ["Negotiation"], language=None, required=False, **kw) -> MentorRequest."""
    from plans.mentoring import service

    def factory(user, skills=("Negotiation",), language=None, required=False, goal="Close my first big deal",
                **kw):
        return service.create_request(user, service.RequestData(
            goal=goal, skills=[competency(n).id for n in skills], language=language, is_language_required=required,
            **kw,
        ))

    return factory


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
