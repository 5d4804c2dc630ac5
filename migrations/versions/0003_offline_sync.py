"""Offline sync: reflection versions written by two team members, merged by the team

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_reflections_superseded_by_id_reflections'),
            'reflections', ['superseded_by_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_reflections_superseded_by_id_reflections'), type_='foreignkey'
        )
        batch_op.drop_column('superseded_by_id')
