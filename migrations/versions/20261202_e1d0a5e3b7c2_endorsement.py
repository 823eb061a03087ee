"""Endorsement by the employer.

A course setting (``course.requires_endorsement``, off for every existing course) and one
``endorsement`` row per registration that needs one: the endorser, the hash of the link's
secret, its expiry, the reminder and expiry notices sent, the answer and an organiser's
override. Downgrade drops both.

Revision ID: e1d0a5e3b7c2
Revises: ff264ceed732
Create Date: 2026-12-02 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1d0a5e3b7c2'
down_revision = 'ff264ceed732'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_endorsement', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table('endorsement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('awaiting', 'endorsed', 'declined', 'waived', 'expired', name='endorsementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('endorser_name', sa.String(length=200), nullable=False),
    sa.Column('endorser_position', sa.String(length=200), nullable=False),
    sa.Column('endorser_email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('previous_token_hash', sa.String(length=64), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expiry_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('waived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('waived_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_endorsement_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['waived_by_id'], ['user.id'], name=op.f('fk_endorsement_waived_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsement')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_endorsement_registration_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_endorsement_token_hash'))
    )
    with op.batch_alter_table('endorsement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_endorsement_previous_token_hash'), ['previous_token_hash'], unique=False)


def downgrade():
    op.drop_table('endorsement')
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('requires_endorsement')
