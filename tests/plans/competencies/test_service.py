"""Gaps with suggested courses, the HR heatmap and forecast, career paths and internal candidates."""

from __future__ import annotations

import pytest

from lms.people.service import ValidationError
from plans.competencies import service
from plans.competencies.models import AssessmentSource, CompetencyAssessment


@pytest.fixture
def courses(db, create_user):
    from lms.courses import service as courses
    from lms.courses.models import ModuleKind

    author = create_user("author")
    out = {}
    for title in ("SQL basics", "Advanced SQL", "Draft SQL"):
        c = courses.create_course(author, courses.CourseData(title, "", "Data", 20, "en"))
        courses.add_module(c, ModuleKind.text, courses.ModuleData(title="Read", body="x"))
        if title != "Draft SQL":
            courses.publish(c)
        out[title] = c
    db.session.flush()
    return out


def test_gap_rows_list_every_requirement_biggest_gap_first(db, framework, assess):
    assess(framework.d1, framework.sql, 1)
    assess(framework.d1, framework.negotiation, 2)
    rows = service.gap_rows(framework.d1, framework.analyst)
    assert [(r.competency.name, r.current, r.required, r.gap, r.future, r.future_gap) for r in rows] == [
        ("SQL", 1, 3, 2, 4, 3), ("Negotiation", 2, 2, 0, 2, 0)]


def test_courses_are_suggested_above_the_current_level_and_not_twice(db, framework, assess, courses):
    from lms.courses import service as lms_courses

    service.link_course(courses["SQL basics"].id, framework.sql, 2)
    service.link_course(courses["Advanced SQL"].id, framework.sql, 4)
    service.link_course(courses["Draft SQL"].id, framework.sql, 4)
    assess(framework.d1, framework.sql, 2)
    sql_row = next(r for r in service.gap_rows(framework.d1, framework.analyst) if r.competency == framework.sql)
    # "SQL basics" builds to level 2, which Dan has; the draft is not in the catalogue.
    assert [c.title for c in sql_row.courses] == ["Advanced SQL"]
    # A course Dan completed is not suggested again.
    enrolment = lms_courses.enrol(framework.d1, courses["Advanced SQL"], source="self")
    lms_courses.mark_done(enrolment, courses["Advanced SQL"].modules[0])
    assert all(r.courses == [] for r in service.gap_rows(framework.d1, framework.analyst))


def test_an_unchanged_assessment_adds_no_history(db, framework):
    first = service.assess(framework.d1, framework.sql, 3, AssessmentSource.self, framework.d1)
    assert first is not None
    assert service.assess(framework.d1, framework.sql, 3, AssessmentSource.self, framework.d1) is None
    assert service.assess(framework.d1, framework.sql, 4, AssessmentSource.self, framework.d1) is not None
    with pytest.raises(ValidationError):
        service.assess(framework.d1, framework.sql, 6, AssessmentSource.self, framework.d1)
    assert db.session.query(CompetencyAssessment).filter_by(user_id=framework.d1.id).count() == 2


def test_the_heatmap_averages_gaps_per_department_and_counts_who_is_short(db, framework, assess):
    # Data: Dan SQL 1 (gap 2), Dina SQL 3 (gap 0); negotiation unassessed for both (gap 2 each).
    assess(framework.d1, framework.sql, 1)
    assess(framework.d2, framework.sql, 3)
    # Sales: Sara SQL 2 (gap 1), negotiation 2 (gap 0).
    assess(framework.s1, framework.sql, 2)
    assess(framework.s1, framework.negotiation, 2)
    # The managers have no role profile ("Analyst" is everyone's title in the factory, so they count too):
    for boss in (framework.boss_d, framework.boss_s):
        assess(boss, framework.sql, 3)
        assess(boss, framework.negotiation, 2)
    heat = service.gap_heatmap("department")
    groups = [label for label, _n in heat.groups]
    data, sales = groups.index("Data"), groups.index("Sales")
    sql, neg = framework.sql.id, framework.negotiation.id
    cell = heat.cells[(data, sql)]
    assert (cell.people, cell.short, cell.gap_sum) == (3, 1, 2)
    assert cell.mean_gap == pytest.approx(2 / 3) and cell.band == 2
    assert (heat.cells[(data, neg)].people, heat.cells[(data, neg)].short, heat.cells[(data, neg)].gap_sum) == (3, 2, 4)
    assert (heat.cells[(sales, sql)].short, heat.cells[(sales, sql)].gap_sum) == (1, 1)
    assert heat.cells[(sales, neg)].band == 0


def test_the_heatmap_by_team_groups_by_manager_and_can_use_future_levels(db, framework, assess):
    assess(framework.d1, framework.sql, 3)
    assess(framework.d2, framework.sql, 4)
    heat = service.gap_heatmap("team", future=True)
    team = next(i for i, (label, _n) in enumerate(heat.groups) if framework.boss_d.full_name in label)
    cell = heat.cells[(team, framework.sql.id)]
    # Future SQL level 4: Dan is one short, Dina meets it.
    assert (cell.people, cell.short, cell.gap_sum) == (2, 1, 1)


def test_the_forecast_compares_future_needs_with_todays_levels(db, framework, assess):
    assess(framework.d1, framework.sql, 4)
    assess(framework.d2, framework.sql, 3)
    rows = {r.competency.name: r for r in service.future_forecast()}
    sql = rows["SQL"]
    people = 6  # everyone on "Analyst", HR included (create_user's default title)
    assert (sql.needed_now, sql.meeting_now) == (people, 2)
    assert (sql.needed_future, sql.meeting_future, sql.shortfall) == (people, 1, people - 1)
    assert sql.raised_roles == 1 and rows["Negotiation"].raised_roles == 0


def test_career_options_show_the_gap_and_interest(db, framework, assess):
    assess(framework.d1, framework.sql, 3)
    assess(framework.d1, framework.negotiation, 3)
    [option] = service.career_options(framework.d1)
    assert option.transition.to_role == framework.senior and option.total_gap == 1 and not option.is_interested
    service.set_interest(framework.d1, framework.senior, True, "Ready in a year")
    service.set_interest(framework.d1, framework.senior, True)  # twice is once
    assert service.career_options(framework.d1)[0].is_interested
    assert [i.note for i in service.interests_of([framework.d1.id])[framework.d1.id]] == ["Ready in a year"]
    service.set_interest(framework.d1, framework.senior, False)
    assert service.interests_of([framework.d1.id]) == {}


def test_candidates_are_the_interested_first_then_the_smallest_gap(db, framework, assess):
    assess(framework.d2, framework.sql, 4)
    assess(framework.d2, framework.negotiation, 3)  # no gap at all
    assess(framework.s1, framework.sql, 3)  # gap 1 + 3
    service.set_interest(framework.d1, framework.senior, True)  # gap 4 + 3, but interested
    candidates = service.candidates_for(framework.senior)
    assert [c.user for c in candidates[:3]] == [framework.d1, framework.d2, framework.s1]
    assert candidates[0].is_interested and candidates[1].total_gap == 0 and candidates[2].total_gap == 4


def test_competencies_are_got_by_name_case_insensitively(db):
    a = service.get_or_create_competency("Negotiation", "Commercial")
    b = service.get_or_create_competency("negotiation")
    assert a.id == b.id
    with pytest.raises(ValidationError) as exc:
        service.save_competency(None, "NEGOTIATION", "", "", {})
    assert exc.value.field == "name"
