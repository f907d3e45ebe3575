"""Current levels (the manager's judgement wins, the latest one counts) and gaps to a role."""

from __future__ import annotations

from datetime import timedelta

from lms.people.models import utcnow
from plans.competencies import service
from plans.competencies.models import AssessmentSource, Competency, CompetencyAssessment, JobRole, RoleRequirement


def _assess(db, user, competency, level, source, minutes_ago=0):
    db.session.add(CompetencyAssessment(user=user, competency=competency, level=level, source=source,
                                        assessed_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.flush()


def test_manager_judgement_wins_and_the_latest_counts(db, create_user):
    person = create_user()
    negotiation, sql = Competency(name="Negotiation"), Competency(name="SQL")
    db.session.add_all([negotiation, sql])
    _assess(db, person, negotiation, 4, AssessmentSource.self)
    _assess(db, person, negotiation, 2, AssessmentSource.manager, minutes_ago=60)
    _assess(db, person, sql, 1, AssessmentSource.self, minutes_ago=30)
    _assess(db, person, sql, 3, AssessmentSource.self)
    assert service.current_levels([person.id]) == {person.id: {negotiation.id: 2, sql.id: 3}}


def test_gaps_to_the_role_today_and_in_the_future(db, create_user):
    person = create_user()  # job title "Analyst"
    negotiation, sql, python = Competency(name="Negotiation"), Competency(name="SQL"), Competency(name="Python")
    role = JobRole(title="Analyst", seniority=2)
    role.requirements = [
        RoleRequirement(competency=negotiation, level=3),
        RoleRequirement(competency=sql, level=2, future_level=4),
        RoleRequirement(competency=python, level=2),
    ]
    db.session.add(role)
    _assess(db, person, negotiation, 1, AssessmentSource.manager)
    _assess(db, person, sql, 2, AssessmentSource.self)
    assert service.role_of(person) is role
    # Python was never assessed: the whole required level is the gap; SQL meets today's level.
    assert service.gaps({person.id: role.id}) == {person.id: {negotiation.id: 2, python.id: 2}}
    assert service.gaps({person.id: role.id}, future=True) == {person.id: {negotiation.id: 2, sql.id: 2, python.id: 2}}
    assert service.gaps({person.id: None}) == {person.id: {}}
