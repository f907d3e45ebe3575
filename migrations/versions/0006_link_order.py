"""statement link tables keyed (id, stored, seq) for ordered walks, is_direct instead of usage

No foreign key to the statement and no index on its seq: only the store writes these rows, in
the statement's own transaction, and statements are never deleted; the checks cost more at
ingest than the rest of each row's work.

Revision ID: 0006_link_order
Revises: 0005_packages
Create Date: 2026-11-23 03:00:00

"""
from alembic import op
import sqlalchemy as sa

from lms.people.models import UTCDateTime

revision = '0006_link_order'
down_revision = '0005_packages'
branch_labels = None
depends_on = None

BigKey = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
DIRECT_ACTIVITY = "('object')"
DIRECT_AGENT = "('actor', 'object', 'actor_member', 'object_member')"


def _create(table: str, id_column: str, id_type) -> None:
    op.create_table(
        table,
        sa.Column(id_column, id_type, nullable=False),
        sa.Column('stored', UTCDateTime(), nullable=False),
        sa.Column('statement_seq', BigKey, nullable=False),
        sa.Column('is_direct', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint(id_column, 'stored', 'statement_seq', name=op.f(f'pk_{table}')),
    )
    op.create_index(f'ix_{table}_direct', table, [id_column, 'stored', 'statement_seq'],
                    postgresql_where=sa.text('is_direct'), sqlite_where=sa.text('is_direct'))


def _rebuild(table: str, id_column: str, id_type, direct_usages: str) -> None:
    # Keep the links in a scratch table, rebuild the table with the new key, copy them back.
    op.execute(
        f"CREATE TABLE {table}_rebuild AS "
        f"SELECT l.{id_column} AS {id_column}, s.stored AS stored, l.statement_seq AS statement_seq, "
        f"MAX(CASE WHEN l.usage IN {direct_usages} THEN 1 ELSE 0 END) AS is_direct "
        f"FROM {table} l JOIN xapi_statements s ON s.seq = l.statement_seq "
        f"GROUP BY l.{id_column}, s.stored, l.statement_seq"
    )
    op.drop_table(table)
    _create(table, id_column, id_type)
    op.execute(
        f"INSERT INTO {table} ({id_column}, stored, statement_seq, is_direct) "
        f"SELECT {id_column}, stored, statement_seq, is_direct = 1 FROM {table}_rebuild"
    )
    op.drop_table(f"{table}_rebuild")


def upgrade():
    _rebuild('xapi_statement_activities', 'activity_id', sa.String(length=2048), DIRECT_ACTIVITY)
    _rebuild('xapi_statement_agents', 'agent_ifi', sa.String(length=512), DIRECT_AGENT)


def _restore(table: str, id_column: str, id_type, usage_length: int, direct: str, related: str) -> None:
    # The old filters only told the direct usages from the rest, so one usage of each kind
    # gives the old code the same answers.
    op.execute(f"CREATE TABLE {table}_rebuild AS SELECT {id_column}, statement_seq, "
               f"CASE WHEN is_direct THEN '{direct}' ELSE '{related}' END AS usage FROM {table}")
    op.drop_table(table)
    op.create_table(
        table,
        sa.Column('statement_seq', BigKey, nullable=False),
        sa.Column(id_column, id_type, nullable=False),
        sa.Column('usage', sa.String(length=usage_length), nullable=False),
        sa.ForeignKeyConstraint(['statement_seq'], ['xapi_statements.seq'],
                                name=op.f(f'fk_{table}_statement_seq_xapi_statements'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('statement_seq', id_column, 'usage', name=op.f(f'pk_{table}')),
    )
    op.create_index(f'ix_{table}_{"activity" if id_column == "activity_id" else "agent"}', table,
                    [id_column, 'usage', 'statement_seq'])
    op.execute(f"INSERT INTO {table} (statement_seq, {id_column}, usage) "
               f"SELECT statement_seq, {id_column}, usage FROM {table}_rebuild")
    op.drop_table(f"{table}_rebuild")


def downgrade():
    _restore('xapi_statement_activities', 'activity_id', sa.String(length=2048), 20, 'object', 'other')
    _restore('xapi_statement_agents', 'agent_ifi', sa.String(length=512), 24, 'actor', 'instructor')
