"""Open Badges 3.0 export: the OpenBadgeCredential against the vendored 1EdTech JSON Schema and
JSON-LD contexts, the VC-JWT proof (header, claims, signature with the published key), tampering,
revocation, key rotation, and who may download a credential."""

from __future__ import annotations

import base64
import json
import stat
from urllib.parse import urlparse

import jwt
from jsonschema import Draft201909Validator
from pyld import jsonld

from gamification import openbadges3
from gamification.badges import revoke_award
from gamification.service import save_profile

from .conftest import BASE

OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
VC = "https://www.w3.org/2018/credentials#"


def _path(url: str) -> str:
    return urlparse(url).path


def _download(client, award):
    return client.get(f"/badges/assertions/{award.uid}/credential.jwt")


def _segments(token: str):
    def decode(part):
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    header, payload, _signature = token.split(".")
    return decode(header), decode(payload)


def _reencode(token: str, payload: dict) -> str:
    header, _payload, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def test_holder_downloads_a_signed_credential_with_the_ob3_jose_header_and_claims(client, login, awarded):
    login(awarded["user"])
    response = _download(client, awarded["award"])
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert "attachment" in response.headers["Content-Disposition"]
    token = response.get_data(as_text=True)
    header, payload = _segments(token)
    # OB 3.0 8.2.3: alg, kid (a URL to the JWK) and typ "JWT"; additional JOSE headers not allowed
    assert set(header) == {"alg", "kid", "typ"} and header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"].startswith(f"{BASE}/badges/ob3/keys/")
    vc = payload["vc"]
    assert payload["iss"] == vc["issuer"]["id"] == f"{BASE}/badges/ob3/issuer"
    assert payload["jti"] == vc["id"] and vc["id"].startswith("urn:uuid:")
    assert payload["sub"] == vc["credentialSubject"]["id"]
    assert openbadges3._iso_from(payload["nbf"]) == vc["validFrom"]


def test_credential_validates_against_the_vendored_ob3_schema(awarded):
    vc = openbadges3.credential(awarded["award"])
    schema = openbadges3.credential_schema()
    Draft201909Validator.check_schema(schema)
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(vc)) == []
    assert vc["@context"][:2] == [openbadges3.VC_CONTEXT, openbadges3.OB3_CONTEXT]
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(vc["type"])
    # the schema is not a rubber stamp: what OB 3.0 requires is checked
    for broken in ({k: v for k, v in vc.items() if k != "validFrom"},
                   {**vc, "credentialSubject": {**vc["credentialSubject"], "achievement": {"id": "x"}}},
                   {**vc, "credentialSubject": {**vc["credentialSubject"], "identifier": [{"type": "IdentityObject"}]}}):
        assert list(validator.iter_errors(broken))


def test_credential_subject_carries_the_salted_hashed_email_and_the_achievement(client, login, awarded):
    login(awarded["user"])
    token = _download(client, awarded["award"]).get_data(as_text=True)
    assert "maja" not in json.dumps(_segments(token)).lower()  # no plain e-mail or name anywhere
    subject = _segments(token)[1]["vc"]["credentialSubject"]
    (identity,) = subject["identifier"]
    award = awarded["award"]
    assert identity == {"type": "IdentityObject", "identityHash": award.recipient_hash, "identityType": "emailAddress",
                        "hashed": True, "salt": award.salt}
    achievement = subject["achievement"]
    badge_id = awarded["badge"].id
    assert achievement["id"] == f"{BASE}/badges/{badge_id}" and achievement["name"] == "Team spirit"
    assert achievement["description"] == "For lifting the team"
    assert achievement["criteria"] == {"id": f"{BASE}/badges/{badge_id}/criteria", "narrative": "Do Team spirit"}
    assert achievement["image"] == {"id": f"{BASE}/badges/{badge_id}/image", "type": "Image"}
    assert client.get(_path(achievement["image"]["id"])).mimetype == "image/png"
    assert client.get(_path(achievement["criteria"]["id"])).status_code == 200


def test_credential_expands_with_the_vendored_contexts_and_no_term_is_dropped(awarded):
    def loader(url, options=None):
        document = openbadges3.context_document(url)
        if document is None:
            raise jsonld.JsonLdError("offline", "jsonld.LoadDocumentError", code="loading document failed")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}

    vc = openbadges3.credential(awarded["award"])
    (node,) = jsonld.expand(vc, {"documentLoader": loader})
    assert OB + "OpenBadgeCredential" in node["@type"]
    # every top-level term of the credential is defined by the contexts (JSON-LD drops unknown ones)
    assert len([k for k in node if not k.startswith("@")]) == len([k for k in vc if not k.startswith("@") and k not in ("id", "type")])
    (status,) = node[VC + "credentialStatus"]
    assert status["@type"] == ["https://purl.imsglobal.org/spec/vcrl/v1p0/context.json#1EdTechRevocationList"]
    subject = node[VC + "credentialSubject"][0]
    assert OB + "achievement" in subject and OB + "identifier" in subject


def test_signature_verifies_with_the_published_key_and_the_kid_dereferences_to_it(client, login, awarded):
    login(awarded["user"])
    token = _download(client, awarded["award"]).get_data(as_text=True)
    header, _ = _segments(token)
    jwk = client.get(_path(header["kid"])).get_json(force=True)
    assert "d" not in jwk and jwk["kty"] == "RSA" and jwk["kid"] == header["kid"]
    jwks = client.get("/badges/ob3/jwks.json").get_json(force=True)
    assert jwk in jwks["keys"] and all("d" not in k and "p" not in k for k in jwks["keys"])
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public, algorithms=["RS256"])
    assert claims["vc"]["credentialSubject"]["achievement"]["name"] == "Team spirit"
    issuer = client.get(_path(claims["iss"])).get_json(force=True)
    assert issuer["id"] == claims["iss"] and issuer["type"] == ["Profile"] and issuer["name"]


def test_a_tampered_credential_fails_verification(client, login, awarded):
    login(awarded["user"])
    token = _download(client, awarded["award"]).get_data(as_text=True)
    assert openbadges3.verify(token).is_valid
    _header, payload = _segments(token)
    payload["vc"]["credentialSubject"]["achievement"]["name"] = "Chief executive"
    forged = _reencode(token, payload)
    assert not openbadges3.verify(forged).is_signature_valid
    result = client.post("/badges/verify-credential", json={"credential": forged}).get_json()
    assert result["valid"] is False and result["signatureValid"] is False
    other_key = jwt.encode(payload, openbadges3.new_key().private_key, algorithm="RS256",
                           headers={"kid": "https://elsewhere.example/key"})
    assert openbadges3.verify(other_key).problem == "not signed with a key of this issuer"
    assert client.post("/badges/verify-credential", json={"credential": token}).get_json()["valid"] is True


def test_a_revoked_award_verifies_as_revoked_and_is_on_the_revocation_list(client, login, db, awarded):
    award = awarded["award"]
    login(awarded["user"])
    token = _download(client, award).get_data(as_text=True)
    credential_id = _segments(token)[1]["vc"]["id"]
    status_url = _segments(token)[1]["vc"]["credentialStatus"]["id"]
    assert credential_id not in {e["id"] for e in client.get(_path(status_url)).get_json()["revokedCredentials"]}
    revoke_award(award, awarded["hr"], "Awarded by mistake")
    db.session.commit()
    listed = client.get(_path(status_url)).get_json()
    assert listed["issuer"] == f"{BASE}/badges/ob3/issuer"
    assert {"id": credential_id, "revocationReason": "Revoked by the issuer."} in listed["revokedCredentials"]
    assert "mistake" not in json.dumps(listed)  # HR's own reason stays inside
    result = client.post("/badges/verify-credential", json={"credential": token}).get_json()
    assert result == {"valid": False, "signatureValid": True, "revoked": True, "problem": None,
                      "credential": credential_id}
    page = client.post("/badges/verify-credential", data={"credential": token}).get_data(as_text=True)
    assert 'data-testid="credential-status">Revoked<' in page
    assert _download(client, award).status_code == 404  # no new credential for a revoked award


def test_someone_elses_award_cannot_be_exported(client, login, create_user, awarded):
    award = awarded["award"]
    assert _download(client, award).status_code == 404  # anonymous, profile not public
    login(create_user())
    assert _download(client, award).status_code == 404
    login(awarded["hr"])
    assert _download(client, award).status_code == 404
    page = client.get(f"/badges/assertions/{award.uid}/verify").get_data(as_text=True)
    assert 'data-testid="ob3-download"' not in page


def test_a_public_profile_offers_the_credential_to_anyone(client, db, awarded):
    award = awarded["award"]
    profile = save_profile(awarded["user"], is_hidden_from_boards=False, is_public=True, shows_points=False,
                           shows_badges=True, shows_certificates=False)
    db.session.commit()
    page = client.get(f"/gamification/people/{profile.public_key}").get_data(as_text=True)
    assert f"/badges/assertions/{award.uid}/credential.jwt" in page
    assert _download(client, award).status_code == 200
    assert 'data-testid="ob3-download"' in client.get(f"/badges/assertions/{award.uid}/verify").get_data(as_text=True)


def test_my_badges_page_links_the_credential_download(client, login, awarded):
    login(awarded["user"])
    page = client.get("/gamification/").get_data(as_text=True)
    assert f"/badges/assertions/{awarded['award'].uid}/credential.jwt" in page


def test_verification_form_takes_a_file(client, login, awarded):
    login(awarded["user"])
    token = _download(client, awarded["award"]).get_data(as_text=True)
    import io

    page = client.post("/badges/verify-credential", data={"file": (io.BytesIO(token.encode()), "badge.jwt")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-testid="credential-status">Valid<' in page and "Team spirit" in page
    assert 'data-testid="credential-status">Not valid<' in client.post(
        "/badges/verify-credential", data={"credential": "not.a.jwt"}).get_data(as_text=True)


def test_rotating_the_key_keeps_old_credentials_verifiable(client, login, awarded):
    login(awarded["user"])
    old = _download(client, awarded["award"]).get_data(as_text=True)
    fresh = openbadges3.new_key()
    path = next(openbadges3.key_dir().glob(f"*-{fresh.thumbprint[:12]}.pem"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    new = _download(client, awarded["award"]).get_data(as_text=True)
    assert _segments(new)[0]["kid"].endswith(fresh.thumbprint)
    assert _segments(old)[0]["kid"] != _segments(new)[0]["kid"]
    kids = {k["kid"] for k in client.get("/badges/ob3/jwks.json").get_json(force=True)["keys"]}
    assert {_segments(old)[0]["kid"], _segments(new)[0]["kid"]} <= kids
    for token in (old, new):
        assert client.post("/badges/verify-credential", json={"credential": token}).get_json()["valid"] is True
