"""Audit entries in words a person reads: translated field names, names instead of ids."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .forms import role_labels
from .models import AuditEntry, Department, User

FIELD_LABELS = {
    "hire_date": _l("Start date"),
    "end_date": _l("End date"),
    "end_type": _l("How it ended"),
    "is_regretted": _l("Regretted leaver"),
    "department_id": _l("Department"),
    "manager_id": _l("Manager"),
    "job_title": _l("Job title"),
    "email": _l("E-mail"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "employee_number": _l("Employee number"),
    "is_active": _l("Active"),
    "is_mentor": _l("Offers mentoring"),
    "role": _l("Role"),
}


def readable_changes(entries: list[AuditEntry]) -> dict[int, list[tuple[str, str, str]]]:
    """{entry id: [(field label, old value, new value)]}, with two queries for all names."""
    dept_ids, user_ids = set(), set()
    for e in entries:
        for field, pair in e.changes.items():
            ids = {v for v in pair if isinstance(v, int) and not isinstance(v, bool)}
            if field == "department_id":
                dept_ids |= ids
            elif field == "manager_id":
                user_ids |= ids
    depts = dict(db.session.execute(select(Department.id, Department.name).where(Department.id.in_(dept_ids))).all()) if dept_ids else {}
    users = {u.id: u.full_name for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()} if user_ids else {}
    roles = role_labels()
    end_types = {"voluntary": _l("voluntary"), "involuntary": _l("involuntary")}

    def show(field: str, value) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return str(_l("Yes") if value else _l("No"))
        if field == "department_id":
            return depts.get(value, f"#{value}")
        if field == "manager_id":
            return users.get(value, f"#{value}")
        if field in {"hire_date", "end_date"}:
            return format_date(date.fromisoformat(value))
        if field == "end_type":
            return str(end_types.get(value, value))
        if field == "role":
            return str(roles.get(value, value))
        return str(value)

    out: dict[int, list[tuple[str, str, str]]] = {}
    for e in entries:
        rows = []
        for field, (old, new) in e.changes.items():
            if e.action == "create" and new in (None, False, ""):
                continue  # a new record: list what it has, not what it lacks
            rows.append((str(FIELD_LABELS.get(field, field)), show(field, old), show(field, new)))
        out[e.id] = rows
    return out
