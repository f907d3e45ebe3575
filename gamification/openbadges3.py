"""Open Badges 3.0: every award as an OpenBadgeCredential (a W3C Verifiable Credential 2.0),
signed in the VC-JWT proof format of OB 3.0 section 8.2 (a compact JWS, RS256, header `alg`,
`kid`, `typ` only), with the platform's public keys, issuer Profile and 1EdTech revocation list
at stable public URLs, and a check of a presented credential.

Spec: https://www.imsglobal.org/spec/ob/v3p0/ (the JSON-LD contexts and the JSON Schema are
vendored in ob3_spec/, see its README). RS256 rather than EdDSA: the spec makes RS256 the one
algorithm every verifier must support.

Keys: RSA-2048 private keys in `instance/openbadges-keys/` (mode 0600, never in the repository),
created on first use; `flask badges rotate-key` adds a new one. The newest signs; every key there
stays published, so credentials signed before a rotation still verify. A key's `kid` is the URL
of its JWK, named by its RFC 7638 thumbprint, so it never changes meaning.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parseaddr
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from sqlalchemy import select

from lms.extensions import db

from .models import BadgeAward
from .openbadges import PUBLIC_REVOCATION_REASON, assertion_url, badge_url

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
SPEC_DIR = Path(__file__).with_name("ob3_spec")
CONTEXT_FILES = {
    VC_CONTEXT: SPEC_DIR / "credentials-v2.jsonld",
    OB3_CONTEXT: SPEC_DIR / "context-3.0.3.json",
    EXTENSIONS_CONTEXT: SPEC_DIR / "extensions.json",
}
ALGORITHM = "RS256"
KEY_DIR_NAME = "openbadges-keys"
MEDIA_TYPE = "application/vc+jwt"


# --- URLs --------------------------------------------------------------------------------------


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def issuer_id() -> str:
    """The issuer Profile's id: an https URL (on a https deployment) that serves the Profile."""
    return f"{_base()}/badges/ob3/issuer"


def jwks_url() -> str:
    return f"{_base()}/badges/ob3/jwks.json"


def key_url(thumbprint: str) -> str:
    """A key's `kid`: dereferences to its public JWK, as OB 3.0 asks of a `kid`."""
    return f"{_base()}/badges/ob3/keys/{thumbprint}"


def revocation_list_url() -> str:
    return f"{_base()}/badges/ob3/revocations"


def credential_id(award: BadgeAward) -> str:
    """The credential's id: the award's unguessable uid as a UUID URN (no personal data)."""
    return uuid.UUID(hex=award.uid).urn


def subject_id(award: BadgeAward) -> str:
    """credentialSubject.id (the JWT's `sub`): a per-award pseudonym, so two of a person's
    credentials cannot be linked by it; the recipient is identified by the salted e-mail hash."""
    return uuid.uuid5(uuid.UUID(hex=award.uid), "recipient").urn


def award_for_credential_id(value: str) -> BadgeAward | None:
    try:
        uid = uuid.UUID(str(value)).hex
    except ValueError:
        return None
    return db.session.execute(select(BadgeAward).where(BadgeAward.uid == uid)).scalar_one_or_none()


# --- keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """One of the platform's RSA keys; `thumbprint` (RFC 7638) names it."""

    thumbprint: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    def public_jwk(self) -> dict:
        """The public JWK (never `d` or the other private members)."""
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {"kty": "RSA", "n": jwk["n"], "e": jwk["e"], "kid": key_url(self.thumbprint),
                "alg": ALGORITHM, "use": "sig"}


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of an RSA public key."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple, list[SigningKey]]] = {}


def key_dir() -> Path:
    return Path(current_app.instance_path) / KEY_DIR_NAME


def keys() -> list[SigningKey]:
    """Every key, oldest first (file names start with their UTC creation time)."""
    directory = key_dir()
    files = sorted(directory.glob("*.pem")) if directory.is_dir() else []
    stamp = tuple((f.name, f.stat().st_mtime_ns) for f in files)
    with _cache_lock:
        cached = _cache.get(str(directory))
        if cached and cached[0] == stamp:
            return cached[1]
    loaded = []
    for path in files:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(private, rsa.RSAPrivateKey):
            loaded.append(SigningKey(thumbprint(private.public_key()), private))
    with _cache_lock:
        _cache[str(directory)] = (stamp, loaded)
    return loaded


def new_key() -> SigningKey:
    """Create a key (RSA-2048) in the instance folder, readable by the owner only."""
    directory = key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    thumb = thumbprint(private.public_key())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    name = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{thumb[:12]}.pem"
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return SigningKey(thumb, private)


def signing_key() -> SigningKey:
    """The newest key; the first call on a new instance creates one."""
    existing = keys()
    return existing[-1] if existing else new_key()


def key_by_thumbprint(thumb: str) -> SigningKey | None:
    return next((k for k in keys() if k.thumbprint == thumb), None)


def jwks() -> dict:
    """Every published key, newest first."""
    if not keys():
        signing_key()
    return {"keys": [k.public_jwk() for k in reversed(keys())]}


# --- documents ---------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _iso(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_profile() -> dict:
    """The issuer Profile (OB 3.0 `Profile`), served at its own id."""
    _name, email = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    profile = {
        "@context": [VC_CONTEXT, OB3_CONTEXT],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": current_app.config.get("BADGE_ISSUER_NAME") or "Fasthold",
        "url": _base() + "/",
    }
    if email:
        profile["email"] = email
    return profile


def _issuer_in_credential() -> dict:
    profile = issuer_profile()
    profile.pop("@context")
    return profile


def credential(award: BadgeAward) -> dict:
    """The OpenBadgeCredential for an award (unsigned; `sign` wraps it in a JWT)."""
    badge = award.badge
    achievement = {
        "id": badge_url(badge),
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": badge.name,
        "description": badge.description or badge.name,
        "criteria": {"id": f"{badge_url(badge)}/criteria", "narrative": badge.criteria},
        "image": {"id": f"{badge_url(badge)}/image", "type": "Image"},
    }
    subject = {
        "id": subject_id(award),
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityHash": award.recipient_hash,
            "identityType": "emailAddress",
            "hashed": True,
            "salt": award.salt,
        }],
        "achievement": achievement,
    }
    if award.reason:
        subject["narrative"] = award.reason
    return {
        "@context": [VC_CONTEXT, OB3_CONTEXT, EXTENSIONS_CONTEXT],
        "id": credential_id(award),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": badge.name,
        "description": badge.description or badge.name,
        "image": {"id": f"{badge_url(badge)}/image", "type": "Image"},
        "issuer": _issuer_in_credential(),
        "validFrom": _iso(award.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {"id": revocation_list_url(), "type": "1EdTechRevocationList"},
        "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
        # the OB 2.0 hosted assertion of the same award, for people and older tools
        "evidence": [{"id": assertion_url(award), "type": ["Evidence"],
                      "name": "Open Badges 2.0 hosted assertion"}],
    }


def sign(award: BadgeAward) -> str:
    """The credential as a compact JWS per OB 3.0 section 8.2 (JOSE header: alg, kid, typ)."""
    vc = credential(award)
    key = signing_key()
    claims = {
        "iss": vc["issuer"]["id"],
        "jti": vc["id"],
        "nbf": int(_utc(award.issued_at).timestamp()),
        "sub": vc["credentialSubject"]["id"],
        "vc": vc,
    }
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                      headers={"kid": key_url(key.thumbprint), "typ": "JWT"})


def revocation_list() -> dict:
    """The 1EdTech revocation list every credential's `credentialStatus` points at."""
    revoked = db.session.execute(
        select(BadgeAward.uid).where(BadgeAward.revoked_at.is_not(None)).order_by(BadgeAward.revoked_at)).all()
    return {
        "id": revocation_list_url(),
        "issuer": issuer_id(),
        "revokedCredentials": [{"id": uuid.UUID(hex=uid).urn, "revocationReason": PUBLIC_REVOCATION_REASON}
                               for (uid,) in revoked],
    }


# --- verification ------------------------------------------------------------------------------


@dataclass
class Verification:
    """What checking a presented credential found. `is_valid`: signed by us, untampered, ours
    to vouch for and not revoked."""

    is_signature_valid: bool = False
    is_revoked: bool = False
    award: BadgeAward | None = None
    problem: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.is_signature_valid and not self.is_revoked and self.problem is None and self.award is not None

    def as_json(self) -> dict:
        return {"valid": self.is_valid, "signatureValid": self.is_signature_valid, "revoked": self.is_revoked,
                "problem": self.problem,
                "credential": credential_id(self.award) if self.award is not None else None}


def verify(token: str) -> Verification:
    """Check a compact JWS as OB 3.0 section 8.2.5 says: the key named by `kid` (ours only: a
    key we did not publish proves nothing about our badges), the signature, the claims against
    the credential, then the award's status."""
    result = Verification()
    token = (token or "").strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        result.problem = "not a JWT"
        return result
    prefix = key_url("")
    kid = header.get("kid") or ""
    key = key_by_thumbprint(kid[len(prefix):]) if kid.startswith(prefix) else None
    if header.get("alg") != ALGORITHM or key is None:
        result.problem = "not signed with a key of this issuer"
        return result
    try:
        claims = jwt.decode(token, key.private_key.public_key(), algorithms=[ALGORITHM],
                            options={"require": ["iss", "jti", "nbf", "sub"], "verify_aud": False})
    except jwt.PyJWTError:
        result.problem = "the signature does not match"
        return result
    result.is_signature_valid = True
    vc = claims.get("vc")
    if not isinstance(vc, dict):
        result.problem = "no credential in the JWT"
        return result
    subject = vc.get("credentialSubject") or {}
    issuer = vc.get("issuer") or {}
    issuer_value = issuer.get("id") if isinstance(issuer, dict) else issuer
    if (claims["iss"] != issuer_value or claims["iss"] != issuer_id() or claims["jti"] != vc.get("id")
            or claims["sub"] != subject.get("id") or _iso_from(claims["nbf"]) != vc.get("validFrom")):
        result.problem = "the JWT claims do not match the credential"
        return result
    result.award = award_for_credential_id(vc.get("id"))
    if result.award is None:
        result.problem = "this issuer knows no such award"
        result.is_revoked = True  # erased with its holder: no longer vouched for
        return result
    result.is_revoked = result.award.is_revoked
    return result


def _iso_from(nbf) -> str | None:
    try:
        return _iso(datetime.fromtimestamp(int(nbf), timezone.utc))
    except (TypeError, ValueError, OverflowError):
        return None


# --- the vendored spec files (tests, and anyone validating offline) -----------------------------


def context_document(url: str) -> dict | None:
    path = CONTEXT_FILES.get(url)
    return json.loads(path.read_text()) if path else None


def credential_schema() -> dict:
    """The vendored AchievementCredential JSON Schema with the VC 2.0 renames applied
    (`issuanceDate`->`validFrom`, `expirationDate`->`validUntil`): see ob3_spec/README.md."""
    schema = json.loads((SPEC_DIR / "ob_v3p0_achievementcredential_schema.json").read_text())
    renames = {"issuanceDate": "validFrom", "expirationDate": "validUntil"}

    def rename(node):
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                node["properties"] = {renames.get(k, k): v for k, v in node["properties"].items()}
            if isinstance(node.get("required"), list):
                node["required"] = [renames.get(k, k) for k in node["required"]]
            for value in node.values():
                rename(value)
        elif isinstance(node, list):
            for value in node:
                rename(value)

    schema = copy.deepcopy(schema)
    rename(schema)
    return schema
