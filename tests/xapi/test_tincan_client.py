"""The `tincan` package's RemoteLRS, a standard xAPI client, against the app over real HTTP."""

from __future__ import annotations

import json
import uuid

import pytest
from tincan import (
    Activity,
    ActivityDefinition,
    ActivityProfileDocument,
    Agent,
    AgentProfileDocument,
    LanguageMap,
    RemoteLRS,
    StateDocument,
    Statement,
    StatementRef,
    Verb,
)

from tests.xapi.conftest import live_lrs


@pytest.fixture(scope="module")
def remote_lrs(tmp_path_factory):
    with live_lrs(tmp_path_factory, "tincan") as (_app, base, key, secret):
        yield RemoteLRS(endpoint=f"{base}/xapi/", username=key, password=secret)


LEARNER = Agent(name="Freja Lindqvist", mbox="mailto:freja@example.com")
COURSE = Activity(id="http://fasthold.example/courses/infosec",
                  definition=ActivityDefinition(name=LanguageMap({"en-US": "Information security"})))


def etag_of(response) -> str:
    """tincan 1.0.0 looks for the ETag in a list of header tuples and never finds it
    (remote_lrs.py: `"etag" in getheaders()`); read it from the HTTP response instead."""
    etag = response.response.getheader("ETag")
    assert etag and etag.startswith('"') and etag.endswith('"')
    return etag


def make_statement(verb="completed", activity=COURSE):
    return Statement(actor=LEARNER, verb=Verb(id=f"http://adlnet.gov/expapi/verbs/{verb}",
                                              display=LanguageMap({"en-US": verb})), object=activity)


def test_about(remote_lrs):
    response = remote_lrs.about()
    assert response.success
    assert "1.0.3" in response.content.version


def test_save_and_retrieve_statement(remote_lrs):
    response = remote_lrs.save_statement(make_statement())
    assert response.success, response.data
    saved = response.content
    got = remote_lrs.retrieve_statement(saved.id)
    assert got.success, got.data
    assert str(got.content.id) == str(saved.id)
    assert got.content.actor.mbox == "mailto:freja@example.com"
    assert got.content.verb.id == "http://adlnet.gov/expapi/verbs/completed"


def test_save_many_then_query_with_more_paging(remote_lrs):
    activity = Activity(id=f"http://fasthold.example/modules/{uuid.uuid4()}")
    response = remote_lrs.save_statements([make_statement("experienced", activity) for _ in range(5)])
    assert response.success, response.data
    saved_ids = {str(s.id) for s in response.content}
    query = {"activity": activity, "limit": 2}
    result = remote_lrs.query_statements(query)
    assert result.success, result.data
    seen = [str(s.id) for s in result.content.statements]
    more = result.content.more
    while more:
        page = remote_lrs.more_statements(more)
        assert page.success, page.data
        seen += [str(s.id) for s in page.content.statements]
        more = page.content.more
    assert len(seen) == 5 and set(seen) == saved_ids


def test_void_statement(remote_lrs):
    saved = remote_lrs.save_statement(make_statement("attempted")).content
    voiding = Statement(actor=LEARNER, verb=Verb(id="http://adlnet.gov/expapi/verbs/voided",
                                                 display=LanguageMap({"en-US": "voided"})),
                        object=StatementRef(id=saved.id))
    assert remote_lrs.save_statement(voiding).success
    assert not remote_lrs.retrieve_statement(saved.id).success
    voided = remote_lrs.retrieve_voided_statement(saved.id)
    assert voided.success and str(voided.content.id) == str(saved.id)


def test_state_documents_with_etags(remote_lrs):
    doc = StateDocument(activity=COURSE, agent=LEARNER, id="bookmark", content="slide-12",
                        content_type="text/plain")
    assert remote_lrs.save_state(doc).success
    got = remote_lrs.retrieve_state(COURSE, LEARNER, "bookmark")
    assert got.success and got.content.content == bytearray(b"slide-12")
    got.content.etag = etag_of(got)
    ids = remote_lrs.retrieve_state_ids(COURSE, LEARNER)
    assert ids.success and "bookmark" in ids.content
    assert remote_lrs.delete_state(got.content).success
    assert remote_lrs.retrieve_state(COURSE, LEARNER, "bookmark").response.status == 404


def test_activity_profile_with_etag(remote_lrs):
    doc = ActivityProfileDocument(activity=COURSE, id="config", content='{"theme": "dark"}',
                                  content_type="application/json")
    assert remote_lrs.save_activity_profile(doc).success
    response = remote_lrs.retrieve_activity_profile(COURSE, "config")
    got = response.content
    got.etag = etag_of(response)
    got.content = '{"theme": "light"}'
    assert remote_lrs.save_activity_profile(got).success  # sends If-Match with the ETag
    unconditional = ActivityProfileDocument(activity=COURSE, id="config", content="{}", content_type="application/json")
    assert remote_lrs.save_activity_profile(unconditional).response.status == 409
    again_response = remote_lrs.retrieve_activity_profile(COURSE, "config")
    again = again_response.content
    again.etag = etag_of(again_response)
    assert json.loads(bytes(again.content)) == {"theme": "light"}
    stale = ActivityProfileDocument(activity=COURSE, id="config", content="{}", content_type="application/json",
                                    etag=got.etag)
    assert remote_lrs.save_activity_profile(stale).response.status == 412  # the ETag is outdated
    assert remote_lrs.delete_activity_profile(again).success


def test_agent_profile_with_etag(remote_lrs):
    doc = AgentProfileDocument(agent=LEARNER, id="preferences", content='{"lang": "sv"}',
                               content_type="application/json")
    assert remote_lrs.save_agent_profile(doc).success
    got = remote_lrs.retrieve_agent_profile(LEARNER, "preferences")
    assert got.success
    got.content.etag = etag_of(got)
    ids = remote_lrs.retrieve_agent_profile_ids(LEARNER)
    assert ids.success and "preferences" in ids.content
    assert remote_lrs.delete_agent_profile(got.content).success
