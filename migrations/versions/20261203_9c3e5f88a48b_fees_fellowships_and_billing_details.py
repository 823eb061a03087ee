"""Fees, the cancellation policy, fellowships and billing details.

A course's tuition and subsistence fees in one currency, its cancellation rules, the funders'
allocations of fellowships, the fellowships awarded, and what each applicant asked for (a
fellowship and with what justification, who is billed). Downgrade drops the five tables.

Revision ID: 9c3e5f88a48b
Revises: 2865760754d3
Create Date: 2026-12-03 12:27:57.302775

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c3e5f88a48b'
down_revision = '2865760754d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cancellation_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.CheckConstraint('days_before >= 0', name=op.f('ck_cancellation_rule_days_before_positive')),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_cancellation_rule_percent_range')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_cancellation_rule_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cancellation_rule')),
    sa.UniqueConstraint('course_id', 'days_before', name=op.f('uq_cancellation_rule_course_id_days_before'))
    )
    op.create_table('course_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tuition', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('subsistence', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_fees_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_course_fees_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_fees')),
    sa.UniqueConstraint('course_id', name=op.f('uq_course_fees_course_id'))
    )
    op.create_table('fellowship_fund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('funder', sa.String(length=200), nullable=False),
    sa.Column('full_count', sa.Integer(), nullable=True),
    sa.Column('partial_count', sa.Integer(), nullable=True),
    sa.Column('budget', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_fellowship_fund_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fellowship_fund')),
    sa.UniqueConstraint('course_id', 'funder', name=op.f('uq_fellowship_fund_course_id_funder'))
    )
    op.create_table('fellowship',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('full', 'partial', name='fellowshipkind', native_enum=False, length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('awarded_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['awarded_by_id'], ['user.id'], name=op.f('fk_fellowship_awarded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fund_id'], ['fellowship_fund.id'], name=op.f('fk_fellowship_fund_id_fellowship_fund'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_fellowship_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_fellowship_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fellowship')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_fellowship_registration_id'))
    )
    with op.batch_alter_table('fellowship', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fellowship_fund_id'), ['fund_id'], unique=False)

    op.create_table('finance_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('wants_fellowship', sa.Boolean(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('payer_kind', sa.Enum('participant', 'employer', 'sponsor', name='payerkind', native_enum=False, length=20), nullable=False),
    sa.Column('billing_name', sa.String(length=200), nullable=False),
    sa.Column('billing_address', sa.String(length=1000), nullable=False),
    sa.Column('billing_email', sa.String(length=254), nullable=False),
    sa.Column('billing_tax_id', sa.String(length=50), nullable=False),
    sa.Column('billing_reference', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_finance_request_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_request')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_finance_request_registration_id'))
    )


def downgrade():
    op.drop_table('finance_request')
    with op.batch_alter_table('fellowship', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fellowship_fund_id'))

    op.drop_table('fellowship')
    op.drop_table('fellowship_fund')
    op.drop_table('course_fees')
    op.drop_table('cancellation_rule')
