"""People's accounts at the district's identity provider (OpenID Connect sign-in): the provider's
subject, stored at the first sign-in and checked at every one after

Revision ID: 0016_external_identities
Revises: 0015_family_search
Create Date: 2026-12-05 20:50:00

"""
from alembic import op
import sqlalchemy as sa

import fieldapp.models.base


# revision identifiers, used by Alembic.
revision = '0016_external_identities'
down_revision = '0015_family_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'external_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('tenant', sa.String(length=64), nullable=True),
        sa.Column('created_at', fieldapp.models.base.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', fieldapp.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_external_identities_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identities')),
        sa.UniqueConstraint(
            'issuer', 'subject', name=op.f('uq_external_identities_issuer_subject')
        ),
        sa.UniqueConstraint(
            'user_id', 'issuer', name=op.f('uq_external_identities_user_id_issuer')
        ),
    )
    with op.batch_alter_table('external_identities', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_external_identities_user_id'), ['user_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('external_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_identities_user_id'))
    op.drop_table('external_identities')
