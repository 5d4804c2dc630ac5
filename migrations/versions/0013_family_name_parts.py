"""Families hold their own name only: "Nguyen", not "Nguyen family"

The word "family" is the catalogue's, said in the reader's language when a family is shown
(i18n.family_label): stored, it reached Spanish calendars and emails as "Martínez family". The
roster import and the demo seeds wrote "<surname> family"; coordinators typed either form.

Upgrade strips a trailing " family" (any case) and a leading "Familia " from existing names;
downgrade appends " family" to every name, as the app before this revision wrote them.

Revision ID: 0013_family_names
Revises: 0012_limits
Create Date: 2026-12-04 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_family_names'
down_revision = '0012_limits'
branch_labels = None
depends_on = None

# Plain SQL both SQLite and PostgreSQL run alike (lower() on ASCII words, substr, length, trim).
TRAILING = sa.text(
    "UPDATE families SET name = rtrim(substr(trim(name), 1, length(trim(name)) - 7)) "
    "WHERE lower(trim(name)) LIKE '_% family'"
)
LEADING = sa.text(
    "UPDATE families SET name = ltrim(substr(trim(name), 9)) "
    "WHERE lower(trim(name)) LIKE 'familia _%'"
)
# A name of 193 characters or fewer takes " family" within the column's 200.
APPEND = sa.text("UPDATE families SET name = substr(name, 1, 193) || ' family'")


def upgrade():
    op.execute(TRAILING)
    op.execute(LEADING)


def downgrade():
    op.execute(APPEND)
