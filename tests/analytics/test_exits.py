"""Exit interviews and alumni: invitations once per ended spell, the tokened questionnaire, HR-only
pages, regretted flags, alumni invitations, reason patterns with small groups hidden, and the
repeated-reason alert."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from analytics import exits
from analytics.models import (
    AlertKind,
    AlumniMember,
    ExitInterview,
    ExitInterviewReason,
    ExitReason,
    RehireEligibility,
    RetentionAlert,
)
from lms.people.models import AuditEntry, EndType
from lms.people.service import SpellData, add_spell, update_spell

TODAY = date.today()


@pytest.fixture
def outbox(app):
    """The e-mails written to the outbox folder during the test."""
    from email import message_from_bytes, policy
    from pathlib import Path

    folder = Path(app.config["MAIL_OUTBOX"])
    before = set(folder.glob("*.eml")) if folder.exists() else set()

    def read():
        now = set(folder.glob("*.eml")) if folder.exists() else set()
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(now - before)]

    return read


def leaver(create_user, department=None, manager=None, days_ago=10, hired_days_ago=400, **kw):
    return create_user(department=department, manager=manager, hire_date=TODAY - timedelta(days=hired_days_ago),
                       end_date=TODAY - timedelta(days=days_ago), **kw)


def invited(db, user) -> tuple[ExitInterview, str]:
    """Invite the user's ended spell and 'send' the e-mail; returns the interview and the mailed token."""
    exits.invite_new_leavers(TODAY)
    interview = db.session.execute(select(ExitInterview).where(ExitInterview.user_id == user.id)).scalar_one()
    token, digest = exits.new_token()
    interview.token_hash = digest
    interview.sent_at = datetime.now(timezone.utc)
    db.session.flush()
    return interview, token


def answered(db, user, reasons, end_type=EndType.voluntary):
    """An answered interview with coded reasons for the user's (ended) spell."""
    spell = user.spells[-1]
    spell.end_type = end_type
    interview = ExitInterview(spell_id=spell.id, user_id=user.id, token_hash=exits.new_token()[1],
                              submitted_at=datetime.now(timezone.utc))
    interview.reasons = [ExitInterviewReason(reason=r) for r in reasons]
    db.session.add(interview)
    db.session.flush()
    return interview


VALID = {"stay_suggestion": "A clearer path to senior roles", "reasons": ["career", "pay"], "recommend_score": "7",
         "would_return": "maybe"}


# --- invitations -----------------------------------------------------------------------------------


def test_recording_an_end_date_asks_for_the_invitation_run_after_commit(db, create_user, sent_tasks):
    person = create_user()
    db.session.commit()
    spell = person.spells[-1]
    update_spell(spell, SpellData(hire_date=spell.hire_date, end_date=TODAY + timedelta(days=30),
                                  end_type=EndType.voluntary, is_regretted=False, department_id=spell.department_id,
                                  manager_id=None, job_title=spell.job_title))
    assert sent_tasks == []  # not before the commit
    db.session.commit()
    assert [name for name, _a, _k in sent_tasks] == ["analytics.invite_leavers"]


def test_recording_an_end_date_in_the_people_page_asks_for_invitations(client, login, db, create_user, sent_tasks):
    person = create_user()
    spell = person.spells[-1]
    login(create_user("hr"))
    response = client.post(f"/spells/{spell.id}/edit", data={
        "job_title": "Analyst", "department_id": spell.department_id, "manager_id": "",
        "hire_date": spell.hire_date.isoformat(), "end_date": TODAY.isoformat(), "end_type": "voluntary"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "analytics.invite_leavers" in [name for name, _a, _k in sent_tasks]


def test_an_hris_import_that_ends_a_spell_leads_to_one_invitation(db, sent_tasks):
    from analytics import hris

    header = "employee_number,first_name,last_name,email,department,manager_employee_number,job_title,hire_date,end_date,end_type,regretted\n"
    hired = (TODAY - timedelta(days=500)).isoformat()
    hris.run_import("spells", header + f"E1,Ida,Lund,ida@example.com,Sales,,Seller,{hired},,,\n")
    db.session.commit()
    assert "analytics.invite_leavers" not in [name for name, _a, _k in sent_tasks]  # nobody left
    hris.run_import("spells", header + f"E1,Ida,Lund,ida@example.com,Sales,,Seller,{hired},{TODAY},voluntary,\n")
    db.session.commit()
    assert [name for name, _a, _k in sent_tasks].count("analytics.invite_leavers") == 1
    assert exits.invite_new_leavers(TODAY) == 1


def test_each_ended_spell_gets_one_interview_and_one_email(db, create_user, outbox, sent_tasks):
    person = leaver(create_user, days_ago=5, first_name="Astrid")
    leaver(create_user, days_ago=200)  # ended too long ago
    create_user()  # still employed
    assert exits.invite_new_leavers(TODAY) == 1
    assert exits.invite_new_leavers(TODAY) == 0
    interview = db.session.execute(select(ExitInterview)).scalar_one()
    assert interview.user_id == person.id and interview.sent_at is None
    assert exits.send_invitation(interview.id) is True
    assert exits.send_invitation(interview.id) is False
    mails = outbox()
    assert len(mails) == 1 and mails[0]["To"] == person.email
    body = mails[0].get_content()
    assert "Hello Astrid" in body and "only HR reads your answers" in body
    token = re.search(r"http://fasthold\.test\.example/analytics/exit/(\S+)", body).group(1)
    db.session.refresh(interview)
    assert interview.token_hash == exits.hash_token(token)
    assert token not in str([args for _n, args, _k in sent_tasks])  # never in a task message
    assert exits.invite_new_leavers(TODAY) == 0  # sent: not asked for again


def test_a_future_end_date_is_invited_and_a_rehired_person_is_not(db, create_user, create_department):
    future = create_user(end_date=TODAY + timedelta(days=20))
    back = leaver(create_user, days_ago=40)
    add_spell(back, SpellData(hire_date=TODAY - timedelta(days=5), end_date=None, end_type=None, is_regretted=False,
                              department_id=create_department().id, manager_id=None, job_title="Lead"))
    assert exits.invite_new_leavers(TODAY) == 1
    assert db.session.execute(select(ExitInterview.user_id)).scalars().all() == [future.id]


def test_one_reminder_after_seven_days_with_a_new_link(db, client, create_user, outbox):
    person = leaver(create_user)
    interview, old = invited(db, person)
    assert exits.send_reminders() == 0  # too early
    interview.sent_at = datetime.now(timezone.utc) - timedelta(days=8)
    db.session.flush()
    assert exits.send_reminders() == 1
    assert exits.send_reminders() == 0
    mails = outbox()
    assert len(mails) == 1 and "Reminder" in mails[0]["Subject"]
    new = re.search(r"/analytics/exit/(\S+)", mails[0].get_content()).group(1)
    assert client.get(f"/analytics/exit/{new}").status_code == 200
    assert client.get(f"/analytics/exit/{old}").status_code == 404


# --- the questionnaire -----------------------------------------------------------------------------


def test_questionnaire_works_without_login_and_only_once(db, client, create_user):
    person = leaver(create_user)
    person.is_active = False  # the account may already be closed
    interview, token = invited(db, person)
    page = client.get(f"/analytics/exit/{token}")
    assert page.status_code == 200
    assert "only HR" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert client.post(f"/analytics/exit/{token}", data=VALID).status_code == 302
    db.session.refresh(interview)
    assert interview.submitted_at is not None and interview.recommend_score == 7
    assert [r.reason for r in interview.reasons] == [ExitReason.career, ExitReason.pay]
    assert "Thank you" in client.get(f"/analytics/exit/{token}").get_data(as_text=True)
    again = client.post(f"/analytics/exit/{token}", data={**VALID, "recommend_score": "0", "reasons": ["culture"]})
    assert again.status_code == 409
    db.session.refresh(interview)
    assert interview.recommend_score == 7 and len(interview.reasons) == 2


def test_unknown_token_is_404(client, db):
    assert client.get("/analytics/exit/not-a-real-token").status_code == 404
    assert client.post("/analytics/exit/not-a-real-token", data=VALID).status_code == 404


def test_link_expires_after_ninety_days(db, client, create_user):
    interview, token = invited(db, leaver(create_user))
    interview.sent_at = datetime.now(timezone.utc) - timedelta(days=91)
    db.session.flush()
    assert client.get(f"/analytics/exit/{token}").status_code == 410
    assert client.post(f"/analytics/exit/{token}", data=VALID).status_code == 410


@pytest.mark.parametrize("data, message", [
    ({"recommend_score": "8"}, "Choose at least one reason"),
    ({**VALID, "recommend_score": "11"}, "Choose a number from 0 to 10"),
    ({**VALID, "alumni_opt_in": "y"}, "Give an e-mail address"),
    ({**VALID, "alumni_opt_in": "y", "alumni_email": "not-an-address"}, "Invalid email address"),
])
def test_invalid_answers_are_refused_next_to_the_field(db, client, create_user, data, message):
    interview, token = invited(db, leaver(create_user))
    response = client.post(f"/analytics/exit/{token}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(interview)
    assert interview.submitted_at is None and interview.reasons == []
    assert db.session.execute(select(func.count()).select_from(AlumniMember)).scalar_one() == 0


def test_opting_into_the_alumni_list(db, client, create_user):
    person = leaver(create_user)
    _interview, token = invited(db, person)
    data = {"valued": "The people", "alumni_opt_in": "y", "alumni_email": "Astrid@Private.example"}
    assert client.post(f"/analytics/exit/{token}", data=data).status_code == 302
    member = db.session.execute(select(AlumniMember)).scalar_one()
    assert (member.user_id, member.contact_email, member.rehire) == (person.id, "Astrid@Private.example",
                                                                      RehireEligibility.unknown)


# --- HR pages and permissions ----------------------------------------------------------------------


@pytest.fixture
def answered_leaver(db, create_user):
    boss = create_user("manager")
    person = leaver(create_user, manager=boss)
    interview, _token = invited(db, person)
    exits.submit_answers(interview, exits.Answers(challenges="Unclear priorities from above",
                                                  reasons=[ExitReason.manager]))
    member = exits.join_alumni(person, "p@example.org")
    db.session.commit()
    return boss, person, interview, member


@pytest.mark.parametrize("role", ["manager of the leaver", "employee", "admin"])
def test_only_hr_reaches_exit_pages_and_answers(db, client, login, create_user, answered_leaver, role):
    boss, _person, interview, member = answered_leaver
    login(boss if role == "manager of the leaver" else create_user(role))
    for url in ["/analytics/exits", f"/analytics/exits/{interview.id}", "/analytics/exits/patterns",
                "/analytics/alumni", "/analytics/exits/patterns?format=csv", f"/analytics/exits/{interview.id + 1}"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Unclear priorities" not in response.get_data(as_text=True)
    for url in [f"/analytics/exits/{interview.id}", f"/analytics/alumni/{member.id}/rehire", "/analytics/alumni/invite"]:
        assert client.post(url, data={"hr_notes": "x", "rehire": "eligible", "member_id": member.id}).status_code == 403
    db.session.refresh(interview)
    db.session.refresh(member)
    assert interview.hr_notes == "" and member.rehire is RehireEligibility.unknown


def test_hr_reads_the_answers(db, client, login, create_user, answered_leaver):
    _boss, person, interview, _member = answered_leaver
    login(create_user("hr"))
    listing = client.get("/analytics/exits?status=answered")
    assert listing.status_code == 200 and person.full_name in listing.get_data(as_text=True)
    detail = client.get(f"/analytics/exits/{interview.id}")
    assert "Unclear priorities from above" in detail.get_data(as_text=True)
    assert client.get("/analytics/exits?status=bogus").status_code == 400
    assert client.get(f"/analytics/exits/{interview.id + 999}").status_code == 404


def test_hr_list_filters_by_department_and_status(db, client, login, create_user, create_department):
    sales, support = create_department("Sales"), create_department("Support")
    a = leaver(create_user, department=sales, last_name="Salesperson")
    b = leaver(create_user, department=support, last_name="Supporter")
    exits.invite_new_leavers(TODAY)
    ia = db.session.execute(select(ExitInterview).where(ExitInterview.user_id == a.id)).scalar_one()
    exits.submit_answers(ia, exits.Answers(reasons=[ExitReason.pay]))
    login(create_user("hr"))
    text = client.get(f"/analytics/exits?department={sales.id}").get_data(as_text=True)
    assert "Salesperson" in text and "Supporter" not in text
    text = client.get("/analytics/exits?status=pending").get_data(as_text=True)
    assert "Supporter" in text and "Salesperson" not in text
    assert b.id


def test_hr_notes_and_coding_record_who_and_when(db, client, login, create_user):
    interview, _token = invited(db, leaver(create_user))
    exits.submit_answers(interview, exits.Answers(reasons=[ExitReason.other], valued="Flexibility"))
    hr = create_user("hr")
    login(hr)
    response = client.post(f"/analytics/exits/{interview.id}", data={"hr_notes": "Said in the talk: pay and workload",
                                                                      "reasons": ["pay", "workload"]})
    assert response.status_code == 302
    db.session.refresh(interview)
    assert interview.hr_notes == "Said in the talk: pay and workload"
    assert [r.reason for r in interview.reasons] == [ExitReason.pay, ExitReason.workload]
    assert interview.notes_by_id == hr.id and interview.notes_at is not None


def test_regretted_flag_by_the_leavers_manager_is_audited(db, client, login, create_user):
    boss, other = create_user("manager"), create_user("manager")
    person = leaver(create_user, manager=boss)
    spell = person.spells[-1]
    db.session.commit()
    login(other)
    assert client.post(f"/analytics/exits/spells/{spell.id}/regretted", data={"regretted": "1"}).status_code == 403
    assert client.get("/analytics/exits/former-reports").get_data(as_text=True).count(person.full_name) == 0
    client.post("/logout")
    login(boss)
    assert person.full_name in client.get("/analytics/exits/former-reports").get_data(as_text=True)
    assert client.post(f"/analytics/exits/spells/{spell.id}/regretted", data={"regretted": "1"}).status_code == 302
    db.session.refresh(spell)
    assert spell.is_regretted is True
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.entity_type == "EmploymentSpell",
                                                        AuditEntry.entity_id == spell.id)
                               .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.actor_id == boss.id and entry.changes["is_regretted"] == [False, True]
    client.post("/logout")
    login(create_user("employee"))
    assert client.post(f"/analytics/exits/spells/{spell.id}/regretted", data={"regretted": "0"}).status_code == 403


def test_an_involuntary_leaver_cannot_be_flagged_regretted(db, client, login, create_user):
    person = leaver(create_user)
    spell = person.spells[-1]
    spell.end_type = EndType.involuntary
    login(create_user("hr"))
    assert client.post(f"/analytics/exits/spells/{spell.id}/regretted", data={"regretted": "1"}).status_code == 400


# --- alumni ----------------------------------------------------------------------------------------


def test_invite_back_mails_eligible_alumni_once_a_day_and_they_can_opt_out(db, client, login, create_user, outbox,
                                                                            sent_tasks):
    yes = exits.join_alumni(leaver(create_user, first_name="Yrsa"), "yrsa@home.example")
    unknown = exits.join_alumni(leaver(create_user), "u@home.example")
    hr = create_user("hr")
    login(hr)
    assert client.post(f"/analytics/alumni/{yes.id}/rehire", data={"rehire": "eligible", "rehire_note": "Strong"}
                       ).status_code == 302
    db.session.refresh(yes)
    assert (yes.rehire, yes.rehire_set_by_id, yes.rehire_note) == (RehireEligibility.eligible, hr.id, "Strong")
    assert "yrsa@home.example" in client.get("/analytics/alumni?eligible=1").get_data(as_text=True)
    response = client.post("/analytics/alumni/invite", data={"member_id": [yes.id, unknown.id], "message": "Come back!"})
    assert response.status_code == 302
    asked = [args for name, args, _k in sent_tasks if name == "analytics.send_alumni_invitation"]
    assert [a[0] for a in asked] == [yes.id]
    for args in asked * 2:  # a second delivery sends nothing
        exits.send_alumni_invitation(*args)
    mails = outbox()
    assert len(mails) == 1 and mails[0]["To"] == "yrsa@home.example"
    assert "Come back!" in mails[0].get_content()
    db.session.refresh(yes)
    assert yes.last_invited_at is not None
    assert exits.invite_alumni_back([yes.id]) == []  # invited today already
    opt_out = re.search(r"http://fasthold\.test\.example(/analytics/alumni/opt-out/\S+)", mails[0].get_content()).group(1)
    client.post("/logout")
    assert client.get(opt_out).status_code == 200
    assert client.post(opt_out).status_code == 200
    db.session.refresh(yes)
    assert yes.opted_out_at is not None
    assert client.get("/analytics/alumni/opt-out/forged").status_code == 404


def test_a_rehired_alumnus_is_shown_as_a_boomerang(db, client, login, create_user, create_department):
    person = leaver(create_user, days_ago=300, hired_days_ago=900)
    member = exits.join_alumni(person, "b@home.example", datetime.now(timezone.utc) - timedelta(days=300))
    add_spell(person, SpellData(hire_date=TODAY - timedelta(days=10), end_date=None, end_type=None, is_regretted=False,
                                department_id=create_department().id, manager_id=None, job_title="Lead"))
    assert exits.boomerang_spell(member).hire_date == TODAY - timedelta(days=10)
    login(create_user("hr"))
    assert "Re-hired" in client.get("/analytics/alumni").get_data(as_text=True)


# --- reason patterns -------------------------------------------------------------------------------


def test_patterns_hide_small_groups_and_cannot_be_subtracted(db, create_user, create_department):
    a, b, c = create_department("Alpha"), create_department("Beta"), create_department("Gamma")
    for dept, n in ((a, 6), (b, 5), (c, 2)):
        for _ in range(n):
            answered(db, leaver(create_user, department=dept), [ExitReason.pay])
    result = exits.reason_patterns("department", TODAY - timedelta(days=365), TODAY)
    # Gamma (2) is hidden; with Beta shown, "Other groups" would be Gamma alone and the total of the
    # columns would reveal it: Beta is held back too and both are shown together.
    assert list(result.table.columns) == ["Alpha", exits.OTHER]
    assert result.answered == {"Alpha": 6, exits.OTHER: 7}
    assert result.table.loc["pay"].tolist() == [6, 7]
    assert result.hidden == 2


def test_patterns_show_nothing_when_the_rest_stays_small(db, create_user, create_department):
    a, c = create_department("Alpha"), create_department("Gamma")
    for dept, n in ((a, 6), (c, 3)):
        for _ in range(n):
            answered(db, leaver(create_user, department=dept), [ExitReason.career])
    result = exits.reason_patterns("department", TODAY - timedelta(days=365), TODAY)
    assert list(result.table.columns) == [exits.OTHER]  # 9 together; Alpha alone would give Gamma away
    assert result.answered == {exits.OTHER: 9}


def test_a_manager_group_nested_in_a_department_is_hidden_when_the_difference_is_small(db, create_user,
                                                                                        create_department):
    dept = create_department("Alpha")
    boss = create_user("manager")
    for i in range(7):
        answered(db, leaver(create_user, department=dept, manager=boss if i < 5 else None), [ExitReason.workload])
    result = exits.reason_patterns("manager", TODAY - timedelta(days=365), TODAY)
    assert boss.full_name not in result.table.columns  # 5 of Alpha's 7: the other 2 would be revealed
    assert exits.reason_patterns("department", TODAY - timedelta(days=365), TODAY).answered == {"Alpha": 7}


def test_patterns_count_only_answered_voluntary_leavers_and_page_shows_table(db, client, login, create_user,
                                                                              create_department):
    dept = create_department("Alpha")
    for _ in range(5):
        answered(db, leaver(create_user, department=dept), [ExitReason.career, ExitReason.pay])
    answered(db, leaver(create_user, department=dept), [ExitReason.culture], end_type=EndType.involuntary)
    leaver(create_user, department=dept)  # ended, no answers
    result = exits.reason_patterns("department", date(TODAY.year - 1, 1, 1), TODAY)
    assert result.answered == {"Alpha": 5}
    assert result.table.loc["culture", "Alpha"] == 0 and result.table.loc["career", "Alpha"] == 5
    login(create_user("hr"))
    year = (TODAY - timedelta(days=10)).year
    page = client.get(f"/analytics/exits/patterns?by=department&year={year}")
    assert page.status_code == 200 and "Alpha" in page.get_data(as_text=True)
    csv_text = client.get(f"/analytics/exits/patterns?by=department&year={year}&format=csv").get_data(as_text=True)
    assert "Career development" in csv_text and "Alpha" in csv_text
    assert client.get("/analytics/exits/patterns?by=salary").status_code == 400


def test_patterns_page_has_a_heatmap_and_a_pdf(db, client, login, create_user, create_department):
    dept = create_department("Alpha")
    for _ in range(5):
        answered(db, leaver(create_user, department=dept, days_ago=1), [ExitReason.pay])
    login(create_user("hr"))
    year = (TODAY - timedelta(days=1)).year
    page = client.get(f"/analytics/exits/patterns?year={year}").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page and "Alpha" in page
    pdf = client.get(f"/analytics/exits/patterns?year={year}&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


# --- repeated-reason alert -------------------------------------------------------------------------


def _department_leavers(db, create_user, dept, reasons_list):
    for i, reasons in enumerate(reasons_list):
        answered(db, leaver(create_user, department=dept, days_ago=5 + i), reasons)


def test_alert_fires_at_five_of_the_last_seven_once(db, create_user, create_department):
    dept = create_department("Marketing")
    _department_leavers(db, create_user, dept, [[ExitReason.career]] * 5 + [[ExitReason.pay]] * 2)
    alerts = exits.repeated_reason_alerts(TODAY)
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.kind, alert.scope, alert.scope_id) == (AlertKind.exit_reason, "department", dept.id)
    assert alert.period == f"career:{TODAY:%Y-%m}"
    assert {k: alert.details[k] for k in ("reason", "k", "n")} == {"reason": "career", "k": 5, "n": 7}
    assert exits.render_alert(alert) == "5 of the last 7 leavers in Marketing cite career development"
    assert exits.repeated_reason_alerts(TODAY) == []
    assert exits.repeated_reason_alerts(TODAY + timedelta(days=40)) == []  # same leavers, next month
    assert db.session.execute(select(func.count()).select_from(RetentionAlert)).scalar_one() == 1


def test_no_alert_at_four_of_seven(db, create_user, create_department):
    dept = create_department("Marketing")
    _department_leavers(db, create_user, dept, [[ExitReason.career]] * 4 + [[ExitReason.pay]] * 3)
    assert exits.repeated_reason_alerts(TODAY) == []


def test_alert_looks_only_at_the_last_seven(db, create_user, create_department):
    dept = create_department("Marketing")
    # the 7 most recent: 4 career; two older career leavers do not count
    _department_leavers(db, create_user, dept, [[ExitReason.career]] * 4 + [[ExitReason.pay]] * 3
                        + [[ExitReason.career]] * 2)
    assert exits.repeated_reason_alerts(TODAY) == []
