"""A port of ADL's LRS conformance test suite (adlnet/lrs-conformance-test-suite, test/v1_0_3/).

Each test names the behaviour it checks; its comment cites the suite's requirement id (XAPI-nnnnn) and/or
the suite's test title and source file. Requests mirror the suite's: its helper sends
`X-Experience-API-Version: 1.0.2` (any 1.0.x is valid), JSON documents via superagent (so `.send(object)`
is application/json and `.send(string)` is application/x-www-form-urlencoded), and builds query strings
with JSON-encoded objects. Statement-structure validation is covered by test_validation.py and is not
repeated here.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.xapi.conftest import new_id

SUITE_VERSION = "1.0.2"  # test/helper.js XAPI_VERSION
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"

# --- templates (test/v1_0_3/templates/...) -----------------------------------------------------------

DEFAULT_STATEMENT = {  # statements/default.json
    "actor": {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-GB": "attended", "en-US": "attended"}},
    "object": {"objectType": "Activity", "id": "http://www.example.com/meetings/occurances/34534"},
}
DEFAULT_ACTIVITY = {  # activities/default.json
    "objectType": "Activity",
    "id": "http://www.example.com/meetings/occurances/34534",
    "definition": {
        "type": "http://adlnet.gov/expapi/activities/meeting",
        "name": {"en-GB": "example meeting", "en-US": "example meeting"},
        "description": {"en-GB": "An example meeting that happened on a specific occasion with certain people present.",
                        "en-US": "An example meeting that happened on a specific occasion with certain people present."},
        "moreInfo": "http://virtualmeeting.example.com/345256",
        "extensions": {
            "http://example.com/profiles/meetings/extension/location": "X:\\meetings\\minutes\\examplemeeting.one",
            "http://example.com/profiles/meetings/extension/reporter": {"name": "Thomas", "id": "http://openid.com/342"},
        },
    },
}
CATEGORY_CONTEXT = {  # contexts/category.json (+ the instructor the suite adds)
    "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    "platform": "Example virtual meeting software",
    "language": "tlh",
    "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    "instructor": {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:pri@adlnet.gov"},
    "contextActivities": {"category": {
        "objectType": "Activity",
        "id": "http://www.example.com/test/array/statements/pri",
        "definition": {
            "name": {"en-GB": "example meeting", "en-US": "example meeting"},
            "description": {"en-GB": "An example meeting.", "en-US": "An example meeting."},
        },
    }},
}
STATE_AGENT = {"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick James"}}
ACTIVITY_ID = "http://www.example.com/activityId/hashset"


def stmt(**overrides) -> dict:
    s = copy.deepcopy(DEFAULT_STATEMENT)
    s.update(copy.deepcopy(overrides))
    return s


def context_stmt(**overrides) -> dict:
    """statements.context + contexts.category + instructor, as the suite's GET tests persist."""
    return stmt(context=copy.deepcopy(CATEGORY_CONTEXT), **overrides)


def voiding(target_id: str, **overrides) -> dict:
    """statements.object_statementref + verbs.voided"""
    return stmt(verb={"id": VOIDED, "display": {"en-US": "voided"}},
                object={"objectType": "StatementRef", "id": target_id}, **overrides)


def build_document() -> dict:  # helper.buildDocument
    return {"name": new_id(), "location": {"name": new_id()}, new_id(): new_id()}


def build_state() -> dict:  # helper.buildState
    return {"activityId": ACTIVITY_ID, "agent": STATE_AGENT, "stateId": new_id()}


def build_activity_profile() -> dict:  # helper.buildActivityProfile
    return {"activityId": ACTIVITY_ID, "profileId": new_id()}


def build_agent_profile() -> dict:  # helper.buildAgentProfile
    return {"agent": STATE_AGENT, "profileId": new_id()}


def qs(params: dict | None) -> str:
    """helper.getUrlEncoding: objects are JSON, booleans lower-case; everything percent-encoded."""
    if not params:
        return ""
    out = {}
    for k, v in params.items():
        if isinstance(v, (dict, list)):
            v = json.dumps(v)
        elif isinstance(v, bool):
            v = "true" if v else "false"
        out[k] = "undefined" if v is None else str(v)
    return "?" + urlencode(out)


STATE, ACT_PROFILE, AGENT_PROFILE = "/xapi/activities/state", "/xapi/activities/profile", "/xapi/agents/profile"
STATEMENTS = "/xapi/statements"


def send(lrs, method: str, path: str, params: dict | None = None, body=None, headers: dict | None = None):
    """helper.sendRequest: objects go as JSON, strings as a form-encoded body (superagent's default)."""
    h = {"X-Experience-API-Version": SUITE_VERSION, "Authorization": lrs.auth}
    data = None
    if isinstance(body, (dict, list)):
        data, h["Content-Type"] = json.dumps(body), "application/json"
    elif isinstance(body, str) and body:
        data, h["Content-Type"] = body, "application/x-www-form-urlencoded"
    elif isinstance(body, bytes):
        data = body
    h.update(headers or {})
    return lrs.client.open(path + qs(params), method=method.upper(), data=data, headers=h)


def post_statements(lrs, payload, expect=200):
    response = send(lrs, "post", STATEMENTS, None, payload)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def get_statement(lrs, sid, **params):
    return send(lrs, "get", STATEMENTS, {"statementId": sid, **params})


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- multipart (test/v1_0_3/templates/attachments/*.part) -----------------------------------------

BOUNDARY = "-------314159265358979323846"
TEXT = b"here is a simple attachment"


def text_attachment(content: bytes = TEXT, **extra) -> dict:
    a = {"usageType": "http://example.com/attachment-usage/test", "display": {"en-US": "A test attachment"},
         "description": {"en-US": "A test attachment (description)"}, "contentType": "text/plain; charset=ascii",
         "length": len(content), "sha2": hashlib.sha256(content).hexdigest()}
    a.update(extra)
    return a


def multipart_body(first: bytes, parts: list[tuple[dict, bytes]], first_type="application/json",
                   boundary=BOUNDARY) -> bytes:
    chunks = [f"--{boundary}\r\nContent-Type: {first_type}\r\n\r\n".encode(), first, b"\r\n"]
    for headers, content in parts:
        head = f"--{boundary}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        chunks += [head.encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--".encode())
    return b"".join(chunks)


def text_part(content: bytes = TEXT, **override) -> tuple[dict, bytes]:
    headers = {"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary",
               "X-Experience-API-Hash": hashlib.sha256(content).hexdigest()}
    headers.update(override)
    return {k: v for k, v in headers.items() if v is not None}, content


def valid_attachment_body(content: bytes = TEXT) -> bytes:
    """basic_text_multipart_attachment_valid.part: one statement, one text attachment."""
    s = stmt(attachments=[text_attachment(content)])
    return multipart_body(json.dumps(s).encode(), [text_part(content)])


def post_multipart(lrs, body: bytes, content_type=f"multipart/mixed; boundary={BOUNDARY}", method="post", path=STATEMENTS):
    return send(lrs, method, path, None, body, headers={"Content-Type": content_type})


# ===================================================================================================
# Communication 1.1 — HEAD (H.Communication1.1-HeadRequestImplementation.js)
# ===================================================================================================

def _head(lrs, path, params=None):
    return lrs.client.head(path + qs(params), headers={"X-Experience-API-Version": SUITE_VERSION,
                                                       "Authorization": lrs.auth})


@pytest.mark.parametrize("resource", ["about", "activities", "activity_profile", "state", "agents", "agent_profile",
                                      "statements"])
def test_head_request_answers_like_get_without_a_body(lrs, resource):
    # Communication 1.1.s3.b1 "An LRS responds to a HEAD request in the same way as a GET request, but without
    # the message-body" (H.Communication1.1-HeadRequestImplementation.js)
    if resource == "about":
        path, params = "/xapi/about", None
    elif resource == "activities":
        post_statements(lrs, [stmt()])
        path, params = "/xapi/activities", {"activityId": DEFAULT_STATEMENT["object"]["id"]}
    elif resource == "statements":
        post_statements(lrs, [stmt()])
        path, params = STATEMENTS, None
    elif resource == "agents":
        path, params = "/xapi/agents", {"agent": {"name": "Rick James", **STATE_AGENT}}
    else:
        path, params = {"activity_profile": (ACT_PROFILE, build_activity_profile()), "state": (STATE, build_state()),
                        "agent_profile": (AGENT_PROFILE, build_agent_profile())}[resource]
        assert send(lrs, "post", path, params, build_document()).status_code == 204
    get = send(lrs, "get", path, params)
    head = _head(lrs, path, params)
    assert get.status_code == 200 and get.data
    assert head.status_code == 200
    assert head.data == b""


def test_head_and_get_without_content_length_are_accepted(lrs):
    # Communication 1.1 "An LRS accepts HEAD requests without Content-Length headers" / "... GET requests ..."
    assert _head(lrs, STATEMENTS).status_code == 200
    assert send(lrs, "get", STATEMENTS).status_code == 200


# ===================================================================================================
# Communication 1.3 — Alternate Request Syntax (H.Communication1.3-AlternateRequestSyntax.js)
# ===================================================================================================

FORM = "application/x-www-form-urlencoded"


def test_alternate_syntax_get_returns_statement_result_with_real_headers(lrs):
    # XAPI-00336 / XAPI-00148 "An LRS accepts a valid POST request containing a GET request returning 200 OK and the
    # StatementResult Object" — the suite sends Authorization and X-Experience-API-Version as ordinary headers
    # and only `limit=1` in the form.
    post_statements(lrs, [stmt()])
    response = lrs.client.post(f"{STATEMENTS}?method=GET", data=urlencode({"limit": 1}),
                               headers={"Content-Type": FORM, "X-Experience-API-Version": SUITE_VERSION,
                                        "Authorization": lrs.auth})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert "statements" in body and "more" in body


def test_alternate_syntax_not_issued_as_post_is_rejected(lrs):
    # Communication 1.3 "An LRS rejects an alternate request syntax not issued as a POST"
    form = urlencode({"X-Experience-API-Version": "1.0.2", "Content-Type": "application/json",
                      "content": json.dumps(stmt())})
    response = lrs.client.get(f"{STATEMENTS}?method=POST", data=form,
                              headers={"Content-Type": FORM, "X-Experience-API-Version": SUITE_VERSION,
                                       "Authorization": lrs.auth})
    assert response.status_code == 400


def test_alternate_syntax_put_issued_as_post_is_accepted(lrs):
    # Communication 1.3 "An LRS accepts an alternate request syntax PUT issued as a POST" — form holds statementId and
    # content; version and auth are ordinary headers (helper.sendRequest), no Content-Type form field.
    sid = new_id()
    form = urlencode({"statementId": sid, "content": json.dumps(stmt())})
    response = lrs.client.post(f"{STATEMENTS}?method=PUT", data=form,
                               headers={"Content-Type": FORM, "X-Experience-API-Version": SUITE_VERSION,
                                        "Authorization": lrs.auth})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert get_statement(lrs, sid).status_code == 200


def test_alternate_syntax_form_header_parameters_are_treated_as_headers(lrs):
    # Communication 1.3.s3.b7 "During an alternate request syntax the LRS treats the listed form parameters,
    # 'Authorization', 'X-Experience-API-Version', 'Content-Type', ... as header parameters"
    sid = new_id()
    form = urlencode({"statementId": sid, "Authorization": lrs.auth, "X-Experience-API-Version": "1.0.3",
                      "Content-Type": "application/json", "content": json.dumps(stmt())})
    response = lrs.client.post(f"{STATEMENTS}?method=PUT", data=form, headers={"Content-Type": FORM})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert get_statement(lrs, sid).status_code == 200


def test_alternate_syntax_with_extra_query_parameters_is_400(lrs):
    # Communication 1.3.s3.b4 "An LRS will reject an alternate request syntax which contains any extra information
    # with error code 400 Bad Request" (statementId in the query string as well as the form)
    sid = new_id()
    form = urlencode({"statementId": sid, "content": json.dumps(stmt())})
    response = lrs.client.post(f"{STATEMENTS}?method=PUT&statementId={sid}", data=form,
                               headers={"Content-Type": FORM, "X-Experience-API-Version": SUITE_VERSION,
                                        "Authorization": lrs.auth})
    assert response.status_code == 400
    assert get_statement(lrs, sid).status_code == 404


def test_alternate_syntax_put_with_url_encoded_content_passes(lrs):
    # Communication 1.3.s3.b4 "will pass PUT with content body which is url encoded"
    sid = new_id()
    form = urlencode({"statementId": sid, "content": json.dumps(stmt()), "X-Experience-API-Version": "1.0.3",
                      "Authorization": lrs.auth})
    response = lrs.client.post(f"{STATEMENTS}?method=PUT", data=form, headers={"Content-Type": FORM})
    assert response.status_code == 204, response.get_data(as_text=True)


def test_alternate_syntax_put_without_content_is_400(lrs):
    # Communication 1.3.s3.b4 "will fail PUT with no content body"
    response = send(lrs, "post", STATEMENTS + "?method=PUT")
    assert response.status_code == 400


def test_alternate_syntax_put_with_body_not_url_encoded_is_400(lrs):
    # Communication 1.3.s3.b4 "will fail PUT with content body which is not url encoded"
    form = {"statementId": new_id(), "content": json.dumps(stmt()), "X-Experience-API-Version": "1.0.3",
            "Authorization": lrs.auth}
    response = lrs.client.post(f"{STATEMENTS}?method=PUT", data=json.dumps(form), headers={"Content-Type": FORM})
    assert response.status_code == 400


# ===================================================================================================
# Communication 1.4 — Encoding (H.Communication1.4-Encoding.js)
# ===================================================================================================

def test_strings_are_encoded_and_interpreted_as_utf8(lrs):
    # Communication 1.4.s1.b1 "All Strings are encoded and interpreted as UTF-8" (statements.unicode)
    verb = "http://adlnet.gov/expapi/test/unicode/target/" + new_id()
    display = {"en-US": "attended", "zh-CN": "参加了", "ja-JP": "出席した", "ar": "حضر", "ru-RU": "посетил",
               "ko-KR": "참석", "el-GR": "παρακολούθησε", "de-DE": "teilgenommen ✓ 😀"}
    post_statements(lrs, stmt(verb={"id": verb, "display": display}))
    result = send(lrs, "get", STATEMENTS, {"verb": verb}).get_json()
    assert result["statements"][0]["verb"]["display"] == display


# ===================================================================================================
# Communication 2.1 — Statement Resource (H.Communication2.1-StatementResource.js)
# ===================================================================================================

def test_statement_resource_allows_post_put_and_get(lrs):
    # XAPI-00139 "An LRS has a Statement Resource with endpoint base IRI + /statements"
    assert send(lrs, "post", STATEMENTS, None, stmt()).status_code == 200
    sid = new_id()
    assert send(lrs, "put", STATEMENTS, {"statementId": sid}, stmt(id=sid)).status_code == 204
    assert send(lrs, "get", STATEMENTS, {"verb": "http://adlnet.gov/expapi/non/existent"}).status_code == 200


def test_put_statement_persists_and_returns_204(lrs):
    # XAPI-00143, XAPI-00144 "upon processing a successful PUT request returns code 204 No Content" /
    # "accepts PUT requests only if it contains a statementId parameter"
    sid = new_id()
    response = send(lrs, "put", STATEMENTS, {"statementId": sid}, stmt(id=sid))
    assert response.status_code == 204 and response.data == b""
    assert get_statement(lrs, sid).get_json()["id"] == sid


def test_put_statement_without_statement_id_is_400(lrs):
    # XAPI-00145 "rejects a PUT request which does not have a statementId parameter, returning 400"
    sid = new_id()
    assert send(lrs, "put", STATEMENTS, None, stmt(id=sid)).status_code == 400
    assert get_statement(lrs, sid).status_code == 404


@pytest.mark.parametrize("bad_id", ["true", "[object Object]"])
def test_put_statement_id_that_is_not_a_uuid_string_is_400(lrs, bad_id):
    # Communication 2.1.1.s1.table1.row1 "accepts PUT requests only if the statementId parameter is a String"
    # (the suite sends statementId=true and statementId=[object Object])
    response = lrs.client.put(f"{STATEMENTS}?statementId={quote(bad_id)}", data=json.dumps(stmt()),
                              headers={"Content-Type": "application/json", "X-Experience-API-Version": SUITE_VERSION,
                                       "Authorization": lrs.auth})
    assert response.status_code == 400


@pytest.mark.parametrize("first", ["post", "put"])
def test_statement_with_an_existing_id_does_not_modify_the_stored_statement(lrs, first):
    # XAPI-00142 "An LRS cannot modify a Statement, state, or Object in the event it receives a Statement with
    # statementID equal to a Statement in the LRS already" (on POST then PUT, and on PUT then POST)
    sid = new_id()
    original = stmt(id=sid)
    modified = stmt(id=sid, verb={"id": "http://adlnet.gov/expapi/verbs/failed", "display": {"en-US": "failed"}})
    if first == "post":
        post_statements(lrs, original)
        second = send(lrs, "put", STATEMENTS, {"statementId": sid}, modified)
    else:
        assert send(lrs, "put", STATEMENTS, {"statementId": sid}, original).status_code == 204
        second = send(lrs, "post", STATEMENTS, None, modified)
    assert second.status_code == 409
    assert get_statement(lrs, sid).get_json()["verb"]["id"] == original["verb"]["id"]


def test_same_statement_put_again_after_post_is_409_or_204(lrs):
    # Communication 2.1.1.s2.b2 "rejects with error code 409 Conflict any Statement with the statementID equal to
    # a Statement in the LRS already" — "should return 409 or 204 when statement ID already exists on POST"
    sid = new_id()
    post_statements(lrs, stmt(id=sid))
    assert send(lrs, "put", STATEMENTS, {"statementId": sid}, stmt(id=sid)).status_code in (409, 204)


def test_same_statement_posted_again_after_put_is_accepted_unchanged(lrs):
    # Communication 2.1.1.s2.b2: the conformance suite PUTs a statement, POSTs the identical one and
    # accepts only 409 or 204. Deliberate difference: a POST of an identical statement answers 200 with
    # its id (a POST always answers 200 with the ids; the spec's 409/204 wording is about PUT), and
    # nothing stored changes, which is what the spec requires ("MUST NOT modify the Statement").
    sid = new_id()
    assert send(lrs, "put", STATEMENTS, {"statementId": sid}, stmt(id=sid)).status_code == 204
    before = send(lrs, "get", STATEMENTS, {"statementId": sid}).get_json()
    response = send(lrs, "post", STATEMENTS, None, stmt(id=sid))
    assert response.status_code == 200 and response.get_json() == [sid]
    assert send(lrs, "get", STATEMENTS, {"statementId": sid}).get_json() == before


def test_post_statement_returns_200_and_array_of_ids(lrs):
    # XAPI-00147, XAPI-00146 "upon processing a successful POST request returns code 200 OK and all Statement UUIDs"
    sid = new_id()
    response = send(lrs, "post", STATEMENTS, None, stmt(id=sid))
    assert response.status_code == 200
    assert response.get_json() == [sid]
    two = send(lrs, "post", STATEMENTS, None, [stmt(), stmt()]).get_json()
    assert isinstance(two, list) and len(two) == 2


def test_rejected_batch_makes_no_modifications(lrs):
    # Communication 2.1.2.s2.b4 / XAPI-00326 "An LRS makes no modifications to stored data for any rejected
    # request" — a batch whose second statement has verb.id 'should fail'
    correct, incorrect = stmt(id=new_id()), stmt(id=new_id())
    incorrect["verb"]["id"] = "should fail"
    assert send(lrs, "post", STATEMENTS, None, [correct, incorrect]).status_code == 400
    assert get_statement(lrs, correct["id"]).status_code == 404


def test_get_statements_is_accepted(lrs):
    # XAPI-00159 "LRS's Statement Resource accepts GET requests"
    assert send(lrs, "get", STATEMENTS).status_code == 200


def test_get_with_statement_id_returns_that_statement(lrs):
    # XAPI-00156, XAPI-00158 "upon processing a successful GET request with a statementId parameter, returns code
    # 200 OK and a single Statement with the corresponding id"
    sid = new_id()
    post_statements(lrs, stmt(id=sid))
    response = get_statement(lrs, sid)
    assert response.status_code == 200
    assert response.get_json()["id"] == sid


def _voided_pair(lrs) -> tuple[str, str]:
    voided_id, voiding_id = new_id(), new_id()
    post_statements(lrs, stmt(id=voided_id))
    post_statements(lrs, voiding(voided_id, id=voiding_id))
    return voided_id, voiding_id


def test_get_with_voided_statement_id_returns_the_voided_statement(lrs):
    # XAPI-00155, XAPI-00157, XAPI-00018 "GET request with a voidedStatementId parameter returns code 200 OK and a
    # single Statement with the corresponding id"
    voided_id, _ = _voided_pair(lrs)
    response = send(lrs, "get", STATEMENTS, {"voidedStatementId": voided_id})
    assert response.status_code == 200
    assert response.get_json()["id"] == voided_id


def test_voided_statement_is_not_returned_by_statement_id(lrs):
    # XAPI-00163, XAPI-00018 "can only return a Voided Statement if that Statement is specified in the
    # voidedStatementId parameter" — GET statementId=<voided> is 404
    voided_id, _ = _voided_pair(lrs)
    assert get_statement(lrs, voided_id).status_code == 404


STATEMENT_RESULT_QUERIES = {
    "none": {},
    "agent": {"agent": DEFAULT_STATEMENT["actor"]},
    "verb": {"verb": DEFAULT_STATEMENT["verb"]["id"]},
    "activity": {"activity": DEFAULT_STATEMENT["object"]["id"]},
    "registration": {"registration": CATEGORY_CONTEXT["registration"]},
    "related_activities": {"activity": CATEGORY_CONTEXT["contextActivities"]["category"]["id"], "related_activities": True},
    "related_agents": {"agent": CATEGORY_CONTEXT["instructor"], "related_agents": True},
    "since": {"since": "2012-06-01T19:09:13.245Z"},
    "until": {"until": "2012-06-01T19:09:13.245Z"},
    "limit": {"limit": 1},
    "ascending": {"ascending": True},
    "format": {"format": "ids"},
    "attachments_false": {"attachments": False},
}


@pytest.mark.parametrize("name", list(STATEMENT_RESULT_QUERIES))
def test_get_without_statement_id_returns_a_statement_result(lrs, name):
    # XAPI-00154 "upon processing a successful GET request with neither a statementId nor a voidedStatementId
    # parameter, returns code 200 OK and a StatementResult Object"; also XAPI-00166..XAPI-00181 "can process a
    # GET request with <parameter>"; Data 2.5.s2.table1.row1 "A statements property is an Array of Statements"
    post_statements(lrs, context_stmt())
    post_statements(lrs, stmt(object={"objectType": "SubStatement", **context_stmt()}))
    response = send(lrs, "get", STATEMENTS, STATEMENT_RESULT_QUERIES[name])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json"
    result = response.get_json()
    assert isinstance(result["statements"], list)
    assert isinstance(result["more"], str)
    if name not in ("until",):
        assert result["statements"], "the persisted statements match this query"


def test_get_with_attachments_true_returns_multipart_statement_result(lrs):
    # XAPI-00154 / XAPI-00167 "should return multipart response format StatementResult using GET with attachments
    # parameter as true"
    post_statements(lrs, context_stmt())
    response = send(lrs, "get", STATEMENTS, {"attachments": True})
    assert response.status_code == 200
    ctype = response.headers["Content-Type"]
    m = re.match(r'multipart/mixed;\s*boundary="?([^";]+)"?', ctype)
    assert m, ctype
    first = response.data.split(b"--" + m.group(1).encode())[1]
    payload = json.loads(first.split(b"\r\n\r\n", 1)[1])
    assert "statements" in payload


def test_statement_result_has_single_statements_and_more_properties(lrs):
    # Communication 2.1.3.s1 "will return a single statements property" / "a single more property"
    post_statements(lrs, [stmt(), stmt()])
    result = send(lrs, "get", STATEMENTS, {"limit": 1}).get_json()
    assert set(result) == {"statements", "more"}


def test_canonical_format_applies_accept_language(lrs):
    # XAPI-00172 "If the Accept-Language header is present ... and the format parameter is set to canonical, the
    # LRS MUST apply this data to choose the matching language in the response"
    [sid] = post_statements(lrs, context_stmt()).get_json()
    response = send(lrs, "get", STATEMENTS, {"statementId": sid, "format": "canonical"},
                    headers={"Accept-Language": "en-GB"})
    s = response.get_json()
    category = s["context"]["contextActivities"]["category"][0]["definition"]
    assert "en-US" not in s["verb"]["display"]
    assert "en-US" not in category["description"] and "en-US" not in category["name"]


def test_accept_language_is_ignored_without_canonical_format(lrs):
    # XAPI-00172 "should NOT apply this data to choose the matching language in the response when format is not set"
    [sid] = post_statements(lrs, context_stmt()).get_json()
    s = send(lrs, "get", STATEMENTS, {"statementId": sid}, headers={"Accept-Language": "en-GB"}).get_json()
    category = s["context"]["contextActivities"]["category"][0]["definition"]
    for language_map in (s["verb"]["display"], category["description"], category["name"]):
        assert {"en-US", "en-GB"} <= set(language_map)


OTHER_PARAMS = {
    "agent": {"agent": DEFAULT_STATEMENT["actor"]},
    "verb": {"verb": "http://adlnet.gov/expapi/non/existent"},
    "activity": {"activity": "http://www.example.com/meetings/occurances/12345"},
    "registration": {"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"},
    "related_activities": {"related_activities": True},
    "related_agents": {"related_agents": True},
    "since": {"since": "2012-06-01T19:09:13.245Z"},
    "until": {"until": "2012-06-01T19:09:13.245Z"},
    "limit": {"limit": 1},
    "ascending": {"ascending": True},
}


@pytest.mark.parametrize("other", list(OTHER_PARAMS))
def test_statement_id_with_a_filter_parameter_is_400(lrs, other):
    # XAPI-00151 "rejects with error code 400 a GET request with both statementId and anything other than
    # attachments or format as parameters"
    sid = new_id()
    post_statements(lrs, stmt(id=sid))
    assert send(lrs, "get", STATEMENTS, {"statementId": sid, **OTHER_PARAMS[other]}).status_code == 400


@pytest.mark.parametrize("other", [{"format": "ids"}, {"attachments": True}])
def test_statement_id_with_format_or_attachments_is_200(lrs, other):
    # XAPI-00151 "should pass when using statementId with format" / "... with attachments"
    sid = new_id()
    post_statements(lrs, stmt(id=sid))
    assert send(lrs, "get", STATEMENTS, {"statementId": sid, **other}).status_code == 200


@pytest.mark.parametrize("other", list(OTHER_PARAMS))
def test_voided_statement_id_with_a_filter_parameter_is_400(lrs, other):
    # XAPI-00150 "rejects with error code 400 a GET request with both voidedStatementId and anything other than
    # attachments or format as parameters"
    voided_id, _ = _voided_pair(lrs)
    assert send(lrs, "get", STATEMENTS, {"voidedStatementId": voided_id, **OTHER_PARAMS[other]}).status_code == 400


@pytest.mark.parametrize("other", [{"format": "ids"}, {"attachments": True}])
def test_voided_statement_id_with_format_or_attachments_is_200(lrs, other):
    # XAPI-00150 "should pass when using voidedStatementId with format" / "... with attachments"
    voided_id, _ = _voided_pair(lrs)
    assert send(lrs, "get", STATEMENTS, {"voidedStatementId": voided_id, **other}).status_code == 200


def test_get_with_no_matches_returns_an_empty_statements_array(lrs):
    # XAPI-00149 "The LRS will NOT reject a GET request which returns an empty statements property"
    response = send(lrs, "get", STATEMENTS, {"verb": "http://adlnet.gov/expapi/non/existent"})
    assert response.status_code == 200
    assert response.get_json()["statements"] == []


def test_consistent_through_is_not_before_any_returned_stored(lrs):
    # XAPI-00152 "X-Experience-API-Consistent-Through header's value is not before (temporal) any of the stored
    # values of any of the returned Statements"
    post_statements(lrs, [stmt(), stmt(), context_stmt()])
    response = send(lrs, "get", STATEMENTS)
    through = parse_ts(response.headers["X-Experience-API-Consistent-Through"])
    statements = response.get_json()["statements"]
    assert statements
    for s in statements:
        assert parse_ts(s["stored"]) <= through


CONSISTENT_QUERIES = {**STATEMENT_RESULT_QUERIES, "attachments_true": {"attachments": True}}


@pytest.mark.parametrize("name", list(CONSISTENT_QUERIES))
def test_get_statements_has_iso8601_consistent_through_header(lrs, name):
    # XAPI-00153 "returns a header with name X-Experience-API-Consistent-Through" and XAPI-00160 "header is an
    # ISO 8601 combined date and time" (using GET with each parameter)
    post_statements(lrs, context_stmt())
    response = send(lrs, "get", STATEMENTS, CONSISTENT_QUERIES[name])
    assert response.status_code == 200
    value = response.headers.get("X-Experience-API-Consistent-Through")
    assert value and parse_ts(value).tzinfo is not None


def test_consistent_through_header_is_sent_even_when_get_is_rejected(lrs):
    # XAPI-00153 "upon processing a GET request, returns a header with name X-Experience-API-Consistent-Through
    # regardless of the code returned" — "misusing GET (status code 400)": the suite sends no headers at all.
    response = lrs.client.get(STATEMENTS)
    assert response.status_code == 400
    assert response.headers.get("X-Experience-API-Consistent-Through")


def test_consistent_through_header_is_sent_on_404(lrs):
    # XAPI-00153 "... regardless of the code returned" (a statementId the LRS does not have)
    response = get_statement(lrs, new_id())
    assert response.status_code == 404
    assert response.headers.get("X-Experience-API-Consistent-Through")


def _stored_attachment_statement(lrs) -> str:
    response = post_multipart(lrs, valid_attachment_body())
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()[0]


@pytest.mark.parametrize("attachments", [None, "false"])
def test_statement_without_attachments_true_is_plain_json(lrs, attachments):
    # XAPI-00161 "should NOT return the attachment if attachments is missing" / "... is false": Content-Type is
    # exactly application/json
    sid = _stored_attachment_statement(lrs)
    params = {"statementId": sid} | ({"attachments": attachments} if attachments else {})
    response = send(lrs, "get", STATEMENTS, params)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert TEXT not in response.data


def test_statement_with_attachments_true_returns_the_attachment(lrs):
    # XAPI-00161 "should return the attachment when attachment is true"
    sid = _stored_attachment_statement(lrs)
    response = send(lrs, "get", STATEMENTS, {"statementId": sid, "attachments": "true"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == "multipart/mixed"
    assert TEXT in response.data


class TestVoidedTargets:
    """XAPI-00162 "upon processing a successful GET request wishing to return a Voided Statement still returns
    Statements which target it" (Communication 2.1.4.s1.b2)."""

    @pytest.fixture
    def setup(self, lrs):
        verb = "http://adlnet.gov/expapi/test/voided/target/" + new_id()
        voided_id, voiding_id, ref_id = new_id(), new_id(), new_id()
        post_statements(lrs, stmt(id=voided_id, verb={"id": verb, "display": {"en-US": "tested"}}))
        post_statements(lrs, voiding(voided_id, id=voiding_id))
        since = (datetime.now(timezone.utc) - timedelta(seconds=10)).isoformat()
        until = (datetime.now(timezone.utc) + timedelta(seconds=10)).isoformat()
        ref = stmt(id=ref_id, verb={"id": verb, "display": {"en-US": "tested"}},
                   object={"objectType": "StatementRef", "id": voided_id})
        post_statements(lrs, ref)
        return dict(verb=verb, voided=voided_id, voiding=voiding_id, ref=ref_id, since=since, until=until)

    def test_since_returns_statement_targeting_the_voided_statement(self, lrs, setup):
        # XAPI-00162 "should only return statements stored after designated since timestamp"
        result = send(lrs, "get", STATEMENTS, {"verb": setup["verb"], "since": setup["since"]}).get_json()
        assert setup["ref"] in json.dumps(result["statements"])

    def test_until_returns_the_voiding_statement(self, lrs, setup):
        # XAPI-00162 "should only return statements stored at or before designated before timestamp when using until"
        result = send(lrs, "get", STATEMENTS, {"verb": VOIDED, "until": setup["until"]}).get_json()
        assert setup["voiding"] in json.dumps(result["statements"])

    def test_limit_returns_that_many_newest_first(self, lrs, setup):
        # XAPI-00162 "should return the number of statements listed in limit parameter"
        result = send(lrs, "get", STATEMENTS, {"verb": setup["verb"], "limit": 1}).get_json()
        assert [s["id"] for s in result["statements"]] == [setup["ref"]]

    def test_filter_returns_statement_ref_and_voiding_statement_not_the_voided(self, lrs, setup):
        # XAPI-00162 "should return StatementRef and voiding statement when not using since, until, limit"
        result = send(lrs, "get", STATEMENTS, {"verb": setup["verb"]}).get_json()
        assert [s["id"] for s in result["statements"]] == [setup["ref"], setup["voiding"]]


# ===================================================================================================
# Data 2.3 — Statement lifecycle / voiding (Data2.3-StatementLifecycle.js)
# ===================================================================================================

def test_voiding_an_already_voided_statement_keeps_it_voided(lrs):
    # XAPI-00016 "A Voiding Statement cannot Target another Voiding Statement" — "should not void an already voided
    # statement": a second voiding statement for the same target; the target stays retrievable as voided.
    voided_id, _ = _voided_pair(lrs)
    send(lrs, "post", STATEMENTS, None, voiding(voided_id))
    assert send(lrs, "get", STATEMENTS, {"voidedStatementId": voided_id}).status_code == 200


def test_voiding_a_voiding_statement_does_not_void_it(lrs):
    # XAPI-00016 "should not void a voiding statement": the LRS MAY reject it; either way the first voiding
    # statement is still returned by statementId.
    _, voiding_id = _voided_pair(lrs)
    response = send(lrs, "post", STATEMENTS, None, voiding(voiding_id))
    assert response.status_code in (200, 400)
    assert get_statement(lrs, voiding_id).status_code == 200


# ===================================================================================================
# Data 2.4.8 / 2.4.9 — stored and authority (Data2.4.8-StoredProperty.js, Data2.4.9-AuthorityProperty.js)
# ===================================================================================================

@pytest.mark.parametrize("method", ["post", "put"])
def test_lrs_assigns_stored_overriding_the_one_sent(lrs, method):
    # XAPI-00097 "An LRS MUST accept statements with the stored property" and assign its own (POST and PUT)
    stored = "2011-07-15T00:00:00.000Z"
    sid = new_id()
    if method == "post":
        assert send(lrs, "post", STATEMENTS, None, stmt(id=sid, stored=stored)).status_code == 200
    else:
        assert send(lrs, "put", STATEMENTS, {"statementId": sid}, stmt(stored=stored)).status_code == 204
    got = get_statement(lrs, sid).get_json()
    assert got["stored"] != stored


def test_stored_is_a_timestamp_with_millisecond_precision(lrs):
    # XAPI-00023 "A stored property is a TimeStamp ... precision to milliseconds"
    post_statements(lrs, stmt())
    for s in send(lrs, "get", STATEMENTS).get_json()["statements"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)", s["stored"]), s["stored"]


def test_lrs_populates_authority(lrs):
    # XAPI-00099 "An LRS populates the authority property if it is not provided in the Statement"
    sid = new_id()
    post_statements(lrs, stmt(id=sid))
    assert "authority" in get_statement(lrs, sid).get_json()


def test_group_authority_of_non_oauth_agents_is_400(lrs):
    # XAPI-00100 "rejects with error code 400 Bad Request, a Request whose authority is a Group and consists of
    # non-O-Auth Agents"
    authority = {"objectType": "Group", "name": "xAPI Group", "mbox": "mailto:xapigroup@example.com",
                 "member": [{"name": "agentA", "mbox": "mailto:agentA@example.com"},
                            {"name": "agentB", "mbox": "mailto:agentB@example.com"}]}
    assert send(lrs, "post", STATEMENTS, None, stmt(authority=authority)).status_code == 400


# ===================================================================================================
# Data 2.5 — Retrieval of statements, "more" (E.Data2.5-RetrievalofStatements.js)
# ===================================================================================================

def test_statements_correspond_to_the_filtering_criteria(lrs):
    # Data 2.5.s1 "The Statements within the statements property will correspond to the filtering criterion sent
    # in with the GET request" (statements.default + contexts.default)
    sid = new_id()
    s = stmt(id=sid, context={"registration": new_id(), "platform": "Example virtual meeting software"})
    post_statements(lrs, s)
    query = {"limit": 1, "agent": s["actor"], "verb": s["verb"]["id"], "activity": s["object"]["id"],
             "registration": s["context"]["registration"], "related_activities": True,
             "since": "2012-06-01T19:09:13.245Z", "format": "ids", "attachments": False}
    result = send(lrs, "get", STATEMENTS, query).get_json()
    assert result["statements"][0]["id"] == sid


def test_too_many_statements_for_one_page_give_a_more_link(lrs):
    # Data 2.5.s2.table1.row1 "A statements property which is too large for a single page will create a container
    # for each additional page"; Data 2.5.s2.table1.row2 "A more property is an IRL"
    post_statements(lrs, [stmt(), stmt()])
    result = send(lrs, "get", STATEMENTS, {"limit": 1}).get_json()
    assert len(result["statements"]) == 1
    assert result["more"] and re.fullmatch(r"[^\s]+", result["more"])


def test_more_is_empty_when_all_results_are_returned(lrs):
    # Data 2.5.s2.table1.row2 "The more property is an empty string if the entire results of the original GET
    # request have been returned"
    result = send(lrs, "get", STATEMENTS, {"verb": "http://adlnet.gov/expapi/non/existent/344588672021038"}).get_json()
    assert result["more"] == ""


def test_more_container_follows_the_same_rules_as_the_original_get(lrs):
    # Data 2.5.s2.table1.row2 "A more property's referenced container object follows the same rules as the original
    # GET request, originating with a single statements property and a single more property"
    id1, id2 = new_id(), new_id()
    post_statements(lrs, [stmt(id=id1, verb={"id": "http://adlnet.gov/expapi/test/more/target/one"}),
                          stmt(id=id2, verb={"id": "http://adlnet.gov/expapi/test/more/target/two"})])
    first = send(lrs, "get", STATEMENTS, {"limit": 1}).get_json()
    assert first["more"]
    response = lrs.client.get(first["more"], headers={"X-Experience-API-Version": SUITE_VERSION,
                                                       "Authorization": lrs.auth})
    assert response.status_code == 200
    page = response.get_json()
    assert set(page) == {"statements", "more"}
    assert page["statements"][0]["id"] != first["statements"][0]["id"]


# ===================================================================================================
# Data 2.6 — Signed statements (E.Data2.6-SignedStatements.js; helper.signStatement)
# ===================================================================================================

@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign_statement(statement: dict, key, algorithm="RS256", content_type="application/octet-stream",
                   break_json=False) -> bytes:
    """helper.signStatement: JWS over the statement (no x5c), attached as a signature part."""
    statement = copy.deepcopy(statement)
    statement.pop("attachments", None)
    signing_key = "a shared secret that is 32+ bytes long" if algorithm.startswith("HS") else key
    if break_json:
        payload = json.dumps(statement).replace('"', "'", 1).encode()
        sig = jwt.api_jws.PyJWS().encode(payload, signing_key, algorithm=algorithm).encode()
    else:
        sig = jwt.encode(statement, signing_key, algorithm=algorithm).encode()
    statement["attachments"] = [{"usageType": SIGNATURE, "display": {"en-US": "Signed by the Test Suite"},
                                 "description": {"en-US": "Signed by the Test Suite"}, "contentType": content_type,
                                 "length": len(sig), "sha2": hashlib.sha256(sig).hexdigest()}]
    return multipart_body(json.dumps(statement).encode(), [({
        "Content-Type": content_type, "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": statement["attachments"][0]["sha2"]}, sig)])


def test_signed_statement_with_rs256_is_accepted(lrs, rsa_key):
    # Data 2.6.s4.b1 "Signed statement with RS256"
    response = post_multipart(lrs, sign_statement(stmt(id=new_id()), rsa_key))
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("variant", ["bad_content_type", "bad_algorithm", "bad_json"])
def test_malformed_signature_is_400(lrs, rsa_key, variant):
    # Data 2.6.s4.b1 "malformed signature - bad contentType", Data 2.6.s4.b4 "- bad algorithm" (HS256),
    # Data 2.6.s4.b3 "- bad JSON serialization of statement"
    kwargs = {"bad_content_type": {"content_type": "text/plain; charset=ascii"},
              "bad_algorithm": {"algorithm": "HS256"}, "bad_json": {"break_json": True}}[variant]
    sid = new_id()
    response = post_multipart(lrs, sign_statement(stmt(id=sid), rsa_key, **kwargs))
    assert response.status_code == 400
    assert get_statement(lrs, sid).status_code == 404


# ===================================================================================================
# Data 2.4.11 — Attachments over HTTP (E.Data2.4.11-AttachmentsProperty.js)
# ===================================================================================================

FILE_URL_ATTACHMENT = text_attachment(sha2="495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
                                      length=27, fileUrl="http://over.there.com/file.txt")


def test_multipart_whose_first_part_is_not_json_is_400(lrs):
    # Communication 1.5.2.s2.b2.b1 "does not have the first document part with a Content-Type header with a value
    # of application/json" (basic_text_multipart_attachment_invalid_first_part_content_type.part)
    s = stmt(attachments=[text_attachment()])
    body = multipart_body(json.dumps(s).encode(), [text_part()], first_type="text/plain")
    assert post_multipart(lrs, body).status_code == 400


def test_file_url_attachment_as_application_json_is_200(lrs):
    # Data 2.4.11 "should succeed when attachment uses fileUrl and request content-type is application/json"
    assert send(lrs, "post", STATEMENTS, None, stmt(attachments=[FILE_URL_ATTACHMENT])).status_code == 200


def test_file_url_attachment_as_multipart_form_data_is_400(lrs):
    # Data 2.4.11 "should fail when attachment uses fileUrl and request content-type is multipart/form-data"
    body = json.dumps(stmt(attachments=[FILE_URL_ATTACHMENT])).encode()
    assert post_multipart(lrs, body, f"multipart/form-data; boundary={BOUNDARY}").status_code == 400


def test_raw_attachment_as_multipart_mixed_is_200(lrs):
    # Data 2.4.11 "should succeed when attachment is raw data and request content-type is multipart/mixed"
    assert post_multipart(lrs, valid_attachment_body()).status_code == 200


def test_raw_attachment_as_put_multipart_mixed_is_204(lrs):
    # Communication 1.5.2 (PUT as well as POST may carry attachments)
    sid = new_id()
    s = stmt(id=sid, attachments=[text_attachment()])
    body = multipart_body(json.dumps(s).encode(), [text_part()])
    response = send(lrs, "put", STATEMENTS, {"statementId": sid}, body,
                    headers={"Content-Type": f"multipart/mixed; boundary={BOUNDARY}"})
    assert response.status_code == 204, response.get_data(as_text=True)


def test_raw_attachment_as_multipart_form_data_is_400(lrs):
    # Data 2.4.11 "should fail when attachment is raw data and request content-type is multipart/form-data"
    assert post_multipart(lrs, valid_attachment_body(), f"multipart/form-data; boundary={BOUNDARY}").status_code == 400


def test_attachment_without_file_url_sent_as_json_is_400(lrs):
    # Data 2.4.11, Communication 1.5.1.s1.b2 "should fail when passing statement attachments and missing attachment's
    # binary"
    s = stmt(attachments=[FILE_URL_ATTACHMENT, {k: v for k, v in FILE_URL_ATTACHMENT.items() if k != "fileUrl"}])
    assert send(lrs, "post", STATEMENTS, None, s).status_code == 400


def test_multipart_body_without_boundaries_is_400(lrs):
    # Communication 1.5.2.s2.b2 "should fail if boundary not provided in body": the statement part is not preceded by
    # a boundary (basic_text_multipart_attachment_invalid_first_part_no_boundary.part)
    s = stmt(attachments=[text_attachment()])
    headers, content = text_part()
    body = (b"Content-Type: application/json\r\n\r\n" + json.dumps(s).encode() + b"\r\n"
            + f"--{BOUNDARY}\r\n".encode() + "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
            + b"\r\n" + content + f"\r\n--{BOUNDARY}--".encode())
    assert post_multipart(lrs, body).status_code == 400


def test_multipart_content_type_without_boundary_is_400(lrs):
    # Data 2.4.11 "A Boundary is defined as the value of the body header named boundary" — "should fail if boundary
    # not provided in header" (Content-Type: multipart/mixed;)
    assert post_multipart(lrs, valid_attachment_body(), "multipart/mixed;").status_code == 400


def test_statements_split_over_several_parts_is_400(lrs):
    # Communication 1.5.2.s2.b2.b1 "does not have all of the Statements in the first document part"
    # (basic_text_multipart_attachment_invalid_statement_parts.part)
    s1, s2 = stmt(attachments=[text_attachment()]), stmt()
    body = multipart_body(json.dumps(s1).encode(), [({"Content-Type": "application/json"}, json.dumps(s2).encode()),
                                                     text_part()])
    assert post_multipart(lrs, body).status_code == 400


@pytest.mark.parametrize("override", [{"X-Experience-API-Hash": None},
                                      {"X-Experience-API-Hash": hashlib.sha256(b"something else").hexdigest()}],
                         ids=["missing_hash", "hash_not_a_sha2"])
def test_part_without_matching_hash_header_is_400(lrs, override):
    # Communication 1.5.2.s2.b2.b3 "should fail when attachments missing header X-Experience-API-Hash" /
    # "... header X-Experience-API-Hash does not match sha2"
    s = stmt(attachments=[text_attachment()])
    body = multipart_body(json.dumps(s).encode(), [text_part(**override)])
    assert post_multipart(lrs, body).status_code == 400


def test_part_without_binary_transfer_encoding_is_400(lrs):
    # Data 2.4.11 "for any part except the first does not have a Header named Content-Transfer-Encoding with a value
    # of binary" (basic_text_multipart_attachment_invalid_content_transfer_encoding.part)
    s = stmt(attachments=[text_attachment()])
    # 7bit leaves the ASCII content (and so its hash) unchanged: only the encoding header is wrong
    body = multipart_body(json.dumps(s).encode(), [text_part(**{"Content-Transfer-Encoding": "7bit"})])
    assert post_multipart(lrs, body).status_code == 400


def test_get_attachments_true_is_multipart_even_with_a_json_request_content_type(lrs):
    # Data 2.4.11 "a GET Request ... has the attachments filter attribute set to true" -> multipart/mixed
    assert post_multipart(lrs, valid_attachment_body()).status_code == 200
    response = send(lrs, "get", STATEMENTS, {"attachments": True, "limit": 1},
                    headers={"Content-Type": f"multipart/mixed; boundary={BOUNDARY}"})
    assert response.status_code == 200
    assert "multipart/mixed" in response.headers["Content-Type"]
    with pytest.raises(ValueError):
        json.loads(response.data)


def test_get_attachments_false_is_json_without_raw_data(lrs):
    # Data 2.4.11 "will reject a GET request having the attachment parameter set to false if it includes attachment
    # raw data" -> application/json
    assert post_multipart(lrs, valid_attachment_body()).status_code == 200
    response = send(lrs, "get", STATEMENTS, {"attachments": False, "limit": 1},
                    headers={"Content-Type": f"multipart/mixed; boundary={BOUNDARY}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    json.loads(response.data)


# ===================================================================================================
# Communication 2.2 — Document resources (H.Communication2.2-DocumentResources.js)
# ===================================================================================================

DOC_RESOURCES = {"state": (STATE, build_state), "activity_profile": (ACT_PROFILE, build_activity_profile),
                 "agent_profile": (AGENT_PROFILE, build_agent_profile)}


@pytest.mark.parametrize("resource", list(DOC_RESOURCES))
def test_document_resource_endpoint_accepts_post(lrs, resource):
    # Communication 2.2.s3.table1.row1-3 "An LRS has a State/Activity Profile/Agent Profile API with endpoint ..."
    # and "will accept a POST request"; XAPI-00282, XAPI-00283
    path, build = DOC_RESOURCES[resource]
    assert send(lrs, "post", path, build(), build_document()).status_code == 204


@pytest.mark.parametrize("document", ["object", "1", "true"])
@pytest.mark.parametrize("resource", list(DOC_RESOURCES))
def test_post_is_not_rejected_because_of_document_contents(lrs, resource, document):
    # Communication 2.2.s4.b2 "An LRS cannot reject a POST request to the <resource> based on the contents of the
    # name/value pairs of the document" (documents: buildDocument() (agent profile: {}), '1', 'true')
    path, build = DOC_RESOURCES[resource]
    body = ({} if resource == "agent_profile" else build_document()) if document == "object" else document
    assert send(lrs, "post", path, build(), body).status_code == 204


@pytest.mark.parametrize("resource", list(DOC_RESOURCES))
def test_post_of_a_new_document_stores_it_like_put(lrs, resource):
    # Communication 2.2.s7 "upon receiving a POST request for a document not currently in the LRS, treats it as a PUT
    # request and store a new document"; XAPI-00280
    path, build = DOC_RESOURCES[resource]
    params, document = build(), build_document()
    assert send(lrs, "post", path, params, document).status_code == 204
    response = send(lrs, "get", path, params)
    assert response.status_code == 200
    assert response.get_json() == document


def test_document_merge_overwrites_duplicate_keys(lrs):
    # Communication 2.2.s7.b1-3 "A Document Merge overwrites any duplicate Objects from the previous document with
    # the new document"
    params = build_state()
    send(lrs, "post", STATE, params, {"car": "MKX"})
    send(lrs, "post", STATE, params, {"car": "MKZ"})
    assert send(lrs, "get", STATE, params).get_json() == {"car": "MKZ"}


def test_document_merge_is_one_level_deep(lrs):
    # Communication 2.2.s7.b1-3 "A Document Merge only performs overwrites at one level deep, although the entire
    # object is replaced"
    params = build_state()
    first = {"car": {"make": "Ford", "model": "Escape"}, "driver": "Dale", "series": {"nascar": {"series": "sprint"}}}
    second = {"car": {"make": "Dodge", "model": "Ram"}, "driver": "Jeff", "series": {"nascar": {"series": "nextel"}}}
    send(lrs, "post", STATE, params, first)
    send(lrs, "post", STATE, params, second)
    assert send(lrs, "get", STATE, params).get_json() == second


@pytest.mark.parametrize("resource", list(DOC_RESOURCES))
def test_post_merges_json_documents(lrs, resource):
    # Communication 2.2.s7.b1-3 "performs a Document Merge if a document is found and both it and the document in
    # the POST request have type application/json"; XAPI-00279
    path, build = DOC_RESOURCES[resource]
    params = build()
    assert send(lrs, "post", path, params, {"car": "Honda"}).status_code == 204
    assert send(lrs, "post", path, params, {"type": "Civic"}).status_code == 204
    assert send(lrs, "get", path, params).get_json() == {"car": "Honda", "type": "Civic"}


@pytest.mark.parametrize("resource", ["state", "activity_profile"])
def test_post_of_non_json_onto_json_document_is_400(lrs, resource):
    # Communication 2.2.s8.b1 "rejects a POST request if the document is found and either document's type is not
    # application/json with error code 400 Bad Request" (second document: the string 'abc')
    path, build = DOC_RESOURCES[resource]
    params, document = build(), build_document()
    assert send(lrs, "post", path, params, document).status_code == 204
    assert send(lrs, "post", path, params, "abc").status_code == 400
    assert send(lrs, "get", path, params).get_json() == document


# ===================================================================================================
# Communication 2.3 — State resource (H.Communication2.3-StateResource.js)
# ===================================================================================================

@pytest.mark.parametrize("method", ["put", "post"])
def test_state_put_and_post_return_204(lrs, method):
    # Communication 2.3 "accepts PUT/POST requests", 2.3.s3 "upon processing a successful PUT/POST request returns
    # code 204 No Content"
    response = send(lrs, method, STATE, build_state(), build_document())
    assert response.status_code == 204 and response.data == b""


def test_state_get_with_state_id_returns_the_document(lrs):
    # Communication 2.3 "accepts GET requests"; 2.3.s3 "GET request with a valid stateId ... returns the document"
    params, document = build_state(), build_document()
    send(lrs, "post", STATE, params, document)
    response = send(lrs, "get", STATE, params)
    assert response.status_code == 200 and response.get_json() == document


def test_state_delete_with_state_id_deletes_and_returns_204(lrs):
    # Communication 2.3 "accepts DELETE requests"; 2.3.s3 "successful DELETE request with a valid stateId ...
    # deletes the document ... and returns code 204 No Content"
    params = build_state()
    send(lrs, "post", STATE, params, build_document())
    assert send(lrs, "delete", STATE, params).status_code == 204
    assert send(lrs, "get", STATE, params).status_code == 404


@pytest.mark.parametrize("method", ["put", "post", "get", "delete"])
def test_state_without_activity_id_is_400(lrs, method):
    # Communication 2.3.s3.table1.row1 "rejects a PUT/POST/GET/DELETE request without activityId as a parameter"
    params = build_state()
    del params["activityId"]
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, STATE, params, body).status_code == 400


@pytest.mark.parametrize("bad", [{"key": "value"}, 1, True, None], ids=["object", "1", "true", "undefined"])
@pytest.mark.parametrize("method", ["put", "post", "get", "delete"])
def test_state_activity_id_that_is_not_an_iri_string_is_400(lrs, method, bad):
    # Communication 2.3.s3.table1.row1 "rejects a <method> request with activityId as a parameter if it is not type
    # String" (1.0.3: an IRI)
    params = build_state() | {"activityId": bad}
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, STATE, params, body).status_code == 400


@pytest.mark.parametrize("method", ["put", "post", "get", "delete"])
def test_state_without_agent_is_400(lrs, method):
    # Communication 2.3.s3.table1.row2 "rejects a PUT/POST/GET/DELETE request without agent as a parameter"
    params = build_state()
    del params["agent"]
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, STATE, params, body).status_code == 400


@pytest.mark.parametrize("bad", [1, True, "not JSON", None], ids=["1", "true", "not_json", "undefined"])
@pytest.mark.parametrize("method", ["put", "post", "get", "delete"])
def test_state_agent_that_is_not_agent_json_is_400(lrs, method, bad):
    # Communication 2.3.s3.table1.row2 "rejects a <method> request with agent as a parameter if it is not in JSON
    # format"
    params = build_state() | {"agent": bad}
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, STATE, params, body).status_code == 400


@pytest.mark.parametrize("method", ["put", "post", "get", "delete"])
def test_state_accepts_registration(lrs, method):
    # Communication 2.3.s3.table1.row3 "can process a PUT/POST/GET/DELETE request with registration as a parameter"
    params, document = build_state() | {"registration": new_id()}, build_document()
    if method in ("get", "delete"):
        assert send(lrs, "post", STATE, params, document).status_code == 204
        response = send(lrs, method, STATE, params)
        assert response.status_code == (200 if method == "get" else 204)
        if method == "get":
            assert response.get_json() == document
    else:
        assert send(lrs, method, STATE, params, document).status_code == 204


@pytest.mark.parametrize("bad", [1, True, "not UUID"], ids=["1", "true", "not_uuid"])
@pytest.mark.parametrize("method", ["put", "post", "get", "delete"])
def test_state_registration_that_is_not_a_uuid_is_400(lrs, method, bad):
    # Communication 2.3.s3.table1.row3 "rejects a <method> request with registration as a parameter if it is not a
    # UUID with error code 400"
    params = build_state() | {"registration": bad}
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, STATE, params, body).status_code == 400


@pytest.mark.parametrize("method", ["put", "post"])
def test_state_put_or_post_without_state_id_is_400(lrs, method):
    # Communication 2.3.s3.table1.row4 "rejects a PUT/POST request without stateId as a parameter"
    params = build_state()
    del params["stateId"]
    assert send(lrs, method, STATE, params, build_document()).status_code == 400


def test_state_get_with_since_returns_the_document(lrs):
    # Communication 2.3.s4.table1.row4 "can process a GET request with since as a parameter"
    params, document = build_state(), build_document()
    send(lrs, "post", STATE, params, document)
    params["since"] = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    response = send(lrs, "get", STATE, params)
    assert response.status_code == 200
    assert response.get_json() == document


def test_state_get_with_since_that_is_not_a_timestamp_is_400(lrs):
    # Communication 2.3.s4.table1.row4 "rejects a GET request with since as a parameter if it is not a TimeStamp"
    params = build_state()
    del params["stateId"]
    assert send(lrs, "get", STATE, params | {"since": "not a timestamp"}).status_code == 400


def test_state_get_without_state_id_returns_array_of_ids(lrs):
    # Communication 2.3.s4 "upon processing a successful GET request without stateId as a parameter returns an array
    # of ids of state data documents"
    params = build_state()
    send(lrs, "post", STATE, params, build_document())
    del params["stateId"]
    body = send(lrs, "get", STATE, params).get_json()
    assert isinstance(body, list) and body


def test_state_ids_since_refer_to_documents_stored_after_since(lrs):
    # Communication 2.3.s4.table1.row4 "returned array of ids ... all refer to documents stored after the TimeStamp
    # in the since parameter"
    activity = ACTIVITY_ID + "/" + new_id()
    old = build_state() | {"activityId": activity}
    send(lrs, "post", STATE, old, build_document())
    since = datetime.now(timezone.utc)
    # make the first document unambiguously older than `since`
    from lms.extensions import db
    from xapi.models import Document
    db.session.query(Document).filter_by(document_id=old["stateId"]).update(
        {"updated_at": since - timedelta(minutes=5)})
    new1, new2 = build_state() | {"activityId": activity}, build_state() | {"activityId": activity}
    send(lrs, "post", STATE, new1, build_document())
    send(lrs, "post", STATE, new2, build_document())
    params = {"activityId": activity, "agent": STATE_AGENT, "since": (since - timedelta(seconds=1)).isoformat()}
    assert sorted(send(lrs, "get", STATE, params).get_json()) == sorted([new1["stateId"], new2["stateId"]])


def test_state_delete_without_state_id_deletes_all_matching_documents(lrs):
    # Communication 2.3.s5 "upon processing a successful DELETE request without stateId as a parameter deletes
    # documents satisfying the requirements of the DELETE and code 204 No Content"
    params = build_state() | {"activityId": ACTIVITY_ID + new_id()}
    send(lrs, "post", STATE, params, build_document())
    send(lrs, "post", STATE, params | {"stateId": new_id()}, build_document())
    other = build_state()
    send(lrs, "post", STATE, other, build_document())
    del params["stateId"]
    assert send(lrs, "delete", STATE, params).status_code == 204
    assert send(lrs, "get", STATE, params).get_json() == []
    assert send(lrs, "get", STATE, other).status_code == 200


# ===================================================================================================
# Communication 2.4 — Agents resource (H.Communication2.4-AgentsResource.js)
# ===================================================================================================

AGENTS = "/xapi/agents"


def test_agents_resource_get_returns_a_person_object(lrs):
    # XAPI-00245, XAPI-00236, XAPI-00248, XAPI-00237 "An LRS has an Agents Resource"; "accepts GET requests";
    # "returns a Person Object if the agent parameter can be found"; "objectType ... is Person"
    s = stmt()
    post_statements(lrs, [s])
    response = send(lrs, "get", AGENTS, {"agent": s["actor"]})
    assert response.status_code == 200
    person = response.get_json()
    assert isinstance(person, dict) and person["objectType"] == "Person"


def test_agents_resource_answers_for_an_unknown_agent(lrs):
    # XAPI-00236 "An LRS's Agents Resource accepts GET requests" (helper.buildAgent, never used in a statement);
    # XAPI-00247 the Person still holds the requested agent's information
    response = send(lrs, "get", AGENTS, {"agent": {"name": "Rick James", **STATE_AGENT}})
    assert response.status_code == 200
    person = response.get_json()
    assert person["objectType"] == "Person"
    assert person["account"] == [STATE_AGENT["account"]]


def test_agents_resource_without_agent_is_400(lrs):
    # XAPI-00243 "rejects a GET request without agent as a parameter with error code 400"
    assert send(lrs, "get", AGENTS).status_code == 400


def test_person_name_and_mbox_are_arrays(lrs):
    # XAPI-00238 "name property is an Array of Strings"; XAPI-00239, XAPI-00244 "mbox property is an Array of IRIs"
    # of the form mailto:emailaddress
    s = stmt()
    post_statements(lrs, [s])
    person = send(lrs, "get", AGENTS, {"agent": s["actor"]}).get_json()
    assert isinstance(person["name"], list) and all(isinstance(n, str) for n in person["name"])
    assert isinstance(person["mbox"], list)
    assert all(re.fullmatch(r"mailto:[^@\s]+@[^@\s]+", m) for m in person["mbox"])


@pytest.mark.parametrize("ifi,value", [
    ("mbox_sha1sum", "cd9b00a5611f94eaa7b1661edab976068e364975"),
    ("openid", "http://openid.example.org/12345"),
    ("account", {"homePage": "http://www.example.com", "name": "xAPI account name"}),
])
def test_person_identifier_properties_are_arrays(lrs, ifi, value):
    # XAPI-00240 mbox_sha1sum, XAPI-00241 openid, XAPI-00242 account "property is an Array of ..."
    actor = {"objectType": "Agent", "name": "xAPI agent", ifi: value}
    post_statements(lrs, [stmt(actor=actor)])
    person = send(lrs, "get", AGENTS, {"agent": actor}).get_json()
    assert person[ifi] == [value]


# ===================================================================================================
# Communication 2.5 — Activities resource (H.Communication2.5-ActivitiesResource.js)
# ===================================================================================================

ACTIVITIES = "/xapi/activities"


def test_activities_resource_accepts_get(lrs):
    # Communication 2.5 "An LRS has an Activities API with endpoint base IRI + /activities" / "accepts GET requests"
    s = stmt()
    post_statements(lrs, [s])
    assert send(lrs, "get", ACTIVITIES, {"activityId": s["object"]["id"]}).status_code == 200


def test_activities_resource_returns_the_complete_activity_object(lrs):
    # Communication 2.5.s1 "upon processing a successful GET request returns the complete Activity Object"
    activity = copy.deepcopy(DEFAULT_ACTIVITY) | {"id": "http://www.example.com/verify/complete/" + new_id()}
    post_statements(lrs, [stmt(object=activity)])
    response = send(lrs, "get", ACTIVITIES, {"activityId": activity["id"]})
    assert response.status_code == 200
    assert response.get_json() == activity


def test_activities_resource_without_activity_id_is_400(lrs):
    # Communication 2.5.s1.table1.row1 "rejects a GET request without activityId as a parameter"
    assert send(lrs, "get", ACTIVITIES).status_code == 400


@pytest.mark.parametrize("bad", [1, True, {"key": "value"}], ids=["1", "true", "object"])
def test_activities_resource_activity_id_that_is_not_an_iri_is_400(lrs, bad):
    # Communication 2.5.s1.table1.row1 "rejects a GET request with activityId as a parameter if it is not type String"
    assert send(lrs, "get", ACTIVITIES, {"activityId": bad}).status_code == 400


# ===================================================================================================
# Communication 2.6 — Agent Profile resource (H.Communication2.6-AgentProfileResource.js)
# ===================================================================================================

def test_agent_profile_get_returns_the_document(lrs):
    # XAPI-00274, XAPI-00259, XAPI-00269 "accepts GET requests"; "GET request with a valid profileId ... returns the
    # document satisfying the requirements of the GET and code 200 OK"
    params, document = build_agent_profile(), build_document()
    send(lrs, "post", AGENT_PROFILE, params, document)
    response = send(lrs, "get", AGENT_PROFILE, params)
    assert response.status_code == 200 and response.get_json() == document


def test_agent_profile_put_with_if_none_match_returns_204(lrs):
    # XAPI-00273 "upon processing a successful PUT request returns code 204 No Content" (If-None-Match: *)
    response = send(lrs, "put", AGENT_PROFILE, build_agent_profile(), build_document(), headers={"If-None-Match": "*"})
    assert response.status_code == 204


def test_agent_profile_put_without_etag_header_creates_but_never_overwrites(lrs):
    # XAPI-00273: the conformance suite expects an error for a profile PUT without If-Match or
    # If-None-Match even when no document exists. Deliberate difference: the spec only requires 409 when
    # the document exists (Communication 3.1), and common clients (the `tincan` package) create profiles
    # without either header; so creating works and overwriting without a condition is refused.
    params = build_agent_profile()
    assert send(lrs, "put", AGENT_PROFILE, params, build_document()).status_code == 204
    assert send(lrs, "put", AGENT_PROFILE, params, build_document()).status_code == 409


def test_agent_profile_post_returns_204(lrs):
    # XAPI-00272, XAPI-00283 "upon processing a successful POST request returns code 204 No Content"
    assert send(lrs, "post", AGENT_PROFILE, build_agent_profile(), build_document()).status_code == 204


def test_agent_profile_delete_returns_204_and_deletes(lrs):
    # XAPI-00271 "upon processing a successful DELETE request deletes the associated profile and returns 204"
    params = build_agent_profile()
    send(lrs, "post", AGENT_PROFILE, params, build_document())
    assert send(lrs, "delete", AGENT_PROFILE, params).status_code == 204
    assert send(lrs, "get", AGENT_PROFILE, params).status_code == 404


@pytest.mark.parametrize("method", ["put", "post", "delete", "get"])
def test_agent_profile_without_agent_is_400(lrs, method):
    # XAPI-00264 PUT, XAPI-00263 POST, XAPI-00262 DELETE, XAPI-00261 GET "rejects a request without agent as a
    # parameter with error code 400"
    params = build_agent_profile()
    del params["agent"]
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, AGENT_PROFILE, params, body).status_code == 400


AGENT_PROFILE_BAD_AGENTS = {
    "put": [1, True, "not Agent", {"key": "value"}],          # XAPI-00257
    "post": [1, True, {"key": "value"}],                      # XAPI-00256
    "delete": [1, True, {"key": "value"}],                    # XAPI-00255
    "get": [1, True, {"not_actor": "yup"}, "not Actor"],      # XAPI-00258
}


@pytest.mark.parametrize("method,bad", [(m, b) for m, bs in AGENT_PROFILE_BAD_AGENTS.items() for b in bs],
                         ids=[f"{m}-{b}" for m, bs in AGENT_PROFILE_BAD_AGENTS.items() for b in bs])
def test_agent_profile_agent_that_is_not_an_agent_object_is_400(lrs, method, bad):
    # XAPI-00255..XAPI-00258 "rejects a <method> request with agent as a parameter if it is not an Agent Object with
    # error code 400"
    params = build_agent_profile() | {"agent": bad}
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, AGENT_PROFILE, params, body).status_code == 400


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_agent_profile_without_profile_id_is_400(lrs, method):
    # XAPI-00267 PUT, XAPI-00266 POST, XAPI-00265 DELETE "rejects a request without profileId as a parameter"
    params = build_agent_profile()
    del params["profileId"]
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, AGENT_PROFILE, params, body).status_code == 400


def test_agent_profile_get_without_profile_id_returns_ids(lrs):
    # XAPI-00270 "GET request ... without profileId as a parameter returns an array of ids of agent profile documents"
    params = build_agent_profile()
    send(lrs, "post", AGENT_PROFILE, params, build_document())
    body = send(lrs, "get", AGENT_PROFILE, {"agent": params["agent"]}).get_json()
    assert params["profileId"] in body


def test_agent_profile_get_with_since_is_200(lrs):
    # XAPI-00268 "can process a GET request with since as a parameter"
    params = build_agent_profile()
    send(lrs, "post", AGENT_PROFILE, params, build_document())
    since = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    # the suite keeps profileId in the query (helper.buildAgentProfile + since)
    assert send(lrs, "get", AGENT_PROFILE, params | {"since": since}).status_code == 200


@pytest.mark.parametrize("bad", [1, True, {"key": "value"}, "not timestamp"], ids=["1", "true", "object", "text"])
def test_agent_profile_since_that_is_not_a_timestamp_is_400(lrs, bad):
    # XAPI-00260 "rejects a GET request with since as a parameter if it is not a TimeStamp"
    assert send(lrs, "get", AGENT_PROFILE, {"agent": STATE_AGENT, "since": bad}).status_code == 400


def test_agent_profile_ids_since_include_documents_stored_after_since(lrs):
    # XAPI-00275 "returned array of ids ... all refer to documents stored after the TimeStamp in the since parameter"
    params = build_agent_profile() | {"agent": {"objectType": "Agent", "mbox": f"mailto:{new_id()}@example.com"}}
    since = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    send(lrs, "post", AGENT_PROFILE, params, build_document())
    body = send(lrs, "get", AGENT_PROFILE, {"agent": params["agent"], "since": since}).get_json()
    assert body == [params["profileId"]]


def _json_then(lrs, path, params, document):
    response = lrs.client.post(path + qs(params), data=json.dumps(document),
                               headers={"Content-Type": "application/json", "X-Experience-API-Version": SUITE_VERSION,
                                        "Authorization": lrs.auth})
    assert response.status_code == 204


@pytest.mark.parametrize("path,build", [(AGENT_PROFILE, build_agent_profile), (ACT_PROFILE, build_activity_profile)],
                         ids=["agent_profile", "activity_profile"])
class TestProfilePostMergeRules:
    """XAPI-00278 (Agent Profile) / XAPI-00313 (Activity Profile): "rejects a POST request if the document is found and
    either document's type is not application/json with error code 400 Bad Request", and must not update it."""

    def test_non_json_post_onto_json_document_is_400_and_not_applied(self, lrs, path, build):
        # case 1 - bad post (application/octet-stream 'abcdefg')
        params, document = build(), build_document()
        _json_then(lrs, path, params, document)
        assert send(lrs, "post", path, params, b"abcdefg",
                    headers={"Content-Type": "application/octet-stream"}).status_code == 400
        assert send(lrs, "get", path, params).get_json() == document

    def test_json_post_onto_non_json_document_is_400_and_not_applied(self, lrs, path, build):
        # case 2 - bad existing (PUT application/octet-stream '/ asdf / undefined', then POST JSON)
        params = build()
        put = send(lrs, "put", path, params, b"/ asdf / undefined", headers={"Content-Type": "application/octet-stream"})
        assert put.status_code == 204
        assert send(lrs, "post", path, params, build_document()).status_code == 400
        assert send(lrs, "get", path, params).data == b"/ asdf / undefined"

    def test_unparsable_json_post_is_400_and_not_applied(self, lrs, path, build):
        # case 3 - bad json (Content-Type application/json, body JSON + '{')
        params, document = build(), build_document()
        _json_then(lrs, path, params, document)
        body = (json.dumps(build()) + "{").encode()
        assert send(lrs, "post", path, params, body, headers={"Content-Type": "application/json"}).status_code == 400
        assert send(lrs, "get", path, params).get_json() == document


def test_agent_profile_post_with_other_content_type_onto_json_is_400(lrs):
    # XAPI-00281 "rejects a POST request if the document is found and either document is not a valid JSON Object"
    # (Content-Type not/json)
    params, document = build_agent_profile(), build_document()
    _json_then(lrs, AGENT_PROFILE, params, document)
    assert send(lrs, "post", AGENT_PROFILE, params, b"abcdefg", headers={"Content-Type": "not/json"}).status_code == 400
    assert send(lrs, "get", AGENT_PROFILE, params).get_json() == document


def test_agent_profile_agent_parameter_with_broken_json_is_400(lrs):
    # XAPI-00284 "must reject with 400 ... a POST request ... which contains name/value pairs with invalid JSON"
    # (the agent parameter's first %3A is replaced by %22)
    agent = quote(json.dumps(STATE_AGENT, separators=(",", ":")), safe="").replace("%3A", "%22", 1)
    response = lrs.client.post(f"{AGENT_PROFILE}?profileId={new_id()}&agent={agent}", data=json.dumps(build_document()),
                               headers={"Content-Type": "application/json", "X-Experience-API-Version": SUITE_VERSION,
                                        "Authorization": lrs.auth})
    assert response.status_code == 400


# ===================================================================================================
# Communication 2.7 — Activity Profile resource (H.Communication2.7-ActivityProfileResource.js)
# ===================================================================================================

@pytest.mark.parametrize("method", ["put", "post"])
def test_activity_profile_put_and_post_return_204(lrs, method):
    # XAPI-00293, XAPI-00287 PUT / XAPI-00292, XAPI-00286 POST "accepts ... requests" and returns 204 No Content
    assert send(lrs, method, ACT_PROFILE, build_activity_profile(), build_document()).status_code == 204


def test_activity_profile_delete_returns_204(lrs):
    # XAPI-00291, XAPI-00285 "accepts DELETE requests" / "deletes the associated profile and returns 204"
    params = build_activity_profile()
    assert send(lrs, "delete", ACT_PROFILE, params).status_code == 204
    send(lrs, "post", ACT_PROFILE, params, build_document())
    assert send(lrs, "delete", ACT_PROFILE, params).status_code == 204
    assert send(lrs, "get", ACT_PROFILE, params).status_code == 404


def test_activity_profile_get_returns_the_document(lrs):
    # XAPI-00290, XAPI-00288 "accepts GET requests" / "GET request with a valid profileId ... returns the document"
    params, document = build_activity_profile(), build_document()
    send(lrs, "post", ACT_PROFILE, params, document)
    response = send(lrs, "get", ACT_PROFILE, params)
    assert response.status_code == 200 and response.get_json() == document


@pytest.mark.parametrize("method", ["put", "post", "delete", "get"])
def test_activity_profile_without_activity_id_is_400(lrs, method):
    # XAPI-00299 PUT, XAPI-00298 POST, XAPI-00297 DELETE, XAPI-00296 GET "rejects a request without activityId"
    params = build_activity_profile()
    del params["activityId"]
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, ACT_PROFILE, params, body).status_code == 400


@pytest.mark.parametrize("bad", [1, True, {"key": "value"}], ids=["1", "true", "object"])
@pytest.mark.parametrize("method", ["put", "post", "delete", "get"])
def test_activity_profile_activity_id_that_is_not_an_iri_is_400(lrs, method, bad):
    # Communication 2.7.s3.table1.row1 "rejects a <method> request with activityId as a parameter if it is not type
    # String"
    params = build_activity_profile() | {"activityId": bad}
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, ACT_PROFILE, params, body).status_code == 400


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_activity_profile_without_profile_id_is_400(lrs, method):
    # XAPI-00302 PUT, XAPI-00301 POST, XAPI-00300 DELETE "rejects a request without profileId as a parameter"
    params = build_activity_profile()
    del params["profileId"]
    body = build_document() if method in ("put", "post") else None
    assert send(lrs, method, ACT_PROFILE, params, body).status_code == 400


def test_activity_profile_get_without_profile_id_returns_ids(lrs):
    # XAPI-00289 "GET request without profileId as a parameter returns an array of ids of activity profile documents"
    params = build_activity_profile() | {"activityId": ACTIVITY_ID + new_id()}
    send(lrs, "post", ACT_PROFILE, params, build_document())
    body = send(lrs, "get", ACT_PROFILE, {"activityId": params["activityId"]}).get_json()
    assert body == [params["profileId"]]


def test_activity_profile_get_with_since_is_200(lrs):
    # XAPI-00303 "can process a GET request with since as a parameter"
    params = build_activity_profile()
    send(lrs, "post", ACT_PROFILE, params, build_document())
    since = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    # the suite keeps profileId in the query (helper.buildActivityProfile + since)
    assert send(lrs, "get", ACT_PROFILE, params | {"since": since}).status_code == 200


@pytest.mark.parametrize("bad", [1, True, "not Timestamp"], ids=["1", "true", "text"])
def test_activity_profile_since_that_is_not_a_timestamp_is_400(lrs, bad):
    # XAPI-00295 "rejects a GET request with since as a parameter if it is not a TimeStamp"
    assert send(lrs, "get", ACT_PROFILE, {"activityId": ACTIVITY_ID, "since": bad}).status_code == 400


def test_activity_profile_ids_since_include_documents_stored_after_since(lrs):
    # XAPI-00294 "returned array of ids ... all refer to documents stored after the TimeStamp in the since parameter"
    params = build_activity_profile() | {"activityId": ACTIVITY_ID + new_id()}
    since = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    send(lrs, "post", ACT_PROFILE, params, build_document())
    body = send(lrs, "get", ACT_PROFILE, {"activityId": params["activityId"], "since": since}).get_json()
    assert body == [params["profileId"]]


# ===================================================================================================
# Communication 2.8 — About resource (H.Communication2.8-AboutResource.js)
# ===================================================================================================

def test_about_resource_returns_version_array(lrs):
    # XAPI-00315, XAPI-00319 "An LRS has an About Resource" / "accepts GET requests ... returns a version property";
    # XAPI-00318 "version property is an array of strings"; XAPI-00317 contains "1.0.1" (and 1.0.3);
    # XAPI-00316 "can only have values of 0.9, 0.95, 1.0.0, or 1.0.x"
    response = lrs.client.get("/xapi/about")
    assert response.status_code == 200
    versions = response.get_json()["version"]
    assert isinstance(versions, list) and all(isinstance(v, str) for v in versions)
    assert "1.0.1" in versions and "1.0.3" in versions
    assert set(versions) <= {"0.9", "0.95", "1.0.0", "1.0.1", "1.0.2", "1.0.3"}


# ===================================================================================================
# Communication 3.1 — Concurrency (H.Communication3.1-Concurrency.js)
# ===================================================================================================

@pytest.mark.parametrize("resource", list(DOC_RESOURCES))
def test_document_get_includes_an_etag(lrs, resource):
    # XAPI-00322 "When responding to a GET request to State / Agent Profile / Activities Profile resource, include an
    # ETag HTTP header in the response"
    path, build = DOC_RESOURCES[resource]
    params = build()
    send(lrs, "post", path, params, build_document())
    assert send(lrs, "get", path, params).headers.get("ETag")


def test_etag_is_a_quoted_sha1_hex_value(lrs):
    # XAPI-00322 "the value should be calculated as a SHA1 hexadecimal value"; "the Etag header must be enclosed
    # in quotes"
    params = build_agent_profile()
    send(lrs, "post", AGENT_PROFILE, params, build_document())
    response = send(lrs, "get", AGENT_PROFILE, params)
    etag = response.headers["ETag"].removeprefix("W/")
    assert re.fullmatch(r'"[0-9a-fA-F]{40}"', etag)
    assert etag.strip('"') == hashlib.sha1(response.data).hexdigest()


def test_put_with_matching_if_match_is_204(lrs):
    # XAPI-00322 "When responding to a PUT request, must handle the If-Match header ... if it contains an ETag"
    params = build_agent_profile()
    send(lrs, "post", AGENT_PROFILE, params, build_document())
    etag = send(lrs, "get", AGENT_PROFILE, params).headers["ETag"]
    new = build_document()
    assert send(lrs, "put", AGENT_PROFILE, params, new, headers={"If-Match": etag}).status_code == 204
    assert send(lrs, "get", AGENT_PROFILE, params).get_json() == new


def test_put_with_if_none_match_star_on_new_document_is_204(lrs):
    # XAPI-00322 "handle the If-None-Match header ... if it contains *"
    response = send(lrs, "put", ACT_PROFILE, build_activity_profile(), build_document(), headers={"If-None-Match": "*"})
    assert response.status_code == 204


def test_put_with_failing_if_match_is_412_and_does_not_modify(lrs):
    # XAPI-00322 "If Header precondition in PUT Requests for RFC2616 fail: Return HTTP 412 (Precondition Failed)" /
    # "Do not modify the resource"
    params, document = build_state(), build_document()
    send(lrs, "post", STATE, params, document)
    bad = '"1111111111111111111111111111111111111111"'
    assert send(lrs, "put", STATE, params, build_document(), headers={"If-Match": bad}).status_code == 412
    assert send(lrs, "get", STATE, params).get_json() == document


def test_profile_put_without_precondition_on_existing_document_is_409(lrs):
    # XAPI-00322 "If put request is received without either header for a resource that already exists: Return 409
    # conflict" / "Return error message explaining the situation" / "Do not modify the resource"
    params, document = build_activity_profile(), build_document()
    send(lrs, "post", ACT_PROFILE, params, document)
    response = send(lrs, "put", ACT_PROFILE, params, build_document())
    assert response.status_code == 409
    assert response.get_data(as_text=True).strip()
    assert send(lrs, "get", ACT_PROFILE, params).get_json() == document


# ===================================================================================================
# Communication 3.2 — Error codes (H.Communication3.2-ErrorCodes.js)
# ===================================================================================================

def test_unknown_parameter_is_400(lrs):
    # XAPI-00324 "rejects with error code 400 Bad Request any request to an Resource which uses a parameter not
    # recognized by the LRS"
    assert lrs.client.get(f"{STATEMENTS}?foo=bar", headers={"X-Experience-API-Version": SUITE_VERSION,
                                                          "Authorization": lrs.auth}).status_code == 400


def test_bad_credentials_are_401(lrs):
    # Communication 3.2.s2.b2 "rejects a Statement of bad authorization ... with error code 401 Unauthorized"
    bad = "Basic " + base64.b64encode(b"foo:bar").decode()
    assert send(lrs, "get", STATEMENTS, headers={"Authorization": bad}).status_code == 401


@pytest.mark.parametrize("method,path,params", [
    ("delete", STATEMENTS, {"statementId": "e8b9e8b4-d0a8-4a56-9c3c-3ee6fe0a5f3e"}),
    ("delete", ACTIVITIES, {"activityId": "http://www.example.com/meetings/occurances/34534"}),
    ("post", ACTIVITIES, {"activityId": "http://www.example.com/meetings/occurances/34534"}),
    ("put", ACTIVITIES, {"activityId": "http://www.example.com/meetings/occurances/34534"}),
    ("delete", AGENTS, {"agent": DEFAULT_STATEMENT["actor"]}),
    ("post", AGENTS, {"agent": DEFAULT_STATEMENT["actor"]}),
    ("put", AGENTS, {"agent": DEFAULT_STATEMENT["actor"]}),
], ids=["statements-delete", "activities-delete", "activities-post", "activities-put", "agents-delete", "agents-post",
        "agents-put"])
def test_method_not_in_the_specification_is_405(lrs, method, path, params):
    # Communication 3.2.s3.b1 "rejects with error code 405 Method Not Allowed to any request to an Resource which uses
    # a method not in this specification"
    response = lrs.client.open(path + qs(params), method=method.upper(), headers={"X-Experience-API-Version": "1.0.1"})
    assert response.status_code == 405


@pytest.mark.parametrize("param,value", [
    ("StatementId", "put"), ("StatementId", new_id()), ("VoidedStatementId", new_id()),
    ("Agent", DEFAULT_STATEMENT["actor"]), ("Verb", "http://adlnet.gov/expapi/verbs/attended"),
    ("Activity", "http://www.example.com/meetings/occurances/34534"),
    ("Registration", "ec531277-b57b-4c15-8d91-d292c5b2b8f7"), ("Related_Activities", True), ("Related_Agents", True),
    ("Since", "2012-06-01T19:09:13.245Z"), ("Until", "2012-06-01T19:09:13.245Z"), ("Limit", 10), ("Format", "ids"),
    ("Attachments", True), ("Ascending", True),
], ids=["PUT-StatementId", "StatementId", "VoidedStatementId", "Agent", "Verb", "Activity", "Registration",
        "Related_Activities", "Related_Agents", "Since", "Until", "Limit", "Format", "Attachments", "Ascending"])
def test_parameter_with_differing_case_is_400(lrs, param, value):
    # XAPI-00325, XAPI-00008, XAPI-00009 "rejects with error code 400 Bad Request any request to an Resource which
    # uses a parameter with differing case"
    if value == "put":
        sid = new_id()
        response = send(lrs, "put", STATEMENTS, {"StatementId": sid}, stmt(id=sid))
    else:
        response = send(lrs, "get", STATEMENTS, {param: value})
    assert response.status_code == 400


# ===================================================================================================
# Communication 3.3 — Versioning (H.Communication3.3-Versioning.js)
# ===================================================================================================

def test_response_has_version_header_1_0_3(lrs):
    # XAPI-00333 "An LRS sends a header response with X-Experience-API-Version as the name and 1.0.3 as the value";
    # Communication 3.3.s3.b2 "set the X-Experience-API-Version header to the latest patch version"
    sid = new_id()
    post_statements(lrs, stmt(id=sid))
    assert get_statement(lrs, sid).headers["X-Experience-API-Version"] == "1.0.3"


def test_statement_is_not_converted_to_an_older_version_format(lrs):
    # XAPI-00330 "An LRS will not modify Statements based on a version before 1.0.1"
    s = stmt(id=new_id())
    post_statements(lrs, s)
    got = get_statement(lrs, s["id"]).get_json()
    assert (got["actor"], got["object"], got["verb"]) == (s["actor"], s["object"], s["verb"])


def test_about_without_version_header_is_200(lrs):
    # XAPI-00331 "should pass when About GET without header X-Experience-API-Version"
    assert lrs.client.get("/xapi/about").status_code == 200


@pytest.mark.parametrize("method", ["get", "post", "put"])
def test_statements_request_without_version_header_is_400(lrs, method):
    # XAPI-00331 "rejects with error code 400 Bad Request, a Request which does not use a X-Experience-API-Version
    # header name to any Resource except the About Resource"
    sid = new_id()
    kwargs = {} if method == "get" else {"data": json.dumps(stmt())}
    response = lrs.client.open(f"{STATEMENTS}?statementId={sid}" if method != "post" else STATEMENTS,
                               method=method.upper(), headers={"Authorization": lrs.auth,
                                                               "Content-Type": "application/json"}, **kwargs)
    assert response.status_code == 400
    assert get_statement(lrs, sid).status_code == 404


# ===================================================================================================
# Communication 4.0 — Authentication (H.Communication4.0-Authentication.js)
# ===================================================================================================

@pytest.mark.parametrize("authorization", [
    "Basic " + base64.b64encode(b"RobCIsNot:AUserOnThisLRS").decode(),
    "Basic:" + base64.b64encode(b"RobCIsNot:AUserOnThisLRS").decode(),
], ids=["random-name-pass", "malformed-header"])
def test_bad_authorization_is_401(lrs, authorization):
    # XAPI-00334 "rejects a Statement of bad authorization, either authentication needed or failed credentials, with
    # error code 401 Unauthorized" ("fails when given a random name pass pair" / "fails with a malformed header")
    sid = new_id()
    response = send(lrs, "put", STATEMENTS, {"statementId": sid}, stmt(id=sid), headers={"Authorization": authorization})
    assert response.status_code == 401
    assert get_statement(lrs, sid).status_code == 404


def test_http_basic_authentication_is_supported(lrs):
    # XAPI-00335 "An LRS must support HTTP Basic Authentication"
    sid = new_id()
    assert send(lrs, "put", STATEMENTS, {"statementId": sid}, stmt(id=sid)).status_code == 204


# ===================================================================================================
# Miscellaneous (MiscellaneousRequiremnts.js)
# ===================================================================================================

def test_malformed_json_object_property_is_400(lrs):
    # XAPI-00014 "All Objects are well-created JSON Objects (Nature of binding)" — actor.objectType set to the string
    # '"objectType": "Agent"'
    s = stmt()
    s["actor"]["objectType"] = '"objectType": "Agent"'
    assert send(lrs, "post", STATEMENTS, None, s).status_code == 400
