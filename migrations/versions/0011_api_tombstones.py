"""API tombstones: the records a school's system read and that were deleted since

An erasure deletes a family's follow-ups; the API's pulls list each one once more, with its
deleted_at, so that the school's system deletes its copy too. Kept 400 days (flask purge).

Revision ID: 0011_tombstones
Revises: 0010_receipts
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_tombstones'
down_revision = '0010_receipts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tombstones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource', sa.Enum('visit', 'follow_up', 'relationship_card', name='apiresource', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_api_tombstones_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tombstones'))
    )
    with op.batch_alter_table('api_tombstones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tombstones_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index('ix_api_tombstones_pull', ['school_id', 'resource', 'deleted_at', 'resource_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tombstones', schema=None) as batch_op:
        batch_op.drop_index('ix_api_tombstones_pull')
        batch_op.drop_index(batch_op.f('ix_api_tombstones_deleted_at'))
    op.drop_table('api_tombstones')
