"""Counters of change for summaries kept between requests: the trained-staff roster's counts
of a district's staff by training status are kept per process and read again only when a
completion, a role or an account has changed since (a 22 ms statement on every page before)

Revision ID: 0019_data_versions
Revises: 0018_users_name
Create Date: 2026-12-07 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019_data_versions"
down_revision = "0018_users_name"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    op.bulk_insert(table, [{"name": "training", "version": 0}])


def downgrade():
    op.drop_table("data_versions")
