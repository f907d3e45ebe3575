"""Pulse surveys: anonymity by design, once per person, eNPS, thresholds, differencing, rounds and reminders."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import Date, DateTime, func, inspect, select, text

from analytics import pulse
from analytics.models import (
    PulseAnswer,
    PulseComment,
    PulseInvitation,
    PulseResponse,
    PulseRound,
    QuestionKind,
    Schedule,
)
from lms.notifications.models import Notification

TODAY = date.today()


@pytest.fixture
def make_survey(db):
    def factory(departments=(), schedule=Schedule.once, starts_on=None, topics=("growth", "stay", "comment")):
        return pulse.create_survey(pulse.SurveyData(
            title="Pulse", organisation="Nordlys", schedule=schedule, starts_on=starts_on or TODAY, open_days=14,
            department_ids=[d.id for d in departments], topics=list(topics)))
    return factory


def answer(user, rnd, enps_value=9, likert=4, comment=""):
    scores, texts = {}, {}
    for q in rnd.survey.questions:
        if q.kind is QuestionKind.enps:
            scores[q.id] = enps_value
        elif q.kind is QuestionKind.likert:
            scores[q.id] = likert
        else:
            texts[q.id] = comment
    pulse.submit_answers(user, rnd, scores, texts)


def staff(create_user, dept, n):
    return [create_user(department=dept) for _ in range(n)]


# --- anonymity ---------------------------------------------------------------------------------


def test_answers_have_no_link_to_a_person_in_the_schema(db):
    insp = inspect(db.session.connection())
    for table in ("pulse_responses", "pulse_answers", "pulse_comments"):
        columns = {c["name"]: c for c in insp.get_columns(table)}
        assert not {"user_id", "person_id", "respondent_id", "invitation_id", "created_at", "answered_at"} & set(columns)
        assert not any(isinstance(c["type"], (Date, DateTime)) for c in columns.values()), table
        assert all(fk["referred_table"] not in ("users", "pulse_invitations") for fk in insp.get_foreign_keys(table))
        if "id" in columns:
            assert "CHAR" in str(columns["id"]["type"]).upper()  # a random key, not a sequence
    invitation_columns = {c["name"] for c in insp.get_columns("pulse_invitations")}
    assert "has_answered" in invitation_columns
    assert not {"answered_at", "response_id", "updated_at"} & invitation_columns
    assert all(fk["referred_table"] != "pulse_responses" for fk in insp.get_foreign_keys("pulse_invitations"))
    if db.session.connection().dialect.name == "sqlite":
        for table in ("pulse_responses", "pulse_answers", "pulse_comments"):
            sql = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar_one()
            assert "WITHOUT ROWID" in sql  # storage order follows the random key, not the order of answering


def test_a_response_keeps_only_period_department_and_tenure_band(db, create_user, create_department, make_survey):
    dept = create_department("Support")
    person = create_user(department=dept, hire_date=TODAY - timedelta(days=800))
    rnd = pulse.open_round(make_survey(), TODAY)
    answer(person, rnd, comment="More coffee")
    response = db.session.execute(select(PulseResponse)).scalar_one()
    assert (response.round_id, response.department_id, response.tenure_band) == (rnd.id, dept.id, "2-5")
    assert len(response.id) == 32
    assert db.session.execute(select(PulseComment.body)).scalar_one() == "More coffee"
    assert db.session.execute(select(PulseInvitation.has_answered)).scalar_one() is True


def test_sealing_rewrites_answers_with_new_keys_and_keeps_them(db, create_user, create_department, make_survey):
    dept = create_department()
    people = staff(create_user, dept, 6)
    rnd = pulse.open_round(make_survey(), TODAY)
    for i, p in enumerate(people):
        answer(p, rnd, enps_value=i + 5, comment=f"c{i}")
    before_ids = set(db.session.execute(select(PulseResponse.id)).scalars())
    before_values = sorted(db.session.execute(select(PulseAnswer.value)).scalars())
    pulse.close_round(rnd)
    assert rnd.is_sealed
    assert not before_ids & set(db.session.execute(select(PulseResponse.id)).scalars())
    assert sorted(db.session.execute(select(PulseAnswer.value)).scalars()) == before_values
    assert sorted(db.session.execute(select(PulseComment.body)).scalars()) == [f"c{i}" for i in range(6)]
    pulse.seal_round(rnd)  # idempotent
    assert db.session.execute(select(func.count()).select_from(PulseResponse)).scalar_one() == 6


# --- answering -------------------------------------------------------------------------------


def test_answering_twice_is_refused(db, create_user, make_survey):
    person = create_user()
    rnd = pulse.open_round(make_survey(), TODAY)
    answer(person, rnd)
    with pytest.raises(pulse.AlreadyAnswered):
        answer(person, rnd, enps_value=0)
    assert db.session.execute(select(func.count()).select_from(PulseResponse)).scalar_one() == 1


def test_answering_twice_through_the_page_is_refused(client, login, db, create_user, make_survey):
    person = create_user()
    rnd = pulse.open_round(make_survey(), TODAY)
    data = {f"q{q.id}": ("4" if q.kind is not QuestionKind.text else "") for q in rnd.survey.questions}
    login(person)
    first = client.post(f"/analytics/pulse/{rnd.id}", data=data)
    assert first.status_code == 302, first.get_data(as_text=True)
    second = client.post(f"/analytics/pulse/{rnd.id}", data=data, follow_redirects=True)
    assert "already answered" in second.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(PulseResponse)).scalar_one() == 1


def test_a_missing_or_out_of_scale_answer_is_an_error_next_to_the_question(client, login, db, create_user,
                                                                         make_survey):
    person = create_user()
    rnd = pulse.open_round(make_survey(), TODAY)
    enps_q = next(q for q in rnd.survey.questions if q.kind is QuestionKind.enps)
    login(person)
    response = client.post(f"/analytics/pulse/{rnd.id}", data={f"q{enps_q.id}": "11"})
    assert response.status_code == 400 and "Choose an answer." in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(PulseResponse)).scalar_one() == 0
    assert db.session.execute(select(PulseInvitation.has_answered)).scalar_one() is False


def test_only_the_audience_is_invited_and_a_round_opens_once(db, create_user, create_department, make_survey):
    sales = create_department("Sales")
    nordics = create_department("Sales Nordics", parent=sales)
    other = create_department("Finance")
    inside = [create_user(department=sales), create_user(department=nordics)]
    outside = create_user(department=other)
    future = create_user(department=sales, hire_date=TODAY + timedelta(days=10))
    leaver = create_user(department=sales, hire_date=TODAY - timedelta(days=900),
                         end_date=TODAY - timedelta(days=30))
    survey = make_survey(departments=[sales])
    assert pulse.open_due_rounds(TODAY) == 1
    assert pulse.open_due_rounds(TODAY) == 0
    invited = set(db.session.execute(select(PulseInvitation.user_id)).scalars())
    assert invited == {p.id for p in inside}
    assert outside.id not in invited and future.id not in invited and leaver.id not in invited
    notes = db.session.execute(select(Notification).where(Notification.kind == "pulse.invited")).scalars().all()
    assert sorted(n.recipient_id for n in notes) == sorted(p.id for p in inside)
    pulse.open_round(survey, TODAY)  # again, by hand: nobody invited twice
    assert db.session.execute(select(func.count()).select_from(PulseInvitation)).scalar_one() == 2


def test_monthly_and_quarterly_rounds_and_reminders_once(db, create_user, make_survey):
    start = date(2026, 1, 31)
    monthly = make_survey(schedule=Schedule.monthly, starts_on=start)
    assert pulse.due_opening(monthly, date(2026, 3, 5)) == date(2026, 2, 28)
    assert pulse.due_opening(monthly, date(2026, 3, 31)) == date(2026, 3, 31)
    quarterly = make_survey(schedule=Schedule.quarterly, starts_on=date(2026, 1, 15))
    assert pulse.due_opening(quarterly, date(2026, 6, 1)) == date(2026, 4, 15)
    assert pulse.period_of(quarterly, date(2026, 4, 15)) == "2026-Q2"
    person, keen = create_user(), create_user()
    rnd = pulse.open_round(make_survey(), TODAY - timedelta(days=12))
    answer(keen, rnd)
    assert pulse.send_reminders(TODAY) == 1
    assert pulse.send_reminders(TODAY) == 0
    reminded = db.session.execute(select(Notification.recipient_id).where(Notification.kind == "pulse.reminder")).scalars().all()
    assert reminded == [person.id]


def test_celery_tasks_are_idempotent(db, create_user, make_survey):
    from analytics import tasks

    create_user()
    make_survey()
    assert tasks.open_pulse_rounds.run() == 1
    assert tasks.open_pulse_rounds.run() == 0
    rnd = db.session.execute(select(PulseRound)).scalar_one()
    rnd.closes_on = TODAY - timedelta(days=1)
    assert tasks.seal_pulse_rounds.run() == 1
    assert tasks.seal_pulse_rounds.run() == 0


# --- results ----------------------------------------------------------------------------------


@pytest.mark.parametrize("values, expected", [
    ([10, 9, 8, 7, 6, 0], 0.0),
    ([10] * 5 + [0] * 3 + [7] * 2, 20.0),
    ([9, 9, 9, 9], 100.0),
    ([6, 5, 0], -100.0),
    ([8, 7, 8], 0.0),
])
def test_enps_is_percent_promoters_minus_percent_detractors(values, expected):
    assert pulse.enps(values) == pytest.approx(expected)
    assert pulse.enps([]) is None


def _results(db, rnd):
    pulse.close_round(rnd)
    return {r.name: r for r in pulse.round_results(rnd, random.Random(1))}


def test_results_are_hidden_below_five_and_details_below_ten(db, create_user, create_department, make_survey):
    four, five, ten = create_department("Four"), create_department("Five"), create_department("Ten")
    one = create_department("One")  # with Four, 5 hidden people: hiding Four alone is then safe
    groups = [(dept, staff(create_user, dept, n)) for dept, n in ((four, 4), (five, 5), (ten, 10), (one, 1))]
    rnd = pulse.open_round(make_survey(), TODAY)
    assert pulse.round_results(rnd) == []  # nothing while the round is open
    for dept, people in groups:
        for i, p in enumerate(people):
            answer(p, rnd, enps_value=10 if i % 2 else 3, comment=f"{dept.name} says {i}")
    results = _results(db, rnd)
    assert not results["Four"].is_shown and results["Four"].enps is None
    assert results["Five"].is_shown and results["Five"].enps == pytest.approx(-20.0)
    assert not results["Five"].is_detailed and results["Five"].distributions == {} and results["Five"].comments == []
    assert results["Ten"].is_detailed and len(results["Ten"].comments) == 10
    assert sum(results["Ten"].distributions[next(q.id for q in rnd.survey.questions
                                                 if q.kind is QuestionKind.enps)].values()) == 10
    whole = results["Whole organisation"]
    assert whole.n == 20 and whole.is_detailed


def test_a_parent_of_twelve_and_a_child_of_eight_do_not_reveal_the_other_four(db, create_user, create_department,
                                                                             make_survey):
    parent = create_department("Engineering")
    child = create_department("Platform", parent=parent)
    own, platform = staff(create_user, parent, 4), staff(create_user, child, 8)
    rnd = pulse.open_round(make_survey(), TODAY)
    for p in own:
        answer(p, rnd, enps_value=0)
    for p in platform:
        answer(p, rnd, enps_value=10)
    results = _results(db, rnd)
    # The attack: parent minus child would give the 4 people of Engineering itself (all detractors).
    assert results["Engineering"].is_shown and results["Engineering"].n == 12
    assert not results["Platform"].is_shown and results["Platform"].enps is None
    shown = [r for r in results.values() if r.is_shown]
    assert all(r.n >= pulse.MIN_RESULT for r in shown)


def test_a_hidden_small_sibling_cannot_be_worked_out_from_the_parent(db, create_user, create_department, make_survey):
    parent = create_department("Sales")
    big, other, small = (create_department(n, parent=parent) for n in ("Sales DK", "Sales SE", "Sales NO"))
    people = [p for dept, n in ((big, 9), (other, 6), (small, 2)) for p in staff(create_user, dept, n)]
    rnd = pulse.open_round(make_survey(), TODAY)
    for p in people:
        answer(p, rnd)
    results = _results(db, rnd)
    assert not results["Sales NO"].is_shown
    # Sales (17) − DK (9) − SE (6) would be NO's 2: the smaller of DK and SE is hidden too.
    assert results["Sales"].is_shown and results["Sales DK"].is_shown and not results["Sales SE"].is_shown


def _attack(parent_of, direct, shown, k):
    """Every count an attacker can derive by subtraction from the shown counts, within each shown group."""
    children = {}
    for g, p in parent_of.items():
        if p is not None:
            children.setdefault(p, []).append(g)
    size = {}

    def total(g):
        size[g] = direct.get(g, 0) + sum(total(c) for c in children.get(g, []))
        return size[g]

    total(pulse.ROOT)
    leaks = []
    for g in shown:
        nearest, stack = [], list(children.get(g, []))
        while stack:
            c = stack.pop()
            if c in shown:
                nearest.append(c)
            else:
                stack.extend(children.get(c, []))
        # every subset of the nearest shown sub-groups subtracted from g
        for mask in range(1, 2 ** min(len(nearest), 10)):
            rest = size[g] - sum(size[c] for i, c in enumerate(nearest) if mask >> i & 1)
            if 0 < rest < k:
                leaks.append((g, rest))
    return leaks


def test_no_group_below_the_threshold_can_be_derived_in_random_organisations():
    rng = random.Random(7)
    for _trial in range(300):
        parent_of = {pulse.ROOT: None}
        for g in range(1, rng.randint(2, 14)):
            parent_of[g] = rng.choice(list(parent_of))
        direct = {g: rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15]) for g in parent_of}
        for k in (pulse.MIN_RESULT, pulse.MIN_DETAIL):
            shown = pulse.suppress(parent_of, direct, k)
            assert not _attack(parent_of, direct, shown, k), (parent_of, direct, shown)


# --- permissions ------------------------------------------------------------------------------


def test_only_hr_sees_surveys_and_results_and_people_only_their_own_invitation(client, login, db, create_user,
                                                                               make_survey):
    invited, stranger = create_user(), create_user()
    survey = make_survey()
    rnd = pulse.open_round(survey, TODAY)
    db.session.execute(PulseInvitation.__table__.delete().where(PulseInvitation.user_id == stranger.id))
    for role in ("employee", "manager", "admin"):
        client.post("/logout")
        login(create_user(role))
        for path in ("/analytics/", f"/analytics/surveys/{survey.id}", f"/analytics/rounds/{rnd.id}/results",
                     "/analytics/surveys/new"):
            assert client.get(path).status_code == 403, (role, path)
        assert client.post(f"/analytics/rounds/{rnd.id}/close").status_code == 403
    client.post("/logout")
    login(stranger)
    assert client.get(f"/analytics/pulse/{rnd.id}").status_code == 404
    assert "Pulse" not in client.get("/analytics/pulse").get_data(as_text=True).split("<main", 1)[1].split("</h1>", 1)[1]
    client.post("/logout")
    login(invited)
    assert client.get(f"/analytics/pulse/{rnd.id}").status_code == 200
    assert f"/analytics/pulse/{rnd.id}" in client.get("/analytics/pulse").get_data(as_text=True)
    assert f"/analytics/pulse/{rnd.id}" in client.get("/").get_data(as_text=True)  # the home page panel
    client.post("/logout")
    login(create_user("hr"))
    assert client.get(f"/analytics/surveys/{survey.id}").status_code == 200
    assert client.post(f"/analytics/rounds/{rnd.id}/close").status_code == 302
    assert client.get(f"/analytics/rounds/{rnd.id}/results").status_code == 200


def test_hr_creates_a_survey_for_departments_and_opens_it(client, login, db, create_user, create_department):
    sales = create_department("Sales")
    seller = create_user(department=sales)
    login(create_user("hr"))
    response = client.post("/analytics/surveys/new", data={
        "title": "Autumn pulse", "organisation": "Nordlys", "topics": ["growth", "stay", "comment"],
        "custom_question": "I have the tools I need.", "schedule": "quarterly", "starts_on": TODAY.isoformat(),
        "open_days": "10", "department_ids": [str(sales.id)],
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    survey_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/analytics/surveys/{survey_id}/open").status_code == 302
    invitations = db.session.execute(select(PulseInvitation)).scalars().all()
    assert [i.user_id for i in invitations] == [seller.id]
    page = client.get(f"/analytics/surveys/{survey_id}").get_data(as_text=True)
    assert "recommend Nordlys as a place to work" in page and "I have the tools I need." in page
    bad = client.post("/analytics/surveys/new", data={"title": "", "organisation": "N", "schedule": "weekly",
                                                      "starts_on": "x", "open_days": "99"})
    assert bad.status_code == 400


def test_hr_stops_a_schedule_and_no_further_round_opens(client, login, db, create_user, make_survey):
    create_user()
    survey = make_survey(schedule=Schedule.monthly)
    login(create_user("hr"))
    assert client.post(f"/analytics/surveys/{survey.id}/active", data={"active": "0"}).status_code == 302
    db.session.refresh(survey)
    assert not survey.is_active and pulse.open_due_rounds(TODAY) == 0
    assert client.post(f"/analytics/surveys/{survey.id}/open").status_code == 400
    client.post(f"/analytics/surveys/{survey.id}/active", data={"active": "1"})
    db.session.refresh(survey)
    assert survey.is_active and pulse.open_due_rounds(TODAY) == 1
