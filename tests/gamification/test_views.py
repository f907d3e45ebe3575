"""Gamification pages through the test client: permissions, forms and their errors, the
profile's privacy choices and the public profile."""

from __future__ import annotations

import io

from sqlalchemy import select

from gamification import service
from gamification.badges import award_by_hand
from gamification.models import BadgeAward, BadgeClass, GamificationProfile, PointsRule
from xapi.vocabulary import ActivityType, Verb


def test_admin_pages_are_for_hr_only(db, client, create_user, login):
    login(create_user())
    for url in ("/gamification/admin/rules", "/gamification/admin/badges", "/gamification/admin/badges/new"):
        assert client.get(url).status_code == 403
    assert client.post("/gamification/admin/rules", data={"name": "x"}).status_code == 403


def test_hr_creates_a_rule_and_bad_input_is_shown_next_to_the_field(db, client, create_user, login):
    login(create_user("hr"))
    bad = client.post("/gamification/admin/rules", data={"name": "Quiz", "verb_id": "answered", "points": "5"})
    assert bad.status_code == 400 and "must be an IRI" in bad.get_data(as_text=True)
    good = client.post("/gamification/admin/rules", data={
        "name": "Quiz", "verb_id": Verb.ANSWERED[0], "activity_type": ActivityType.QUESTION, "points": "5",
        "daily_cap": "25", "is_active": "y"})
    assert good.status_code == 302
    rule = db.session.execute(select(PointsRule)).scalar_one()
    assert (rule.points, rule.daily_cap, rule.activity_type) == (5, 25, ActivityType.QUESTION)


def test_hr_defines_a_badge_with_an_uploaded_image_and_awards_it_by_hand(db, client, create_user, login):
    from PIL import Image

    hr, person = create_user("hr"), create_user()
    login(hr)
    png = io.BytesIO()
    Image.new("RGB", (600, 300), "red").save(png, "PNG")
    response = client.post("/gamification/admin/badges/new", data={
        "name": "Red", "description": "Red badge", "criteria": "Be red", "rule_kind": "manual", "is_active": "y",
        "image": (io.BytesIO(png.getvalue()), "red.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    badge = db.session.execute(select(BadgeClass)).scalar_one()
    with Image.open(io.BytesIO(badge.image)) as img:
        assert img.format == "PNG" and max(img.size) == 400
    bad = client.post("/gamification/admin/badges/new", data={
        "name": "Broken", "description": "x", "criteria": "x", "rule_kind": "manual",
        "image": (io.BytesIO(b"not an image"), "x.png")}, content_type="multipart/form-data")
    assert bad.status_code == 400 and "Upload a PNG, JPEG or GIF image." in bad.get_data(as_text=True)
    missing = client.post(f"/gamification/admin/badges/{badge.id}/award", data={"email": "nobody@example.com",
                                                                                "reason": "x"})
    assert missing.status_code == 400 and "Nobody active" in missing.get_data(as_text=True)
    assert client.post(f"/gamification/admin/badges/{badge.id}/award",
                       data={"email": person.email, "reason": "Great work"}).status_code == 302
    award = db.session.execute(select(BadgeAward)).scalar_one()
    assert award.user_id == person.id and award.awarded_by_id == hr.id
    assert client.post(f"/gamification/admin/awards/{award.id}/revoke", data={"reason": ""}).status_code == 400
    assert client.post(f"/gamification/admin/awards/{award.id}/revoke", data={"reason": "Oops"}).status_code == 302
    db.session.refresh(award)
    assert award.is_revoked


def test_my_page_shows_points_badges_and_the_share_link(db, client, create_user, login, badge):
    from gamification.engine import add_to_totals, periods_of
    from lms.people.models import utcnow

    person, hr = create_user(), create_user("hr")
    add_to_totals({(p, person.id): 40 for p in periods_of(utcnow())})
    award = award_by_hand(badge("Kind"), person, hr, "Helped")
    login(person)
    page = client.get("/gamification/").get_data(as_text=True)
    assert "40" in page and "Kind" in page and f"/badges/assertions/{award.uid}/verify" in page


def test_public_profile_shows_only_what_the_person_chose(db, client, create_user, login, badge):
    person, hr = create_user(first_name="Petra"), create_user("hr")
    award_by_hand(badge("Shiny"), person, hr, "x")
    login(person)
    assert client.post("/gamification/profile", data={"is_public": "y", "shows_badges": "y"}).status_code == 302
    profile = db.session.get(GamificationProfile, person.id)
    assert profile.is_public and profile.shows_badges and not profile.shows_points and profile.public_key
    client.post("/logout")
    page = client.get(f"/gamification/people/{profile.public_key}").get_data(as_text=True)
    assert "Petra" in page and "Shiny" in page and "points in all" not in page
    assert client.get("/gamification/people/guess").status_code == 404
    login(person)
    client.post("/gamification/profile", data={"shows_badges": "y"})
    client.post("/logout")
    assert client.get(f"/gamification/people/{profile.public_key}").status_code == 404


def test_leaderboard_rejects_unknown_boards(db, client, create_user, login):
    login(create_user())
    assert client.get("/gamification/leaderboards?board=galaxy").status_code == 400
    for board in service.BOARDS:
        for period in service.PERIODS:
            assert client.get(f"/gamification/leaderboards?board={board}&period={period}").status_code == 200


def test_badge_page_shows_the_badges_own_rule_selected(db, client, create_user, login, badge):
    login(create_user("hr"))
    b = badge("Helper", "helpful_answers", count=2)
    page = client.get(f"/gamification/admin/badges/{b.id}").get_data(as_text=True)
    assert '<option selected value="helpful_answers">' in page


def test_a_draft_badge_nobody_holds_is_private_but_a_held_one_stays_verifiable(db, client, create_user, login, badge):
    from gamification.badges import award_by_hand

    draft, retired = badge("Secret draft", is_active=False), badge("Retired")
    hr, holder = create_user("hr"), create_user()
    award_by_hand(retired, holder, hr, "Before it was retired")
    retired.is_active = False
    db.session.commit()
    for path in (f"/badges/{draft.id}", f"/badges/{draft.id}/image", f"/badges/{draft.id}/criteria"):
        assert client.get(path).status_code == 404, path  # ids are sequential: no peeking at drafts
    assert client.get(f"/badges/{retired.id}").status_code == 200  # its assertions point here
    login(hr)
    assert client.get(f"/badges/{draft.id}/image").status_code == 200  # the admin pages show it
