"""Statement attachments over multipart/mixed, and signed statements (JWS).

xAPI-Communication 1.5.2 and xAPI-Data 2.4.11 and 2.6. Parsing uses the standard library's MIME
parser; JWS uses PyJWT with the `cryptography` backend.
"""

from __future__ import annotations

import base64
import binascii
import copy
import email
import email.policy
import hashlib
import json
import secrets
from typing import Any

import jwt
from cryptography import x509

from .service import BadRequest

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_ALGORITHMS = ("RS256", "RS384", "RS512")
_HASHES = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def parse_multipart(content_type: str, body: bytes) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """(the JSON of the first part, {sha2: (content type, content)} of the others)."""
    message = email.message_from_bytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body, policy=email.policy.HTTP
    )
    if not message.is_multipart():
        raise BadRequest("Content-Type: multipart/mixed needs a boundary and parts")
    parts = list(message.iter_parts())
    if not parts:
        raise BadRequest("body: the multipart request has no parts")
    first = parts[0]
    if first.get_content_type() != "application/json":
        raise BadRequest("body: the first part of a multipart request must be application/json (the statements)")
    try:
        payload = json.loads(first.get_payload(decode=True).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"body: the statements part is not valid JSON ({exc})") from None
    contents: dict[str, tuple[str, bytes]] = {}
    for index, part in enumerate(parts[1:], start=2):
        sha2 = (part.get("X-Experience-API-Hash") or "").strip().lower()
        if not sha2:
            raise BadRequest(f"part {index}: X-Experience-API-Hash header is missing")
        encoding = (part.get("Content-Transfer-Encoding") or "").strip().lower()
        if encoding != "binary":
            raise BadRequest(f"part {index}: Content-Transfer-Encoding must be binary")
        data = part.get_payload(decode=True) or b""
        hasher = _HASHES.get(len(sha2))
        if hasher is None or hasher(data).hexdigest() != sha2:
            raise BadRequest(f"part {index}: its content does not match its X-Experience-API-Hash {sha2}")
        contents[sha2] = (part.get_content_type(), data)
    return payload, contents


def check_attachments(statements: list[dict[str, Any]], contents: dict[str, tuple[str, bytes]]) -> None:
    """Every attachment without fileUrl has its part; every part belongs to an attachment;
    signatures are valid."""
    referenced: set[str] = set()
    for i, statement in enumerate(statements):
        for j, attachment in enumerate(statement.get("attachments") or []):
            sha2 = attachment["sha2"].lower()
            referenced.add(sha2)
            if sha2 not in contents and "fileUrl" not in attachment:
                raise BadRequest(f"statement[{i}].attachments[{j}]: no part with X-Experience-API-Hash {sha2} "
                                 "was sent, and the attachment has no fileUrl")
            if attachment["usageType"] == SIGNATURE_USAGE:
                if sha2 not in contents:
                    raise BadRequest(f"statement[{i}].attachments[{j}]: the signature must be sent as a part")
                if attachment.get("contentType") != "application/octet-stream":
                    raise BadRequest(f"statement[{i}].attachments[{j}].contentType: a signature is application/octet-stream")
                verify_signature(statement, contents[sha2][1], f"statement[{i}].attachments[{j}]")
    extra = sorted(set(contents) - referenced)
    if extra:
        raise BadRequest(f"body: part with X-Experience-API-Hash {extra[0]} belongs to no attachment")


def _without_signature(statement: dict[str, Any]) -> dict[str, Any]:
    s = copy.deepcopy(statement)
    for key in ("authority", "stored", "version"):
        s.pop(key, None)
    attachments = [a for a in s.get("attachments") or [] if a.get("usageType") != SIGNATURE_USAGE]
    if attachments:
        s["attachments"] = attachments
    else:
        s.pop("attachments", None)
    return s


def verify_signature(statement: dict[str, Any], token: bytes, path: str) -> None:
    """The JWS must use RS256/384/512, verify against its x5c certificate when one is given, and
    carry the statement itself as payload."""
    try:
        compact = token.decode("ascii").strip()
        header = jwt.get_unverified_header(compact)
    except (UnicodeDecodeError, jwt.PyJWTError) as exc:
        raise BadRequest(f"{path}: the signature is not a JWS in compact serialization ({exc})") from None
    alg = header.get("alg")
    if alg not in SIGNATURE_ALGORITHMS:
        raise BadRequest(f"{path}: the signature uses {alg!r}; xAPI allows RS256, RS384 or RS512")
    try:
        if header.get("x5c"):
            chain = header["x5c"]
            if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
                raise ValueError("x5c must be a list of base64 certificates")
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
            payload = jwt.decode(compact, certificate.public_key(), algorithms=[alg],
                                 options={"verify_aud": False, "verify_exp": False, "verify_iat": False,
                                          "verify_nbf": False})
        else:
            payload = jwt.decode(compact, options={"verify_signature": False})
    except (ValueError, TypeError, KeyError, binascii.Error, jwt.PyJWTError) as exc:
        raise BadRequest(f"{path}: the signature does not verify ({exc})") from None
    signed = _without_signature(payload if isinstance(payload, dict) else {})
    received = _without_signature(statement)
    if "id" not in signed:
        received.pop("id", None)
    if json.dumps(signed, sort_keys=True) != json.dumps(received, sort_keys=True):
        raise BadRequest(f"{path}: the signed payload is not the statement that was sent")


def build_multipart(payload: Any, contents: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body: the JSON, then each (sha2, content type, content)."""
    boundary = "fasthold-" + secrets.token_hex(16)
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        b"\r\n",
    ]
    for sha2, content_type, content in contents:
        chunks.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        chunks.append(content)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
