"""Message templates: a school's own wording of the texts sent to families, per kind and language

Revision ID: 0008_messages
Revises: 0007_feeds
Create Date: 2026-11-28 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_messages'
down_revision = '0007_feeds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('invitation', name='messagekind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_message_templates_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_message_templates_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_templates')),
    sa.UniqueConstraint('school_id', 'kind', 'language', name='uq_message_templates_text')
    )


def downgrade():
    op.drop_table('message_templates')
