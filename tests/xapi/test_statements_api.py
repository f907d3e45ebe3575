"""The Statements resource over HTTP: every status code the specification asks for."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest

from tests.xapi.conftest import VERSION, LRSClient, new_id, statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def test_post_one_statement_returns_its_id_and_get_returns_it(lrs):
    response = lrs.post("/xapi/statements", statement())
    assert response.status_code == 200
    [statement_id] = response.get_json()
    got = lrs.get(f"/xapi/statements?statementId={statement_id}")
    assert got.status_code == 200
    body = got.get_json()
    assert body["id"] == statement_id
    assert body["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert body["stored"].endswith("Z") and body["timestamp"] and body["version"] == "1.0.0"
    assert body["authority"]["objectType"] == "Agent"
    assert got.headers["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in got.headers
    assert "Last-Modified" in got.headers


def test_put_with_statement_id_stores_and_answers_204(lrs):
    sid = new_id()
    assert lrs.put(f"/xapi/statements?statementId={sid}", statement()).status_code == 204
    assert lrs.get(f"/xapi/statements?statementId={sid}").get_json()["id"] == sid


def test_put_without_statement_id_is_400(lrs):
    response = lrs.put("/xapi/statements", statement())
    assert response.status_code == 400
    assert "statementId" in response.get_json()["error"]


def test_put_with_mismatching_id_in_body_is_400(lrs):
    response = lrs.put(f"/xapi/statements?statementId={new_id()}", statement(id=new_id()))
    assert response.status_code == 400


def test_same_statement_again_is_accepted_unchanged(lrs):
    sid = new_id()
    assert lrs.put(f"/xapi/statements?statementId={sid}", statement()).status_code == 204
    first = lrs.get(f"/xapi/statements?statementId={sid}").get_json()
    assert lrs.put(f"/xapi/statements?statementId={sid}", statement()).status_code == 204
    assert lrs.post("/xapi/statements", [statement(id=sid)]).status_code == 200
    assert lrs.get(f"/xapi/statements?statementId={sid}").get_json() == first


def test_different_statement_with_used_id_is_409(lrs):
    sid = new_id()
    lrs.put(f"/xapi/statements?statementId={sid}", statement())
    other = statement(verb={"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}})
    assert lrs.put(f"/xapi/statements?statementId={sid}", other).status_code == 409
    assert lrs.post("/xapi/statements", [statement(), dict(other, id=sid)]).status_code == 409


def test_duplicate_ids_inside_a_batch_are_400_and_nothing_is_stored(lrs):
    sid = new_id()
    response = lrs.post("/xapi/statements", [statement(id=sid), statement(id=sid)])
    assert response.status_code == 400
    assert lrs.get(f"/xapi/statements?statementId={sid}").status_code == 404


def test_batch_with_one_bad_statement_stores_nothing(lrs):
    good = statement(id=new_id())
    bad = statement(id=new_id(), actor={"objectType": "Agent", "mbox": "liv@example.com"})
    response = lrs.post("/xapi/statements", [good, bad])
    assert response.status_code == 400
    assert "statement[1].actor" in response.get_json()["error"]
    assert lrs.get(f"/xapi/statements?statementId={good['id']}").status_code == 404


def test_voided_statement_is_returned_only_by_voided_statement_id(lrs):
    sid = new_id()
    lrs.put(f"/xapi/statements?statementId={sid}", statement())
    voiding = statement(verb={"id": VOIDED, "display": {"en-US": "voided"}},
                        object={"objectType": "StatementRef", "id": sid})
    [voiding_id] = lrs.post("/xapi/statements", voiding).get_json()
    assert lrs.get(f"/xapi/statements?statementId={sid}").status_code == 404
    assert lrs.get(f"/xapi/statements?voidedStatementId={sid}").get_json()["id"] == sid
    ids = [s["id"] for s in lrs.get("/xapi/statements?limit=50").get_json()["statements"]]
    assert sid not in ids and voiding_id in ids
    # The voiding statement itself is not voided and cannot be voided.
    assert lrs.get(f"/xapi/statements?voidedStatementId={voiding_id}").status_code == 404
    void_the_voider = statement(verb={"id": VOIDED, "display": {"en-US": "voided"}},
                                object={"objectType": "StatementRef", "id": voiding_id})
    assert lrs.post("/xapi/statements", void_the_voider).status_code == 400


def test_filters_match_statements_that_refer_to_a_matching_statement(lrs):
    target = new_id()
    lrs.put(f"/xapi/statements?statementId={target}", statement(object={"id": "http://example.com/special"}))
    referrer = statement(verb={"id": "http://adlnet.gov/expapi/verbs/commented", "display": {"en-US": "commented"}},
                         object={"objectType": "StatementRef", "id": target})
    [ref_id] = lrs.post("/xapi/statements", referrer).get_json()
    ids = [s["id"] for s in lrs.get("/xapi/statements?activity=" + quote("http://example.com/special")).get_json()["statements"]]
    assert set(ids) == {target, ref_id}


def test_query_by_agent_verb_activity_registration(lrs):
    reg = new_id()
    mine = statement(actor={"mbox": "mailto:me@example.com"}, context={"registration": reg})
    other = statement(actor={"mbox": "mailto:other@example.com"},
                      verb={"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
                      object={"id": "http://example.com/other"})
    [mine_id, other_id] = lrs.post("/xapi/statements", [mine, other]).get_json()

    def ids(query):
        response = lrs.get("/xapi/statements?" + query)
        assert response.status_code == 200, response.get_json()
        return {s["id"] for s in response.get_json()["statements"]}

    agent = quote(json.dumps({"mbox": "mailto:me@example.com"}))
    assert ids(f"agent={agent}") == {mine_id}
    assert ids("verb=" + quote("http://adlnet.gov/expapi/verbs/attempted")) >= {other_id}
    assert mine_id not in ids("verb=" + quote("http://adlnet.gov/expapi/verbs/attempted"))
    assert ids("activity=" + quote("http://example.com/other")) == {other_id}
    assert ids(f"registration={reg}") == {mine_id}


def test_related_activities_and_agents_widen_the_match(lrs):
    s = statement(context={"contextActivities": {"parent": {"id": "http://example.com/program"}},
                           "instructor": {"mbox": "mailto:teacher@example.com"}})
    [sid] = lrs.post("/xapi/statements", s).get_json()
    program = quote("http://example.com/program")
    teacher = quote(json.dumps({"mbox": "mailto:teacher@example.com"}))
    assert sid not in {x["id"] for x in lrs.get(f"/xapi/statements?activity={program}").get_json()["statements"]}
    assert sid in {x["id"] for x in lrs.get(f"/xapi/statements?activity={program}&related_activities=true").get_json()["statements"]}
    assert sid not in {x["id"] for x in lrs.get(f"/xapi/statements?agent={teacher}").get_json()["statements"]}
    assert sid in {x["id"] for x in lrs.get(f"/xapi/statements?agent={teacher}&related_agents=true").get_json()["statements"]}
    # Context activities are stored as arrays.
    stored = lrs.get(f"/xapi/statements?statementId={sid}").get_json()
    assert stored["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/program"}]


def test_more_link_pages_stably_and_is_empty_at_the_end(lrs):
    activity = "http://example.com/paged"
    ids = lrs.post("/xapi/statements", [statement(object={"id": activity}) for _ in range(7)]).get_json()
    seen = []
    url = f"/xapi/statements?limit=3&ascending=true&activity={quote(activity)}"
    pages = 0
    while url:
        response = lrs.get(url)
        assert response.status_code == 200
        body = response.get_json()
        seen += [s["id"] for s in body["statements"]]
        if pages == 0:  # a statement stored after the first page does not shift later pages
            lrs.post("/xapi/statements", statement(object={"id": activity}))
        url = body["more"]
        assert url == "" or url.startswith("/xapi/statements?more=")
        pages += 1
    assert seen == ids
    assert pages == 3


def test_since_until_and_ascending_order(lrs):
    first = lrs.post("/xapi/statements", statement()).get_json()[0]
    middle_time = lrs.get(f"/xapi/statements?statementId={first}").get_json()["stored"]
    time.sleep(0.01)
    second = lrs.post("/xapi/statements", statement()).get_json()[0]
    newer = [s["id"] for s in lrs.get(f"/xapi/statements?since={quote(middle_time)}").get_json()["statements"]]
    assert second in newer and first not in newer
    older = [s["id"] for s in lrs.get(f"/xapi/statements?until={quote(middle_time)}").get_json()["statements"]]
    assert first in older and second not in older
    default = [s["id"] for s in lrs.get("/xapi/statements").get_json()["statements"]]
    assert default.index(second) < default.index(first)
    ascending = [s["id"] for s in lrs.get("/xapi/statements?ascending=true").get_json()["statements"]]
    assert ascending.index(first) < ascending.index(second)


def test_formats_ids_and_canonical(lrs):
    [sid] = lrs.post("/xapi/statements", statement()).get_json()
    ids_form = lrs.get(f"/xapi/statements?statementId={sid}&format=ids").get_json()
    assert ids_form["object"] == {"objectType": "Activity", "id": "http://example.com/courses/gdpr"}
    assert "name" not in ids_form["actor"]
    canonical = lrs.get(f"/xapi/statements?statementId={sid}&format=canonical", headers={"Accept-Language": "da"}).get_json()
    assert canonical["object"]["definition"]["name"] == {"da": "GDPR grundlæggende"}
    exact = lrs.get(f"/xapi/statements?statementId={sid}&format=exact").get_json()
    assert exact["object"]["definition"]["name"] == {"en-US": "GDPR basics", "da": "GDPR grundlæggende"}
    assert lrs.get(f"/xapi/statements?statementId={sid}&format=pretty").status_code == 400


@pytest.mark.parametrize(
    "query",
    ["statementId=not-a-uuid", "statementId={id}&voidedStatementId={id}", "statementId={id}&verb=http://x.example/v",
     "agent=notjson", "agent=" + quote('{"mbox":"liv@example.com"}'), "verb=not an iri", "since=yesterday",
     "limit=-1", "limit=ten", "ascending=yes", "unknown=1", "registration=123"],
)
def test_bad_query_parameters_are_400_with_a_reason(lrs, query):
    response = lrs.get("/xapi/statements?" + query.format(id=new_id()))
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_missing_or_unsupported_version_header_is_400(client, make_credential):
    _cred, auth = make_credential("all")
    missing = client.get("/xapi/statements", headers={"Authorization": auth})
    assert missing.status_code == 400 and "X-Experience-API-Version" in missing.get_json()["error"]
    assert missing.headers["X-Experience-API-Version"] == "1.0.3"
    for version in ["0.95", "1.1.0", "2.0.0"]:
        response = client.get("/xapi/statements", headers={"Authorization": auth, "X-Experience-API-Version": version})
        assert response.status_code == 400, version
    for version in ["1.0", "1.0.0", "1.0.2", "1.0.3"]:
        response = client.get("/xapi/statements", headers={"Authorization": auth, "X-Experience-API-Version": version})
        assert response.status_code == 200, version


def test_about_needs_no_credentials_or_version(client):
    response = client.get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.get_json()["version"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_no_or_wrong_credentials_are_401(client, make_credential):
    assert client.get("/xapi/statements", headers=VERSION).status_code == 401
    cred, auth = make_credential("all")
    bad = "Basic " + __import__("base64").b64encode(f"{cred.key}:wrong".encode()).decode()
    response = client.get("/xapi/statements", headers={**VERSION, "Authorization": bad})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_revoked_credential_is_refused(client, make_credential, db):
    from xapi.auth import revoke_credential

    cred, auth = make_credential("all")
    assert client.get("/xapi/statements", headers={**VERSION, "Authorization": auth}).status_code == 200
    revoke_credential(cred)
    assert client.get("/xapi/statements", headers={**VERSION, "Authorization": auth}).status_code == 401


def test_scopes_limit_what_a_credential_may_do(client, make_credential):
    _c, write_only = make_credential("statements/write")
    writer = LRSClient(client, write_only)
    assert writer.post("/xapi/statements", statement()).status_code == 200
    assert writer.get("/xapi/statements").status_code == 403

    _c, read_only = make_credential("statements/read")
    reader = LRSClient(client, read_only)
    assert reader.post("/xapi/statements", statement()).status_code == 403
    assert reader.get("/xapi/statements").status_code == 200

    _c, mine_auth = make_credential("statements/write", "statements/read/mine")
    mine = LRSClient(client, mine_auth)
    [my_id] = mine.post("/xapi/statements", statement()).get_json()
    assert {s["id"] for s in mine.get("/xapi/statements").get_json()["statements"]} == {my_id}


def test_alternate_request_syntax(client, make_credential):
    _c, auth = make_credential("all")
    sid = new_id()
    form = {"Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json",
            "statementId": sid, "content": json.dumps(statement())}
    response = client.post("/xapi/statements?method=PUT", data=form)
    assert response.status_code == 204
    got = client.post("/xapi/statements?method=GET", data={"Authorization": auth, "X-Experience-API-Version": "1.0.3",
                                                            "statementId": sid})
    assert got.status_code == 200 and got.get_json()["id"] == sid


def test_cors_preflight_and_headers(client):
    response = client.options("/xapi/statements", headers={"Origin": "https://content.example.com",
                                                           "Access-Control-Request-Method": "PUT"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Experience-API-Version" in response.headers["Access-Control-Allow-Headers"]


def test_signed_in_person_reads_only_their_own_statements(client, create_user, login, lrs):
    user = create_user()
    [mine] = lrs.post("/xapi/statements", statement(actor={"mbox": f"mailto:{user.email}"})).get_json()
    [theirs] = lrs.post("/xapi/statements", statement()).get_json()
    login(user)
    response = client.get("/xapi/statements", headers=VERSION)
    assert response.status_code == 200
    assert {s["id"] for s in response.get_json()["statements"]} == {mine}
    assert client.get(f"/xapi/statements?statementId={theirs}", headers=VERSION).status_code == 404
    assert client.post("/xapi/statements", data=json.dumps(statement()), headers={**VERSION, "Content-Type": "application/json"}).status_code == 401


def test_statements_are_linked_to_platform_people(lrs, create_user, db):
    from xapi.models import Statement

    user = create_user()
    [sid] = lrs.post("/xapi/statements", statement(actor={"mbox": f"mailto:{user.email}"})).get_json()
    assert db.session.query(Statement).filter_by(id=sid).one().user_id == user.id


def test_stored_statements_are_announced_after_commit(lrs, sent_tasks):
    lrs.post("/xapi/statements", [statement(), statement()])
    names = [name for name, _args, _kw in sent_tasks]
    assert names == ["xapi.announce_statements"]
    assert len(sent_tasks[0][1][0]) == 2
