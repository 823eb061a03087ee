"""Invoices, pro-formas, credit notes and payments.

Numbered documents (one table; a credit note references the invoice it cancels), their lines,
the payments recorded against invoices, and the counters numbers are taken from per series and
year. Downgrade drops the four tables.

Revision ID: 293e5c9bf943
Revises: 9c3e5f88a48b
Create Date: 2026-12-03 12:36:23.243989

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '293e5c9bf943'
down_revision = '9c3e5f88a48b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_counter')),
    sa.UniqueConstraint('series', 'year', name=op.f('uq_invoice_counter_series_year'))
    )
    op.create_table('invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('invoice', 'proforma', 'credit_note', name='documentkind', native_enum=False, length=20), nullable=False),
    sa.Column('series', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('credits_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('participant_name', sa.String(length=200), nullable=False),
    sa.Column('course_title', sa.String(length=300), nullable=False),
    sa.Column('payer_kind', sa.Enum('participant', 'employer', 'sponsor', name='payerkind', native_enum=False, length=20), nullable=False),
    sa.Column('billing_name', sa.String(length=200), nullable=False),
    sa.Column('billing_address', sa.String(length=1000), nullable=False),
    sa.Column('billing_email', sa.String(length=254), nullable=False),
    sa.Column('billing_tax_id', sa.String(length=50), nullable=False),
    sa.Column('billing_reference', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('number > 0', name=op.f('ck_invoice_number_positive')),
    sa.ForeignKeyConstraint(['credits_id'], ['invoice.id'], name=op.f('fk_invoice_credits_id_invoice')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_invoice_issued_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_invoice_registration_id_registration'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
    sa.UniqueConstraint('credits_id', name=op.f('uq_invoice_credits_id')),
    sa.UniqueConstraint('series', 'year', 'number', name=op.f('uq_invoice_series_year_number'))
    )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_registration_id'), ['registration_id'], unique=False)

    op.create_table('invoice_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('tuition', 'subsistence', 'fellowship', 'cancellation', 'invoiced', 'separate', name='linekind', native_enum=False, length=20), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_line_invoice_id_invoice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_line'))
    )
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_line_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('invoice_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('method', sa.Enum('bank_transfer', 'card', 'cash', 'other', name='paymentmethod', native_enum=False, length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_invoice_payment_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_payment_invoice_id_invoice'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_invoice_payment_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_payment'))
    )
    with op.batch_alter_table('invoice_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_payment_invoice_id'), ['invoice_id'], unique=False)



def downgrade():
    with op.batch_alter_table('invoice_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_payment_invoice_id'))

    op.drop_table('invoice_payment')
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_line_invoice_id'))

    op.drop_table('invoice_line')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_registration_id'))

    op.drop_table('invoice')
    op.drop_table('invoice_counter')
