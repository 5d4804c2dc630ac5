"""Students' attendance by month (days enrolled and absent), for the impact report

Revision ID: 0017_attendance
Revises: 0016_external_identities
Create Date: 2026-12-06 05:06:56.406739

"""
from alembic import op
import sqlalchemy as sa

import fieldapp.models.base


# revision identifiers, used by Alembic.
revision = '0017_attendance'
down_revision = '0016_external_identities'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('days_enrolled', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('days_absent', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('updated_at', fieldapp.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint('days_absent >= 0 AND days_absent <= days_enrolled', name=op.f('ck_attendance_months_days')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_attendance_months_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_attendance_months_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_months')),
    sa.UniqueConstraint('student_id', 'school_id', 'month', name=op.f('uq_attendance_months_student_id_school_id_month'))
    )
    with op.batch_alter_table('attendance_months', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_months_school_month', ['school_id', 'month'], unique=False)



def downgrade():
    with op.batch_alter_table('attendance_months', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_months_school_month')

    op.drop_table('attendance_months')
