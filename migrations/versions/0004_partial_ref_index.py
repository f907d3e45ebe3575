"""Partial index for StatementRef targets

Revision ID: 0004_ref_index
Revises: 0003_reset_sent
Create Date: 2026-11-23 00:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_ref_index'
down_revision = '0003_reset_sent'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_xapi_statements_object_ref', table_name='xapi_statements')
    op.create_index('ix_xapi_statements_object_ref', 'xapi_statements', ['object_ref_id'], unique=False,
                    postgresql_where=sa.text('object_ref_id IS NOT NULL'),
                    sqlite_where=sa.text('object_ref_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_xapi_statements_object_ref', table_name='xapi_statements')
    op.create_index('ix_xapi_statements_object_ref', 'xapi_statements', ['object_ref_id'], unique=False)
