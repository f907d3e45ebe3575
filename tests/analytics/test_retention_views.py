"""The retention page: HR only, group figures with their evidence, CSV exports, no person named."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from analytics.engagement import monday
from analytics.models import EngagementWeek

TODAY = date.today()


@pytest.fixture
def organisation(db, create_user, create_department):
    """30 people with distinctive surnames: a third rarely learn; 12 leave voluntarily, mostly from that third."""
    dept = create_department("Logistics")
    start = monday(TODAY - timedelta(days=730))
    people, rows = [], []
    for i in range(30):
        leaves = i < 12
        end = TODAY - timedelta(days=300 - 20 * i) if leaves else None
        person = create_user(department=dept, last_name=f"Quillfeather{i:02d}", end_date=end,
                             hire_date=start - timedelta(days=365 if i % 2 else 500))
        people.append(person)
        week = start
        while week < (end or TODAY) and week < monday(TODAY):
            if i >= 10 or (week - start).days % 28 == 0:  # the first ten: one week in four
                rows.append({"user_id": person.id, "week_start": week, "statements": 3, "active_days": 2,
                             "completions": 0, "forum_posts": 0, "forum_replies": 0, "plan_items_done": 0,
                             "mentoring_sessions": 0, "checkins_held": 0})
            week += timedelta(weeks=1)
    db.session.execute(insert(EngagementWeek), rows)
    db.session.flush()
    return people


def test_retention_page_is_for_hr_only(client, login, create_user, db):
    for role in ("employee", "manager", "admin"):
        client.post("/logout")
        login(create_user(role))
        assert client.get("/analytics/retention").status_code == 403, role
        assert client.get("/analytics/retention/curves.csv").status_code == 403, role
        assert client.get("/analytics/retention/cox.csv").status_code == 403, role
        assert client.get("/analytics/retention.pdf").status_code == 403, role


def test_retention_page_says_insufficient_without_enough_exits(client, login, create_user, db):
    login(create_user("hr"))
    response = client.get("/analytics/retention")
    assert response.status_code == 200
    assert "Not enough data yet" in response.get_data(as_text=True)


def test_retention_page_shows_curves_tests_and_hazard_ratios_without_names(client, login, create_user, db,
                                                                            organisation):
    login(create_user("hr"))

    response = client.get("/analytics/retention")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('<img class="chart"') == 2
    assert "Log-rank test" in html
    assert "People in the lowest third of learning engagement leave voluntarily" in html
    assert "not proof of cause" in html and "Proportional-hazards check" in html
    assert "voluntary exits" in html and "person-months" in html
    assert "Quillfeather" not in html
    for person in organisation:
        assert person.email not in html


def test_retention_exports_curves_and_table_as_csv_without_names(client, login, create_user, db, organisation):
    login(create_user("hr"))

    curves = client.get("/analytics/retention/curves.csv")
    cox = client.get("/analytics/retention/cox.csv")

    assert curves.status_code == cox.status_code == 200
    assert curves.mimetype == "text/csv"
    curves_text, cox_text = curves.get_data(as_text=True), cox.get_data(as_text=True)
    assert "Lowest third" in curves_text and "Still employed" in curves_text
    assert "Hazard ratio" in cox_text and len(cox_text.strip().splitlines()) == 3
    assert "Quillfeather" not in curves_text + cox_text
    assert client.get("/analytics/retention/people.csv").status_code == 400


def test_retention_page_reads_the_stored_result_and_says_when_data_changed_since(client, login, db, create_user):
    from analytics import survival
    from analytics.models import AnalyticsResult

    hr = create_user("hr")
    login(hr)
    assert client.get("/analytics/retention").status_code == 200
    stored = db.session.get(AnalyticsResult, survival.RESULT_KEY)
    assert stored is not None  # computed on the first view and kept
    assert "has changed since" not in client.get("/analytics/retention").get_data(as_text=True)
    create_user(hire_date=date(2020, 1, 1))  # a new spell: the fingerprint no longer matches
    html = client.get("/analytics/retention").get_data(as_text=True)
    assert "has changed since" in html
    assert client.post("/analytics/retention/recompute").status_code == 302
    assert "has changed since" not in client.get("/analytics/retention").get_data(as_text=True)


def test_stored_results_keep_dates_tuples_and_missing_numbers():
    from datetime import datetime

    from analytics import results

    value = {"as_of": date(2026, 1, 5), "period": (date(2025, 1, 1), date(2026, 1, 1)), "p": float("nan"),
             "at": datetime(2026, 1, 5, 2, 10), "rows": [{"hr": 2.5, "n": 3}]}
    back = results.decode(results.encode(value))
    assert back["as_of"] == date(2026, 1, 5) and back["period"] == (date(2025, 1, 1), date(2026, 1, 1))
    assert back["p"] != back["p"] and back["at"] == value["at"] and back["rows"] == value["rows"]


def test_retention_pdf_holds_the_curves_tables_and_hazard_ratios_without_names(client, login, create_user, db,
                                                                               organisation):
    import io

    from pypdf import PdfReader

    login(create_user("hr"))
    response = client.get("/analytics/retention.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Retention by learning engagement" in text and "Hazard ratio" in text and "Lowest third" in text
    assert "Quillfeather" not in text
    assert sum(len(page.images) for page in reader.pages) >= 1
