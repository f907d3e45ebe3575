"""The LRS's storage: statements with indexed query columns, link rows, documents, credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.people.models import UTCDateTime, utcnow

#: JSONB on PostgreSQL, JSON text on SQLite
JSONDoc = JSON().with_variant(JSONB(), "postgresql")
#: an auto-incrementing 64-bit key that SQLite also accepts as its rowid
BigKey = BigInteger().with_variant(Integer(), "sqlite")


class Statement(db.Model):
    """One stored xAPI statement: query dimensions as indexed columns, the statement as JSON."""

    __tablename__ = "xapi_statements"

    #: insertion order; the tiebreak after `stored` and the key of every link row
    seq: Mapped[int] = mapped_column(BigKey, primary_key=True, autoincrement=True)
    #: the statement's UUID, lower-case
    id: Mapped[str] = mapped_column(String(36), unique=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    #: canonical inverse functional identifier of the actor (see xapi.agents.ifi_key)
    actor_ifi: Mapped[str | None] = mapped_column(String(512))
    verb_id: Mapped[str] = mapped_column(String(2048))
    #: Activity, Agent, Group, StatementRef or SubStatement
    object_type: Mapped[str] = mapped_column(String(20))
    #: the target statement's id when the object is a StatementRef
    object_ref_id: Mapped[str | None] = mapped_column(String(36))
    registration: Mapped[str | None] = mapped_column(String(36))
    #: true once a voiding statement targets this one
    is_voided: Mapped[bool] = mapped_column(Boolean, default=False)
    #: true for statements whose verb is .../voided (they cannot be voided themselves)
    is_voiding: Mapped[bool] = mapped_column(Boolean, default=False)
    authority_ifi: Mapped[str | None] = mapped_column(String(512))
    #: the credential that wrote it; no foreign key: credentials are never deleted (revoking sets
    #: `revoked_at`), and the key's check on every stored statement cost ingest time (0018)
    credential_id: Mapped[int | None] = mapped_column(Integer)
    #: the platform person this actor is, when the actor is one of our users
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the complete statement as stored (id, stored, authority and version filled in)
    data: Mapped[dict] = mapped_column(JSONDoc)
    #: SHA-2 hashes of attachments whose content the LRS holds
    has_attachments: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_xapi_statements_stored_seq", "stored", "seq"),
        Index("ix_xapi_statements_verb_seq", "verb_id", "seq"),
        Index("ix_xapi_statements_registration_seq", "registration", "seq"),
        # Partial: only StatementRef statements, so finding referrers is a scan of a few rows.
        Index("ix_xapi_statements_object_ref", "object_ref_id",
              postgresql_where=text("object_ref_id IS NOT NULL"), sqlite_where=text("object_ref_id IS NOT NULL")),
        # Only `user_id = ?` uses it: statements from outside tools (no platform user) need no entry.
        Index("ix_xapi_statements_user_seq", "user_id", "seq",
              postgresql_where=text("user_id IS NOT NULL"), sqlite_where=text("user_id IS NOT NULL")),
        Index("ix_xapi_statements_authority_seq", "authority_ifi", "seq"),
    )

    def __repr__(self) -> str:
        return f"<Statement {self.id} {self.verb_id}>"


class StatementActivity(db.Model):
    """An activity a statement refers to, once per statement: as its object, in its context
    activities, or inside a SubStatement. `is_direct` marks the statement's own object, which is
    all the plain `activity` filter looks at; `related_activities` takes every row.

    The key leads with (activity, stored, seq), so a filtered query walks this index in the
    order statements are returned and stops after one page, however many statements the activity
    has. `stored` is a copy of the statement's (it never changes).
    """

    __tablename__ = "xapi_statement_activities"

    activity_id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    #: the statement's seq; no foreign key: only store_statements writes these rows, in the
    #: statement's own transaction, and a per-row check would cost more than the rest of the
    #: row's work at ingest (statements are never deleted)
    statement_seq: Mapped[int] = mapped_column(BigKey, primary_key=True)
    #: the statement's own object (not a context activity or part of a SubStatement)
    is_direct: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_xapi_statement_activities_direct", "activity_id", "stored", "statement_seq",
              postgresql_where=text("is_direct"), sqlite_where=text("is_direct")),
    )

    def __repr__(self) -> str:
        return f"<StatementActivity {self.statement_seq} {self.activity_id}{' direct' if self.is_direct else ''}>"


class StatementAgent(db.Model):
    """An agent or group a statement refers to, once per statement: actor, object, authority,
    instructor, team, a member of one of those groups, or inside a SubStatement. `is_direct`
    marks actor and object (members included), which is all the plain `agent` filter looks at;
    `related_agents` takes every row. Keyed for ordered walks like StatementActivity."""

    __tablename__ = "xapi_statement_agents"

    agent_ifi: Mapped[str] = mapped_column(String(512), primary_key=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    #: the statement's seq; no foreign key: only store_statements writes these rows, in the
    #: statement's own transaction, and a per-row check would cost more than the rest of the
    #: row's work at ingest (statements are never deleted)
    statement_seq: Mapped[int] = mapped_column(BigKey, primary_key=True)
    #: actor or object of the statement itself (group members included)
    is_direct: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_xapi_statement_agents_direct", "agent_ifi", "stored", "statement_seq",
              postgresql_where=text("is_direct"), sqlite_where=text("is_direct")),
    )

    def __repr__(self) -> str:
        return f"<StatementAgent {self.statement_seq} {self.agent_ifi}{' direct' if self.is_direct else ''}>"


class Activity(db.Model):
    """The canonical definition of an activity, for the Activities resource."""

    __tablename__ = "xapi_activities"

    id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    definition: Mapped[dict | None] = mapped_column(JSONDoc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Activity {self.id}>"


class Attachment(db.Model):
    """Attachment content received with statements, addressed by its SHA-2 hash."""

    __tablename__ = "xapi_attachments"

    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<Attachment {self.sha2[:12]}>"


class Document(db.Model):
    """A State, Activity Profile or Agent Profile document.

    Unused key parts are stored as '' (not NULL) so the unique constraint holds on every backend.
    """

    __tablename__ = "xapi_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: state, activity_profile or agent_profile
    kind: Mapped[str] = mapped_column(String(20))
    activity_id: Mapped[str] = mapped_column(String(2048), default="")
    agent_ifi: Mapped[str] = mapped_column(String(512), default="")
    registration: Mapped[str] = mapped_column(String(36), default="")
    document_id: Mapped[str] = mapped_column(String(1024))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-1 of the content, hex, as sent in (quoted) ETag headers
    etag: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "activity_id", "agent_ifi", "registration", "document_id", name="uq_xapi_documents_key"),
        Index("ix_xapi_documents_lookup", "kind", "activity_id", "agent_ifi", "registration", "updated_at"),
    )

    def __repr__(self) -> str:
        return f"<Document {self.kind} {self.document_id}>"


class Credential(db.Model):
    """An LRS key and secret with scopes, issued by an admin or for one content launch."""

    __tablename__ = "xapi_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    #: HMAC-SHA256 of the secret under the app's secret key (secrets are long and random,
    #: so a fast keyed hash is right; see ../shared/LRS_NOTES.md)
    secret_hash: Mapped[str] = mapped_column(String(64))
    #: xAPI scopes, e.g. ["statements/write", "statements/read/mine"]
    scopes: Mapped[list] = mapped_column(JSON)
    #: the Agent recorded as authority on statements stored with this credential
    authority: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: for content launches: the only actor this credential may write and read
    restricted_actor_ifi: Mapped[str | None] = mapped_column(String(512))
    restricted_registration: Mapped[str | None] = mapped_column(String(36))
    restricted_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Credential {self.id} {self.name}>"


class ContentPackage(db.Model):
    """An uploaded xAPI (Tin Can) package: its files on disk, its activity and launch file."""

    __tablename__ = "xapi_content_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    #: the activity id declared in tincan.xml; the package's statements are about it
    activity_id: Mapped[str] = mapped_column(String(2048))
    #: path of the launch file inside the package, e.g. "index_lms.html"
    launch_path: Mapped[str] = mapped_column(String(1024))
    #: folder under the instance's content directory holding the extracted files
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    file_count: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ContentPackage {self.id} {self.title}>"
