"""Open Badges 2.0 hosted assertions, checked against the specification: the required properties
and types of Assertion, BadgeClass, Issuer and RevocationList, and JSON-LD expansion with the
spec's context (vendored: https://w3id.org/openbadges/v2 cannot be fetched here)."""

from __future__ import annotations

import hashlib
import json
import re

from pyld import jsonld

from gamification import openbadges
from gamification.badges import revoke_award
from gamification.openbadges import CONTEXT, context_document, unbake

from .conftest import BASE

OBI = "https://w3id.org/openbadges#"
ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _loader(url, options=None):
    if url.rstrip("/") == CONTEXT:
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": context_document()}
    raise jsonld.JsonLdError("offline", "jsonld.LoadDocumentError", code="loading document failed")


def _expand(doc):
    (node,) = jsonld.expand(doc, {"documentLoader": _loader})
    return node


def test_assertion_has_the_specs_required_properties_and_a_salted_hashed_email(client, awarded):
    award = awarded["award"]
    response = client.get(f"/badges/assertions/{award.uid}")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    data = response.get_json(force=True)
    assert data["@context"] == CONTEXT and data["type"] == "Assertion"
    assert data["id"] == f"{BASE}/badges/assertions/{award.uid}"
    assert data["badge"] == f"{BASE}/badges/{awarded['badge'].id}"
    assert data["verification"] == {"type": "hosted"}
    assert ISO_8601.match(data["issuedOn"])
    recipient = data["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True and recipient["salt"]
    expected = "sha256$" + hashlib.sha256(("maja.holm@example.com" + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == expected
    assert "maja" not in response.get_data(as_text=True).lower()  # no plain e-mail anywhere
    assert data["narrative"] == "Organised the summer party"
    assert "revoked" not in data


def test_assertion_badgeclass_and_issuer_expand_with_the_open_badges_context(client, awarded):
    award = awarded["award"]
    assertion = _expand(client.get(f"/badges/assertions/{award.uid}").get_json(force=True))
    assert assertion["@type"] == [OBI + "Assertion"]
    assert assertion[OBI + "badge"] == [{"@id": f"{BASE}/badges/{awarded['badge'].id}"}]
    assert assertion[OBI + "issueDate"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
    recipient = assertion[OBI + "recipient"][0]
    assert recipient[OBI + "hashed"][0]["@value"] is True
    assert recipient[OBI + "identityHash"][0]["@value"].startswith("sha256$")
    assert assertion[OBI + "verify"][0]["@type"] == [OBI + "HostedBadge"]
    badge_class = client.get(f"/badges/{awarded['badge'].id}").get_json(force=True)
    assert {"@context", "type", "id", "name", "description", "image", "criteria", "issuer"} <= set(badge_class)
    assert badge_class["type"] == "BadgeClass" and badge_class["issuer"] == f"{BASE}/badges/issuer"
    assert badge_class["criteria"]["narrative"]
    expanded = _expand(badge_class)
    assert expanded["@type"] == [OBI + "BadgeClass"] and expanded[OBI + "issuer"] == [{"@id": f"{BASE}/badges/issuer"}]
    issuer = client.get("/badges/issuer").get_json(force=True)
    assert {"@context", "type", "id", "name", "url"} <= set(issuer) and issuer["type"] == "Issuer"
    assert _expand(issuer)["@type"] == [OBI + "Issuer"]


def test_documents_use_only_terms_of_the_context(client, awarded):
    terms = set(context_document()["@context"])
    award = awarded["award"]
    docs = [client.get(f"/badges/assertions/{award.uid}").get_json(force=True),
            client.get(f"/badges/{awarded['badge'].id}").get_json(force=True),
            client.get("/badges/issuer").get_json(force=True),
            client.get("/badges/revocations").get_json(force=True)]

    def keys(value):
        if isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from keys(v)
        elif isinstance(value, list):
            for v in value:
                yield from keys(v)

    unknown = {k for d in docs for k in keys(d) if k != "@context"} - terms
    assert unknown == set()


def test_image_and_criteria_urls_resolve(client, awarded):
    badge_class = client.get(f"/badges/{awarded['badge'].id}").get_json(force=True)
    image = client.get(badge_class["image"].removeprefix(BASE))
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert client.get(badge_class["criteria"]["id"].removeprefix(BASE)).status_code == 200


def test_baked_png_carries_the_assertion_url_in_an_openbadges_itxt_chunk(client, awarded):
    award = awarded["award"]
    png = client.get(f"/badges/assertions/{award.uid}/image").data
    assert png.startswith(b"\x89PNG") and b"iTXtopenbadges\x00" in png
    assert unbake(png) == f"{BASE}/badges/assertions/{award.uid}"


def test_revoked_assertion_says_so_and_is_on_the_revocation_list(db, client, awarded):
    award = awarded["award"]
    revoke_award(award, awarded["hr"], "Awarded by mistake")
    db.session.commit()
    response = client.get(f"/badges/assertions/{award.uid}")
    assert response.status_code == 410
    data = response.get_json(force=True)
    # public documents say that it was revoked, never HR's own words
    assert data["revoked"] is True and data["revocationReason"] == openbadges.PUBLIC_REVOCATION_REASON
    assert "Awarded by mistake" not in json.dumps(data)
    revocations = client.get("/badges/revocations").get_json(force=True)
    assert revocations["type"] == "RevocationList" and revocations["issuer"] == f"{BASE}/badges/issuer"
    assert revocations["revokedAssertions"] == [{"id": data["id"], "revocationReason": openbadges.PUBLIC_REVOCATION_REASON}]
    assert _expand(revocations)["@type"] == [OBI + "RevocationList"]
    page = client.get(f"/badges/assertions/{award.uid}/verify").get_data(as_text=True)
    assert "Revoked" in page and "revoked by the issuer on" in page and "Awarded by mistake" not in page
    assert client.get(f"/badges/assertions/{award.uid}/image").status_code == 410


def test_verification_page_is_public_and_says_valid_issuer_and_date(client, awarded):
    award = awarded["award"]
    page = client.get(f"/badges/assertions/{award.uid}/verify").get_data(as_text=True)
    assert "Valid" in page and "Team spirit" in page and awarded["user"].full_name in page and "Fasthold" in page
    assert client.get("/badges/assertions/nope/verify").status_code == 404
