"""Onboarding services: track matching, due dates, idempotent assignment, buddies, cohorts, statements,
reminders and check-ins."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.onboarding import service
from lms.onboarding.models import BuddyStatus, CheckIn, OnboardingPlan, Owner, Phase, PlanTask
from lms.people.service import SpellData, ValidationError, update_spell


def _statements(db, verb_suffix):
    from xapi.models import Statement

    rows = db.session.execute(select(Statement)).scalars().all()
    return [s for s in rows if s.verb_id.endswith(verb_suffix)]


def test_future_hire_gets_the_track_with_due_dates_from_the_start(org, hire, plan_of):
    new = hire(days=20)
    plan = plan_of(new)
    start = date.today() + timedelta(days=20)
    assert plan.track == org["track"] and plan.starts_on == start
    assert {(t.title, t.due_on) for t in plan.tasks} == {
        (t.title, start + timedelta(days=t.due_offset_days)) for t in org["track"].tasks
    }
    assert [(c.day, c.due_on) for c in plan.checkins] == [(d, start + timedelta(days=d)) for d in (30, 60, 90)]
    assert plan.cohort.starts_on == start.replace(day=1)


def test_no_plan_for_a_past_start_or_without_any_track(db, create_user, create_department):
    dept = create_department()
    started = create_user(department=dept, hire_date=date.today() - timedelta(days=3))
    assert service.current_plan(started) is None
    future = create_user(department=dept, hire_date=date.today() + timedelta(days=3))  # no track exists
    assert service.current_plan(future) is None


def test_the_most_specific_track_wins(db, create_department, create_user, make_track):
    parent = create_department("Engineering")
    child = create_department("Platform", parent=parent)
    other = create_department("Sales")
    default = make_track(name="Default")
    by_title = make_track(job_title="analyst", name="Analysts anywhere")
    engineering = make_track(department=parent, name="Engineering")
    platform = make_track(department=child, name="Platform")
    platform_analyst = make_track(department=child, job_title="Analyst", name="Platform analysts")

    def match(dept):
        return service.match_track(create_user(department=dept, hire_date=date.today() + timedelta(days=5)).spells[0])

    assert match(child) == platform_analyst  # department + title (title compared case-insensitively)
    platform_analyst.is_active = False
    assert match(child) == platform  # nearest department
    platform.is_active = False
    assert match(child) == engineering  # a parent department covers its sub-departments
    assert match(other) == by_title  # no department track: the job title
    by_title.is_active = False
    assert match(other) == default


def test_assigning_twice_changes_nothing(db, org, hire, plan_of):
    new = hire()
    plan = plan_of(new)
    counts = lambda: (  # noqa: E731
        db.session.execute(select(func.count()).select_from(OnboardingPlan)).scalar_one(),
        db.session.execute(select(func.count()).select_from(PlanTask)).scalar_one(),
        db.session.execute(select(func.count()).select_from(CheckIn)).scalar_one(),
    )
    before = counts()
    assert service.assign_onboarding(new.spells[0]) is plan
    assert service.assign_upcoming() == 0
    assert counts() == before


def test_assign_upcoming_catches_future_starters_without_a_plan(db, create_user, create_department, make_track):
    dept = create_department()
    early = create_user(department=dept, hire_date=date.today() + timedelta(days=9))  # before any track existed
    assert service.current_plan(early) is None
    make_track()
    assert service.assign_upcoming() == 1
    assert service.current_plan(early) is not None
    assert service.assign_upcoming() == 0


def test_buddy_proposal_same_department_six_months_not_manager_fewest_assignments(org, hire, plan_of, create_user,
                                                                                 create_department):
    create_user(department=create_department("Elsewhere"), hire_date=date.today() - timedelta(days=4000))
    first = plan_of(hire())
    # the longest-serving colleague who is not the manager; the recent joiner (60 days) never
    assert first.buddy == org["veteran"] and first.buddy_status == BuddyStatus.proposed
    second = plan_of(hire())
    assert second.buddy == org["senior"]  # Vera already has one new hire to look after
    org["veteran"].is_active = False
    org["senior"].is_active = False
    third = plan_of(hire())
    assert third.buddy is None  # nobody else qualifies: not the manager, not the 60-day joiner


def test_confirming_or_changing_the_buddy(db, org, hire, plan_of):
    plan = plan_of(hire())
    service.set_buddy(plan, org["senior"], org["manager"])
    assert plan.buddy == org["senior"] and plan.buddy_status == BuddyStatus.confirmed
    assert plan.buddy_confirmed_by_id == org["manager"].id
    with pytest.raises(ValidationError):
        service.set_buddy(plan, plan.user, org["manager"])


def test_starters_of_the_same_month_share_a_cohort(db, org, create_user):
    first_of_next = (date.today().replace(day=1) + timedelta(days=40)).replace(day=1)
    a = create_user(department=org["dept"], hire_date=first_of_next)
    b = create_user(department=org["dept"], hire_date=first_of_next + timedelta(days=20))
    c = create_user(department=org["dept"], hire_date=first_of_next + timedelta(days=40))
    pa, pb, pc = (service.current_plan(u) for u in (a, b, c))
    assert pa.cohort == pb.cohort != pc.cohort


def test_a_moved_start_date_moves_open_tasks_and_checkins(db, org, hire, plan_of):
    new = hire(days=10)
    plan = plan_of(new)
    done = next(t for t in plan.tasks if t.owner == Owner.new_hire)
    service.complete_task(done, new)
    before = {t.id: t.due_on for t in plan.tasks}
    spell = new.spells[0]
    update_spell(spell, SpellData(hire_date=spell.hire_date + timedelta(days=7), end_date=None, end_type=None,
                                  is_regretted=False, department_id=spell.department_id,
                                  manager_id=spell.manager_id, job_title=spell.job_title))
    assert plan.starts_on == spell.hire_date
    for task in plan.tasks:
        assert task.due_on == before[task.id] + (timedelta(0) if task.id == done.id else timedelta(days=7))
    assert plan.checkins[0].due_on == spell.hire_date + timedelta(days=30)


def test_completing_a_task_records_completed_with_the_plan_as_parent(db, app, org, hire, plan_of):
    new = hire()
    plan = plan_of(new)
    task = next(t for t in plan.tasks if t.owner == Owner.new_hire)
    service.complete_task(task, new)
    service.complete_task(task, new)  # a second click changes nothing
    [statement] = _statements(db, "/completed")
    full = statement.data
    base = app.config["BASE_URL"]
    assert full["object"]["id"] == f"{base}/onboarding/plans/{plan.id}/tasks/{task.id}"
    assert full["context"]["contextActivities"]["parent"][0]["id"] == f"{base}/onboarding/plans/{plan.id}"
    assert full["actor"]["mbox"] == f"mailto:{new.email}"
    assert task.completed_by_id == new.id and task.completed_at is not None


def test_a_checkin_answer_is_stored_and_recorded_as_answered(db, app, org, hire, plan_of):
    new = hire()
    plan = plan_of(new)
    checkin = plan.checkins[0]
    with pytest.raises(ValidationError):
        service.answer_checkin(checkin, 6, "")
    service.answer_checkin(checkin, 4, "A map of who does what")
    assert (checkin.rating, checkin.comment) == (4, "A map of who does what")
    [statement] = _statements(db, "/answered")
    full = statement.data
    assert full["object"]["definition"]["type"] == "http://id.tincanapi.com/activitytype/survey"
    assert full["result"]["score"]["raw"] == 4 and full["result"]["response"] == "A map of who does what"
    with pytest.raises(ValidationError):
        service.answer_checkin(checkin, 3, "again")
    [told] = _notifications(db, "onboarding.checkin_answered")
    assert told.recipient_id == org["manager"].id and told.params["rating"] == "4"


def _notifications(db, kind):
    from lms.notifications.models import Notification

    return db.session.execute(select(Notification).where(Notification.kind == kind)).scalars().all()


def test_overdue_reminders_at_most_once_a_task_a_day(db, org, hire, plan_of):
    new = hire(days=3)
    plan = plan_of(new)
    service.set_buddy(plan, org["senior"], org["manager"])
    today = plan.starts_on + timedelta(days=3)  # the pre-boarding tasks and day one's are overdue
    overdue = [t for t in plan.tasks if t.due_on < today]
    service.complete_task(overdue[0], org["admin"] if overdue[0].owner == Owner.it else new)
    open_overdue = [t for t in overdue if t.completed_at is None]
    first = service.send_overdue_reminders(today)
    assert first >= len(open_overdue)
    assert service.send_overdue_reminders(today) == 0  # same day: nothing more
    reminded = _notifications(db, "onboarding.task_overdue")
    assert len(reminded) == first
    recipients = {n.recipient_id for n in reminded}
    assert {org["admin"].id, org["senior"].id, org["manager"].id, org["hr"].id} <= recipients
    assert service.send_overdue_reminders(today + timedelta(days=1)) > 0  # a new day, a new reminder


def test_checkins_are_asked_once_when_due(db, org, hire, plan_of):
    new = hire(days=2)
    plan = plan_of(new)
    assert service.ask_due_checkins(plan.starts_on + timedelta(days=29)) == 0
    assert service.ask_due_checkins(plan.starts_on + timedelta(days=30)) == 1
    assert service.ask_due_checkins(plan.starts_on + timedelta(days=31)) == 0
    [note] = _notifications(db, "onboarding.checkin")
    assert note.recipient_id == new.id and note.url == f"/onboarding/checkins/{plan.checkins[0].id}"


def test_summaries_for_new_hire_manager_and_buddy(db, org, hire, plan_of):
    new = hire(days=5)
    plan = plan_of(new)
    summary = service.onboarding_summary(new)
    # before day one: only the pre-boarding tasks, and only the new hire's own as next tasks
    assert {t.title for t in summary["next_tasks"]} == {"Send your bank details"}
    assert summary["total"] == sum(1 for t in plan.tasks if t.phase == Phase.preboarding)
    assert summary["buddy"] is None  # proposed, not confirmed yet
    service.set_buddy(plan, org["senior"], org["manager"])
    assert service.onboarding_summary(new)["buddy"] == org["senior"]

    [row] = service.team_onboarding(org["manager"], today=plan.starts_on + timedelta(days=1))
    assert row.plan == plan and row.done == 0 and row.total == len(plan.tasks)
    assert row.overdue == sum(1 for t in plan.tasks if t.due_on < plan.starts_on + timedelta(days=1))
    assert [t.title for t in service.buddy_tasks(org["senior"])] == ["Say hello"]
    assert service.buddy_tasks(org["veteran"]) == []
    assert {t.title for t in service.manager_tasks(org["manager"])} == {"Welcome at reception", "30-day talk"}


def test_a_task_offset_must_fit_its_phase(db, org):
    from lms.onboarding.models import Area, TrackTask

    with pytest.raises(ValidationError) as err:
        service.save_track_task(TrackTask(track=org["track"]), title="x", phase=Phase.preboarding,
                                area=Area.social, owner=Owner.hr, due_offset_days=3, position=0, description="")
    assert err.value.field == "due_offset_days"


def test_a_cohort_forum_is_named_in_the_readers_language(app, db, create_user):
    from datetime import date, timedelta

    from flask_babel import force_locale

    from lms.onboarding import service
    from lms.onboarding.models import Cohort

    cohort = Cohort(starts_on=date(2026, 12, 1))
    db.session.add(cohort)
    db.session.flush()
    forum = service.ensure_cohort_forum(cohort)
    with app.test_request_context():
        with force_locale("da"):
            assert forum.display_title == "Nye medarbejdere i december 2026"
            assert forum.display_description.startswith("Sig hej til de personer")
        with force_locale("en"):
            assert forum.display_title == "Starters of December 2026"
