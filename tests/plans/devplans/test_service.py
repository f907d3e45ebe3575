"""Plan service: a dense playlist order, starting and completing with statements, and completion
of catalogue items through the xAPI statement stream (idempotent on redelivery)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.people.service import ValidationError
from plans.devplans import service
from plans.devplans.models import ItemKind, PlanItem
from xapi.models import Statement
from xapi.vocabulary import ActivityType, Verb

BASE = "http://fasthold.test.example"


def _order(goal):
    return [(i.title, i.position) for i in sorted(goal.items, key=lambda i: i.position)]


def _statements(db, verb=None, object_id=None):
    rows = db.session.execute(select(Statement).order_by(Statement.seq)).scalars().all()
    return [s.data for s in rows
            if (verb is None or s.verb_id == verb[0]) and (object_id is None or s.data["object"]["id"] == object_id)]


def test_items_append_in_order_with_dense_positions(db, goal, steps):
    assert _order(goal) == [("A", 1), ("B", 2), ("C", 3)]


def test_inserting_at_a_position_moves_the_rest_down(db, goal, steps, team):
    service.add_item(goal, service.ItemData(kind=ItemKind.reading, title="First", position=1), team.mads)
    service.add_item(goal, service.ItemData(kind=ItemKind.reading, title="Third", position=3), team.mads)
    service.add_item(goal, service.ItemData(kind=ItemKind.reading, title="Last", position=99), team.mads)
    assert _order(goal) == [("First", 1), ("A", 2), ("Third", 3), ("B", 4), ("C", 5), ("Last", 6)]


def test_moving_swaps_neighbours_and_stops_at_the_ends(db, goal, steps):
    a, b, c = steps
    assert service.move_item(c, -1)
    assert _order(goal) == [("A", 1), ("C", 2), ("B", 3)]
    assert service.move_item(a, +1)
    assert _order(goal) == [("C", 1), ("A", 2), ("B", 3)]
    assert not service.move_item(c, -1)  # first already
    assert not service.move_item(b, +1)  # last already
    assert _order(goal) == [("C", 1), ("A", 2), ("B", 3)]


def test_deleting_closes_the_gap(db, goal, steps):
    service.delete_item(steps[1])
    assert _order(goal) == [("A", 1), ("C", 2)]
    service.delete_item(steps[0])
    assert _order(goal) == [("C", 1)]


def test_goals_keep_a_dense_order_too(db, goal, team):
    plan = goal.plan
    second = service.add_goal(plan, service.GoalData(title="Present at all-hands"), team.mads)
    third = service.add_goal(plan, service.GoalData(title="Coach a junior"), team.mads)
    assert service.move_goal(third, -1)
    assert [(g.title, g.position) for g in sorted(plan.goals, key=lambda g: g.position)] == [
        ("Write SQL that scales", 1), ("Coach a junior", 2), ("Present at all-hands", 3)]
    service.delete_goal(goal)
    assert sorted(g.position for g in plan.goals) == [1, 2] and second.position == 2


def test_a_goal_needs_a_title_and_a_level_needs_a_competency(db, team):
    plan = service.ensure_plan(team.mads)
    with pytest.raises(ValidationError) as exc:
        service.add_goal(plan, service.GoalData(title="  "), team.mads)
    assert exc.value.field == "title"
    with pytest.raises(ValidationError) as exc:
        service.add_goal(plan, service.GoalData(title="Grow", target_level=3), team.mads)
    assert exc.value.field == "competency_id"


def test_a_course_item_needs_a_published_course(db, goal, team, create_user):
    from lms.courses import service as courses
    from lms.courses.models import ModuleKind

    draft = courses.create_course(create_user("author"), courses.CourseData("Draft", "", "Data", 10, "en"))
    courses.add_module(draft, ModuleKind.text, courses.ModuleData(title="x", body="x"))
    with pytest.raises(ValidationError) as exc:
        service.add_item(goal, service.ItemData(kind=ItemKind.course, course_id=draft.id), team.mads)
    assert exc.value.field == "course_id"


def test_starting_and_completing_record_statements_once(db, goal, steps, team):
    a = steps[0]
    iri = f"{BASE}/plans/items/{a.id}"
    assert service.start_item(a, team.mads)
    assert not service.start_item(a, team.mads)
    assert service.complete_item(a, team.mads, "Did it; notes in the wiki.")
    assert not service.complete_item(a, team.mads, "again")
    attempted = _statements(db, Verb.ATTEMPTED, iri)
    completed = _statements(db, Verb.COMPLETED, iri)
    assert len(attempted) == 1 and len(completed) == 1
    assert completed[0]["object"]["definition"]["type"] == ActivityType.CHECKLIST_ITEM
    assert completed[0]["actor"]["mbox"] == f"mailto:{team.mads.email}"
    assert completed[0]["result"]["response"] == "Did it; notes in the wiki."
    assert a.reflection == "Did it; notes in the wiki."


def test_completing_a_goal_records_a_goal_statement(db, goal, team):
    assert service.complete_goal(goal, team.mads, "Reached level 3.")
    assert not service.complete_goal(goal, team.mads)
    done = _statements(db, Verb.COMPLETED, f"{BASE}/plans/goals/{goal.id}")
    assert len(done) == 1 and done[0]["object"]["definition"]["type"] == ActivityType.GOAL


def test_progress_counts_done_items(db, goal, steps, team):
    service.complete_item(steps[0], team.mads)
    assert service.goal_progress(goal).done == 1 and service.goal_progress(goal).total == 3
    assert service.plan_progress(goal.plan).percent == 33
    assert service.progress_by_user([team.mads.id, team.rita.id])[team.mads.id][1].done == 1
    assert service.progress_by_user([team.rita.id])[team.rita.id][1].total == 0


def _complete_course(db, user, course):
    """Finish every module in the catalogue; returns the seqs stored meanwhile."""
    from lms.courses import service as courses

    before = db.session.execute(select(func.max(Statement.seq))).scalar() or 0
    enrolment = courses.enrol(user, course, source="self")
    for module in course.modules:
        courses.mark_done(enrolment, module)
    assert enrolment.completed_at is not None
    return list(db.session.execute(select(Statement.seq).where(Statement.seq > before)).scalars())


def test_completing_the_course_anywhere_completes_the_item_through_the_stream(db, goal, course, team):
    item = service.add_item(goal, service.ItemData(kind=ItemKind.course, course_id=course.id), team.mads)
    assert item.title == "SQL for analysts" and item.completed_at is None
    seqs = _complete_course(db, team.mads, course)
    course_done = [s for s in db.session.execute(select(Statement).where(Statement.seq.in_(seqs))).scalars()
                   if s.verb_id == Verb.COMPLETED[0] and s.data["object"]["id"] == f"{BASE}/courses/{course.id}"]
    assert len(course_done) == 1
    assert item.completed_at is None  # nothing happens until the stream is announced

    assert service.complete_items_from_statements(seqs) == 1
    db.session.refresh(item)
    assert item.completed_at is not None
    item_iri = f"{BASE}/plans/items/{item.id}"
    assert len(_statements(db, Verb.COMPLETED, item_iri)) == 1

    # Redelivery (a retried task, or the same seqs again) changes nothing.
    assert service.complete_items_from_statements(seqs) == 0
    assert service.complete_items_from_statements([course_done[0].seq]) == 0
    assert len(_statements(db, Verb.COMPLETED, item_iri)) == 1


def test_the_announce_task_reaches_the_plan_subscriber(db, goal, course, team):
    from xapi.tasks import announce_statements

    item = service.add_item(goal, service.ItemData(kind=ItemKind.course, course_id=course.id), team.mads)
    seqs = _complete_course(db, team.mads, course)
    announce_statements.apply(args=(seqs,)).get()
    db.session.refresh(item)
    assert item.completed_at is not None


def test_a_module_item_completes_with_its_module_only(db, goal, course, team):
    from lms.courses import service as courses

    joins, indexes = course.modules
    item = service.add_item(goal, service.ItemData(kind=ItemKind.module, module_id=indexes.id), team.mads)
    enrolment = courses.enrol(team.mads, course, source="self")
    courses.mark_done(enrolment, joins)
    service.complete_items_from_statements(list(db.session.execute(select(Statement.seq)).scalars()))
    assert item.completed_at is None
    courses.mark_done(enrolment, indexes)
    service.complete_items_from_statements(list(db.session.execute(select(Statement.seq)).scalars()))
    assert item.completed_at is not None


def test_someone_elses_completion_leaves_my_item_open(db, goal, course, team):
    item = service.add_item(goal, service.ItemData(kind=ItemKind.course, course_id=course.id), team.mads)
    seqs = _complete_course(db, team.rita, course)
    assert service.complete_items_from_statements(seqs) == 0
    assert item.completed_at is None


def test_a_course_already_completed_is_done_when_added(db, goal, course, team):
    _complete_course(db, team.mads, course)
    item = service.add_item(goal, service.ItemData(kind=ItemKind.course, course_id=course.id), team.mads)
    assert item.completed_at is not None


def test_a_suggestion_goes_into_the_competency_goal_once(db, team, course):
    from plans.competencies.models import Competency

    sql = Competency(name="SQL")
    db.session.add(sql)
    db.session.flush()
    first = service.add_suggestion(team.mads, sql, course, team.mads, level=3)
    again = service.add_suggestion(team.mads, sql, course, team.mads, level=3)
    assert first.id == again.id
    assert first.goal.competency_id == sql.id and first.goal.target_level == 3
    assert db.session.execute(select(func.count()).select_from(PlanItem)).scalar() == 1


def test_a_manager_suggestion_notifies_the_owner(db, goal, team):
    from lms.notifications.models import Notification

    service.add_item(goal, service.ItemData(kind=ItemKind.stretch, title="Rewrite the report"), team.manager)
    kinds = db.session.execute(select(Notification.kind).where(Notification.recipient_id == team.mads.id)).scalars().all()
    assert "plans.item_added" in kinds


def test_an_item_completed_meanwhile_elsewhere_is_not_completed_twice(db, goal, steps, team):
    """Two workers with the same redelivered statement: the second finds the row taken."""
    from sqlalchemy import update

    from lms.people.models import utcnow

    a = steps[0]
    db.session.execute(update(PlanItem).where(PlanItem.id == a.id).values(completed_at=utcnow())
                       .execution_options(synchronize_session=False))
    assert a.completed_at is None  # this session's copy is stale, as in the second worker
    assert not service.complete_item(a, team.mads, "late")
    assert a.completed_at is not None
    assert _statements(db, Verb.COMPLETED, f"{BASE}/plans/items/{a.id}") == []
