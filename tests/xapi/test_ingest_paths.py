"""The fast statement path: JSON parsing edge cases and activity definitions written only when new
or changed."""

import json
from urllib.parse import urlencode

from sqlalchemy import select

from xapi import jsonutil
from xapi.models import Activity

from .conftest import new_id, statement


def test_integers_beyond_64_bits_in_extensions_are_kept_exactly(lrs):
    big = 2**70 + 12345  # not a float in disguise
    body = json.dumps(statement(id=new_id(), result={"extensions": {"http://example.com/big": big}}))
    sid = json.loads(body)["id"]
    response = lrs.post("/xapi/statements", data=body)
    assert response.status_code == 200, response.get_json()
    stored = lrs.get(f"/xapi/statements?statementId={sid}").get_json()
    assert stored["result"]["extensions"]["http://example.com/big"] == big


def test_nan_is_not_json_and_gets_a_400(lrs):
    body = '{"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://example.com/v"}, ' \
           '"object": {"id": "http://example.com/a"}, "result": {"score": {"raw": NaN}}}'
    response = lrs.post("/xapi/statements", data=body)
    assert response.status_code == 400


def test_loads_keeps_big_integers_and_falls_back_for_lone_surrogate_escapes():
    assert jsonutil.loads(b'[1180591620717411315769, 1.5]') == [2**70 + 12345, 1.5]
    assert jsonutil.loads(b'{"a": "\\ud800"}') == {"a": "\ud800"}


def test_loads_finds_a_long_integer_anywhere_and_only_a_run_of_nineteen_digits_counts():
    big = 2**64 + 1  # 20 digits: orjson would make it a float
    assert jsonutil.loads(f'{{"ok": "12-34", "x": [1.5, {{"n": {big}}}]}}'.encode()) == {"ok": "12-34", "x": [1.5, {"n": big}]}
    assert jsonutil._has_long_digit_run(b'{"n": 1234567890123456789}')  # nineteen
    assert not jsonutil._has_long_digit_run(b'{"n": 123456789012345678, "m": "0-123456789012345678"}')  # eighteen
    assert jsonutil.loads(b'[123456789012345678, 9223372036854775807]') == [123456789012345678, 2**63 - 1]


def _activity(db, activity_id):
    return db.session.execute(select(Activity).where(Activity.id == activity_id)).scalar_one()


def test_unchanged_definition_is_not_rewritten_and_a_changed_one_is(lrs, db):
    activity_id = "http://example.com/courses/ingest-defs"
    s = statement(object={"id": activity_id, "definition": {"name": {"en-US": "First"}}})
    assert lrs.post("/xapi/statements", dict(s, id=new_id())).status_code == 200
    first = _activity(db, activity_id).updated_at

    assert lrs.post("/xapi/statements", dict(s, id=new_id())).status_code == 200
    db.session.expire_all()
    assert _activity(db, activity_id).updated_at == first  # same definition: no write

    s["object"]["definition"] = {"name": {"en-US": "Second"}}
    assert lrs.post("/xapi/statements", dict(s, id=new_id())).status_code == 200
    db.session.expire_all()
    activity = _activity(db, activity_id)
    assert activity.definition == {"name": {"en-US": "Second"}}
    served = lrs.get("/xapi/activities?" + urlencode({"activityId": activity_id})).get_json()
    assert served["definition"]["name"] == {"en-US": "Second"}
