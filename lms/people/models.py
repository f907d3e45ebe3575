"""People and organisation: users and roles, the department tree, employment spells, audit."""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy import inspect
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(db.TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use timezone-aware UTC")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def string_enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    """An enum column stored as its value in a short string column, the same on every backend."""
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class Role(str, enum.Enum):
    """What a person may do. A person can hold several roles."""

    employee = "employee"
    manager = "manager"
    #: writes and publishes courses (HR may too)
    author = "author"
    hr = "hr"
    admin = "admin"


class EndType(str, enum.Enum):
    voluntary = "voluntary"
    involuntary = "involuntary"


LANGUAGE_CODES = ("en", "da", "sv")


class User(UserMixin, db.Model):
    """A person who signs in: employee, manager, HR or admin, and possibly a mentor."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, always stored lower-case
    email: Mapped[str] = mapped_column(String(254), unique=True, active_history=True)
    first_name: Mapped[str] = mapped_column(String(100), active_history=True)
    last_name: Mapped[str] = mapped_column(String(100), active_history=True)
    #: the HRIS key; unique where present, absent for accounts made by hand
    employee_number: Mapped[str | None] = mapped_column(String(40), unique=True, active_history=True)
    #: argon2id hash; None until the person sets a password
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: en, da or sv; None follows the browser's Accept-Language
    preferred_language: Mapped[str | None] = mapped_column(String(5))
    #: False once deactivated: cannot sign in, history is kept
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, active_history=True)
    #: offers mentoring (the mentor profile lives in plans/)
    is_mentor: Mapped[bool] = mapped_column(Boolean, default=False, active_history=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the last password-reset e-mail went out (one a minute at most)
    password_reset_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set for one-time passwords: the person must choose their own before doing anything else
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    #: bumps on every password change; reset tokens carry it, so a used token is dead
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: loaded when asked for (the signed-in user's with it, by the login loader): lists of people
    #: shown by name must not cost a roles query each
    role_rows: Mapped[list[UserRole]] = relationship(back_populates="user", cascade="all, delete-orphan")
    spells: Mapped[list[EmploymentSpell]] = relationship(
        back_populates="user",
        foreign_keys="EmploymentSpell.user_id",
        order_by="EmploymentSpell.hire_date",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        CheckConstraint("preferred_language IN ('en', 'da', 'sv')", name="preferred_language"),
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def get_id(self) -> str:
        """Session id that changes with the password, so a password change signs out every other session."""
        stamp = int(self.password_changed_at.timestamp() * 1000) if self.password_changed_at else 0
        return f"{self.id}.{stamp}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role | str) -> bool:
        mine = {r.value for r in self.roles}
        return any((r.value if isinstance(r, Role) else r) in mine for r in roles)

    def set_roles(self, roles: set[Role]) -> None:
        keep = [row for row in self.role_rows if row.role in roles]
        have = {row.role for row in keep}
        session = object_session(self)
        for row in self.role_rows:
            if row.role not in roles and session is not None and row in session and inspect(row).persistent:
                session.delete(row)  # explicit, so the audit listener sees the removal
        self.role_rows = keep + [UserRole(role=r) for r in sorted(roles - have, key=lambda r: r.value)]

    @property
    def current_spell(self) -> EmploymentSpell | None:
        """The latest spell: the open one, a future start, or the last one that ended."""
        return self.spells[-1] if self.spells else None

    def is_preboarding(self, today: date | None = None) -> bool:
        """Hired but not started yet: the latest spell begins after `today`.

        Such a person may sign in to read pre-boarding content and their cohort forum, and no more.
        """
        spell = self.current_spell
        return spell is not None and spell.hire_date > (today or date.today())


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role.value}>"


class Department(db.Model):
    """A unit of the organisation; departments form a tree through `parent_id`."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    #: inactive departments keep their history but take no new spells
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent", order_by="Department.name")

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name}>"


class EmploymentSpell(db.Model):
    """One continuous period of employment; a boomerang hire has several."""

    __tablename__ = "employment_spells"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    hire_date: Mapped[date] = mapped_column(Date, active_history=True)
    #: last day employed; None while the spell is open
    end_date: Mapped[date | None] = mapped_column(Date, active_history=True)
    end_type: Mapped[EndType | None] = mapped_column(Enum(EndType, native_enum=False, length=20), active_history=True)
    #: the organisation wanted to keep this person
    is_regretted: Mapped[bool] = mapped_column(Boolean, default=False, active_history=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True, active_history=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, active_history=True)
    job_title: Mapped[str] = mapped_column(String(120), active_history=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="spells", foreign_keys=[user_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    department: Mapped[Department] = relationship()

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= hire_date", name="end_after_hire"),
        CheckConstraint(
            "(end_date IS NULL AND end_type IS NULL) OR (end_date IS NOT NULL AND end_type IS NOT NULL)",
            name="end_type_with_end_date",
        ),
        CheckConstraint("end_date IS NOT NULL OR NOT is_regretted", name="regretted_needs_end"),
        CheckConstraint("manager_id IS NULL OR manager_id <> user_id", name="not_own_manager"),
        UniqueConstraint("user_id", "hire_date", name="uq_employment_spells_user_hire"),
    )

    def __repr__(self) -> str:
        return f"<EmploymentSpell {self.id} user={self.user_id} {self.hire_date}..{self.end_date or ''}>"

    def is_current_on(self, day: date) -> bool:
        return self.hire_date <= day and (self.end_date is None or self.end_date >= day)


class AuditEntry(db.Model):
    """One change to employment data or to who a person is in the system; never edited."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: who made the change; None for the system (CLI, imports, tasks)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: create, update or delete
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    #: the person whose data changed, so their history is one indexed query
    subject_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: {field: [old, new]}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.entity_type}:{self.entity_id}>"


class LoginAttempt(db.Model):
    """A sign-in attempt, kept for throttling repeated failures across all server processes."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_success: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip_address", "at"),
    )

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.email} {'ok' if self.is_success else 'failed'} {self.at}>"

