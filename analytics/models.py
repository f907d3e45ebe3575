"""HR data for analytics: HRIS imports with their reports, person attributes, absences."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, UTCDateTime, string_enum, utcnow


class ImportKind(str, enum.Enum):
    """What a file holds: employment spells (one row per spell) or absence records."""

    spells = "spells"
    absences = "absences"


class ImportStatus(str, enum.Enum):
    #: uploaded, mapping and report shown, nothing written to people data yet
    pending = "pending"
    #: confirmed: the good rows are written
    applied = "applied"
    #: HR threw it away
    discarded = "discarded"


class HrisImport(db.Model):
    """One uploaded HRIS file: its text, the column mapping HR chose, and the last report."""

    __tablename__ = "hris_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(string_enum(ImportKind))
    status: Mapped[ImportStatus] = mapped_column(string_enum(ImportStatus), default=ImportStatus.pending)
    filename: Mapped[str] = mapped_column(String(255))
    #: the file decoded to text (kept until applied or discarded, so confirm reads what was previewed)
    content: Mapped[str] = mapped_column(Text)
    #: file header -> documented column name, "attribute", "protected" or "ignore"
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the last report: {"counts": {...}, "errors": [[row, column, reason], ...], "rows": n, "good": n}
    report: Mapped[dict | None] = mapped_column(JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<HrisImport {self.id} {self.kind.value} {self.status.value} {self.filename!r}>"


class AttributeKind(str, enum.Enum):
    numeric = "numeric"
    categorical = "categorical"


class PersonAttributeDefinition(db.Model):
    """A column beyond the documented ones (e.g. "location", "salary band", "køn"), kept per person."""

    __tablename__ = "person_attribute_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: normalised header, e.g. "salary_band"
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: the header as it stood in the file, for display
    label: Mapped[str] = mapped_column(String(120))
    #: numeric when every value seen so far parses as a number (decimal comma allowed)
    kind: Mapped[AttributeKind] = mapped_column(string_enum(AttributeKind))
    #: a protected characteristic (age, gender, ethnicity, religion, marital status, health, ...):
    #: stored for HR's records, never used by a model (see `hris.usable_attributes`); once set, never cleared
    is_protected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PersonAttributeDefinition {self.name} {self.kind.value}{' protected' if self.is_protected else ''}>"


class PersonAttribute(db.Model):
    """One person's value of one attribute (the latest imported)."""

    __tablename__ = "person_attributes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("person_attribute_definitions.id", ondelete="CASCADE"))
    #: the value as text, always present (numbers normalised, e.g. "3.5")
    value: Mapped[str] = mapped_column(String(255), active_history=True)
    #: the value as a number when it parses as one
    number_value: Mapped[float | None] = mapped_column(Float, active_history=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    definition: Mapped[PersonAttributeDefinition] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "definition_id", name="uq_person_attributes_user_definition"),)

    def __repr__(self) -> str:
        return f"<PersonAttribute user={self.user_id} def={self.definition_id}>"


class AbsenceType(str, enum.Enum):
    sick = "sick"
    vacation = "vacation"
    parental = "parental"
    other = "other"


class Absence(db.Model):
    """A period away from work. Sick leave is health data: group-level use only, never a model feature."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date, active_history=True)
    #: last day away (inclusive)
    end_date: Mapped[date] = mapped_column(Date, active_history=True)
    absence_type: Mapped[AbsenceType] = mapped_column(string_enum(AbsenceType), active_history=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="absence_end_after_start"),
        UniqueConstraint("user_id", "start_date", name="uq_absences_user_start"),
    )

    def __repr__(self) -> str:
        return f"<Absence user={self.user_id} {self.absence_type.value} {self.start_date}..{self.end_date}>"


def _register_audit() -> None:
    """Person attributes and absences are employment data: the people audit listener records them too."""
    from lms.people.audit import AUDITED

    AUDITED[PersonAttribute] = ("definition_id", "value")
    AUDITED[Absence] = ("start_date", "end_date", "absence_type")


_register_audit()
