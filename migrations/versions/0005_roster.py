"""Roster imports: an uploaded OneRoster set or CSV template, its progress and its plan

Revision ID: 0005_roster
Revises: 0008_messages
Create Date: 2026-11-28 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_roster'
down_revision = '0008_messages'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('upload', sa.LargeBinary(), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'planned', 'applied', 'failed', name='importstatus', native_enum=False, create_constraint=True, length=7), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=100), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_roster_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_roster_imports_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_imports'))
    )
    with op.batch_alter_table('roster_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_imports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_imports_school_id'), ['school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('roster_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_imports_school_id'))
        batch_op.drop_index(batch_op.f('ix_roster_imports_created_at'))

    op.drop_table('roster_imports')
