"""Check-in codes of confirmed participants.

One random code per registration (unique, and unique across the site), drawn the first time it
is needed: existing confirmed registrations get theirs on their next confirmation mail, their
"My courses" page or the course's badges, so nothing is drawn here. Downgrade drops the table
(the attendance the codes recorded stays).

Revision ID: 8c4e2a7d9b13
Revises: 3b8d5e6f7a10
Create Date: 2026-12-03 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c4e2a7d9b13'
down_revision = '3b8d5e6f7a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_checkin_code_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_code')),
    sa.UniqueConstraint('code', name=op.f('uq_checkin_code_code')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_checkin_code_registration_id'))
    )


def downgrade():
    op.drop_table('checkin_code')
