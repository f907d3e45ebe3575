"""Check-in pages: only the pair sees content, HR sees coverage counts only, and the forms work."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from plans.checkins import service
from plans.checkins.models import AgreementOwner, AgreementStatus, MeetingStatus, OneOnOneAgreement

SECRETS = {
    "went_well": "SECRET-went-well", "could_be_better": "SECRET-better", "learning": "SECRET-learning",
    "wellbeing_comment": "SECRET-wellbeing", "agenda": "SECRET-agenda", "agreement": "SECRET-agreement",
    "notes": "SECRET-notes",
}


@pytest.fixture
def full_meeting(db, teams, pair_of):
    """Rune's open check-in with Maja, with prep, an agenda item and an agreement; plus a held one."""
    maja, rune = teams["maja"], teams["rune"]
    pair = pair_of(maja, rune)
    held = service.open_meeting(pair)
    service.add_agreement(held, SECRETS["agreement"], AgreementOwner.employee, None, maja)
    meeting = service.mark_held(held, SECRETS["notes"], maja)
    service.save_prep(meeting, service.PrepData(SECRETS["went_well"], SECRETS["could_be_better"], 3, 4,
                                                SECRETS["learning"], 4, SECRETS["wellbeing_comment"]), rune)
    item = service.add_agenda_item(meeting, SECRETS["agenda"], rune)
    db.session.flush()
    agreement = db.session.execute(select(OneOnOneAgreement).where(OneOnOneAgreement.pair_id == pair.id)).scalar_one()
    return {"meeting": meeting, "held": held, "pair": pair, "item": item, "agreement": agreement}


def _content_urls(m) -> list[tuple[str, str]]:
    meeting, pair = m["meeting"], m["pair"]
    return [
        ("get", f"/checkins/{meeting.id}"), ("get", f"/checkins/{m['held'].id}"),
        ("get", f"/checkins/{meeting.id}/prep"), ("get", f"/checkins/pairs/{pair.id}"),
        ("post", f"/checkins/{meeting.id}/prep"), ("post", f"/checkins/{meeting.id}/agenda"),
        ("post", f"/checkins/agenda/{m['item'].id}/discussed"), ("post", f"/checkins/{meeting.id}/agreements"),
        ("post", f"/checkins/agreements/{m['agreement'].id}/status"), ("post", f"/checkins/{meeting.id}/schedule"),
        ("post", f"/checkins/{meeting.id}/hold"), ("post", f"/checkins/pairs/{pair.id}/cadence"),
    ]


def test_the_pair_sees_the_content(client, login, teams, full_meeting):
    url = f"/checkins/{full_meeting['meeting'].id}"
    for who in ("maja", "rune"):
        login(teams[who])
        html = client.get(url).get_data(as_text=True)
        for key in ("went_well", "agenda", "learning"):
            assert SECRETS[key] in html, (who, key)
        assert SECRETS["agreement"] in html  # carried over from the held check-in
        held = client.get(f"/checkins/{full_meeting['held'].id}").get_data(as_text=True)
        assert SECRETS["notes"] in held


@pytest.mark.parametrize("who", ["hr", "sven", "sara", "rita"])
def test_nobody_else_reaches_the_content_by_changing_ids(client, login, teams, full_meeting, who):
    """HR, another team's manager, another team's employee and a colleague in the same team."""
    login(teams[who])
    for method, url in _content_urls(full_meeting):
        response = getattr(client, method)(url, data={"text": "x", "topic": "x", "status": "done", "cadence": "weekly",
                                                      "notes": "x", "discussed": "1"})
        assert response.status_code in (403, 404), (who, method, url, response.status_code)
        assert "SECRET" not in response.get_data(as_text=True)
    # and nothing changed
    meeting = full_meeting["meeting"]
    assert meeting.status == MeetingStatus.scheduled and len(meeting.agenda) == 1
    assert full_meeting["agreement"].status == AgreementStatus.open


def test_unknown_ids_are_404(client, login, teams):
    login(teams["maja"])
    assert client.get("/checkins/999999").status_code == 404
    assert client.get("/checkins/pairs/999999").status_code == 404
    assert client.post("/checkins/agreements/999999/status", data={"status": "done"}).status_code == 404


def test_hr_coverage_shows_counts_and_never_content(client, login, teams, full_meeting):
    login(teams["hr"])
    response = client.get("/checkins/coverage")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Platform" in html and "Sales" in html and teams["maja"].full_name in html
    assert "SECRET" not in html
    for secret in SECRETS.values():
        assert secret not in html


def test_employees_and_managers_do_not_see_coverage(client, login, teams):
    for who in ("rune", "maja"):
        login(teams[who])
        assert client.get("/checkins/coverage").status_code == 403


def test_the_manager_overview_lists_only_own_reports(client, login, teams, full_meeting):
    login(teams["maja"])
    html = client.get("/checkins/").get_data(as_text=True)
    assert teams["rune"].full_name in html and teams["rita"].full_name in html
    assert teams["sara"].full_name not in html
    assert "SECRET" not in html.replace(SECRETS["agreement"], "")  # the overview shows counts, not prep


def test_the_employee_prepares_with_errors_next_to_fields(client, login, teams, pair_of):
    rune = teams["rune"]
    meeting = service.open_meeting(pair_of(teams["maja"], rune))
    login(rune)
    bad = client.post(f"/checkins/{meeting.id}/prep", data={"went_well": "Shipped", "workload": "9", "flow": "3"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert 'id="wellbeing-error"' in html and 'id="workload-error"' in html
    assert meeting.prep is None
    ok = client.post(f"/checkins/{meeting.id}/prep", data={"went_well": "Shipped", "could_be_better": "",
                                                            "workload": "3", "flow": "4", "learning": "Go",
                                                            "wellbeing": "5", "wellbeing_comment": ""})
    assert ok.status_code == 302
    assert meeting.prep.went_well == "Shipped" and meeting.prep.wellbeing == 5


def test_only_the_report_prepares_and_only_the_manager_holds(client, login, teams, pair_of):
    maja, rune = teams["maja"], teams["rune"]
    meeting = service.open_meeting(pair_of(maja, rune))
    login(maja)
    assert client.get(f"/checkins/{meeting.id}/prep").status_code == 403
    login(rune)
    assert client.post(f"/checkins/{meeting.id}/hold", data={"notes": "x"}).status_code == 403
    assert client.post(f"/checkins/{meeting.id}/schedule",
                       data={"scheduled_on": (date.today() + timedelta(days=3)).isoformat()}).status_code == 403
    login(maja)
    assert client.post(f"/checkins/{meeting.id}/hold", data={"notes": "Talked about *growth*"}).status_code == 302
    assert meeting.status == MeetingStatus.held and meeting.notes == "Talked about *growth*"


def test_a_past_date_is_refused_next_to_the_field(client, login, teams, pair_of):
    meeting = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    login(teams["maja"])
    response = client.post(f"/checkins/{meeting.id}/schedule",
                           data={"scheduled_on": (date.today() - timedelta(days=2)).isoformat()})
    assert response.status_code == 400
    assert 'id="scheduled_on-error"' in response.get_data(as_text=True)


def test_either_participant_adds_agenda_and_agreements_and_changes_cadence(client, login, teams, pair_of):
    maja, rune = teams["maja"], teams["rune"]
    pair = pair_of(maja, rune)
    meeting = service.open_meeting(pair)
    login(rune)
    assert client.post(f"/checkins/{meeting.id}/agenda", data={"topic": "Conference budget"}).status_code == 302
    assert client.post(f"/checkins/{meeting.id}/agenda", data={"topic": ""}).status_code == 400
    assert client.post(f"/checkins/pairs/{pair.id}/cadence", data={"cadence": "biweekly"}).status_code == 302
    login(maja)
    response = client.post(f"/checkins/{meeting.id}/agreements",
                           data={"text": "Maja checks the budget", "owner": "manager",
                                 "follow_up_on": (date.today() + timedelta(days=14)).isoformat()})
    assert response.status_code == 302
    assert [i.text for i in meeting.agenda] == ["Conference budget"]
    assert pair.cadence.value == "biweekly"
    agreement = db_agreement = service.agreements_made_in(meeting)[0]
    assert db_agreement.owner == AgreementOwner.manager
    assert client.post(f"/checkins/agreements/{agreement.id}/status", data={"status": "done"}).status_code == 302
    assert agreement.status == AgreementStatus.done


def _count_queries(db, client, url):
    from sqlalchemy import event

    statements = []
    engine = db.session.get_bind()
    listener = lambda *a, **k: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_overview_meeting_and_coverage_pages_do_not_grow_queries_with_rows(db, client, login, teams, pair_of,
                                                                           create_user):
    maja = teams["maja"]
    meeting = service.open_meeting(pair_of(maja, teams["rune"]))

    def grow(n):
        for i in range(n):
            person = create_user(department=teams["platform"], manager=maja, hire_date=date.today() - timedelta(days=300))
            service.sync_pairs(report=person)
            other = service.open_meeting(pair_of(maja, person))
            service.add_agreement(other, f"Agreement {i}", AgreementOwner.employee, None, maja)
            service.add_agenda_item(meeting, f"Topic {i}", maja)
            service.add_agreement(meeting, f"Here {i}", AgreementOwner.manager, None, maja)

    grow(1)
    login(maja)
    few = [_count_queries(db, client, url) for url in ("/checkins/", f"/checkins/{meeting.id}")]
    login(teams["hr"])
    few.append(_count_queries(db, client, "/checkins/coverage"))
    grow(6)
    login(maja)
    many = [_count_queries(db, client, url) for url in ("/checkins/", f"/checkins/{meeting.id}")]
    login(teams["hr"])
    many.append(_count_queries(db, client, "/checkins/coverage"))
    assert many == few


def test_opening_a_check_in_reads_its_notifications(db, client, login, teams, pair_of):
    from lms.notifications.models import Notification

    maja, rune = teams["maja"], teams["rune"]
    meeting = service.open_meeting(pair_of(maja, rune))
    service.save_prep(meeting, service.PrepData("a", "", 3, 3, "", 3, ""), rune)
    unread = select(Notification).where(Notification.recipient_id == maja.id, Notification.read_at.is_(None))
    assert db.session.execute(unread).scalars().all()
    login(maja)
    client.get(f"/checkins/{meeting.id}")
    assert db.session.execute(unread).scalars().all() == []
