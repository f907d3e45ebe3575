"""Retention actions: recording (validation, the alert becomes acted), follow-up against a comparison
group with honest "too early" and "no comparable group", team follow-up, the report by kind, and HR-only access."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from analytics import actions
from analytics.models import (
    ActionKind,
    AlertKind,
    AlertStatus,
    EngagementWeek,
    RetentionAction,
    RetentionAlert,
)
from lms.people.models import EmploymentSpell, EndType

TODAY = date.today()
LONG_AGO = date(2015, 1, 5)


def weeks_around(taken_on: date):
    week0 = actions.monday(taken_on)
    pre = [week0 - timedelta(weeks=k) for k in range(actions.PRE_WEEKS, 0, -1)]
    post = [week0 + timedelta(weeks=k) for k in range(0, 30) if week0 + timedelta(weeks=k) < actions.monday(TODAY)]
    return pre, post


def engage(db, user, weeks, active_days):
    for week in weeks:
        if active_days:
            db.session.add(EngagementWeek(user_id=user.id, week_start=week, active_days=active_days,
                                          statements=active_days * 5))
    db.session.flush()


def make_alert(db, person, kind=AlertKind.high_risk, scope="person"):
    alert = RetentionAlert(kind=kind, scope=scope, scope_id=person.id, period="2026-11",
                           details={"probability": 0.6, "as_of": "2026-11-30", "horizon_days": 90, "factors": []},
                           status=AlertStatus.open)
    db.session.add(alert)
    db.session.flush()
    return alert


def add_action(db, person=None, department=None, taken_on=TODAY, kind=ActionKind.mentor_match):
    action = RetentionAction(kind=kind, user_id=person.id if person else None,
                             department_id=department.id if department else None, taken_on=taken_on, note="")
    db.session.add(action)
    db.session.flush()
    return action


@pytest.fixture
def team(db, create_user, create_department):
    """A department of long-serving people; returns (department, make(n) -> list of people)."""
    dept = create_department()

    def make(n, **kwargs):
        return [create_user(department=dept, hire_date=LONG_AGO, **kwargs) for _ in range(n)]

    return dept, make


# --- recording ----------------------------------------------------------------------------------


def test_recording_an_action_from_an_alert_marks_it_acted(client, login, db, create_user):
    hr = create_user("hr")
    person = create_user(email="dorte@example.com")
    alert = make_alert(db, person)
    login(hr)
    form = client.get(f"/analytics/alerts/{alert.id}/act").get_data(as_text=True)
    assert 'value="dorte@example.com"' in form and "Development plan and playlists" in form
    response = client.post(f"/analytics/alerts/{alert.id}/act", data={
        "kind": "mentor_match", "person": "dorte@example.com", "department_id": "",
        "taken_on": (TODAY - timedelta(days=1)).isoformat(), "note": "Matched with Erik"})
    assert response.status_code == 302
    action = db.session.execute(select(RetentionAction)).scalar_one()
    assert (action.user_id, action.alert_id, action.kind, action.created_by_id) == (
        person.id, alert.id, ActionKind.mentor_match, hr.id)
    assert response.headers["Location"].endswith(f"/analytics/actions/{action.id}")
    assert db.session.get(RetentionAlert, alert.id).status is AlertStatus.acted


@pytest.mark.parametrize("data, field_error", [
    ({"person": "dorte@example.com", "taken_on": (TODAY + timedelta(days=1)).isoformat()}, "cannot be in the future"),
    ({"person": "", "taken_on": TODAY.isoformat()}, "Choose the person or the team"),
    ({"person": "nobody@example.com", "taken_on": TODAY.isoformat()}, "No one has this e-mail"),
    ({"person": "", "taken_on": ""}, "This field is required."),
])
def test_recording_an_invalid_action_shows_the_error_and_saves_nothing(client, login, db, create_user, data,
                                                                      field_error):
    hr = create_user("hr")
    alert = make_alert(db, create_user(email="dorte@example.com"))
    login(hr)
    response = client.post(f"/analytics/alerts/{alert.id}/act",
                           data={"kind": "manager_conversation", "department_id": "", "note": "", **data})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error in body and "field-error" in body
    assert db.session.execute(select(func.count()).select_from(RetentionAction)).scalar_one() == 0
    assert db.session.get(RetentionAlert, alert.id).status is AlertStatus.open


def test_an_action_is_for_a_person_or_a_team_not_both(db, create_user, create_department):
    hr = create_user("hr")
    person, dept = create_user(), create_department()
    with pytest.raises(actions.ValidationError) as exc:
        actions.record_action(actions.ActionData(kind=ActionKind.other, person=person.email,
                                                 department_id=dept.id, taken_on=TODAY), hr)
    assert exc.value.field == "person"


def test_a_team_action_can_be_recorded_without_an_alert(client, login, db, create_user, create_department):
    hr = create_user("hr")
    dept = create_department("Warehouse")
    login(hr)
    assert "Warehouse" in client.get("/analytics/actions/new").get_data(as_text=True)
    response = client.post("/analytics/actions/new", data={
        "kind": "workload_review", "person": "", "department_id": str(dept.id), "taken_on": TODAY.isoformat()})
    assert response.status_code == 302
    action = db.session.execute(select(RetentionAction)).scalar_one()
    assert (action.department_id, action.user_id, action.alert_id) == (dept.id, None, None)
    assert "Warehouse" in client.get("/analytics/actions").get_data(as_text=True)


# --- follow-up of a person action ---------------------------------------------------------------


def test_follow_up_compares_the_person_with_comparable_people_without_an_action(db, team, create_user):
    dept, make = team
    taken_on = TODAY - timedelta(weeks=10)
    pre, post = weeks_around(taken_on)
    person, *peers = make(9)
    already_helped, very_active = make(2)
    engage(db, person, pre, 1)
    engage(db, person, post, 3)
    for peer in peers:
        engage(db, peer, pre + post, 1)
    engage(db, already_helped, pre + post, 1)
    add_action(db, already_helped, taken_on=TODAY - timedelta(days=300))  # has an action: never a comparison
    engage(db, very_active, pre + post, 5)  # not similar before the date
    action = add_action(db, person, taken_on=taken_on)

    result = actions.follow_up(action, TODAY)

    assert result["type"] == "person" and not result["too_early"]
    assert result["has_comparison"] and result["comparison_n"] == 8
    assert result["person"]["pre"] == pytest.approx(1) and result["person"]["post"] == pytest.approx(3)
    assert result["comparison"]["change"] == pytest.approx(0)
    assert result["difference"] == pytest.approx(2)
    assert len(result["person_series"]) == len(pre) + len(post)
    assert any("association" in c for c in result["caveats"])
    assert any("regression to the mean" in c for c in result["caveats"])


def test_follow_up_says_too_early_before_four_weeks(db, team):
    _dept, make = team
    person, *peers = make(7)
    action = add_action(db, person, taken_on=TODAY - timedelta(days=15))
    result = actions.follow_up(action, TODAY)
    assert result["too_early"]
    assert result["person"]["post"] is None and result["difference"] is None
    assert all(not r["is_due"] and r["person_employed"] is None for r in result["retention"])


def test_follow_up_says_no_comparable_group_below_five_people(db, team):
    _dept, make = team
    taken_on = TODAY - timedelta(weeks=10)
    pre, post = weeks_around(taken_on)
    person, *peers = make(5)
    engage(db, person, pre, 2)
    for peer in peers[:3]:
        engage(db, peer, pre + post, 2)
    engage(db, peers[3], pre + post, 6)  # too different to compare with
    action = add_action(db, person, taken_on=taken_on)
    result = actions.follow_up(action, TODAY)
    assert not result["has_comparison"] and result["comparison_series"] is None
    assert result["comparison"]["change"] is None and result["difference"] is None
    assert result["person"]["change"] == pytest.approx(-2)


def test_retention_after_three_and_six_months_for_person_and_comparison(db, team):
    _dept, make = team
    taken_on = TODAY - timedelta(days=200)
    person, *peers = make(7)
    leaver = peers[0]
    spell = db.session.execute(select(EmploymentSpell).where(EmploymentSpell.user_id == leaver.id)).scalar_one()
    spell.end_date, spell.end_type = taken_on + timedelta(days=120), EndType.voluntary
    db.session.flush()
    action = add_action(db, person, taken_on=taken_on)
    result = actions.follow_up(action, TODAY)
    three, six = result["retention"]
    assert (three["months"], three["is_due"], three["person_employed"]) == (3, True, True)
    assert three["comparison_share"] == pytest.approx(1.0)  # left after four months
    assert six["comparison_share"] == pytest.approx(5 / 6)


def test_follow_up_page_shows_chart_table_and_caveats(client, login, db, team, create_user):
    _dept, make = team
    taken_on = TODAY - timedelta(weeks=10)
    pre, post = weeks_around(taken_on)
    person, *peers = make(6)
    for p in [person, *peers]:
        engage(db, p, pre + post, 2)
    action = add_action(db, person, taken_on=taken_on)
    login(create_user("hr"))
    body = client.get(f"/analytics/actions/{action.id}").get_data(as_text=True)
    assert '<img class="chart" src="data:image/svg+xml;base64,' in body
    assert "Comparable people (5)" in body and "regression to the mean" in body
    assert "Too early to tell" in body  # retention after 3 months is not due yet
    csv = client.get(f"/analytics/actions/{action.id}/follow-up.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 1 + len(pre) + len(post) and lines[1].endswith(",2,2.0")


def test_follow_up_page_says_too_early_and_no_comparable_group(client, login, db, create_user):
    person = create_user(hire_date=LONG_AGO)
    action = add_action(db, person, taken_on=TODAY - timedelta(days=3))
    login(create_user("hr"))
    body = client.get(f"/analytics/actions/{action.id}").get_data(as_text=True)
    assert "Too early to tell." in body and "No comparable group." in body


# --- follow-up of a team action -----------------------------------------------------------------


def test_team_follow_up_compares_with_the_rest_of_the_organisation(db, team, create_user, create_department):
    dept, make = team
    taken_on = TODAY - timedelta(weeks=8)
    pre, post = weeks_around(taken_on)
    members = make(10)
    others = [create_user(department=create_department(), hire_date=LONG_AGO) for _ in range(6)]
    create_user(department=create_department(), hire_date=LONG_AGO)  # no activity at all: counts as 0
    for m in members:
        engage(db, m, pre, 1)
        engage(db, m, post, 2)
    for o in others:
        engage(db, o, pre + post, 1)
    action = add_action(db, department=dept, taken_on=taken_on, kind=ActionKind.workload_review)
    result = actions.follow_up(action, TODAY)
    assert result["type"] == "team" and result["team_n"] == 10 and not result["too_small"]
    assert result["person"]["change"] == pytest.approx(1)
    assert result["rest_n"] == 7 and result["comparison"]["pre"] == pytest.approx(6 / 7)
    assert result["comparison"]["change"] == pytest.approx(0)
    before, after = result["leavers"]
    assert before["team"] == 0 and before["team_count"] == 0


def test_team_follow_up_hides_a_team_under_five(db, team):
    dept, make = team
    make(4)
    action = add_action(db, department=dept, taken_on=TODAY - timedelta(weeks=8))
    result = actions.follow_up(action, TODAY)
    assert result["too_small"] and result["team_series"] is None and result["person"]["pre"] is None


# --- across actions ------------------------------------------------------------------------------


def test_report_by_kind_hides_kinds_with_fewer_than_five_actions(db, team):
    _dept, make = team
    people = make(20)
    long_ago = TODAY - timedelta(days=250)
    for p in people[:5]:
        add_action(db, p, taken_on=long_ago, kind=ActionKind.mentor_match)
    for p in people[5:9]:
        add_action(db, p, taken_on=long_ago, kind=ActionKind.development_playlist)
    rows = {r["kind"]: r for r in actions.report_by_kind(TODAY)}
    mentor, playlist = rows[ActionKind.mentor_match], rows[ActionKind.development_playlist]
    assert mentor["is_shown"] and mentor["n_due"] == 5 and mentor["employed_share"] == 1.0
    assert mentor["comparison_share"] == 1.0  # the 11 people without an action all stayed
    assert not playlist["is_shown"] and playlist["employed_share"] is None and playlist["n"] == 4


def test_report_page_and_csv(client, login, db, team, create_user):
    _dept, make = team
    for p in make(5):
        add_action(db, p, taken_on=TODAY - timedelta(days=250))
    login(create_user("hr"))
    body = client.get("/analytics/actions/report").get_data(as_text=True)
    assert "100%" in body and "fewer than 5: not shown" in body and "association" in body
    csv = client.get("/analytics/actions/report.csv").get_data(as_text=True)
    assert "A mentor match,5,5,0,5,1.0" in csv and "A workload review,0,0,0,0,–,–" in csv


# --- access -----------------------------------------------------------------------------------------


def test_non_hr_users_get_403_on_every_action_page(client, login, db, create_user):
    subject = create_user()
    alert = make_alert(db, subject)
    action = add_action(db, subject, taken_on=TODAY - timedelta(days=40))
    pages = ["/analytics/actions", "/analytics/actions/new", f"/analytics/actions/{action.id}",
             f"/analytics/actions/{action.id}/follow-up.csv", "/analytics/actions/report",
             "/analytics/actions/report.csv", f"/analytics/alerts/{alert.id}/act", "/analytics/alerts"]
    for role in ("employee", "manager", "admin"):
        user = create_user(role) if role != "manager" else subject  # even the subject cannot open their own
        login(user)
        for path in pages:
            assert client.get(path).status_code == 403, (role, path)
        assert client.post("/analytics/actions/new", data={
            "kind": "other", "person": subject.email, "taken_on": TODAY.isoformat()}).status_code == 403
        client.post("/logout")
    assert db.session.execute(select(func.count()).select_from(RetentionAction)).scalar_one() == 1


def test_an_unknown_action_or_alert_is_404_for_hr(client, login, db, create_user):
    login(create_user("hr"))
    assert client.get("/analytics/actions/999999").status_code == 404
    assert client.get("/analytics/alerts/999999/act").status_code == 404


def test_weeks_after_someone_left_are_gaps_not_zeros(db, team):
    _dept, make = team
    taken_on = TODAY - timedelta(weeks=10)
    pre, post = weeks_around(taken_on)
    person, *peers = make(7)
    for p in [person, *peers]:
        engage(db, p, pre + post, 2)
    spell = db.session.execute(select(EmploymentSpell).where(EmploymentSpell.user_id == peers[0].id)).scalar_one()
    spell.end_date, spell.end_type = post[1], EndType.voluntary
    db.session.flush()
    result = actions.follow_up(add_action(db, person, taken_on=taken_on), TODAY)
    assert result["comparison_n"] == 6
    assert result["comparison"]["change"] == pytest.approx(0)  # the leaver's later weeks do not pull it down
    spell = db.session.execute(select(EmploymentSpell).where(EmploymentSpell.user_id == person.id)).scalar_one()
    spell.end_date, spell.end_type = post[2], EndType.voluntary
    db.session.flush()
    result = actions.follow_up(db.session.execute(select(RetentionAction)).scalar_one(), TODAY)
    assert [v for _w, v in result["person_series"]][-1] is None
    assert result["person"]["change"] == pytest.approx(0)


def test_action_list_query_count_does_not_grow_with_actions(client, login, db, create_user, create_department,
                                                            count_queries):
    login(create_user("hr"))

    def queries_for(n):
        for _ in range(n):
            add_action(db, create_user(), taken_on=TODAY)
            add_action(db, department=create_department(), taken_on=TODAY)
        with count_queries() as statements:
            assert client.get("/analytics/actions").status_code == 200
        return len(statements)

    assert queries_for(8) == queries_for(2)


def test_comparable_people_come_from_the_same_department_or_tenure_band(db, create_user, create_department):
    taken_on = TODAY - timedelta(weeks=10)
    pre, post = weeks_around(taken_on)
    person = create_user(department=create_department(), hire_date=LONG_AGO)
    same_band = [create_user(department=create_department(), hire_date=LONG_AGO + timedelta(days=30 * i))
                 for i in range(5)]
    other_band = [create_user(department=create_department(), hire_date=TODAY - timedelta(days=500)) for _ in range(3)]
    for p in [person, *same_band, *other_band]:
        engage(db, p, pre + post, 1)
    result = actions.follow_up(add_action(db, person, taken_on=taken_on), TODAY)
    assert result["has_comparison"] and result["comparison_n"] == 5
    group, _pre, _basis = actions.comparison_group(db.session.execute(select(RetentionAction)).scalar_one(),
                                                    pre[0], actions.monday(taken_on))
    assert set(group) == {p.id for p in same_band}


def test_stored_report_is_reused_and_counts_an_action_recorded_after_it(db, team):
    _dept, make = team
    people = make(8)
    for p in people[:5]:
        add_action(db, p, taken_on=TODAY - timedelta(days=250), kind=ActionKind.mentor_match)
    actions.precompute_report(TODAY)
    first = {r["kind"]: r for r in actions.cached_report(TODAY)}
    assert first[ActionKind.mentor_match]["n"] == 5
    add_action(db, people[5], taken_on=TODAY - timedelta(days=250), kind=ActionKind.mentor_match)
    again = {r["kind"]: r for r in actions.cached_report(TODAY)}
    assert again[ActionKind.mentor_match]["n"] == 6
