"""HRIS import: upsert by employee number, boomerangs, managers, the row-level report, CSV realities,
absences, protected attributes, audit, the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analytics import hris
from analytics.models import Absence, AbsenceType, AttributeKind, PersonAttribute, PersonAttributeDefinition
from lms.people.models import AuditEntry, Department, EmploymentSpell, EndType, User

HEADER = ("employee_number,first_name,last_name,email,department,manager_employee_number,job_title,"
          "hire_date,end_date,end_type,regretted")
SAMPLE = Path(__file__).resolve().parents[2] / "analytics" / "samples" / "hris_sample.csv"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def person(db, number: str) -> User | None:
    return db.session.execute(select(User).where(User.employee_number == number)).scalar_one_or_none()


def count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def errors_of(report) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


BOSS = "M1,Karin,Åberg,karin@nordlys.example,Ledelse,,CEO,2015-03-01,,,"
DEV = "E1,Søren,Møller,soren@nordlys.example,Udvikling,M1,Udvikler,2020-01-06,,,"


def test_import_creates_people_departments_spells_and_managers(db):
    report = hris.import_spells(csv_text(BOSS, DEV, "E2,Linnea,Sjöberg,linnea@nordlys.example,Udvikling,M1,"
                                                    "Tester,2019-02-01,2022-05-31,voluntary,yes"))
    assert report.errors == [] and report.good == 3
    assert report.counts["people_created"] == 3 and report.counts["spells_created"] == 3
    assert report.counts["departments_created"] == 2
    soren = person(db, "E1")
    assert (soren.first_name, soren.last_name, soren.email) == ("Søren", "Møller", "soren@nordlys.example")
    spell = soren.spells[0]
    assert spell.department.name == "Udvikling" and spell.manager.employee_number == "M1"
    assert spell.job_title == "Udvikler" and spell.hire_date == date(2020, 1, 6) and spell.end_date is None
    linnea = person(db, "E2")
    assert linnea.spells[0].end_type is EndType.voluntary and linnea.spells[0].is_regretted
    assert not linnea.is_active  # left: cannot sign in, history kept
    assert soren.is_active and soren.password_hash is None  # signs in after an invitation


def test_importing_the_same_file_twice_changes_nothing(db):
    text = SAMPLE.read_text(encoding="utf-8")
    first = hris.import_spells(text)
    db.session.flush()
    snapshot = {name: count(db, model) for name, model in
                [("users", User), ("spells", EmploymentSpell), ("depts", Department), ("attrs", PersonAttribute),
                 ("audit", AuditEntry)]}
    second = hris.import_spells(text)
    db.session.flush()
    assert first.counts["people_created"] > 0
    assert second.counts["people_created"] == second.counts["people_updated"] == 0
    assert second.counts["spells_created"] == second.counts["spells_updated"] == 0
    assert second.counts["attributes_changed"] == 0 and second.counts["departments_created"] == 0
    assert second.counts["spells_unchanged"] == first.counts["spells_created"]
    assert {name: count(db, model) for name, model in
            [("users", User), ("spells", EmploymentSpell), ("depts", Department), ("attrs", PersonAttribute),
             ("audit", AuditEntry)]} == snapshot


def test_a_boomerang_keeps_both_spells_and_a_reimport_updates_the_right_one(db):
    first = "E7,Ebba,Lund,ebba@nordlys.example,Salg,,Sælger,2018-01-01,2020-06-30,voluntary,yes"
    second = "E7,Ebba,Lund,ebba@nordlys.example,Salg,,Salgschef,2022-03-01,,,"
    report = hris.import_spells(csv_text(first, second))
    assert report.errors == []
    ebba = person(db, "E7")
    assert [(s.hire_date, s.end_date, s.job_title) for s in ebba.spells] == [
        (date(2018, 1, 1), date(2020, 6, 30), "Sælger"), (date(2022, 3, 1), None, "Salgschef")]
    assert ebba.is_active
    # The later spell ends; the earlier one is untouched.
    hris.import_spells(csv_text(first, "E7,Ebba,Lund,ebba@nordlys.example,Salg,,Salgschef,2022-03-01,"
                                       "2025-01-31,involuntary,"))
    db.session.refresh(ebba)
    assert len(ebba.spells) == 2 and ebba.spells[0].end_date == date(2020, 6, 30)
    assert ebba.spells[1].end_type is EndType.involuntary and not ebba.is_active


def test_a_manager_row_later_in_the_file_and_one_in_the_database_both_resolve(db, create_user):
    existing = create_user(manager=None)
    existing.employee_number = "DB1"
    db.session.flush()
    report = hris.import_spells(csv_text(
        "E1,Søren,Møller,soren@nordlys.example,Udvikling,M1,Udvikler,2020-01-06,,,",  # manager below
        "E2,Nils,Berg,nils@nordlys.example,Udvikling,DB1,Udvikler,2021-01-06,,,",  # manager in Fasthold
        BOSS,
    ))
    assert report.errors == []
    assert person(db, "E1").spells[0].manager_id == person(db, "M1").id
    assert person(db, "E2").spells[0].manager_id == existing.id


def test_unknown_manager_and_a_manager_cycle_are_row_errors(db):
    report = hris.import_spells(csv_text(
        "E1,Søren,Møller,soren@nordlys.example,Udvikling,NOPE,Udvikler,2020-01-06,,,",
        "A1,Anna,Holm,anna@nordlys.example,Udvikling,B1,Udvikler,2020-01-06,,,",
        "B1,Bo,Dahl,bo@nordlys.example,Udvikling,A1,Udvikler,2020-01-06,,,",
        BOSS,
    ))
    by_row = {e.row: e for e in report.errors}
    assert by_row[2].column == "manager_employee_number" and "NOPE" in by_row[2].reason
    assert "loop" in by_row[3].reason and "A1 → B1 → A1" in by_row[3].reason
    assert "loop" in by_row[4].reason
    assert report.good == 1 and person(db, "M1") is not None
    assert person(db, "A1") is None and person(db, "E1") is None


def test_a_report_whose_manager_row_was_rejected_is_rejected_naming_that_row(db):
    report = hris.import_spells(csv_text(
        "E1,Søren,Møller,soren@nordlys.example,Udvikling,M1,Udvikler,2020-01-06,,,",
        "M1,Karin,Åberg,karin@nordlys.example,Ledelse,,CEO,2015-02-30,,,",  # no 30 February
        "E2,Nils,Berg,nils@nordlys.example,Udvikling,,Udvikler,2021-01-06,,,",
    ))
    assert errors_of(report) == [(2, "manager_employee_number"), (3, "hire_date")]
    assert "row 3 was rejected" in report.errors[0].reason
    assert report.good == 1 and person(db, "E2") is not None and person(db, "E1") is None


@pytest.mark.parametrize("row, column, words", [
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,06-01-2020,,,", "hire_date", "YYYY-MM-DD"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,,,,", "hire_date", "required"),
    ("E1,Søren,Møller,not-an-address,Udvikling,,Udvikler,2020-01-06,,,", "email", "not an e-mail address"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,2020-01-06,2019-01-01,voluntary,", "end_date",
     "before the hire date"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,2020-01-06,2021-01-01,,", "end_type",
     "voluntary or involuntary"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,2020-01-06,2021-01-01,fired,", "end_type",
     "not voluntary or involuntary"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,2020-01-06,,voluntary,", "end_date", "needs an end date"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,2020-01-06,,,maybe", "regretted", "not one of"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,2020-01-06,,,yes", "regretted", "has left"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,2020-01-06,2021-01-01,involuntary,yes", "regretted",
     "voluntary"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,E1,Udvikler,2020-01-06,,,", "manager_employee_number",
     "own manager"),
    ("E1,Søren,Møller,soren@nordlys.example,Udvikling,,Udvikler,2020-01-06,,,,extra", "", "cells"),
])
def test_each_kind_of_bad_row_is_reported_with_row_column_and_reason(db, row, column, words):
    report = hris.import_spells(csv_text(BOSS, row))
    assert [(e.row, e.column) for e in report.errors][:1] == [(3, column)]
    assert words in report.errors[0].reason
    assert report.good == 1 and person(db, "M1") is not None and person(db, "E1") is None


def test_duplicate_rows_email_clashes_and_overlaps_are_rejected_and_the_rest_kept(db):
    report = hris.import_spells(csv_text(
        BOSS,
        "E1,Søren,Møller,soren@nordlys.example,Udvikling,M1,Udvikler,2020-01-06,,,",
        "E1,Søren,Møller,soren@nordlys.example,Udvikling,M1,Tester,2020-01-06,,,",
        "E2,Nils,Berg,karin@nordlys.example,Udvikling,M1,Udvikler,2021-01-06,,,",  # Karin's address
        "E3,Ida,Holm,ida@nordlys.example,Salg,M1,Sælger,2019-01-01,2021-12-31,voluntary,",
        "E3,Ida,Holm,ida@nordlys.example,Salg,M1,Sælger,2021-06-01,,,",  # overlaps the spell above
        "E4,Bo,Dahl,bo@nordlys.example,Salg,M1,Sælger,2022-01-01,,,",
    ))
    rejected = {e.row: e for e in report.errors}
    assert "row 4" in rejected[3].reason and "row 3" in rejected[4].reason
    assert rejected[5].column == "email" and "Row 2" in rejected[5].reason
    assert rejected[7].column == "hire_date" and "overlaps row 6" in rejected[7].reason
    assert set(rejected) == {3, 4, 5, 7}
    assert person(db, "E4") is not None and person(db, "M1") is not None
    assert [s.hire_date for s in person(db, "E3").spells] == [date(2019, 1, 1)]


def test_bom_semicolons_blank_lines_and_nordic_letters(db):
    text = "\ufeff" + csv_text(
        "M1;Åsa;Ærø;aasa@nordlys.example;Økonomi;;Økonomichef;2015-03-01;;;",
        "",
        "E1;Björn;Sjögren;bjorn@nordlys.example;Økonomi;M1;Bogholder;2020-01-06;;;nej",
        ";;;;;;;;;;",
        header=HEADER.replace(",", ";"),
    )
    data = text.encode("utf-8")
    decoded, warning = hris.decode(data)
    assert warning is None
    report = hris.import_spells(decoded)
    assert report.errors == [] and report.rows == 2
    assert person(db, "M1").first_name == "Åsa" and person(db, "E1").spells[0].department.name == "Økonomi"
    # Row numbers count the blank line.
    bad = hris.import_spells(decoded.replace("2020-01-06", "2020-1-6"))
    assert errors_of(bad) == [(4, "hire_date")]


def test_an_excel_windows_1252_file_is_read_with_a_warning(db):
    text, warning = hris.decode(csv_text("M1,Åsa,Ærø,aasa@nordlys.example,Økonomi,,Chef,2015-03-01,,,")
                                .encode("cp1252"))
    assert warning and "Windows-1252" in warning
    assert hris.import_spells(text).errors == [] and person(db, "M1").last_name == "Ærø"


def test_other_header_names_are_detected_or_mapped_by_hand(db):
    header = ("Medarbejdernummer;Fornavn;Efternavn;E-mail;Afdeling;Leder;Stilling;Startdato;Slutdato;"
              "Fratrædelsestype;Beklaget;Lokation")
    mapping = hris.detect_mapping(header.split(";"))
    assert mapping["Medarbejdernummer"] == "employee_number" and mapping["Startdato"] == "hire_date"
    assert mapping["Beklaget"] == "attribute" and mapping["Lokation"] == "attribute"
    text = csv_text("M1;Åsa;Ærø;aasa@nordlys.example;Økonomi;;Chef;2015-03-01;2020-01-01;frivillig;ja;Aarhus",
                    header=header)
    report = hris.import_spells(text, {"Beklaget": "regretted"})
    assert report.errors == []
    spell = person(db, "M1").spells[0]
    assert spell.is_regretted and spell.end_type is EndType.voluntary
    with pytest.raises(hris.ImportFileError, match="hire_date"):
        hris.import_spells(text, {"Startdato": "ignore"})


def test_extra_columns_become_attributes_with_detected_kind_and_protected_ones_are_never_usable(db):
    report = hris.import_spells(SAMPLE.read_text(encoding="utf-8"))
    assert {e.row for e in report.errors} == {8, 9}  # the sample's deliberately bad rows
    defs = {d.name: d for d in db.session.execute(select(PersonAttributeDefinition)).scalars()}
    assert defs["fte"].kind is AttributeKind.numeric and not defs["fte"].is_protected
    assert defs["location"].kind is AttributeKind.categorical
    assert defs["gender"].is_protected
    usable = {d.name for d in hris.usable_attributes()}
    assert usable == {"fte", "location"}
    values = hris.attribute_values()
    ida = person(db, "E103")
    assert values[ida.id] == {"fte": 0.8, "location": "Aarhus"}
    # Even mapped by hand as a plain attribute, a protected column stays protected.
    hris.import_spells(csv_text("M1,Åsa,Ærø,aasa@nordlys.example,Økonomi,,Chef,2015-03-01,,,,51,gift",
                                header=HEADER + ",Alder,Civilstand"), {"Alder": "attribute"})
    assert {d.name for d in hris.usable_attributes()} == {"fte", "location"}


@pytest.mark.parametrize("header", ["Køn", "kön", "Alder", "Ålder", "age_band", "Date of birth", "Ethnicity",
                                    "Religion", "Marital status", "Civilstånd", "Health notes", "Disability"])
def test_protected_characteristics_are_detected_by_header_in_three_languages(header):
    assert hris.is_protected_header(header)


@pytest.mark.parametrize("header", ["Manager level", "Location", "Salary band", "Wage group", "FTE", "Page"])
def test_ordinary_headers_are_not_taken_for_protected_ones(header):
    assert not hris.is_protected_header(header)


def test_every_change_is_in_the_audit_log(db):
    hris.import_spells(csv_text(BOSS + ",Aarhus", header=HEADER + ",location"))
    db.session.flush()
    karin = person(db, "M1")
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.subject_user_id == karin.id)).scalars().all()
    kinds = {(e.action, e.entity_type) for e in entries}
    assert {("create", "User"), ("create", "EmploymentSpell"), ("create", "PersonAttribute")} <= kinds
    hris.import_spells(csv_text(BOSS.replace("CEO", "Adm. direktør") + ",Odense", header=HEADER + ",location"))
    db.session.flush()
    updates = db.session.execute(select(AuditEntry).where(AuditEntry.subject_user_id == karin.id,
                                                          AuditEntry.action == "update")).scalars().all()
    assert {"job_title": ["CEO", "Adm. direktør"]} in [e.changes for e in updates]
    assert {"value": ["Aarhus", "Odense"]} in [e.changes for e in updates]


def test_a_protected_characteristic_is_logged_as_changed_but_its_value_never_is(db):
    hris.import_spells(csv_text(BOSS + ",Aarhus,kvinde", header=HEADER + ",location,Køn"))
    db.session.flush()
    karin = person(db, "M1")
    hris.import_spells(csv_text(BOSS + ",Aarhus,ikke oplyst", header=HEADER + ",location,Køn"))
    db.session.flush()
    changes = [e.changes for e in db.session.execute(
        select(AuditEntry).where(AuditEntry.subject_user_id == karin.id, AuditEntry.entity_type == "PersonAttribute")
    ).scalars()]
    logged = repr(changes)
    assert "kvinde" not in logged and "ikke oplyst" not in logged
    assert {"value": ["[protected]", "[protected]"]} in changes  # the update is there, without values
    assert any(c.get("value") == [None, "Aarhus"] for c in changes)  # ordinary attributes keep theirs


def test_dry_run_writes_nothing(db):
    before = (count(db, User), count(db, EmploymentSpell), count(db, Department), count(db, AuditEntry))
    report = hris.import_spells(SAMPLE.read_text(encoding="utf-8"), dry_run=True)
    db.session.flush()
    assert report.counts["people_created"] == 7  # E102 has two spells
    assert (count(db, User), count(db, EmploymentSpell), count(db, Department), count(db, AuditEntry)) == before


def test_absences_import_with_its_own_report(db):
    hris.import_spells(csv_text(BOSS, DEV))
    text = ("employee_number;start;end;type\n"
            "E1;2024-02-05;2024-02-07;sick\n"
            "E1;2024-07-01;2024-07-19;ferie\n"
            "E1;2024-07-10;2024-07-12;sick\n"  # overlaps the vacation
            "NOPE;2024-01-01;2024-01-02;sick\n"
            "M1;2024-03-01;2024-02-01;vacation\n"
            "M1;2024-03-01;2024-03-02;hangover\n"
            "E1;2019-03-01;2019-03-02;other\n")  # before E1 was hired
    report = hris.import_absences(text)
    assert errors_of(report) == [(4, "start"), (5, "employee_number"), (6, "end"), (7, "type"), (8, "start")]
    assert report.counts["absences_created"] == 2
    soren = person(db, "E1")
    rows = db.session.execute(select(Absence).where(Absence.user_id == soren.id).order_by(Absence.start_date)).scalars().all()
    assert [(a.start_date, a.absence_type) for a in rows] == [(date(2024, 2, 5), AbsenceType.sick),
                                                             (date(2024, 7, 1), AbsenceType.vacation)]
    db.session.flush()
    audited = db.session.execute(select(AuditEntry).where(AuditEntry.entity_type == "Absence")).scalars().all()
    assert len(audited) == 2 and {e.subject_user_id for e in audited} == {soren.id}
    again = hris.import_absences(text)
    assert again.counts["absences_created"] == 0 and again.counts["absences_unchanged"] == 2


def test_cli_dry_run_writes_nothing_and_exits_non_zero_on_rejected_rows(app, db):
    before = (count(db, User), count(db, EmploymentSpell))
    result = app.test_cli_runner().invoke(args=["hris", "import", str(SAMPLE), "--dry-run"])
    assert result.exit_code == 1, result.output
    assert "Dry run, nothing written: 10 rows, 8 good, 2 rejected." in result.output
    assert "8\thire_date\t" in result.output and "9\tmanager_employee_number\t" in result.output
    db.session.rollback()
    assert (count(db, User), count(db, EmploymentSpell)) == before


def test_cli_imports_the_good_rows_and_exits_zero_when_all_are_good(app, db, tmp_path):
    result = app.test_cli_runner().invoke(args=["hris", "import", str(SAMPLE)])
    assert result.exit_code == 1 and "Imported: 10 rows, 8 good, 2 rejected." in result.output
    assert person(db, "E101") is not None and person(db, "E105") is None
    good = tmp_path / "good.csv"
    good.write_text(csv_text(BOSS), encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["hris", "import", str(good)]).exit_code == 0
    missing = tmp_path / "missing.csv"
    missing.write_text("employee_number,first_name\nE1,A\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["hris", "import", str(missing)])
    assert result.exit_code == 2 and "Required columns are missing" in result.output


def test_a_crash_in_the_middle_leaves_nothing_written(app, db, monkeypatch):
    before = (count(db, User), count(db, EmploymentSpell), count(db, Department))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hris, "_write_attributes", boom)
    result = app.test_cli_runner().invoke(args=["hris", "import", str(SAMPLE)])
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert (count(db, User), count(db, EmploymentSpell), count(db, Department)) == before


def test_a_cycle_through_people_only_in_fasthold_is_found(db):
    hris.import_spells(csv_text(BOSS, "B1,Bo,Dahl,bo@nordlys.example,Udvikling,M1,Leder,2018-01-01,,,",
                                "C1,Cia,Holm,cia@nordlys.example,Udvikling,B1,Udvikler,2019-01-01,,,"))
    # M1 now reports to C1, who reports to B1, who reports to M1 (both only in Fasthold).
    report = hris.import_spells(csv_text(BOSS.replace(",,CEO,", ",C1,CEO,")))
    assert errors_of(report) == [(2, "manager_employee_number")]
    assert "M1 → C1 → B1 → M1" in report.errors[0].reason


def test_an_address_held_by_another_account_is_a_row_error_not_a_crash(db, create_user):
    hris.import_spells(csv_text(BOSS))
    other = create_user(email="taken@nordlys.example")
    report = hris.import_spells(csv_text(BOSS.replace("karin@nordlys.example", "taken@nordlys.example")))
    assert errors_of(report) == [(2, "email")] and other.full_name in report.errors[0].reason


def test_an_account_made_by_hand_is_matched_by_email_the_first_time(db, create_user):
    hand = create_user(email="karin@nordlys.example", with_spell=False)
    before = count(db, User)
    report = hris.import_spells(csv_text(BOSS))
    assert report.errors == [] and count(db, User) == before
    assert hand.employee_number == "M1" and len(hand.spells) == 1
