"""Check-in logic: cadence and next dates, pairs from the org chart, holding, carry-over, statements."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.people.service import SpellData, update_spell
from lms.people.service import ValidationError
from plans.checkins import service
from plans.checkins.models import (
    AgreementOwner,
    AgreementStatus,
    Cadence,
    MeetingStatus,
    OneOnOne,
    OneOnOnePair,
)

PREP = service.PrepData(went_well="Shipped the importer", could_be_better="Too many meetings", workload=4, flow=2,
                        learning="Kubernetes", wellbeing=4, wellbeing_comment="")


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert service.add_months(date(2026, 1, 15), 1) == date(2026, 2, 15)
    assert service.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert service.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert service.add_months(date(2026, 12, 10), 1) == date(2027, 1, 10)
    assert service.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


@pytest.mark.parametrize("cadence, expected", [
    (Cadence.weekly, date(2026, 3, 9)), (Cadence.biweekly, date(2026, 3, 16)),
    (Cadence.monthly, date(2026, 4, 2)), (Cadence.six_weeks, date(2026, 4, 13)),
])
def test_next_due_is_one_cadence_after_the_last_held(cadence, expected):
    assert service.next_due_on(cadence, date(2026, 3, 2), date(2026, 3, 5)) == expected


def test_a_new_pair_meets_a_week_from_now():
    today = date(2026, 3, 5)
    assert service.next_due_on(Cadence.monthly, None, today) == today + timedelta(days=7)


def test_sync_makes_one_pair_and_one_open_meeting_per_manager_and_report(db, teams, pair_of):
    pair = pair_of(teams["maja"], teams["rune"])
    assert pair.cadence == Cadence.monthly and pair.is_active
    meeting = service.open_meeting(pair)
    assert meeting.scheduled_on == date.today() + timedelta(days=service.FIRST_MEETING_AFTER_DAYS)
    assert service.sync_pairs() == 0  # idempotent
    n = db.session.execute(select(func.count()).select_from(OneOnOne).where(OneOnOne.pair_id == pair.id)).scalar()
    assert n == 1
    # HR has no manager: no pair; managers are not paired with themselves
    assert db.session.execute(select(func.count()).select_from(OneOnOnePair)).scalar() == 3


def test_a_new_manager_gets_a_new_pair_and_the_old_one_keeps_its_history(db, teams, pair_of):
    rune, maja, sven = teams["rune"], teams["maja"], teams["sven"]
    spell = rune.current_spell
    update_spell(spell, SpellData(hire_date=spell.hire_date, end_date=None, end_type=None, is_regretted=False,
                                  department_id=spell.department_id, manager_id=sven.id, job_title=spell.job_title))
    service.sync_pairs()
    assert not pair_of(maja, rune).is_active
    assert pair_of(sven, rune).is_active


def test_holding_schedules_the_next_one_cadence_later(db, teams, pair_of):
    pair = pair_of(teams["maja"], teams["rune"])
    pair.cadence = Cadence.biweekly
    today = date(2026, 3, 2)
    first = service.open_meeting(pair)
    nxt = service.mark_held(first, "Good talk", teams["maja"], today=today)
    assert nxt.status == MeetingStatus.scheduled and nxt.scheduled_on == date(2026, 3, 16)
    assert service.open_meeting(pair) is nxt
    with pytest.raises(ValidationError):
        service.mark_held(first, "again", teams["maja"], today=today)


def test_held_check_in_records_attended_for_employee_and_manager(db, app, teams, pair_of):
    from xapi.models import Statement
    from xapi.vocabulary import ActivityType, Verb

    meeting = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    service.mark_held(meeting, "", teams["maja"])
    rows = db.session.execute(select(Statement).where(Statement.verb_id == Verb.ATTENDED[0])).scalars().all()
    assert {r.user_id for r in rows} == {teams["maja"].id, teams["rune"].id}
    for row in rows:
        assert row.data["object"]["id"] == f"{app.config['BASE_URL']}/checkins/{meeting.id}"
        assert row.data["object"]["definition"]["type"] == ActivityType.MEETING


def test_open_agreements_carry_into_the_next_check_in_until_done(db, teams, pair_of):
    maja, rune = teams["maja"], teams["rune"]
    pair = pair_of(maja, rune)
    first = service.open_meeting(pair)
    keep = service.add_agreement(first, "Rune books the AWS course", AgreementOwner.employee,
                                 date.today() + timedelta(days=20), maja)
    done = service.add_agreement(first, "Maja asks about budget", AgreementOwner.manager, None, rune)
    service.set_agreement_status(done, AgreementStatus.done)
    second = service.mark_held(first, "", maja)
    assert [a.text for a in service.carried_agreements(second)] == ["Rune books the AWS course"]
    assert service.carried_agreements(first) == []  # not carried into the meeting it was made in
    service.set_agreement_status(keep, AgreementStatus.done)
    third = service.mark_held(second, "", maja, today=date.today() + timedelta(days=40))
    assert service.carried_agreements(third) == []


def test_agreements_of_another_pair_never_carry(db, teams, pair_of):
    rune_first = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    service.add_agreement(rune_first, "Rune only", AgreementOwner.employee, None, teams["maja"])
    rita_meeting = service.open_meeting(pair_of(teams["maja"], teams["rita"]))
    later = service.mark_held(rita_meeting, "", teams["maja"])
    assert service.carried_agreements(later) == []


def test_prep_rejects_scales_outside_one_to_five_and_locks_when_held(db, teams, pair_of):
    meeting = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    bad = service.PrepData(**{**vars(PREP), "wellbeing": 6})
    with pytest.raises(ValidationError) as exc:
        service.save_prep(meeting, bad, teams["rune"])
    assert exc.value.field == "wellbeing"
    service.save_prep(meeting, PREP, teams["rune"])
    assert meeting.is_prepared
    service.mark_held(meeting, "", teams["maja"])
    with pytest.raises(ValidationError):
        service.save_prep(meeting, PREP, teams["rune"])


def test_changing_the_cadence_moves_the_open_check_in(db, teams, pair_of):
    pair = pair_of(teams["maja"], teams["rune"])
    today = date.today()
    service.mark_held(service.open_meeting(pair), "", teams["maja"], today=today, held_on=today)
    assert service.open_meeting(pair).scheduled_on == service.add_months(today, 1)
    service.change_cadence(pair, Cadence.weekly, teams["rune"], today=today)
    assert service.open_meeting(pair).scheduled_on == today + timedelta(days=7)


def test_rescheduling_refuses_the_past(db, teams, pair_of):
    meeting = service.open_meeting(pair_of(teams["maja"], teams["rune"]))
    with pytest.raises(ValidationError) as exc:
        service.reschedule(meeting, date.today() - timedelta(days=1), None, teams["maja"])
    assert exc.value.field == "scheduled_on"


def test_team_overview_shows_last_held_next_due_missed_and_open_agreements(db, teams, pair_of):
    maja, rune, rita = teams["maja"], teams["rune"], teams["rita"]
    today = date.today()
    rune_pair = pair_of(maja, rune)
    first = service.open_meeting(rune_pair)
    service.add_agreement(first, "Pair with Rita", AgreementOwner.employee, None, maja)
    service.mark_held(first, "", maja, today=today - timedelta(days=10), held_on=today - timedelta(days=10))
    rita_meeting = service.open_meeting(pair_of(maja, rita))
    rita_meeting.scheduled_on = today - timedelta(days=20)
    service.send_reminders(today)
    rows = {r.pair.report_id: r for r in service.team_overview(maja, today)}
    assert set(rows) == {rune.id, rita.id}
    assert rows[rune.id].last_held_on == today - timedelta(days=10)
    assert rows[rune.id].next_meeting.scheduled_on == service.add_months(today - timedelta(days=10), 1)
    assert rows[rune.id].open_agreements == 1 and not rows[rune.id].is_overdue
    assert rows[rita.id].is_overdue and rows[rita.id].missed == 1 and rows[rita.id].last_held_on is None
    assert service.team_overview(teams["sven"], today)[0].pair.report_id == teams["sara"].id


def test_coverage_counts_pairs_that_met_within_their_cadence(db, teams, pair_of):
    maja, rune, rita = teams["maja"], teams["rune"], teams["rita"]
    today = date.today()
    service.mark_held(service.open_meeting(pair_of(maja, rune)), "", maja, today=today,
                      held_on=today - timedelta(days=20))
    old = service.open_meeting(pair_of(maja, rita))
    service.mark_held(old, "", maja, today=today, held_on=today - timedelta(days=60))
    departments, by_team, total = service.coverage(today)
    platform = next(r for r in departments if r.label == "Platform")
    assert (platform.pairs, platform.covered) == (2, 1)
    assert platform.share == 0.5
    assert (total.pairs, total.covered) == (3, 1)
    assert {r.label for r in by_team} == {maja.full_name, teams["sven"].full_name}
