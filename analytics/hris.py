"""HRIS import: employment spells and absences from CSV files, with a row-level report.

The file is read with the standard `csv` module (UTF-8 with or without BOM, Windows-1252 as a
fallback; `,`, `;` or tab as delimiter, detected from the header). Every row is checked on its
own, then against the other rows and the database (duplicates, overlapping spells, e-mail
clashes, managers and manager cycles); a rejected row takes along every row that depends on it
(a report whose manager row was rejected), until nothing changes. The good rows are then written
in one savepoint of the caller's transaction: a crash or a dry run leaves nothing behind.

Upsert rules: a person is identified by employee number (or, the first time, by the e-mail of an
account made by hand without one); a spell by employee number + hire date. A later hire date
after an ended spell is a separate spell (a boomerang). Spells already in the database but not in
the file are left alone, so partial files are safe. The person's name, e-mail and extra attributes
come from their row with the latest hire date; a blank attribute cell removes the stored value.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.people.models import Department, EmploymentSpell, EndType, Role, User

from .models import (
    Absence,
    AbsenceType,
    AttributeKind,
    PersonAttribute,
    PersonAttributeDefinition,
)

#: the documented columns of a spells file, in the documented order
SPELL_COLUMNS = (
    "employee_number", "first_name", "last_name", "email", "department", "manager_employee_number",
    "job_title", "hire_date", "end_date", "end_type", "regretted",
)
SPELL_REQUIRED = ("employee_number", "first_name", "last_name", "email", "department", "job_title", "hire_date")
ABSENCE_COLUMNS = ("employee_number", "start", "end", "type")
ABSENCE_REQUIRED = ABSENCE_COLUMNS

#: mapping targets besides the documented columns
ATTRIBUTE, PROTECTED, IGNORE = "attribute", "protected", "ignore"

#: other header names HR systems use, normalised (English, Danish, Swedish)
SYNONYMS = {
    "employee_number": {"employee_no", "employee_id", "emp_no", "employeenumber", "medarbejdernummer", "medarbejder_nr",
                        "medarbejdernr", "anstallningsnummer", "anställningsnummer", "personalnummer",
                        "medarbetarnummer", "anst_nr"},
    "first_name": {"firstname", "given_name", "fornavn", "förnamn"},
    "last_name": {"lastname", "surname", "family_name", "efternavn", "efternamn"},
    "email": {"e_mail", "mail", "email_address", "e_mail_adresse", "mailadresse", "e_post", "epost", "e_postadress"},
    "department": {"dept", "afdeling", "avdelning"},
    "manager_employee_number": {"manager", "manager_id", "manager_number", "manager_employee_no", "leder", "leder_nr",
                                "chef", "chef_nr", "chefens_anställningsnummer", "leders_medarbejdernummer"},
    "job_title": {"title", "position", "stilling", "stillingsbetegnelse", "titel", "befattning", "jobtitel"},
    "hire_date": {"start_date", "hired_on", "startdato", "ansættelsesdato", "ansaettelsesdato", "anställningsdatum",
                  "startdatum"},
    "end_date": {"termination_date", "leaving_date", "slutdato", "fratrædelsesdato", "slutdatum"},
    "end_type": {"termination_type", "exit_type", "leaving_type", "fratrædelsestype", "avgångstyp"},
    "regretted": {"is_regretted", "regretted_leaver", "regretted_loss"},
}
ABSENCE_SYNONYMS = {
    "employee_number": SYNONYMS["employee_number"],
    "start": {"start_date", "from", "from_date", "fra", "från", "startdato", "startdatum"},
    "end": {"end_date", "to", "to_date", "til", "till", "slutdato", "slutdatum"},
    "type": {"absence_type", "kind", "fraværstype", "frånvarotyp", "type_of_absence"},
}

#: header words that mark a protected characteristic (and close proxies), matched as whole words
PROTECTED_WORDS = frozenset({
    # age
    "age", "alder", "ålder", "birth", "birthday", "birthdate", "dob", "born", "fødselsdato", "fødselsår",
    "födelsedatum", "födelseår", "fodelsedatum", "cpr", "personnummer",
    # gender and sexual orientation
    "gender", "sex", "køn", "kön", "kjønn", "kon", "koen", "sexual", "orientation", "seksualitet", "sexualitet",
    # ethnicity, nationality, race
    "ethnicity", "ethnic", "etnicitet", "race", "nationality", "nationalitet", "herkomst", "oprindelse",
    # religion and belief
    "religion", "religious", "belief", "tro", "trosretning", "trosuppfattning",
    # marital status and family
    "marital", "civilstand", "civilstatus", "civilstånd", "pregnancy", "pregnant", "graviditet",
    # health and disability
    "health", "helbred", "hälsa", "helse", "disability", "disabled", "handicap", "funktionsnedsættelse",
    "funktionsnedsättning", "diagnosis", "diagnose",
    # other special categories (GDPR art. 9)
    "union", "fagforening", "fackförening", "political", "politisk",
})

TRUE_WORDS = {"true", "yes", "1", "y", "ja", "j", "sand", "sant"}
FALSE_WORDS = {"false", "no", "0", "n", "nej", "falsk", "", "-"}
END_TYPES = {"voluntary": EndType.voluntary, "involuntary": EndType.involuntary,
             "frivillig": EndType.voluntary, "ufrivillig": EndType.involuntary, "ofrivillig": EndType.involuntary}
ABSENCE_TYPES = {
    "sick": AbsenceType.sick, "sickness": AbsenceType.sick, "sygdom": AbsenceType.sick, "syg": AbsenceType.sick,
    "sjuk": AbsenceType.sick, "sjukdom": AbsenceType.sick,
    "vacation": AbsenceType.vacation, "holiday": AbsenceType.vacation, "ferie": AbsenceType.vacation,
    "semester": AbsenceType.vacation,
    "parental": AbsenceType.parental, "barsel": AbsenceType.parental, "orlov": AbsenceType.parental,
    "föräldraledighet": AbsenceType.parental, "foraldraledighet": AbsenceType.parental,
    "other": AbsenceType.other, "andet": AbsenceType.other, "annat": AbsenceType.other, "øvrigt": AbsenceType.other,
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_ROWS = 100_000
PREVIEW_ROWS = 5


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, empty, required columns missing)."""


@dataclass(frozen=True)
class RowError:
    """One reason a row was rejected: its line in the file (the header is line 1), the column, why."""

    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    rows: int = 0
    good: int = 0
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "rows": self.rows, "good": self.good, "rejected": self.rejected,
                "errors": [[e.row, e.column, e.reason] for e in self.errors], "counts": dict(self.counts),
                "warnings": list(self.warnings), "dry_run": self.dry_run}


# --- reading the file ---------------------------------------------------------------------------


def normalise_header(header: str) -> str:
    """"  Hire Date " -> "hire_date"; "Køn" -> "køn" (letters of every language are kept)."""
    return re.sub(r"[\W]+", "_", header.replace("\ufeff", "").strip().lower()).strip("_")


def decode(data: bytes) -> tuple[str, str | None]:
    """The file's text and a warning when it was not UTF-8 (Excel on Windows writes Windows-1252)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), _(
            "The file is not UTF-8; it was read as Windows-1252 (Excel). Check that æ, ø, å, ä and ö look right.")


def _delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most cells (Scandinavian Excel writes `;`)."""
    return max((",", ";", "\t"), key=lambda d: (len(next(csv.reader([header_line], delimiter=d), [])), d == ","))


@dataclass
class ParsedFile:
    headers: list[str]
    #: (line number of the row's start, cells)
    rows: list[tuple[int, list[str]]]
    delimiter: str


def parse(text: str) -> ParsedFile:
    """Headers and non-blank rows, each with the line where it starts (the header is line 1)."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    delimiter = _delimiter(lines[first])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines and rows of empty cells
            if headers is None:
                headers = [c.strip() for c in cells]
                continue
            rows.append((start, cells))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(max)d rows; split it.", max=MAX_ROWS))
    except csv.Error as exc:
        raise ImportFileError(_("Line %(line)d cannot be read as CSV: %(error)s", line=reader.line_num,
                                error=str(exc))) from None
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    if any(not h for h in headers):
        raise ImportFileError(_("Every column needs a name in the header line."))
    return ParsedFile(headers=headers, rows=rows, delimiter=delimiter)


def is_protected_header(header: str) -> bool:
    """Does this header name a protected characteristic (age, gender, ethnicity, religion, marital
    status, health, ...), in English, Danish or Swedish?"""
    name = normalise_header(header)
    return name in PROTECTED_WORDS or any(word in PROTECTED_WORDS for word in name.split("_"))


def detect_mapping(headers: Iterable[str], kind: str = "spells") -> dict[str, str]:
    """The mapping the preview proposes: documented names and known synonyms map to their column,
    protected characteristics to "protected", anything else (spells) to "attribute"."""
    columns, synonyms = (SPELL_COLUMNS, SYNONYMS) if kind == "spells" else (ABSENCE_COLUMNS, ABSENCE_SYNONYMS)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        name = normalise_header(header)
        target = next((c for c in columns if c not in used and (name == c or name in synonyms.get(c, ()))), None)
        if target is not None:
            used.add(target)
            mapping[header] = target
        elif kind != "spells":
            mapping[header] = IGNORE
        else:
            mapping[header] = PROTECTED if is_protected_header(header) else ATTRIBUTE
    return mapping


def mapping_targets(kind: str = "spells") -> list[str]:
    columns = SPELL_COLUMNS if kind == "spells" else ABSENCE_COLUMNS
    extra = [ATTRIBUTE, PROTECTED, IGNORE] if kind == "spells" else [IGNORE]
    return [*columns, *extra]


def check_mapping(headers: list[str], mapping: dict[str, str], kind: str = "spells") -> dict[str, str]:
    """A complete, valid mapping for `headers` (missing headers detected), or ImportFileError."""
    detected = detect_mapping(headers, kind)
    full = {h: mapping.get(h, detected[h]) for h in headers}
    allowed = set(mapping_targets(kind))
    for header, target in full.items():
        if target not in allowed:
            raise ImportFileError(_("Column “%(header)s” is mapped to an unknown column “%(target)s”.",
                                    header=header, target=target))
        if target == ATTRIBUTE and is_protected_header(header):
            full[header] = PROTECTED  # a protected characteristic cannot be made usable by mapping it
    seen: dict[str, str] = {}
    for header, target in full.items():
        if target in (ATTRIBUTE, PROTECTED, IGNORE):
            continue
        if target in seen:
            raise ImportFileError(_("Columns “%(a)s” and “%(b)s” are both mapped to %(target)s.",
                                    a=seen[target], b=header, target=target))
        seen[target] = header
    required = SPELL_REQUIRED if kind == "spells" else ABSENCE_REQUIRED
    missing = [c for c in required if c not in seen]
    if missing:
        raise ImportFileError(_("Required columns are missing: %(columns)s. Map a column of the file to each.",
                                columns=", ".join(missing)))
    attribute_names: dict[str, str] = {}
    for header, target in full.items():
        if target in (ATTRIBUTE, PROTECTED):
            name = normalise_header(header)[:80]
            if name in SPELL_COLUMNS or name in attribute_names:
                raise ImportFileError(_("Column “%(header)s” would be stored under a name already used.",
                                        header=header))
            attribute_names[name] = header
    return full


def preview(text: str, kind: str = "spells") -> dict:
    """Headers, the detected mapping and the first rows, for the preview page."""
    parsed = parse(text)
    return {"headers": parsed.headers, "mapping": detect_mapping(parsed.headers, kind),
            "rows": [cells for _line, cells in parsed.rows[:PREVIEW_ROWS]], "total": len(parsed.rows),
            "delimiter": parsed.delimiter}


# --- values -----------------------------------------------------------------------------------


def parse_date(value: str) -> date:
    value = value.strip()
    if not ISO_DATE.match(value):
        raise ValueError(_("“%(value)s” is not a date in the form YYYY-MM-DD.", value=value))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a real date.", value=value)) from None


def parse_bool(value: str) -> bool:
    v = value.strip().lower()
    if v in TRUE_WORDS:
        return True
    if v in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” is not one of true, false, yes, no, 1, 0 or blank.", value=value))


def parse_number(value: str) -> float | None:
    """A number, accepting a decimal comma and spaces as thousands separators; None if not one."""
    v = value.strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"-?\d+(,\d+)?", v):
        v = v.replace(",", ".")
    try:
        number = float(v)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


# --- spells -------------------------------------------------------------------------------------


@dataclass
class SpellRow:
    line: int
    employee_number: str
    first_name: str
    last_name: str
    email: str
    department: str
    manager_number: str | None
    job_title: str
    hire_date: date
    end_date: date | None
    end_type: EndType | None
    is_regretted: bool
    attributes: dict[str, str]


class _Rejections:
    """Errors by row; a row with any error is rejected."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.rows: set[int] = set()

    def add(self, row: int, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))
        self.rows.add(row)

    def __contains__(self, row: int) -> bool:
        return row in self.rows


def _cells(cells: list[str], headers: list[str], mapping: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    values: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for i, header in enumerate(headers):
        value = cells[i].strip() if i < len(cells) else ""
        target = mapping[header]
        if target in (ATTRIBUTE, PROTECTED):
            attributes[header] = value
        elif target != IGNORE:
            values[target] = value
    return values, attributes


def _read_spell_row(line: int, cells: list[str], parsed: ParsedFile, mapping: dict[str, str],
                    rej: _Rejections) -> SpellRow | None:
    headers = parsed.headers
    if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers):]):
        rej.add(line, "", _("The row has %(cells)d cells but the header has %(columns)d.",
                            cells=len(cells), columns=len(headers)))
        return None
    v, attributes = _cells(cells, headers, mapping)
    column_of = {target: header for header, target in mapping.items()}

    def col(name: str) -> str:
        return column_of.get(name, name)

    for name in SPELL_REQUIRED:
        if not v.get(name):
            rej.add(line, col(name), _("A value is required."))
    limits = {"employee_number": 40, "first_name": 100, "last_name": 100, "department": 120, "job_title": 120,
              "manager_employee_number": 40}
    for name, limit in limits.items():
        if len(v.get(name, "")) > limit:
            rej.add(line, col(name), _("At most %(max)d characters.", max=limit))
    for header, value in attributes.items():
        if len(value) > 255:
            rej.add(line, header, _("At most %(max)d characters.", max=255))
    email = v.get("email", "")
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            rej.add(line, col("email"), _("“%(value)s” is not an e-mail address.", value=email))
    dates: dict[str, date | None] = {}
    for name in ("hire_date", "end_date"):
        dates[name] = None
        if v.get(name):
            try:
                dates[name] = parse_date(v[name])
            except ValueError as exc:
                rej.add(line, col(name), str(exc))
    end_type = None
    if v.get("end_type"):
        end_type = END_TYPES.get(v["end_type"].lower())
        if end_type is None:
            rej.add(line, col("end_type"), _("“%(value)s” is not voluntary or involuntary.", value=v["end_type"]))
    try:
        regretted = parse_bool(v.get("regretted", ""))
    except ValueError as exc:
        rej.add(line, col("regretted"), str(exc))
        regretted = False
    hire, end = dates["hire_date"], dates["end_date"]
    if hire and end and end < hire:
        rej.add(line, col("end_date"), _("The end date is before the hire date."))
    if v.get("end_date") and not v.get("end_type"):
        rej.add(line, col("end_type"), _("Say whether the leaving was voluntary or involuntary."))
    if v.get("end_type") and not v.get("end_date"):
        rej.add(line, col("end_date"), _("An end type needs an end date."))
    if regretted and not v.get("end_date"):
        rej.add(line, col("regretted"), _("Only a person who has left can be a regretted leaver."))
    if regretted and end_type is EndType.involuntary:
        rej.add(line, col("regretted"), _("Only a voluntary leaver can be regretted."))
    manager = v.get("manager_employee_number") or None
    if manager and manager == v.get("employee_number"):
        rej.add(line, col("manager_employee_number"), _("A person cannot be their own manager."))
    if line in rej:
        return None
    return SpellRow(
        line=line, employee_number=v["employee_number"], first_name=v["first_name"], last_name=v["last_name"],
        email=email, department=v["department"], manager_number=manager, job_title=v["job_title"],
        hire_date=hire, end_date=end, end_type=end_type, is_regretted=regretted, attributes=attributes,
    )


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return a_start <= (b_end or date.max) and b_start <= (a_end or date.max)


def _validate_spells(rows: list[SpellRow], rej: _Rejections, column_of: dict[str, str],
                     all_lines: dict[str, list[int]]) -> list[SpellRow]:
    """Cross-row and database checks, repeated until no further row is rejected.

    `all_lines` gives every line of the file by employee number, rows rejected on their own included.
    """

    def col(name: str) -> str:
        return column_of.get(name, name)

    # Duplicates (employee number + hire date): every copy is rejected, naming the others.
    by_key: dict[tuple[str, date], list[SpellRow]] = {}
    for r in rows:
        by_key.setdefault((r.employee_number, r.hire_date), []).append(r)
    for copies in by_key.values():
        if len(copies) > 1:
            for r in copies:
                others = ", ".join(str(o.line) for o in copies if o is not r)
                rej.add(r.line, col("hire_date"),
                        _("The same employee number and hire date appear again in row %(rows)s.", rows=others))

    numbers = {r.employee_number for r in rows} | {r.manager_number for r in rows if r.manager_number}
    db_users = {u.employee_number: u for u in db.session.execute(
        select(User).where(User.employee_number.in_(numbers))).scalars()} if numbers else {}
    emails = {r.email for r in rows}
    db_by_email = {u.email: u for u in db.session.execute(
        select(User).where(User.email.in_(emails))).scalars()} if emails else {}
    db_spells: dict[int, list[EmploymentSpell]] = {}
    if db_users:
        for s in db.session.execute(select(EmploymentSpell).where(
                EmploymentSpell.user_id.in_([u.id for u in db_users.values()]))).scalars():
            db_spells.setdefault(s.user_id, []).append(s)

    stored_manager: dict[str, str | None] = {}
    changed = True
    while changed:
        before = len(rej.rows)
        good = [r for r in rows if r.line not in rej]
        people: dict[str, list[SpellRow]] = {}
        for r in good:
            people.setdefault(r.employee_number, []).append(r)
        latest = {n: max(rs, key=lambda r: r.hire_date) for n, rs in people.items()}

        # E-mail: one person per address, in the file and against the database.
        owner_of_email: dict[str, SpellRow] = {}
        for number, r in sorted(latest.items(), key=lambda item: item[1].line):
            other = owner_of_email.get(r.email)
            if other is not None and other.employee_number != number:
                for row in people[number]:
                    rej.add(row.line, col("email"), _("Row %(row)d gives this e-mail address to employee %(number)s.",
                                                      row=other.line, number=other.employee_number))
                continue
            owner_of_email[r.email] = r
            existing = db_by_email.get(r.email)
            if existing is not None and existing.employee_number not in (None, number):
                for row in people[number]:
                    rej.add(row.line, col("email"), _("This e-mail address belongs to employee %(number)s.",
                                                      number=existing.employee_number))
            elif existing is not None and number in db_users and db_users[number].id != existing.id:
                for row in people[number]:
                    rej.add(row.line, col("email"), _("This e-mail address belongs to %(name)s, another person in "
                                                      "Fasthold.", name=existing.full_name))

        # Overlapping spells of one person (the file's rows and the spells already stored).
        for number, rs in people.items():
            user = db_users.get(number)
            in_file = {r.hire_date for r in rs}
            stored = [(s.hire_date, s.end_date, None) for s in db_spells.get(user.id, []) if s.hire_date not in in_file] \
                if user else []
            spans = sorted([(r.hire_date, r.end_date, r) for r in rs] + stored, key=lambda t: t[0])
            for (a_start, a_end, a_row), (b_start, b_end, b_row) in zip(spans, spans[1:]):
                if _overlaps(a_start, a_end, b_start, b_end):
                    row = b_row or a_row
                    other = _("row %(row)d", row=a_row.line) if (b_row and a_row) else \
                        _("the stored employment from %(date)s", date=(a_start if b_row else b_start).isoformat())
                    rej.add(row.line, col("hire_date"), _("This employment overlaps %(other)s.", other=other))

        # Managers: in the file (any accepted row, earlier or later) or in the database.
        for r in good:
            m = r.manager_number
            if not m or m in people or m in db_users:
                continue
            if m in all_lines:
                rej.add(r.line, col("manager_employee_number"),
                        _("The manager's row %(rows)s was rejected.", rows=", ".join(map(str, all_lines[m]))))
            else:
                rej.add(r.line, col("manager_employee_number"),
                        _("No employee %(number)s in the file or in Fasthold.", number=m))

        # Cycles in the current reporting lines (each person's latest row, else their stored manager).
        def manager_of(number: str) -> str | None:
            if number in latest:
                return latest[number].manager_number
            if number not in stored_manager:  # someone only in Fasthold: their current manager there
                user = db_users.get(number) or db.session.execute(
                    select(User).where(User.employee_number == number)).scalar_one_or_none()
                current = db.session.execute(
                    select(EmploymentSpell).where(EmploymentSpell.user_id == user.id)
                    .order_by(EmploymentSpell.hire_date.desc()).limit(1)).scalar_one_or_none() if user else None
                boss = db.session.get(User, current.manager_id) if current and current.manager_id else None
                stored_manager[number] = boss.employee_number if boss else None
            return stored_manager[number]

        for start in list(latest):
            chain, node = [start], manager_of(start)
            while node is not None and node not in chain and len(chain) < 10_000:
                chain.append(node)
                node = manager_of(node)
            if node == start:
                loop = " → ".join(chain + [start])
                rej.add(latest[start].line, col("manager_employee_number"),
                        _("The managers form a loop: %(loop)s.", loop=loop))
        changed = len(rej.rows) != before
    return [r for r in rows if r.line not in rej]


def import_spells(text: str, mapping: dict[str, str] | None = None, *, dry_run: bool = False,
                  today: date | None = None) -> ImportReport:
    """Import employment spells; the caller commits. Raises ImportFileError for an unusable file."""
    today = today or date.today()
    parsed = parse(text)
    mapping = check_mapping(parsed.headers, mapping or {}, "spells")
    column_of = {target: header for header, target in mapping.items()}
    rej = _Rejections()
    rows = [r for line, cells in parsed.rows if (r := _read_spell_row(line, cells, parsed, mapping, rej))]
    number_index = parsed.headers.index(column_of["employee_number"])
    all_lines: dict[str, list[int]] = {}
    for line, cells in parsed.rows:
        if number_index < len(cells) and cells[number_index].strip():
            all_lines.setdefault(cells[number_index].strip(), []).append(line)
    good = _validate_spells(rows, rej, column_of, all_lines)
    report = ImportReport(kind="spells", rows=len(parsed.rows), dry_run=dry_run,
                          errors=sorted(rej.errors, key=lambda e: (e.row, e.column)))
    report.good = len(parsed.rows) - len(rej.rows)
    savepoint = db.session.begin_nested()
    try:
        report.counts = _write_spells(good, mapping, today, run_onboarding=not dry_run)
        if report.counts.pop("_skipped_deactivation", 0):
            report.warnings.append(_("Administrators whose employment ended were left active."))
    except IntegrityError as exc:
        savepoint.rollback()
        raise ImportFileError(_("The file conflicts with data already in Fasthold (%(detail)s); nothing was "
                                "imported.", detail=str(exc.orig)[:200])) from None
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return report


def _write_spells(rows: list[SpellRow], mapping: dict[str, str], today: date, run_onboarding: bool) -> dict[str, int]:
    counts = dict.fromkeys(("people_created", "people_updated", "people_unchanged", "spells_created",
                            "spells_updated", "spells_unchanged", "departments_created", "attributes_changed"), 0)
    # Departments by name, case-insensitively; missing ones are created at the top level.
    departments = {d.name.lower(): d for d in db.session.execute(select(Department)).scalars()}
    for name in sorted({r.department for r in rows}):
        if name.lower() not in departments:
            dept = Department(name=name, is_active=True)
            db.session.add(dept)
            departments[name.lower()] = dept
            counts["departments_created"] += 1
    db.session.flush()

    people: dict[str, list[SpellRow]] = {}
    for r in rows:
        people.setdefault(r.employee_number, []).append(r)
    numbers = set(people) | {r.manager_number for r in rows if r.manager_number}
    users = {u.employee_number: u for u in db.session.execute(
        select(User).where(User.employee_number.in_(numbers))).scalars()} if numbers else {}

    touched_people: set[str] = set()
    created_numbers: set[str] = set()
    latest_emails = {max(rs, key=lambda r: r.hire_date).email for rs in people.values()}
    unnumbered = {u.email: u for u in db.session.execute(select(User).where(
        User.employee_number.is_(None), User.email.in_(latest_emails))).scalars()} if latest_emails else {}
    for number, rs in sorted(people.items()):
        latest = max(rs, key=lambda r: r.hire_date)
        user = users.get(number)
        if user is None and latest.email in unnumbered:  # an account made by hand: adopt it
            user = unnumbered.pop(latest.email)
            user.employee_number = number
            touched_people.add(number)
        if user is None:
            # Addresses and numbers were checked against the file and the database above, so the
            # people are added in one flush rather than one `create_user` (three queries) each.
            user = User(email=latest.email, first_name=latest.first_name, last_name=latest.last_name,
                        employee_number=number, is_active=True, is_mentor=False)
            user.set_roles({Role.employee})
            db.session.add(user)
            counts["people_created"] += 1
            created_numbers.add(number)
        else:
            for attr, value in (("email", latest.email), ("first_name", latest.first_name),
                                ("last_name", latest.last_name)):
                if getattr(user, attr) != value:
                    setattr(user, attr, value)
                    touched_people.add(number)
        users[number] = user
    db.session.flush()

    stored = {}
    ids = [u.id for n, u in users.items() if n in people]
    if ids:
        for s in db.session.execute(select(EmploymentSpell).where(EmploymentSpell.user_id.in_(ids))).scalars():
            stored[(s.user_id, s.hire_date)] = s
    new_or_changed: list[EmploymentSpell] = []
    for r in sorted(rows, key=lambda r: (r.employee_number, r.hire_date)):
        user = users[r.employee_number]
        values = {
            "end_date": r.end_date, "end_type": r.end_type, "is_regretted": r.is_regretted,
            "department_id": departments[r.department.lower()].id,
            "manager_id": users[r.manager_number].id if r.manager_number else None,
            "job_title": r.job_title,
        }
        spell = stored.get((user.id, r.hire_date))
        if spell is None:
            spell = EmploymentSpell(user_id=user.id, hire_date=r.hire_date, **values)
            db.session.add(spell)
            stored[(user.id, r.hire_date)] = spell
            counts["spells_created"] += 1
            new_or_changed.append(spell)
        else:
            diff = {k: v for k, v in values.items() if getattr(spell, k) != v}
            if diff:
                for k, v in diff.items():
                    setattr(spell, k, v)
                counts["spells_updated"] += 1
                new_or_changed.append(spell)
            else:
                counts["spells_unchanged"] += 1
    db.session.flush()

    # Active while the latest spell is open or ends today or later; administrators are never
    # locked out by an import.
    latest_spell: dict[int, EmploymentSpell] = {}
    for (user_id, hire), spell in stored.items():
        if user_id not in latest_spell or hire > latest_spell[user_id].hire_date:
            latest_spell[user_id] = spell
    skipped = 0
    for number in people:
        user = users[number]
        current = latest_spell.get(user.id)
        active = current is not None and (current.end_date is None or current.end_date >= today)
        if user.is_active != active:
            if not active and user.has_role(Role.admin):
                skipped += 1
                continue
            user.is_active = active
            touched_people.add(number)

    counts["attributes_changed"] = _write_attributes(people, users, mapping)
    counts["people_updated"] = len(touched_people - created_numbers)
    counts["people_unchanged"] = len(people) - counts["people_created"] - counts["people_updated"]
    db.session.flush()
    if run_onboarding:
        from lms.onboarding.service import assign_onboarding  # a future starter gets their onboarding

        for spell in new_or_changed:
            if spell.hire_date > today and spell.end_date is None:
                assign_onboarding(spell, today)
    counts["_skipped_deactivation"] = skipped
    return counts


def _write_attributes(people: dict[str, list[SpellRow]], users: dict[str, User], mapping: dict[str, str]) -> int:
    headers = [h for h, t in mapping.items() if t in (ATTRIBUTE, PROTECTED)]
    if not headers:
        return 0
    latest = {n: max(rs, key=lambda r: r.hire_date) for n, rs in people.items()}
    changed = 0
    for header in headers:
        name = normalise_header(header)[:80]
        values = {n: r.attributes.get(header, "") for n, r in latest.items()}
        numeric = all(parse_number(v) is not None for v in values.values() if v)
        definition = db.session.execute(
            select(PersonAttributeDefinition).where(PersonAttributeDefinition.name == name)).scalar_one_or_none()
        protected = mapping[header] == PROTECTED
        if definition is None:
            definition = PersonAttributeDefinition(
                name=name, label=header[:120], is_protected=protected,
                kind=AttributeKind.numeric if numeric and any(values.values()) else AttributeKind.categorical,
            )
            db.session.add(definition)
            db.session.flush()
        else:
            if protected and not definition.is_protected:
                definition.is_protected = True
            if definition.kind is AttributeKind.numeric and not numeric:
                definition.kind = AttributeKind.categorical
        ids = [users[n].id for n in values]
        existing = {a.user_id: a for a in db.session.execute(select(PersonAttribute).where(
            PersonAttribute.definition_id == definition.id, PersonAttribute.user_id.in_(ids))).scalars()}
        for number, raw in values.items():
            user_id = users[number].id
            row = existing.get(user_id)
            if not raw:
                if row is not None:
                    db.session.delete(row)
                    changed += 1
                continue
            number_value = parse_number(raw)
            text = _number_text(number_value) if number_value is not None else raw
            if row is None:
                db.session.add(PersonAttribute(user_id=user_id, definition_id=definition.id, value=text,
                                               number_value=number_value))
                changed += 1
            elif row.value != text or row.number_value != number_value:
                row.value, row.number_value = text, number_value
                changed += 1
    db.session.flush()
    return changed


def usable_attributes() -> list[PersonAttributeDefinition]:
    """Attribute definitions a model may use: every one except protected characteristics.

    Every analytics model takes its person attributes from here; protected ones are reachable
    only by asking for them by name, for HR's records and fairness checks.
    """
    return list(db.session.execute(
        select(PersonAttributeDefinition).where(PersonAttributeDefinition.is_protected.is_(False))
        .order_by(PersonAttributeDefinition.name)
    ).scalars())


def attribute_values(definitions: list[PersonAttributeDefinition] | None = None) -> dict[int, dict[str, object]]:
    """{user_id: {attribute name: number or text}} for `definitions` (default: the usable ones)."""
    definitions = usable_attributes() if definitions is None else definitions
    by_id = {d.id: d for d in definitions}
    if not by_id:
        return {}
    out: dict[int, dict[str, object]] = {}
    for a in db.session.execute(select(PersonAttribute).where(PersonAttribute.definition_id.in_(by_id))).scalars():
        d = by_id[a.definition_id]
        out.setdefault(a.user_id, {})[d.name] = a.number_value if d.kind is AttributeKind.numeric else a.value
    return out


# --- absences -----------------------------------------------------------------------------------


@dataclass
class AbsenceRow:
    line: int
    employee_number: str
    start: date
    end: date
    absence_type: AbsenceType


def import_absences(text: str, mapping: dict[str, str] | None = None, *, dry_run: bool = False) -> ImportReport:
    """Import absence records (employee number, start, end, type); upsert by person + start date."""
    parsed = parse(text)
    mapping = check_mapping(parsed.headers, mapping or {}, "absences")
    column_of = {target: header for header, target in mapping.items()}

    def col(name: str) -> str:
        return column_of.get(name, name)

    rej = _Rejections()
    rows: list[AbsenceRow] = []
    for line, cells in parsed.rows:
        if len(cells) > len(parsed.headers) and any(c.strip() for c in cells[len(parsed.headers):]):
            rej.add(line, "", _("The row has %(cells)d cells but the header has %(columns)d.",
                                cells=len(cells), columns=len(parsed.headers)))
            continue
        v, _attrs = _cells(cells, parsed.headers, mapping)
        for name in ABSENCE_REQUIRED:
            if not v.get(name):
                rej.add(line, col(name), _("A value is required."))
        dates = {}
        for name in ("start", "end"):
            if v.get(name):
                try:
                    dates[name] = parse_date(v[name])
                except ValueError as exc:
                    rej.add(line, col(name), str(exc))
        kind = ABSENCE_TYPES.get(v.get("type", "").lower()) if v.get("type") else None
        if v.get("type") and kind is None:
            rej.add(line, col("type"), _("“%(value)s” is not one of sick, vacation, parental or other.",
                                         value=v["type"]))
        if "start" in dates and "end" in dates and dates["end"] < dates["start"]:
            rej.add(line, col("end"), _("The end date is before the start date."))
        if line not in rej:
            rows.append(AbsenceRow(line, v["employee_number"], dates["start"], dates["end"], kind))

    numbers = {r.employee_number for r in rows}
    users = {u.employee_number: u for u in db.session.execute(
        select(User).where(User.employee_number.in_(numbers))).scalars()} if numbers else {}
    spells: dict[int, list[EmploymentSpell]] = {}
    stored: dict[int, list[Absence]] = {}
    if users:
        ids = [u.id for u in users.values()]
        for s in db.session.execute(select(EmploymentSpell).where(EmploymentSpell.user_id.in_(ids))).scalars():
            spells.setdefault(s.user_id, []).append(s)
        for a in db.session.execute(select(Absence).where(Absence.user_id.in_(ids))).scalars():
            stored.setdefault(a.user_id, []).append(a)
    by_person: dict[str, list[AbsenceRow]] = {}
    for r in rows:
        user = users.get(r.employee_number)
        if user is None:
            rej.add(r.line, col("employee_number"),
                    _("No employee %(number)s in Fasthold; import the employment file first.", number=r.employee_number))
            continue
        if not any(s.hire_date <= r.start and (s.end_date is None or r.end <= s.end_date) for s in spells.get(user.id, [])):
            rej.add(r.line, col("start"), _("The absence is not within an employment of this person."))
            continue
        by_person.setdefault(r.employee_number, []).append(r)
    for number, rs in by_person.items():
        user = users[number]
        in_file = {r.start for r in rs}
        spans = sorted([(r.start, r.end, r) for r in rs]
                       + [(a.start_date, a.end_date, None) for a in stored.get(user.id, []) if a.start_date not in in_file],
                       key=lambda t: (t[0], t[2] is None))
        for (a_start, a_end, a_row), (b_start, b_end, b_row) in zip(spans, spans[1:]):
            if _overlaps(a_start, a_end, b_start, b_end):
                row = b_row or a_row
                if a_row is not None and b_row is not None and a_start == b_start:
                    reason = _("The same employee and start date appear again in row %(row)d.", row=a_row.line)
                    rej.add(a_row.line, col("start"),
                            _("The same employee and start date appear again in row %(row)d.", row=b_row.line))
                elif a_row is not None and b_row is not None:
                    reason = _("This absence overlaps row %(row)d.", row=a_row.line)
                else:
                    reason = _("This absence overlaps the stored absence from %(date)s.",
                               date=(a_start if b_row else b_start).isoformat())
                rej.add(row.line, col("start"), reason)

    good = [r for rs in by_person.values() for r in rs if r.line not in rej]
    report = ImportReport(kind="absences", rows=len(parsed.rows), good=len(parsed.rows) - len(rej.rows),
                          dry_run=dry_run, errors=sorted(rej.errors, key=lambda e: (e.row, e.column)))
    counts = dict.fromkeys(("absences_created", "absences_updated", "absences_unchanged"), 0)
    savepoint = db.session.begin_nested()
    try:
        existing = {(a.user_id, a.start_date): a for lst in stored.values() for a in lst}
        for r in good:
            user = users[r.employee_number]
            a = existing.get((user.id, r.start))
            if a is None:
                db.session.add(Absence(user_id=user.id, start_date=r.start, end_date=r.end, absence_type=r.absence_type))
                counts["absences_created"] += 1
            elif (a.end_date, a.absence_type) != (r.end, r.absence_type):
                a.end_date, a.absence_type = r.end, r.absence_type
                counts["absences_updated"] += 1
            else:
                counts["absences_unchanged"] += 1
        db.session.flush()
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    report.counts = counts
    return report


def run_import(kind: str, text: str, mapping: dict[str, str] | None = None, *, dry_run: bool = False) -> ImportReport:
    if kind == "absences":
        return import_absences(text, mapping, dry_run=dry_run)
    return import_spells(text, mapping, dry_run=dry_run)



# --- stored imports (the upload pages and their Celery tasks) -------------------------------------


def check_stored_import(imp, warning: str | None = None) -> None:
    """Dry-run an uploaded file with its stored mapping; keep the report on it (status pending)."""
    from .models import ImportStatus

    try:
        report = run_import(imp.kind.value, imp.content, imp.mapping, dry_run=True).as_dict()
    except ImportFileError as exc:
        report = {"file_error": str(exc)}
    warnings = [w for w in ([warning] if warning else []) + (imp.report or {}).get("warnings", [])[:1] if w]
    if warnings and "file_error" not in report:
        report["warnings"] = list(dict.fromkeys(warnings + report.get("warnings", [])))
    imp.report = report
    imp.status = ImportStatus.pending


def apply_stored_import(imp) -> ImportReport:
    """Import an uploaded file for real; the report replaces the check's and the file text is dropped."""
    from lms.people.models import utcnow

    from .models import ImportStatus

    report = run_import(imp.kind.value, imp.content, imp.mapping, dry_run=False)
    imp.report = report.as_dict()
    imp.status = ImportStatus.applied
    imp.applied_at = utcnow()
    imp.content = ""  # the people data now lives in the people tables; no second copy is kept
    return report
