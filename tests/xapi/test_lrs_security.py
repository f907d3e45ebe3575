"""What one tool or person must not be able to do to another through the LRS."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import jwt

from tests.xapi.conftest import VERSION, LRSClient, new_id, statement
from tests.xapi.test_attachments import SIGNATURE, attachment, part, post_multipart

LEARNER = {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
VICTIM = {"objectType": "Agent", "mbox": "mailto:victim@example.com"}


def launch_client(client, make_credential):
    from xapi.agents import ifi_key

    registration = new_id()
    _c, auth = make_credential("statements/write", "statements/read/mine", "state",
                               actor_ifi=ifi_key(LEARNER), registration=registration)
    return LRSClient(client, auth), registration


def test_lrs_responses_are_sandboxed_and_html_documents_are_downloads(lrs):
    doc = "/xapi/activities/state?" + urlencode({"activityId": "http://example.com/a", "agent": json.dumps(LEARNER),
                                                 "stateId": "page"})
    lrs.put(doc, data=b"<form action=/login>", headers={"Content-Type": "text/html"})
    response = lrs.get(doc)
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_launch_credential_cannot_speak_as_a_group_or_about_others(client, make_credential):
    launch, registration = launch_client(client, make_credential)
    as_group = statement(actor={"objectType": "Group", "mbox": LEARNER["mbox"], "member": [VICTIM]})
    assert launch.post("/xapi/statements", as_group).status_code == 403
    about_victim = statement(actor=LEARNER, object=dict(VICTIM))
    assert launch.post("/xapi/statements", about_victim).status_code == 403
    sub = statement(actor=LEARNER, object={"objectType": "SubStatement", "actor": VICTIM,
                                           "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"},
                                           "object": {"id": "http://example.com/a"}})
    assert launch.post("/xapi/statements", sub).status_code == 403
    other_registration = statement(actor=LEARNER, context={"registration": new_id()})
    assert launch.post("/xapi/statements", other_registration).status_code == 403
    own = statement(actor=LEARNER, context={"registration": registration})
    assert launch.post("/xapi/statements", own).status_code == 200


def test_launch_credential_cannot_void_someone_elses_statement(client, make_credential, lrs):
    [victim_statement] = lrs.post("/xapi/statements", statement(actor=VICTIM)).get_json()
    launch, _registration = launch_client(client, make_credential)
    voiding = statement(actor=LEARNER, verb={"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
                        object={"objectType": "StatementRef", "id": victim_statement})
    assert launch.post("/xapi/statements", voiding).status_code == 403
    assert lrs.get(f"/xapi/statements?statementId={victim_statement}").status_code == 200


def test_naming_anothers_attachment_hash_does_not_reveal_its_content(client, make_credential, lrs):
    secret = b"salary review 2026"
    victim = statement(attachments=[attachment(secret)])
    assert post_multipart(lrs, victim, [part(secret)]).status_code == 200
    _c, auth = make_credential("statements/write", "statements/read/mine", name="attacker")
    attacker = LRSClient(client, auth)
    decoy = b"decoy"
    stolen = dict(attachment(secret), fileUrl="http://example.com/x")
    mine = statement(id=new_id(), attachments=[attachment(decoy), stolen])
    assert post_multipart(attacker, mine, [part(decoy)]).status_code == 200
    got = attacker.get(f"/xapi/statements?statementId={mine['id']}&attachments=true")
    assert got.status_code == 200
    assert secret not in got.data and decoy in got.data


def test_revocation_by_another_process_is_effective_at_once(client, make_credential, db):
    from datetime import datetime, timezone

    from sqlalchemy import update

    from xapi.models import Credential

    credential, auth = make_credential("all")
    assert client.get("/xapi/statements", headers={**VERSION, "Authorization": auth}).status_code == 200
    # as another server process would: straight in the database, nothing in this process told
    db.session.execute(update(Credential).where(Credential.id == credential.id)
                       .values(revoked_at=datetime.now(timezone.utc)))
    assert client.get("/xapi/statements", headers={**VERSION, "Authorization": auth}).status_code == 401


def test_too_many_statements_in_one_request_is_400(lrs):
    response = lrs.post("/xapi/statements", [statement() for _ in range(1001)])
    assert response.status_code == 400
    assert "at most 1000 statements" in response.get_json()["error"]


def test_malformed_x5c_is_400_not_500(lrs):
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    s = statement(id=new_id())
    token = jwt.encode(s, key, algorithm="RS256", headers={"x5c": {"not": "a list"}}).encode()
    s = dict(s, attachments=[attachment(token, usage=SIGNATURE, ctype="application/octet-stream")])
    response = post_multipart(lrs, s, [part(token, "application/octet-stream")])
    assert response.status_code == 400


def test_write_only_credential_cannot_read_activities_or_agents(client, make_credential):
    _c, auth = make_credential("statements/write")
    writer = LRSClient(client, auth)
    assert writer.get("/xapi/activities?activityId=" + quote("http://example.com/a")).status_code == 403
    assert writer.get("/xapi/agents?agent=" + quote(json.dumps(VICTIM))).status_code == 403
