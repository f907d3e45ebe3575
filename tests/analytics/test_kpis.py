"""HR KPIs: turnover arithmetic, periods, sub-departments, boomerangs, cohorts, absence, eNPS,
disclosure control (thresholds and differencing attacks), and the HR-only page with its exports."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from analytics import kpis, pulse
from analytics.models import Absence, AbsenceType, AttributeKind, PersonAttribute, PersonAttributeDefinition
from lms.people.models import EmploymentSpell, EndType

TODAY = date(2026, 12, 3)


@pytest.fixture
def hire(db, create_user):
    """hire(dept, hire_date, end_date=None, end_type=None, regretted=False, manager=None, user=None) -> spell,
    written directly (no onboarding), so a test of 30 people stays fast."""

    def factory(dept, hire_date, end_date=None, end_type=None, regretted=False, manager=None, user=None):
        user = user or create_user(with_spell=False)
        spell = EmploymentSpell(user_id=user.id, hire_date=hire_date, end_date=end_date,
                                end_type=end_type if end_date else None, is_regretted=regretted,
                                department_id=dept.id, manager_id=manager.id if manager else None, job_title="Analyst")
        db.session.add(spell)
        db.session.flush()
        return spell

    return factory


def staff(hire, dept, n, hired=date(2020, 1, 6), **kw):
    return [hire(dept, hired, **kw) for _ in range(n)]


def report(today=TODAY, **kw):
    kw.setdefault("granularity", "quarter")
    return kpis.kpi_report(kpis.Filters(**kw), today=today)


def period(rep, label):
    return next(p for p in rep.periods if p.period.label == label)


# --- arithmetic ---------------------------------------------------------------------------------


def test_turnover_of_twelve_people_with_two_voluntary_leavers_is_leavers_over_mean_month_end_headcount(
        db, create_department, hire):
    dept = create_department("Sales")
    staff(hire, dept, 10)
    staff(hire, dept, 2, end_date=date(2026, 3, 15), end_type=EndType.voluntary)
    q1 = period(report(start=date(2026, 1, 1), end=date(2026, 3, 31)), "2026-Q1")
    # month-ends: 31 Jan 12, 28 Feb 12, 31 Mar 10 -> average 34/3
    assert q1.figures["avg_headcount"].value == pytest.approx(34 / 3)
    assert q1.figures["headcount_end"].value == 10
    assert q1.figures["leavers"].value == 2 and q1.figures["voluntary_leavers"].value == 2
    assert q1.figures["involuntary_leavers"].value == 0
    assert q1.figures["turnover"].value == pytest.approx(6 / 34)
    assert q1.figures["turnover"].numerator == 2
    assert q1.figures["voluntary_turnover"].value == pytest.approx(6 / 34)
    assert q1.figures["involuntary_turnover"].value == 0
    march = period(report(start=date(2026, 3, 1), end=date(2026, 3, 31), granularity="month"), "2026-03")
    assert march.figures["avg_headcount"].value == 11  # (12 + 10) / 2
    assert march.figures["turnover"].value == pytest.approx(2 / 11)


def test_yearly_turnover_compounds_the_monthly_rates(db, create_department, hire):
    dept = create_department("Ops")
    staff(hire, dept, 18)
    staff(hire, dept, 1, end_date=date(2025, 2, 10), end_type=EndType.involuntary)
    staff(hire, dept, 1, end_date=date(2025, 7, 20), end_type=EndType.voluntary, regretted=True)
    y = period(report(start=date(2025, 1, 1), end=date(2025, 12, 31), granularity="year"), "2025")
    # February: (20 + 19) / 2; July: (19 + 18) / 2
    expected = 1 - (1 - 1 / 19.5) * (1 - 1 / 18.5)
    assert y.figures["turnover"].value == pytest.approx(expected)
    assert y.figures["turnover"].note == "compounded"
    assert y.figures["regretted_turnover"].value == pytest.approx(1 - (1 - 1 / 18.5))
    assert y.figures["regretted_share"].value == 1.0


def test_hires_and_leavers_fall_in_the_period_of_their_date_and_headcount_balances(db, create_department, hire):
    dept = create_department("Support")
    staff(hire, dept, 10)
    staff(hire, dept, 3, hired=date(2026, 2, 1))
    staff(hire, dept, 1, hired=date(2025, 1, 1), end_date=date(2026, 3, 31), end_type=EndType.voluntary)
    staff(hire, dept, 1, hired=date(2025, 1, 1), end_date=date(2026, 4, 1), end_type=EndType.involuntary)
    rep = report(start=date(2026, 1, 1), end=date(2026, 6, 30))
    q1, q2 = period(rep, "2026-Q1"), period(rep, "2026-Q2")
    assert q1.figures["hires"].value == 3 and q2.figures["hires"].value == 0
    # the last day worked is 31 March: a Q1 leaver, still in headcount on 31 March? no: gone at its close
    assert q1.figures["leavers"].value == 1 and q2.figures["leavers"].value == 1
    assert q1.figures["headcount_end"].value == 14
    assert q2.figures["headcount_end"].value == q1.figures["headcount_end"].value + 0 - 1


def test_a_department_includes_its_sub_departments(db, create_department, hire):
    parent = create_department("Tech")
    child = create_department("Tech Platform", parent)
    staff(hire, parent, 6)
    staff(hire, child, 6)
    staff(hire, child, 1, end_date=date(2026, 2, 10), end_type=EndType.voluntary)
    q1 = period(report(start=date(2026, 1, 1), end=date(2026, 3, 31), department_id=parent.id), "2026-Q1")
    assert q1.figures["headcount_end"].value == 12
    assert q1.figures["leavers"].value == 1


def test_boomerang_spells_count_as_a_leaver_and_a_new_hire(db, create_department, create_user, hire):
    dept = create_department("Finance")
    staff(hire, dept, 12)
    person = create_user(with_spell=False)
    hire(dept, date(2022, 1, 1), end_date=date(2025, 5, 31), end_type=EndType.voluntary, user=person)
    hire(dept, date(2026, 2, 1), user=person)
    rep = report(start=date(2025, 4, 1), end=date(2026, 3, 31))
    assert period(rep, "2025-Q2").figures["leavers"].value == 1
    assert period(rep, "2026-Q1").figures["hires"].value == 1
    assert period(rep, "2026-Q1").figures["headcount_end"].value == 13


def test_tenure_band_is_taken_on_each_month_end_and_at_leaving(db, create_department, hire):
    dept = create_department("Legal")
    staff(hire, dept, 12, hired=date(2025, 6, 1))  # <1 until 1 June 2026
    staff(hire, dept, 12, hired=date(2018, 1, 1))
    rep = report(start=date(2026, 1, 1), end=date(2026, 9, 30), tenure_band="<1")
    assert period(rep, "2026-Q1").figures["headcount_end"].value == 12
    assert not period(rep, "2026-Q3").is_countable  # they moved to 1-2


def test_average_tenure_of_leavers_in_years(db, create_department, hire):
    dept = create_department("Research")
    staff(hire, dept, 10)
    for _ in range(5):
        hire(dept, date(2024, 3, 1), end_date=date(2026, 3, 1), end_type=EndType.voluntary)
    q1 = period(report(start=date(2026, 1, 1), end=date(2026, 3, 31)), "2026-Q1")
    assert q1.figures["avg_tenure_leavers"].value == pytest.approx(730 / 365.25)
    assert q1.figures["avg_tenure_leavers"].n == 5


# --- first-year attrition -------------------------------------------------------------------------


def test_first_year_attrition_of_a_complete_cohort_counts_exits_within_twelve_months(db, create_department, hire):
    dept = create_department("Marketing")
    staff(hire, dept, 10)
    staff(hire, dept, 8, hired=date(2025, 1, 15))
    staff(hire, dept, 1, hired=date(2025, 2, 1), end_date=date(2025, 6, 30), end_type=EndType.voluntary)
    staff(hire, dept, 1, hired=date(2025, 3, 1), end_date=date(2026, 2, 28), end_type=EndType.involuntary)
    staff(hire, dept, 1, hired=date(2025, 1, 10), end_date=date(2026, 3, 1), end_type=EndType.voluntary)  # after 12 months
    rep = report(start=date(2025, 1, 1), end=date(2025, 3, 31))
    q1 = next(c for c in rep.cohorts if c.label == "2025-Q1")
    assert q1.status == "complete"
    assert q1.figure.denominator == 11 and q1.figure.numerator == 2
    assert q1.figure.value == pytest.approx(2 / 11)


def test_a_cohort_younger_than_twelve_months_is_a_kaplan_meier_estimate_or_incomplete(db, create_department, hire):
    dept = create_department("Data")
    staff(hire, dept, 12, hired=date(2025, 12, 1))
    staff(hire, dept, 1, hired=date(2025, 12, 1), end_date=date(2026, 6, 1), end_type=EndType.voluntary)
    staff(hire, dept, 12, hired=date(2026, 10, 1))
    rep = report(start=date(2025, 10, 1), end=date(2026, 12, 31))
    estimate = next(c for c in rep.cohorts if c.label == "2025-Q4")
    assert estimate.status == "estimate" and estimate.figure.note == "estimate"
    assert estimate.figure.value == pytest.approx(1 / 13)
    young = next(c for c in rep.cohorts if c.label == "2026-Q4")
    assert young.status == "young" and young.figure.hidden == "incomplete"


# --- absence ------------------------------------------------------------------------------------


def test_bradford_factor_is_spells_squared_times_days():
    assert kpis.bradford_factor(3, 4) == 36
    assert kpis.bradford_factor(1, 10) == 10


def test_absence_rate_and_group_bradford_factor(db, create_department, hire):
    dept = create_department("Warehouse")
    spells = staff(hire, dept, 10)
    # Mon 5 to Fri 9 Jan 2026 (5 days) and Mon 2 Feb (1 day) for one person: S=2, D=6, B=24
    db.session.add(Absence(user_id=spells[0].user_id, start_date=date(2026, 1, 5), end_date=date(2026, 1, 9),
                           absence_type=AbsenceType.sick))
    db.session.add(Absence(user_id=spells[0].user_id, start_date=date(2026, 2, 2), end_date=date(2026, 2, 2),
                           absence_type=AbsenceType.sick))
    db.session.add(Absence(user_id=spells[1].user_id, start_date=date(2026, 1, 5), end_date=date(2026, 1, 9),
                           absence_type=AbsenceType.vacation))
    db.session.flush()
    q1 = period(report(start=date(2026, 1, 1), end=date(2026, 3, 31)), "2026-Q1")
    working = 64  # Monday–Friday days in Q1 2026
    assert q1.figures["absence_rate"].numerator == 6
    assert q1.figures["absence_rate"].denominator == 10 * working
    assert q1.figures["absence_rate"].value == pytest.approx(6 / 640)
    assert q1.figures["bradford"].value == pytest.approx(24 / 10)


# --- learning and development shares ----------------------------------------------------------


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def test_development_course_and_mentoring_shares_of_the_people_at_period_end(db, create_department, create_user,
                                                                              hire):
    from lms.courses.models import Course, Enrolment, EnrolmentSource
    from plans.devplans.models import DevelopmentPlan, Goal
    from plans.mentoring.models import Mentorship, MentorshipStatus

    dept = create_department("Learning")
    people = staff(hire, dept, 10)
    course = Course(title="Excel", category="tools", duration_minutes=60)
    db.session.add(course)
    db.session.flush()
    # 3 with an open goal at the end of Q1, 1 whose goal was completed in February (not active)
    for s in people[:4]:
        plan = DevelopmentPlan(user_id=s.user_id)
        db.session.add(plan)
        db.session.flush()
        done = _at(date(2026, 2, 10)) if s is people[3] else None
        db.session.add(Goal(plan_id=plan.id, position=1, title="Grow", created_at=_at(date(2025, 12, 1)),
                            completed_at=done))
    # 2 enrolled in Q1, 1 enrolled in Q2
    for s, day in ((people[0], date(2026, 1, 20)), (people[1], date(2026, 3, 2)), (people[2], date(2026, 4, 2))):
        db.session.add(Enrolment(course_id=course.id, user_id=s.user_id, source=EnrolmentSource.self,
                                 enrolled_at=_at(day)))
    # one mentee, mentored by someone outside the group
    mentor = create_user(with_spell=False)
    db.session.add(Mentorship(mentor_id=mentor.id, mentee_id=people[5].user_id, status=MentorshipStatus.active,
                              started_on=date(2026, 2, 1)))
    db.session.flush()
    q1 = period(report(start=date(2026, 1, 1), end=date(2026, 3, 31)), "2026-Q1")
    assert (q1.figures["devplan_share"].numerator, q1.figures["devplan_share"].denominator) == (3, 10)
    assert q1.figures["course_participation"].value == pytest.approx(0.2)
    assert q1.figures["mentoring_coverage"].value == pytest.approx(0.1)


def test_onboarding_completion_by_day_90_of_the_period_hires(db, create_department, hire):
    from lms.onboarding.models import Area, Cohort, OnboardingPlan, Owner, Phase, PlanTask

    dept = create_department("Onboarding dept")
    staff(hire, dept, 10)
    cohort = Cohort(starts_on=date(2026, 1, 5))
    db.session.add(cohort)
    db.session.flush()
    starters = staff(hire, dept, 10, hired=date(2026, 1, 5))
    for i, s in enumerate(starters):
        plan = OnboardingPlan(user_id=s.user_id, spell_id=s.id, cohort_id=cohort.id, starts_on=date(2026, 1, 5))
        db.session.add(plan)
        db.session.flush()
        # a task due on day 30, done in time by 7 of 10; a day-120 task never counts
        done = _at(date(2026, 2, 1)) if i < 7 else (_at(date(2026, 5, 1)) if i == 7 else None)
        db.session.add(PlanTask(plan_id=plan.id, phase=Phase.day30, area=Area.professional, owner=Owner.new_hire,
                                title="Meet the team", due_on=date(2026, 2, 4), completed_at=done))
        db.session.add(PlanTask(plan_id=plan.id, phase=Phase.day90, area=Area.professional, owner=Owner.new_hire,
                                title="Later", due_on=date(2026, 5, 5)))
    db.session.flush()
    q1 = period(report(start=date(2026, 1, 1), end=date(2026, 3, 31)), "2026-Q1")
    fig = q1.figures["onboarding_day90"]
    assert (fig.numerator, fig.denominator) == (7, 10)


# --- thresholds and differencing ------------------------------------------------------------------


def test_rates_hidden_under_ten_people_and_counts_under_five(db, create_department, hire):
    small = create_department("Small")
    tiny = create_department("Tiny")
    staff(hire, small, 7)
    staff(hire, small, 1, end_date=date(2026, 2, 1), end_type=EndType.voluntary)
    staff(hire, tiny, 3)
    staff(hire, create_department("Tiny too"), 3)  # the two small ones together are 6: nothing derivable
    staff(hire, create_department("Big"), 30)
    rep = report(start=date(2026, 1, 1), end=date(2026, 3, 31), department_id=small.id)
    q1 = period(rep, "2026-Q1")
    assert q1.is_countable and not q1.is_rateable
    assert q1.figures["leavers"].value == 1
    assert q1.figures["turnover"].hidden == "small_rate" and q1.figures["turnover"].value is None
    rep = report(start=date(2026, 1, 1), end=date(2026, 3, 31), department_id=tiny.id)
    q1 = period(rep, "2026-Q1")
    assert not q1.is_countable
    assert all(f.value is None for f in q1.figures.values())


def test_subtraction_attack_parent_minus_sub_department_is_prevented(db, create_department, hire):
    """A has 14 people: 11 in its sub-department B and 3 directly. Showing A and B would reveal
    the 3 (and their leaver) by subtraction; B is hidden, so A − B cannot be computed."""
    a = create_department("A")
    b = create_department("A-B", a)
    staff(hire, b, 11)
    staff(hire, a, 2)
    staff(hire, a, 1, end_date=date(2026, 2, 1), end_type=EndType.voluntary)
    staff(hire, create_department("Other"), 40)
    q = dict(start=date(2026, 1, 1), end=date(2026, 3, 31))
    shown_a = period(report(department_id=a.id, **q), "2026-Q1")
    shown_b = period(report(department_id=b.id, **q), "2026-Q1")
    assert shown_a.is_countable or shown_b.is_countable
    assert not (shown_a.is_countable and shown_b.is_countable)
    # and the breakdown table never shows both A and B either
    rows = {r.name: r for r in report(**q).departments}
    assert not (rows["A"].is_countable and rows["A-B"].is_countable)
    assert rows["Whole organisation"].is_countable


def test_subtraction_attack_over_tenure_bands_is_prevented(db, create_department, hire):
    """12 people < 1 year, 12 with 1-2, 12 with 2-5 and 3 with 5+ years: the whole organisation
    minus the three shown bands would give the 5+ group of 3. One more band is hidden."""
    dept = create_department("Org")
    staff(hire, dept, 12, hired=date(2025, 10, 1))
    staff(hire, dept, 12, hired=date(2024, 10, 1))
    staff(hire, dept, 12, hired=date(2022, 10, 1))
    staff(hire, dept, 2, hired=date(2015, 1, 1))
    staff(hire, dept, 1, hired=date(2015, 1, 1), end_date=date(2026, 2, 2), end_type=EndType.involuntary)
    q = dict(start=date(2026, 1, 1), end=date(2026, 3, 31))
    shown = [band for band in kpis.TENURE_BANDS
             if period(report(tenure_band=band, **q), "2026-Q1").is_countable]
    assert period(report(**q), "2026-Q1").is_countable
    assert "5+" not in shown
    assert len(shown) <= 2  # with three bands shown, the organisation minus them is the 5+ group


def test_subtraction_attack_over_a_breakdown_row_hides_a_second_cell(db, create_department, hire):
    """Departments X (12) and Y (3) under the organisation: Y is hidden, so X is hidden too in the
    breakdown, or the total minus X would give Y."""
    x = create_department("X")
    y = create_department("Y")
    staff(hire, x, 12)
    staff(hire, y, 2)
    staff(hire, y, 1, end_date=date(2026, 2, 2), end_type=EndType.voluntary)
    rows = {r.name: r for r in report(start=date(2026, 1, 1), end=date(2026, 3, 31)).departments}
    assert not rows["Y"].is_countable and rows["Y"].leavers is None
    assert not rows["X"].is_countable and rows["X"].leavers is None
    assert rows["Whole organisation"].leavers == 1


# --- eNPS ---------------------------------------------------------------------------------------


def _enps_round(db, create_user, dept, n, value):
    survey = pulse.create_survey(pulse.SurveyData(
        title="Pulse", organisation="Nordlys", schedule=pulse.Schedule.once, starts_on=date.today(), open_days=14,
        department_ids=[], topics=[]))
    people = [create_user(department=dept, hire_date=date.today() - timedelta(days=400)) for _ in range(n)]
    rnd = pulse.open_round(survey, date.today(), notify_people=False)
    for person in people:
        q = rnd.survey.questions[0]
        pulse.submit_answers(person, rnd, {q.id: value}, {})
    pulse.close_round(rnd)
    return rnd


def test_enps_per_period_from_sealed_rounds_and_hidden_under_five(db, create_department, create_user):
    dept = create_department("Pulse dept")
    rnd = _enps_round(db, create_user, dept, 5, 10)
    today = date.today()
    rep = kpis.kpi_report(kpis.Filters(start=today, end=today, granularity="month"), today=today)
    assert rep.periods[-1].figures["enps"].value == 100
    assert rep.periods[-1].figures["enps"].n == 5
    rnd.closes_on = today  # keep it in this month
    db.session.flush()


def test_enps_hidden_with_four_respondents(db, create_department, create_user):
    dept = create_department("Pulse small")
    _enps_round(db, create_user, dept, 4, 10)
    today = date.today()
    rep = kpis.kpi_report(kpis.Filters(start=today, end=today, granularity="month"), today=today)
    fig = rep.periods[-1].figures["enps"]
    assert fig.value is None and fig.hidden == "small_survey"


def test_enps_not_available_with_a_manager_filter(db, create_department, create_user, hire):
    manager = create_user(with_spell=False)
    today = date.today()
    rep = kpis.kpi_report(kpis.Filters(start=today, end=today, granularity="month", manager_id=manager.id),
                          today=today)
    assert rep.enps_note and rep.periods[-1].figures["enps"].value is None


# --- location -----------------------------------------------------------------------------------


def test_location_filter_uses_the_imported_location_attribute(db, create_department, hire):
    dept = create_department("Multi-site")
    aarhus = staff(hire, dept, 12)
    staff(hire, dept, 12)
    definition = PersonAttributeDefinition(name="location", label="Location", kind=AttributeKind.categorical,
                                           is_protected=False)
    db.session.add(definition)
    db.session.flush()
    for s in aarhus:
        db.session.add(PersonAttribute(user_id=s.user_id, definition_id=definition.id, value="Aarhus"))
    db.session.flush()
    assert "Aarhus" in kpis.location_choices()
    q1 = period(report(start=date(2026, 1, 1), end=date(2026, 3, 31), location="Aarhus"), "2026-Q1")
    assert q1.figures["headcount_end"].value == 12


def test_no_location_filter_without_a_location_attribute(db):
    assert kpis.location_choices() == []


# --- the page -----------------------------------------------------------------------------------


@pytest.fixture
def hr(create_user, login):
    user = create_user("hr", with_spell=False)
    login(user)
    return user


def _recent():
    """A short range (this and the previous quarter) keeps the charts, and so the tests, quick."""
    return f"granularity=quarter&start={(date.today() - timedelta(days=100)).isoformat()}"


def _org(create_department, hire):
    """30 people over two years in Sales, 2 voluntary leavers last quarter."""
    dept = create_department("Sales")
    today = date.today()
    staff(hire, dept, 28, hired=today - timedelta(days=800))
    for _ in range(2):
        hire(dept, today - timedelta(days=800), end_date=today - timedelta(days=20), end_type=EndType.voluntary)
    return dept


def test_kpi_page_is_hr_only(client, create_user, login):
    login(create_user("employee", with_spell=False))
    assert client.get("/analytics/kpis").status_code == 403
    assert client.get("/analytics/kpis/periods.csv").status_code == 403
    assert client.get("/analytics/kpis.pdf").status_code == 403


def test_kpi_page_shows_cards_with_evidence_and_charts(client, hr, create_department, hire):
    _org(create_department, hire)
    response = client.get(f"/analytics/kpis?{_recent()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-kpi="turnover"' in html and "kpi-evidence" in html
    assert "2 / " in html  # the turnover card's evidence: 2 leavers over the average headcount
    assert html.count('<img class="chart"') >= 3
    assert "Sales" in html


def test_bad_filter_input_is_a_400_with_the_error_next_to_the_field(client, hr):
    response = client.get("/analytics/kpis?start=2026-13-45")
    assert response.status_code == 400
    assert "field-error" in response.get_data(as_text=True)
    response = client.get("/analytics/kpis?start=2026-06-01&end=2026-01-01")
    assert response.status_code == 400
    assert "before the start date" in response.get_data(as_text=True)
    assert client.get("/analytics/kpis?granularity=decade").status_code == 400
    assert client.get("/analytics/kpis?department_id=abc").status_code == 400
    assert client.get("/analytics/kpis/periods.csv?start=nonsense").status_code == 400


def test_csv_export_of_the_period_table(client, hr, create_department, hire):
    _org(create_department, hire)
    response = client.get(f"/analytics/kpis/periods.csv?{_recent()}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffperiod,") and "turnover" in text.splitlines()[0]
    last = text.strip().splitlines()[-1].split(",")
    header = text.splitlines()[0].lstrip("\ufeff").split(",")
    assert last[header.index("headcount_end")] == "28"


def test_csv_export_of_departments_and_cohorts(client, hr, create_department, hire):
    _org(create_department, hire)
    for table in ("departments", "cohorts"):
        response = client.get(f"/analytics/kpis/{table}.csv?{_recent()}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "Sales" in client.get(f"/analytics/kpis/departments.csv?{_recent()}").get_data(as_text=True)
    assert client.get("/analytics/kpis/people.csv").status_code == 404


def test_pdf_export_contains_the_figures(client, hr, create_department, hire):
    from io import BytesIO

    from pypdf import PdfReader

    _org(create_department, hire)
    response = client.get(f"/analytics/kpis.pdf?{_recent()}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    assert "HR KPIs" in text and "Headcount at period end" in text and "28" in text


def test_subtraction_attack_through_the_page_shows_nothing_for_the_small_remainder(client, hr, create_department,
                                                                                    hire):
    """Filtering A (14 people) and then its sub-department B (11) must not give both numbers."""
    a = create_department("Attack A")
    b = create_department("Attack B", a)
    today = date.today()
    staff(hire, b, 11, hired=today - timedelta(days=800))
    staff(hire, a, 3, hired=today - timedelta(days=800))
    staff(hire, create_department("Elsewhere"), 40, hired=today - timedelta(days=800))
    shown = []
    for dept in (a, b):
        text = client.get(f"/analytics/kpis/periods.csv?{_recent()}&department_id={dept.id}").get_data(
            as_text=True)
        header = text.splitlines()[0].lstrip("\ufeff").split(",")
        shown.append(text.strip().splitlines()[-1].split(",")[header.index("headcount_end")] not in ("", "–"))
    assert shown.count(True) <= 1


def test_home_links_to_the_kpis(client, hr):
    assert "/analytics/kpis" in client.get("/analytics/").get_data(as_text=True)


# --- the kept spells frame ---------------------------------------------------------------------


def test_a_report_sees_every_change_to_spells_and_locations_at_once(db, create_department, hire):
    """The spells frame is kept between reports, but an insert, an update or a delete of a spell,
    or a changed location, is in the very next report."""
    dept = create_department("Kept")
    spells = staff(hire, dept, 20)
    q1 = dict(start=date(2026, 1, 1), end=date(2026, 3, 31))

    def headcount(**kw):
        return period(report(**q1, **kw), "2026-Q1").figures["headcount_end"].value

    assert headcount() == 20
    hire(dept, date(2020, 1, 6))
    assert headcount() == 21
    spells[0].end_date, spells[0].end_type = date(2026, 2, 1), EndType.voluntary
    db.session.flush()
    assert headcount() == 20
    db.session.delete(spells[1])
    db.session.flush()
    assert headcount() == 19
    definition = PersonAttributeDefinition(name="location", label="Location", kind=AttributeKind.categorical,
                                           is_protected=False)
    db.session.add(definition)
    db.session.flush()
    rows = [PersonAttribute(user_id=s.user_id, definition_id=definition.id, value="Aarhus") for s in spells[2:14]]
    db.session.add_all(rows)
    db.session.flush()
    assert headcount(location="Aarhus") == 12
    rows[0].value = "Odense"
    db.session.flush()
    assert headcount(location="Aarhus") == 11
