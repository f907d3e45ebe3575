"""The admin pages of the LRS: credentials and the statement browser."""

from __future__ import annotations

import json
import re

from tests.xapi.conftest import VERSION, new_id, statement


def test_admin_creates_a_credential_sees_the_secret_once_and_it_works(client, login, create_user):
    login(create_user("admin"))
    response = client.post("/admin/lrs/credentials", data={"name": "Storyline", "scopes": ["statements/write"]})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    key = re.search(r"<dt>Key</dt><dd><code>(\w+)</code>", html).group(1)
    secret = re.search(r"<dt>Secret</dt><dd><code>([\w-]+)</code>", html).group(1)
    client.post("/logout")
    import base64

    auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    ok = client.post("/xapi/statements", data=json.dumps(statement()),
                     headers={**VERSION, "Authorization": auth, "Content-Type": "application/json"})
    assert ok.status_code == 200
    assert secret not in client.get("/admin/lrs/credentials").get_data(as_text=True)


def test_credential_needs_a_name_and_a_scope(client, login, create_user):
    login(create_user("admin"))
    response = client.post("/admin/lrs/credentials", data={"name": "", "scopes": []})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="scopes-error"' in html


def test_admin_revokes_a_credential(client, login, create_user, make_credential):
    credential, auth = make_credential("all", name="Old tool")
    login(create_user("admin"))
    assert client.post(f"/admin/lrs/credentials/{credential.id}/revoke").status_code == 302
    client.post("/logout")
    assert client.get("/xapi/statements", headers={**VERSION, "Authorization": auth}).status_code == 401


def test_statement_browser_filters_shows_json_and_exports_json_lines(client, login, create_user, lrs):
    mine = statement(actor={"mbox": "mailto:astrid@example.com", "name": "Astrid"})
    other = statement(actor={"mbox": "mailto:other@example.com", "name": "Other"})
    [mine_id, other_id] = lrs.post("/xapi/statements", [mine, other]).get_json()
    login(create_user("admin"))
    html = client.get("/admin/lrs/statements?person=astrid@example.com").get_data(as_text=True)
    assert mine_id in html and other_id not in html
    detail = client.get(f"/admin/lrs/statements/{mine_id}").get_data(as_text=True)
    assert "astrid@example.com" in detail
    export = client.get("/admin/lrs/statements/export.jsonl?person=astrid@example.com")
    assert export.status_code == 200 and export.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert [s["id"] for s in lines] == [mine_id]
    assert client.get("/admin/lrs/statements?verb=not+an+iri").status_code == 200
    assert "Give a full IRI" in client.get("/admin/lrs/statements?verb=not+an+iri").get_data(as_text=True)
    assert client.get(f"/admin/lrs/statements/{new_id()}").status_code == 404
