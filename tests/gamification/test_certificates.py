"""Course certificates: issued once from the stream's course completions, PDF text in the
holder's language with the verification URL, and who may download them."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from pypdf import PdfReader
from sqlalchemy import select

from gamification.certificates import certificate_pdf
from gamification.engine import process_statements
from gamification.models import Certificate
from xapi.vocabulary import ActivityType, Verb

from .conftest import BASE

DONE = datetime(2026, 3, 14, 10, tzinfo=timezone.utc)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _certificate(db, create_user, statement, **user):
    person = create_user(first_name="Åsa", last_name="Øster", **user)
    seq = statement(person, Verb.COMPLETED, f"{BASE}/courses/5", type=ActivityType.COURSE, name="Safe lifting", at=DONE)
    process_statements([seq])
    process_statements([seq])
    return person, db.session.execute(select(Certificate).where(Certificate.user_id == person.id)).scalar_one()


def test_course_completion_issues_one_certificate_whose_pdf_names_person_course_date_and_url(db, create_user, statement):
    person, cert = _certificate(db, create_user, statement)
    text = _text(certificate_pdf(cert, "en"))
    assert "Certificate of completion" in text
    assert "Åsa Øster" in text and "Safe lifting" in text and "March 14, 2026" in text
    assert f"{BASE}/certificates/{cert.uid}" in text


def test_certificate_is_written_in_the_holders_language(db, create_user, statement):
    _person, cert = _certificate(db, create_user, statement, language="da")
    text = _text(certificate_pdf(cert, "da"))
    assert "marts 2026" in text  # the date in Danish


def test_certificate_has_a_qr_code_image(db, create_user, statement):
    _person, cert = _certificate(db, create_user, statement)
    page = PdfReader(io.BytesIO(certificate_pdf(cert, "en"))).pages[0]
    assert len(page.images) == 1


def test_only_the_holder_and_hr_download_a_certificate_and_anyone_can_verify_it(db, client, create_user, statement, login):
    person, cert = _certificate(db, create_user, statement)
    other, hr = create_user(), create_user("hr")
    db.session.commit()
    url = f"/gamification/certificates/{cert.id}.pdf"
    login(other)
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(person)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Safe lifting" in _text(response.data)
    client.post("/logout")
    login(hr)
    assert client.get(url).status_code == 200
    client.post("/logout")
    page = client.get(f"/certificates/{cert.uid}").get_data(as_text=True)
    assert "Valid" in page and "Safe lifting" in page and "Åsa Øster" in page
