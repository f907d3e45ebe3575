"""The HRIS import pages: upload, preview with mapping, report, confirm; HR only."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from analytics.models import HrisImport, ImportStatus
from lms.people.models import User

SAMPLE = Path(__file__).resolve().parents[2] / "analytics" / "samples" / "hris_sample.csv"


def upload(client, data: bytes, name: str = "hris.csv", kind: str = "spells"):
    return client.post("/analytics/hris", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_only_hr_reaches_the_import_pages(client, login, create_user, db):
    for role in ("employee", "manager", "admin", "author"):
        client.post("/logout")
        login(create_user(role))
        assert client.get("/analytics/hris").status_code == 403, role
        assert upload(client, SAMPLE.read_bytes()).status_code == 403, role
    client.post("/logout")
    login(create_user("hr"))
    response = upload(client, SAMPLE.read_bytes())
    assert response.status_code == 302
    imp_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post("/logout")
    login(create_user("manager"))
    assert client.get(f"/analytics/hris/imports/{imp_id}").status_code == 403
    assert client.post(f"/analytics/hris/imports/{imp_id}/confirm").status_code == 403


def test_upload_shows_preview_mapping_and_report_then_confirm_imports_the_good_rows(client, login, create_user, db):
    login(create_user("hr"))
    response = upload(client, SAMPLE.read_bytes(), "nordlys.csv")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Karin" in html and "Åberg" in html  # the first rows
    assert 'value="attribute" selected' in html  # location: a person attribute
    assert 'value="protected" selected' in html  # gender: protected
    assert "10 rows in the file" in html and "8 can be imported" in html and "2 rejected" in html
    assert "2024-13-01" in html and "E999" in html  # the reasons name the bad values
    assert db.session.execute(select(User).where(User.employee_number == "E101")).scalar_one_or_none() is None
    imp = db.session.execute(select(HrisImport)).scalars().one()
    confirm = client.post(f"/analytics/hris/imports/{imp.id}/confirm")
    assert confirm.status_code == 302
    db.session.refresh(imp)
    assert imp.status is ImportStatus.applied and imp.content == "" and imp.report["good"] == 8
    assert db.session.execute(select(User).where(User.employee_number == "E101")).scalar_one().last_name == "Møller"
    assert client.post(f"/analytics/hris/imports/{imp.id}/confirm").status_code == 400  # once only


def test_hr_maps_an_unknown_header_and_checks_again(client, login, create_user, db):
    login(create_user("hr"))
    text = ("Nr;Fornavn;Efternavn;E-mail;Afdeling;Leder;Stilling;Begyndt\n"
            "M1;Åsa;Ærø;aasa@nordlys.example;Økonomi;;Chef;2015-03-01\n")
    response = upload(client, text.encode("utf-8-sig"))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Required columns are missing: employee_number, hire_date" in html
    imp = db.session.execute(select(HrisImport)).scalars().one()
    mapping = {"map-0": "employee_number", "map-1": "first_name", "map-2": "last_name", "map-3": "email",
               "map-4": "department", "map-5": "manager_employee_number", "map-6": "job_title", "map-7": "hire_date"}
    assert client.post(f"/analytics/hris/imports/{imp.id}", data=mapping).status_code == 302
    db.session.refresh(imp)
    assert imp.mapping["Begyndt"] == "hire_date" and imp.report["good"] == 1
    bad = dict(mapping, **{"map-7": "salary"})
    assert client.post(f"/analytics/hris/imports/{imp.id}", data=bad).status_code == 400


def test_an_empty_or_headerless_upload_is_an_error_next_to_the_field(client, login, create_user, db):
    login(create_user("hr"))
    response = upload(client, b"\n\n")
    assert response.status_code == 400 and "The file is empty." in response.get_data(as_text=True)
    assert upload(client, b"").status_code == 400


def test_discard_keeps_nothing(client, login, create_user, db):
    login(create_user("hr"))
    response = upload(client, SAMPLE.read_bytes())
    imp = db.session.execute(select(HrisImport)).scalars().one()
    assert client.post(f"/analytics/hris/imports/{imp.id}/discard").status_code == 302
    db.session.refresh(imp)
    assert imp.status is ImportStatus.discarded and imp.content == ""
    assert client.get(response.headers["Location"]).status_code == 200


def test_an_absence_file_gets_its_own_report_and_is_imported(client, login, create_user, db):
    from analytics.models import Absence

    person = create_user()
    person.employee_number = "A7"
    login(create_user("hr"))
    text = ("Medarbejdernummer;Fra;Til;Fraværstype\n"
            f"A7;{date.today() - timedelta(days=30)};{date.today() - timedelta(days=28)};sygdom\n"
            "A8;2024-01-01;2024-01-02;ferie\n")
    response = upload(client, text.encode("utf-8"), "fravaer.csv", kind="absences")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 can be imported" in html and "No employee A8 in Fasthold" in html
    imp = db.session.execute(select(HrisImport)).scalars().one()
    assert imp.mapping == {"Medarbejdernummer": "employee_number", "Fra": "start", "Til": "end", "Fraværstype": "type"}
    client.post(f"/analytics/hris/imports/{imp.id}/confirm")
    assert db.session.execute(select(Absence.user_id)).scalars().all() == [person.id]


def test_a_large_file_is_checked_and_imported_by_celery(client, login, create_user, db, sent_tasks, monkeypatch):
    from analytics import tasks, views

    monkeypatch.setattr(views, "SYNC_ROWS", 3)
    login(create_user("hr"))
    response = upload(client, SAMPLE.read_bytes())
    imp = db.session.execute(select(HrisImport)).scalars().one()
    assert imp.status is ImportStatus.checking and imp.report is None
    assert ("analytics.check_import", (imp.id,), {}) in sent_tasks
    assert "Checking the file in the background" in client.get(response.headers["Location"]).get_data(as_text=True)
    tasks.check_import.run(imp.id)
    tasks.check_import.run(imp.id)  # a second delivery does nothing more
    assert imp.status is ImportStatus.pending and imp.report["good"] == 8
    assert client.post(f"/analytics/hris/imports/{imp.id}/confirm").status_code == 302
    db.session.refresh(imp)
    assert imp.status is ImportStatus.importing
    assert ("analytics.apply_import", (imp.id,), {}) in sent_tasks
    tasks.apply_import.run(imp.id)
    assert imp.status is ImportStatus.applied and imp.content == ""
    assert db.session.execute(select(User).where(User.employee_number == "E101")).scalar_one().last_name == "Møller"
    tasks.apply_import.run(imp.id)  # idempotent
