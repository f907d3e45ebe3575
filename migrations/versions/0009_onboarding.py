"""onboarding: tracks, plans, tasks, cohorts, check-ins

Revision ID: 0009_onboarding
Revises: 0008_courses
Create Date: 2026-11-23 02:32:48.927459

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_onboarding'
down_revision = '0008_courses'
branch_labels = None
depends_on = None


def upgrade():
    # plan_tasks.plan_id and checkins.plan_id are indexed by their composite index / unique key (leading column).
    op.create_table('onboarding_cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_cohorts')),
    sa.UniqueConstraint('starts_on', name=op.f('uq_onboarding_cohorts_starts_on'))
    )
    op.create_table('onboarding_tracks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('job_title', sa.String(length=120), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_onboarding_tracks_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_tracks'))
    )
    with op.batch_alter_table('onboarding_tracks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_tracks_department_id'), ['department_id'], unique=False)

    op.create_table('onboarding_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('spell_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('buddy_id', sa.Integer(), nullable=True),
    sa.Column('buddy_status', sa.Enum('proposed', 'confirmed', name='buddystatus', native_enum=False, length=20), nullable=True),
    sa.Column('buddy_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('buddy_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buddy_confirmed_by_id'], ['users.id'], name=op.f('fk_onboarding_plans_buddy_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['buddy_id'], ['users.id'], name=op.f('fk_onboarding_plans_buddy_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['onboarding_cohorts.id'], name=op.f('fk_onboarding_plans_cohort_id_onboarding_cohorts')),
    sa.ForeignKeyConstraint(['spell_id'], ['employment_spells.id'], name=op.f('fk_onboarding_plans_spell_id_employment_spells'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['onboarding_tracks.id'], name=op.f('fk_onboarding_plans_track_id_onboarding_tracks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_onboarding_plans_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_plans')),
    sa.UniqueConstraint('spell_id', name=op.f('uq_onboarding_plans_spell_id'))
    )
    with op.batch_alter_table('onboarding_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_plans_buddy_confirmed_by_id'), ['buddy_confirmed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_plans_buddy_id'), ['buddy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_plans_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_plans_starts_on'), ['starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_plans_track_id'), ['track_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_plans_user_id'), ['user_id'], unique=False)

    op.create_table('onboarding_track_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('welcome', 'programme', 'practical', name='pagekind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['track_id'], ['onboarding_tracks.id'], name=op.f('fk_onboarding_track_pages_track_id_onboarding_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_track_pages'))
    )
    with op.batch_alter_table('onboarding_track_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_track_pages_track_id'), ['track_id'], unique=False)

    op.create_table('onboarding_track_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('preboarding', 'week1', 'day30', 'day60', 'day90', name='phase', native_enum=False, length=20), nullable=False),
    sa.Column('area', sa.Enum('professional', 'social', 'cultural', name='area', native_enum=False, length=20), nullable=False),
    sa.Column('owner', sa.Enum('new_hire', 'manager', 'buddy', 'it', 'hr', name='owner', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_offset_days', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('due_offset_days BETWEEN -120 AND 365', name=op.f('ck_onboarding_track_tasks_due_offset_range')),
    sa.ForeignKeyConstraint(['track_id'], ['onboarding_tracks.id'], name=op.f('fk_onboarding_track_tasks_track_id_onboarding_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_track_tasks'))
    )
    with op.batch_alter_table('onboarding_track_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_track_tasks_track_id'), ['track_id'], unique=False)

    op.create_table('onboarding_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.SmallInteger(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('day IN (30, 60, 90)', name=op.f('ck_onboarding_checkins_checkin_day')),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_onboarding_checkins_checkin_rating')),
    sa.ForeignKeyConstraint(['plan_id'], ['onboarding_plans.id'], name=op.f('fk_onboarding_checkins_plan_id_onboarding_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_checkins')),
    sa.UniqueConstraint('plan_id', 'day', name='uq_onboarding_checkins_plan_day')
    )
    with op.batch_alter_table('onboarding_checkins', schema=None) as batch_op:
        batch_op.create_index('ix_onboarding_checkins_asked_due', ['asked_at', 'due_on'], unique=False)

    op.create_table('onboarding_plan_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('track_task_id', sa.Integer(), nullable=True),
    sa.Column('phase', sa.Enum('preboarding', 'week1', 'day30', 'day60', 'day90', name='phase', native_enum=False, length=20), nullable=False),
    sa.Column('area', sa.Enum('professional', 'social', 'cultural', name='area', native_enum=False, length=20), nullable=False),
    sa.Column('owner', sa.Enum('new_hire', 'manager', 'buddy', 'it', 'hr', name='owner', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_onboarding_plan_tasks_completed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['onboarding_plans.id'], name=op.f('fk_onboarding_plan_tasks_plan_id_onboarding_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_task_id'], ['onboarding_track_tasks.id'], name=op.f('fk_onboarding_plan_tasks_track_task_id_onboarding_track_tasks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onboarding_plan_tasks'))
    )
    with op.batch_alter_table('onboarding_plan_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_plan_tasks_completed_by_id'), ['completed_by_id'], unique=False)
        batch_op.create_index('ix_onboarding_plan_tasks_open_due', ['completed_at', 'due_on'], unique=False)
        batch_op.create_index('ix_onboarding_plan_tasks_plan_due', ['plan_id', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_plan_tasks_track_task_id'), ['track_task_id'], unique=False)




def downgrade():

    with op.batch_alter_table('onboarding_plan_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_plan_tasks_track_task_id'))
        batch_op.drop_index('ix_onboarding_plan_tasks_plan_due')
        batch_op.drop_index('ix_onboarding_plan_tasks_open_due')
        batch_op.drop_index(batch_op.f('ix_onboarding_plan_tasks_completed_by_id'))

    op.drop_table('onboarding_plan_tasks')
    with op.batch_alter_table('onboarding_checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_onboarding_checkins_asked_due')

    op.drop_table('onboarding_checkins')
    with op.batch_alter_table('onboarding_track_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_track_tasks_track_id'))

    op.drop_table('onboarding_track_tasks')
    with op.batch_alter_table('onboarding_track_pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_track_pages_track_id'))

    op.drop_table('onboarding_track_pages')
    with op.batch_alter_table('onboarding_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_plans_user_id'))
        batch_op.drop_index(batch_op.f('ix_onboarding_plans_track_id'))
        batch_op.drop_index(batch_op.f('ix_onboarding_plans_starts_on'))
        batch_op.drop_index(batch_op.f('ix_onboarding_plans_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_onboarding_plans_buddy_id'))
        batch_op.drop_index(batch_op.f('ix_onboarding_plans_buddy_confirmed_by_id'))

    op.drop_table('onboarding_plans')
    with op.batch_alter_table('onboarding_tracks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_tracks_department_id'))

    op.drop_table('onboarding_tracks')
    op.drop_table('onboarding_cohorts')

