"""State, Activity Profile and Agent Profile resources over HTTP."""

from __future__ import annotations

import hashlib
import json
import time
from urllib.parse import quote, urlencode

import pytest

from tests.xapi.conftest import LRSClient, new_id

AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:liv.berg@example.com"})
ACTIVITY = "http://example.com/courses/gdpr"


def url(path, **params):
    return f"/xapi/{path}?{urlencode(params)}"


def test_state_put_get_etag_and_delete(lrs):
    doc = url("activities/state", activityId=ACTIVITY, agent=AGENT, stateId="bookmark")
    assert lrs.put(doc, data=b"page-7", headers={"Content-Type": "text/plain"}).status_code == 204
    response = lrs.get(doc)
    assert response.status_code == 200
    assert response.data == b"page-7"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["ETag"] == '"%s"' % hashlib.sha1(b"page-7").hexdigest()
    assert "Last-Modified" in response.headers
    assert lrs.delete(doc).status_code == 204
    assert lrs.get(doc).status_code == 404


def test_state_is_separate_per_registration_and_lists_ids_since(lrs):
    reg = new_id()
    base = dict(activityId=ACTIVITY, agent=AGENT)
    lrs.put(url("activities/state", **base, stateId="a"), {"x": 1})
    lrs.put(url("activities/state", **base, stateId="b", registration=reg), {"x": 2})
    assert lrs.get(url("activities/state", **base)).get_json() == ["a"]
    assert lrs.get(url("activities/state", **base, registration=reg)).get_json() == ["b"]
    stamp = lrs.get(url("activities/state", **base, stateId="a")).headers["Last-Modified"]
    assert stamp
    time.sleep(0.01)
    from datetime import datetime, timezone

    since = datetime.now(timezone.utc).isoformat()
    time.sleep(0.01)
    lrs.put(url("activities/state", **base, stateId="c"), {"x": 3})
    assert lrs.get(url("activities/state", **base, since=since)).get_json() == ["c"]


def test_state_delete_without_id_clears_all(lrs):
    base = dict(activityId=ACTIVITY, agent=AGENT)
    for name in ("a", "b"):
        lrs.put(url("activities/state", **base, stateId=name), {"n": name})
    assert lrs.delete(url("activities/state", **base)).status_code == 204
    assert lrs.get(url("activities/state", **base)).get_json() == []


def test_post_merges_json_objects(lrs):
    doc = url("activities/state", activityId=ACTIVITY, agent=AGENT, stateId="progress")
    lrs.post(doc, {"a": 1, "b": 1})
    assert lrs.post(doc, {"b": 2, "c": 3}).status_code == 204
    assert lrs.get(doc).get_json() == {"a": 1, "b": 2, "c": 3}


def test_post_cannot_merge_non_json(lrs):
    doc = url("activities/state", activityId=ACTIVITY, agent=AGENT, stateId="blob")
    lrs.put(doc, data=b"binary", headers={"Content-Type": "application/octet-stream"})
    response = lrs.post(doc, {"a": 1})
    assert response.status_code == 400


def test_json_content_type_with_invalid_json_is_400(lrs):
    doc = url("activities/state", activityId=ACTIVITY, agent=AGENT, stateId="bad")
    assert lrs.put(doc, data=b"{nope", headers={"Content-Type": "application/json"}).status_code == 400


@pytest.mark.parametrize(("path", "params"), [
    ("activities/profile", {"activityId": ACTIVITY}),
    ("agents/profile", {"agent": AGENT}),
])
def test_profiles_need_a_condition_to_overwrite_and_honour_etags(lrs, path, params):
    doc = url(path, **params, profileId="settings")
    assert lrs.put(doc, {"v": 1}).status_code == 204  # creating needs no condition
    assert lrs.put(doc, {"v": 2}).status_code == 409  # overwriting does
    etag = lrs.get(doc).headers["ETag"]
    assert lrs.put(doc, {"v": 2}, headers={"If-Match": '"0000"'}).status_code == 412
    assert lrs.put(doc, {"v": 2}, headers={"If-None-Match": "*"}).status_code == 412
    assert lrs.put(doc, {"v": 2}, headers={"If-Match": etag}).status_code == 204
    assert lrs.get(doc).get_json() == {"v": 2}
    assert lrs.get(url(path, **params)).get_json() == ["settings"]
    assert lrs.delete(doc, headers={"If-Match": etag}).status_code == 412
    assert lrs.delete(doc).status_code == 204


def test_if_none_match_star_creates_only_when_absent(lrs):
    doc = url("activities/profile", activityId=ACTIVITY, profileId="fresh")
    assert lrs.put(doc, {"v": 1}, headers={"If-None-Match": "*"}).status_code == 204
    assert lrs.put(doc, {"v": 2}, headers={"If-None-Match": "*"}).status_code == 412


@pytest.mark.parametrize("query", [
    {"agent": AGENT, "stateId": "x"},
    {"activityId": "not an iri", "agent": AGENT, "stateId": "x"},
    {"activityId": ACTIVITY, "agent": "{}", "stateId": "x"},
    {"activityId": ACTIVITY, "agent": AGENT, "stateId": "x", "registration": "nope"},
    {"activityId": ACTIVITY, "agent": AGENT, "stateId": "x", "bogus": "1"},
])
def test_bad_document_parameters_are_400(lrs, query):
    response = lrs.get(url("activities/state", **query))
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_document_scopes(client, make_credential):
    _c, auth = make_credential("statements/write")
    tool = LRSClient(client, auth)
    doc = url("activities/state", activityId=ACTIVITY, agent=AGENT, stateId="x")
    assert tool.put(doc, {"a": 1}).status_code == 403
    _c, auth = make_credential("state")
    assert LRSClient(client, auth).put(doc, {"a": 1}).status_code == 204
    _c, auth = make_credential("all/read")
    reader = LRSClient(client, auth)
    assert reader.get(doc).status_code == 200
    assert reader.put(doc, {"a": 2}).status_code == 403


def test_activities_resource_returns_the_definition(lrs):
    from tests.xapi.conftest import statement

    lrs.post("/xapi/statements", statement())
    response = lrs.get("/xapi/activities?activityId=" + quote(ACTIVITY))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == ACTIVITY and body["definition"]["name"]["en-US"] == "GDPR basics"
    unknown = lrs.get("/xapi/activities?activityId=" + quote("http://example.com/unknown")).get_json()
    assert unknown == {"objectType": "Activity", "id": "http://example.com/unknown"}


def test_agents_resource_returns_a_person(lrs):
    response = lrs.get("/xapi/agents?agent=" + quote(AGENT))
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Person", "mbox": ["mailto:liv.berg@example.com"]}
    assert lrs.get("/xapi/agents").status_code == 400
