"""development plans, course competencies, career paths

Revision ID: 0011_devplans
Revises: 0010_competencies
Create Date: 2026-11-23 05:23:01.558335

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_devplans'
down_revision = '0010_competencies'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('career_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['job_roles.id'], name=op.f('fk_career_interests_role_id_job_roles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_career_interests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_career_interests')),
    sa.UniqueConstraint('user_id', 'role_id', name='uq_career_interests_user_role')
    )
    with op.batch_alter_table('career_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_career_interests_role_id'), ['role_id'], unique=False)

    op.create_table('course_competencies',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_course_competencies_level_range')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_course_competencies_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_competencies_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'competency_id', name=op.f('pk_course_competencies'))
    )
    with op.batch_alter_table('course_competencies', schema=None) as batch_op:
        batch_op.create_index('ix_course_competencies_competency_id', ['competency_id'], unique=False)

    op.create_table('development_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target_role_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['target_role_id'], ['job_roles.id'], name=op.f('fk_development_plans_target_role_id_job_roles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_development_plans_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_development_plans')),
    sa.UniqueConstraint('user_id', name=op.f('uq_development_plans_user_id'))
    )
    op.create_table('role_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_role_id', sa.Integer(), nullable=False),
    sa.Column('to_role_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('promotion', 'lateral', name='transitionkind', native_enum=False, length=20), nullable=False),
    sa.CheckConstraint('from_role_id <> to_role_id', name=op.f('ck_role_transitions_not_to_itself')),
    sa.ForeignKeyConstraint(['from_role_id'], ['job_roles.id'], name=op.f('fk_role_transitions_from_role_id_job_roles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_role_id'], ['job_roles.id'], name=op.f('fk_role_transitions_to_role_id_job_roles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_transitions')),
    sa.UniqueConstraint('from_role_id', 'to_role_id', name='uq_role_transitions_pair')
    )
    with op.batch_alter_table('role_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_transitions_to_role_id'), ['to_role_id'], unique=False)

    op.create_table('plan_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('competency_id', sa.Integer(), nullable=True),
    sa.Column('target_level', sa.SmallInteger(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reflection', sa.Text(), nullable=False),
    sa.CheckConstraint('target_level IS NULL OR target_level BETWEEN 1 AND 5', name=op.f('ck_plan_goals_target_level_range')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_plan_goals_competency_id_competencies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plan_goals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plans.id'], name=op.f('fk_plan_goals_plan_id_development_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goals'))
    )
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goals_competency_id'), ['competency_id'], unique=False)
        batch_op.create_index('ix_plan_goals_plan_position', ['plan_id', 'position'], unique=False)

    op.create_table('plan_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_plan_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['goal_id'], ['plan_goals.id'], name=op.f('fk_plan_comments_goal_id_plan_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plans.id'], name=op.f('fk_plan_comments_plan_id_development_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_comments'))
    )
    with op.batch_alter_table('plan_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_comments_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('course', 'module', 'shadowing', 'stretch', 'mentoring', 'reading', 'workshop', 'custom', name='itemkind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('colleague_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reflection', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_plan_items_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['colleague_id'], ['users.id'], name=op.f('fk_plan_items_colleague_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_plan_items_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['goal_id'], ['plan_goals.id'], name=op.f('fk_plan_items_goal_id_plan_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['course_modules.id'], name=op.f('fk_plan_items_module_id_course_modules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items'))
    )
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_items_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_plan_items_goal_position', ['goal_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_items_module_id'), ['module_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_items_module_id'))
        batch_op.drop_index('ix_plan_items_goal_position')
        batch_op.drop_index(batch_op.f('ix_plan_items_course_id'))

    op.drop_table('plan_items')
    with op.batch_alter_table('plan_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_comments_plan_id'))

    op.drop_table('plan_comments')
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_goals_plan_position')
        batch_op.drop_index(batch_op.f('ix_plan_goals_competency_id'))

    op.drop_table('plan_goals')
    with op.batch_alter_table('role_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_transitions_to_role_id'))

    op.drop_table('role_transitions')
    op.drop_table('development_plans')
    with op.batch_alter_table('course_competencies', schema=None) as batch_op:
        batch_op.drop_index('ix_course_competencies_competency_id')

    op.drop_table('course_competencies')
    with op.batch_alter_table('career_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_career_interests_role_id'))

    op.drop_table('career_interests')

