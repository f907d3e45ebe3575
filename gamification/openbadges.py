"""Open Badges 2.0 hosted verification: the Issuer profile, BadgeClasses, Assertions and the
revocation list as JSON-LD at stable public URLs, and baked PNGs (an iTXt chunk `openbadges`
holding the assertion's URL, as the Baking Specification says for hosted assertions).

Spec: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
The JSON-LD context is vendored in openbadges_v2_context.json (tests expand against it).
"""

from __future__ import annotations

import io
import json
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from PIL import Image, PngImagePlugin
from sqlalchemy import select

from lms.extensions import db

from .models import BadgeAward, BadgeClass

CONTEXT = "https://w3id.org/openbadges/v2"
CONTEXT_FILE = Path(__file__).with_name("openbadges_v2_context.json")
ISSUER_NAME = "Fasthold"


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def issuer_url() -> str:
    return f"{_base()}/badges/issuer"


def badge_url(badge: BadgeClass) -> str:
    """The BadgeClass id; the same IRI as the object of the `earned` statements."""
    return f"{_base()}/badges/{badge.id}"


def assertion_url(award: BadgeAward) -> str:
    return f"{_base()}/badges/assertions/{award.uid}"


def verify_url(award: BadgeAward) -> str:
    return f"{assertion_url(award)}/verify"


def revocation_list_url() -> str:
    return f"{_base()}/badges/revocations"


def issuer_json() -> dict:
    """The Issuer Profile: who issues every badge of this platform."""
    _name, email = parseaddr(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    profile = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(),
        "name": current_app.config.get("BADGE_ISSUER_NAME") or ISSUER_NAME,
        "url": _base() + "/",
        "revocationList": revocation_list_url(),
    }
    if email:
        profile["email"] = email
    return profile


def badge_class_json(badge: BadgeClass) -> dict:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_url(badge),
        "name": badge.name,
        "description": badge.description or badge.name,
        "image": f"{badge_url(badge)}/image",
        "criteria": {"id": f"{badge_url(badge)}/criteria", "narrative": badge.criteria},
        "issuer": issuer_url(),
    }


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def assertion_json(award: BadgeAward) -> dict:
    """The hosted Assertion; a revoked one says so (and why), as the spec asks."""
    data = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(award),
        "recipient": {"type": "email", "hashed": True, "salt": award.salt, "identity": award.recipient_hash},
        "badge": badge_url(award.badge),
        "issuedOn": _iso(award.issued_at),
        "verification": {"type": "hosted"},
        "image": f"{assertion_url(award)}/image",
    }
    if award.reason:
        data["narrative"] = award.reason
    if award.is_revoked:
        data["revoked"] = True
        data["revocationReason"] = PUBLIC_REVOCATION_REASON
    return data


#: What the public documents say about a revocation. HR's own reason can be personal (a mistake,
#: a dispute) and stays inside the platform, on the badge's page for HR.
PUBLIC_REVOCATION_REASON = "Revoked by the issuer."


def revocation_list_json() -> dict:
    revoked = db.session.execute(
        select(BadgeAward.uid).where(BadgeAward.revoked_at.is_not(None))
        .order_by(BadgeAward.revoked_at)).all()
    base = _base()
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": revocation_list_url(),
        "issuer": issuer_url(),
        "revokedAssertions": [{"id": f"{base}/badges/assertions/{uid}", "revocationReason": PUBLIC_REVOCATION_REASON}
                              for (uid,) in revoked],
    }


def bake(image_png: bytes, award: BadgeAward) -> bytes:
    """The badge image with the hosted assertion's URL in an iTXt chunk keyed `openbadges`."""
    with Image.open(io.BytesIO(image_png)) as img:
        img.load()
        info = PngImagePlugin.PngInfo()
        for key, value in (img.info or {}).items():  # keep other text, drop an old openbadges chunk
            if isinstance(value, str) and key != "openbadges":
                info.add_text(key, value)
        info.add_itxt("openbadges", assertion_url(award), lang="", tkey="", zip=False)
        out = io.BytesIO()
        img.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def unbake(png: bytes) -> str | None:
    """What a baked PNG says (for tests and for checking an uploaded badge)."""
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        value = img.text.get("openbadges") if hasattr(img, "text") else None
    return str(value) if value is not None else None


def context_document() -> dict:
    return json.loads(CONTEXT_FILE.read_text())
