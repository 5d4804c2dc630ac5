"""Sync receipts: one per phone item that set a visit's time, a follow-up done or a draft

An item sent twice (by its form, then from the phone's queue, or twice at once) is stored once:
the receipt's unique client_id ends the race, as contacts' and reflections' own client_id do.

Revision ID: 0010_receipts
Revises: 0009_slots
Create Date: 2026-12-04 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_receipts'
down_revision = '0009_slots'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sync_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_receipts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_receipts')),
    sa.UniqueConstraint('client_id', name=op.f('uq_sync_receipts_client_id'))
    )
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_receipts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_receipts_user_id'))
    op.drop_table('sync_receipts')
