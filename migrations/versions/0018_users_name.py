"""The admin's people list is paged in name order: an index on users (name, id)

Revision ID: 0018_users_name
Revises: 0017_attendance
Create Date: 2026-12-06 23:10:00

"""

from alembic import op

revision = "0018_users_name"
down_revision = "0017_attendance"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_users_name", "users", ["name", "id"], unique=False)


def downgrade():
    op.drop_index("ix_users_name", table_name="users")
