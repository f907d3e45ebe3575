"""Review: every page that states a person's early-warning score is in the audit log, including the
pages reached from a high-risk alert (recording an action, the action's follow-up)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from analytics.models import ActionKind, AlertKind, AlertStatus, RetentionAction, RetentionAlert
from lms.people.models import AuditEntry


def _high_risk_alert(db, person):
    alert = RetentionAlert(kind=AlertKind.high_risk, scope="person", scope_id=person.id, period="2026-11",
                           details={"run_id": 7, "probability": 0.61, "as_of": "2026-11-30", "horizon_days": 90,
                                    "factors": ["active_days"]},
                           status=AlertStatus.open)
    db.session.add(alert)
    db.session.flush()
    return alert


def _score_views(db, person):
    return db.session.execute(select(AuditEntry).where(AuditEntry.subject_user_id == person.id,
                                                       AuditEntry.action == "view")).scalars().all()


def test_opening_a_high_risk_alert_to_record_an_action_is_audited(client, login, db, create_user):
    hr, person = create_user("hr"), create_user(first_name="Ragnhild")
    alert = _high_risk_alert(db, person)
    login(hr)
    body = client.get(f"/analytics/alerts/{alert.id}/act").get_data(as_text=True)
    assert "61%" in body
    views = _score_views(db, person)
    assert [(v.actor_id, v.entity_type, v.changes["seen_on"][1]) for v in views] == [
        (hr.id, "risk_score", f"retention alert {alert.id}")]


def test_a_rejected_action_form_that_shows_the_score_again_is_audited(client, login, db, create_user):
    hr, person = create_user("hr"), create_user()
    alert = _high_risk_alert(db, person)
    login(hr)
    response = client.post(f"/analytics/alerts/{alert.id}/act", data={"kind": "mentor_match", "taken_on": ""})
    assert response.status_code == 400 and "61%" in response.get_data(as_text=True)
    assert len(_score_views(db, person)) == 1


def test_the_follow_up_of_an_action_from_a_high_risk_alert_is_audited(client, login, db, create_user):
    hr, person = create_user("hr"), create_user()
    alert = _high_risk_alert(db, person)
    alert.status = AlertStatus.acted
    action = RetentionAction(alert_id=alert.id, kind=ActionKind.mentor_match, user_id=person.id,
                             taken_on=date.today(), note="")
    db.session.add(action)
    db.session.flush()
    login(hr)
    body = client.get(f"/analytics/actions/{action.id}").get_data(as_text=True)
    assert "61%" in body
    assert [v.actor_id for v in _score_views(db, person)] == [hr.id]


def test_alerts_of_other_kinds_write_no_score_view(client, login, db, create_user):
    hr, manager = create_user("hr"), create_user("manager")
    alert = RetentionAlert(kind=AlertKind.missed_checkins, scope="manager", scope_id=manager.id, period="2026-11",
                           details={"reports": 6, "missed": 4, "months": 2}, status=AlertStatus.open)
    db.session.add(alert)
    db.session.flush()
    login(hr)
    assert client.get(f"/analytics/alerts/{alert.id}/act").status_code == 200
    assert _score_views(db, manager) == []
