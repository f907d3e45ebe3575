"""Attachments over multipart/mixed and signed statements (JWS)."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import json

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.xapi.conftest import new_id, statement

BOUNDARY = "abcABC0123'()+_,-./:=?"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def multipart(payload, parts):
    chunks = [f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(payload).encode(), b"\r\n"]
    for content_type, content, headers in parts:
        head = f"--{BOUNDARY}\r\nContent-Type: {content_type}\r\n"
        for k, v in headers.items():
            head += f"{k}: {v}\r\n"
        chunks += [head.encode() + b"\r\n", content, b"\r\n"]
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{BOUNDARY}"'


def attachment(content: bytes, usage="http://example.com/attachment-usage/test", ctype="text/plain"):
    return {"usageType": usage, "display": {"en-US": "A test attachment"}, "contentType": ctype,
            "length": len(content), "sha2": hashlib.sha256(content).hexdigest()}


def part(content: bytes, ctype="text/plain", **overrides):
    headers = {"Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": hashlib.sha256(content).hexdigest()}
    headers.update(overrides)
    return ctype, content, {k: v for k, v in headers.items() if v is not None}


def post_multipart(lrs, payload, parts):
    body, ctype = multipart(payload, parts)
    return lrs.post("/xapi/statements", data=body, headers={"Content-Type": ctype})


def test_attachment_is_stored_and_returned_in_multipart(lrs):
    content = "Här är ett intyg ✓".encode()
    s = statement(attachments=[attachment(content)])
    response = post_multipart(lrs, s, [part(content)])
    assert response.status_code == 200, response.get_json()
    [sid] = response.get_json()
    got = lrs.get(f"/xapi/statements?statementId={sid}&attachments=true")
    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    message = email.message_from_bytes(b"Content-Type: " + got.headers["Content-Type"].encode() + b"\r\n\r\n" + got.data,
                                       policy=email.policy.HTTP)
    first, second = list(message.iter_parts())
    assert json.loads(first.get_payload(decode=True))["id"] == sid
    assert second["X-Experience-API-Hash"] == hashlib.sha256(content).hexdigest()
    assert second.get_payload(decode=True) == content
    plain = lrs.get(f"/xapi/statements?statementId={sid}")
    assert plain.headers["Content-Type"].startswith("application/json")


def test_missing_part_is_400_unless_the_attachment_has_a_file_url(lrs):
    content = b"report"
    assert lrs.post("/xapi/statements", statement(attachments=[attachment(content)])).status_code == 400
    with_url = dict(attachment(content), fileUrl="http://example.com/report.txt")
    assert lrs.post("/xapi/statements", statement(attachments=[with_url])).status_code == 200


@pytest.mark.parametrize("bad_part", [
    part(b"text", **{"X-Experience-API-Hash": None}),
    part(b"text", **{"Content-Transfer-Encoding": None}),
    part(b"text", **{"X-Experience-API-Hash": hashlib.sha256(b"other").hexdigest()}),
])
def test_malformed_parts_are_400(lrs, bad_part):
    s = statement(attachments=[attachment(b"text")])
    response = post_multipart(lrs, s, [bad_part])
    assert response.status_code == 400
    assert "part 2" in response.get_json()["error"] or "attachments" in response.get_json()["error"]


def test_part_that_belongs_to_no_attachment_is_400(lrs):
    response = post_multipart(lrs, statement(), [part(b"stray")])
    assert response.status_code == 400


def test_first_part_must_be_json(lrs):
    body = f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{BOUNDARY}--\r\n".encode()
    response = lrs.post("/xapi/statements", data=body, headers={"Content-Type": f'multipart/mixed; boundary="{BOUNDARY}"'})
    assert response.status_code == 400


@pytest.fixture(scope="module")
def signing_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fasthold test signer")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return key, x5c


def signed(s, key, x5c, alg="RS256", payload=None):
    token = jwt.encode(payload or s, key, algorithm=alg, headers={"x5c": [x5c]}).encode()
    s = dict(s, attachments=[attachment(token, usage=SIGNATURE, ctype="application/octet-stream")])
    return s, token


def test_signed_statement_is_accepted_and_returned_with_its_signature(lrs, signing_key):
    key, x5c = signing_key
    s, token = signed(statement(id=new_id()), key, x5c)
    response = post_multipart(lrs, s, [part(token, "application/octet-stream")])
    assert response.status_code == 200, response.get_json()
    got = lrs.get(f"/xapi/statements?statementId={s['id']}&attachments=true")
    assert token in got.data


def test_signature_over_a_different_statement_is_400(lrs, signing_key):
    key, x5c = signing_key
    original = statement(id=new_id())
    tampered = dict(original, verb={"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}})
    s, token = signed(tampered, key, x5c, payload=original)
    response = post_multipart(lrs, s, [part(token, "application/octet-stream")])
    assert response.status_code == 400
    assert "signed payload" in response.get_json()["error"]


def test_signature_with_a_forbidden_algorithm_is_400(lrs):
    s = statement(id=new_id())
    token = jwt.encode(s, "shared-secret", algorithm="HS256").encode()
    s = dict(s, attachments=[attachment(token, usage=SIGNATURE, ctype="application/octet-stream")])
    response = post_multipart(lrs, s, [part(token, "application/octet-stream")])
    assert response.status_code == 400
    assert "RS256" in response.get_json()["error"]


def test_signature_that_does_not_verify_against_its_certificate_is_400(lrs, signing_key):
    key, _x5c = signing_key
    other_key, other_x5c = rsa.generate_private_key(public_exponent=65537, key_size=2048), signing_key[1]
    s = statement(id=new_id())
    token = jwt.encode(s, other_key, algorithm="RS256", headers={"x5c": [other_x5c]}).encode()
    s = dict(s, attachments=[attachment(token, usage=SIGNATURE, ctype="application/octet-stream")])
    response = post_multipart(lrs, s, [part(token, "application/octet-stream")])
    assert response.status_code == 400
    assert "does not verify" in response.get_json()["error"]


def test_malformed_signature_is_400(lrs):
    token = b"not-a-jws"
    s = statement(attachments=[attachment(token, usage=SIGNATURE, ctype="application/octet-stream")])
    assert post_multipart(lrs, s, [part(token, "application/octet-stream")]).status_code == 400
