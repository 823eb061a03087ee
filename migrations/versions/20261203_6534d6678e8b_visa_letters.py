"""Visa invitation letters: requests with the passport details, decisions, references.

One request per registration (its passport details are blanked by `flask tick` once the
retention period after the course is over), and a counter per year for the letters' reference
numbers (VISA-2027-0001). New tables only; downgrade drops them (with every request).

Revision ID: 6534d6678e8b
Revises: 293e5c9bf943
Create Date: 2026-12-03 12:30:42.930050

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6534d6678e8b'
down_revision = '293e5c9bf943'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visa_letter_sequence',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_visa_letter_sequence'))
    )
    op.create_table('visa_letter_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'issued', 'declined', 'withdrawn', name='visarequeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('passport_name', sa.String(length=200), nullable=False),
    sa.Column('passport_number', sa.String(length=20), nullable=False),
    sa.Column('nationality', sa.String(length=2), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('passport_expires_on', sa.Date(), nullable=True),
    sa.Column('consulate_city', sa.String(length=100), nullable=False),
    sa.Column('consulate_country', sa.String(length=2), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.String(length=500), nullable=False),
    sa.Column('reference_year', sa.Integer(), nullable=True),
    sa.Column('reference_number', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('code', sa.String(length=20), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revocation_reason', sa.String(length=500), nullable=False),
    sa.Column('passport_erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_visa_letter_request_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_visa_letter_request_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_visa_letter_request_revoked_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visa_letter_request')),
    sa.UniqueConstraint('code', name=op.f('uq_visa_letter_request_code')),
    sa.UniqueConstraint('reference', name=op.f('uq_visa_letter_request_reference')),
    sa.UniqueConstraint('reference_year', 'reference_number', name=op.f('uq_visa_letter_request_reference_year_reference_number')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_visa_letter_request_registration_id'))
    )
    with op.batch_alter_table('visa_letter_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visa_letter_request_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('visa_letter_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visa_letter_request_status'))

    op.drop_table('visa_letter_request')
    op.drop_table('visa_letter_sequence')
