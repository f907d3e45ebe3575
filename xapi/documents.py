"""State, Activity Profile and Agent Profile documents (xAPI-Communication 2.3–2.6)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from lms.extensions import db

from .models import Document
from .service import BadRequest, Conflict, NotFound, PreconditionFailed, utc_now

JSON_TYPE = "application/json"


@dataclass(frozen=True)
class DocKey:
    kind: str  #: state, activity_profile, agent_profile
    activity_id: str = ""
    agent_ifi: str = ""
    registration: str = ""

    def where(self):
        return (
            Document.kind == self.kind,
            Document.activity_id == self.activity_id,
            Document.agent_ifi == self.agent_ifi,
            Document.registration == self.registration,
        )


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def get_document(key: DocKey, document_id: str) -> Document:
    doc = db.session.execute(select(Document).where(*key.where(), Document.document_id == document_id)).scalar_one_or_none()
    if doc is None:
        raise NotFound(f"no document with id {document_id!r}")
    return doc


def list_ids(key: DocKey, since: datetime | None) -> list[str]:
    q = select(Document.document_id).where(*key.where())
    if since is not None:
        q = q.where(Document.updated_at > since)
    return list(db.session.execute(q.order_by(Document.document_id)).scalars())


def _check_preconditions(existing: Document | None, if_match: str | None, if_none_match: str | None,
                         require_condition: bool) -> None:
    """If-Match / If-None-Match give 412 when they fail; profiles need one of them to overwrite (409)."""
    if if_match is not None:
        tags = {t.strip().strip('"') for t in if_match.split(",")}
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise PreconditionFailed("If-Match: the document has changed or does not exist")
    if if_none_match is not None:
        tags = {t.strip().strip('"') for t in if_none_match.split(",")}
        if existing is not None and ("*" in tags or existing.etag in tags):
            raise PreconditionFailed("If-None-Match: the document already exists")
    if require_condition and existing is not None and if_match is None and if_none_match is None:
        raise Conflict("this document exists: send If-Match with its ETag (or If-None-Match: *) to change it")


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == JSON_TYPE


def put_document(key: DocKey, document_id: str, content: bytes, content_type: str, *,
                 if_match: str | None = None, if_none_match: str | None = None,
                 require_condition: bool = False) -> Document:
    """Create or replace a document."""
    existing = _locked(key, document_id)
    _check_preconditions(existing, if_match, if_none_match, require_condition)
    if _is_json(content_type):
        _parse_json(content)
    if existing is None:
        existing = Document(kind=key.kind, activity_id=key.activity_id, agent_ifi=key.agent_ifi,
                            registration=key.registration, document_id=document_id)
        db.session.add(existing)
    existing.content = content
    existing.content_type = content_type or "application/octet-stream"
    existing.etag = etag_of(content)
    existing.updated_at = utc_now()
    db.session.flush()
    return existing


def post_document(key: DocKey, document_id: str, content: bytes, content_type: str, *,
                  if_match: str | None = None, if_none_match: str | None = None) -> Document:
    """Merge JSON objects (top-level keys of the new one win); create when absent."""
    existing = _locked(key, document_id)
    _check_preconditions(existing, if_match, if_none_match, require_condition=False)
    if existing is None:
        if _is_json(content_type):
            if not isinstance(_parse_json(content), dict):
                raise BadRequest("content: a POSTed JSON document must be a JSON object")
        return put_document(key, document_id, content, content_type)
    if not (_is_json(content_type) and _is_json(existing.content_type)):
        raise BadRequest("Content-Type: POST merges JSON documents; both the stored and the sent document "
                         "must be application/json (use PUT to replace)")
    new, old = _parse_json(content), _parse_json(existing.content)
    if not isinstance(new, dict) or not isinstance(old, dict):
        raise BadRequest("content: only JSON objects can be merged")
    merged = {**old, **new}
    existing.content = json.dumps(merged, separators=(",", ":"), ensure_ascii=False).encode()
    existing.content_type = JSON_TYPE
    existing.etag = etag_of(existing.content)
    existing.updated_at = utc_now()
    db.session.flush()
    return existing


def delete_documents(key: DocKey, document_id: str | None, *, if_match: str | None = None,
                     if_none_match: str | None = None) -> None:
    """Delete one document, or (State only) every document under the key."""
    if document_id is None:
        db.session.execute(delete(Document).where(*key.where()))
        return
    existing = _locked(key, document_id)
    if existing is None:
        if if_match is not None:
            raise PreconditionFailed("If-Match: the document does not exist")
        return
    _check_preconditions(existing, if_match, if_none_match, require_condition=False)
    db.session.delete(existing)
    db.session.flush()


def _locked(key: DocKey, document_id: str) -> Document | None:
    q = select(Document).where(*key.where(), Document.document_id == document_id)
    if db.session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return db.session.execute(q).scalar_one_or_none()


def _parse_json(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("content: the Content-Type says application/json but the body is not valid JSON") from None
