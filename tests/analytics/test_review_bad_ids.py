"""Review: ids out of the database's range, in a URL or a query, are a 404 or a 400, never a 500."""

from __future__ import annotations

import pytest

from tests.analytics.test_pulse import TODAY as PULSE_TODAY, make_survey  # noqa: F401 (a fixture)

HUGE = ("2147483648", "99999999999999999999")


@pytest.mark.parametrize("path", [
    "/analytics/exits/{}", "/analytics/risk/people/{}", "/analytics/actions/{}", "/analytics/actions/{}/follow-up.csv",
    "/analytics/alerts/{}/act", "/analytics/rounds/{}/results", "/analytics/surveys/{}",
    "/analytics/hris/imports/{}",
])
def test_an_id_too_large_for_the_database_is_not_found(client, login, create_user, path):
    login(create_user("hr"))
    for value in HUGE:
        assert client.get(path.format(value)).status_code == 404


def test_a_department_filter_too_large_for_the_database_is_a_400(client, login, create_user):
    login(create_user("hr"))
    assert client.get("/analytics/exits?department=99999999999999999999").status_code == 400
    assert client.get("/analytics/exits?department=-3").status_code == 400


def test_inviting_alumni_with_odd_digits_or_huge_ids_is_a_400(client, login, create_user):
    login(create_user("hr"))
    for value in ("²", "99999999999999999999", "١٢"):
        response = client.post("/analytics/alumni/invite", data={"member_id": value, "message": ""})
        assert response.status_code == 400, value


def test_a_pulse_answer_in_other_digits_is_an_error_next_to_the_question(client, login, db, create_user, make_survey):
    from analytics import pulse
    from analytics.models import QuestionKind

    person = create_user()
    rnd = pulse.open_round(make_survey(), PULSE_TODAY)
    data = {f"q{q.id}": ("4" if q.kind is not QuestionKind.text else "") for q in rnd.survey.questions}
    enps_q = next(q for q in rnd.survey.questions if q.kind is QuestionKind.enps)
    login(person)
    for value in ("²", "٣"):
        response = client.post(f"/analytics/pulse/{rnd.id}", data={**data, f"q{enps_q.id}": value})
        assert response.status_code == 400 and "Choose an answer." in response.get_data(as_text=True)
