"""A family's home language may be unknown (NULL): a roster without one no longer says English

Existing rows keep the language they have; only new rows without a language stay NULL.

Revision ID: 0014_language_unknown
Revises: 0013_family_names
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_language_unknown'
down_revision = '0013_family_names'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('families', schema=None) as batch_op:
        batch_op.alter_column(
            'home_language', existing_type=sa.String(length=10), nullable=True
        )


def downgrade():
    # Back to a required column: an unknown language becomes English again, as it was before.
    op.execute("UPDATE families SET home_language = 'en' WHERE home_language IS NULL")
    with op.batch_alter_table('families', schema=None) as batch_op:
        batch_op.alter_column(
            'home_language', existing_type=sa.String(length=10), nullable=False
        )
