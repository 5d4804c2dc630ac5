"""Slot offers: times offered to a family behind a link, their answers, day-before reminders

The messages' kinds gain the slot offer and the reminder; a contact's outcome gains "asked to be
called" (both are CHECK constraints of non-native enums: the tables are rebuilt on SQLite).

Revision ID: 0009_slots
Revises: 0006_api
Create Date: 2026-11-28 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_slots'
down_revision = '0006_api'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True,
                   length=max(len(v) for v in values))


OLD_KINDS = ('invitation',)
NEW_KINDS = ('invitation', 'slot_offer', 'reminder')
OLD_OUTCOMES = ('no_answer', 'left_message', 'agreed', 'declined', 'do_not_contact')
NEW_OUTCOMES = (*OLD_OUTCOMES, 'call_me')


def _retype(table, column, name, old, new):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(column, existing_type=_enum(name, *old), type_=_enum(name, *new),
                              existing_nullable=False)


def upgrade():
    op.create_table('slot_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('modes', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answer', _enum('offeranswer', 'chose', 'declined', 'never', 'call_me'), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_slot_offers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_slot_offers_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_offers')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_slot_offers_token_hash'))
    )
    with op.batch_alter_table('slot_offers', schema=None) as batch_op:
        batch_op.create_index('ix_slot_offers_visit_created', ['visit_id', 'created_at'], unique=False)

    op.create_table('offered_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['slot_offers.id'], name=op.f('fk_offered_slots_offer_id_slot_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offered_slots')),
    sa.UniqueConstraint('offer_id', 'start', name=op.f('uq_offered_slots_offer_id_start'))
    )
    op.create_table('reminders_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_start', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_reminders_sent_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent')),
    sa.UniqueConstraint('visit_id', 'scheduled_start', name=op.f('uq_reminders_sent_visit_id_scheduled_start'))
    )

    _retype('message_templates', 'kind', 'messagekind', OLD_KINDS, NEW_KINDS)
    _retype('contact_attempts', 'outcome', 'contactoutcome', OLD_OUTCOMES, NEW_OUTCOMES)


def downgrade():
    op.execute("DELETE FROM message_templates WHERE kind IN ('slot_offer', 'reminder')")
    op.execute("UPDATE contact_attempts SET outcome = 'left_message' WHERE outcome = 'call_me'")
    _retype('contact_attempts', 'outcome', 'contactoutcome', NEW_OUTCOMES, OLD_OUTCOMES)
    _retype('message_templates', 'kind', 'messagekind', NEW_KINDS, OLD_KINDS)
    op.drop_table('reminders_sent')
    op.drop_table('offered_slots')
    with op.batch_alter_table('slot_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_slot_offers_visit_created')
    op.drop_table('slot_offers')
