"""LRS credentials: issue, revoke, and check HTTP Basic requests and their scopes.

Secrets are long random strings made by the platform, so they are checked with a constant-time
comparison of an HMAC-SHA256 (fast), not a password hash (deliberately slow): see
../shared/LRS_NOTES.md on the reference LRS spending 170 ms per request on PBKDF2.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import current_app
from sqlalchemy import select

from lms.extensions import db

from .models import Credential

SCOPES = (
    "statements/write", "statements/read", "statements/read/mine", "all/read", "all", "state", "define", "profile",
)


@dataclass(frozen=True)
class Principal:
    """Who is calling the LRS and what they may do."""

    credential_id: int | None
    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]
    #: for launch credentials: the one actor and registration they may touch
    actor_ifi: str | None = None
    registration: str | None = None
    user_id: int | None = None
    #: a signed-in person of the web app reading their own statements
    is_session_user: bool = False

    def can(self, *scopes: str) -> bool:
        return "all" in self.scopes or any(s in self.scopes for s in scopes)

    @property
    def can_read_all_statements(self) -> bool:
        return self.can("statements/read", "all/read")

    @property
    def can_read_own_statements(self) -> bool:
        return self.can_read_all_statements or self.can("statements/read/mine")

    @property
    def can_write_statements(self) -> bool:
        return self.can("statements/write")

    def can_read_documents(self, scope: str) -> bool:
        return self.can(scope, "all/read")


def _hash_secret(secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def default_authority(name: str, key: str) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": current_app.config["BASE_URL"], "name": key},
    }


def create_credential(
    name: str,
    scopes: list[str],
    created_by_id: int | None = None,
    *,
    expires_in: timedelta | None = None,
    actor_ifi: str | None = None,
    registration: str | None = None,
    user_id: int | None = None,
) -> tuple[Credential, str]:
    """A new key and secret; the secret is returned once and stored only as an HMAC."""
    name = name.strip()
    if not name or len(name) > 120:
        raise ValueError("name: give a name of 1 to 120 characters")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"scope: unknown scope(s) {', '.join(unknown) or '(none given)'}; use {', '.join(SCOPES)}")
    key = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    credential = Credential(
        name=name, key=key, secret_hash=_hash_secret(secret), scopes=sorted(set(scopes)),
        authority=default_authority(name, key), created_by_id=created_by_id,
        expires_at=datetime.now(timezone.utc) + expires_in if expires_in else None,
        restricted_actor_ifi=actor_ifi, restricted_registration=registration, restricted_user_id=user_id,
    )
    db.session.add(credential)
    db.session.flush()
    return credential, secret


def revoke_credential(credential: Credential) -> None:
    credential.revoked_at = datetime.now(timezone.utc)
    db.session.flush()


def _load(key: str) -> tuple[Principal | None, str, datetime | None]:
    # Columns, not the ORM entity: this runs on every LRS request, and the identity map, the
    # entity's state and its unit of work cost more than the query (~1 ms of a 100-statement POST).
    c = Credential.__table__.c
    row = db.session.execute(
        select(c.id, c.name, c.scopes, c.authority, c.secret_hash, c.expires_at, c.revoked_at,
               c.restricted_actor_ifi, c.restricted_registration, c.restricted_user_id).where(c.key == key)
    ).one_or_none()
    if row is None or row.revoked_at is not None:
        return None, "", None
    principal = Principal(
        credential_id=row.id, name=row.name, scopes=frozenset(row.scopes), authority=row.authority,
        actor_ifi=row.restricted_actor_ifi, registration=row.restricted_registration, user_id=row.restricted_user_id,
    )
    return principal, row.secret_hash, row.expires_at


def principal_from_basic(header: str | None) -> Principal | None:
    """The caller for an `Authorization: Basic …` header, or None if it does not authenticate."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, sep, secret = decoded.partition(":")
    if not sep or not key or len(key) > 64:
        return None
    # One lookup on the unique key index per request (a fraction of a millisecond), so a revoked
    # credential is refused at once by every process; no cache to bound or to invalidate.
    principal, secret_hash, expires_at = _load(key)
    if principal is None or not hmac.compare_digest(secret_hash, _hash_secret(secret)):
        return None
    if expires_at is not None and expires_at <= datetime.now(timezone.utc):
        return None
    return principal
