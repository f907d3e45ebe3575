"""Mentoring services with the database: runs honour every constraint, HR's review and the mentor's
answer, re-matching after a decline, sessions recording statements, feedback and the no-repeat rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.notifications.models import Notification
from lms.people.service import ValidationError
from plans.competencies.models import CompetencyAssessment, AssessmentSource, JobRole, RoleRequirement
from plans.mentoring import service
from plans.mentoring.models import MatchStatus, MentorshipStatus, RequestStatus


def _proposals(run):
    return {(m.request.mentee_id, m.mentor_id) for m in run.matches}


def _accepted(match, mentor):
    service.approve(match, mentor)  # any HR-like actor; approval itself is tested below
    return service.accept(match, mentor)


def test_a_run_proposes_the_best_mentor_within_capacity_and_explains_it(db, create_user, create_department,
                                                                       make_mentor, ask):
    sales, platform = create_department("Sales"), create_department("Platform")
    hr = create_user("hr")
    mentee = create_user(department=platform, language="da")
    good = make_mentor({"Negotiation": 5, "Stakeholder management": 4}, languages=["da", "en"], department=sales,
                       first_name="Good")
    make_mentor({"Python": 5}, department=sales)  # covers nothing wanted
    ask(mentee, ["Negotiation", "Stakeholder management"], language="da")
    run = service.run_matching(hr)
    assert _proposals(run) == {(mentee.id, good.id)}
    assert run.total_fit >= run.greedy_fit > 0
    text = service.explanations(run.matches)[run.matches[0].id]
    assert text.startswith("matched on Negotiation and Stakeholder management")
    assert "different department" in text and "both speak Danish" in text


def test_runs_never_propose_the_manager_oneself_a_bad_past_pairing_or_a_full_mentor(db, create_user, make_mentor,
                                                                                   ask):
    hr = create_user("hr")
    manager = make_mentor({"Negotiation": 5}, capacity=5)
    mentee = create_user(manager=manager)
    ask(mentee)
    # a mentor asking for a mentor in what they offer themselves
    self_mentor = make_mentor({"Negotiation": 5}, capacity=5)
    ask(self_mentor)
    run = service.run_matching(hr)
    assert (mentee.id, manager.id) not in _proposals(run)
    assert (self_mentor.id, self_mentor.id) not in _proposals(run)
    # With only those two mentors: each gets the other.
    assert _proposals(run) == {(mentee.id, self_mentor.id), (self_mentor.id, manager.id)}


def test_capacity_counts_active_mentorships_and_pending_proposals(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    mentor = make_mentor(capacity=2)
    first, second, third = (create_user() for _ in range(3))
    ask(first)
    run = service.run_matching(hr)
    _accepted(run.matches[0], mentor)  # one active mentorship
    ask(second)
    ask(third)
    run2 = service.run_matching(hr)
    assert len(run2.matches) == 1  # one place left
    run3 = service.run_matching(hr)
    assert run3.matches == []  # the pending proposal holds the last place


def test_required_language_is_a_hard_constraint(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    make_mentor(languages=["en"])
    mentee = create_user()
    ask(mentee, language="sv", required=True)
    assert service.run_matching(hr).matches == []
    swede = make_mentor(languages=["sv"])
    assert _proposals(service.run_matching(hr)) == {(mentee.id, swede.id)}


def test_gap_to_the_role_weights_the_skills(db, create_user, make_mentor, ask, competency):
    hr = create_user("hr")
    role = JobRole(title="Analyst", seniority=2)  # create_user's job title
    role.requirements = [RoleRequirement(competency_id=competency("SQL").id, level=4)]
    db.session.add(role)
    mentee = create_user()
    db.session.add(CompetencyAssessment(user_id=mentee.id, competency_id=competency("SQL").id,
                                        source=AssessmentSource.self, level=1))
    sql = make_mentor({"SQL": 4}, capacity=1)
    make_mentor({"Python": 4}, capacity=1)
    ask(mentee, ["SQL", "Python"])  # gap 3 in SQL, Python unknown (1)
    assert _proposals(service.run_matching(hr)) == {(mentee.id, sql.id)}


def test_approve_notifies_the_mentor_who_accepts_and_the_mentorship_starts(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    mentor = make_mentor()
    mentee = create_user()
    req = ask(mentee, goal="Negotiate my first contract")
    match = service.run_matching(hr).matches[0]
    service.approve(match, hr)
    assert match.status == MatchStatus.approved
    assert db.session.execute(select(Notification).where(Notification.recipient_id == mentor.id,
                                                         Notification.kind == "mentoring.proposal")).scalar()
    assert service.inbox(mentor) == [match]
    with pytest.raises(ValidationError):
        service.accept(match, mentee)  # only the mentor answers
    mentorship = service.accept(match, mentor)
    assert mentorship.mentor == mentor and mentorship.mentee == mentee and mentorship.goals == req.goal
    assert req.status == RequestStatus.matched and service.inbox(mentor) == []
    with pytest.raises(ValidationError):
        service.approve(match, hr)  # decided already


def test_a_declined_mentee_is_rematched_and_never_again_with_that_mentor(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    first = make_mentor({"Negotiation": 5}, languages=["da"], first_name="First")
    mentee = create_user(language="da")
    ask(mentee)
    match = service.run_matching(hr).matches[0]
    assert match.mentor == first
    service.approve(match, hr)
    service.decline(match, first, "Too busy this quarter")
    assert service.run_matching(hr).matches == []  # the only mentor declined: nobody else
    second = make_mentor({"Negotiation": 2}, first_name="Second")  # a worse fit than the first
    run = service.run_matching(hr)
    assert _proposals(run) == {(mentee.id, second.id)}


def test_a_decline_tells_the_mentee_the_search_goes_on_without_naming_the_mentor(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    mentor = make_mentor(first_name="Busy")
    mentee = create_user()
    ask(mentee)
    match = service.run_matching(hr).matches[0]
    service.approve(match, hr)
    service.decline(match, mentor, "Too busy")
    told = db.session.execute(select(Notification).where(Notification.recipient_id == mentee.id,
                                                         Notification.kind == "mentoring.declined")).scalars().all()
    assert len(told) == 1 and told[0].actor_id is None and "Busy" not in str(told[0].params)


def test_a_mentor_whose_capacity_was_lowered_cannot_accept_beyond_it(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    mentor = make_mentor(capacity=2)
    first, second = create_user(), create_user()
    ask(first), ask(second)
    run = service.run_matching(hr)
    assert len(run.matches) == 2
    for match in run.matches:
        service.approve(match, hr)
    service.accept(run.matches[0], mentor)
    profile = service.profile_of(mentor)
    profile.capacity = 1  # lowered after the run
    db.session.flush()
    with pytest.raises(ValidationError):
        service.accept(run.matches[1], mentor)
    assert run.matches[1].status == MatchStatus.approved  # still open: the mentor can decline it


def test_an_hr_rejection_sends_the_request_back_without_that_mentor(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    one, two = make_mentor({"Negotiation": 5}), make_mentor({"Negotiation": 3})
    mentee = create_user()
    ask(mentee)
    match = service.run_matching(hr).matches[0]
    assert match.mentor == one
    service.reject(match, hr)
    assert _proposals(service.run_matching(hr)) == {(mentee.id, two.id)}


def test_logging_a_session_records_mentored_and_attended(db, app, create_user, make_mentor, ask):
    from xapi.models import Statement
    from xapi.vocabulary import ActivityType, Verb

    hr = create_user("hr")
    mentor = make_mentor()
    mentee = create_user()
    ask(mentee)
    mentorship = _accepted(service.run_matching(hr).matches[0], mentor)
    session = service.log_session(mentorship, mentee, date.today(), 45, "Role play")
    iri = f"{app.config['BASE_URL'].rstrip('/')}/mentoring/sessions/{session.id}"
    rows = [s for s in db.session.execute(select(Statement)).scalars() if s.data["object"]["id"] == iri]
    by_verb = {s.verb_id: s for s in rows}
    assert len(rows) == 2 and set(by_verb) == {Verb.MENTORED[0], Verb.ATTENDED[0]}
    assert by_verb[Verb.MENTORED[0]].data["actor"]["mbox"] == f"mailto:{mentor.email}"
    assert by_verb[Verb.ATTENDED[0]].data["actor"]["mbox"] == f"mailto:{mentee.email}"
    assert all(s.data["object"]["definition"]["type"] == ActivityType.TUTOR_SESSION for s in rows)
    with pytest.raises(ValidationError):
        service.log_session(mentorship, mentor, date.today() + timedelta(days=1), 45)  # not yet happened
    with pytest.raises(ValidationError):
        service.log_session(mentorship, mentor, mentorship.started_on - timedelta(days=1), 45)  # before the start


def test_a_mentorship_ended_badly_is_never_proposed_again(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    mentor = make_mentor(capacity=3)
    mentee = create_user()
    ask(mentee)
    mentorship = _accepted(service.run_matching(hr).matches[0], mentor)
    service.end_mentorship(mentorship, mentor, 4, "Fine")
    assert mentorship.status == MentorshipStatus.ended and not mentorship.ended_badly
    service.end_mentorship(mentorship, mentee, 2, "We never clicked")  # the mentee's own rating after the end
    assert mentorship.ended_badly
    with pytest.raises(ValidationError):
        service.end_mentorship(mentorship, mentee, 5)  # once per side
    ask(mentee)
    assert service.run_matching(hr).matches == []
    other = make_mentor()
    assert {m.mentor_id for m in service.run_matching(hr).matches} == {other.id}


def test_one_open_request_at_a_time_and_withdrawing_lapses_pending_proposals(db, create_user, make_mentor, ask):
    hr = create_user("hr")
    make_mentor()
    mentee = create_user()
    req = ask(mentee)
    with pytest.raises(ValidationError):
        ask(mentee)
    match = service.run_matching(hr).matches[0]
    service.withdraw_request(req)
    assert req.status == RequestStatus.withdrawn and match.status == MatchStatus.rejected
    assert service.pool_requests() == []


def test_profile_rules(db, create_user, competency):
    user = create_user()
    data = service.ProfileData(capacity=6, languages=["en"], mode=service.WorkMode.either,
                               skills={competency("SQL").id: 3})
    with pytest.raises(ValidationError):
        service.save_profile(user, data)
    data.capacity = 2
    data.skills = {}
    with pytest.raises(ValidationError):
        service.save_profile(user, data)  # publishing without skills
    data.is_published = False
    profile = service.save_profile(user, data)
    assert not profile.is_published and service.published_profiles() == []
    data.skills, data.is_published = {competency("SQL").id: 3}, True
    service.save_profile(user, data)
    assert user.is_mentor and service.published_profiles() == [profile]
    service.set_published(profile, False)
    assert service.published_profiles() == []
