"""API tokens; updated_at and the indexes for the API's incremental pulls

Tokens for the school's own systems; updated_at on reflections and follow-ups; the
(school, updated_at, id) indexes the pulls page through.

Existing reflections take their submission time as updated_at, follow-ups the time they were
done (or made): an incremental pull then starts from a truthful order.

Revision ID: 0006_api
Revises: 0005_roster
Create Date: 2026-11-28 16:22:05.489974

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_api'
down_revision = '0005_roster'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_tokens_created_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_api_tokens_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_school_id'), ['school_id'], unique=False)

    # Added as nullable, filled from the rows' own times, then made NOT NULL.
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE follow_ups SET updated_at = COALESCE(done_at, created_at)")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index('ix_follow_ups_updated', ['updated_at', 'id'], unique=False)

    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE reflections SET updated_at = submitted_at")
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)

    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.create_index('ix_students_school_updated', ['school_id', 'updated_at', 'id'], unique=False)

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_school_updated', ['school_id', 'updated_at', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_school_updated')

    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_index('ix_students_school_updated')

    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_updated')
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_school_id'))

    op.drop_table('api_tokens')
