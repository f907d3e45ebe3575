"""statements: no foreign key to the credential; the user index only where there is a user

Both for ingest speed (issue 3). The foreign key made PostgreSQL run a lookup of the credential
for every statement stored, taking a FOR KEY SHARE lock on the same credential row in every
concurrent batch (one tool usually writes through one credential). Credentials are never
deleted, only revoked (`revoked_at`), so the key guarded nothing the application does;
`credential_id` remains as the record of which credential wrote a statement.

Statements from outside tools mostly have no platform user; the index on (user_id, seq) only
serves `user_id = ?`, so NULLs need no entries.

Revision ID: 0018_ingest_keys
Revises: 0017_analytics_results
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0018_ingest_keys'
down_revision = '0017_analytics_results'
branch_labels = None
depends_on = None

FK = 'fk_xapi_statements_credential_id_xapi_credentials'
USER_INDEX = 'ix_xapi_statements_user_seq'


def upgrade():
    with op.batch_alter_table('xapi_statements') as batch:
        batch.drop_constraint(FK, type_='foreignkey')
    op.drop_index(USER_INDEX, table_name='xapi_statements')
    op.create_index(USER_INDEX, 'xapi_statements', ['user_id', 'seq'],
                    postgresql_where=sa.text('user_id IS NOT NULL'), sqlite_where=sa.text('user_id IS NOT NULL'))


def downgrade():
    op.drop_index(USER_INDEX, table_name='xapi_statements')
    op.create_index(USER_INDEX, 'xapi_statements', ['user_id', 'seq'])
    with op.batch_alter_table('xapi_statements') as batch:
        batch.create_foreign_key(FK, 'xapi_credentials', ['credential_id'], ['id'], ondelete='SET NULL')
